import { describe, expect, it } from "vitest";
import { LOCALES, timelineWords, type TimelineWords } from "../../lib/i18n";

/** Every word; functions called with samples (every parameter must show in the result). */
function flat(w: TimelineWords): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(w)) {
    if (key === "newBelow") {
      out["newBelow.one"] = w.newBelow(1);
      out["newBelow.many"] = w.newBelow(7);
    } else if (typeof value === "function") out[key] = (value as (a: string, b: string) => string)("SAMPLE", "OTHER");
    else if (typeof value === "string") out[key] = value;
    else for (const [k, v] of Object.entries(value as Record<string, string>)) out[`${key}.${k}`] = v;
  }
  return out;
}

describe("the timeline's words in every language", () => {
  it("has the same words in each, none empty, parameters in place", () => {
    const en = flat(timelineWords("en"));
    expect(Object.keys(en)).toContain("ticks.read");
    for (const lang of LOCALES) {
      const all = flat(timelineWords(lang));
      expect(Object.keys(all).sort(), lang).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(all)) {
        expect(text.trim(), `${lang} ${key}`).toBe(text);
        expect(text.length, `${lang} ${key}`).toBeGreaterThan(0);
        expect(text, `${lang} ${key}`).not.toMatch(/undefined|null|NaN|\[object|\$\{/);
        const fn = (timelineWords(lang) as unknown as Record<string, unknown>)[key];
        if (typeof fn === "function") expect(text, `${lang} ${key}`).toContain("SAMPLE");
        if (typeof fn === "function" && fn.length === 2) expect(text, `${lang} ${key}`).toContain("OTHER");
      }
      expect(all["newBelow.many"]).toContain("7");
    }
  });

  it("says them in French, not in English, when asked", () => {
    const en = flat(timelineWords("en"));
    const fr = flat(timelineWords("fr"));
    // The same word in both languages.
    const same = new Set(["message", "emojiPicker", "conversationLabel"]);
    for (const key of Object.keys(en)) if (!same.has(key)) expect(fr[key], key).not.toBe(en[key]);
    expect(timelineWords("fr").newBelow(1)).toBe("1 nouveau message");
    expect(timelineWords("fr").newBelow(3)).toBe("3 nouveaux messages");
    expect(timelineWords("en").newBelow(1)).toBe("1 new message");
    expect(timelineWords().ticks.delivered).toBe("Delivered");
  });
});
