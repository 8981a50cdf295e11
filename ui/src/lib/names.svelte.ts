// People's display names, for every place that names them (conversation titles, senders, who
// reacted, who is typing, whom a mention picks): what the directory said when the People view
// loaded it or another view searched it, else asked once from the directory's search, else the
// account name meanwhile.
import { people } from "../features/people/people.svelte";
import type { DirectoryEntry } from "./bindings";
import { ipc } from "./ipc";

class Names {
  /** Display names found by asking, by account name. */
  private found = $state<Record<string, string>>({});
  /** Asked once each (an answer without them keeps the account name). */
  private asked = new Set<string>();

  /** The display name of `user`, or the account name until it is known. */
  of(user: string): string {
    if (user === "") return user;
    const known = this.found[user] ?? people.user(user)?.display_name;
    if (known) return known;
    this.ask(user);
    return user;
  }

  /** Keeps the display names of a directory answer that another view asked for, so that they are
   * not asked again. */
  learn(entries: DirectoryEntry[]): void {
    const fresh = entries.filter((e) => e.user.display_name && this.found[e.user.name] !== e.user.display_name);
    if (fresh.length === 0) return;
    const next = { ...this.found };
    for (const e of fresh) {
      next[e.user.name] = e.user.display_name;
      this.asked.add(e.user.name);
    }
    this.found = next;
  }

  /** Forgets every answer (signing out). */
  reset(): void {
    this.found = {};
    this.asked.clear();
  }

  private ask(user: string): void {
    if (this.asked.has(user)) return;
    this.asked.add(user);
    // Later, never while a view is being drawn; a backend that cannot answer (none yet, or
    // offline) leaves the account name.
    queueMicrotask(() => {
      Promise.resolve()
        .then(() => ipc().searchUsers(user))
        .then((list) => {
          const hit = list.find((e) => e.user.name === user);
          if (hit && hit.user.display_name) this.found = { ...this.found, [user]: hit.user.display_name };
        })
        .catch(() => {});
    });
  }
}

export const names = new Names();
