// One search of messages, as both searches run it: the bar over the open conversation (Ctrl+F,
// ChatSearch.svelte) and the dialog over every conversation (Ctrl+Shift+F, SearchDialog.svelte).
// What is typed is looked for in this device's cache after a short pause (it works offline),
// newest first; on asking, the server is searched for older history the cache does not hold, and
// only its hits the cache did not have are added. An answer to words since changed is dropped.
import { errorText, messageWords } from "../../lib/i18n";
import { ipc } from "../../lib/ipc";
import { beyond, localHit, type Hit } from "./search.svelte";
import { searchTerms } from "./words";

export class MessageSearch {
  /** What the field holds. */
  query = $state("");
  /** Hits from this device's cache, then those only the server had. */
  local = $state.raw<Hit[]>([]);
  server = $state.raw<Hit[]>([]);
  /** What was last searched for, on this device and on the server (null: not yet). */
  searched = $state<string | null>(null);
  serverSearched = $state<string | null>(null);
  /** The server is being asked. */
  busy = $state(false);
  error = $state("");

  /** How many hits in all. */
  readonly total = $derived(this.local.length + this.server.length);
  /** What the search came to, for its status line ("3 messages found"). */
  readonly status = $derived.by(() => {
    const w = messageWords();
    if (this.busy) return w.searchingServer;
    if (this.searched === null) return "";
    return this.total === 0 ? w.noResults : w.results(this.total);
  });
  /** The cache was searched for these words and the server not yet: it may be asked. */
  readonly canAskServer = $derived(this.searched !== null && this.serverSearched !== this.searched);

  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every new search: an answer to an older one is dropped. */
  private asked = 0;

  /** `scope`: the conversation searched (null: every one); `delayMs`: the pause after typing
   * before the cache is searched. */
  constructor(
    private readonly scope: () => number | null,
    private readonly delayMs: number,
  ) {}

  /** The hit Enter in the field chooses. */
  get first(): Hit | undefined {
    return this.local[0] ?? this.server[0];
  }

  /** Forgets the hits and any search under way (the words typed stay). */
  reset(): void {
    clearTimeout(this.timer);
    this.asked++;
    this.local = [];
    this.server = [];
    this.searched = null;
    this.serverSearched = null;
    this.busy = false;
    this.error = "";
  }

  /** Forgets the words typed too. */
  clear(): void {
    this.reset();
    this.query = "";
  }

  /** The words changed: the cache is searched for them after the pause. */
  input(): void {
    this.reset();
    const q = this.query.trim();
    if (searchTerms(q).length === 0) return;
    const mine = this.asked;
    this.timer = setTimeout(async () => {
      try {
        const found = await ipc().searchLocal(q, this.scope());
        if (mine !== this.asked) return;
        this.local = found.map(localHit).filter((h): h is Hit => h !== null);
        this.searched = q;
      } catch (e) {
        if (mine === this.asked) this.error = messageWords().searchFailed(errorText(e));
      }
    }, this.delayMs);
  }

  /** Asks the server for the words; true when its hits came in. Offline, it says that only this
   * device's messages were searched. */
  async searchServer(): Promise<boolean> {
    const q = this.query.trim();
    if (searchTerms(q).length === 0) return false;
    const mine = this.asked;
    this.busy = true;
    this.error = "";
    try {
      const found = await ipc().searchMessages(q, this.scope());
      if (mine !== this.asked) return false;
      this.server = beyond(this.local, found);
      this.serverSearched = q;
      return true;
    } catch (e) {
      if (mine !== this.asked) return false;
      const w = messageWords();
      this.error = (e as { code?: unknown })?.code === "offline" ? w.offline : w.searchFailed(errorText(e));
      return false;
    } finally {
      if (mine === this.asked) this.busy = false;
    }
  }

  /** The field's keys: Enter chooses the first hit, Down goes to the hits (`toHits`); true
   * when the key was one of them. */
  fieldKey(e: KeyboardEvent, choose: (hit: Hit) => void, toHits: () => void): boolean {
    if (e.key === "Enter") {
      e.preventDefault();
      const first = this.first;
      if (first) choose(first);
      return true;
    }
    if (e.key === "ArrowDown" && this.total > 0) {
      e.preventDefault();
      toHits();
      return true;
    }
    return false;
  }
}
