// Several conversations open at once, as tabs above the timeline: opening a conversation adds
// (or activates) its tab; each tab keeps where its timeline was scrolled (its draft is kept by the
// message box, per conversation). At most MAX_TABS: opening one more closes the one used longest
// ago.
import { app, PAGE, type Feature } from "../../lib/state.svelte";

export const MAX_TABS = 8;
/** The most messages loaded again to bring back a place far up a conversation. */
const MAX_RELOAD = 1000;

/** Where a timeline was: the message at the top of its viewport and how far below the top it
 * started; null when it showed the newest messages. */
export type Place = { key: number; delta: number } | null;

class TabsState implements Feature {
  /** The open conversations, in the order of the bar. */
  ids = $state.raw<number[]>([]);
  /** When each tab was last active (a counter). */
  private used = new Map<number, number>();
  private clock = 0;
  /** Each tab's place (the timeline keeps it as it leaves the tab). */
  private places = new Map<number, Place>();
  /** How many messages each tab's timeline had loaded, to load as many again. */
  private counts = new Map<number, number>();

  /** The open conversation becomes a tab: added at the end, or made the active one. */
  show(id: number): void {
    this.used.set(id, ++this.clock);
    if (this.ids.includes(id)) return;
    let next = [...this.ids, id];
    while (next.length > MAX_TABS) {
      const oldest = next
        .filter((x) => x !== id)
        .reduce((a, b) => ((this.used.get(a) ?? 0) <= (this.used.get(b) ?? 0) ? a : b));
      next = next.filter((x) => x !== oldest);
      this.forget(oldest);
    }
    this.ids = next;
  }

  /** Opens a conversation (or brings its tab forward), loading enough of it to show its tab's
   * place again. */
  open(id: number): Promise<void> {
    const loaded = this.counts.get(id) ?? 0;
    return app.select(id, Math.min(MAX_RELOAD, Math.max(PAGE, loaded)));
  }

  /** Closes a tab; closing the active one shows its neighbour (the next, else the previous), or
   * nothing when it was the last. */
  async close(id: number): Promise<void> {
    const i = this.ids.indexOf(id);
    if (i < 0) return;
    const rest = this.ids.filter((x) => x !== id);
    this.ids = rest;
    this.forget(id);
    if (app.selected !== id) return;
    const next = rest[Math.min(i, rest.length - 1)];
    if (next === undefined) app.close();
    else await this.open(next);
  }

  /** Tabs of conversations gone from the list (left, deleted) close; the open one stays. */
  prune(existing: number[]): void {
    const have = new Set(existing);
    const gone = this.ids.filter((id) => !have.has(id) && id !== app.selected);
    if (gone.length === 0) return;
    for (const id of gone) this.forget(id);
    this.ids = this.ids.filter((id) => !gone.includes(id));
  }

  /** The timeline leaves a conversation: its place, to come back to. */
  keep(id: number, place: Place): void {
    if (this.ids.includes(id)) this.places.set(id, place);
  }

  /** How many confirmed messages the open conversation's timeline holds now. */
  loaded(id: number, count: number): void {
    if (count > 0) this.counts.set(id, count);
  }

  /** Where the timeline of a tab was left (null: at the newest messages). */
  placeOf(id: number): Place {
    return this.places.get(id) ?? null;
  }

  private forget(id: number): void {
    this.used.delete(id);
    this.places.delete(id);
    this.counts.delete(id);
  }

  apply(): void {}

  async start(): Promise<void> {}

  reset(): void {
    this.ids = [];
    this.used.clear();
    this.places.clear();
    this.counts.clear();
    this.clock = 0;
  }
}

export const tabs = new TabsState();
app.attach(tabs);
