// Telling the others that this user types: "typing" at most every REPEAT_MS while keys come (the
// other side drops an indicator not repeated within 6 s), "stopped" once the text is sent or
// emptied, after IDLE_MS without a key, or when the box goes to another conversation.

/** How often "typing" is said again while the user types. */
export const REPEAT_MS = 3_000;
/** Without a key for this long, the user stopped typing. */
export const IDLE_MS = 5_000;

export class TypingSender {
  /** The conversation "typing" was last said in (null: stopped, or never said). */
  private active: number | null = null;
  private lastSaid = 0;
  private idle: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly say: (conversation: number, typing: boolean) => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The text of the box of `conversation` changed (by the user). */
  typed(conversation: number, text: string): void {
    if (text.trim() === "") {
      this.stop();
      return;
    }
    if (this.active !== null && this.active !== conversation) this.stop();
    const t = this.now();
    if (this.active === null || t - this.lastSaid >= REPEAT_MS) {
      this.active = conversation;
      this.lastSaid = t;
      this.say(conversation, true);
    }
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), IDLE_MS);
  }

  /** The user stopped typing (sent, emptied, went away): said once, if "typing" was said. */
  stop(): void {
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    const was = this.active;
    this.active = null;
    this.lastSaid = 0;
    if (was !== null) this.say(was, false);
  }
}
