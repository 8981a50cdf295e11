// What is done to messages beside sending them (#13), kept beside the app's state: the reply
// being written and the message being edited in place with its words so far (per conversation,
// not in the message's row: the timeline drops a row that scrolls out of its window and draws it
// afresh when it comes back, lib/virtual.ts), a message to go to and
// highlight (a reply's original, a search result), and who is typing where. It hears the
// backend's events: `changed` replaces a message by its local id (an edit, a deletion, a
// reaction, here or elsewhere), `typing` shows someone typing for TYPING_SHOWN_MS unless
// repeated (the other side repeats every 3 s), a message from them ends it.
import type { CachedMessage, ClientEvent, TickState } from "../../lib/bindings";
import { errorText, messageWords } from "../../lib/i18n";
import { ipc } from "../../lib/ipc";
import { app, type Feature } from "../../lib/state.svelte";
import { fileOf } from "../files/files";

/** A typing indicator not repeated within this long goes. */
export const TYPING_SHOWN_MS = 6_000;

/** How long a notice stays. */
export const NOTICE_MS = 5_000;

const RANK: Record<TickState, number> = { pending: 0, sent: 1, delivered: 2, read: 3 };

/** Messages one may edit: texts not deleted. */
export function isLiveText(m: CachedMessage): boolean {
  return (m.kind ?? "text") === "text" && !m.deleted;
}

/** Messages one may answer, react to or delete: texts and shared files, not deleted. */
export function isLive(m: CachedMessage): boolean {
  return isLiveText(m) || (!m.deleted && fileOf(m.kind) !== null);
}

/** The loaded messages by seq, computed once per list. */
const bySeqCache = new WeakMap<readonly CachedMessage[], Map<number, CachedMessage>>();
export function loadedAt(list: readonly CachedMessage[], seq: number): CachedMessage | null {
  let map = bySeqCache.get(list);
  if (!map) {
    map = new Map();
    for (const m of list) if (m.seq !== null) map.set(m.seq, m);
    bySeqCache.set(list, map);
  }
  return map.get(seq) ?? null;
}

/** A message being edited in place, and what its box holds so far. */
export type Edit = { localId: number; text: string };

class RichState implements Feature {
  /** The message each conversation's box answers. */
  replies = $state.raw<Record<number, CachedMessage>>({});
  /** The message being edited in place in each conversation, with the words typed so far. */
  edits = $state<Record<number, Edit>>({});
  /** A message the timeline is asked to show (loading older pages as needed) and highlight. */
  target = $state.raw<{ conversation: number; seq: number; highlight: boolean; nonce: number } | null>(null);
  /** The message highlighted after going to it (its local id). */
  highlighted = $state<number | null>(null);
  /** How long a message stays highlighted (ms). Tests lengthen it: on a loaded machine more
   * than the default can pass between the highlight and their look at it. */
  highlightMs = 3_000;
  /** Who is typing, by conversation, in the order they started. */
  typing = $state.raw<Record<number, string[]>>({});
  /** What the last action on a message came to ("Text copied.", a refusal), said for a while. */
  notice = $state("");
  /** An edit just started (or asked for again), whose box takes the focus when drawn (its local
   * id): once, not each time its row is drawn again. */
  private focusEdit = $state<number | null>(null);
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  private nonce = 0;
  private noticeTimer: ReturnType<typeof setTimeout> | null = null;

  /** Says `text` above the message box (and to screen readers) for NOTICE_MS. */
  notify(text: string): void {
    if (this.noticeTimer !== null) clearTimeout(this.noticeTimer);
    this.notice = text;
    this.noticeTimer = setTimeout(() => {
      this.notice = "";
      this.noticeTimer = null;
    }, NOTICE_MS);
  }

  /** The message the box of `conversation` answers, if any. */
  replyIn(conversation: number): CachedMessage | null {
    return this.replies[conversation] ?? null;
  }

  /** Starts an answer to `m` in its conversation's box. */
  replyTo(m: CachedMessage): void {
    if (m.seq === null || !isLive(m)) return;
    this.replies = { ...this.replies, [m.conversation]: m };
  }

  cancelReply(conversation: number): void {
    if (!(conversation in this.replies)) return;
    const next = { ...this.replies };
    delete next[conversation];
    this.replies = next;
  }

  /** Starts editing `m` in place, from its text; the edit under way of `m` goes on as it was. */
  startEdit(m: CachedMessage): void {
    if (!isLiveText(m)) return;
    if (!this.isEditing(m)) this.edits[m.conversation] = { localId: m.local_id, text: m.text };
    this.focusEdit = m.local_id;
  }

  /** True while `m` is edited in place. */
  isEditing(m: CachedMessage): boolean {
    return this.edits[m.conversation]?.localId === m.local_id;
  }

  /** What the box editing `m` holds (its text when it is not edited). */
  editText(m: CachedMessage): string {
    const e = this.edits[m.conversation];
    return e?.localId === m.local_id ? e.text : m.text;
  }

  /** The box editing `m` now holds `text`. */
  setEditText(m: CachedMessage, text: string): void {
    const e = this.edits[m.conversation];
    if (e?.localId === m.local_id) e.text = text;
  }

  /** The edit of `m` ends (saved or not). */
  stopEdit(m: CachedMessage): void {
    if (!this.isEditing(m)) return;
    delete this.edits[m.conversation];
    if (this.focusEdit === m.local_id) this.focusEdit = null;
  }

  /** True once after the edit of `m` started: its box takes the focus (an effect that calls
   * this runs again when the edit is asked for again). */
  takeEditFocus(m: CachedMessage): boolean {
    if (this.focusEdit !== m.local_id) return false;
    this.focusEdit = null;
    return true;
  }

  /** Sends what the box of `conversation` holds: an answer when one is being written. */
  async send(conversation: number, text: string): Promise<void> {
    if (text.trim() === "") return;
    const reply = this.replyIn(conversation);
    try {
      if (!reply || reply.seq === null) return await app.send(text);
      this.cancelReply(conversation);
      const queued = await ipc().sendReply(conversation, text, reply.seq);
      app.upsert(queued);
    } catch (e) {
      // The answer is kept for another try.
      if (reply) this.replies = { ...this.replies, [conversation]: reply };
      this.notify(messageWords().failed(errorText(e)));
    }
  }

  /** Asks the timeline to show message `seq` of `conversation` (the open one) and, unless
   * `highlight` is false, to highlight it. */
  show(conversation: number, seq: number, highlight = true): void {
    this.target = { conversation, seq, highlight, nonce: ++this.nonce };
  }

  /** The names of those typing in `conversation`, this user aside. */
  typingIn(conversation: number): string[] {
    return (this.typing[conversation] ?? []).filter((u) => u !== app.me);
  }

  apply(e: ClientEvent): void {
    switch (e.event) {
      case "changed":
        this.changed(e.message);
        break;
      case "typing":
        this.setTyping(e.conversation, e.user, e.typing);
        break;
      case "message":
        this.setTyping(e.message.conversation, e.message.sender, false);
        break;
    }
  }

  async start(): Promise<void> {}

  reset(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.noticeTimer !== null) clearTimeout(this.noticeTimer);
    this.noticeTimer = null;
    this.notice = "";
    this.replies = {};
    this.edits = {};
    this.focusEdit = null;
    this.target = null;
    this.highlighted = null;
    this.typing = {};
  }

  /** A message changed: it replaces the loaded one (its ticks never go back). */
  private changed(m: CachedMessage): void {
    const list = app.messages;
    const i = list.findIndex((x) => x.local_id === m.local_id);
    if (i >= 0) {
      const before = list[i];
      const next = list.slice();
      next[i] = RANK[m.state] < RANK[before.state] && m.error === null ? { ...m, state: before.state } : m;
      app.messages = next;
    }
    // An answer being written to a message that went: nothing left to answer.
    const reply = this.replies[m.conversation];
    if (reply?.local_id === m.local_id) {
      if (m.deleted) this.cancelReply(m.conversation);
      else this.replies = { ...this.replies, [m.conversation]: m };
    }
    if (m.deleted) this.stopEdit(m);
    // The list shows each conversation's newest message.
    if (app.conversations.some((c) => c.last_message?.local_id === m.local_id)) void app.reload().catch(() => {});
  }

  private setTyping(conversation: number, user: string, typing: boolean): void {
    const key = `${conversation}\u0000${user}`;
    const old = this.timers.get(key);
    if (old !== undefined) clearTimeout(old);
    this.timers.delete(key);
    const now = this.typing[conversation] ?? [];
    if (typing) {
      this.timers.set(
        key,
        setTimeout(() => this.setTyping(conversation, user, false), TYPING_SHOWN_MS),
      );
      if (!now.includes(user)) this.typing = { ...this.typing, [conversation]: [...now, user] };
    } else if (now.includes(user)) {
      this.typing = { ...this.typing, [conversation]: now.filter((u) => u !== user) };
    }
  }
}

export const rich = new RichState();
app.attach(rich);
