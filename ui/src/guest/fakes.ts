// Stand-ins for the guest client's socket and sound in the tests: the socket records what the
// page sends and lets a test play the server's part; the sound records how it was driven. Below
// them, stand-ins for the browser's WebRTC (jsdom has none) that MeetingSound itself is tested
// on: the peer connection writes an offer with one m-line per transceiver, the receivers list
// the CSRCs a test gives them, getUserMedia hands out fake tracks or fails as told.
import type { ClientFrame, MeetingSession, ServerFrame } from "../lib/bindings";
import type { ClientDeps, SocketLike } from "./client.svelte";
import type { Devices, LineSources, ReceiverLike, Sound, SoundHandlers } from "./media";

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
  camera: boolean | undefined;
  offered: Promise<string> | null = null;
  muted = false;
  closed = false;
  /** Each setCamera's `on`, in order: a test answers with the handlers (onCamera, onCameraProblem). */
  cameraTurns: boolean[] = [];
  /** What sources() says: a test sets who is on the lines. */
  lines: LineSources = { video: {}, heard: [], speaking: [] };

  constructor(readonly on: SoundHandlers) {}

  connect({ microphone, camera }: Devices, answer: (offer: string) => Promise<string>): Promise<void> {
    this.microphone = microphone;
    this.camera = camera;
    this.offered = answer("v=0 offer");
    return this.offered.then(() => {});
  }
  setMuted(muted: boolean): void {
    this.muted = muted;
  }
  async setCamera(on: boolean): Promise<void> {
    this.cameraTurns.push(on);
  }
  sources(): LineSources {
    return this.lines;
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

// ---- The browser's media --------------------------------------------------------------------------

let lastId = 0;

export class FakeTrack {
  readonly id = `track-${++lastId}`;
  enabled = true;
  stopped = false;
  constructor(readonly kind: "audio" | "video") {}
  stop(): void {
    this.stopped = true;
  }
}

export class FakeMediaStream {
  readonly id = `stream-${++lastId}`;
  constructor(readonly tracks: FakeTrack[] = []) {}
  getTracks(): FakeTrack[] {
    return this.tracks;
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === "audio");
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === "video");
  }
}

/** A line's receiver: a test says which CSRCs its packets named lately. */
export class FakeReceiver implements ReceiverLike {
  readonly track: FakeTrack;
  contributing: RTCRtpContributingSource[] = [];
  synchronization: RTCRtpSynchronizationSource[] = [];
  constructor(kind: "audio" | "video") {
    this.track = new FakeTrack(kind);
  }
  getContributingSources(): RTCRtpContributingSource[] {
    return this.contributing;
  }
  getSynchronizationSources(): RTCRtpSynchronizationSource[] {
    return this.synchronization;
  }
  /** A packet from `source` arrived at `timestamp`. */
  packet(source: number, timestamp: number, audioLevel?: number): void {
    this.contributing = [...this.contributing.filter((s) => s.source !== source), { source, timestamp, rtpTimestamp: 0, audioLevel }];
  }
}

/** A line's sender: the track it sends (null: nothing), each track replaceTrack was given, and
 * the error the next replaceTrack fails with when a test sets one. */
export class FakeSender {
  replaced: (FakeTrack | null)[] = [];
  fail: DOMException | null = null;
  constructor(public track: FakeTrack | null) {}
  async replaceTrack(track: FakeTrack | null): Promise<void> {
    if (this.fail) throw this.fail;
    this.replaced.push(track);
    this.track = track;
  }
}

export type FakeTransceiver = {
  kind: "audio" | "video";
  direction: RTCRtpTransceiverDirection;
  /** The simulcast layers it sends, as asked (none: one stream). */
  sendEncodings?: RTCRtpEncodingParameters[];
  sender: FakeSender;
  receiver: FakeReceiver;
};

export class FakePeerConnection {
  static made: FakePeerConnection[] = [];
  transceivers: FakeTransceiver[] = [];
  connectionState: RTCPeerConnectionState = "new";
  iceGatheringState: RTCIceGatheringState = "complete";
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  closed = false;
  /** How many offers were made (one: the connection is never renegotiated). */
  offers = 0;
  ontrack: ((e: { track: FakeTrack; receiver: FakeReceiver }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;

  constructor() {
    FakePeerConnection.made.push(this);
  }
  addTransceiver(trackOrKind: FakeTrack | "audio" | "video", init?: RTCRtpTransceiverInit): FakeTransceiver {
    const track = typeof trackOrKind === "string" ? null : trackOrKind;
    const kind = track ? track.kind : (trackOrKind as "audio" | "video");
    const t: FakeTransceiver = {
      kind,
      direction: init?.direction ?? "sendrecv",
      sendEncodings: init?.sendEncodings,
      sender: new FakeSender(track),
      receiver: new FakeReceiver(kind),
    };
    this.transceivers.push(t);
    return t;
  }
  /** One m-line per transceiver, in order, with its direction (what the SFU reads). */
  async createOffer(): Promise<RTCSessionDescriptionInit> {
    this.offers++;
    const lines = this.transceivers.map((t, i) => `m=${t.kind} 9 UDP/TLS/RTP/SAVPF ${t.kind === "audio" ? 111 : 96}\r\na=mid:${i}\r\na=${t.direction}\r\n`);
    return { type: "offer", sdp: `v=0\r\n${lines.join("")}` };
  }
  async setLocalDescription(d: RTCSessionDescriptionInit): Promise<void> {
    this.localDescription = d;
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    this.remoteDescription = d;
    // The SFU answers each line with a track.
    for (const t of this.transceivers) this.ontrack?.({ track: t.receiver.track, receiver: t.receiver });
  }
  addEventListener(): void {}
  removeEventListener(): void {}
  close(): void {
    this.closed = true;
  }
  /** The connection came up (or failed). */
  becomes(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
}

/** navigator.mediaDevices.getUserMedia: each call's constraints, fake tracks for what they ask,
 * or the error a test set for a kind (asked alone or with the other). */
export function fakeMediaDevices(fail: { audio?: DOMException; video?: DOMException } = {}) {
  const asked: MediaStreamConstraints[] = [];
  const opened: FakeMediaStream[] = [];
  return {
    asked,
    opened,
    async getUserMedia(c: MediaStreamConstraints): Promise<FakeMediaStream> {
      asked.push(c);
      if (c.audio && fail.audio) throw fail.audio;
      if (c.video && fail.video) throw fail.video;
      const stream = new FakeMediaStream([...(c.audio ? [new FakeTrack("audio")] : []), ...(c.video ? [new FakeTrack("video")] : [])]);
      opened.push(stream);
      return stream;
    },
    async enumerateDevices(): Promise<MediaDeviceInfo[]> {
      return [];
    },
  };
}
