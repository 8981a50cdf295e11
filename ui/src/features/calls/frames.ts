// The frame socket's client: a call view (or the devices dialog's preview) opens one when it
// shows, with a fresh one-time URL from the backend each time, and closes it when it goes. Each
// stream's newest frame is drawn at the next animation frame; older ones are dropped.
import { ipc } from "../../lib/ipc";
import { parseFrame, type I420Frame } from "./i420";

type Listener = (frame: I420Frame) => void;

/** How often, and how long apart, a dropped socket is opened again. */
const MAX_RETRIES = 3;
const RETRY_MS = 1000;

/** Runs `fn` before the next repaint (a short timer where there are no animation frames). */
function nextPaint(fn: () => void): void {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(fn);
  else setTimeout(fn, 16);
}

export class FrameFeed {
  private socket: WebSocket | null = null;
  private closed = false;
  private listeners = new Map<number, Set<Listener>>();
  /** The newest frame of each stream not drawn yet. */
  private pending = new Map<number, I420Frame>();
  private queued = false;
  private retries = 0;

  /** Hears the frames of one stream (0: the other side, 1: this side's camera, 2 + n: a
   * meeting's tile n); returns the way to stop. */
  on(stream: number, listener: Listener): () => void {
    let set = this.listeners.get(stream);
    if (!set) this.listeners.set(stream, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Connects (once): asks the backend for a fresh URL. A failure leaves the feed silent (the
   * call goes on without pictures). */
  async open(): Promise<void> {
    if (this.socket || this.closed) return;
    let url: string;
    try {
      url = await ipc().frameSocket();
    } catch (e) {
      console.warn("no frame socket:", e);
      return;
    }
    if (this.closed || this.socket) return;
    const socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    socket.onmessage = (e: MessageEvent) => {
      if (e.data instanceof ArrayBuffer) this.receive(e.data);
    };
    socket.onerror = () => console.warn("the frame socket failed");
    // Dropped while still wanted: again, with a fresh URL (a token serves one connection).
    socket.onclose = () => {
      if (this.socket !== socket || this.closed) return;
      this.socket = null;
      if (this.retries++ < MAX_RETRIES) setTimeout(() => void this.open(), RETRY_MS);
    };
    this.socket = socket;
  }

  /** A message from the socket (tests feed it too). */
  receive(data: ArrayBuffer): void {
    const frame = parseFrame(data);
    if (!frame || this.closed) return;
    this.pending.set(frame.stream, frame);
    if (this.queued) return;
    this.queued = true;
    nextPaint(() => this.flush());
  }

  /** Hands each stream's newest frame to its listeners. */
  flush(): void {
    this.queued = false;
    const frames = [...this.pending.values()];
    this.pending.clear();
    for (const f of frames) for (const l of this.listeners.get(f.stream) ?? []) l(f);
  }

  /** Closes the socket; the feed stays closed. */
  close(): void {
    this.closed = true;
    this.pending.clear();
    this.listeners.clear();
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onmessage = null;
      s.onerror = null;
      s.onclose = null;
      s.close();
    }
  }

  get isOpen(): boolean {
    return this.socket !== null;
  }
}
