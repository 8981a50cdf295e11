// Whether the quick switcher (Ctrl+K, Cmd+K on a Mac) is open, and the shortcut itself.
import { app, type Feature } from "../../lib/state.svelte";

class SwitcherState implements Feature {
  open = $state(false);

  apply(): void {}

  async start(): Promise<void> {}

  /** Signing out closes it. */
  reset(): void {
    this.open = false;
  }
}

export const switcher = new SwitcherState();
app.attach(switcher);

/** True on a Mac, where the shortcut is Cmd+K. */
export function isMac(): boolean {
  return typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

/** Ctrl+K, or Cmd+K on a Mac (either is taken on both: a keyboard may lack one). */
export function isSwitcherKey(e: KeyboardEvent): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === "k";
}
