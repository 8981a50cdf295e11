import { describe, expect, it } from "vitest";
import { accountWords, commonWords, detailsWords, listWords, LOCALES, type Locale, type Part } from "./i18n";

// The words of the screens (#13): sign-in, settings, status menu, the lists, the details column
// and what they share. Each function is called with samples (7, 8 and 9, which every parameter,
// name or number, must show); a sentence drawn with markup (Part[]) is read as its text.
const SECTIONS = { common: commonWords, account: accountWords, lists: listWords, details: detailsWords } as const;

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return (value as Part[]).map((p) => (typeof p === "string" ? p : "strong" in p ? p.strong : p.hidden)).join("");
  throw new Error(`not words: ${String(value)}`);
}

/** Every word of a section, nested keys joined by dots. */
function flat(value: unknown, prefix = "", out: Record<string, { text: string; arity: number }> = {}) {
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof v === "function") out[name] = { text: text((v as (...a: unknown[]) => unknown)(7, 8, 9)), arity: v.length };
    else if (typeof v === "string") out[name] = { text: v, arity: 0 };
    else flat(v, name, out);
  }
  return out;
}

/** The same in both languages, on purpose: a language named in its own language, a word French
 * shares with English. */
const SAME = new Set([
  "account.languages.en",
  "account.languages.fr",
  "account.notifications",
]);

describe("the screens' words in every language", () => {
  for (const [section, get] of Object.entries(SECTIONS)) {
    it(`has every ${section} word in each language, none empty, parameters in place`, () => {
      const en = flat(get("en"));
      expect(Object.keys(en).length).toBeGreaterThan(15);
      for (const lang of LOCALES) {
        const all = flat(get(lang));
        expect(Object.keys(all).sort(), `${section} ${lang}`).toEqual(Object.keys(en).sort());
        for (const [key, { text: t, arity }] of Object.entries(all)) {
          const what = `${lang} ${section}.${key}`;
          expect(t.length, what).toBeGreaterThan(0);
          expect(t, what).not.toMatch(/undefined|null|NaN|\[object|\$\{/);
          // A list's "unread" follows the count without repeating it.
          if (arity >= 1 && !key.startsWith("unread")) expect(t, what).toContain("7");
          if (arity >= 2) expect(t, what).toContain("8");
          if (arity >= 3) expect(t, what).toContain("9");
        }
      }
    });

    it(`says the ${section} words in French, not in English`, () => {
      const en = flat(get("en"));
      const fr = flat(get("fr"));
      for (const key of Object.keys(en)) {
        if (SAME.has(`${section}.${key}`)) continue;
        expect(fr[key].text, `${section}.${key}`).not.toBe(en[key].text);
      }
    });
  }

  it("counts with the language's plural rules", () => {
    const lists = (lang: Locale) => listWords(lang);
    expect(lists("fr").unread(1)).toBe("non lu");
    expect(lists("fr").unread(3)).toBe("non lus");
    expect(lists("en").unread(3)).toBe("unread");
    expect(detailsWords("en").groupLine(1)).toBe("Group · 1 member");
    expect(detailsWords("fr").groupLine(3)).toBe("Groupe · 3 membres");
    expect(lists("en").picked(0, 4)).toBe("0 of 4 people. They join when they accept the invitation.");
    expect(lists("fr").picked(1, 4)).toBe("1 personne sur 4. Elles rejoignent le groupe en acceptant l'invitation.");
    expect(text(lists("en").invitesYou("bob", "Design", 1))).toBe("bob invites you to Design (1 member).");
    expect(text(lists("fr").invitesYou("bob", "Design", 3))).toBe("bob vous invite dans Design (3 membres).");
  });

  it("keeps the English the desktop tests read", () => {
    expect(accountWords("en").signIn).toBe("Sign in");
    expect(accountWords("en").userName).toBe("User name");
    expect(detailsWords("en").details).toBe("Details");
    expect(listWords("en").roomsTab).toBe("Virtual Rooms");
    expect(text(detailsWords("en").makeModerator("bob"))).toBe("Make bob moderator");
    expect(commonWords("en").you("alice")).toBe("alice (you)");
    expect(commonWords("fr").you("alice")).toBe("alice (vous)");
  });
});
