// An in-memory stand-in for the desktop backend, for component tests (jsdom) and the browser
// tests (a separate page under tests/browser/). It models what the client core keeps:
// conversations, messages with their ticks, read cursors and unread counts, mute and clear,
// presence, favourites and settings; and it emits the same events. It is never part of the
// production bundle: only test entry points import it.
import type {
  About,
  CachedMessage,
  CallEnd,
  CallPhase,
  CallRecord,
  CallView,
  ClientEvent,
  ConnState,
  ConversationInfo,
  ConversationView,
  DeviceEntry,
  DirectoryEntry,
  DirectoryPage,
  ErrorCode,
  Favourite,
  Favourites,
  FavouriteState,
  FilePreview,
  FileRef,
  Invitation,
  LaunchOptions,
  LevelReading,
  MeetingGuest,
  MeetingPeerView,
  Meetings,
  MeetingSession,
  MeetingSoundView,
  Message,
  MessageKind,
  OngoingMeeting,
  Presence,
  PresenceChoice,
  PresenceStatus,
  Reaction,
  Reason,
  ScheduledMeeting,
  Settings,
  SharedFile,
  TickState,
  TransferProgress,
  UnreadTotals,
  UploadState,
} from "../src/lib/bindings";
import { MAX_TEXT_BYTES } from "../src/lib/bindings";
import { reasonText } from "../src/lib/i18n";
import { textMatches } from "../src/features/search/words";
import { mentionsIn } from "../src/features/timeline/mentions";
import type { Backend, FileDrag, UiError } from "../src/lib/ipc";

export type FakeOptions = {
  /** The account that may sign in. */
  me?: string;
  password?: string;
  /** Everyone else in the directory. */
  users?: string[];
  /** Delay of every history answer (to watch paging happen). */
  historyDelayMs?: number;
  /** How long the "server" takes to confirm a sent message; null holds them until ack(). */
  ackDelayMs?: number | null;
  launch?: LaunchOptions;
  /** "Now" for seeded messages. */
  now?: number;
  /** Display names by account name (others are the name capitalised). */
  displayNames?: Record<string, string>;
  /** E-mail addresses by account name, as the directory gives them (others have none). */
  emails?: Record<string, string>;
};

/** One message for seedGroup: its sender and text, and optionally when it was sent (ms since
 * the epoch; else `stepMs` after the one before), the seq it answers, its reactions and how long
 * after it was sent it was edited. */
export type SeedMessage = {
  sender: string;
  text: string;
  sentAt?: number;
  replyTo?: number;
  reactions?: Reaction[];
  editedAfterMs?: number;
};

/** The most entries a directory page holds, as the server has it. */
export const DIRECTORY_PAGE = 100;

/** A name as the directory sorts it: case and accents do not count. */
function sortKey(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

type Conv = {
  info: ConversationInfo;
  /** Confirmed messages by seq, then pending ones. */
  messages: CachedMessage[];
  nextSeq: number;
  /** This user's read cursor. */
  readThrough: number;
  /** Receipts for this user's messages from the other member. */
  deliveredThrough: number;
  receiptsReadThrough: number;
  muted: boolean;
  clearedThrough: number;
  /** Out of the list while the newest message is at or below this (0: shown). */
  hiddenThrough?: number;
  /** Group invitees who have not answered yet (this user included, until they join). */
  invited: string[];
  /** Who invited this user to the group, while the invitation is open. */
  inviter?: string;
  /** The join link token: a room's (moderators see it), or a direct conversation's meeting link
   * (unique to the pair; either member sees the same one). */
  link?: string;
};

/** The most members a group may have (creator and invitees). */
export const MAX_GROUP_MEMBERS = 5;
export const LINK_PREFIX = "confer://join/";
/** The most guests a meeting takes (present and waiting), as the server has it. */
export const MAX_MEETING_GUESTS = 200;

export type Call = { method: string; args: unknown[] };

/** A guest of a room's meeting: an internal one (`user`, signed in, not a member) or an
 * external one (no account, a chosen name); `admitted` is false while it waits in the lobby. */
type Guest = { id: number; name: string; user: string | null; admitted: boolean };
/** A room's meeting going on: who is in it (members), in the order they came, its guests
 * (present and waiting), in the order they came, and whom a moderator muted (as the server
 * keeps it: those who left too, until the meeting ends; only those present are shown). */
type Ongoing = { startedAt: number; participants: string[]; guests: Guest[]; muted: string[]; recording?: number | null };
/** A meeting on a room's calendar (the room's name is read when listed). */
type Planned = { id: number; conversation: number; title: string; startsAt: number; minutes: number; organizer: string };

/** An error raised by the app's own backend (the core or the shell), not by the server. */
function fail(code: string, message: string): UiError {
  return { code, message };
}

/** A server's refusal as the desktop backend passes it on: `refused:<code>`, the reason, and
 * its English sentence as the message (the UI words the reason itself). */
function refused(code: ErrorCode, reason: Reason): UiError {
  return { code: `refused:${code}`, message: reasonText(reason, "en"), reason };
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** `YYYYMMDDTHHMMSSZ` for iCalendar. */
function icsTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** An iCalendar TEXT value (RFC 5545 §3.3.11). */
function icsText(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\n/g, "\\n");
}

/** The invitation confer_core::calendar writes: a VEVENT with the times, title and link. */
function ics(m: ScheduledMeeting, link: string, host: string, now: number): string {
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Confer//Confer//EN",
    "METHOD:PUBLISH",
    "BEGIN:VEVENT",
    `UID:meeting-${m.id}@${icsText(host)}`,
    `DTSTAMP:${icsTime(now)}`,
    `DTSTART:${icsTime(m.starts_at)}`,
    `DTEND:${icsTime(m.starts_at + m.minutes * 60_000)}`,
    `SUMMARY:${icsText(m.title)}`,
    `DESCRIPTION:${icsText(`Virtual Room "${m.name}" - join: ${link}`)}`,
    `LOCATION:${icsText(link)}`,
    `URL:${link}`,
    `ORGANIZER;CN=${icsText(m.organizer)}:noreply@${icsText(host)}`,
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The server's size cap for a file, as the default configuration has it. */
export const MAX_FILE_BYTES = 100_000_000;
/** How much of a text file a preview shows (confer_core::files::PREVIEW_TEXT_BYTES). */
export const PREVIEW_TEXT_BYTES = 256 * 1024;
/** A thumbnail as file_thumbnail gives it: a data URL (one grey pixel stands in). */
export const THUMBNAIL_URL =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg==";

/** A link card's picture as the server redraws it: a small PNG as a data URL. */
export const LINK_IMAGE_URL =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAANUlEQVR42mNQTX5NEmIYzBr+4wXYNeAylXoaiHKSVL05BAFF4Ww0hCxFZw14ABYNRKJBqAEAKqFpUNNxp0kAAAAASUVORK5CYII=";

/** A link's card as the server makes it (bindings.ts: LinkPreview). */
export type LinkCardSpec = { title?: string; description?: string; image?: string };

/** The pages the fake's "previewer" knows, by host: a text whose first link is on one of them
 * gets its card a moment after it is stored. */
export const KNOWN_PAGES: Record<string, LinkCardSpec> = {
  "wiki.example.com": {
    title: "Q3 planning",
    description: "Goals, owners and dates for the third quarter: what ships, who leads each part, and when we check where it stands.",
    image: LINK_IMAGE_URL,
  },
  "news.example.org": { title: "Release notes", description: "What changed in this release, and what to look out for when upgrading." },
  "bare.example.net": { description: "A page without a title." },
};

/** The first web link of a text, as the server reads it (trailing punctuation left out). */
export function firstLink(text: string): string | null {
  const m = /https?:\/\/[^\s<>"'`]+/i.exec(text);
  return m ? m[0].replace(/[.,;:!?)\]}*_]+$/, "") : null;
}

/** An address as the server's guard takes it: one mailbox, no name, no line break or comma. */
function isMailAddress(to: string): boolean {
  return to.length <= 254 && /^[^\s@,<>"]+@[^\s@,<>"]+\.[^\s@,<>".]+$/.test(to);
}

/** The images the server draws thumbnails of (confer_files::is_image_type). */
const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** A media type from a name, as a client guesses it (the server reads an image's bytes). */
function mimeOf(name: string): string {
  const ext = name.toLowerCase().split(".").pop() ?? "";
  const types: Record<string, string> = {
    png: "image/png",
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    gif: "image/gif",
    webp: "image/webp",
    txt: "text/plain",
    md: "text/markdown",
    csv: "text/csv",
    log: "text/plain",
    json: "application/json",
    pdf: "application/pdf",
    zip: "application/zip",
  };
  return types[ext] ?? "application/octet-stream";
}

/** Whether a preview shows a file's text (confer_core::files::is_text). */
function isTextFile(mime: string, name: string): boolean {
  return (
    mime.startsWith("text/") ||
    ["application/json", "application/xml", "application/x-yaml"].includes(mime) ||
    [".txt", ".md", ".csv", ".log", ".json", ".xml", ".yaml", ".yml", ".toml", ".rs", ".ts", ".py"].some((e) => name.toLowerCase().endsWith(e))
  );
}

/** A PNG's or GIF's width and height from its header (others: none known). */
function imageSize(bytes: Uint8Array): [number, number] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50) return [view.getUint32(16), view.getUint32(20)];
  if (bytes.length >= 10 && bytes[0] === 0x47 && bytes[1] === 0x49) return [view.getUint16(6, true), view.getUint16(8, true)];
  return undefined;
}

/** An image's type from its first bytes (PNG, JPEG, GIF, WebP), as the server reads it. */
function sniffImage(b: Uint8Array): string | null {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "image/png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return "image/gif";
  if (b.length >= 12 && String.fromCharCode(...b.subarray(0, 4)) === "RIFF" && String.fromCharCode(...b.subarray(8, 12)) === "WEBP") return "image/webp";
  return null;
}

/** Bytes in base64, in a browser or Node alike. */
function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The first bytes of a PNG of that size (enough for the server to read its type and size). */
export function pngBytes(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(b.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return b;
}

/** A text or a file: what one answers, reacts to or deletes. */
function answerableKind(m: CachedMessage): boolean {
  const kind = m.kind ?? "text";
  return kind === "text" || (typeof kind === "object" && "file" in kind);
}

/** A file as the fake's "server" keeps it: its reference and its bytes. */
type StoredFile = { ref: FileRef; bytes: Uint8Array };

/** A file to share as another member (shareBy): a name, and bytes or just a size. */
export type FileSpec = { name: string; bytes?: Uint8Array; size?: number; mime?: string; dimensions?: [number, number] };

export class FakeBackend implements Backend {
  readonly me: string;
  readonly calls: Call[] = [];
  private password: string;
  private users: string[];
  private options: FakeOptions;
  private conversationsById = new Map<number, Conv>();
  private nextConversation = 1;
  private nextLocal = 1;
  private nextClientId = 1;
  private listener: ((e: ClientEvent) => void) | null = null;
  private openHandler: ((id: number) => void) | null = null;
  private signedIn = false;
  private presences = new Map<string, Presence>();
  private status: PresenceChoice = "available";
  private statusMessage: string | null = null;
  private settingsValue: Settings = {
    privacy: false,
    device: { notifications: true, auto_away_minutes: 10, theme: "system", microphone: null, speaker: null, camera: null },
  };
  /** This user's favourites (by target) and requests to them (by owner). */
  private outgoing = new Map<string, FavouriteState>();
  private incoming = new Map<string, FavouriteState>();
  private unacked: CachedMessage[] = [];
  /** Rooms' ongoing meetings by room, and the calendar. */
  private ongoing = new Map<number, Ongoing>();
  private planned: Planned[] = [];
  private nextMeeting = 1;
  private nextGuest = 1;
  private server = "ws://127.0.0.1:7300";
  /** What about() tells as the server's address, when set (null: a backend that does not know
   * it); by default the first address signed in with, as given. */
  aboutServer: string | null | undefined = undefined;
  /** The phone: the call in progress (or the last one, ended), as the core's phone keeps it. */
  private call: CallView | null = null;
  private nextCall = 1;
  /** This device's sound in a meeting, while on (one at a time, never with a call). */
  private sound: MeetingSoundView | null = null;
  /** While true, a meeting's sound joined stays connecting until soundConnects() (else it
   * connects at once, as joinMeetingSound returns). */
  holdSound = false;
  /** What the next joinMeetingSound fails with (English, as the core's `error`): it ends with it
   * and rejects. */
  soundError: string | null = null;
  private nextFrameToken = 1;
  /** The machine's devices, as `devices` lists them (tests may change it). */
  deviceList: DeviceEntry[] = [
    { id: "pulse:default-source", name: "Built-in Audio Analog Stereo", kind: "microphone", synthetic: false },
    { id: "pulse:usb-headset-source", name: "USB Headset Mono", kind: "microphone", synthetic: false },
    { id: "pulse:default-sink", name: "Built-in Audio Analog Stereo", kind: "speaker", synthetic: false },
    { id: "pulse:usb-headset-sink", name: "USB Headset Stereo", kind: "speaker", synthetic: false },
    { id: "synthetic:tone", name: "Test tone", kind: "microphone", synthetic: true },
    { id: "synthetic:silence", name: "Silence", kind: "speaker", synthetic: true },
    { id: "synthetic:pattern", name: "Test pattern", kind: "camera", synthetic: true },
  ];
  /** Who listens to the `devices` event (plugged in or out). */
  private deviceHandlers = new Set<(devices: DeviceEntry[]) => void>();
  /** What testTone rejects with (null: it plays). */
  toneError: UiError | null = null;
  /** The running device test's level listener. */
  private levelListener: ((level: LevelReading) => void) | null = null;
  view: { conversation: number | null; focused: boolean } = { conversation: null, focused: false };
  /** The connection as the client sees it (connection() changes it). */
  private connectionState: ConnState = "online";
  /** By conversation: the local ids of messages the cache lacks (uncache()). */
  private uncached = new Map<number, Set<number>>();
  /** While true, history answers wait for releaseHistory(). */
  holdHistory = false;
  private heldHistory: (() => void)[] = [];

  constructor(options: FakeOptions = {}) {
    this.options = options;
    this.me = options.me ?? "alice";
    this.password = options.password ?? "secret";
    this.users = options.users ?? ["bob", "carol", "dave", "erin"];
  }

  // ---- Backend -------------------------------------------------------------------------------

  async launchOptions(): Promise<LaunchOptions> {
    this.log("launchOptions");
    return clone(this.options.launch ?? { server: null, user: null, has_password: false });
  }

  async signIn(server: string, user: string, password: string | null): Promise<string> {
    this.log("signIn", server, user, password === null ? null : "***");
    // One address or a comma-separated list, as the core reads it; the first names the host.
    const servers = server.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (servers.length === 0) {
      throw fail("invalid", "Give at least one server address (several are separated by commas).");
    }
    if (!servers.every((s) => /^wss?:\/\/\S+$/.test(s))) {
      throw fail("invalid", "The server address must start with ws:// or wss://.");
    }
    if (user.trim().toLowerCase() !== this.me || password !== this.password) {
      throw fail("auth_failed", "Wrong user name or password.");
    }
    this.signedIn = true;
    this.server = servers[0];
    this.setOwnPresence();
    return this.me;
  }

  async subscribe(onEvent: (event: ClientEvent) => void): Promise<void> {
    this.guard("subscribe");
    this.listener = onEvent;
  }

  async conversations(): Promise<ConversationView[]> {
    this.guard("conversations");
    return clone(this.views());
  }

  async history(conversation: number, before: number | null, limit: number): Promise<CachedMessage[]> {
    this.guard("history", conversation, before, limit);
    if (this.holdHistory) await new Promise<void>((release) => this.heldHistory.push(release));
    if (this.options.historyDelayMs) await sleep(this.options.historyDelayMs);
    const c = this.conv(conversation);
    const confirmed = c.messages.filter(
      (m) => m.seq !== null && m.seq > c.clearedThrough && (before === null || m.seq < before),
    );
    const page = confirmed.slice(Math.max(0, confirmed.length - limit));
    const pending = before === null ? c.messages.filter((m) => m.seq === null) : [];
    return clone([...page, ...pending].map((m) => this.shown(c, m)));
  }

  async sendMessage(conversation: number, text: string): Promise<CachedMessage> {
    this.guard("sendMessage", conversation, text);
    const c = this.conv(conversation);
    if (text.trim() === "") throw fail("invalid", "A message needs some text.");
    if (new TextEncoder().encode(text).length > MAX_TEXT_BYTES) throw fail("text_too_long", "The message is too long.");
    const m: CachedMessage = {
      local_id: this.nextLocal++,
      conversation,
      seq: null,
      client_id: `c${this.nextClientId++}`,
      sender: this.me,
      text,
      sent_at: Date.now(),
      state: "pending",
      error: null,
      edited_at: null,
      deleted: false,
      reply_to: null,
      reactions: [],
      // The server finds whom the text names (as it does for a reply).
      mentions: this.mentionsOf(c, this.me, text),
      version: 0,
      preview: null,
    };
    c.messages.push(m);
    this.unacked.push(m);
    const delay = this.options.ackDelayMs === undefined ? 30 : this.options.ackDelayMs;
    if (delay !== null) setTimeout(() => this.ack(), delay);
    return clone(m);
  }

  async markRead(conversation: number, seq: number): Promise<void> {
    this.guard("markRead", conversation, seq);
    const c = this.conv(conversation);
    if (seq <= c.readThrough) return;
    c.readThrough = Math.min(seq, c.nextSeq - 1);
    this.emit({ event: "read_cursor", conversation, read_through: c.readThrough, unread: this.unread(c) });
    this.emitTotals();
  }

  async markUnread(conversation: number): Promise<void> {
    this.guard("markUnread", conversation);
    const c = this.conv(conversation);
    const theirs = c.messages.filter((m) => m.seq !== null && m.sender !== this.me);
    const newest = theirs[theirs.length - 1];
    if (!newest || newest.seq === null) throw new Error("There is no message from anyone else to mark unread.");
    const target = Math.max(newest.seq - 1, c.clearedThrough);
    if (target >= c.readThrough) return;
    c.readThrough = target;
    this.emit({ event: "read_cursor", conversation, read_through: c.readThrough, unread: this.unread(c) });
    this.emitTotals();
  }

  async hideConversation(conversation: number, hidden: boolean): Promise<void> {
    this.guard("hideConversation", conversation, hidden);
    const c = this.conv(conversation);
    c.hiddenThrough = hidden ? Math.max(c.nextSeq - 1, 1) : 0;
    this.emit({ event: "conversations" });
  }

  async openDirect(user: string): Promise<number> {
    this.guard("openDirect", user);
    const name = user.trim().toLowerCase();
    if (!this.users.includes(name)) throw refused("not_found", { reason: "no_such_user", name: user });
    const existing = this.direct(name);
    if (existing) return existing.info.id;
    const c = this.create(name, Date.now());
    this.emit({ event: "conversations" });
    return c.info.id;
  }

  async searchUsers(query: string): Promise<DirectoryEntry[]> {
    this.guard("searchUsers", query);
    const q = query.trim().toLowerCase();
    return clone(
      [this.me, ...this.users]
        .filter((u) => u.includes(q))
        .slice(0, 20)
        .map((u) => this.entry(u)),
    );
  }

  /** Pages through everyone (this user included) by display name, then name; the cursor is the
   * name of the last user looked at, so an `online` page can come back short with a `next`. */
  /** Drafts by conversation, as the core keeps them in the cache. */
  readonly drafts = new Map<number, string>();

  async draft(conversation: number): Promise<string | null> {
    this.guard("draft", conversation);
    return this.drafts.get(conversation) ?? null;
  }

  async setDraft(conversation: number, text: string): Promise<void> {
    this.guard("setDraft", conversation, text);
    if (text.trim() === "") this.drafts.delete(conversation);
    else this.drafts.set(conversation, text);
  }

  async directory(query: string, after: string | null, online: boolean): Promise<DirectoryPage> {
    this.guard("directory", query, after, online);
    const q = sortKey(query.trim());
    const all = this.sortedDirectory();
    let start = 0;
    if (after !== null) {
      const i = all.findIndex((u) => u.name === after);
      if (i < 0) throw fail("invalid", "Unknown directory cursor.");
      start = i + 1;
    }
    const users: DirectoryEntry[] = [];
    let i = start;
    let looked = 0;
    for (; i < all.length && looked < DIRECTORY_PAGE; i++) {
      const u = all[i];
      if (q !== "" && !sortKey(u.name).includes(q) && !sortKey(u.display_name).includes(q)) continue;
      looked++;
      const e = this.entry(u.name);
      if (online && (e.presence === null || e.presence.status === "offline")) continue;
      users.push(e);
    }
    const more = all.slice(i).some((u) => q === "" || sortKey(u.name).includes(q) || sortKey(u.display_name).includes(q));
    return clone({ users, next: more ? all[i - 1].name : null, aliases: [] });
  }

  async about(): Promise<About> {
    this.guard("about");
    return { app_version: "0.1.0", licence: "Apache-2.0", server: this.aboutServer === undefined ? this.server : this.aboutServer, server_version: null };
  }

  async signOut(): Promise<void> {
    this.guard("signOut");
    this.signedIn = false;
    this.listener = null;
  }

  async openHelp(): Promise<void> {
    this.log("openHelp");
  }

  /** The language the UI told the shell last (null: none yet); signed in or not. */
  language: "en" | "fr" | null = null;

  async setLanguage(lang: "en" | "fr"): Promise<void> {
    this.log("setLanguage", lang);
    if (lang !== "en" && lang !== "fr") throw fail("invalid", `Confer does not speak "${String(lang)}": use en or fr.`);
    this.language = lang;
  }

  async setStatus(status: PresenceChoice, message: string | null): Promise<void> {
    this.guard("setStatus", status, message);
    this.status = status;
    this.statusMessage = message && message.trim() !== "" ? message : null;
    this.emitUserSettings();
    this.setOwnPresence();
  }

  async unreadTotals(): Promise<UnreadTotals> {
    this.guard("unreadTotals");
    return this.totals();
  }

  async setView(conversation: number | null, focused: boolean): Promise<void> {
    this.guard("setView", conversation, focused);
    this.view = { conversation, focused };
  }

  async settings(): Promise<Settings> {
    this.guard("settings");
    return clone(this.settingsValue);
  }

  async setSettings(settings: Settings): Promise<void> {
    this.guard("setSettings", settings);
    const m = settings.device.auto_away_minutes;
    if (!Number.isInteger(m) || m < 0 || m > 24 * 60) {
      throw fail("invalid", "Auto-away must be between 0 (off) and 1440 minutes.");
    }
    const privacyChanged = settings.privacy !== this.settingsValue.privacy;
    this.settingsValue = clone(settings);
    if (privacyChanged) this.emitUserSettings();
  }

  async setMuted(conversation: number, muted: boolean): Promise<void> {
    this.guard("setMuted", conversation, muted);
    this.conv(conversation).muted = muted;
    this.emit({ event: "conversations" });
    this.emitTotals();
  }

  async clearHistory(conversation: number): Promise<void> {
    this.guard("clearHistory", conversation);
    const c = this.conv(conversation);
    c.clearedThrough = c.nextSeq - 1;
    c.messages = c.messages.filter((m) => m.seq === null);
    this.emit({ event: "conversations" });
    this.emitTotals();
  }

  // ---- Histories by email ---------------------------------------------------------------------

  /** The histories the "server" mailed, oldest first. */
  readonly mails: { conversation: number; to: string; language: string; utcOffsetMinutes: number }[] = [];
  /** What mailHistory refuses with (null: it sends): mail_not_configured (a server without
   * SMTP), too_many_mails, mail_failed. A malformed address is refused whatever this says. */
  mailRefusal: Reason | null = null;
  /** While true, mailHistory waits for releaseMail() before it answers. */
  holdMail = false;
  private heldMail: (() => void)[] = [];

  async mailHistory(conversation: number, to: string, language: string, utcOffsetMinutes: number): Promise<void> {
    this.guard("mailHistory", conversation, to, language, utcOffsetMinutes);
    const c = this.mine(conversation);
    if (this.holdMail) await new Promise<void>((release) => this.heldMail.push(release));
    const address = to.trim();
    const refusal = this.mailRefusal;
    if (refusal?.reason === "mail_not_configured") throw refused("forbidden", refusal);
    if (!isMailAddress(address)) throw refused("invalid", { reason: "bad_email_address" });
    if (refusal) throw refused(refusal.reason === "too_many_mails" ? "rate_limited" : "internal", refusal);
    this.mails.push({ conversation, to: address, language, utcOffsetMinutes });
    // The server leaves its line in the conversation, from the sender.
    this.event(c, this.me, { mailed: { to: address } });
  }

  /** Lets held mails (holdMail) go on, and stops holding new ones. */
  releaseMail(): void {
    this.holdMail = false;
    for (const release of this.heldMail.splice(0)) release();
  }

  /** `user` sends a conversation's history to `to` (from their own app): the line comes as an
   * event. */
  mailBy(conversation: number, user: string, to: string): void {
    this.event(this.conv(conversation), user, { mailed: { to } });
  }

  // ---- Link cards ------------------------------------------------------------------------------

  /** The pages the "previewer" knows, by host (tests add their own). */
  pages: Record<string, LinkCardSpec> = clone(KNOWN_PAGES);
  /** How long after a text is stored its card comes. */
  previewDelayMs = 60;

  /** The card of a text's first link, if the previewer knows its page. */
  private cardFor(text: string): CachedMessage["preview"] {
    const url = firstLink(text);
    if (!url) return null;
    let host = "";
    try {
      host = new URL(url).hostname.toLowerCase();
    } catch {
      return null;
    }
    const page = this.pages[host] ?? this.pages[host.replace(/^www\./, "")];
    return page ? { url, ...clone(page) } : null;
  }

  /** The server's previewer: a moment after a text is stored, the card of its first link comes
   * as a change of the message (as an edit does), while that link is still its first and the
   * message is still there. */
  private previewLater(c: Conv, m: CachedMessage): void {
    const card = this.cardFor(m.text);
    if (!card) return;
    setTimeout(() => {
      if (m.deleted || (m.kind ?? "text") !== "text" || firstLink(m.text) !== card.url || m.preview?.url === card.url) return;
      m.preview = card;
      this.changed(c, m);
    }, this.previewDelayMs);
  }

  /** An edit keeps the card while the first link stays; another link drops it (its own card
   * comes later). */
  private relink(c: Conv, m: CachedMessage): void {
    if (m.preview && firstLink(m.text) !== m.preview.url) m.preview = null;
    if (!m.preview) this.previewLater(c, m);
  }

  async presence(): Promise<Presence[]> {
    this.guard("presence");
    return clone([...this.presences.values()].filter((p) => p.status !== "offline"));
  }

  /** What the UI last asked to watch besides the conversations' members. */
  watched: string[] = [];

  async watchPresence(users: string[]): Promise<void> {
    this.guard("watchPresence", users);
    this.watched = [...users];
  }

  async favourites(): Promise<Favourites> {
    this.guard("favourites");
    const outgoing: Favourite[] = [...this.outgoing].map(([target, state]) => ({ owner: this.me, target, state }));
    const incoming: Favourite[] = [...this.incoming]
      .filter(([, state]) => state === "pending")
      .map(([owner, state]) => ({ owner, target: this.me, state }));
    return { outgoing, incoming };
  }

  async addFavourite(user: string): Promise<void> {
    this.guard("addFavourite", user);
    if (!this.users.includes(user)) throw refused("not_found", { reason: "no_such_user", name: user });
    this.outgoing.set(user, "pending");
    this.emit({ event: "favourite", favourite: { owner: this.me, target: user, state: "pending" } });
  }

  async removeFavourite(user: string): Promise<void> {
    this.guard("removeFavourite", user);
    if (!this.outgoing.delete(user)) throw fail("not_found", `${user} is not a favourite.`);
    this.emit({ event: "favourite", favourite: { owner: this.me, target: user, state: "removed" } });
  }

  async answerSubscription(user: string, accept: boolean): Promise<void> {
    this.guard("answerSubscription", user, accept);
    if (this.incoming.get(user) !== "pending") throw refused("not_found", { reason: "no_pending_request", name: user });
    const state: FavouriteState = accept ? "accepted" : "declined";
    this.incoming.set(user, state);
    this.emit({ event: "favourite", favourite: { owner: user, target: this.me, state } });
  }

  async createGroup(invite: string[], name: string | null): Promise<number> {
    this.guard("createGroup", invite, name);
    const people = [...new Set(invite.map((u) => this.known(u)))].filter((u) => u !== this.me);
    if (people.length === 0) throw refused("invalid", { reason: "no_invitees" });
    if (people.length + 1 > MAX_GROUP_MEMBERS) {
      throw refused("invalid", { reason: "group_full", max: MAX_GROUP_MEMBERS });
    }
    const trimmed = name?.trim() ?? "";
    const c = this.createShared({
      kind: "group",
      members: [this.me],
      created_at: Date.now(),
      ...(trimmed ? { name: trimmed } : {}),
    });
    c.invited = people;
    this.emit({ event: "conversations" });
    return c.info.id;
  }

  async inviteToGroup(conversation: number, user: string): Promise<void> {
    this.guard("inviteToGroup", conversation, user);
    const c = this.mine(conversation, "group");
    const name = this.known(user);
    if (c.info.members.includes(name)) throw refused("conflict", { reason: "already_member", name });
    if (c.invited.includes(name)) throw fail("invalid", `${name} is already invited.`);
    if (c.info.members.length + c.invited.length + 1 > MAX_GROUP_MEMBERS) {
      throw refused("invalid", { reason: "group_full", max: MAX_GROUP_MEMBERS });
    }
    c.invited.push(name);
    this.emit({ event: "conversations" });
  }

  async joinGroup(conversation: number): Promise<number> {
    this.guard("joinGroup", conversation);
    const c = this.invitation(conversation);
    c.invited = c.invited.filter((u) => u !== this.me);
    c.inviter = undefined;
    c.info.members = [...c.info.members, this.me].sort();
    // Newcomers see only what comes after they joined.
    c.clearedThrough = c.nextSeq - 1;
    c.readThrough = c.clearedThrough;
    this.event(c, this.me, "joined");
    this.emit({ event: "invitations" });
    this.emit({ event: "conversations" });
    return c.info.id;
  }

  async declineGroup(conversation: number): Promise<void> {
    this.guard("declineGroup", conversation);
    const c = this.invitation(conversation);
    c.invited = c.invited.filter((u) => u !== this.me);
    c.inviter = undefined;
    this.emit({ event: "invitations" });
  }

  async leaveGroup(conversation: number): Promise<void> {
    this.guard("leaveGroup", conversation);
    const c = this.mine(conversation, "group");
    this.exitMeeting(c.info.id, this.me);
    this.event(c, this.me, "left");
    c.info.members = c.info.members.filter((u) => u !== this.me);
    if (c.info.members.length === 0) this.conversationsById.delete(c.info.id);
    this.emit({ event: "conversations" });
    this.emitTotals();
  }

  async invitations(): Promise<Invitation[]> {
    this.guard("invitations");
    return clone(
      [...this.conversationsById.values()]
        .filter((c) => c.info.kind === "group" && c.invited.includes(this.me))
        .map((c) => ({
          conversation: c.info.id,
          name: c.info.name ?? null,
          inviter: c.inviter ?? c.info.members[0] ?? "",
          members: c.info.members.slice(),
        })),
    );
  }

  async createRoom(name: string): Promise<number> {
    this.guard("createRoom", name);
    const trimmed = name.trim();
    if (trimmed === "") throw refused("invalid", { reason: "name_length", field: "room_name", max: 100 });
    const c = this.createShared({
      kind: "room",
      members: [this.me],
      created_at: Date.now(),
      name: trimmed,
      owner: this.me,
      moderators: [this.me],
      mute_all: false,
    });
    c.link = this.newToken();
    this.emit({ event: "conversations" });
    return c.info.id;
  }

  async addRoomMember(conversation: number, user: string): Promise<void> {
    this.guard("addRoomMember", conversation, user);
    const c = this.moderated(conversation);
    const name = this.known(user);
    if (c.info.members.includes(name)) throw refused("conflict", { reason: "already_member", name });
    c.info.members = [...c.info.members, name].sort();
    this.event(c, name, "joined");
    this.emit({ event: "conversations" });
    this.guestBecomesParticipant(c.info.id, name);
  }

  async removeRoomMember(conversation: number, user: string): Promise<void> {
    this.guard("removeRoomMember", conversation, user);
    const c = this.moderated(conversation);
    if (user === c.info.owner) throw refused("forbidden", { reason: "owner_cannot_be_removed" });
    if (!c.info.members.includes(user)) throw refused("not_found", { reason: "not_in_room", name: user });
    this.exitMeeting(c.info.id, user);
    this.event(c, user, "left");
    c.info.members = c.info.members.filter((u) => u !== user);
    c.info.moderators = (c.info.moderators ?? []).filter((u) => u !== user);
    this.emit({ event: "conversations" });
  }

  async promoteModerator(conversation: number, user: string): Promise<void> {
    this.guard("promoteModerator", conversation, user);
    const c = this.moderated(conversation);
    if (!c.info.members.includes(user)) throw refused("not_found", { reason: "not_in_room", name: user });
    if ((c.info.moderators ?? []).includes(user)) throw fail("invalid", `${user} is already a moderator.`);
    c.info.moderators = [...(c.info.moderators ?? []), user];
    this.emit({ event: "conversations" });
  }

  async setMuteAll(conversation: number, muted: boolean): Promise<void> {
    this.guard("setMuteAll", conversation, muted);
    const c = this.moderated(conversation);
    c.info.mute_all = muted;
    this.emit({ event: "conversations" });
  }

  /** While true, the "server" does not record meetings: setRecording is refused (recording_off). */
  recordingOff = false;

  async setRecording(conversation: number, on: boolean): Promise<void> {
    this.guard("setRecording", conversation, on);
    this.moderated(conversation);
    if (this.recordingOff) throw refused("forbidden", { reason: "recording_off" });
    this.applyRecording(conversation, on);
  }

  async setParticipantMuted(conversation: number, user: string, muted: boolean): Promise<void> {
    this.guard("setParticipantMuted", conversation, user, muted);
    this.moderated(conversation);
    this.applyParticipantMuted(conversation, user, muted);
  }

  async leaveRoom(conversation: number): Promise<void> {
    this.guard("leaveRoom", conversation);
    const c = this.mine(conversation, "room");
    if (c.info.owner === this.me) throw refused("forbidden", { reason: "owner_cannot_leave" });
    this.exitMeeting(c.info.id, this.me);
    this.event(c, this.me, "left");
    c.info.members = c.info.members.filter((u) => u !== this.me);
    c.info.moderators = (c.info.moderators ?? []).filter((u) => u !== this.me);
    this.emit({ event: "conversations" });
    this.emitTotals();
  }

  async deleteRoom(conversation: number): Promise<void> {
    this.guard("deleteRoom", conversation);
    const c = this.mine(conversation, "room");
    if (c.info.owner !== this.me) throw refused("forbidden", { reason: "owner_only", conversation });
    this.dismissGuests(c.info.id, { reason: "room_deleted" });
    this.conversationsById.delete(c.info.id);
    this.ongoing.delete(c.info.id);
    if (this.sound?.conversation === c.info.id) this.endSound();
    this.planned = this.planned.filter((m) => m.conversation !== c.info.id);
    this.emit({ event: "conversations" });
    this.emitTotals();
  }

  async roomLink(conversation: number): Promise<string> {
    this.guard("roomLink", conversation);
    // A direct conversation's meeting link belongs to both members: no moderator rights needed.
    const direct = this.conversationsById.get(conversation);
    const c = direct?.info.kind === "direct" ? this.mine(conversation) : this.moderated(conversation);
    c.link ??= this.newToken();
    return c.link;
  }

  async rotateRoomLink(conversation: number): Promise<string> {
    this.guard("rotateRoomLink", conversation);
    const c = this.moderated(conversation);
    c.link = this.newToken();
    return c.link;
  }

  async resolveLink(link: string): Promise<[number, string]> {
    this.guard("resolveLink", link);
    const token = link.trim().startsWith(LINK_PREFIX) ? link.trim().slice(LINK_PREFIX.length) : link.trim();
    const c = [...this.conversationsById.values()].find((x) => x.info.kind === "room" && x.link === token && token !== "");
    if (!c) throw refused("not_found", { reason: "link_unknown" });
    return [c.info.id, c.info.name ?? ""];
  }

  async startMeeting(conversation: number): Promise<void> {
    this.guard("startMeeting", conversation);
    this.meetingPlace(conversation);
    this.enterMeeting(conversation, this.me);
  }

  async leaveMeeting(conversation: number): Promise<void> {
    this.guard("leaveMeeting", conversation);
    const m = this.ongoing.get(conversation);
    const mine = m?.guests.find((g) => g.user === this.me);
    if (mine) {
      // An internal guest leaving: their access ends with it.
      this.dropGuest(conversation, mine);
      return;
    }
    this.meetingPlace(conversation);
    if (!this.exitMeeting(conversation, this.me)) {
      throw refused("not_found", { reason: "not_in_meeting", conversation });
    }
  }

  async joinByLink(link: string): Promise<MeetingSession> {
    this.guard("joinByLink", link);
    const trimmed = link.trim();
    const token = trimmed.startsWith(LINK_PREFIX) ? trimmed.slice(LINK_PREFIX.length) : trimmed;
    if (!/^[A-Za-z0-9]+$/.test(token)) {
      throw fail("invalid", `${JSON.stringify(trimmed)} is not a room link; it looks like ${LINK_PREFIX}<letters and digits>.`);
    }
    // Rooms only, like resolveLink (a direct conversation's link is for its two members).
    const c = [...this.conversationsById.values()].find((x) => x.info.kind === "room" && x.link === token);
    if (!c) throw refused("not_found", { reason: "link_unknown" });
    const id = c.info.id;
    const room = c.info.name ?? "";
    if (c.info.members.includes(this.me)) {
      this.enterMeeting(id, this.me);
      return clone({ conversation: id, room, name: this.me, role: "member", guest: null, admitted: true, meeting: this.meetingView(id, true) });
    }
    const g = this.addGuest(id, this.me, this.me);
    return clone({ conversation: id, room, name: g.name, role: "guest", guest: g.id, admitted: true, meeting: this.meetingView(id, false) });
  }

  async admitGuest(conversation: number, guest: number): Promise<void> {
    this.guard("admitGuest", conversation, guest);
    this.moderated(conversation);
    const g = this.ongoing.get(conversation)?.guests.find((x) => x.id === guest);
    if (!g) throw refused("not_found", { reason: "guest_not_in_lobby", guest });
    if (g.admitted) throw refused("conflict", { reason: "guest_already_admitted", guest });
    g.admitted = true;
    this.emitMeetings(conversation);
  }

  async removeGuest(conversation: number, guest: number): Promise<void> {
    this.guard("removeGuest", conversation, guest);
    this.moderated(conversation);
    const g = this.ongoing.get(conversation)?.guests.find((x) => x.id === guest);
    if (!g) throw refused("not_found", { reason: "guest_not_in_meeting", guest });
    this.dropGuest(conversation, g, g.admitted ? { reason: "removed_by_moderator" } : { reason: "refused_by_moderator" });
  }

  async setLobby(conversation: number, enabled: boolean): Promise<void> {
    this.guard("setLobby", conversation, enabled);
    this.applyLobby(this.moderated(conversation), enabled);
  }

  async scheduleMeeting(conversation: number, title: string, startsAt: number, minutes: number): Promise<ScheduledMeeting> {
    this.guard("scheduleMeeting", conversation, title, startsAt, minutes);
    this.moderated(conversation);
    return clone(this.plan(conversation, this.me, title, startsAt, minutes));
  }

  async deleteScheduledMeeting(meeting: number): Promise<void> {
    this.guard("deleteScheduledMeeting", meeting);
    const m = this.planned.find((x) => x.id === meeting);
    if (!m) throw refused("not_found", { reason: "no_scheduled_meeting", meeting });
    const c = this.mine(m.conversation, "room");
    if (c.info.owner !== this.me) throw refused("forbidden", { reason: "owner_only", conversation: c.info.id });
    this.planned = this.planned.filter((x) => x !== m);
    this.emit({ event: "meetings", conversation: m.conversation });
  }

  async meetings(): Promise<Meetings> {
    this.guard("meetings");
    return clone(this.listMeetings());
  }

  /** Invitations "saved" by saveMeetingIcs, by path. */
  saved = new Map<string, string>();

  async saveMeetingIcs(meeting: number): Promise<string> {
    this.guard("saveMeetingIcs", meeting);
    const text = await this.meetingIcs(meeting);
    const title = this.listMeetings().scheduled.find((x) => x.id === meeting)?.title ?? "meeting";
    let path = `~/Downloads/${title}.ics`;
    for (let n = 2; this.saved.has(path); n++) path = `~/Downloads/${title} (${n}).ics`;
    this.saved.set(path, text);
    return path;
  }

  /** The .ics text of a scheduled meeting (what saveMeetingIcs writes). */
  async meetingIcs(meeting: number): Promise<string> {
    const m = this.listMeetings().scheduled.find((x) => x.id === meeting);
    if (!m) throw fail("not_found", `There is no scheduled meeting ${meeting} in your rooms.`);
    const c = this.moderated(m.conversation);
    c.link ??= this.newToken();
    const link = `${LINK_PREFIX}${c.link}`;
    const host = this.server.split("://")[1]?.split(/[/:]/)[0] || "localhost";
    return ics(m, link, host, Date.now());
  }

  // ---- Calls (the core's phone: one call at a time; every change is a `call` event) ------------

  async placeCall(conversation: number, video: boolean): Promise<CallView> {
    this.guard("placeCall", conversation, video);
    const c = this.mine(conversation);
    if (c.info.kind !== "direct") throw refused("invalid", { reason: "no_calls", conversation });
    if (this.callGoing()) throw fail("invalid", "a call is going on already");
    if (this.sound) throw fail("invalid", "this device's sound is in a meeting: leave it first");
    const peer = c.info.members.find((m) => m !== this.me) ?? this.me;
    this.call = this.newCall(conversation, peer, false, video, "calling");
    this.emitCall();
    return clone(this.call);
  }

  async acceptCall(call: number, video: boolean): Promise<void> {
    this.guard("acceptCall", call, video);
    const c = this.call;
    if (!c || c.id !== call || c.phase !== "ringing") throw fail("not_found", `call ${call} is not ringing`);
    if (this.sound) throw fail("invalid", "this device's sound is in a meeting: leave it first");
    c.phase = "connecting";
    c.camera_off = !video;
    this.emitCall();
  }

  async declineCall(call: number): Promise<void> {
    this.guard("declineCall", call);
    const c = this.call;
    if (!c || c.id !== call || c.phase !== "ringing") throw refused("not_found", { reason: "no_such_call", call });
    this.endCall("declined");
  }

  async hangUp(): Promise<void> {
    this.guard("hangUp");
    const c = this.call;
    if (!c || c.phase === "ended" || c.phase === "ringing") return;
    this.endCall(c.phase === "calling" ? "cancelled" : "hung_up");
  }

  async setCallControls(muted: boolean, cameraOff: boolean): Promise<void> {
    this.guard("setCallControls", muted, cameraOff);
    const c = this.call;
    if (!c || c.phase === "ended") return;
    c.muted = muted;
    c.camera_off = cameraOff;
    this.emitCall();
  }

  // ---- A meeting's sound (the core's phone too: every change is a `meeting_sound` event) -------

  async joinMeetingSound(conversation: number, camera: boolean): Promise<MeetingSoundView> {
    this.guard("joinMeetingSound", conversation, camera);
    this.meetingPlace(conversation);
    if (this.callGoing()) throw fail("invalid", "a call is going on: hang up before joining a meeting's sound");
    if (!this.ongoing.get(conversation)?.participants.includes(this.me)) {
      throw refused("not_found", { reason: "not_in_meeting", conversation });
    }
    // Moved from another meeting's (or joined again): that one ends first.
    this.endSound();
    const view: MeetingSoundView = { conversation, phase: "connecting", muted: false, camera, people: [], error: null };
    this.emit({ event: "meeting_sound", sound: clone(view) });
    const error = this.soundError;
    if (error !== null) {
      this.soundError = null;
      this.emit({ event: "meeting_sound", sound: { ...view, phase: "ended", error } });
      throw fail("internal", error);
    }
    this.sound = view;
    if (!this.holdSound) this.soundConnects();
    return clone(this.sound);
  }

  async setMeetingSoundMuted(muted: boolean): Promise<void> {
    this.guard("setMeetingSoundMuted", muted);
    const s = this.sound;
    if (!s) return;
    s.muted = muted;
    this.emitSound();
  }

  async leaveMeetingSound(): Promise<void> {
    this.guard("leaveMeetingSound");
    this.endSound();
  }

  async meetingSound(): Promise<MeetingSoundView | null> {
    this.guard("meetingSound");
    return this.sound ? clone(this.sound) : null;
  }

  async useCallDevices(microphone: string | null, speaker: string | null, camera: string | null): Promise<void> {
    this.guard("useCallDevices", microphone, speaker, camera);
    // Saved in the profile's settings; a call going on switches to them and goes on as it was.
    this.settingsValue = { ...this.settingsValue, device: { ...this.settingsValue.device, microphone, speaker, camera } };
  }

  async currentCall(): Promise<CallView | null> {
    this.guard("currentCall");
    return this.call ? clone(this.call) : null;
  }

  async frameSocket(): Promise<string> {
    this.guard("frameSocket");
    return `ws://127.0.0.1:7399/frames?token=fake${this.nextFrameToken++}`;
  }

  async devices(): Promise<DeviceEntry[]> {
    this.guard("devices");
    return clone(this.deviceList);
  }

  async startDeviceTest(microphone: string | null, camera: boolean, onLevel: (level: LevelReading) => void): Promise<void> {
    this.guard("startDeviceTest", microphone, camera);
    this.levelListener = onLevel;
  }

  async stopDeviceTest(): Promise<void> {
    this.guard("stopDeviceTest");
    this.levelListener = null;
  }

  async testTone(speaker: string | null): Promise<void> {
    this.guard("testTone", speaker);
    if (this.toneError) throw clone(this.toneError);
  }

  async onOpenConversation(handler: (conversation: number) => void): Promise<void> {
    this.log("onOpenConversation");
    this.openHandler = handler;
  }

  async onDevices(handler: (devices: DeviceEntry[]) => void): Promise<() => void> {
    this.log("onDevices");
    this.deviceHandlers.add(handler);
    return () => {
      this.deviceHandlers.delete(handler);
    };
  }

  // ---- Files (#14): staged bytes, uploads with progress, the server's files -------------------

  /** Files the "server" holds, by id, with the conversation they were shared in. */
  private files = new Map<string, StoredFile & { conversation: number }>();
  private nextFile = 1;
  /** Files on this device by path: staged by stageFile, or put "on the disk" by diskFile. */
  private disk = new Map<string, Uint8Array>();
  private nextStage = 1;
  /** The server's size cap (tests lower it rather than make 100 MB). */
  maxFileBytes = MAX_FILE_BYTES;
  /** The pause before each of an upload's four progress reports. */
  uploadStepMs = 5;
  /** While true, an upload waits before each report after its first until releaseUploads(). */
  holdUploads = false;
  private heldUploads: (() => void)[] = [];
  /** Uploads going on, by transfer id: cancelling wakes them. */
  private transfers = new Map<string, { cancelled: boolean; wake: () => void }>();
  /** The paths saved in the Downloads folder (a download never replaces one). */
  readonly downloads = new Set<string>();
  /** Who hears files dragged from the system (the desktop's drag and drop). */
  private dragHandlers = new Set<(drag: FileDrag) => void>();

  async stageFile(name: string, bytes: Uint8Array): Promise<string> {
    // The length is logged, not the bytes.
    this.guard("stageFile", name, bytes.length);
    if (name === "" || /[\\/]/.test(name)) throw refused("invalid", { reason: "bad_file_name" });
    const path = `/home/${this.me}/.local/share/confer/outgoing/${this.nextStage++}/${name}`;
    this.disk.set(path, bytes.slice());
    return path;
  }

  async uploadFile(conversation: number, path: string, transfer: string, onProgress: (progress: TransferProgress) => void): Promise<UploadState> {
    this.guard("uploadFile", conversation, path, transfer);
    const c = this.conv(conversation);
    if (!c.info.members.includes(this.me)) throw refused("forbidden", { reason: "not_a_member", conversation });
    const bytes = this.disk.get(path);
    if (!bytes) throw fail("not_found", `There is no file at ${path}.`);
    if (bytes.length > this.maxFileBytes) throw refused("invalid", { reason: "file_too_large", max: this.maxFileBytes });
    const t = { cancelled: false, wake: () => {} };
    this.transfers.set(transfer, t);
    try {
      const total = bytes.length;
      for (let step = 1; step <= 4; step++) {
        await new Promise<void>((wake) => {
          t.wake = wake;
          if (this.holdUploads && step > 1) this.heldUploads.push(wake);
          else setTimeout(wake, this.uploadStepMs);
        });
        if (t.cancelled) throw fail("cancelled", "The upload was cancelled.");
        onProgress({ sent: Math.round((total * step) / 4), total });
      }
    } finally {
      this.transfers.delete(transfer);
    }
    // Shared: the staged copy goes (as the shell's unstage), the message comes as an event.
    if (path.includes("/outgoing/")) this.disk.delete(path);
    const { ref, thumbnailError } = this.storeFile(conversation, { name: path.split(/[\\/]/).pop() ?? path, bytes });
    const seq = this.postFile(c, this.me, ref);
    return clone({ id: ref.id, offset: ref.size, size: ref.size, file: ref, seq, ...(thumbnailError ? { thumbnail_error: thumbnailError } : {}) });
  }

  async cancelTransfer(transfer: string): Promise<void> {
    this.log("cancelTransfer", transfer);
    const t = this.transfers.get(transfer);
    if (!t) return;
    t.cancelled = true;
    t.wake();
  }

  async downloadFile(file: string): Promise<string> {
    this.guard("downloadFile", file);
    const f = this.fileHere(file);
    const dot = f.ref.name.lastIndexOf(".");
    const [stem, ext] = dot > 0 ? [f.ref.name.slice(0, dot), f.ref.name.slice(dot)] : [f.ref.name, ""];
    let path = `/home/${this.me}/Downloads/${f.ref.name}`;
    for (let n = 1; this.downloads.has(path); n++) path = `/home/${this.me}/Downloads/${stem} (${n})${ext}`;
    this.downloads.add(path);
    return path;
  }

  async fileThumbnail(file: string): Promise<string> {
    this.guard("fileThumbnail", file);
    const f = this.fileHere(file);
    if (!f.ref.thumbnail) throw refused("not_found", { reason: "no_thumbnail" });
    // A whole picture stands for its own thumbnail; a header alone (pngBytes), one grey pixel.
    return f.bytes.length > 64 ? `data:${f.ref.mime};base64,${base64(f.bytes)}` : THUMBNAIL_URL;
  }

  async sharedFiles(conversation: number): Promise<SharedFile[]> {
    this.guard("sharedFiles", conversation);
    return clone(this.shared(conversation));
  }

  async openPreview(conversation: number, file: string): Promise<void> {
    this.guard("openPreview", conversation, file);
    if (!this.shared(conversation).some((s) => s.file.id === file)) throw refused("not_found", { reason: "no_such_file" });
  }

  async filePreview(conversation: number, file: string): Promise<[SharedFile, FilePreview]> {
    this.guard("filePreview", conversation, file);
    const shared = this.shared(conversation).find((s) => s.file.id === file);
    const f = this.files.get(file);
    if (!shared || !f) throw refused("not_found", { reason: "no_such_file" });
    let preview: FilePreview = { kind: "none" };
    if (IMAGE_TYPES.has(f.ref.mime)) {
      preview = { kind: "image", url: f.bytes.length > 0 ? `data:${f.ref.mime};base64,${base64(f.bytes)}` : THUMBNAIL_URL };
    } else if (isTextFile(f.ref.mime, f.ref.name)) {
      const head = f.bytes.subarray(0, PREVIEW_TEXT_BYTES);
      preview = { kind: "text", text: new TextDecoder().decode(head), truncated: f.ref.size > PREVIEW_TEXT_BYTES };
    }
    return clone([shared, preview]);
  }

  async onFileDrag(handler: (drag: FileDrag) => void): Promise<() => void> {
    this.log("onFileDrag");
    this.dragHandlers.add(handler);
    return () => {
      this.dragHandlers.delete(handler);
    };
  }

  /** Lets held uploads (holdUploads) go on to their next report. */
  releaseUploads(): void {
    const held = this.heldUploads.splice(0);
    for (const wake of held) wake();
  }

  /** Puts a file on this device's "disk", for a drag from the system to name. */
  diskFile(path: string, bytes: Uint8Array): void {
    this.disk.set(path, bytes.slice());
  }

  /** Files dragged from the system over the window, as the desktop tells it. */
  systemDrag(drag: FileDrag): void {
    for (const h of this.dragHandlers) h(clone(drag));
  }

  /** How many listen to drags from the system. */
  get dragListeners(): number {
    return this.dragHandlers.size;
  }

  /** `sender` shares a file in a conversation (their message comes as an event); resolves to
   * the file's id. */
  shareBy(conversation: number, sender: string, spec: FileSpec): string {
    const c = this.conv(conversation);
    const { ref } = this.storeFile(conversation, spec);
    this.postFile(c, sender, ref);
    return ref.id;
  }

  /** The file of a conversation's message `seq` (null for another kind). */
  fileAt(conversation: number, seq: number): FileRef | null {
    const kind = this.conv(conversation).messages.find((m) => m.seq === seq)?.kind;
    return typeof kind === "object" && "file" in kind ? clone(kind.file) : null;
  }

  /** A file kept as the server keeps it: its type from its bytes for images, a thumbnail for
   * those it can read (why not for one it cannot). */
  private storeFile(conversation: number, spec: FileSpec): { ref: FileRef; thumbnailError?: Reason } {
    const bytes = spec.bytes ?? new Uint8Array(0);
    const size = spec.bytes ? bytes.length : (spec.size ?? 0);
    const sniffed = sniffImage(bytes);
    const guessed = spec.mime ?? mimeOf(spec.name);
    const mime = sniffed ?? guessed;
    // Bytes given and not an image the name says: unreadable. A size alone: taken as drawn.
    const drawn = sniffed !== null || (!spec.bytes && IMAGE_TYPES.has(guessed));
    const id = (this.nextFile++).toString(16).padStart(32, "0");
    const dimensions = spec.dimensions ?? (sniffed ? imageSize(bytes) : undefined);
    const ref: FileRef = { id, name: spec.name, size, mime, ...(drawn ? { thumbnail: true } : {}), ...(dimensions ? { dimensions } : {}) };
    this.files.set(id, { ref, bytes, conversation });
    const thumbnailError: Reason | undefined = IMAGE_TYPES.has(guessed) && !drawn ? { reason: "image_unreadable" } : undefined;
    return { ref, thumbnailError };
  }

  /** A file message of `sender`, stored and told. */
  private postFile(c: Conv, sender: string, ref: FileRef): number {
    const m: CachedMessage = {
      local_id: this.nextLocal++,
      conversation: c.info.id,
      seq: c.nextSeq++,
      client_id: `file-${this.nextClientId++}`,
      sender,
      text: "",
      sent_at: Date.now(),
      state: "sent",
      error: null,
      edited_at: null,
      deleted: false,
      reply_to: null,
      reactions: [],
      mentions: [],
      version: 0,
      preview: null,
      kind: { file: ref },
    };
    c.messages = [...c.messages.filter((x) => x.seq !== null), m, ...c.messages.filter((x) => x.seq === null)];
    if (sender === this.me) c.readThrough = m.seq as number;
    if (c.info.members.includes(this.me)) {
      const theirs = sender !== this.me && !c.muted;
      this.emit({ event: "message", message: clone(this.shown(c, m)), decision: { notify: theirs, blink: theirs, badge: theirs, mentioned: false } });
      this.emitTotals();
    }
    return m.seq as number;
  }

  /** The files shared in a conversation this user is in, not deleted, newest first. */
  private shared(conversation: number): SharedFile[] {
    const c = this.conv(conversation);
    if (!c.info.members.includes(this.me)) throw refused("forbidden", { reason: "not_a_member", conversation });
    const out: SharedFile[] = [];
    for (const m of c.messages) {
      const kind = m.kind;
      if (m.seq === null || m.deleted || typeof kind !== "object" || !("file" in kind)) continue;
      out.push({ file: kind.file, sender: m.sender, seq: m.seq, sent_at: m.sent_at });
    }
    return out.reverse();
  }

  /** A file of a conversation this user is in (members only, as the server has it). */
  private fileHere(file: string): StoredFile {
    const f = this.files.get(file);
    if (!f || !this.conv(f.conversation).info.members.includes(this.me)) throw refused("not_found", { reason: "no_such_file" });
    return f;
  }

  // ---- Messages that change: replies, edits, deletions, reactions, typing, search (#13) --------

  async sendReply(conversation: number, text: string, replyTo: number): Promise<CachedMessage> {
    this.guard("sendReply", conversation, text, replyTo);
    const c = this.conv(conversation);
    this.answerable(c, replyTo);
    const m = await this.sendMessage(conversation, text);
    const stored = c.messages.find((x) => x.local_id === m.local_id)!;
    stored.reply_to = replyTo;
    stored.mentions = this.mentionsOf(c, this.me, text);
    return clone(stored);
  }

  async editMessage(localId: number, text: string): Promise<void> {
    this.guard("editMessage", localId, text);
    const { c, m } = this.own(localId);
    if ((m.kind ?? "text") !== "text") throw refused("invalid", { reason: "not_a_text_message", conversation: c.info.id, seq: m.seq ?? 0 });
    if (text.trim() === "") throw fail("invalid", "A message needs some text.");
    if (new TextEncoder().encode(text).length > MAX_TEXT_BYTES) throw fail("text_too_long", "The message is too long.");
    m.text = text;
    m.edited_at = Date.now();
    m.mentions = this.mentionsOf(c, this.me, text);
    this.relink(c, m);
    this.changed(c, m);
  }

  async deleteMessage(localId: number): Promise<void> {
    this.guard("deleteMessage", localId);
    const { c, m } = this.own(localId);
    this.blank(m);
    this.changed(c, m);
  }

  async react(localId: number, emoji: string, on: boolean): Promise<void> {
    this.guard("react", localId, emoji, on);
    const { c, m } = this.found(localId);
    if (m.seq === null) throw fail("invalid", "A message is reacted to once it is sent.");
    this.toggleReaction(c, m, this.me, emoji, on);
  }

  async setTyping(conversation: number, typing: boolean): Promise<void> {
    this.guard("setTyping", conversation, typing);
  }

  async searchLocal(query: string, conversation: number | null): Promise<CachedMessage[]> {
    this.guard("searchLocal", query, conversation);
    return clone(this.search(query, conversation, (c, m) => this.cached(c, m)).slice(0, 100).map(({ c, m }) => this.shown(c, m)));
  }

  async searchMessages(query: string, conversation: number | null): Promise<Message[]> {
    this.guard("searchMessages", query, conversation);
    if (this.connectionState !== "online") throw fail("offline", "not connected to the server");
    return clone(
      this.search(query, conversation, () => true)
        .slice(0, 50)
        .map(({ c, m }) => {
          // The server's message leaves out a card it has not (the cache keeps null).
          const { local_id: _l, error: _e, preview, ...rest } = this.shown(c, m);
          return { ...rest, seq: m.seq as number, ...(preview ? { preview } : {}) };
        }),
    );
  }

  async openLink(url: string): Promise<void> {
    this.guard("openLink", url);
    if (!/^(https?:\/\/|mailto:)/i.test(url)) throw fail("invalid", "Only web and mail links are opened.");
  }

  /** Messages of the "server" that this device's cache does not hold (searchLocal leaves them
   * out; searchMessages finds them; history still brings them): the oldest `count` of a
   * conversation. */
  uncache(conversation: number, count: number): void {
    const confirmed = this.conv(conversation).messages.filter((m) => m.seq !== null);
    this.uncached.set(conversation, new Set(confirmed.slice(0, count).map((m) => m.local_id)));
  }

  /** `user` answers message `replyTo` of a group, room or direct conversation; resolves to its seq. */
  replyBy(conversation: number, user: string, text: string, replyTo: number): number {
    const seq = this.post(conversation, user, text);
    const c = this.conv(conversation);
    const m = c.messages.find((x) => x.seq === seq)!;
    m.reply_to = replyTo;
    this.changed(c, m);
    return seq;
  }

  /** `user` edits their message `seq` (from another device, or someone else's). */
  editBy(conversation: number, seq: number, text: string): void {
    const c = this.conv(conversation);
    const m = this.atSeq(c, seq);
    m.text = text;
    m.edited_at = Date.now();
    m.mentions = this.mentionsOf(c, m.sender, text);
    this.relink(c, m);
    this.changed(c, m);
  }

  /** The sender of message `seq` deletes it. */
  deleteBy(conversation: number, seq: number): void {
    const c = this.conv(conversation);
    const m = this.atSeq(c, seq);
    this.blank(m);
    this.changed(c, m);
  }

  /** `user` reacts to message `seq` with `emoji` (or takes it back). */
  reactBy(conversation: number, seq: number, user: string, emoji: string, on = true): void {
    const c = this.conv(conversation);
    this.toggleReaction(c, this.atSeq(c, seq), user, emoji, on);
  }

  /** `user` types in a conversation (or stopped): the event the other side repeats every 3 s. */
  typingBy(conversation: number, user: string, typing = true): void {
    this.emit({ event: "typing", conversation, user, typing });
  }

  /** The stored message at `seq` of a conversation, as the cache has it. */
  messageAt(conversation: number, seq: number): CachedMessage | null {
    const m = this.conv(conversation).messages.find((x) => x.seq === seq);
    return m ? clone(m) : null;
  }

  // ---- What the other side does (test drivers) --------------------------------------------------

  /** The meeting link token `peer` reads for their direct conversation with this user: the same
   * one this user gets from roomLink (made on first ask, then stable). */
  directLinkOf(peer: string): string {
    const c = this.direct(peer.trim().toLowerCase());
    if (!c) throw fail("not_found", `No conversation with ${peer}.`);
    c.link ??= this.newToken();
    return c.link;
  }

  /** A conversation with `peer` holding `count` messages, alternating senders, `stepMs` apart. */
  seed(peer: string, count: number, opts: { stepMs?: number; unread?: number; text?: (i: number) => string } = {}): number {
    const step = opts.stepMs ?? 47 * 60_000;
    const now = this.options.now ?? Date.now();
    const c = this.direct(peer) ?? this.create(peer, now - (count + 1) * step);
    for (let i = 0; i < count; i++) {
      const mine = i % 3 === 1;
      const seq = c.nextSeq++;
      const text = opts.text ? opts.text(i) : mine ? `Reply number ${seq}` : `Message ${seq} from ${peer}`;
      c.messages.push({
        local_id: this.nextLocal++,
        conversation: c.info.id,
        seq,
        client_id: `seed-${c.info.id}-${seq}`,
        sender: mine ? this.me : peer,
        text,
        sent_at: now - (count - i) * step,
        state: "sent",
        error: null,
        edited_at: null,
        deleted: false,
        reply_to: null,
        reactions: [],
        mentions: [],
        version: 0,
        preview: this.cardFor(text),
      });
    }
    const last = c.nextSeq - 1;
    c.deliveredThrough = last;
    c.receiptsReadThrough = Math.max(0, last - 6);
    // All read but the newest `unread` messages from the peer.
    const fromPeer = c.messages.filter((m) => m.sender !== this.me && m.seq !== null);
    const unread = opts.unread ?? 0;
    const firstUnread = fromPeer[fromPeer.length - unread];
    c.readThrough = unread > 0 && firstUnread?.seq ? firstUnread.seq - 1 : last;
    return c.info.id;
  }

  /** A group named `name` of this user and `members` holding `messages` as given (oldest first,
   * seqs from 1, `stepMs` apart unless timed, the newest just now), all read and delivered: for
   * scenarios that seed() cannot make (several senders, replies, reactions, edits). Resolves to
   * its id. */
  seedGroup(name: string, members: string[], messages: SeedMessage[], opts: { stepMs?: number } = {}): number {
    const step = opts.stepMs ?? 60_000;
    const now = this.options.now ?? Date.now();
    const count = messages.length;
    const c = this.createShared({
      kind: "group",
      members: [...new Set([this.me, ...members])].sort(),
      created_at: (messages[0]?.sentAt ?? now - (count - 1) * step) - step,
      name,
    });
    messages.forEach((spec, i) => {
      const seq = c.nextSeq++;
      const sentAt = spec.sentAt ?? now - (count - 1 - i) * step;
      c.messages.push({
        local_id: this.nextLocal++,
        conversation: c.info.id,
        seq,
        client_id: `seed-${c.info.id}-${seq}`,
        sender: spec.sender,
        text: spec.text,
        sent_at: sentAt,
        state: "sent",
        error: null,
        edited_at: spec.editedAfterMs === undefined ? null : sentAt + spec.editedAfterMs,
        deleted: false,
        reply_to: spec.replyTo ?? null,
        reactions: clone(spec.reactions ?? []),
        mentions: this.mentionsOf(c, spec.sender, spec.text),
        version: spec.editedAfterMs === undefined && !spec.reactions?.length ? 0 : 1,
        preview: this.cardFor(spec.text),
      });
    });
    const last = c.nextSeq - 1;
    c.deliveredThrough = last;
    c.receiptsReadThrough = last;
    c.readThrough = last;
    return c.info.id;
  }

  /** `peer` sends a message; resolves to its seq. */
  receive(peer: string, text: string): number {
    const known = this.direct(peer);
    const c = known ?? this.create(peer, Date.now());
    if (!known) this.emit({ event: "conversations" });
    const m: CachedMessage = {
      local_id: this.nextLocal++,
      conversation: c.info.id,
      seq: c.nextSeq++,
      client_id: `in-${this.nextClientId++}`,
      sender: peer,
      text,
      sent_at: Date.now(),
      state: "sent",
      error: null,
      edited_at: null,
      deleted: false,
      reply_to: null,
      reactions: [],
      mentions: [],
      version: 0,
      preview: null,
    };
    c.messages = [...c.messages.filter((x) => x.seq !== null), m, ...c.messages.filter((x) => x.seq === null)];
    const decision = { notify: !c.muted, blink: !c.muted, badge: !c.muted, mentioned: false };
    this.emit({ event: "message", message: clone(m), decision });
    this.emitTotals();
    this.previewLater(c, m);
    return m.seq as number;
  }

  /** The server confirms the oldest unconfirmed sent message (all of them with `all`). */
  ack(all = false): void {
    do {
      const m = this.unacked.shift();
      if (!m) return;
      const c = this.conv(m.conversation);
      m.seq = c.nextSeq++;
      m.sent_at = Date.now();
      m.state = "sent";
      c.messages = [...c.messages.filter((x) => x.seq !== null), m, ...c.messages.filter((x) => x.seq === null && x !== m)];
      this.emit({ event: "updated", message: clone(this.shown(c, m)) });
      this.previewLater(c, m);
    } while (all);
  }

  /** Receipts from the other member: delivered and read through these seqs. */
  receipts(conversation: number, delivered: number, read: number): void {
    const c = this.conv(conversation);
    c.deliveredThrough = Math.max(c.deliveredThrough, delivered, read);
    c.receiptsReadThrough = Math.max(c.receiptsReadThrough, read);
    if (this.settingsValue.privacy) return; // privacy mode: only the server tick is seen
    this.emit({
      event: "ticks",
      conversation,
      delivered_through: c.deliveredThrough,
      read_through: c.receiptsReadThrough,
    });
  }

  setPresence(user: string, status: PresenceStatus, message: string | null = null, idle = false): void {
    const p: Presence = {
      user,
      status,
      message: status === "offline" ? null : message,
      idle,
      last_seen: status === "offline" ? Date.now() - 3_600_000 : null,
    };
    this.presences.set(user, p);
    this.emit({ event: "presence", presence: clone(p) });
  }

  /** `user` asks to add this user to their favourites. */
  requestFavourite(user: string): void {
    this.incoming.set(user, "pending");
    this.emit({ event: "favourite", favourite: { owner: user, target: this.me, state: "pending" } });
  }

  /** `user` answers this user's request. */
  answerRequest(user: string, accept: boolean): void {
    const state: FavouriteState = accept ? "accepted" : "declined";
    this.outgoing.set(user, state);
    this.emit({ event: "favourite", favourite: { owner: this.me, target: user, state } });
  }

  /** Lets held history answers go (and stops holding new ones). */
  releaseHistory(): void {
    this.holdHistory = false;
    const held = this.heldHistory;
    this.heldHistory = [];
    for (const release of held) release();
  }

  /** The shell asks to show a conversation (a notification was clicked). */
  openConversation(id: number): void {
    this.openHandler?.(id);
  }

  /** The client's connection changes (reconnecting, offline, or the session refused). */
  connection(state: ConnState): void {
    this.connectionState = state;
    this.emit({ event: "state", state });
  }

  /** `inviter` invites this user to a new group with `others` already in it; resolves to its id. */
  inviteMe(inviter: string, others: string[] = [], name: string | null = null): number {
    const c = this.createShared({
      kind: "group",
      members: [inviter, ...others].sort(),
      created_at: Date.now(),
      ...(name ? { name } : {}),
    });
    c.invited = [this.me];
    c.inviter = inviter;
    this.emit({ event: "invitations" });
    return c.info.id;
  }

  /** An invitee answers this user's group invitation. */
  answerInvitation(conversation: number, user: string, join = true): void {
    const c = this.conv(conversation);
    if (!c.invited.includes(user)) throw fail("not_found", `${user} was not invited.`);
    c.invited = c.invited.filter((u) => u !== user);
    if (!join) return;
    c.info.members = [...c.info.members, user].sort();
    this.event(c, user, "joined");
    this.emit({ event: "conversations" });
  }

  /** `user` leaves a group or room this user is in. */
  memberLeaves(conversation: number, user: string): void {
    const c = this.conv(conversation);
    this.exitMeeting(conversation, user);
    this.event(c, user, "left");
    c.info.members = c.info.members.filter((u) => u !== user);
    c.info.moderators = c.info.moderators?.filter((u) => u !== user);
    this.emit({ event: "conversations" });
  }

  /** A 1:1 call between this user and `peer` ended: its line in their conversation (the sender
   * is the caller, `peer` or this user). Resolves to the conversation's id. */
  callEnded(peer: string, caller: string, call: CallRecord): number {
    const known = this.direct(peer);
    const c = known ?? this.create(peer, Date.now());
    if (!known) this.emit({ event: "conversations" });
    this.event(c, caller, { call });
    return c.info.id;
  }

  /** `peer` calls this user (video or not): the call rings here. Resolves to the call's id. */
  ringFrom(peer: string, video = false): number {
    const name = this.known(peer);
    const known = this.direct(name);
    const c = known ?? this.create(name, Date.now());
    if (!known) this.emit({ event: "conversations" });
    this.call = this.newCall(c.info.id, name, true, video, "ringing");
    this.emitCall();
    return this.call.id;
  }

  /** The call moves on: "connecting" (answered, media being set up), "active" (talking, from
   * `startedAt`, now by default). An outgoing call is answered by its callee this way. */
  callPhase(phase: Exclude<CallPhase, "ringing" | "ended">, startedAt: number = Date.now()): void {
    const c = this.call;
    if (!c || c.phase === "ended") throw new Error("no call going on");
    c.phase = phase;
    if (phase === "active") c.started_at ??= startedAt;
    this.emitCall();
  }

  /** The other side answers the call placed from here: it connects, then the talk begins. */
  callAnswered(startedAt: number = Date.now()): void {
    this.callPhase("connecting");
    this.callPhase("active", startedAt);
  }

  /** The call ends for `reason` (the other side hung up, declined, never answered...; `error`
   * when the media failed). Its line is added to the timeline as the server would. */
  callEnds(reason: CallEnd, error: string | null = null): void {
    if (!this.call || this.call.phase === "ended") throw new Error("no call going on");
    this.endCall(reason, error);
  }

  /** The media path's figures, as the core measures them. */
  callQuality(rttMs: number | null, lossPct: number | null): void {
    const c = this.call;
    if (!c || c.phase === "ended") throw new Error("no call going on");
    c.rtt_ms = rttMs;
    c.loss_pct = lossPct;
    this.emitCall();
  }

  /** A device (by name) was unplugged during the call; the call goes on with `now`, the
   * system's default (null: none left, the call goes on without). */
  deviceChanged(kind: "microphone" | "speaker" | "camera", lost: string, now: string | null): void {
    const c = this.call;
    if (!c || c.phase === "ended") throw new Error("no call going on");
    c.device_change = { kind, lost, now };
    this.emitCall();
  }

  /** The phone's call as it is now (null before any). */
  currentCallView(): CallView | null {
    return this.call ? clone(this.call) : null;
  }

  /** The meeting's sound held connecting (holdSound) connects. */
  soundConnects(): void {
    const s = this.sound;
    if (!s) throw new Error("no meeting sound");
    s.phase = "connected";
    this.emitSound();
  }

  /** The meeting's sound fails after connecting (`error`, English) or is cut (null). */
  soundEnds(error: string | null = null): void {
    if (!this.sound) throw new Error("no meeting sound");
    this.endSound(error);
  }

  /** Who the meeting's sound hears or sees changes (the core's list, in the order first
   * received): the whole list, as each `meeting_sound` event carries it. */
  soundPeople(people: MeetingPeerView[]): void {
    const s = this.sound;
    if (!s) throw new Error("no meeting sound");
    s.people = clone(people);
    this.emitSound();
  }

  /** One person of the meeting's sound (by source) speaks, stops, is seen on a tile or named. */
  soundPeer(source: number, change: Partial<Omit<MeetingPeerView, "source">>): void {
    const s = this.sound;
    const p = s?.people.find((x) => x.source === source);
    if (!s || !p) throw new Error(`no one with source ${source} in the meeting's sound`);
    Object.assign(p, change);
    this.emitSound();
  }

  /** This device's meeting sound as it is now (null when off). */
  currentSound(): MeetingSoundView | null {
    return this.sound ? clone(this.sound) : null;
  }

  /** A room owned by `owner` with this user among `members` (and `moderators`); resolves to its id. */
  roomBy(owner: string, name: string, members: string[] = [], moderators: string[] = []): number {
    const c = this.createShared({
      kind: "room",
      members: [...new Set([owner, this.me, ...members])].sort(),
      created_at: Date.now(),
      name,
      owner,
      moderators: [...new Set([owner, ...moderators])],
      mute_all: false,
    });
    c.link = this.newToken();
    this.emit({ event: "conversations" });
    return c.info.id;
  }

  /** A room this user is not in (reachable only through its link); resolves to its token. */
  foreignRoom(owner: string, name: string): string {
    const c = this.createShared({
      kind: "room",
      members: [owner],
      created_at: Date.now(),
      name,
      owner,
      moderators: [owner],
      mute_all: false,
    });
    c.link = this.newToken();
    return c.link;
  }

  /** `sender` posts in a group or room. */
  post(conversation: number, sender: string, text: string): number {
    const c = this.conv(conversation);
    const m: CachedMessage = {
      local_id: this.nextLocal++,
      conversation,
      seq: c.nextSeq++,
      client_id: `in-${this.nextClientId++}`,
      sender,
      text,
      sent_at: Date.now(),
      state: "sent",
      error: null,
      edited_at: null,
      deleted: false,
      reply_to: null,
      reactions: [],
      mentions: this.mentionsOf(c, sender, text),
      version: 0,
      preview: null,
    };
    c.messages = [...c.messages.filter((x) => x.seq !== null), m, ...c.messages.filter((x) => x.seq === null)];
    if (c.info.members.includes(this.me)) {
      const mentioned = m.mentions.includes(this.me);
      this.emit({ event: "message", message: clone(m), decision: { notify: !c.muted || mentioned, blink: !c.muted || mentioned, badge: !c.muted, mentioned } });
      this.emitTotals();
    }
    this.previewLater(c, m);
    return m.seq as number;
  }

  /** A moderator adds `user` (this user too) to a room. */
  joinsRoom(conversation: number, user: string): void {
    const c = this.conv(conversation);
    if (c.info.members.includes(user)) throw fail("invalid", `${user} is already in the room.`);
    c.info.members = [...c.info.members, user].sort();
    this.event(c, user, "joined");
    this.emit({ event: "conversations" });
    this.guestBecomesParticipant(conversation, user);
  }

  /** `user` (a member) starts or joins a room's meeting. */
  meetingJoins(conversation: number, user: string): void {
    const c = this.conv(conversation);
    if (!c.info.members.includes(user)) throw fail("not_found", `${user} is not in the room.`);
    this.enterMeeting(conversation, user);
  }

  /** `user`, signed in and not a member of the room, joins its ongoing meeting by the link as an
   * internal guest (never held in the lobby); resolves to the guest's id. */
  guestJoins(conversation: number, user: string): number {
    const name = this.known(user);
    if (this.conv(conversation).info.members.includes(name)) throw fail("invalid", `${name} is a member of the room.`);
    return this.addGuest(conversation, name, name).id;
  }

  /** An internal guest leaves the meeting. */
  guestLeaves(conversation: number, user: string): void {
    const g = this.ongoing.get(conversation)?.guests.find((x) => x.user === user);
    if (!g) throw fail("not_found", `${user} is not a guest of the meeting.`);
    this.dropGuest(conversation, g);
  }

  /** Another moderator (on another device, say) refuses or removes a guest, this user perhaps. */
  guestRemoved(conversation: number, guest: number): void {
    const g = this.ongoing.get(conversation)?.guests.find((x) => x.id === guest);
    if (!g) throw fail("not_found", `Guest ${guest} is not in the meeting of room ${conversation} (they may have left).`);
    this.dropGuest(conversation, g, g.admitted ? { reason: "removed_by_moderator" } : { reason: "refused_by_moderator" });
  }

  /** Someone without an account joins a room's ongoing meeting by its link under `name` (the CLI,
   * say): into the lobby when the room has it on, else straight in; resolves to the guest's id. */
  externalGuestArrives(conversation: number, name: string): number {
    const n = name.trim();
    if ([...n].length < 1 || [...n].length > 64 || /\p{Cc}/u.test(n)) {
      throw fail("invalid", "A guest's name has 1 to 64 characters and no control characters.");
    }
    return this.addGuest(conversation, null, n).id;
  }

  /** An external guest goes (closes its connection), waiting or present. */
  externalGuestLeaves(conversation: number, guest: number): void {
    const g = this.ongoing.get(conversation)?.guests.find((x) => x.id === guest && x.user === null);
    if (!g) throw fail("not_found", `Guest ${guest} is not in any meeting.`);
    this.dropGuest(conversation, g);
  }

  /** `moderator` (another one, or on another device) turns a room's lobby on or off. */
  lobbyBy(conversation: number, moderator: string, enabled: boolean): void {
    const c = this.conv(conversation);
    if (!(c.info.moderators ?? []).includes(moderator)) throw fail("forbidden", `${moderator} is not a moderator.`);
    this.applyLobby(c, enabled);
  }

  /** `moderator` (another one, or on another device) mutes a participant of a room's meeting,
   * this user perhaps, or lifts it. */
  participantMutedBy(conversation: number, moderator: string, user: string, muted: boolean): void {
    const c = this.conv(conversation);
    if (!(c.info.moderators ?? []).includes(moderator)) throw fail("forbidden", `${moderator} is not a moderator.`);
    this.applyParticipantMuted(conversation, user, muted);
  }

  /** `moderator` (another one, or on another device) starts or stops recording a room's meeting. */
  recordingBy(conversation: number, moderator: string, on: boolean): void {
    const c = this.conv(conversation);
    if (!(c.info.moderators ?? []).includes(moderator)) throw fail("forbidden", `${moderator} is not a moderator.`);
    this.applyRecording(conversation, on);
  }

  /** Since when a room's meeting is recorded (null: it is not, or there is no meeting). */
  recordingOf(conversation: number): number | null {
    return this.ongoing.get(conversation)?.recording ?? null;
  }

  /** Whom a moderator muted in a room's meeting and who is in it, in the order they were muted. */
  mutedIn(conversation: number): string[] {
    const m = this.ongoing.get(conversation);
    return m ? m.muted.filter((u) => m.participants.includes(u)) : [];
  }

  /** A room's meeting's guests, present and waiting, in the order they came. */
  guestsOf(conversation: number): (MeetingGuest & { admitted: boolean })[] {
    return (this.ongoing.get(conversation)?.guests ?? []).map((g) => ({ id: g.id, name: g.name, external: g.user === null, admitted: g.admitted }));
  }

  /** `user` leaves a room's meeting (the last one out ends it). */
  meetingLeaves(conversation: number, user: string): void {
    if (!this.exitMeeting(conversation, user)) throw fail("not_found", `${user} is not in the meeting.`);
  }

  /** `organizer` (a moderator) puts a meeting on a room's calendar; resolves to its id. */
  scheduleBy(conversation: number, organizer: string, title: string, startsAt: number, minutes: number): number {
    const c = this.conv(conversation);
    if (!(c.info.moderators ?? []).includes(organizer)) throw fail("forbidden", `${organizer} is not a moderator.`);
    return this.plan(conversation, organizer, title, startsAt, minutes).id;
  }

  /** Who is in a room's meeting, in the order they came (empty: none going on). */
  participantsOf(conversation: number): string[] {
    return this.ongoing.get(conversation)?.participants.slice() ?? [];
  }

  /** The ids of a room's scheduled meetings (ended ones too). */
  plannedIn(conversation: number): number[] {
    return this.planned.filter((m) => m.conversation === conversation).map((m) => m.id);
  }

  /** Who is invited to a group and has not answered yet. */
  invitedTo(conversation: number): string[] {
    return this.conv(conversation).invited.slice();
  }

  /** A room's current link token. */
  linkOf(conversation: number): string | null {
    return this.conv(conversation).link ?? null;
  }

  /** The conversation's info as the fake keeps it. */
  infoOf(conversation: number): ConversationInfo | null {
    const c = this.conversationsById.get(conversation);
    return c ? clone(c.info) : null;
  }

  /** A room's or group's id by name. */
  idByName(name: string): number | null {
    return [...this.conversationsById.values()].find((c) => c.info.name === name)?.info.id ?? null;
  }

  /** A conversation's id with `peer`, if there is one. */
  conversationWith(peer: string): number | null {
    return this.direct(peer)?.info.id ?? null;
  }

  /** The machine's devices become `list` (plugged in or out): `devices` lists them from now on,
   * and the `devices` event brings them to its listeners (later, as a copy, like the desktop's). */
  setDevices(list: DeviceEntry[]): void {
    this.deviceList = clone(list);
    const copy = clone(list);
    const handlers = [...this.deviceHandlers];
    queueMicrotask(() => {
      for (const h of handlers) h(clone(copy));
    });
  }

  /** A device is plugged in. */
  plugIn(device: DeviceEntry): void {
    this.setDevices([...this.deviceList, device]);
  }

  /** The device with this id is unplugged. */
  unplug(id: string): void {
    this.setDevices(this.deviceList.filter((d) => d.id !== id));
  }

  /** How many listen to the `devices` event. */
  get deviceListeners(): number {
    return this.deviceHandlers.size;
  }

  /** Whether a device test is running. */
  get deviceTestRunning(): boolean {
    return this.levelListener !== null;
  }

  /** The running device test's microphone reads this level (later, as a copy, like the channel). */
  pushLevel(level: LevelReading): void {
    const copy = clone(level);
    const listener = this.levelListener;
    queueMicrotask(() => listener?.(copy));
  }

  callsOf(method: string): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  // ---- Inside ----------------------------------------------------------------------------------

  private info(name: string) {
    return {
      name,
      display_name: this.options.displayNames?.[name] ?? name[0].toUpperCase() + name.slice(1),
      email: this.options.emails?.[name] ?? null,
    };
  }

  private entry(name: string): DirectoryEntry {
    return { user: this.info(name), presence: this.presences.get(name) ?? null };
  }

  private sortedCache: { count: number; list: ReturnType<FakeBackend["info"]>[] } | null = null;

  /** Everyone by display name (case and accents aside), then name; kept while nobody is added. */
  private sortedDirectory() {
    const count = this.users.length + 1;
    if (this.sortedCache?.count !== count) {
      const list = [this.me, ...this.users].map((u) => this.info(u));
      const keyed = list.map((u) => ({ u, k: sortKey(u.display_name) }));
      keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.u.name < b.u.name ? -1 : a.u.name > b.u.name ? 1 : 0));
      this.sortedCache = { count, list: keyed.map((x) => x.u) };
    }
    return this.sortedCache.list;
  }

  private log(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  private guard(method: string, ...args: unknown[]): void {
    this.log(method, ...args);
    if (!this.signedIn) throw fail("signed_out", "Sign in first.");
  }

  private emit(e: ClientEvent): void {
    // Events cross the IPC boundary: later, and as copies.
    const copy = clone(e);
    queueMicrotask(() => this.listener?.(copy));
  }

  private callGoing(): boolean {
    return this.call !== null && this.call.phase !== "ended";
  }

  private newCall(conversation: number, peer: string, incoming: boolean, video: boolean, phase: CallPhase): CallView {
    return {
      id: this.nextCall++,
      conversation,
      peer,
      incoming,
      video,
      phase,
      started_at: null,
      ended: null,
      error: null,
      muted: false,
      camera_off: false,
      rtt_ms: null,
      loss_pct: null,
      device_change: null,
    };
  }

  private emitSound(): void {
    if (this.sound) this.emit({ event: "meeting_sound", sound: clone(this.sound) });
  }

  /** Ends the meeting's sound, if on: its last event, ended (with `error` when it failed). */
  private endSound(error: string | null = null): void {
    const s = this.sound;
    if (!s) return;
    this.sound = null;
    this.emit({ event: "meeting_sound", sound: { ...s, phase: "ended", error } });
  }

  /** Where a meeting may be held: a conversation this user is in, but not a shared address. */
  private meetingPlace(conversation: number): Conv {
    const c = this.mine(conversation);
    if (c.info.kind === "alias") throw refused("invalid", { reason: "no_meeting", conversation });
    return c;
  }

  private emitCall(): void {
    if (this.call) this.emit({ event: "call", call: clone(this.call) });
  }

  /** Ends the call and leaves its line in the conversation (sent by the caller). */
  private endCall(reason: CallEnd, error: string | null = null): void {
    const c = this.call;
    if (!c) return;
    const talked = c.started_at !== null;
    c.phase = "ended";
    c.ended = reason;
    c.error = error;
    this.emitCall();
    // Answered elsewhere or declined elsewhere: the other device's line says how it went.
    if (reason === "answered_elsewhere" || reason === "declined_elsewhere") return;
    const conv = this.conversationsById.get(c.conversation);
    if (!conv) return;
    const record: CallRecord = talked
      ? { outcome: "completed", video: c.video, duration_ms: Math.max(0, Date.now() - (c.started_at ?? Date.now())) }
      : { outcome: reason === "declined" ? "declined" : "missed", video: c.video, duration_ms: 0 };
    this.event(conv, c.incoming ? c.peer : this.me, { call: record });
  }

  private emitTotals(): void {
    this.emit({ event: "unread", totals: this.totals() });
  }

  private emitUserSettings(): void {
    this.emit({
      event: "settings",
      settings: { privacy: this.settingsValue.privacy, status: this.status, status_message: this.statusMessage },
    });
  }

  private setOwnPresence(): void {
    const status: PresenceStatus = this.status === "available" ? "online" : this.status;
    this.setPresence(this.me, status, this.statusMessage);
  }

  private invitation(id: number): Conv {
    const c = this.conversationsById.get(id);
    if (!c || !c.invited.includes(this.me)) throw refused("forbidden", { reason: "no_invitation", conversation: id });
    const size = c.info.members.length + c.invited.length;
    if (size > MAX_GROUP_MEMBERS) throw refused("invalid", { reason: "group_full", max: MAX_GROUP_MEMBERS });
    return c;
  }

  private conv(id: number): Conv {
    const c = this.conversationsById.get(id);
    if (!c) throw refused("not_found", { reason: "no_such_conversation", conversation: id });
    return c;
  }

  private direct(peer: string): Conv | undefined {
    return [...this.conversationsById.values()].find((c) => c.info.kind === "direct" && c.info.members.includes(peer));
  }

  private create(peer: string, createdAt: number): Conv {
    const c: Conv = {
      info: { id: this.nextConversation++, kind: "direct", members: [this.me, peer].sort(), created_at: createdAt },
      messages: [],
      nextSeq: 1,
      readThrough: 0,
      deliveredThrough: 0,
      receiptsReadThrough: 0,
      muted: false,
      clearedThrough: 0,
      invited: [],
    };
    this.conversationsById.set(c.info.id, c);
    return c;
  }

  private createShared(info: Omit<ConversationInfo, "id">): Conv {
    const c: Conv = {
      info: { ...info, id: this.nextConversation++ },
      messages: [],
      nextSeq: 1,
      readThrough: 0,
      deliveredThrough: 0,
      receiptsReadThrough: 0,
      muted: false,
      clearedThrough: 0,
      invited: [],
    };
    this.conversationsById.set(c.info.id, c);
    return c;
  }

  /** A conversation this user is a member of (of `kind`, when given). */
  private mine(id: number, kind?: "group" | "room"): Conv {
    const c = this.conversationsById.get(id);
    if (!c) throw refused("not_found", { reason: "no_such_conversation", conversation: id });
    if (!c.info.members.includes(this.me)) throw refused("forbidden", { reason: "not_a_member", conversation: id });
    if (kind && c.info.kind !== kind) {
      throw refused("invalid", kind === "room" ? { reason: "not_a_room", conversation: id } : { reason: "not_a_group", conversation: id });
    }
    return c;
  }

  private moderated(id: number): Conv {
    const c = this.mine(id, "room");
    if (!(c.info.moderators ?? []).includes(this.me)) throw refused("forbidden", { reason: "moderators_only", conversation: id });
    return c;
  }

  private known(user: string): string {
    const name = user.trim().toLowerCase();
    if (name !== this.me && !this.users.includes(name)) throw refused("not_found", { reason: "no_such_user", name: user });
    return name;
  }

  private newToken(): string {
    let t = "";
    while (t.length < 22) t += Math.random().toString(36).slice(2);
    return t.slice(0, 22);
  }

  /** `user` comes into a room's meeting (starting it when none is going on). */
  private enterMeeting(conversation: number, user: string): void {
    let m = this.ongoing.get(conversation);
    if (!m) {
      m = { startedAt: Date.now(), participants: [], guests: [], muted: [] };
      this.ongoing.set(conversation, m);
    }
    if (m.participants.includes(user)) return;
    m.participants.push(user);
    this.emitMeetings(conversation);
  }

  /** Takes `user` out of a room's meeting, ending it with the last one; false when not in it. */
  private exitMeeting(conversation: number, user: string): boolean {
    const m = this.ongoing.get(conversation);
    if (!m || !m.participants.includes(user)) return false;
    m.participants = m.participants.filter((u) => u !== user);
    // Out of the meeting (left it, removed, out of the room or group): the server cuts its media.
    if (user === this.me && this.sound?.conversation === conversation) this.endSound();
    if (m.participants.length === 0) {
      // Guests never keep a meeting going: their access ends with the members' meeting.
      this.dismissGuests(conversation, { reason: "meeting_ended" });
      this.ongoing.delete(conversation);
    }
    this.emitMeetings(conversation);
    return true;
  }

  /** Sends every guest of a room's meeting away; this user, if one of them, sees it gone. */
  private dismissGuests(conversation: number, ended: Reason): void {
    const m = this.ongoing.get(conversation);
    if (!m) return;
    const wasGuest = m.guests.some((g) => g.user === this.me);
    m.guests = [];
    if (wasGuest && !this.conv(conversation).info.members.includes(this.me)) this.emit({ event: "meetings", conversation, ended });
  }

  /** A guest of the ongoing meeting (internal: `user`; external: null) comes in, or waits in the
   * lobby (external guests, lobby on); an internal guest already in is found again. */
  private addGuest(conversation: number, user: string | null, name: string): Guest {
    const c = this.conv(conversation);
    if (c.info.kind !== "room") throw refused("forbidden", { reason: "direct_meeting_members_only" });
    const m = this.ongoing.get(conversation);
    if (!m) {
      throw refused("conflict", { reason: "meeting_not_started", room: c.info.name ?? "" });
    }
    const known = user === null ? undefined : m.guests.find((g) => g.user === user);
    if (known) return known;
    if (m.guests.length >= MAX_MEETING_GUESTS) {
      throw refused("conflict", { reason: "guest_limit", room: c.info.name ?? "", max: MAX_MEETING_GUESTS });
    }
    // Internal guests come straight in; the lobby is for people without an account.
    const g: Guest = { id: this.nextGuest++, name, user, admitted: user !== null || !c.info.lobby };
    m.guests.push(g);
    this.emitMeetings(conversation);
    return g;
  }

  /** Mutes a participant of a room's meeting or lifts it (the server's rules past the moderator
   * check): only someone in the meeting; everyone in it sees it. */
  private applyParticipantMuted(conversation: number, user: string, muted: boolean): void {
    const m = this.ongoing.get(conversation);
    if (!m || !m.participants.includes(user)) throw refused("not_found", { reason: "participant_not_in_meeting", name: user });
    m.muted = m.muted.filter((u) => u !== user);
    if (muted) m.muted.push(user);
    this.emitMeetings(conversation);
  }

  /** Starts or stops recording a room's meeting (the server's rules: a meeting going on, not
   * started or stopped twice). */
  private applyRecording(conversation: number, on: boolean): void {
    const m = this.ongoing.get(conversation);
    if (!m) throw refused("not_found", { reason: "no_meeting", conversation });
    if ((m.recording != null) === on) throw refused("conflict", { reason: "recording_already", on });
    m.recording = on ? Date.now() : null;
    this.emitMeetings(conversation);
  }

  /** Sets a room's lobby flag; off lets everyone waiting in. */
  private applyLobby(c: Conv, enabled: boolean): void {
    // Off is left out, as the server sends it.
    if (enabled) c.info.lobby = true;
    else delete c.info.lobby;
    if (c.info.members.includes(this.me)) this.emit({ event: "conversations" });
    // Without a lobby nobody waits: whoever was waiting comes in.
    const waiting = enabled ? [] : (this.ongoing.get(c.info.id)?.guests.filter((g) => !g.admitted) ?? []);
    for (const g of waiting) g.admitted = true;
    if (waiting.length > 0) this.emitMeetings(c.info.id);
  }

  /** Takes a guest out of a room's meeting; when it is this user, its devices see the meeting gone. */
  private dropGuest(conversation: number, g: Guest, ended?: Reason): void {
    const m = this.ongoing.get(conversation);
    if (!m) return;
    m.guests = m.guests.filter((x) => x !== g);
    if (g.user === this.me) this.emit(ended ? { event: "meetings", conversation, ended } : { event: "meetings", conversation });
    else this.emitMeetings(conversation);
  }

  /** A guest of the meeting who is made a member stays in it, as a participant. */
  private guestBecomesParticipant(conversation: number, user: string): void {
    const m = this.ongoing.get(conversation);
    if (!m || !m.guests.some((g) => g.user === user)) return;
    m.guests = m.guests.filter((g) => g.user !== user);
    if (!m.participants.includes(user)) m.participants.push(user);
    this.emitMeetings(conversation);
  }

  /** A room's meeting as a member sees it (with the lobby) or a guest (without); null: none. */
  private meetingView(conversation: number, member: boolean): OngoingMeeting | null {
    const m = this.ongoing.get(conversation);
    if (!m) return null;
    const entry = (g: Guest): MeetingGuest => ({ id: g.id, name: g.name, external: g.user === null });
    const guests = m.guests.filter((g) => g.admitted).map(entry);
    const lobby = member ? m.guests.filter((g) => !g.admitted).map(entry) : [];
    const muted = m.muted.filter((u) => m.participants.includes(u));
    // Empty lists are left out, as the server sends them.
    return {
      conversation,
      name: this.conversationsById.get(conversation)?.info.name ?? "",
      participants: m.participants.slice(),
      started_at: m.startedAt,
      ...(guests.length > 0 ? { guests } : {}),
      ...(lobby.length > 0 ? { lobby } : {}),
      ...(muted.length > 0 ? { muted } : {}),
      ...(m.recording != null ? { recording: m.recording } : {}),
    };
  }

  /** True when this user is in the room's meeting as an internal guest. */
  private guestHere(conversation: number): boolean {
    return this.ongoing.get(conversation)?.guests.some((g) => g.user === this.me) ?? false;
  }

  /** Checks and stores a meeting on the calendar (the server's rules). */
  private plan(conversation: number, organizer: string, title: string, startsAt: number, minutes: number): ScheduledMeeting {
    const t = title.trim();
    const length = [...t].length;
    if (length < 1 || length > 200) throw refused("invalid", { reason: "name_length", field: "meeting_title", max: 200 });
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) throw refused("invalid", { reason: "meeting_minutes", max: 1440 });
    if (!Number.isFinite(startsAt)) throw fail("invalid", "A meeting needs a start time.");
    if (startsAt + minutes * 60_000 <= Date.now()) throw refused("invalid", { reason: "meeting_in_past" });
    const p: Planned = { id: this.nextMeeting++, conversation, title: t, startsAt, minutes, organizer };
    this.planned.push(p);
    this.emitMeetings(conversation);
    return this.scheduledView(p);
  }

  private scheduledView(p: Planned): ScheduledMeeting {
    return {
      id: p.id,
      conversation: p.conversation,
      name: this.conversationsById.get(p.conversation)?.info.name ?? "",
      title: p.title,
      starts_at: p.startsAt,
      minutes: p.minutes,
      organizer: p.organizer,
    };
  }

  /** What list_meetings answers: this user's rooms (and meetings it is a guest of, without their
   * lobby), ended ones left out, soonest first. */
  private listMeetings(): Meetings {
    const now = Date.now();
    const member = (id: number) => this.conversationsById.get(id)?.info.members.includes(this.me) ?? false;
    const ongoing: OngoingMeeting[] = [...this.ongoing]
      .filter(([id]) => member(id) || this.guestHere(id))
      .sort(([, a], [, b]) => a.startedAt - b.startedAt)
      .map(([id]) => this.meetingView(id, member(id)) as OngoingMeeting);
    const scheduled = this.planned
      .filter((p) => member(p.conversation) && p.startsAt + p.minutes * 60_000 > now)
      .sort((a, b) => a.startsAt - b.startsAt || a.id - b.id)
      .map((p) => this.scheduledView(p));
    return { ongoing, scheduled };
  }

  /** Members of the room (and its meeting's internal guests) hear that its meeting or calendar
   * changed. */
  private emitMeetings(conversation: number): void {
    if (this.conversationsById.get(conversation)?.info.members.includes(this.me) || this.guestHere(conversation)) {
      this.emit({ event: "meetings", conversation });
    }
  }

  /** A join or leave line in the timeline (not unread: its sender is the member, text is empty). */
  private event(c: Conv, user: string, kind: MessageKind): void {
    const m: CachedMessage = {
      local_id: this.nextLocal++,
      conversation: c.info.id,
      seq: c.nextSeq++,
      client_id: `ev-${this.nextClientId++}`,
      sender: user,
      text: "",
      sent_at: Date.now(),
      state: "sent",
      error: null,
      edited_at: null,
      deleted: false,
      reply_to: null,
      reactions: [],
      mentions: [],
      version: 0,
      preview: null,
      kind,
    };
    c.messages = [...c.messages.filter((x) => x.seq !== null), m, ...c.messages.filter((x) => x.seq === null)];
    if (user === this.me) c.readThrough = m.seq as number;
    if (c.info.members.includes(this.me)) this.emit({ event: "message", message: clone(m), decision: { notify: false, blink: false, badge: false, mentioned: false } });
  }

  /** A message by local id, in whichever conversation holds it. */
  private found(localId: number): { c: Conv; m: CachedMessage } {
    for (const c of this.conversationsById.values()) {
      const m = c.messages.find((x) => x.local_id === localId);
      if (m) {
        if (m.deleted) throw refused("conflict", { reason: "message_deleted", conversation: c.info.id, seq: m.seq ?? 0 });
        if (!answerableKind(m)) throw refused("invalid", { reason: "not_a_text_message", conversation: c.info.id, seq: m.seq ?? 0 });
        return { c, m };
      }
    }
    throw fail("not_found", `There is no message ${localId} here.`);
  }

  /** One of this user's own texts or files (edit, delete). */
  private own(localId: number): { c: Conv; m: CachedMessage } {
    const at = this.found(localId);
    if (at.m.sender !== this.me) throw refused("forbidden", { reason: "sender_only", conversation: at.c.info.id, seq: at.m.seq ?? 0 });
    return at;
  }

  /** A message that may be answered: a text or a file, there, not deleted. */
  private answerable(c: Conv, seq: number): void {
    const m = c.messages.find((x) => x.seq === seq);
    if (!m) throw refused("not_found", { reason: "no_such_message", conversation: c.info.id, seq });
    if (m.deleted) throw refused("conflict", { reason: "message_deleted", conversation: c.info.id, seq });
    if (!answerableKind(m)) throw refused("invalid", { reason: "not_a_text_message", conversation: c.info.id, seq });
  }

  private atSeq(c: Conv, seq: number): CachedMessage {
    const m = c.messages.find((x) => x.seq === seq);
    if (!m) throw fail("not_found", `No message ${seq} in ${c.info.id}.`);
    return m;
  }

  /** Who a text names: members of a group or room only. */
  private mentionsOf(c: Conv, sender: string, text: string): string[] {
    return c.info.kind === "group" || c.info.kind === "room" ? mentionsIn(text, sender, c.info.members) : [];
  }

  /** A deletion as the server stores it: no text, reactions or mentions left. */
  private blank(m: CachedMessage): void {
    // A deleted file keeps nothing of itself (the server stores it as a text) and goes.
    const kind = m.kind;
    if (typeof kind === "object" && "file" in kind) {
      this.files.delete(kind.file.id);
      m.kind = "text";
    }
    m.text = "";
    m.deleted = true;
    m.reactions = [];
    m.mentions = [];
    m.preview = null;
  }

  /** One reaction of `user`, added or taken back, checked as the server checks it. */
  private toggleReaction(c: Conv, m: CachedMessage, user: string, emoji: string, on: boolean): void {
    if (m.deleted) throw refused("conflict", { reason: "message_deleted", conversation: c.info.id, seq: m.seq ?? 0 });
    const graphemes = [...new Intl.Segmenter().segment(emoji)].length;
    if (graphemes !== 1 || !/\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(emoji) || new TextEncoder().encode(emoji).length > 32) {
      throw refused("invalid", { reason: "invalid_reaction" });
    }
    const r = m.reactions.find((x) => x.emoji === emoji);
    if (on) {
      if (r?.users.includes(user)) return;
      if (!r && m.reactions.length >= 20) throw refused("invalid", { reason: "too_many_reactions", max: 20 });
      if (r) r.users.push(user);
      else m.reactions.push({ emoji, users: [user] });
    } else {
      if (!r?.users.includes(user)) return;
      r.users = r.users.filter((u) => u !== user);
      if (r.users.length === 0) m.reactions = m.reactions.filter((x) => x !== r);
    }
    this.changed(c, m);
  }

  /** A message changed: its version goes up and the client hears of it. */
  private changed(c: Conv, m: CachedMessage): void {
    m.version++;
    if (c.info.members.includes(this.me)) this.emit({ event: "changed", message: clone(this.shown(c, m)) });
  }

  /** True when this device's cache holds the message (all but uncache()'s). */
  private cached(c: Conv, m: CachedMessage): boolean {
    return !this.uncached.get(c.info.id)?.has(m.local_id);
  }

  /** Texts with every word of the query, newest first. */
  private search(query: string, conversation: number | null, cached: (c: Conv, m: CachedMessage) => boolean): { c: Conv; m: CachedMessage }[] {
    const out: { c: Conv; m: CachedMessage }[] = [];
    for (const c of this.conversationsById.values()) {
      if (!c.info.members.includes(this.me) || (conversation !== null && c.info.id !== conversation)) continue;
      for (const m of c.messages) {
        if (m.seq === null || m.seq <= c.clearedThrough || m.deleted || (m.kind ?? "text") !== "text") continue;
        if (cached(c, m) && textMatches(m.text, query)) out.push({ c, m });
      }
    }
    return out.sort((a, b) => b.m.sent_at - a.m.sent_at || (b.m.seq ?? 0) - (a.m.seq ?? 0));
  }

  /** A message as the cache shows it: the ticks of this user's messages from the receipts. */
  private shown(c: Conv, m: CachedMessage): CachedMessage {
    let state: TickState;
    if (m.seq === null) state = "pending";
    else if (this.settingsValue.privacy || m.sender !== this.me) state = "sent";
    else if (m.seq <= c.receiptsReadThrough) state = "read";
    else if (m.seq <= c.deliveredThrough) state = "delivered";
    else state = "sent";
    return { ...m, state };
  }

  private unread(c: Conv): number {
    const after = Math.max(c.readThrough, c.clearedThrough);
    return c.messages.filter((m) => m.seq !== null && m.seq > after && m.sender !== this.me && (m.kind ?? "text") === "text").length;
  }

  private views(): ConversationView[] {
    return [...this.conversationsById.values()]
      .filter((c) => c.info.members.includes(this.me))
      .map((c) => {
        const visible = c.messages.filter((m) => m.seq === null || m.seq > c.clearedThrough);
        const last = visible[visible.length - 1] ?? null;
        return {
          info: c.info,
          last_message: last ? this.shown(c, last) : null,
          unread: this.unread(c),
          muted: c.muted,
          last_activity: last ? last.sent_at : c.info.created_at,
          hidden: (c.hiddenThrough ?? 0) > 0 && (last === null || (last.seq !== null && last.seq <= (c.hiddenThrough ?? 0))),
        };
      })
      .sort((a, b) => b.last_activity - a.last_activity);
  }

  private totals(): UnreadTotals {
    const counted = [...this.conversationsById.values()].filter((c) => !c.muted && c.info.members.includes(this.me));
    const chats = counted.filter((c) => c.info.kind !== "room").reduce((n, c) => n + this.unread(c), 0);
    const rooms = counted.filter((c) => c.info.kind === "room").reduce((n, c) => n + this.unread(c), 0);
    return { chats, rooms };
  }
}
