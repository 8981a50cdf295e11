import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeMediaStream, FakePeerConnection, FakeReceiver, fakeMediaDevices } from "./fakes";
import {
  cameraConstraints,
  devicesConstraints,
  FLOOR_DB,
  latestSource,
  levelDb,
  LineWatch,
  MeetingSound,
  micProblem,
  microphoneConstraints,
  microphones,
  SEEN,
  SLOTS,
  SourceWatch,
  SPEAKING_HOLD_MS,
  STALE_MS,
  type SoundHandlers,
} from "./media";

describe("the microphone's problems", () => {
  it("reads getUserMedia's rejections", () => {
    expect(micProblem(new DOMException("no", "NotAllowedError"))).toBe("denied");
    expect(micProblem(new DOMException("no", "SecurityError"))).toBe("denied");
    expect(micProblem(new DOMException("none", "NotFoundError"))).toBe("missing");
    expect(micProblem({ name: "OverconstrainedError" })).toBe("missing");
    expect(micProblem(new DOMException("busy", "NotReadableError"))).toBe("failed");
    expect(micProblem("what")).toBe("failed");
  });
});

describe("the microphones", () => {
  it("asks for the chosen one exactly, else the default", () => {
    expect(microphoneConstraints(null)).toEqual({ audio: true, video: false });
    expect(microphoneConstraints("abc")).toEqual({ audio: { deviceId: { exact: "abc" } }, video: false });
  });

  it("asks for a 640x360, slow camera, alone or with the microphone", () => {
    const video = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } };
    expect(cameraConstraints()).toEqual({ audio: false, video });
    expect(devicesConstraints(null)).toEqual({ audio: true, video });
    expect(devicesConstraints("abc")).toEqual({ audio: { deviceId: { exact: "abc" } }, video });
  });

  it("lists the audio inputs without the browser's aliases, unnamed until allowed", () => {
    const devices = [
      { kind: "audioinput", deviceId: "default", label: "Default - Headset" },
      { kind: "audioinput", deviceId: "communications", label: "Communications - Headset" },
      { kind: "audioinput", deviceId: "a1", label: "Headset" },
      { kind: "audioinput", deviceId: "a2", label: "" },
      { kind: "audiooutput", deviceId: "o1", label: "Speakers" },
      { kind: "videoinput", deviceId: "v1", label: "Camera" },
      { kind: "audioinput", deviceId: "", label: "" },
    ] as const;
    expect(microphones(devices)).toEqual([
      { id: "a1", label: "Headset" },
      { id: "a2", label: null },
    ]);
  });
});

describe("the level meter", () => {
  it("reads silence as the floor and a full-scale square wave as 0 dBFS", () => {
    expect(levelDb(new Float32Array(256))).toBe(FLOOR_DB);
    expect(levelDb([])).toBe(FLOOR_DB);
    expect(levelDb(Float32Array.from({ length: 256 }, (_, i) => (i % 2 ? 1 : -1)))).toBe(0);
  });

  it("reads a tenth of full scale as -20 dBFS", () => {
    expect(levelDb(new Float32Array(256).fill(0.1))).toBeCloseTo(-20, 5);
  });
});

describe("who is on a line", () => {
  it("is the latest CSRC its packets named, with the line's level when the CSRC has none", () => {
    const r = new FakeReceiver("audio");
    expect(latestSource(r)).toBeNull();
    r.packet(7, 1000);
    r.packet(9, 1500);
    // The browser lists both for a while after a handover: the latest is the one on it now.
    expect(latestSource(r)).toEqual({ source: 9, at: 1500, level: null });
    r.synchronization = [
      { source: 55, timestamp: 1400, rtpTimestamp: 0, audioLevel: 0.5 },
      { source: 55, timestamp: 1500, rtpTimestamp: 0, audioLevel: 0.2 },
    ];
    expect(latestSource(r)).toEqual({ source: 9, at: 1500, level: 0.2 });
    r.packet(9, 1600, 0.05);
    expect(latestSource(r)?.level).toBe(0.05);
  });

  it("carries nobody once its packets stopped, whatever the browser's clock", () => {
    const watch = new LineWatch();
    const heard = { source: 9, at: 123_456_789, level: null };
    expect(watch.read(heard, 0)).toEqual(heard);
    expect(watch.read(heard, STALE_MS)).toEqual(heard);
    expect(watch.read(heard, STALE_MS + 1)).toBeNull();
    // Packets again, or someone else.
    expect(watch.read({ ...heard, at: heard.at + 1 }, STALE_MS + 500)).not.toBeNull();
    expect(watch.read({ ...heard, source: 10 }, STALE_MS * 3)).toEqual({ ...heard, source: 10 });
    expect(watch.read(null, STALE_MS * 3)).toBeNull();
  });

  it("reads the video lines' sources and who speaks on the audio lines, held a moment", () => {
    const watch = new SourceWatch();
    const [v1, v2] = [new FakeReceiver("video"), new FakeReceiver("video")];
    const [a1, a2] = [new FakeReceiver("audio"), new FakeReceiver("audio")];
    const video = [
      { id: "v1", receiver: v1 },
      { id: "v2", receiver: v2 },
    ];
    expect(watch.read(video, [a1, a2], 0)).toEqual({ video: {}, heard: [], speaking: [] });
    v1.packet(7, 10);
    a1.packet(7, 10, 0.2);
    a2.packet(8, 10, 0.001);
    expect(watch.read(video, [a1, a2], 500)).toEqual({ video: { v1: 7 }, heard: [7, 8], speaking: [7] });
    // 7 falls quiet: still speaking for a moment, then not.
    v1.packet(7, 20);
    a1.packet(7, 20, 0.001);
    a2.packet(8, 20, 0.001);
    expect(watch.read(video, [a1, a2], 1000).speaking).toEqual([7]);
    v1.packet(7, 30);
    a1.packet(7, 30, 0.001);
    a2.packet(8, 30, 0.001);
    expect(watch.read(video, [a1, a2], 500 + SPEAKING_HOLD_MS + 1)).toEqual({ video: { v1: 7 }, heard: [7, 8], speaking: [] });
  });
});

describe("the meeting's connection", () => {
  let devices: ReturnType<typeof fakeMediaDevices>;

  function handlers() {
    const said: string[] = [];
    const on: SoundHandlers = {
      onTrack: (_id, kind) => said.push(`track ${kind}`),
      onConnected: () => said.push("connected"),
      onFailed: () => said.push("failed"),
      onMicrophone: (p) => said.push(`microphone ${p}`),
      onCamera: (stream) => said.push(stream ? "camera" : "camera off"),
      onCameraProblem: (p) => said.push(`camera ${p}`),
    };
    return { on, said };
  }

  /** Connects, the SFU answering; the offer's m-lines as "kind direction". */
  async function connect(camera: boolean) {
    const { on, said } = handlers();
    const sound = new MeetingSound(on);
    let offer = "";
    await sound.connect({ microphone: null, camera }, async (o) => {
      offer = o;
      return "v=0 answer";
    });
    const pc = FakePeerConnection.made.at(-1)!;
    const lines = [...offer.matchAll(/^m=(\w+) [^]*?^a=(sendrecv|recvonly|sendonly|inactive)/gm)].map((m) => `${m[1]} ${m[2]}`);
    return { sound, said, pc, lines };
  }

  beforeEach(() => {
    FakePeerConnection.made = [];
    vi.stubGlobal("RTCPeerConnection", FakePeerConnection);
    vi.stubGlobal("MediaStream", FakeMediaStream);
    devices = fakeMediaDevices();
    Object.defineProperty(navigator, "mediaDevices", { value: devices, configurable: true });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    Reflect.deleteProperty(navigator, "mediaDevices");
  });

  it("offers the microphone's line, the others' audio lines, then the camera's line sending nothing and receive-only video lines", async () => {
    const { lines, pc, said, sound } = await connect(false);
    expect(SLOTS).toBe(8);
    expect(SEEN).toBe(9);
    // The camera's line can send, should the camera be turned on later.
    expect(lines).toEqual(["audio sendrecv", ...Array(7).fill("audio recvonly"), "video sendrecv", ...Array(8).fill("video recvonly")]);
    expect(devices.asked).toEqual([{ audio: true, video: false }]);
    expect(pc.transceivers[0].sender.track?.kind).toBe("audio");
    expect(pc.transceivers.slice(1).every((t) => t.sender.track === null)).toBe(true);
    // Each line's track says its kind.
    expect(said.filter((s) => s === "track audio")).toHaveLength(8);
    expect(said.filter((s) => s === "track video")).toHaveLength(9);
    expect(said).not.toContain("camera");
    sound.close();
    expect(devices.opened[0].tracks[0].stopped).toBe(true);
  });

  it("sends the camera on the first video line, opened with the microphone", async () => {
    const { lines, pc, said, sound } = await connect(true);
    expect(lines).toEqual(["audio sendrecv", ...Array(7).fill("audio recvonly"), "video sendrecv", ...Array(8).fill("video recvonly")]);
    expect(devices.asked).toEqual([devicesConstraints(null)]);
    expect(pc.transceivers[0].sender.track?.kind).toBe("audio");
    expect(pc.transceivers[8].sender.track?.kind).toBe("video");
    // In two simulcast layers, narrowest first, for the SFU to give each viewer the one that
    // fits; the other lines only receive.
    expect(pc.transceivers[8].sendEncodings).toEqual([
      { rid: "q", scaleResolutionDownBy: 2, maxBitrate: 150_000 },
      { rid: "f", maxBitrate: 600_000 },
    ]);
    expect(pc.transceivers.filter((t) => t.sendEncodings).length).toBe(1);
    expect(said).toContain("camera");
    sound.close();
    expect(devices.opened[0].tracks.every((t) => t.stopped)).toBe(true);
  });

  it("joins without pictures, still heard, when the camera cannot be opened", async () => {
    devices = fakeMediaDevices({ video: new DOMException("none", "NotFoundError") });
    Object.defineProperty(navigator, "mediaDevices", { value: devices, configurable: true });
    const { lines, pc, said } = await connect(true);
    expect(lines.slice(0, 9)).toEqual(["audio sendrecv", ...Array(7).fill("audio recvonly"), "video sendrecv"]);
    expect(pc.transceivers[0].sender.track?.kind).toBe("audio");
    expect(pc.transceivers[8].sender.track).toBeNull();
    expect(said).toContain("camera missing");
    expect(said.some((s) => s.startsWith("microphone"))).toBe(false);
    pc.becomes("connected");
    expect(said).toContain("connected");
  });

  it("sends the camera without a microphone", async () => {
    devices = fakeMediaDevices({ audio: new DOMException("no", "NotAllowedError") });
    Object.defineProperty(navigator, "mediaDevices", { value: devices, configurable: true });
    const { pc, said } = await connect(true);
    expect(said).toContain("microphone denied");
    expect(said).toContain("camera");
    expect(pc.transceivers[0].sender.track).toBeNull();
    expect(pc.transceivers[8]).toMatchObject({ direction: "sendrecv", sender: { track: { kind: "video" } } });
  });

  it("turns the camera off and on again on its line, without a new offer", async () => {
    const { pc, said, sound } = await connect(true);
    const line = pc.transceivers[8];
    const first = line.sender.track!;
    expect(first.kind).toBe("video");

    // Off: the line sends nothing, the device is let go, the page told at once.
    const off = sound.setCamera(false);
    expect(first.stopped).toBe(true);
    expect(said.at(-1)).toBe("camera off");
    await off;
    expect(line.sender.track).toBeNull();
    expect(line.sender.replaced).toEqual([null]);
    // The microphone goes on.
    expect(pc.transceivers[0].sender.track?.stopped).toBe(false);
    // Off twice is nothing more.
    await sound.setCamera(false);
    expect(said.filter((s) => s === "camera off")).toHaveLength(1);

    // On: the camera opened again as at join, its new track on the same line.
    await sound.setCamera(true);
    expect(devices.asked.at(-1)).toEqual(cameraConstraints());
    const again = devices.opened.at(-1)!.tracks[0];
    expect(again).not.toBe(first);
    expect(line.sender.track).toBe(again);
    expect(again.stopped).toBe(false);
    expect(said.at(-1)).toBe("camera");
    // On twice opens nothing more.
    const opened = devices.opened.length;
    await sound.setCamera(true);
    expect(devices.opened).toHaveLength(opened);

    expect(pc.offers).toBe(1);
    expect(FakePeerConnection.made).toHaveLength(1);
    sound.close();
    expect(again.stopped).toBe(true);
  });

  it("turns the camera on for a guest who joined without one", async () => {
    const { pc, said, sound } = await connect(false);
    expect(pc.transceivers[8]).toMatchObject({ direction: "sendrecv", sender: { track: null } });
    await sound.setCamera(true);
    expect(devices.asked).toEqual([microphoneConstraints(null), cameraConstraints()]);
    expect(pc.transceivers[8].sender.track).toBe(devices.opened[1].tracks[0]);
    expect(pc.transceivers[8].sender.track?.kind).toBe("video");
    expect(said).toContain("camera");
    expect(pc.offers).toBe(1);
  });

  it("says why the camera cannot be turned on, and sends nothing", async () => {
    devices = fakeMediaDevices({ video: new DOMException("no", "NotAllowedError") });
    Object.defineProperty(navigator, "mediaDevices", { value: devices, configurable: true });
    const { pc, said, sound } = await connect(false);
    await sound.setCamera(true);
    expect(said.at(-1)).toBe("camera denied");
    expect(said).not.toContain("camera");
    expect(pc.transceivers[8].sender.track).toBeNull();
    expect(pc.transceivers[8].sender.replaced).toEqual([]);
  });

  it("lets go of a camera its line would not take", async () => {
    const { pc, said, sound } = await connect(false);
    pc.transceivers[8].sender.fail = new DOMException("no", "InvalidModificationError");
    await sound.setCamera(true);
    expect(said.at(-1)).toBe("camera failed");
    expect(devices.opened.at(-1)!.tracks[0].stopped).toBe(true);
    expect(pc.transceivers[8].sender.track).toBeNull();
  });

  it("lets go of a camera turned off again while it opened, and of any once closed", async () => {
    const { pc, said, sound } = await connect(false);
    const on = sound.setCamera(true);
    await sound.setCamera(false);
    await on;
    expect(devices.opened.at(-1)!.tracks[0].stopped).toBe(true);
    expect(pc.transceivers[8].sender.track).toBeNull();
    expect(said.filter((s) => s.startsWith("camera"))).toEqual([]);

    const late = sound.setCamera(true);
    sound.close();
    await late;
    expect(devices.opened.at(-1)!.tracks[0].stopped).toBe(true);
    expect(said.filter((s) => s.startsWith("camera"))).toEqual([]);
  });

  it("says the camera cannot be used on a page the browser keeps devices from", async () => {
    const { pc, said, sound } = await connect(false);
    Reflect.deleteProperty(navigator, "mediaDevices");
    await sound.setCamera(true);
    expect(said.at(-1)).toBe("camera insecure");
    expect(pc.transceivers[8].sender.track).toBeNull();
  });

  it("says who is on its lines", async () => {
    const { pc, sound } = await connect(false);
    expect(sound.sources()).toEqual({ video: {}, heard: [], speaking: [] });
    const video = pc.transceivers.filter((t) => t.kind === "video");
    video[2].receiver.packet(42, 1);
    pc.transceivers[3].receiver.packet(42, 1, 0.3);
    expect(sound.sources()).toEqual({ video: { [video[2].receiver.track.id]: 42 }, heard: [42], speaking: [42] });
    sound.close();
    expect(sound.sources()).toEqual({ video: {}, heard: [], speaking: [] });
  });
});
