// The UI's state, fed by snapshots from the backend and then by its event stream.
import type {
  CachedMessage,
  ClientEvent,
  ConnState,
  ConversationView,
  Presence,
  UnreadTotals,
} from "./bindings";
import { ipc } from "./ipc";
import { windowTitle } from "./ticks";

export const PAGE = 75;

class AppState {
  me = $state<string | null>(null);
  connection = $state<ConnState>("connecting");
  conversations = $state<ConversationView[]>([]);
  selected = $state<number | null>(null);
  messages = $state<CachedMessage[]>([]);
  hasOlder = $state(true);
  totals = $state<UnreadTotals>({ chats: 0, rooms: 0 });
  presence = $state<Record<string, Presence>>({});
  tab = $state<"chats" | "rooms">("chats");
  /** The newest message that arrived while the timeline was scrolled up. */
  ribbon = $state<CachedMessage | null>(null);

  get title(): string {
    return windowTitle(this.totals.chats + this.totals.rooms);
  }

  async start(me: string): Promise<void> {
    this.me = me;
    // Sign-in returns once the client is online and synced; later changes arrive as events.
    this.connection = "online";
    await ipc().subscribe((e) => this.apply(e));
    await this.reload();
  }

  async reload(): Promise<void> {
    this.conversations = await ipc().conversations();
    this.totals = await ipc().unreadTotals();
    if (this.selected !== null) {
      this.messages = await ipc().history(this.selected, null, PAGE);
    }
  }

  async select(conversation: number): Promise<void> {
    this.selected = conversation;
    this.ribbon = null;
    this.messages = await ipc().history(conversation, null, PAGE);
    this.hasOlder = this.messages.length >= PAGE;
    await ipc().setView(conversation, document.hasFocus());
  }

  async loadOlder(): Promise<number> {
    if (this.selected === null || !this.hasOlder) return 0;
    const first = this.messages.find((m) => m.seq !== null);
    if (!first || first.seq === null) return 0;
    const older = await ipc().history(this.selected, first.seq, PAGE);
    this.hasOlder = older.length >= PAGE;
    this.messages = [...older, ...this.messages];
    return older.length;
  }

  async send(text: string): Promise<void> {
    if (this.selected === null || text.trim() === "") return;
    const queued = await ipc().sendMessage(this.selected, text);
    this.upsert(queued);
  }

  upsert(m: CachedMessage): void {
    if (m.conversation !== this.selected) return;
    const i = this.messages.findIndex((x) => x.local_id === m.local_id);
    if (i >= 0) this.messages[i] = m;
    else this.messages = [...this.messages, m];
  }

  apply(e: ClientEvent): void {
    switch (e.event) {
      case "state":
        this.connection = e.state;
        break;
      case "message":
        this.upsert(e.message);
        void this.reloadList();
        break;
      case "updated":
        this.upsert(e.message);
        void this.reloadList();
        break;
      case "ticks":
        if (e.conversation === this.selected) void this.reload();
        break;
      case "presence":
        this.presence[e.presence.user] = e.presence;
        break;
      case "unread":
        this.totals = e.totals;
        break;
      case "read_cursor":
      case "conversations":
      case "synced":
        void this.reload();
        break;
      case "settings":
      case "favourite":
        break;
    }
  }

  private async reloadList(): Promise<void> {
    this.conversations = await ipc().conversations();
  }
}

export const app = new AppState();
