// Searching messages: the bar over the open conversation (Ctrl+F, Cmd+F on a Mac) and the
// search of every conversation (Ctrl+Shift+F), whether each is open, their shortcuts, and what a
// hit is (from this device's cache or from the server).
import type { CachedMessage, Message } from "../../lib/bindings";
import { app, type Feature } from "../../lib/state.svelte";

class SearchState implements Feature {
  /** The bar over the open conversation. */
  chat = $state(false);
  /** The dialog searching every conversation. */
  dialog = $state(false);

  apply(): void {}

  async start(): Promise<void> {}

  /** Signing out closes both. */
  reset(): void {
    this.chat = false;
    this.dialog = false;
  }
}

export const search = new SearchState();
app.attach(search);

/** True on a Mac, where the shortcuts take Cmd. */
export function isMac(): boolean {
  return typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

const isF = (e: KeyboardEvent) => (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "f";

/** Ctrl+F, or Cmd+F on a Mac (either is taken on both). */
export function isChatSearchKey(e: KeyboardEvent): boolean {
  return isF(e) && !e.shiftKey;
}

/** Ctrl+Shift+F, or Cmd+Shift+F. */
export function isSearchAllKey(e: KeyboardEvent): boolean {
  return isF(e) && e.shiftKey;
}

/** True when something modal is in front (a dialog, a call), or `el` is behind it. */
export function covered(el: Element | null): boolean {
  return (el?.closest("[inert]") ?? null) !== null || document.querySelector('[aria-modal="true"]') !== null;
}

/** A message found: where it is, who wrote it and when, and whether only the server had it. */
export type Hit = { key: string; conversation: number; seq: number; sender: string; text: string; sentAt: number; server: boolean };

export function localHit(m: CachedMessage): Hit | null {
  if (m.seq === null) return null;
  return { key: `${m.conversation}:${m.seq}`, conversation: m.conversation, seq: m.seq, sender: m.sender, text: m.text, sentAt: m.sent_at, server: false };
}

export function serverHit(m: Message): Hit {
  return { key: `${m.conversation}:${m.seq}`, conversation: m.conversation, seq: m.seq, sender: m.sender, text: m.text, sentAt: m.sent_at, server: true };
}

/** The server's hits that the cache's did not have already. */
export function beyond(local: readonly Hit[], server: readonly Message[]): Hit[] {
  const have = new Set(local.map((h) => h.key));
  return server.map(serverHit).filter((h) => !have.has(h.key));
}

/** Goes to a hit: its conversation opens (on its tab of the list) and the timeline shows it. */
export async function openHit(hit: Hit, show: (conversation: number, seq: number) => void): Promise<void> {
  const c = app.conversations.find((x) => x.info.id === hit.conversation);
  if (c) app.tab = c.info.kind === "room" ? "rooms" : "chats";
  if (app.selected !== hit.conversation) await app.select(hit.conversation);
  show(hit.conversation, hit.seq);
}
