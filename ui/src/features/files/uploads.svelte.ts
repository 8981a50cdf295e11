// The files being shared (#14), kept beside the app's state: each upload with how far it got,
// by conversation (several conversations may send at once, and an upload goes on while another
// conversation is shown), and when each conversation's shared files changed (the details
// column's list fetches them again). A file picked, dropped from a page or pasted is staged
// first (its bytes become a file of the profile); one dropped from the system comes as a path.
// A finished upload's row goes: its message arrives through the event stream like any other.
import type { ClientEvent } from "../../lib/bindings";
import { ipc } from "../../lib/ipc";
import { app, type Feature } from "../../lib/state.svelte";
import { fileOf, forgetThumbnails } from "./files";

export type Upload = {
  /** The transfer's id (cancelTransfer names it by this). */
  id: string;
  conversation: number;
  name: string;
  /** Bytes sent, and the file's length (0 until known: a dropped path's comes with its first
   * progress). */
  sent: number;
  total: number;
  /** Staging its bytes, sending them, or refused (`error` says why, as the backend rejected). */
  phase: "preparing" | "sending" | "failed";
  error: unknown;
};

/** The name at the end of a path, with either separator (Windows' or the others'). */
export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

let counter = 0;
/** A transfer id, unique on this device. */
function newTransfer(): string {
  const uuid = globalThis.crypto?.randomUUID?.();
  return uuid ?? `t${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2)}`;
}

class UploadsState implements Feature {
  /** Every upload under way or failed, in the order they started. */
  list = $state<Upload[]>([]);
  /** Bumped, per conversation, when its shared files may have changed; `everywhere` for all. */
  private revisions = $state<Record<number, number>>({});
  private everywhere = $state(0);
  /** Cancelled by the user: their rows went already, what they come to is dropped. */
  private cancelled = new Set<string>();
  /** Bumped by reset: a past session's uploads leave no row. */
  private session = 0;

  /** The uploads of one conversation. */
  in(conversation: number): Upload[] {
    return this.list.filter((u) => u.conversation === conversation);
  }

  /** Changes whenever `conversation`'s shared files may have (read it to fetch them again). */
  revisionOf(conversation: number): number {
    return (this.revisions[conversation] ?? 0) + this.everywhere;
  }

  /** Shares files the web view holds (picked, dropped from a page, pasted). */
  sendFiles(conversation: number, files: readonly File[]): void {
    for (const f of files) {
      void this.run(conversation, f.name, f.size, async () => ipc().stageFile(f.name, new Uint8Array(await f.arrayBuffer())));
    }
  }

  /** Shares files of the system by their paths (dropped on the window). */
  sendPaths(conversation: number, paths: readonly string[]): void {
    for (const p of paths) void this.run(conversation, baseName(p), 0, async () => p);
  }

  /** Stops an upload; its row goes at once. */
  cancel(id: string): void {
    const u = this.list.find((x) => x.id === id);
    if (!u) return;
    this.cancelled.add(id);
    this.drop(id);
    if (u.phase === "sending") void ipc().cancelTransfer(id).catch(() => {});
  }

  /** Takes a failed upload's row away. */
  dismiss(id: string): void {
    this.drop(id);
  }

  apply(e: ClientEvent): void {
    switch (e.event) {
      case "message":
      case "updated":
        if (fileOf(e.message.kind)) this.bump(e.message.conversation);
        break;
      case "changed":
        // A deleted file comes back as a deleted message without its file: any deletion may
        // have been one.
        if (e.message.deleted) this.bump(e.message.conversation);
        break;
      case "synced":
        this.everywhere++;
        break;
    }
  }

  async start(): Promise<void> {}

  reset(): void {
    this.session++;
    this.list = [];
    this.revisions = {};
    this.everywhere = 0;
    this.cancelled.clear();
    forgetThumbnails();
  }

  private async run(conversation: number, name: string, size: number, stage: () => Promise<string>): Promise<void> {
    const session = this.session;
    const id = newTransfer();
    this.list.push({ id, conversation, name, sent: 0, total: size, phase: "preparing", error: null });
    const live = () => session === this.session && !this.cancelled.has(id);
    // The row as the state holds it (a proxy: changes to it are drawn).
    const row = () => this.list.find((u) => u.id === id);
    try {
      const path = await stage();
      if (!live()) return;
      const r = row();
      if (r) r.phase = "sending";
      await ipc().uploadFile(conversation, path, id, (p) => {
        const r = row();
        if (!r || !live()) return;
        r.sent = p.sent;
        r.total = p.total;
      });
      this.drop(id);
      if (session === this.session) this.bump(conversation);
    } catch (e) {
      const cancelled = typeof e === "object" && e !== null && (e as { code?: unknown }).code === "cancelled";
      if (!live() || cancelled) {
        this.drop(id);
        return;
      }
      const r = row();
      if (r) {
        r.phase = "failed";
        r.error = e;
      }
    } finally {
      this.cancelled.delete(id);
    }
  }

  private drop(id: string): void {
    const i = this.list.findIndex((u) => u.id === id);
    if (i >= 0) this.list.splice(i, 1);
  }

  private bump(conversation: number): void {
    this.revisions[conversation] = (this.revisions[conversation] ?? 0) + 1;
  }
}

export const uploads = new UploadsState();
app.attach(uploads);
