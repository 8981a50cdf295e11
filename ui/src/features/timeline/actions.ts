// What the action bar and the context menu of a message do (features/timeline MessageToolbar,
// MessageMenu): the same few actions, with their failures said above the message box.
import type { CachedMessage } from "../../lib/bindings";
import { errorText, messageWords } from "../../lib/i18n";
import { ipc } from "../../lib/ipc";
import { app } from "../../lib/state.svelte";
import { isLive, isLiveText, rich } from "./rich.svelte";

/** What may be done to a message by this user. */
export function allowed(m: CachedMessage): { reply: boolean; react: boolean; edit: boolean; delete: boolean; copy: boolean } {
  // A shared file is answered, reacted to and deleted like a text; only a text is edited or copied.
  const live = isLive(m);
  const text = isLiveText(m);
  const sent = m.seq !== null;
  const mine = m.sender === app.me;
  return { reply: live && sent, react: live && sent, edit: text && mine, delete: live && mine, copy: text && m.text !== "" };
}

/** Runs an action; a refusal is said, not thrown. */
async function attempt(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (e) {
    rich.notify(messageWords().failed(errorText(e)));
  }
}

/** Adds this user's reaction, or takes it back when it is there. */
export function toggleReaction(m: CachedMessage, emoji: string): Promise<void> {
  const on = !(m.reactions.find((r) => r.emoji === emoji)?.users.includes(app.me ?? "") ?? false);
  return attempt(() => ipc().react(m.local_id, emoji, on));
}

export function reply(m: CachedMessage): void {
  rich.replyTo(m);
  document.getElementById("composer")?.focus();
}

export function edit(m: CachedMessage): void {
  rich.startEdit(m);
}

export function remove(m: CachedMessage): Promise<void> {
  return attempt(() => ipc().deleteMessage(m.local_id));
}

export async function copy(m: CachedMessage): Promise<void> {
  const w = messageWords();
  try {
    await navigator.clipboard.writeText(m.text);
    rich.notify(w.copied);
  } catch {
    rich.notify(w.copyFailed);
  }
}
