// Sending a conversation's history by email (the details column's action). The server mails the
// history as the sender sees it and leaves a line in the conversation: a message of kind
// `mailed` (its sender the one who sent it, its text empty), worded here for the timeline, the
// lists, the ribbon and screen readers. The dialog's state (the address, the directory's
// suggestions, the send and its refusal) is a MailForm; what the last send came to is said in
// the details column (mailer.noticeIn).
import type { DirectoryEntry, MessageKind } from "../../lib/bindings";
import { errorText, locale, mailWords } from "../../lib/i18n";
import { ipc } from "../../lib/ipc";
import { names } from "../../lib/names.svelte";
import { app, type Feature } from "../../lib/state.svelte";

/** The address a `mailed` line names (null for any other kind). */
export function mailedTo(kind: MessageKind | undefined): string | null {
  return typeof kind === "object" && kind !== null && "mailed" in kind ? kind.mailed.to : null;
}

/** A mailed line for the one reading it: "You sent the history to …", else with the sender's
 * display name ("Alice sent the history to …"); null for any other kind. */
export function mailedLine(m: { kind?: MessageKind; sender: string }, me: string | null): string | null {
  const to = mailedTo(m.kind);
  if (to === null) return null;
  const w = mailWords();
  return m.sender === me ? w.youMailed(to) : w.mailed(names.of(m.sender), to);
}

/** What follows the sender's name on the ribbon ("sent the history to …"); null for any other
 * kind. */
export function mailedAfterName(m: { kind?: MessageKind }): string | null {
  const to = mailedTo(m.kind);
  return to === null ? null : mailWords().sentTo(to);
}

/** The directory's people who have an email address. */
export function withEmail(list: readonly DirectoryEntry[]): DirectoryEntry[] {
  return list.filter((e) => typeof e.user.email === "string" && e.user.email.trim() !== "");
}

/** The dialog's state: the address typed, the people the directory suggests for it (those with
 * an email address), the one chosen with the arrows, and the send. */
export class MailForm {
  address = $state("");
  /** Suggestions for what is typed, each with an email address. */
  suggestions = $state.raw<DirectoryEntry[]>([]);
  /** The suggestion chosen with the arrows (-1: none). */
  active = $state(-1);
  sending = $state(false);
  /** Why the last send did not go (worded), until the next try or change. */
  error = $state<string | null>(null);
  private asked = 0;

  constructor(readonly conversation: number) {}

  /** Looks up what is typed in the directory (the search the "Chat with" box uses); a late
   * answer for an older text is dropped. */
  search(): void {
    const q = this.address.trim();
    const mine = ++this.asked;
    this.error = null;
    this.active = -1;
    if (q === "") {
      this.suggestions = [];
      return;
    }
    ipc()
      .searchUsers(q)
      .then((list) => {
        if (mine !== this.asked) return;
        // Nothing to suggest when what is typed is already one of the addresses.
        const found = withEmail(list);
        this.suggestions = found.some((e) => e.user.email === q) ? [] : found;
        this.active = -1;
      })
      .catch(() => {
        if (mine === this.asked) this.suggestions = [];
      });
  }

  /** Moves the choice among the suggestions (the arrows). */
  move(by: 1 | -1): void {
    const n = this.suggestions.length;
    if (n === 0) return;
    this.active = this.active < 0 ? (by > 0 ? 0 : n - 1) : (this.active + by + n) % n;
  }

  /** A suggestion picked: its address fills the field. */
  pick(entry: DirectoryEntry): void {
    this.asked++;
    this.address = entry.user.email ?? this.address;
    this.dismiss();
  }

  /** No suggestions shown (Escape, a pick, a send). */
  dismiss(): void {
    this.suggestions = [];
    this.active = -1;
  }

  /** Sends the history to the address, in the UI's language with this computer's offset from
   * UTC; resolves to true once the server took it (mailer says so), false when it refused (the
   * reason is in `error`). */
  async send(): Promise<boolean> {
    const to = this.address.trim();
    if (to === "" || this.sending) return false;
    this.asked++;
    this.dismiss();
    this.sending = true;
    this.error = null;
    try {
      await ipc().mailHistory(this.conversation, to, locale(), -new Date().getTimezoneOffset());
    } catch (e) {
      this.error = errorText(e);
      return false;
    } finally {
      this.sending = false;
    }
    mailer.sent(this.conversation, to);
    return true;
  }
}

/** What the last send came to, said in the details column of its conversation. */
class Mailer implements Feature {
  /** The last send: where it went, from which conversation. */
  last = $state<{ conversation: number; to: string } | null>(null);

  sent(conversation: number, to: string): void {
    this.last = { conversation, to };
  }

  /** The confirmation shown in `conversation`'s details ("History sent to …."; "" when its
   * conversation is another), in the UI's language. */
  noticeIn(conversation: number): string {
    return this.last?.conversation === conversation ? mailWords().sent(this.last.to) : "";
  }

  /** Forgets the confirmation (another conversation shown, a new dialog opened). */
  clear(): void {
    this.last = null;
  }

  apply(): void {}

  async start(): Promise<void> {}

  reset(): void {
    this.last = null;
  }
}

export const mailer = new Mailer();
app.attach(mailer);
