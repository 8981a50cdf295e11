import { describe, expect, it } from "vitest";
import { FLOOR_DB, levelDb, micProblem, microphoneConstraints, microphones } from "./media";

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
