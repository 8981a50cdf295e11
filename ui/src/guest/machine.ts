// Where the guest page stands, and how it moves: a pure function from the state and what
// happened to the next state (machine.test.ts walks it). The client (client.svelte.ts) feeds it
// the socket's frames and the sound's news, and acts on the steps it enters: the sound starts on
// entering `connecting`, everything is let go on entering `ended`.
//
//   form ──join_by_link answered──▶ lobby ──admitted──▶ connecting ──sound up──▶ connected
//     ▲ (refused: back to the form      (admitted at once: straight to connecting)
//     │  with the reason)
//     └──── join again ◀── ended ◀── closing event, socket lost, left, sound failed
import type { ErrorBody, MeetingSession } from "../lib/bindings";

/** Why the page could not join from the form. */
export type FormError = { kind: "refused"; error: ErrorBody } | { kind: "unreachable" };

/** Why the guest is out of the meeting. */
export type Ending =
  /** The server said so (refused, removed, the meeting ended, the link changed…). */
  | { cause: "closing"; error: ErrorBody }
  /** The guest left. */
  | { cause: "left" }
  /** The socket closed without a word. */
  | { cause: "lost" }
  /** The meeting's sound could not connect (the server's refusal, when it refused). */
  | { cause: "media"; error: ErrorBody | null };

export type GuestState =
  | { step: "form"; joining: boolean; error: FormError | null }
  | { step: "lobby"; session: MeetingSession }
  | { step: "connecting"; session: MeetingSession }
  | { step: "connected"; session: MeetingSession }
  | { step: "ended"; ending: Ending; room: string | null };

/** The page's steps, as `document.body.dataset.state` shows them. */
export type Step = GuestState["step"];

export type Input =
  /** The form was sent: the page asks to join. */
  | { type: "submit" }
  /** The answer to `join_by_link`. */
  | { type: "joined"; session: MeetingSession }
  /** The error frame answering `join_by_link`. */
  | { type: "refused"; error: ErrorBody }
  /** The `guest_session` event: the session now (admitted, the meeting's people). */
  | { type: "session"; session: MeetingSession }
  /** The sound's connection is up. */
  | { type: "media_connected" }
  | { type: "media_failed"; error: ErrorBody | null }
  /** The `closing` event: the server ends the guest's access. */
  | { type: "closing"; error: ErrorBody }
  /** The socket closed. */
  | { type: "socket_closed" }
  /** The Leave button (or the page going away). */
  | { type: "leave" }
  /** From the end, back to the form. */
  | { type: "again" };

export const INITIAL: GuestState = { step: "form", joining: false, error: null };

/** The session's place: the lobby until a moderator admits the guest. */
function placed(session: MeetingSession): GuestState {
  return session.admitted ? { step: "connecting", session } : { step: "lobby", session };
}

/** The room's name, once the server told it. */
export function roomOf(state: GuestState): string | null {
  return "session" in state ? state.session.room : state.step === "ended" ? state.room : null;
}

/** Whether the guest is in the meeting or its lobby (the server knows it as a guest). */
export function inside(state: GuestState): state is Extract<GuestState, { session: MeetingSession }> {
  return state.step === "lobby" || state.step === "connecting" || state.step === "connected";
}

/** The next state; an input that means nothing where the page stands leaves it as it is. */
export function next(state: GuestState, input: Input): GuestState {
  const end = (ending: Ending): GuestState => ({ step: "ended", ending, room: roomOf(state) });
  switch (input.type) {
    case "submit":
      return state.step === "form" && !state.joining ? { step: "form", joining: true, error: null } : state;
    case "joined":
      return state.step === "form" && state.joining ? placed(input.session) : state;
    case "refused":
      return state.step === "form" && state.joining ? { step: "form", joining: false, error: { kind: "refused", error: input.error } } : state;
    case "session":
      if (state.step === "lobby") return placed(input.session);
      // Admitted already: the meeting's people changed (sent back to the lobby, it waits again).
      if (state.step === "connecting" || state.step === "connected")
        return input.session.admitted ? { step: state.step, session: input.session } : { step: "lobby", session: input.session };
      return state;
    case "media_connected":
      return state.step === "connecting" ? { step: "connected", session: state.session } : state;
    case "media_failed":
      return state.step === "connecting" || state.step === "connected" ? end({ cause: "media", error: input.error }) : state;
    case "closing":
      if (state.step === "form") return state.joining ? { step: "form", joining: false, error: { kind: "refused", error: input.error } } : state;
      return inside(state) ? end({ cause: "closing", error: input.error }) : state;
    case "socket_closed":
      if (state.step === "form") return state.joining ? { step: "form", joining: false, error: { kind: "unreachable" } } : state;
      return inside(state) ? end({ cause: "lost" }) : state;
    case "leave":
      return inside(state) ? end({ cause: "left" }) : state;
    case "again":
      return state.step === "ended" ? INITIAL : state;
  }
}
