// The frame socket in component tests: frames as the desktop sends them, and a WebSocket
// stand-in (jsdom would really connect) that tests push messages through.
import { HEADER_BYTES, i420Length } from "../src/features/calls/i420";

/** A frame as the socket sends it: the header, then Y, U and V filled with the given values
 * (Y may be a function of the pixel's index). */
export function wireFrame(
  stream: number,
  width: number,
  height: number,
  sequence: number,
  planes: { y?: number | ((i: number) => number); u?: number; v?: number } = {},
): ArrayBuffer {
  const buf = new ArrayBuffer(HEADER_BYTES + i420Length(width, height));
  const view = new DataView(buf);
  view.setUint8(0, stream);
  view.setUint16(4, width, true);
  view.setUint16(6, height, true);
  view.setUint32(8, sequence, true);
  const bytes = new Uint8Array(buf, HEADER_BYTES);
  const luma = width * height;
  const chroma = (width >> 1) * (height >> 1);
  const y = planes.y ?? 16;
  for (let i = 0; i < luma; i++) bytes[i] = typeof y === "function" ? y(i) : y;
  bytes.fill(planes.u ?? 128, luma, luma + chroma);
  bytes.fill(planes.v ?? 128, luma + chroma, luma + 2 * chroma);
  return buf;
}

/** Stands in for WebSocket (vi.stubGlobal("WebSocket", FakeSocket)): remembers every socket
 * opened; `push` delivers a message as the desktop would. */
export class FakeSocket {
  static opened: FakeSocket[] = [];
  readonly url: string;
  binaryType = "blob";
  closed = false;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: (() => void) | null = null;

  constructor(url: string) {
    this.url = url;
    FakeSocket.opened.push(this);
  }

  push(data: ArrayBuffer): void {
    if (!this.closed) this.onmessage?.({ data });
  }

  close(): void {
    this.closed = true;
  }

  /** The desktop drops the connection. */
  drop(): void {
    this.closed = true;
    this.onclose?.();
  }
}
