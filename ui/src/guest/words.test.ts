import { describe, expect, it } from "vitest";
import { guestWords, LOCALES, reasonText, type GuestWords } from "../lib/i18n";
import { endingText, formErrorText, pageLocale } from "./words";

/** Every word; functions called with a sample number. */
function flat(w: GuestWords): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(w)) {
    if (typeof value === "function") out[key] = (value as (n: number) => string)(7);
    else if (typeof value === "string") out[key] = value;
    else for (const [k, v] of Object.entries(value as Record<string, string>)) out[`${key}.${k}`] = v;
  }
  return out;
}

describe("the guest page's words in every language", () => {
  it("has the same words in each, none empty, parameters in place", () => {
    const en = flat(guestWords("en"));
    expect(Object.keys(en)).toContain("micProblem.insecure");
    for (const lang of LOCALES) {
      const all = flat(guestWords(lang));
      expect(Object.keys(all).sort(), lang).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(all)) {
        expect(text.trim(), `${lang} ${key}`).toBe(text);
        expect(text.length, `${lang} ${key}`).toBeGreaterThan(0);
        expect(text, `${lang} ${key}`).not.toMatch(/undefined|null|NaN|\[object|\$\{/);
      }
      expect(all.microphoneNumber).toContain("7");
    }
  });

  it("says them in French, not in English, when asked", () => {
    const en = flat(guestWords("en"));
    const fr = flat(guestWords("fr"));
    for (const key of Object.keys(en)) expect(fr[key], key).not.toBe(en[key]);
    expect(guestWords("fr").lobby).toBe("En attente qu'un modérateur vous laisse entrer.");
    expect(guestWords("en").lobby).toBe("Waiting for a moderator to let you in.");
  });
});

describe("the page's language", () => {
  it("is French for a browser in French, else English", () => {
    expect(pageLocale("fr")).toBe("fr");
    expect(pageLocale("fr-CA")).toBe("fr");
    expect(pageLocale("FR-fr")).toBe("fr");
    expect(pageLocale("en-GB")).toBe("en");
    expect(pageLocale("de")).toBe("en");
    expect(pageLocale("fri")).toBe("en");
    expect(pageLocale(undefined)).toBe("en");
  });
});

describe("why the guest is out, in one sentence", () => {
  it("words the server's reason as the app words it", () => {
    for (const lang of LOCALES)
      for (const reason of ["refused_by_moderator", "removed_by_moderator", "meeting_ended", "room_deleted", "link_unknown"] as const) {
        const text = endingText({ cause: "closing", error: { code: "access_ended", reason: { reason } } }, lang);
        expect(text).toBe(reasonText({ reason }, lang));
        expect(text).toMatch(/[.)]$/);
      }
    expect(endingText({ cause: "closing", error: { code: "access_ended", reason: { reason: "refused_by_moderator" } } }, "en")).toBe(
      "A moderator did not let you into the meeting.",
    );
    expect(endingText({ cause: "closing", error: { code: "access_ended", reason: { reason: "meeting_ended" } } }, "fr")).toBe("La réunion est terminée.");
  });

  it("falls back on the category for a reason this page does not know", () => {
    const text = endingText({ cause: "closing", error: { code: "shutting_down", reason: { reason: "unknown" } } }, "en");
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toBe(reasonText({ reason: "unknown" }, "en"));
  });

  it("has the page's own words for its own causes", () => {
    for (const lang of LOCALES) {
      const w = guestWords(lang);
      expect(endingText({ cause: "left" }, lang)).toBe(w.left);
      expect(endingText({ cause: "lost" }, lang)).toBe(w.connectionLost);
      expect(endingText({ cause: "media", error: null }, lang)).toBe(w.soundFailed);
      expect(endingText({ cause: "media", error: { code: "not_found", reason: { reason: "no_meeting_media" } } }, lang)).toBe(
        `${w.soundFailed} ${reasonText({ reason: "no_meeting_media" }, lang)}`,
      );
    }
  });

  it("says why the form could not join", () => {
    expect(formErrorText({ kind: "unreachable" }, "fr")).toBe(guestWords("fr").unreachable);
    expect(formErrorText({ kind: "refused", error: { code: "not_found", reason: { reason: "link_unknown" } } }, "en")).toBe(
      "This link does not open any room (it may have been changed).",
    );
    expect(formErrorText({ kind: "refused", error: { code: "invalid", reason: { reason: "meeting_not_started", room: "Weekly planning" } } }, "en")).toContain(
      "Weekly planning",
    );
  });
});
