import { describe, expect, it, vi } from "vitest";
import { wireFrame } from "../../../tests/frames";
import { HEADER_BYTES, I420Renderer, i420ToRgba, parseFrame, yuvToRgb, type I420Frame } from "./i420";

describe("the frame header", () => {
  it("reads stream, width, height and sequence (little-endian) and finds the three planes", () => {
    const buf = wireFrame(1, 640, 360, 0x01020304, { y: (i) => i % 251, u: 90, v: 240 });
    const f = parseFrame(buf);
    expect(f).not.toBeNull();
    const frame = f as I420Frame;
    expect([frame.stream, frame.width, frame.height, frame.sequence]).toEqual([1, 640, 360, 0x01020304]);
    expect(frame.y.length).toBe(640 * 360);
    expect(frame.u.length).toBe(320 * 180);
    expect(frame.v.length).toBe(320 * 180);
    expect(frame.y[0]).toBe(0);
    expect(frame.y[300]).toBe(300 % 251);
    expect(frame.u.every((b) => b === 90)).toBe(true);
    expect(frame.v.every((b) => b === 240)).toBe(true);
    // Views into the message, not copies.
    expect(frame.y.buffer).toBe(buf);
  });

  it("reads the bytes as laid out on the wire", () => {
    // stream 0, 3 zero bytes, width 4 (04 00), height 2 (02 00), sequence 7 (07 00 00 00).
    const bytes = new Uint8Array([0, 0, 0, 0, 4, 0, 2, 0, 7, 0, 0, 0, ...new Array(8).fill(16), 128, 128, 128, 128]);
    const f = parseFrame(bytes);
    expect(f && [f.stream, f.width, f.height, f.sequence, f.y.length, f.u.length, f.v.length]).toEqual([0, 4, 2, 7, 8, 2, 2]);
  });

  it("reads a message lying inside a larger buffer", () => {
    const inner = new Uint8Array(wireFrame(1, 2, 2, 9, { y: 200 }));
    const outer = new Uint8Array(inner.length + 10);
    outer.set(inner, 5);
    const f = parseFrame(outer.subarray(5, 5 + inner.length));
    expect(f && [f.stream, f.width, f.height, f.sequence, ...f.y]).toEqual([1, 2, 2, 9, 200, 200, 200, 200]);
  });

  it("takes nothing that is not a whole frame", () => {
    expect(parseFrame(new ArrayBuffer(0))).toBeNull();
    expect(parseFrame(new ArrayBuffer(HEADER_BYTES - 1))).toBeNull();
    const whole = wireFrame(0, 4, 4, 1);
    expect(parseFrame(whole.slice(0, whole.byteLength - 1))).toBeNull();
    expect(parseFrame(wireFrame(0, 0, 4, 1))).toBeNull();
    expect(parseFrame(wireFrame(0, 4, 0, 1))).toBeNull();
  });
});

describe("YUV to RGB (BT.601, studio range)", () => {
  it("maps black, white and grey", () => {
    expect(yuvToRgb(16, 128, 128)).toEqual([0, 0, 0]);
    expect(yuvToRgb(235, 128, 128)).toEqual([255, 255, 255]);
    expect(yuvToRgb(126, 128, 128)).toEqual([128, 128, 128]);
    // Below black and above white clamp.
    expect(yuvToRgb(0, 128, 128)).toEqual([0, 0, 0]);
    expect(yuvToRgb(255, 128, 128)).toEqual([255, 255, 255]);
  });

  it("maps the primaries", () => {
    const near = (got: number[], want: number[]) => got.forEach((g, i) => expect(Math.abs(g - want[i]), `${got} vs ${want}`).toBeLessThanOrEqual(2));
    near(yuvToRgb(82, 90, 240), [255, 0, 0]);
    near(yuvToRgb(145, 54, 34), [0, 255, 0]);
    near(yuvToRgb(41, 240, 110), [0, 0, 255]);
  });

  it("converts a tiny frame pixel by pixel, each 2×2 block sharing its chroma", () => {
    // 4×2: luma rising left to right; the left block red-ish chroma, the right one neutral.
    const bytes = new Uint8Array([
      1, 0, 0, 0, 4, 0, 2, 0, 1, 0, 0, 0,
      16, 126, 235, 235,
      16, 126, 235, 235,
      128, 128, // U
      128, 128, // V
    ]);
    const f = parseFrame(bytes) as I420Frame;
    const rgba = i420ToRgba(f);
    expect(rgba.length).toBe(4 * 2 * 4);
    const px = (x: number, y: number) => [...rgba.slice((y * 4 + x) * 4, (y * 4 + x) * 4 + 4)];
    expect(px(0, 0)).toEqual([0, 0, 0, 255]);
    expect(px(1, 0)).toEqual([128, 128, 128, 255]);
    expect(px(2, 1)).toEqual([255, 255, 255, 255]);
    expect(px(0, 1)).toEqual([0, 0, 0, 255]);

    bytes[20] = 90; // U of the left block
    bytes[22] = 240; // V of the left block
    const tinted = i420ToRgba(parseFrame(bytes) as I420Frame);
    const at = (x: number, y: number) => [...tinted.slice((y * 4 + x) * 4, (y * 4 + x) * 4 + 4)];
    // Every pixel of the left block takes the block's chroma; the right block is as it was.
    for (const [x, y] of [[0, 0], [1, 0], [0, 1], [1, 1]]) expect(at(x, y)).toEqual([...yuvToRgb(bytes[12 + y * 4 + x], 90, 240), 255]);
    expect(at(1, 0)[0]).toBeGreaterThan(at(1, 0)[2]);
    for (const [x, y] of [[2, 0], [3, 0], [2, 1], [3, 1]]) expect(at(x, y)).toEqual([255, 255, 255, 255]);
  });

  it("writes into the buffer it is given when it is large enough", () => {
    const f = parseFrame(wireFrame(0, 2, 2, 1, { y: 235 })) as I420Frame;
    const out = new Uint8ClampedArray(16);
    expect(i420ToRgba(f, out)).toBe(out);
    expect([...out]).toEqual(new Array(4).fill([255, 255, 255, 255]).flat());
    expect(i420ToRgba(f, new Uint8ClampedArray(4)).length).toBe(16);
  });
});

describe("I420Renderer", () => {
  /** A canvas with a 2D context only (no WebGL), recording what is put on it. */
  function flatCanvas() {
    const put: ImageData[] = [];
    const ctx = {
      createImageData: (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
      putImageData: vi.fn((img: ImageData) => put.push({ ...img, data: img.data.slice() } as ImageData)),
    };
    const canvas = {
      width: 0,
      height: 0,
      getContext: vi.fn((kind: string) => (kind === "2d" ? ctx : null)),
    } as unknown as HTMLCanvasElement;
    return { canvas, ctx, put };
  }

  it("falls back on a 2D canvas without WebGL, sized to the frame, converted on the CPU", () => {
    const { canvas, put } = flatCanvas();
    const r = new I420Renderer(canvas);
    expect(r.mode).toBe("2d");
    r.draw(parseFrame(wireFrame(0, 4, 2, 1, { y: (i) => (i % 2 === 0 ? 16 : 235) })) as I420Frame);
    expect([canvas.width, canvas.height]).toEqual([4, 2]);
    expect(put).toHaveLength(1);
    expect([...put[0].data.slice(0, 8)]).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    // A frame of another size gets image data of its own size.
    r.draw(parseFrame(wireFrame(0, 2, 2, 2, { y: 126 })) as I420Frame);
    expect([canvas.width, canvas.height, put[1].width, put[1].height]).toEqual([2, 2, 2, 2]);
    expect([...put[1].data.slice(0, 4)]).toEqual([128, 128, 128, 255]);
  });

  it("draws nothing, and does not fail, where a canvas has no context at all (jsdom)", () => {
    const canvas = { width: 0, height: 0, getContext: () => null } as unknown as HTMLCanvasElement;
    const r = new I420Renderer(canvas);
    expect(r.mode).toBe("none");
    r.draw(parseFrame(wireFrame(0, 2, 2, 1)) as I420Frame);
    expect([canvas.width, canvas.height]).toEqual([2, 2]);
  });
});
