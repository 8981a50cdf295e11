// Stand-ins for the guest client's socket and sound in the tests: the socket records what the
// page sends and lets a test play the server's part; the sound records how it was driven.
import type { ClientFrame, MeetingSession, ServerFrame } from "../lib/bindings";
import type { ClientDeps, SocketLike } from "./client.svelte";
import type { Sound, SoundHandlers } from "./media";

export class FakeSocket implements SocketLike {
  readyState = 0;
  sent: ClientFrame[] = [];
  closed = false;
  onopen: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  onclose: ((ev: CloseEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    this.sent.push(JSON.parse(data) as ClientFrame);
  }

  close(): void {
    this.closed = true;
    this.readyState = 3;
  }

  /** The server's side. */
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  push(frame: ServerFrame): void {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(frame) }));
  }
  /** The connection dropped (by the server, or the network). */
  drop(): void {
    this.readyState = 3;
    this.onclose?.(new Event("close") as CloseEvent);
  }
  /** The last request of a type. */
  last<T extends ClientFrame["req"]["type"]>(type: T): ClientFrame & { req: Extract<ClientFrame["req"], { type: T }> } {
    const frame = [...this.sent].reverse().find((f) => f.req.type === type);
    if (!frame) throw new Error(`no ${type} sent`);
    return frame as ClientFrame & { req: Extract<ClientFrame["req"], { type: T }> };
  }
}

export class FakeSound implements Sound {
  microphone: string | null | undefined;
  offered: Promise<string> | null = null;
  muted = false;
  closed = false;

  constructor(readonly on: SoundHandlers) {}

  connect(microphone: string | null, answer: (offer: string) => Promise<string>): Promise<void> {
    this.microphone = microphone;
    this.offered = answer("v=0 offer");
    return this.offered.then(() => {});
  }
  setMuted(muted: boolean): void {
    this.muted = muted;
  }
  close(): void {
    this.closed = true;
  }
}

/** The client's dependencies, and what it made of them. */
export function fakeDeps(): ClientDeps & { sockets: FakeSocket[]; sounds: FakeSound[] } {
  const sockets: FakeSocket[] = [];
  const sounds: FakeSound[] = [];
  return {
    sockets,
    sounds,
    url: "ws://example.test/v1/ws",
    openSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    sound: (handlers) => {
      const s = new FakeSound(handlers);
      sounds.push(s);
      return s;
    },
  };
}

/** A guest's session in room 9, "Weekly planning". */
export function session(admitted: boolean, more: Partial<MeetingSession> = {}): MeetingSession {
  return {
    conversation: 9,
    room: "Weekly planning",
    name: "Zoe",
    role: "external_guest",
    guest: 4,
    admitted,
    meeting: admitted
      ? {
          conversation: 9,
          name: "Weekly planning",
          participants: ["alice", "bob"],
          started_at: 1_700_000_000_000,
          guests: [{ id: 4, name: "Zoe", external: true }],
          lobby: [],
          muted: ["bob"],
        }
      : null,
    ...more,
  };
}
