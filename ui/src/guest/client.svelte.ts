// The guest's connection to the server: one WebSocket from the Join button to the end, speaking
// the app's JSON protocol (protocol.ts) without signing in. It feeds the state machine
// (machine.ts) what the server says and acts on the steps it enters: the meeting's sound starts
// on entering `connecting` (never before a moderator admits the guest) and stops on leaving the
// meeting, and while it is on, who is on its lines is read every SOURCES_MS (the tiles' names, the
// speaking highlight); on entering `ended` everything is let go (the sound, the pings, the socket, after a
// `leave_meeting` when the guest ends it). The socket and the sound come from `deps`, so that the
// tests (client.test.ts) drive it with fakes.
import type { ErrorBody, Request, Response } from "../lib/bindings";
import type { GuestMicProblem } from "../lib/i18n";
import { INITIAL, inside, next, type GuestState, type Input } from "./machine";
import { SOURCES_MS, type LineSources, type Sound, type SoundHandlers } from "./media";
import { clientFrame, parseFrame } from "./protocol";

/** How often the socket is kept alive: the server drops silent connections. */
export const PING_MS = 20_000;

/** The part of a WebSocket the client uses. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onclose: ((ev: CloseEvent) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
}

export interface ClientDeps {
  /** The server's socket address (protocol.ts: socketUrl). */
  url: string;
  openSocket(url: string): SocketLike;
  /** The meeting's sound (media.ts: MeetingSound). */
  sound(handlers: SoundHandlers): Sound;
}

/** A remote line: audio is played in an <audio> element, video shown on a tile. */
export type RemoteLine = { id: string; stream: MediaStream };

const OPEN = 1;

/** A request the server answered with something else than expected. */
const UNEXPECTED: ErrorBody = { code: "internal", reason: { reason: "unknown" } };

function isErrorBody(e: unknown): e is ErrorBody {
  return typeof e === "object" && e !== null && typeof (e as ErrorBody).code === "string" && typeof (e as ErrorBody).reason === "object";
}

export class GuestClient {
  state = $state.raw<GuestState>(INITIAL);
  /** The others' audio lines, while the sound is on. */
  remote = $state.raw<RemoteLine[]>([]);
  /** The others' video lines, while the sound is on (each shows whoever `seen` says). */
  pictures = $state.raw<RemoteLine[]>([]);
  /** Who is on the lines now: the video lines' sources by track id, who is heard, who speaks. */
  seen = $state.raw<Record<string, number>>({});
  heard = $state.raw<number[]>([]);
  speaking = $state.raw<number[]>([]);
  /** This guest's camera while it sends it (its own tile; the camera button pressed). */
  camera = $state.raw<MediaStream | null>(null);
  /** This guest's microphone is switched off (the Mute button). */
  muted = $state(false);
  /** Why the microphone could not be used in the meeting (the guest only listens), or null. */
  micProblem = $state<GuestMicProblem | null>(null);
  /** Why the camera could not be used in the meeting (the guest has no pictures), or null. */
  cameraProblem = $state<GuestMicProblem | null>(null);

  private socket: SocketLike | null = null;
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: Response) => void; reject: (e: ErrorBody) => void }>();
  private pinger: ReturnType<typeof setInterval> | null = null;
  private sound: Sound | null = null;
  private poller: ReturnType<typeof setInterval> | null = null;
  private microphone: string | null = null;
  private withCamera = false;
  /** The camera button's turn under way (opening the camera takes a moment, a prompt perhaps). */
  private turningCamera = false;

  constructor(
    private readonly token: string,
    private readonly deps: ClientDeps,
  ) {}

  /** Joins the room's meeting by its link, as `name`, with `microphone` (null: the default), and
   * the camera when `camera`. */
  join(name: string, microphone: string | null, camera = false): void {
    if (this.state.step !== "form" || this.state.joining) return;
    this.microphone = microphone;
    this.withCamera = camera;
    this.dispatch({ type: "submit" });
    let socket: SocketLike;
    try {
      socket = this.deps.openSocket(this.deps.url);
    } catch {
      this.dispatch({ type: "socket_closed" });
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.pinger = setInterval(() => void this.request({ type: "ping" }).catch(() => {}), PING_MS);
      this.request({ type: "join_by_link", link: this.token, name }).then(
        (r) => this.dispatch(r.type === "joined" ? { type: "joined", session: r.session } : { type: "refused", error: UNEXPECTED }),
        (e: ErrorBody) => this.dispatch({ type: "refused", error: e }),
      );
    };
    socket.onmessage = (e) => this.receive(e.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.dropSocket();
      this.dispatch({ type: "socket_closed" });
    };
    // A failed socket closes next: its close says it.
    socket.onerror = () => {};
  }

  /** Leaves the meeting (or its lobby): the Leave button, or the page going away. */
  leave(): void {
    this.dispatch({ type: "leave" });
  }

  /** From the end back to the form. */
  again(): void {
    this.dispatch({ type: "again" });
  }

  toggleMute(): void {
    this.muted = !this.muted;
    this.sound?.setMuted(this.muted);
  }

  /** The camera button: turns this guest's camera off, or on again (or for the first time when
   * it joined without), on the meeting's sound as it is. A camera that cannot be opened says why
   * (cameraProblem). Clicks while the camera is being opened are ignored. */
  toggleCamera(): void {
    const sound = this.sound;
    if (!sound || this.turningCamera) return;
    const on = this.camera === null;
    // The choice holds for the meeting's sound started again (sent back to the lobby, let in).
    this.withCamera = on;
    this.turningCamera = true;
    sound
      .setCamera(on)
      .catch(() => {
        if (on && this.sound === sound) this.cameraProblem = "failed";
      })
      .finally(() => {
        if (this.sound === sound) this.turningCamera = false;
      });
  }

  /** Moves the machine, and does what entering the new step asks. */
  private dispatch(input: Input): void {
    const before = this.state;
    const after = next(before, input);
    if (after === before) return;
    this.state = after;
    const sounding = (s: GuestState) => s.step === "connecting" || s.step === "connected";
    if (after.step === "ended") {
      this.closeSound();
      // The server knows the end already when it said so, or is gone.
      const conversation = inside(before) && after.ending.cause !== "closing" && after.ending.cause !== "lost" ? before.session.conversation : null;
      this.closeSocket(conversation);
    } else if (after.step === "form") {
      // Refused: the next try opens a new socket.
      if (input.type !== "again") this.closeSocket(null);
      else {
        this.remote = [];
        this.muted = false;
        this.micProblem = null;
        this.cameraProblem = null;
      }
    } else if (sounding(after) && !sounding(before)) {
      this.startSound(after.session.conversation);
    } else if (!sounding(after) && sounding(before)) {
      // Sent back to the lobby.
      this.closeSound();
    }
  }

  private receive(data: unknown): void {
    const frame = parseFrame(data);
    if (!frame) return;
    if (frame.kind === "response") {
      const waiting = this.pending.get(frame.id);
      this.pending.delete(frame.id);
      waiting?.resolve(frame.result);
    } else if (frame.kind === "error") {
      if (frame.id === null) return;
      const waiting = this.pending.get(frame.id);
      this.pending.delete(frame.id);
      waiting?.reject(frame.error);
    } else if (frame.event.type === "guest_session") {
      this.dispatch({ type: "session", session: frame.event.session });
    } else if (frame.event.type === "closing") {
      this.dispatch({ type: "closing", error: { code: frame.event.code, reason: frame.event.reason } });
    }
  }

  /** Sends a request; its answer, or its error frame's body (UNEXPECTED when the socket closed). */
  private request(req: Request): Promise<Response> {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) return Promise.reject(UNEXPECTED);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.send(clientFrame(id, req));
    });
  }

  private startSound(conversation: number): void {
    const mine = (sound: Sound) => this.sound === sound;
    const sound = this.deps.sound({
      onTrack: (id, kind, stream) => {
        if (!mine(sound) || this.remote.some((r) => r.id === id) || this.pictures.some((r) => r.id === id)) return;
        if (kind === "video") this.pictures = [...this.pictures, { id, stream }];
        else this.remote = [...this.remote, { id, stream }];
      },
      onConnected: () => {
        if (mine(sound)) this.dispatch({ type: "media_connected" });
      },
      onFailed: () => {
        if (mine(sound)) this.dispatch({ type: "media_failed", error: null });
      },
      onMicrophone: (problem) => {
        if (mine(sound)) this.micProblem = problem;
      },
      onCamera: (stream) => {
        if (!mine(sound)) return;
        this.camera = stream;
        // Turned on after all: the problem of an earlier try is over.
        if (stream) this.cameraProblem = null;
      },
      onCameraProblem: (problem) => {
        if (mine(sound)) this.cameraProblem = problem;
      },
    });
    this.sound = sound;
    sound.setMuted(this.muted);
    this.poller = setInterval(() => {
      if (mine(sound)) this.showSources(sound.sources());
    }, SOURCES_MS);
    const answer = async (offer: string) => {
      const r = await this.request({ type: "join_meeting_media", conversation, offer });
      if (r.type !== "meeting_media") throw UNEXPECTED;
      return r.answer;
    };
    sound.connect({ microphone: this.microphone, camera: this.withCamera }, answer).catch((err: unknown) => {
      if (mine(sound)) this.dispatch({ type: "media_failed", error: isErrorBody(err) && err !== UNEXPECTED ? err : null });
    });
  }

  /** Takes a reading of the lines, changing the page only where it changed (it is read twice a
   * second, and mostly says the same). */
  private showSources(now: LineSources): void {
    const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    const keys = Object.keys(now.video);
    if (keys.length !== Object.keys(this.seen).length || keys.some((k) => this.seen[k] !== now.video[k])) this.seen = now.video;
    if (!same(now.heard, this.heard)) this.heard = now.heard;
    if (!same(now.speaking, this.speaking)) this.speaking = now.speaking;
  }

  private closeSound(): void {
    this.sound?.close();
    this.sound = null;
    this.turningCamera = false;
    if (this.poller !== null) clearInterval(this.poller);
    this.poller = null;
    this.remote = [];
    this.pictures = [];
    this.seen = {};
    this.heard = [];
    this.speaking = [];
    this.camera = null;
  }

  /** Closes the socket, after telling the server the guest leaves `conversation`'s meeting. */
  private closeSocket(conversation: number | null): void {
    const socket = this.socket;
    if (!socket) return;
    if (conversation !== null && socket.readyState === OPEN) socket.send(clientFrame(this.nextId++, { type: "leave_meeting", conversation }));
    this.dropSocket();
    socket.close();
  }

  /** Forgets the socket: no more pings, and the requests waiting on it fail. */
  private dropSocket(): void {
    this.socket = null;
    if (this.pinger !== null) clearInterval(this.pinger);
    this.pinger = null;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(UNEXPECTED);
  }
}
