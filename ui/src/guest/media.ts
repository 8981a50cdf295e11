// The guest's sound and pictures, in the browser itself: the device test of the form (the
// microphones, a level from an AnalyserNode) and the meeting's WebRTC connection to the server's
// SFU. One offer, one answer, never renegotiated: the microphone's audio line (sendrecv) and
// SLOTS - 1 receive-only audio lines, then SEEN video lines (the camera's first, sendrecv even
// while it sends nothing, so that the camera can be turned on and off mid-meeting by replacing
// its track; the others receive-only). The SFU fills each line with one other participant, so that the guest hears up
// to SLOTS people and sees up to SEEN at once; a line changes hands as people come and go, and
// each packet names its publisher in its CSRC (sources.ts), which says whose a line is now.
// Pure helpers at the top (media.test.ts).
import type { GuestMicProblem } from "../lib/i18n";

/** The audio lines offered: the microphone's, and the others' receive-only ones. */
export const SLOTS = 8;
/** The video lines offered after them: the camera's (sendrecv, sending nothing while the camera
 * is off), and the others' receive-only ones. The SFU takes 10 video lines at most; 9 tiles fit a 3 by 3 grid. */
export const SEEN = 9;
/** How long to wait for the ICE candidates before offering those gathered (the SFU is reached
 * directly: host candidates come at once). */
export const GATHER_MS = 3000;
/** How long the connection may take to come up once answered. */
export const CONNECT_MS = 20_000;
/** The meter's floor, dBFS (silence reads as it). */
export const FLOOR_DB = -60;
/** How often the page reads who is on its lines (the client polls sources()). */
export const SOURCES_MS = 500;
/** A line whose packets stopped this long ago carries nobody (browsers keep listing a source
 * about 10 s after its last packet). */
export const STALE_MS = 2000;
/** A line louder than this is someone speaking (audioLevel, linear, 1 is full scale: about
 * -40 dBov, the app's own threshold in crates/media's sources.rs). */
export const SPEAKING_LEVEL = 0.01;
/** How long someone still counts as speaking after their last loud reading: the pauses between
 * words do not make the highlight blink. */
export const SPEAKING_HOLD_MS = 1000;
/** The camera's picture: large enough for a tile that fills a window, slow (a meeting, not a
 * film). */
export const CAMERA: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } };
/** The camera is sent in two simulcast layers, narrowest first: the SFU gives each viewer the one
 * that fits its tiles and its bandwidth (a grid of two columns or more gets the half-size one), so
 * nobody's small tiles cost the full picture. A camera that gives less than 640x360 sends what the
 * browser can make of it (one layer). */
export const LAYERS: RTCRtpEncodingParameters[] = [
  { rid: "q", scaleResolutionDownBy: 2, maxBitrate: 150_000 },
  { rid: "f", maxBitrate: 600_000 },
];

// ---- Pure helpers ---------------------------------------------------------------------------------

/** What getUserMedia's rejection means to the guest (for the microphone or the camera: the
 * causes are the same). */
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

/** The camera to ask for, alone (the browser's default one). */
export function cameraConstraints(): MediaStreamConstraints {
  return { audio: false, video: CAMERA };
}

/** The microphone and the camera at once: one permission prompt for both. */
export function devicesConstraints(deviceId: string | null): MediaStreamConstraints {
  return { audio: microphoneConstraints(deviceId).audio, video: CAMERA };
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

/** What a line's receiver tells of the packets it got lately (RTCRtpReceiver's part). */
export interface ReceiverLike {
  getContributingSources(): RTCRtpContributingSource[];
  getSynchronizationSources(): RTCRtpSynchronizationSource[];
}

/** The source of a line's latest packets: its CSRC, when they arrived (the browser's clock), and
 * how loud the line was then (null when the browser does not say: video, or no level). */
export type Heard = { source: number; at: number; level: number | null };

/** The latest source a line's packets named, or null before any. The browser lists each CSRC of
 * the last seconds: the latest is the one on the line now (a line changes hands at once). The
 * level is the CSRC's own when the SFU passed it on, else the line's, which is that source's. */
export function latestSource(receiver: ReceiverLike): Heard | null {
  const last = <T extends { timestamp: number }>(list: T[]) => list.reduce<T | null>((a, b) => (a === null || b.timestamp > a.timestamp ? b : a), null);
  const csrc = last(receiver.getContributingSources().filter((s) => s.source !== 0));
  if (!csrc) return null;
  const level = csrc.audioLevel ?? last(receiver.getSynchronizationSources())?.audioLevel;
  return { source: csrc.source, at: csrc.timestamp, level: typeof level === "number" ? level : null };
}

/** One line, read poll after poll: what it carries, unless its packets stopped. Whether they
 * stopped is told by its latest packet's time not moving between polls, on this page's clock,
 * so that the browser's clock for `at` does not matter. */
export class LineWatch {
  private last: Heard | null = null;
  private movedAt = 0;

  /** What the line carries at `now` (ms, any steady clock), from latestSource's reading. */
  read(heard: Heard | null, now: number): Heard | null {
    if (heard === null) {
      this.last = null;
      return null;
    }
    if (this.last === null || heard.at !== this.last.at || heard.source !== this.last.source) this.movedAt = now;
    this.last = heard;
    return now - this.movedAt <= STALE_MS ? heard : null;
  }
}

/** Who is on the lines now. */
export interface LineSources {
  /** Per video line, by its track's id: the source on it (the lines nobody holds left out). */
  video: Record<string, number>;
  /** The sources heard on the audio lines, and those of them speaking. */
  heard: number[];
  speaking: number[];
}

/** Reads who is on the lines, poll after poll: the video lines' sources, the audio lines' with
 * who speaks (loud lately, held SPEAKING_HOLD_MS). */
export class SourceWatch {
  private lines = new Map<ReceiverLike, LineWatch>();
  private loudAt = new Map<number, number>();

  read(video: readonly { id: string; receiver: ReceiverLike }[], audio: readonly ReceiverLike[], now: number): LineSources {
    const on = (receiver: ReceiverLike) => {
      let watch = this.lines.get(receiver);
      if (!watch) this.lines.set(receiver, (watch = new LineWatch()));
      return watch.read(latestSource(receiver), now);
    };
    const seen: Record<string, number> = {};
    for (const line of video) {
      const heard = on(line.receiver);
      if (heard) seen[line.id] = heard.source;
    }
    const heard: number[] = [];
    for (const receiver of audio) {
      const h = on(receiver);
      if (!h) continue;
      heard.push(h.source);
      if (h.level !== null && h.level > SPEAKING_LEVEL) this.loudAt.set(h.source, now);
    }
    for (const [source, at] of this.loudAt) if (now - at > SPEAKING_HOLD_MS) this.loudAt.delete(source);
    const speaking = heard.filter((s) => this.loudAt.has(s));
    return { video: seen, heard, speaking };
  }
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

// ---- The meeting's sound and pictures -----------------------------------------------------------

/** The devices the guest joins with: the microphone (null: the browser's default) and whether
 * to send the camera. */
export type Devices = { microphone: string | null; camera: boolean };

/** What the meeting's connection tells the page. */
export interface SoundHandlers {
  /** Another participant's line: audio is played, video goes to the tiles (one stream per line,
   * keyed by its track's id). */
  onTrack(id: string, kind: "audio" | "video", stream: MediaStream): void;
  onConnected(): void;
  onFailed(): void;
  /** The microphone could not be used: the guest only listens. */
  onMicrophone(problem: GuestMicProblem): void;
  /** The camera this guest sends (for its own tile), at join or turned on later; null once it
   * is turned off. */
  onCamera(stream: MediaStream | null): void;
  /** The camera could not be used (at join, or turned on later): the guest has no pictures. */
  onCameraProblem(problem: GuestMicProblem): void;
}

/** The meeting's sound, as the client drives it (media.ts's MeetingSound, a fake in tests). */
export interface Sound {
  /** Connects: `answer` takes the offer to the server and brings back its answer. */
  connect(devices: Devices, answer: (offer: string) => Promise<string>): Promise<void>;
  setMuted(muted: boolean): void;
  /** Turns the camera on (opened again, its track put on the camera's line: reported by onCamera,
   * or onCameraProblem when it cannot be opened) or off (the line sends nothing, the device is
   * let go: onCamera(null)), without renegotiating. */
  setCamera(on: boolean): Promise<void>;
  /** Who is on the lines now (read it every SOURCES_MS). */
  sources(): LineSources;
  close(): void;
}

const NOBODY: LineSources = { video: {}, heard: [], speaking: [] };

/** The meeting's sound and pictures over one RTCPeerConnection to the SFU. Closed at any time,
 * even while it connects (what comes after is let go at once). */
export class MeetingSound implements Sound {
  private pc: RTCPeerConnection | null = null;
  private mic: MediaStream | null = null;
  private camera: MediaStream | null = null;
  private audioLines: RTCRtpTransceiver[] = [];
  private videoLines: RTCRtpTransceiver[] = [];
  private readonly watch = new SourceWatch();
  private muted = false;
  private closed = false;
  /** Counts the camera's turns on and off: an opening overtaken by a later turn is let go. */
  private cameraTurn = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly on: SoundHandlers) {}

  async connect(devices: Devices, answer: (offer: string) => Promise<string>): Promise<void> {
    const { mic, camera } = await this.openDevices(devices);
    if (this.closed) {
      for (const stream of [mic, camera]) if (stream) stopAll(stream);
      return;
    }
    this.mic = mic;
    this.camera = camera;
    const track = mic?.getAudioTracks()[0] ?? null;
    if (track) track.enabled = !this.muted;
    const picture = camera?.getVideoTracks()[0] ?? null;
    if (camera && picture) this.on.onCamera(camera);

    const pc = new RTCPeerConnection();
    this.pc = pc;
    pc.ontrack = (e) => this.on.onTrack(e.track.id, e.track.kind === "video" ? "video" : "audio", new MediaStream([e.track]));
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
    // The microphone's line (without a microphone it sends nothing), then the others' lines;
    // the video lines after the audio ones, the camera's first, as the SFU reads them. The
    // camera's line sends even without a camera (nothing until one is turned on: setCamera).
    this.audioLines = [pc.addTransceiver(track ?? "audio", { direction: "sendrecv" })];
    for (let i = 1; i < SLOTS; i++) this.audioLines.push(pc.addTransceiver("audio", { direction: "recvonly" }));
    this.videoLines = [pc.addTransceiver(picture ?? "video", { direction: "sendrecv", sendEncodings: LAYERS })];
    for (let i = 1; i < SEEN; i++) this.videoLines.push(pc.addTransceiver("video", { direction: "recvonly" }));
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

  async setCamera(on: boolean): Promise<void> {
    const turn = ++this.cameraTurn;
    const line = this.videoLines[0];
    if (this.closed || !line) return;
    if (!on) {
      const camera = this.camera;
      if (!camera) return;
      this.camera = null;
      // Nothing sent on the line any more, and the device let go at once (its light goes off).
      const replaced = line.sender.replaceTrack(null);
      stopAll(camera);
      this.on.onCamera(null);
      await replaced.catch(() => {});
      return;
    }
    if (this.camera) return;
    // A problem is told only while this turn is the latest (not once turned off again).
    const current = () => !this.closed && turn === this.cameraTurn;
    const problem = (p: GuestMicProblem) => {
      if (current()) this.on.onCameraProblem(p);
    };
    const camera = await this.openCamera(problem);
    if (!camera) return;
    const picture = camera.getVideoTracks()[0];
    if (!current() || this.camera || !picture) {
      stopAll(camera);
      if (!picture) problem("failed");
      return;
    }
    this.camera = camera;
    try {
      // The same line as at join: no new offer, the SFU passes the new pictures on.
      await line.sender.replaceTrack(picture);
    } catch {
      if (this.camera === camera) this.camera = null;
      stopAll(camera);
      problem("failed");
      return;
    }
    if (this.closed || this.camera !== camera) return;
    this.on.onCamera(camera);
  }

  sources(): LineSources {
    if (this.closed || !this.pc) return NOBODY;
    const video = this.videoLines.map((t) => ({ id: t.receiver.track.id, receiver: t.receiver }));
    return this.watch.read(
      video,
      this.audioLines.map((t) => t.receiver),
      performance.now(),
    );
  }

  close(): void {
    this.closed = true;
    this.clearTimer();
    this.pc?.close();
    this.pc = null;
    for (const stream of [this.mic, this.camera]) if (stream) stopAll(stream);
    this.mic = null;
    this.camera = null;
  }

  /** The microphone and the camera when asked for, each null (reported) when it cannot be used.
   * Both are asked for at once (one prompt); when that fails, one at a time, to learn which one
   * failed: a camera that cannot be opened never keeps the guest from being heard. */
  private async openDevices({ microphone, camera }: Devices): Promise<{ mic: MediaStream | null; camera: MediaStream | null }> {
    if (camera && microphoneAvailable()) {
      try {
        const both = await navigator.mediaDevices.getUserMedia(devicesConstraints(microphone));
        const [audio, video] = [both.getAudioTracks(), both.getVideoTracks()];
        return {
          mic: audio.length > 0 ? new MediaStream(audio) : null,
          camera: video.length > 0 ? new MediaStream(video) : null,
        };
      } catch {
        // Each alone says what failed.
      }
    }
    const mic = await this.openMicrophone(microphone);
    if (!camera || this.closed) return { mic, camera: null };
    return { mic, camera: await this.openCamera() };
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

  /** The camera (the same constraints at join and later), or null (`report`ed) when it cannot be
   * used: the guest has no pictures. */
  private async openCamera(report: (problem: GuestMicProblem) => void = (p) => this.on.onCameraProblem(p)): Promise<MediaStream | null> {
    if (!microphoneAvailable()) {
      report("insecure");
      return null;
    }
    try {
      return await navigator.mediaDevices.getUserMedia(cameraConstraints());
    } catch (err) {
      report(micProblem(err));
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
