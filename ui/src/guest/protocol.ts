// The guest page's side of the app's JSON WebSocket protocol (bindings.ts has its types): the
// link token in the page's address, the socket's address, the frames sent and those received.
// Pure functions, tested in protocol.test.ts.
import type { ClientFrame, ErrorBody, Event, Request, Response, ServerFrame } from "../lib/bindings";

/** The room's link token in the page's path, `/join/TOKEN` (its last segment), or null when
 * the path has none. */
export function tokenFromPath(pathname: string): string | null {
  const segments = pathname.split("/").filter((s) => s !== "");
  const last = segments.at(-1);
  if (last === undefined || segments.length < 2 || segments.at(-2) !== "join") return null;
  try {
    const token = decodeURIComponent(last);
    return token.trim() === "" ? null : token;
  } catch {
    return null;
  }
}

/** The server's WebSocket on the page's own host: wss on an https page, ws otherwise. */
export function socketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/v1/ws`;
}

/** What the page's query asks: `?name=NAME&auto=1` fills the name and joins at once (for
 * automated tests), skipping the device test; `camera=1` ticks "Turn my camera on" (and so
 * joins with the camera when `auto=1`). */
export function launchOptions(search: string): { name: string; auto: boolean; camera: boolean } {
  const q = new URLSearchParams(search);
  const name = q.get("name") ?? "";
  return { name, auto: q.get("auto") === "1" && name.trim() !== "", camera: q.get("camera") === "1" };
}

/** A request as a frame's text. */
export function clientFrame(id: number, req: Request): string {
  const frame: ClientFrame = { id, req };
  return JSON.stringify(frame);
}

/** What one frame from the server means to the page. */
export type Incoming =
  | { kind: "response"; id: number; result: Response }
  | { kind: "error"; id: number | null; error: ErrorBody }
  | { kind: "event"; event: Event };

/** A frame's text read, or null when it is not a frame this page understands. */
export function parseFrame(text: unknown): Incoming | null {
  if (typeof text !== "string") return null;
  let frame: ServerFrame;
  try {
    frame = JSON.parse(text) as ServerFrame;
  } catch {
    return null;
  }
  if (typeof frame !== "object" || frame === null) return null;
  switch (frame.frame) {
    case "response":
      return typeof frame.id === "number" && isTagged(frame.result) ? { kind: "response", id: frame.id, result: frame.result } : null;
    case "error":
      if (typeof frame.error !== "object" || frame.error === null || typeof frame.error.code !== "string") return null;
      return {
        kind: "error",
        id: typeof frame.id === "number" ? frame.id : null,
        // A reason this page cannot read still has a category to word.
        error: { code: frame.error.code, reason: typeof frame.error.reason?.reason === "string" ? frame.error.reason : { reason: "unknown" } },
      };
    case "event":
      return isTagged(frame.event) ? { kind: "event", event: frame.event } : null;
    default:
      return null;
  }
}

function isTagged(value: unknown): value is { type: string } {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}
