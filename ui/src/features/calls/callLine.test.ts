import { afterEach, describe, expect, it } from "vitest";
import type { CallRecord } from "../../lib/bindings";
import { setLocale } from "../../lib/i18n";
import { callDuration, callLine, callRecordOf } from "./callLine";

const missed: CallRecord = { outcome: "missed", video: false, duration_ms: 0 };
const declined: CallRecord = { outcome: "declined", video: false, duration_ms: 0 };
const completed: CallRecord = { outcome: "completed", video: false, duration_ms: 252_000 };
const video = (r: CallRecord): CallRecord => ({ ...r, video: true });

/** alice reads; bob is the other member of the conversation. */
const iCalled = { caller: "alice", me: "alice", peer: "bob" };
const theyCalled = { caller: "bob", me: "alice", peer: "bob" };

describe("callDuration", () => {
  it("reads like a clock: minutes and seconds, hours from one hour on", () => {
    expect(callDuration(0)).toBe("0:00");
    expect(callDuration(999)).toBe("0:00");
    expect(callDuration(42_000)).toBe("0:42");
    expect(callDuration(59_999)).toBe("0:59");
    expect(callDuration(60_000)).toBe("1:00");
    expect(callDuration(252_000)).toBe("4:12");
    expect(callDuration(3_599_000)).toBe("59:59");
    expect(callDuration(3_600_000)).toBe("1:00:00");
    expect(callDuration(3_723_000)).toBe("1:02:03");
    expect(callDuration(36_000_000 + 5_000)).toBe("10:00:05");
  });

  it("takes nothing odd for a length", () => {
    expect(callDuration(-5)).toBe("0:00");
    expect(callDuration(Number.NaN)).toBe("0:00");
  });
});

describe("callRecordOf", () => {
  it("finds the call in a message's kind, and only there", () => {
    expect(callRecordOf({ call: missed })).toEqual(missed);
    expect(callRecordOf("text")).toBeNull();
    expect(callRecordOf("joined")).toBeNull();
    expect(callRecordOf("left")).toBeNull();
    expect(callRecordOf(undefined)).toBeNull();
  });
});

describe("callLine in English", () => {
  it("words a missed call for the callee and for the caller", () => {
    expect(callLine(missed, theyCalled, "en")).toBe("Missed call from bob");
    expect(callLine(video(missed), theyCalled, "en")).toBe("Missed video call from bob");
    expect(callLine(missed, iCalled, "en")).toBe("Call to bob — no answer");
    expect(callLine(video(missed), iCalled, "en")).toBe("Video call to bob — no answer");
  });

  it("words a declined call for the callee and for the caller", () => {
    expect(callLine(declined, theyCalled, "en")).toBe("You declined a call from bob");
    expect(callLine(video(declined), theyCalled, "en")).toBe("You declined a video call from bob");
    expect(callLine(declined, iCalled, "en")).toBe("bob declined your call");
    expect(callLine(video(declined), iCalled, "en")).toBe("bob declined your video call");
  });

  it("words a completed call with its length, the same on both sides", () => {
    expect(callLine(completed, iCalled, "en")).toBe("Call 4:12");
    expect(callLine(completed, theyCalled, "en")).toBe("Call 4:12");
    expect(callLine(video({ ...completed, duration_ms: 3_723_000 }), theyCalled, "en")).toBe("Video call 1:02:03");
  });

  it("does without the other member's name when it is not known", () => {
    const alone = { caller: "alice", me: "alice" };
    expect(callLine(missed, alone, "en")).toBe("Your call went unanswered");
    expect(callLine(video(declined), alone, "en")).toBe("Your video call was declined");
    // The peer given as the caller (a mix-up) does not name the caller as their own callee.
    expect(callLine(missed, { caller: "alice", me: "alice", peer: "alice" }, "en")).toBe("Your call went unanswered");
  });
});

describe("callLine in French", () => {
  it("words a missed call for the callee and for the caller", () => {
    expect(callLine(missed, theyCalled, "fr")).toBe("Appel manqué de bob");
    expect(callLine(video(missed), theyCalled, "fr")).toBe("Appel vidéo manqué de bob");
    expect(callLine(missed, iCalled, "fr")).toBe("Appel à bob — sans réponse");
    expect(callLine(video(missed), iCalled, "fr")).toBe("Appel vidéo à bob — sans réponse");
  });

  it("elides « de » before a vowel", () => {
    const fromAlice = { caller: "alice", me: "bob", peer: "alice" };
    expect(callLine(missed, fromAlice, "fr")).toBe("Appel manqué d'alice");
    expect(callLine(declined, { ...fromAlice, caller: "Émile", peer: "Émile" }, "fr")).toBe("Vous avez refusé un appel d'Émile");
    expect(callLine(declined, { ...fromAlice, caller: "Yves", peer: "Yves" }, "fr")).toBe("Vous avez refusé un appel d'Yves");
  });

  it("words a declined call for the callee and for the caller", () => {
    expect(callLine(declined, theyCalled, "fr")).toBe("Vous avez refusé un appel de bob");
    expect(callLine(video(declined), theyCalled, "fr")).toBe("Vous avez refusé un appel vidéo de bob");
    expect(callLine(declined, iCalled, "fr")).toBe("bob a refusé votre appel");
    expect(callLine(video(declined), iCalled, "fr")).toBe("bob a refusé votre appel vidéo");
  });

  it("words a completed call with its length, the same on both sides", () => {
    expect(callLine(completed, iCalled, "fr")).toBe("Appel 4:12");
    expect(callLine(completed, theyCalled, "fr")).toBe("Appel 4:12");
    expect(callLine(video({ ...completed, duration_ms: 3_723_000 }), iCalled, "fr")).toBe("Appel vidéo 1:02:03");
  });

  it("does without the other member's name when it is not known", () => {
    const alone = { caller: "alice", me: "alice" };
    expect(callLine(missed, alone, "fr")).toBe("Votre appel est resté sans réponse");
    expect(callLine(video(declined), alone, "fr")).toBe("Votre appel vidéo a été refusé");
  });
});

describe("callLine in the user's language", () => {
  afterEach(() => setLocale("en"));

  it("follows setLocale when no language is given", () => {
    expect(callLine(missed, theyCalled)).toBe("Missed call from bob");
    setLocale("fr");
    expect(callLine(missed, theyCalled)).toBe("Appel manqué de bob");
  });

  it("words every outcome on both sides in every language, never the same in two", () => {
    for (const record of [missed, declined, completed, video(missed), video(declined), video(completed)]) {
      for (const sides of [iCalled, theyCalled]) {
        const en = callLine(record, sides, "en");
        const fr = callLine(record, sides, "fr");
        for (const text of [en, fr]) {
          expect(text.length).toBeGreaterThan(0);
          expect(text).not.toMatch(/undefined|null|NaN|\[object|\$\{/);
        }
        expect(fr).not.toBe(en);
      }
    }
  });
});
