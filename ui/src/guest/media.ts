// The guest's sound, in the browser itself: the device test of the form (the microphones, a level
// from an AnalyserNode) and the meeting's WebRTC connection to the server's SFU. One offer, one
// answer, never renegotiated: the microphone's audio line (sendrecv) and SLOTS - 1 receive-only
// lines, each of which the SFU fills with one other participant, so that the guest hears up to
// SLOTS people at once. Pure helpers at the top (media.test.ts).
import type { GuestMicProblem } from "../lib/i18n";

/** The audio lines offered: the microphone's, and the others' receive-only ones. */
export const SLOTS = 8;
/** How long to wait for the ICE candidates before offering those gathered (the SFU is reached
 * directly: host candidates come at once). */
export const GATHER_MS = 3000;
/** How long the connection may take to come up once answered. */
export const CONNECT_MS = 20_000;
/** The meter's floor, dBFS (silence reads as it). */
export const FLOOR_DB = -60;

// ---- Pure helpers ---------------------------------------------------------------------------------

/** What getUserMedia's rejection means to the guest. */
export function micProblem(err: unknown): GuestMicProblem {
  const name = typeof err === "object" && err !== null ? (err as { name?: unknown }).name : undefined;
  if (name === "NotAllowedError" || name === "SecurityError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "missing";
  return "failed";
}

/** The microphone to ask for: the chosen one, else the browser's default. */
export function microphoneConstraints(deviceId: string | null): MediaStreamConstraints {
  return { audio: deviceId ? { deviceId: { exact: deviceId } } : true, video: false };
}

export type Microphone = { id: string; label: string | null };

/** The microphones among the devices, without the browser's own aliases of one of them
 * ("default", "communications": the list's first choice is the default already). A label is
 * null until the browser names its devices (once the microphone is allowed). */
export function microphones(devices: readonly Pick<MediaDeviceInfo, "kind" | "deviceId" | "label">[]): Microphone[] {
  return devices
    .filter((d) => d.kind === "audioinput" && d.deviceId !== "" && d.deviceId !== "default" && d.deviceId !== "communications")
    .map((d) => ({ id: d.deviceId, label: d.label.trim() === "" ? null : d.label }));
}

/** The level of a stretch of samples (-1 to 1), dBFS from their RMS, FLOOR_DB at least. */
export function levelDb(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  const rms = samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
  const db = rms > 0 ? 20 * Math.log10(rms) : FLOOR_DB;
  return Math.max(FLOOR_DB, Math.min(0, db));
}

/** Whether the browser lets this page use a microphone at all (only pages over https, or on
 * localhost, get navigator.mediaDevices). */
export function microphoneAvailable(): boolean {
  return typeof navigator !== "undefined" && typeof navigator.mediaDevices?.getUserMedia === "function";
}

// ---- The device test ------------------------------------------------------------------------------

/** The form's device test: one microphone open, its level read every animation frame. */
export class MicrophoneTest {
  private stream: MediaStream | null = null;
  private context: AudioContext | null = null;
  private frame = 0;
  private run = 0;

  /** Opens the microphone (the default when null) and reports its level until stopped; the
   * problem when it cannot be opened, else null. */
  async start(deviceId: string | null, onLevel: (db: number) => void): Promise<GuestMicProblem | null> {
    this.stop();
    const run = ++this.run;
    if (!microphoneAvailable()) return "insecure";
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(microphoneConstraints(deviceId));
    } catch (err) {
      return run === this.run ? micProblem(err) : null;
    }
    if (run !== this.run) {
      stopAll(stream);
      return null;
    }
    this.stream = stream;
    const context = new AudioContext();
    this.context = context;
    // Started by the button's click, so allowed to play; resumed in case it came up suspended.
    void context.resume().catch(() => {});
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const read = () => {
      if (run !== this.run) return;
      analyser.getFloatTimeDomainData(samples);
      onLevel(levelDb(samples));
      this.frame = requestAnimationFrame(read);
    };
    read();
    return null;
  }

  stop(): void {
    this.run++;
    cancelAnimationFrame(this.frame);
    if (this.stream) stopAll(this.stream);
    this.stream = null;
    void this.context?.close().catch(() => {});
    this.context = null;
  }
}

/** The microphones the browser lists now. */
export async function listMicrophones(): Promise<Microphone[]> {
  if (!microphoneAvailable()) return [];
  return microphones(await navigator.mediaDevices.enumerateDevices());
}

function stopAll(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}

// ---- The meeting's sound --------------------------------------------------------------------------

/** What the meeting's sound tells the page. */
export interface SoundHandlers {
  /** Another participant's line: play it (one stream per line, keyed by its track's id). */
  onTrack(id: string, stream: MediaStream): void;
  onConnected(): void;
  onFailed(): void;
  /** The microphone could not be used: the guest only listens. */
  onMicrophone(problem: GuestMicProblem): void;
}

/** The meeting's sound, as the client drives it (media.ts's MeetingSound, a fake in tests). */
export interface Sound {
  /** Connects: `answer` takes the offer to the server and brings back its answer. */
  connect(microphone: string | null, answer: (offer: string) => Promise<string>): Promise<void>;
  setMuted(muted: boolean): void;
  close(): void;
}

/** The meeting's sound over one RTCPeerConnection to the SFU. Closed at any time, even while it
 * connects (what comes after is let go at once). */
export class MeetingSound implements Sound {
  private pc: RTCPeerConnection | null = null;
  private mic: MediaStream | null = null;
  private muted = false;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly on: SoundHandlers) {}

  async connect(microphone: string | null, answer: (offer: string) => Promise<string>): Promise<void> {
    const mic = await this.openMicrophone(microphone);
    if (this.closed) {
      if (mic) stopAll(mic);
      return;
    }
    this.mic = mic;
    const track = mic?.getAudioTracks()[0] ?? null;
    if (track) track.enabled = !this.muted;

    const pc = new RTCPeerConnection();
    this.pc = pc;
    pc.ontrack = (e) => this.on.onTrack(e.track.id, new MediaStream([e.track]));
    pc.onconnectionstatechange = () => {
      if (this.closed) return;
      if (pc.connectionState === "connected") {
        this.clearTimer();
        this.on.onConnected();
      } else if (pc.connectionState === "failed") {
        this.clearTimer();
        this.on.onFailed();
      }
    };
    // The microphone's line (without a microphone it sends nothing), then the others' lines.
    pc.addTransceiver(track ?? "audio", { direction: "sendrecv" });
    for (let i = 1; i < SLOTS; i++) pc.addTransceiver("audio", { direction: "recvonly" });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc, GATHER_MS);
    if (this.closed) return;
    const offer = pc.localDescription?.sdp;
    if (!offer) throw new Error("no local description");
    const sdp = await answer(offer);
    if (this.closed) return;
    await pc.setRemoteDescription({ type: "answer", sdp });
    if (this.closed || pc.connectionState === "connected") return;
    this.timer = setTimeout(() => {
      if (!this.closed && pc.connectionState !== "connected") this.on.onFailed();
    }, CONNECT_MS);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    for (const track of this.mic?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  close(): void {
    this.closed = true;
    this.clearTimer();
    this.pc?.close();
    this.pc = null;
    if (this.mic) stopAll(this.mic);
    this.mic = null;
  }

  /** The microphone, or null (reported) when the guest can only listen. A chosen microphone
   * unplugged since the test gives way to the default one. */
  private async openMicrophone(deviceId: string | null): Promise<MediaStream | null> {
    if (!microphoneAvailable()) {
      this.on.onMicrophone("insecure");
      return null;
    }
    try {
      return await navigator.mediaDevices.getUserMedia(microphoneConstraints(deviceId));
    } catch (err) {
      if (deviceId !== null && micProblem(err) === "missing") return this.openMicrophone(null);
      this.on.onMicrophone(micProblem(err));
      return null;
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Resolves once the ICE candidates are gathered, or after `ms` at most. */
function gathered(pc: RTCPeerConnection, ms: number): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const timer = setTimeout(done, ms);
    pc.addEventListener("icegatheringstatechange", check);
  });
}
