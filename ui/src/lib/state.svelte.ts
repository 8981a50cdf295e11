// The UI's state, fed by snapshots from the backend and then by its event stream.
import type {
  CachedMessage,
  ClientEvent,
  ConnState,
  ConversationView,
  Favourites,
  Invitation,
  Meetings,
  MeetingSession,
  OngoingMeeting,
  Presence,
  PresenceChoice,
  Reason,
  Settings,
  TickState,
  UnreadTotals,
} from "./bindings";
import { commonWords } from "./i18n";
import { ipc } from "./ipc";
import { names } from "./names.svelte";
import { applyTheme } from "./theme";
import { peerOf, windowTitle } from "./ticks";

export const PAGE = 75;

/** What a join link looks like; the token is what the server knows. */
export const LINK_PREFIX = "confer://join/";

/** The token in a pasted link (the full `confer://join/<token>` or the bare token). */
export function linkToken(text: string): string {
  const t = text.trim();
  return t.toLowerCase().startsWith(LINK_PREFIX) ? t.slice(LINK_PREFIX.length).replace(/\/+$/, "") : t;
}

/** The account name of a direct conversation's other member (what presence, favourites and
 * calls go by); null for other conversations. */
export function peerLogin(info: ConversationView["info"], me: string): string | null {
  return info.kind === "direct" ? peerOf(info.members, me) : null;
}

/** How a conversation is called: the other person's display name, the group's name (or its
 * members'), the room's name. People's account names are for the details column (#13). */
export function titleOf(info: ConversationView["info"], me: string): string {
  // An alias conversation: its writer sees the alias; those who answer see whom they answer.
  if (info.kind === "alias" && info.alias) {
    const writer = info.alias.writer;
    return writer && writer !== me ? `${info.alias.display_name} · ${names.of(writer)}` : info.alias.display_name;
  }
  if (info.kind === "direct") return names.of(peerOf(info.members, me));
  if (info.name) return info.name;
  if (info.kind === "room") return commonWords().room;
  const others = info.members.filter((m) => m !== me);
  return others.length > 0 ? others.map((m) => names.of(m)).join(", ") : commonWords().group;
}

/** Who a message is shown from, by display name: in an alias conversation, answers read
 * "IT Support · Bob" (or the alias alone where the server hides who answered). */
export function senderLabel(info: ConversationView["info"], sender: string): string {
  if (info.kind !== "alias" || !info.alias || sender === info.alias.writer) return names.of(sender);
  return sender === info.alias.name ? info.alias.display_name : `${info.alias.display_name} · ${names.of(sender)}`;
}

/** A member's role in a room. */
export function roleOf(info: ConversationView["info"], user: string): "owner" | "moderator" | "member" {
  if (info.owner === user) return "owner";
  return (info.moderators ?? []).includes(user) ? "moderator" : "member";
}

/** Whether `user` may moderate a room's meeting (mute a participant, mute for all): its owner
 * and moderators; a group's meeting has no moderators. One rule for the room's details and the
 * meeting's tiles. */
export function mayModerate(info: ConversationView["info"], user: string): boolean {
  return info.kind === "room" && roleOf(info, user) !== "member";
}

const RANK: Record<TickState, number> = { pending: 0, sent: 1, delivered: 2, read: 3 };

/** Puts a message in its place: confirmed ones by seq, pending ones after them. */
export function placeMessage(list: CachedMessage[], m: CachedMessage): CachedMessage[] {
  const i = list.findIndex((x) => x.local_id === m.local_id);
  // Updates race: the send command's answer (pending) can arrive after the event saying the
  // server stored it. A message never goes back to an earlier tick.
  if (i >= 0 && m.error === null && RANK[m.state] < RANK[list[i].state]) return list;
  if (i >= 0 && list[i].seq === m.seq) {
    const out = list.slice();
    out[i] = m;
    return out;
  }
  const rest = i >= 0 ? [...list.slice(0, i), ...list.slice(i + 1)] : list.slice();
  if (m.seq === null) {
    rest.push(m);
    return rest;
  }
  let at = rest.length;
  while (at > 0) {
    const prev = rest[at - 1];
    if (prev.seq !== null && prev.seq < m.seq) break;
    at--;
  }
  rest.splice(at, 0, m);
  return rest;
}

/** A feature that keeps its own state beside the app's (features/calls): it hears every event
 * of the backend's stream, starts with a session and forgets everything at its end. */
export interface Feature {
  apply(e: ClientEvent): void;
  /** After sign-in, once the events flow: the feature's first snapshot. */
  start(): Promise<void>;
  reset(): void;
}

class AppState {
  me = $state<string | null>(null);
  connection = $state<ConnState>("connecting");
  conversations = $state.raw<ConversationView[]>([]);
  selected = $state<number | null>(null);
  /** The open conversation's loaded messages, oldest first, pending ones last. */
  messages = $state.raw<CachedMessage[]>([]);
  hasOlder = $state(true);
  loadingOlder = $state(false);
  totals = $state<UnreadTotals>({ chats: 0, rooms: 0 });
  presence = $state<Record<string, Presence>>({});
  tab = $state<"chats" | "rooms" | "people">("chats");
  settings = $state<Settings | null>(null);
  favourites = $state<Favourites>({ outgoing: [], incoming: [] });
  /** Open invitations to groups. */
  invitations = $state.raw<Invitation[]>([]);
  /** The status this user chose, and its custom message. */
  status = $state<PresenceChoice>("available");
  statusMessage = $state("");
  /** Meetings of this user's rooms and groups: going on, and (rooms only) on the calendar (as last fetched). */
  meetings = $state.raw<Meetings>({ ongoing: [], scheduled: [] });
  /** Why this user's guest access to a meeting last ended (the rooms tab says so). */
  guestEnded = $state<{ conversation: number; name: string; reason: Reason } | null>(null);
  /** Bumped when a room's link is changed from the rooms tab (room details fetch it again). */
  linkRevision = $state(0);
  /** The newest message from someone else that arrived while the timeline was scrolled up. */
  ribbon = $state<CachedMessage | null>(null);
  /** True after this user signed out: the sign-in form then waits to be filled in, whatever the
   * app was launched with. */
  signedOut = $state(false);
  /** Whether the timeline shows its newest messages (kept by the timeline). */
  atBottom = true;
  /** Bumped on every conversation switch so late answers for the old one are dropped. */
  private epoch = 0;
  /** Only the newest meetings answer counts. */
  private meetingsAsked = 0;
  /** The rooms and groups of the last conversation list (null before the first). */
  private knownRooms: Set<number> | null = null;
  /** Features fed from here (attach). */
  private features = new Set<Feature>();

  /** Feeds a feature's state from the event stream, from now on. */
  attach(feature: Feature): void {
    this.features.add(feature);
  }

  /** Back to the signed-out state (tests; signing out). */
  reset(): void {
    this.epoch++;
    this.me = null;
    this.signedOut = false;
    this.connection = "connecting";
    this.conversations = [];
    this.selected = null;
    this.messages = [];
    this.hasOlder = true;
    this.loadingOlder = false;
    this.totals = { chats: 0, rooms: 0 };
    this.presence = {};
    this.tab = "chats";
    this.settings = null;
    this.favourites = { outgoing: [], incoming: [] };
    this.invitations = [];
    this.status = "available";
    this.statusMessage = "";
    this.ribbon = null;
    this.atBottom = true;
    this.meetings = { ongoing: [], scheduled: [] };
    this.linkRevision = 0;
    this.guestEnded = null;
    this.meetingsAsked++;
    this.knownRooms = null;
    this.shown.clear();
    names.reset();
    for (const f of this.features) f.reset();
  }

  /** Signs out on the server and on this device; the app goes back to the sign-in form. */
  async signOut(): Promise<void> {
    await ipc().signOut();
    this.reset();
    this.signedOut = true;
  }

  get title(): string {
    return windowTitle(this.totals.chats + this.totals.rooms);
  }

  get conversation(): ConversationView | null {
    return this.conversations.find((c) => c.info.id === this.selected) ?? null;
  }

  async start(me: string): Promise<void> {
    this.me = me;
    // Sign-in returns once the client is online and synced; later changes arrive as events.
    this.connection = "online";
    await ipc().subscribe((e) => this.apply(e));
    await Promise.allSettled([
      this.reload(),
      this.loadSettings(),
      this.loadPresence(),
      this.loadFavourites(),
      this.loadInvitations(),
      this.loadMeetings(),
      ...[...this.features].map((f) => f.start()),
    ]);
  }

  /** The conversation list and unread totals. */
  async reload(): Promise<void> {
    const [list, totals] = await Promise.all([ipc().conversations(), ipc().unreadTotals()]);
    this.conversations = list;
    this.totals = totals;
    // A room or group this user was just added to may have a meeting going on: no event says so.
    const rooms = new Set(list.filter((c) => c.info.kind === "room" || c.info.kind === "group").map((c) => c.info.id));
    const before = this.knownRooms;
    this.knownRooms = rooms;
    if (before && [...rooms].some((id) => !before.has(id))) void this.loadMeetings().catch(() => {});
  }

  /** The ongoing and scheduled meetings of this user's rooms. */
  async loadMeetings(): Promise<void> {
    const asked = ++this.meetingsAsked;
    const m = await ipc().meetings();
    if (asked === this.meetingsAsked) this.meetings = m;
  }

  /** Meetings of rooms still in the list (one left or deleted drops out before the next fetch),
   * and those of other rooms this user is in as a guest. */
  get roomMeetings(): Meetings {
    const rooms = new Set(this.conversations.filter((c) => c.info.kind === "room").map((c) => c.info.id));
    return {
      ongoing: this.meetings.ongoing.filter((m) => rooms.has(m.conversation) || this.isGuestIn(m)),
      scheduled: this.meetings.scheduled.filter((m) => rooms.has(m.conversation)),
    };
  }

  /** True when this user is in a meeting as a guest (signed in, not a member of its room). */
  isGuestIn(m: OngoingMeeting): boolean {
    return this.me !== null && (m.guests ?? []).some((g) => !g.external && g.name === this.me);
  }

  /** The meeting going on in a room, if any. */
  ongoingIn(conversation: number) {
    return this.meetings.ongoing.find((m) => m.conversation === conversation) ?? null;
  }

  /** Starts a room's meeting, or joins it when it is going on. */
  async startMeeting(conversation: number): Promise<void> {
    await ipc().startMeeting(conversation);
    await this.loadMeetings();
  }

  /** Leaves a meeting: a room's (as a member), or one this user is in as a guest. */
  async leaveMeeting(conversation: number): Promise<void> {
    await ipc().leaveMeeting(conversation);
    await this.loadMeetings();
  }

  /** Joins a meeting by its link: a member joins (or starts) the room's meeting; anyone else
   * comes into the one going on as a guest. */
  async joinByLink(link: string): Promise<MeetingSession> {
    const session = await ipc().joinByLink(link);
    this.guestEnded = null;
    await this.loadMeetings();
    return session;
  }

  /** Lets a guest waiting in a room's lobby into its meeting (moderators). */
  async admitGuest(conversation: number, guest: number): Promise<void> {
    await ipc().admitGuest(conversation, guest);
    await this.loadMeetings();
  }

  /** Refuses a guest waiting in the lobby, or sends a present one out (moderators). */
  async removeGuest(conversation: number, guest: number): Promise<void> {
    await ipc().removeGuest(conversation, guest);
    await this.loadMeetings();
  }

  /** Mutes one participant of a room's meeting, or lifts it (moderators). */
  async setParticipantMuted(conversation: number, user: string, muted: boolean): Promise<void> {
    await ipc().setParticipantMuted(conversation, user, muted);
    await this.loadMeetings();
  }

  /** Mutes every member of a room (moderators), or lifts it: the room's `mute_all`. */
  async setMuteAll(conversation: number, muted: boolean): Promise<void> {
    await ipc().setMuteAll(conversation, muted);
    await this.reload();
  }

  /** Starts or stops recording a room's meeting (moderators): the meeting's `recording`. */
  async setRecording(conversation: number, on: boolean): Promise<void> {
    await ipc().setRecording(conversation, on);
    await this.loadMeetings();
  }

  /** Turns a room's lobby on or off (moderators); off lets everyone waiting in. */
  async setLobby(conversation: number, enabled: boolean): Promise<void> {
    await ipc().setLobby(conversation, enabled);
    await Promise.all([this.reload(), this.loadMeetings()]);
  }

  async loadSettings(): Promise<void> {
    this.settings = await ipc().settings();
    applyTheme(this.settings.device.theme);
  }

  async saveSettings(settings: Settings): Promise<void> {
    const privacyChanged = this.settings?.privacy !== settings.privacy;
    await ipc().setSettings(settings);
    this.settings = settings;
    applyTheme(settings.device.theme);
    // Ticks are drawn differently in privacy mode.
    if (privacyChanged) await this.refreshTimeline();
  }

  /** Users shown outside the conversation list (directory rows), by the view showing them. */
  private shown = new Map<string, string[]>();

  /**
   * A view shows these users (none: it closed): their presence is kept live. The members of the
   * conversations always are; the server sends presence only for what is watched.
   */
  show(view: string, users: string[]): void {
    if (users.length === 0) this.shown.delete(view);
    else this.shown.set(view, users);
    const all = [...new Set([...this.shown.values()].flat())];
    ipc()
      .watchPresence(all)
      .catch(() => {});
  }

  async loadPresence(): Promise<void> {
    const list = await ipc().presence();
    const next: Record<string, Presence> = {};
    for (const p of list) next[p.user] = p;
    this.presence = next;
    const mine = this.me !== null ? next[this.me] : undefined;
    if (mine && !mine.idle) {
      this.status = mine.status === "online" ? "available" : mine.status;
      this.statusMessage = mine.message ?? "";
    }
  }

  async loadInvitations(): Promise<void> {
    this.invitations = await ipc().invitations();
  }

  /** Joins a group this user was invited to, and opens it. */
  async joinGroup(conversation: number): Promise<void> {
    const id = await ipc().joinGroup(conversation);
    this.invitations = this.invitations.filter((i) => i.conversation !== conversation);
    await this.reload();
    this.tab = "chats";
    await this.select(id);
  }

  async declineGroup(conversation: number): Promise<void> {
    await ipc().declineGroup(conversation);
    this.invitations = this.invitations.filter((i) => i.conversation !== conversation);
  }

  /** Opens a conversation that was just made (or joined) on its tab. */
  async openNew(id: number): Promise<void> {
    await this.reload();
    const c = this.conversations.find((x) => x.info.id === id);
    if (c) this.tab = c.info.kind === "room" ? "rooms" : "chats";
    await this.select(id);
  }

  /** Leaves (or deletes) a conversation: it goes from the list and from the screen. */
  async drop(conversation: number, action: () => Promise<void>): Promise<void> {
    await action();
    if (this.selected === conversation) this.close();
    await this.reload();
  }

  /** No conversation open. */
  close(): void {
    this.epoch++;
    this.selected = null;
    this.messages = [];
    this.ribbon = null;
    this.hasOlder = false;
    void ipc().setView(null, document.hasFocus()).catch(() => {});
  }

  async loadFavourites(): Promise<void> {
    this.favourites = await ipc().favourites();
  }

  async setStatus(status: PresenceChoice, message: string): Promise<void> {
    this.status = status;
    this.statusMessage = message.trim();
    await ipc().setStatus(status, this.statusMessage || null);
  }

  /** Opens a conversation with its newest `limit` messages (a tab brings back more, to show its
   * place again). */
  async select(conversation: number, limit = PAGE): Promise<void> {
    if (this.me === null) return;
    if (conversation === this.selected && this.messages.length > 0) {
      // Already open: keep the place in it.
      await ipc().setView(conversation, document.hasFocus());
      return;
    }
    const epoch = ++this.epoch;
    this.selected = conversation;
    this.ribbon = null;
    this.atBottom = true;
    this.messages = [];
    this.hasOlder = false;
    if (!this.conversations.some((c) => c.info.id === conversation)) await this.reload();
    const page = await ipc().history(conversation, null, limit);
    if (epoch !== this.epoch) return;
    this.messages = page;
    this.hasOlder = page.filter((m) => m.seq !== null).length >= limit;
    await ipc().setView(conversation, document.hasFocus());
  }

  /** Fetches the page before the oldest loaded message; resolves to how many came. */
  async loadOlder(): Promise<number> {
    if (this.selected === null || !this.hasOlder || this.loadingOlder) return 0;
    const first = this.messages.find((m) => m.seq !== null);
    if (!first || first.seq === null) return 0;
    const epoch = this.epoch;
    const conversation = this.selected;
    this.loadingOlder = true;
    try {
      const older = await ipc().history(conversation, first.seq, PAGE);
      if (epoch !== this.epoch) return 0;
      const known = new Set(this.messages.map((m) => m.local_id));
      const fresh = older.filter((m) => m.seq !== null && !known.has(m.local_id));
      this.hasOlder = older.length >= PAGE;
      this.messages = [...fresh, ...this.messages];
      return fresh.length;
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Reads the loaded range again (after a clear, a privacy change or a resync). */
  async refreshTimeline(): Promise<void> {
    if (this.selected === null) return;
    const epoch = this.epoch;
    const loaded = this.messages.filter((m) => m.seq !== null).length;
    const limit = Math.max(PAGE, loaded);
    const page = await ipc().history(this.selected, null, limit);
    if (epoch !== this.epoch) return;
    this.messages = page;
    this.hasOlder = page.filter((m) => m.seq !== null).length >= limit;
  }

  async send(text: string): Promise<void> {
    if (this.selected === null || text.trim() === "") return;
    const queued = await ipc().sendMessage(this.selected, text);
    this.upsert(queued);
  }

  async setMuted(conversation: number, muted: boolean): Promise<void> {
    const before = this.conversations;
    this.conversations = before.map((c) => (c.info.id === conversation ? { ...c, muted } : c));
    try {
      await ipc().setMuted(conversation, muted);
    } catch (e) {
      this.conversations = before;
      throw e;
    }
  }

  async clearHistory(conversation: number): Promise<void> {
    await ipc().clearHistory(conversation);
    if (conversation === this.selected) {
      this.ribbon = null;
      this.messages = [];
      this.hasOlder = false;
      await this.refreshTimeline();
    }
    await this.reload();
  }

  /** The state of this user's favourite of someone, if any. */
  favouriteOf(user: string) {
    return this.favourites.outgoing.find((f) => f.target === user) ?? null;
  }

  /** Requests from others to add this user, still waiting for an answer. */
  get requests() {
    return this.favourites.incoming.filter((f) => f.state === "pending");
  }

  async answer(user: string, accept: boolean): Promise<void> {
    await ipc().answerSubscription(user, accept);
    await this.loadFavourites();
  }

  async toggleFavourite(user: string): Promise<void> {
    const f = this.favouriteOf(user);
    if (f && (f.state === "accepted" || f.state === "pending")) await ipc().removeFavourite(user);
    else await ipc().addFavourite(user);
    await this.loadFavourites();
  }

  upsert(m: CachedMessage): void {
    if (m.conversation !== this.selected) return;
    // A message older than the loaded range shows up when that page is loaded.
    const first = this.messages.find((x) => x.seq !== null);
    const known = this.messages.some((x) => x.local_id === m.local_id);
    if (!known && this.hasOlder && m.seq !== null && first?.seq != null && m.seq < first.seq) return;
    this.messages = placeMessage(this.messages, m);
  }

  /** Receipts for this user's messages: up to `delivered`/`read` they are delivered/read. */
  private applyTicks(delivered: number, read: number): void {
    if (this.settings?.privacy) return;
    let changed = false;
    const next = this.messages.map((m) => {
      if (m.sender !== this.me || m.seq === null) return m;
      const state: TickState = m.seq <= read ? "read" : m.seq <= delivered ? "delivered" : m.state;
      if (RANK[state] <= RANK[m.state]) return m;
      changed = true;
      return { ...m, state };
    });
    if (changed) this.messages = next;
  }

  apply(e: ClientEvent): void {
    for (const f of this.features) f.apply(e);
    switch (e.event) {
      case "state":
        this.connection = e.state;
        break;
      case "message":
        if (e.message.conversation === this.selected) {
          this.upsert(e.message);
          if (!this.atBottom && e.message.sender !== this.me) this.ribbon = e.message;
        }
        void this.reloadList();
        break;
      case "updated":
        this.upsert(e.message);
        void this.reloadList();
        break;
      case "ticks":
        if (e.conversation === this.selected) this.applyTicks(e.delivered_through, e.read_through);
        break;
      case "presence":
        this.presence[e.presence.user] = e.presence;
        break;
      case "unread":
        this.totals = e.totals;
        break;
      case "read_cursor":
        void this.reloadList();
        break;
      case "conversations":
        // A conversation appeared, or one was muted or cleared (maybe on another device).
        void this.reload().then(() => {
          // Gone (left, deleted or removed, maybe on another device): nothing open.
          if (this.selected !== null && !this.conversations.some((c) => c.info.id === this.selected)) this.close();
          else if (this.timelineStale()) void this.refreshTimeline();
        });
        break;
      case "synced":
        void this.reload();
        void this.refreshTimeline();
        void this.loadMeetings().catch(() => {});
        break;
      case "settings": {
        this.status = e.settings.status;
        this.statusMessage = e.settings.status_message ?? "";
        if (this.settings && this.settings.privacy !== e.settings.privacy) {
          this.settings = { ...this.settings, privacy: e.settings.privacy };
          void this.refreshTimeline();
        }
        break;
      }
      case "favourite":
        void this.loadFavourites();
        break;
      case "invitations":
        void this.loadInvitations();
        break;
      case "meetings":
        if (e.ended) {
          // Named from the list as it was: the meeting is gone from the next one.
          const name = this.meetings.ongoing.find((m) => m.conversation === e.conversation)?.name ?? "";
          this.guestEnded = { conversation: e.conversation, name, reason: e.ended };
        }
        void this.loadMeetings().catch(() => {});
        break;
    }
  }

  /** True when the open conversation's newest message is not the one shown (a clear, say). */
  private timelineStale(): boolean {
    const c = this.conversation;
    if (!c) return false;
    const newest = c.last_message;
    return newest ? !this.messages.some((m) => m.local_id === newest.local_id) : this.messages.length > 0;
  }

  private async reloadList(): Promise<void> {
    this.conversations = await ipc().conversations();
  }
}

export const app = new AppState();
