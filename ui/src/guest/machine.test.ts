import { describe, expect, it } from "vitest";
import type { ErrorBody } from "../lib/bindings";
import { session } from "./fakes";
import { INITIAL, next, roomOf, type GuestState, type Input } from "./machine";

const ENDED: ErrorBody = { code: "access_ended", reason: { reason: "meeting_ended" } };
const UNKNOWN_LINK: ErrorBody = { code: "not_found", reason: { reason: "link_unknown" } };

/** The state after each input in turn. */
function run(...inputs: Input[]): GuestState {
  return inputs.reduce(next, INITIAL);
}

describe("the guest page's steps", () => {
  it("waits in the lobby, then connects once admitted, then is connected", () => {
    const joining = run({ type: "submit" });
    expect(joining).toEqual({ step: "form", joining: true, error: null });
    const lobby = next(joining, { type: "joined", session: session(false) });
    expect(lobby.step).toBe("lobby");
    // Still waiting: the lobby stays.
    expect(next(lobby, { type: "session", session: session(false) }).step).toBe("lobby");
    const connecting = next(lobby, { type: "session", session: session(true) });
    expect(connecting).toEqual({ step: "connecting", session: session(true) });
    expect(next(connecting, { type: "media_connected" })).toEqual({ step: "connected", session: session(true) });
  });

  it("connects at once when admitted on joining", () => {
    expect(run({ type: "submit" }, { type: "joined", session: session(true) }).step).toBe("connecting");
  });

  it("keeps the meeting's people current", () => {
    const connected = run({ type: "submit" }, { type: "joined", session: session(true) }, { type: "media_connected" });
    const changed = session(true, { meeting: { ...session(true).meeting!, participants: ["alice"] } });
    expect(next(connected, { type: "session", session: changed })).toEqual({ step: "connected", session: changed });
  });

  it("ends on the closing event, wherever the guest is", () => {
    for (const inputs of [
      [{ type: "joined", session: session(false) }],
      [{ type: "joined", session: session(true) }],
      [{ type: "joined", session: session(true) }, { type: "media_connected" }],
    ] as Input[][]) {
      const state = run({ type: "submit" }, ...inputs, { type: "closing", error: ENDED });
      expect(state).toEqual({ step: "ended", ending: { cause: "closing", error: ENDED }, room: "Weekly planning" });
      // The socket's close that follows changes nothing.
      expect(next(state, { type: "socket_closed" })).toBe(state);
    }
  });

  it("ends when the guest leaves, the socket drops or the sound fails", () => {
    const connected = run({ type: "submit" }, { type: "joined", session: session(true) }, { type: "media_connected" });
    expect(next(connected, { type: "leave" })).toMatchObject({ step: "ended", ending: { cause: "left" } });
    expect(next(connected, { type: "socket_closed" })).toMatchObject({ step: "ended", ending: { cause: "lost" } });
    expect(next(connected, { type: "media_failed", error: null })).toMatchObject({ step: "ended", ending: { cause: "media", error: null } });
    const lobby = run({ type: "submit" }, { type: "joined", session: session(false) });
    expect(next(lobby, { type: "leave" })).toMatchObject({ step: "ended", ending: { cause: "left" }, room: "Weekly planning" });
    // The sound is never started in the lobby, so cannot fail there.
    expect(next(lobby, { type: "media_failed", error: null })).toBe(lobby);
  });

  it("goes back to the form with the reason when joining is refused, or the server is unreachable", () => {
    const joining = run({ type: "submit" });
    expect(next(joining, { type: "refused", error: UNKNOWN_LINK })).toEqual({ step: "form", joining: false, error: { kind: "refused", error: UNKNOWN_LINK } });
    expect(next(joining, { type: "socket_closed" })).toEqual({ step: "form", joining: false, error: { kind: "unreachable" } });
    expect(next(joining, { type: "closing", error: ENDED })).toEqual({ step: "form", joining: false, error: { kind: "refused", error: ENDED } });
    // A new try clears the last error.
    expect(next(next(joining, { type: "socket_closed" }), { type: "submit" })).toEqual({ step: "form", joining: true, error: null });
  });

  it("ignores what means nothing where it stands", () => {
    expect(next(INITIAL, { type: "joined", session: session(true) })).toBe(INITIAL);
    expect(next(INITIAL, { type: "leave" })).toBe(INITIAL);
    expect(next(INITIAL, { type: "media_connected" })).toBe(INITIAL);
    const joining = run({ type: "submit" });
    expect(next(joining, { type: "submit" })).toBe(joining);
    const lobby = next(joining, { type: "joined", session: session(false) });
    expect(next(lobby, { type: "media_connected" })).toBe(lobby);
    expect(next(lobby, { type: "refused", error: UNKNOWN_LINK })).toBe(lobby);
  });

  it("goes back to the lobby when sent back there, and from the end to the form", () => {
    const connected = run({ type: "submit" }, { type: "joined", session: session(true) }, { type: "media_connected" });
    expect(next(connected, { type: "session", session: session(false) }).step).toBe("lobby");
    const ended = next(connected, { type: "leave" });
    expect(next(ended, { type: "again" })).toEqual(INITIAL);
  });

  it("knows the room's name once the server told it", () => {
    expect(roomOf(INITIAL)).toBeNull();
    expect(roomOf(run({ type: "submit" }, { type: "joined", session: session(false) }))).toBe("Weekly planning");
    expect(roomOf(run({ type: "submit" }, { type: "socket_closed" }))).toBeNull();
  });
});
