import { describe, expect, it } from "vitest";
import { REASON_EXAMPLES, type ErrorCode, type Field, type Reason } from "./bindings";
import { callWords, codeText, errorText, formatNumber, LOCALES, reasonText, refusalText, sizeText, words, type CallWords, type Words } from "./i18n";

// Every code and field the protocol has (bindings.ts declares them as unions; a new one fails
// `npm run check` in the catalogue's type before it gets here).
const CODES: ErrorCode[] = [
  "bad_frame", "frame_too_large", "text_too_long", "invalid", "unsupported_version", "unauthenticated",
  "auth_failed", "account_disabled", "rate_limited", "forbidden", "not_found", "conflict",
  "too_many_connections", "slow_consumer", "shutting_down", "idle", "access_ended", "internal",
];
const FIELDS: Field[] = [
  "group_name", "room_name", "meeting_title", "display_name", "guest_name", "status_message", "link", "search",
  "session_description", "ice_candidate",
];

/** One plain sentence: no hole left by a missing parameter or key. */
function expectSentence(text: string, what: string) {
  expect(text, what).toMatch(/[.)]$/);
  expect(text, what).not.toMatch(/undefined|null|NaN|\[object|\$\{/);
  expect(text.trim(), what).toBe(text);
}

describe("reasons in every language", () => {
  it("has an example of every reason, each once", () => {
    const tags = REASON_EXAMPLES.map((r) => r.reason);
    expect(new Set(tags).size).toBe(tags.length);
    expect(tags.length).toBeGreaterThan(60);
  });

  for (const lang of LOCALES) {
    it(`words every reason in ${lang}, with its parameters`, () => {
      for (const r of REASON_EXAMPLES) {
        const text = reasonText(r, lang);
        expectSentence(text, `${lang} ${r.reason}`);
        // The facts a person needs are in the sentence (ids are not: the UI names the thing).
        for (const [key, value] of Object.entries(r)) {
          // A number as it is, as the language writes it (482,113), or a byte count as a size (100 MB).
          if (["max", "size", "seconds", "years", "supported", "requested"].includes(key)) {
            const n = value as number;
            const forms = [String(n), formatNumber(n, lang), sizeText(n, lang)];
            expect(forms.some((f) => text.includes(f)), `${lang} ${r.reason}: ${text} has none of ${forms.join(" | ")}`).toBe(true);
          }
          if (["name", "room"].includes(key)) expect(text, `${lang} ${r.reason}`).toContain(String(value));
        }
      }
    });

    it(`words every field and every code in ${lang}`, () => {
      for (const field of FIELDS) expectSentence(reasonText({ reason: "name_length", field, max: 64 }, lang), `${lang} ${field}`);
      for (const code of CODES) expectSentence(codeText(code, lang), `${lang} ${code}`);
    });
  }

  it("says it in French, not in English, when asked", () => {
    const differ = REASON_EXAMPLES.filter((r) => reasonText(r, "fr") !== reasonText(r, "en"));
    expect(differ).toEqual(REASON_EXAMPLES);
    expect(reasonText({ reason: "group_full", max: 5 }, "en")).toBe("A group holds at most 5 members, invitations included.");
    expect(reasonText({ reason: "group_full", max: 5 }, "fr")).toBe("Un groupe compte au plus 5 membres, invitations comprises.");
    expect(reasonText({ reason: "name_character", field: "guest_name", code_point: 0x202e }, "en")).toContain("(U+202E)");
    expect(reasonText({ reason: "busy", name: "bob" }, "en")).toBe("bob is in another call; try again later.");
    expect(reasonText({ reason: "busy", name: "bob" }, "fr")).toBe("bob est déjà en communication ; réessayez plus tard.");
  });

  it("falls back on the category for a reason it does not know", () => {
    const future = { reason: "some_future_rule", limit: 3 } as unknown as Reason;
    expectSentence(reasonText(future, "fr"), "future");
    expect(refusalText({ code: "forbidden", reason: { reason: "unknown" } }, "en")).toBe("You may not do that.");
    expect(refusalText({ code: "forbidden", reason: { reason: "owner_cannot_leave" } }, "fr")).toBe(
      "Le propriétaire ne peut pas quitter un salon ; supprimez-le plutôt.",
    );
  });

  it("words a backend's rejection: the server's reason, else the category, else the backend's sentence", () => {
    const refused = { code: "refused:not_found", message: "There is no user named \"zed\".", reason: { reason: "no_such_user", name: "zed" } };
    expect(errorText(refused, "fr")).toBe("Il n'y a pas d'utilisateur nommé « zed ».");
    expect(errorText({ code: "refused:conflict", message: "x", reason: { reason: "unknown" } }, "en")).toBe("That conflicts with how things are now.");
    expect(errorText({ code: "offline", message: "not connected to the server" }, "fr")).toBe("not connected to the server");
    expect(errorText("boom")).toBe("boom");
  });
});

describe("the UI's words in every language", () => {
  /** Every word, functions called with a sample. */
  function flat(w: Words): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(w)) {
      if (typeof value === "function") out[key] = (value as (e: string) => string)("SAMPLE");
      else if (typeof value === "object") for (const [k, v] of Object.entries(value as Record<string, string>)) out[`${key}.${k}`] = v;
      else out[key] = value as string;
    }
    return out;
  }

  it("has the same words in each, none empty, parameters in place", () => {
    const en = flat(words("en"));
    for (const lang of LOCALES) {
      const all = flat(words(lang));
      expect(Object.keys(all).sort(), lang).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(all)) {
        expect(text.trim(), `${lang} ${key}`).toBe(text);
        expect(text.length, `${lang} ${key}`).toBeGreaterThan(0);
        expect(text, `${lang} ${key}`).not.toMatch(/undefined|null|NaN|\[object|\$\{/);
        if (typeof (words(lang) as unknown as Record<string, unknown>)[key] === "function") expect(text).toContain("SAMPLE");
      }
    }
  });

  it("says them in French, not in English, when asked", () => {
    const en = flat(words("en"));
    const fr = flat(words("fr"));
    // The same word in both languages.
    const same = new Set(["licence"]);
    for (const key of Object.keys(en)) if (!same.has(key)) expect(fr[key], key).not.toBe(en[key]);
    expect(words("fr").showOffline).toBe("Afficher les utilisateurs hors ligne");
    expect(words().status.dnd).toBe("Do not disturb");
  });
});

describe("the calls' words in every language", () => {
  /** Every word; functions called with samples (every parameter must show in the result). */
  function flat(w: CallWords): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(w)) {
      if (key === "figures") {
        out["figures.measured"] = w.figures(42, 0.5);
        out["figures.unmeasured"] = w.figures(null, null);
      } else if (typeof value === "function") out[key] = (value as (a: string, b: string) => string)("SAMPLE", "OTHER");
      else if (typeof value === "string") out[key] = value;
      else for (const [k, v] of Object.entries(value as Record<string, string>)) out[`${key}.${k}`] = v;
    }
    return out;
  }

  it("has the same words in each, none empty, parameters in place", () => {
    const en = flat(callWords("en"));
    expect(Object.keys(en)).toContain("ended.answered_elsewhere");
    for (const lang of LOCALES) {
      const all = flat(callWords(lang));
      expect(Object.keys(all).sort(), lang).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(all)) {
        expect(text.trim(), `${lang} ${key}`).toBe(text);
        expect(text.length, `${lang} ${key}`).toBeGreaterThan(0);
        expect(text, `${lang} ${key}`).not.toMatch(/undefined|null|NaN|\[object|\$\{/);
        const fn = (callWords(lang) as unknown as Record<string, unknown>)[key];
        if (typeof fn === "function") expect(text, `${lang} ${key}`).toContain("SAMPLE");
        if (typeof fn === "function" && fn.length === 2) expect(text, `${lang} ${key}`).toContain("OTHER");
      }
      expect(all["figures.measured"]).toMatch(/42 ms/);
      expect(all["figures.measured"]).toMatch(/0[.,]5/);
    }
  });

  it("says them in French, not in English, when asked", () => {
    const en = flat(callWords("en"));
    const fr = flat(callWords("fr"));
    // The same in both languages: a label with its keys, a device's name marked as a test one.
    const same = new Set(["withShortcut", "testDevice"]);
    for (const key of Object.keys(en)) if (!same.has(key)) expect(fr[key], key).not.toBe(en[key]);
    expect(callWords("fr").call("bob")).toBe("Appeler bob");
    expect(callWords("fr").ended.no_answer).toBe("Pas de réponse");
    expect(callWords("fr").withShortcut(callWords("fr").hangUp, callWords("fr").keys("H"))).toBe("Raccrocher (Ctrl+Maj+H)");
    expect(callWords("fr").figures(42, 0.5)).toBe("Aller-retour 42 ms, pertes 0,5 %");
    expect(callWords().ended.declined).toBe("Call declined");
  });
});
