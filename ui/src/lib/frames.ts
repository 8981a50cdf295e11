// Helpers over the generated protocol types; the type check proves the bindings are usable.
import type { ClientFrame, Request, ServerFrame, TickState } from "./bindings";
import { PROTOCOL_VERSION } from "./bindings";

let nextId = 1;

/** Wraps a request in a client frame with a fresh id. */
export function frame(req: Request): ClientFrame {
  return { id: nextId++, req };
}

/** The login request for this protocol version. */
export function login(username: string, password: string): Request {
  return { type: "login", protocol: PROTOCOL_VERSION, username, password, device: "confer-ui" };
}

/** Number of ticks shown for a message state (the colour is separate). */
export function tickCount(state: TickState): 0 | 1 | 2 {
  switch (state) {
    case "pending":
      return 0;
    case "sent":
      return 1;
    case "delivered":
    case "read":
      return 2;
  }
}

/** Parses a server frame, rejecting text that is not an object with a known frame tag. */
export function parseServerFrame(text: string): ServerFrame {
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || !("frame" in value)) {
    throw new Error("not a server frame");
  }
  const tag = (value as { frame: unknown }).frame;
  if (tag !== "response" && tag !== "error" && tag !== "event") {
    throw new Error(`unknown frame tag ${String(tag)}`);
  }
  return value as ServerFrame;
}
