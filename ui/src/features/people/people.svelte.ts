// The People view's state: the server's directory for the text typed, fetched a page at a time as
// the list scrolls, and the "Show offline users" choice, remembered on this device.
import type { AliasInfo, DirectoryEntry, UserInfo } from "../../lib/bindings";
import { errorText } from "../../lib/i18n";
import { ipc } from "../../lib/ipc";

const SHOW_OFFLINE = "confer.people.showOffline";

function remembered(): boolean {
  try {
    return localStorage.getItem(SHOW_OFFLINE) === "true";
  } catch {
    return false;
  }
}

/** A name as the directory compares it: case and accents do not count. */
export function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

class PeopleState {
  /** The directory's users fetched so far, in the server's order. */
  entries = $state.raw<DirectoryEntry[]>([]);
  /** No page left to fetch (or the last fetch failed: retry() goes on). */
  done = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  /** The filter the entries were fetched for. */
  query = $state("");
  showOffline = $state(remembered());
  /** Aliases matching the filter (the first page carries them): shown first, no status. */
  aliases = $state.raw<AliasInfo[]>([]);
  /** The cursor for the next page. */
  private next: string | null = null;
  /** Bumped on every restart so that a late page for an older filter is dropped. */
  private asked = 0;
  /** Everyone seen in a page, so favourites outside the loaded pages keep a display name once seen. */
  private known = new Map<string, UserInfo>();

  /** The view opens: the device's choice as stored now, and a fresh first page (people came and
   * went since the last look). */
  open(query: string): Promise<void> {
    this.showOffline = remembered();
    return this.restart(query);
  }

  /** From the first page again, for this filter. */
  restart(query: string = this.query): Promise<void> {
    this.asked++;
    this.query = query;
    this.entries = [];
    this.aliases = [];
    this.next = null;
    this.done = false;
    this.loading = false;
    this.error = null;
    return this.more();
  }

  setShowOffline(on: boolean): Promise<void> {
    this.showOffline = on;
    try {
      localStorage.setItem(SHOW_OFFLINE, String(on));
    } catch {
      // Storage refused (private mode): the choice lasts for this session.
    }
    return this.restart();
  }

  /** The next page. A page left short by the online filter still moves the cursor on: the view
   * asks again while its end is in sight. */
  async more(): Promise<void> {
    if (this.loading || this.done) return;
    const asked = this.asked;
    this.loading = true;
    try {
      const page = await ipc().directory(this.query, this.next, !this.showOffline);
      if (asked !== this.asked) return;
      const have = new Set(this.entries.map((e) => e.user.name));
      const fresh = page.users.filter((e) => !have.has(e.user.name));
      for (const e of fresh) this.known.set(e.user.name, e.user);
      this.entries = fresh.length > 0 ? [...this.entries, ...fresh] : this.entries;
      if (page.aliases?.length) this.aliases = page.aliases;
      // The last page may leave `next` out rather than send null.
      this.next = page.next ?? null;
      this.done = this.next === null;
    } catch (e) {
      if (asked !== this.asked) return;
      // Stop here rather than ask again on every scroll; the view offers to retry.
      this.error = errorText(e);
      this.done = true;
    } finally {
      if (asked === this.asked) this.loading = false;
    }
  }

  retry(): Promise<void> {
    this.error = null;
    this.done = false;
    return this.more();
  }

  /** What the directory said about a user, if any page held them. */
  user(name: string): UserInfo | null {
    return this.known.get(name) ?? null;
  }

  /** Forgets everything (signing out). */
  reset(): void {
    this.asked++;
    this.entries = [];
    this.aliases = [];
    this.next = null;
    this.done = false;
    this.loading = false;
    this.error = null;
    this.query = "";
    this.known.clear();
  }
}

export const people = new PeopleState();
