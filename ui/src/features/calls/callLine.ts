// The line a 1:1 call leaves in the timeline, worded for the person reading it: a call message's
// sender is the caller and its text is empty; how it went is in its kind (bindings.ts: CallRecord).
import type { CallRecord, MessageKind } from "../../lib/bindings";
import { locale, type Locale } from "../../lib/i18n";

/** Who the call was between, as the reader sees it. */
export interface CallSides {
  /** Who placed the call (the message's sender). */
  caller: string;
  /** The signed-in user. */
  me: string | null;
  /** The other member of the conversation, when known: named in the caller's own lines. */
  peer?: string;
  /** How a person is named in the line (their display name); the account name by default. The
   * sides themselves are account names, which is what tells the caller from the reader. */
  name?: (user: string) => string;
}

/** The call in a message's kind; null for a text, a join or a leave. */
export function callRecordOf(kind: MessageKind | undefined): CallRecord | null {
  return typeof kind === "object" && kind !== null && "call" in kind ? kind.call : null;
}

/** A call's length as a clock shows it: 0:42, 4:12, 1:02:03 (whole seconds, rounded down). */
export function callDuration(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

interface CallWords {
  /** Someone called me and nobody answered. */
  missedFrom: (video: boolean, caller: string) => string;
  /** I called and nobody answered (`callee` when known). */
  missedTo: (video: boolean, callee: string | null) => string;
  /** I called and they declined. */
  declinedByThem: (video: boolean, callee: string | null) => string;
  /** Someone called me and I declined. */
  declinedByMe: (video: boolean, caller: string) => string;
  /** Answered, then ended, after `duration`. */
  completed: (video: boolean, duration: string) => string;
}

/** "de" before a name, elided before a vowel: "d'alice", "de bob". */
function de(name: string): string {
  return /^[aeiouyàâäéèêëîïôöùûüÿœæ]/i.test(name) ? `d'${name}` : `de ${name}`;
}

const catalogue: Record<Locale, CallWords> = {
  en: {
    missedFrom: (video, caller) => `Missed ${video ? "video call" : "call"} from ${caller}`,
    missedTo: (video, callee) =>
      callee ? `${video ? "Video call" : "Call"} to ${callee} — no answer` : `Your ${video ? "video call" : "call"} went unanswered`,
    declinedByThem: (video, callee) =>
      callee ? `${callee} declined your ${video ? "video call" : "call"}` : `Your ${video ? "video call" : "call"} was declined`,
    declinedByMe: (video, caller) => `You declined a ${video ? "video call" : "call"} from ${caller}`,
    completed: (video, duration) => `${video ? "Video call" : "Call"} ${duration}`,
  },
  fr: {
    missedFrom: (video, caller) => `${video ? "Appel vidéo" : "Appel"} manqué ${de(caller)}`,
    missedTo: (video, callee) =>
      callee
        ? `${video ? "Appel vidéo" : "Appel"} à ${callee} — sans réponse`
        : `Votre ${video ? "appel vidéo" : "appel"} est resté sans réponse`,
    declinedByThem: (video, callee) =>
      callee ? `${callee} a refusé votre ${video ? "appel vidéo" : "appel"}` : `Votre ${video ? "appel vidéo" : "appel"} a été refusé`,
    declinedByMe: (video, caller) => `Vous avez refusé un ${video ? "appel vidéo" : "appel"} ${de(caller)}`,
    completed: (video, duration) => `${video ? "Appel vidéo" : "Appel"} ${duration}`,
  },
};

/** The words of a call line for the reader (`sides.me`), in the given language (the user's by
 * default): "Missed call from alice", "Call to bob — no answer", "Video call 4:12". */
export function callLine(record: CallRecord, sides: CallSides, lang: Locale = locale()): string {
  const w = catalogue[lang];
  const mine = sides.me !== null && sides.caller === sides.me;
  const name = sides.name ?? ((user: string) => user);
  const callee = sides.peer && sides.peer !== sides.caller ? name(sides.peer) : null;
  const caller = name(sides.caller);
  switch (record.outcome) {
    case "missed":
      return mine ? w.missedTo(record.video, callee) : w.missedFrom(record.video, caller);
    case "declined":
      return mine ? w.declinedByThem(record.video, callee) : w.declinedByMe(record.video, caller);
    case "completed":
      return w.completed(record.video, callDuration(record.duration_ms));
  }
}
