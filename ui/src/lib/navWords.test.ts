import { describe, expect, it } from "vitest";
import { navWords, type NavWords } from "./i18n";

/** Every word of a catalogue section as text (functions called with sample values). */
function texts(w: NavWords): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(w)) {
    if (typeof v === "function") out[k] = String((v as (a: unknown) => string)(k === "shortcut" ? false : k === "waiting" || k === "unread" ? 2 : "X"));
    else if (typeof v === "string") out[k] = v;
    else for (const [k2, v2] of Object.entries(v as Record<string, string>)) out[`${k}.${k2}`] = v2;
  }
  return out;
}

describe("the words of getting around", () => {
  const en = texts(navWords("en"));
  const fr = texts(navWords("fr"));

  it("has every word in English and French, none empty", () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of [...Object.entries(en), ...Object.entries(fr)]) {
      expect(v.trim(), k).not.toBe("");
      expect(v, k).not.toMatch(/undefined|null|NaN|\[object/);
    }
  });

  it("says it in French, not in English", () => {
    // The same in both: punctuation-only words and the shortcut.
    const same = Object.keys(en).filter((k) => en[k] === fr[k]);
    expect(same.sort()).toEqual(["ellipsis", "rowStatus", "shortcut"]);
  });

  it("counts in both languages", () => {
    expect(navWords("en").waiting(1)).toBe("1 waiting in the lobby");
    expect(navWords("en").waiting(3)).toBe("3 waiting in the lobby");
    expect(navWords("fr").waiting(1)).toBe("1 personne attend dans la salle d'attente");
    expect(navWords("fr").unread(2)).toBe(" 2 non lus");
  });
});
