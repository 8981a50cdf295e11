import { describe, expect, it } from "vitest";
import { LOCALES, messageWords, type MessageWords } from "../../lib/i18n";

/** Every word; functions called with samples (every parameter must show in the result). */
function flat(w: MessageWords): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(w)) {
    if (key === "list") {
      out["list.one"] = w.list(["SAMPLE"]);
      out["list.three"] = w.list(["SAMPLE", "OTHER", "THIRD"]);
    } else if (key === "results" || key === "mentionCount") {
      const f = value as (n: number) => string;
      out[`${key}.one`] = f(1);
      out[`${key}.many`] = f(7);
    } else if (key === "reaction") {
      out[key] = w.reaction("👍", 7, "SAMPLE");
    } else if (key === "searchShortcut" || key === "searchChatShortcut") {
      const f = value as (mac: boolean) => string;
      out[`${key}.mac`] = f(true);
      out[`${key}.other`] = f(false);
    } else if (typeof value === "function") out[key] = (value as (a: string, b: string) => string)("SAMPLE", "OTHER");
    else out[key] = value as string;
  }
  return out;
}

describe("the words of rich messages in every language", () => {
  it("has the same words in each, none empty, parameters in place", () => {
    const en = flat(messageWords("en"));
    for (const lang of LOCALES) {
      const all = flat(messageWords(lang));
      expect(Object.keys(all).sort(), lang).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(all)) {
        expect(text.trim(), `${lang} ${key}`).toBe(text);
        expect(text.length, `${lang} ${key}`).toBeGreaterThan(0);
        expect(text, `${lang} ${key}`).not.toMatch(/undefined|null|NaN|\[object|\$\{/);
        const fn = (messageWords(lang) as unknown as Record<string, unknown>)[key];
        if (typeof fn === "function") expect(text, `${lang} ${key}`).toContain("SAMPLE");
        if (typeof fn === "function" && fn.length === 2) expect(text, `${lang} ${key}`).toContain("OTHER");
      }
      expect(all["results.many"]).toContain("7");
      expect(all["mentionCount.many"]).toContain("7");
      expect(all.reaction).toContain("👍 7");
      expect(all["list.three"]).toContain("THIRD");
    }
  });

  it("says them in French, not in English", () => {
    const en = flat(messageWords("en"));
    const fr = flat(messageWords("fr"));
    // The same in both: a list of one, the shortcuts without Shift, the result's heading, a label with its keys.
    const same = Object.keys(en).filter((k) => en[k] === fr[k]);
    expect(same.sort()).toEqual(["list.one", "resultHead", "searchChatShortcut.mac", "searchChatShortcut.other", "searchShortcut.mac", "withKeys"]);
    expect(messageWords("fr").typingTwo("Bob", "Carole")).toBe("Bob et Carole sont en train d'écrire…");
    expect(messageWords("en").list(["Bob", "Carol", "you"])).toBe("Bob, Carol and you");
    expect(messageWords("fr").replyingTo("bob", "salut")).toBe("Réponse à bob : salut");
    expect(messageWords().deleted).toBe("Message deleted");
  });
});
