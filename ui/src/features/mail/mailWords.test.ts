import { describe, expect, it } from "vitest";
import { LOCALES, mailWords, messageWords, reasonText, type MailWords } from "../../lib/i18n";

/** Every word; functions called with samples (each parameter must show in the result). */
function flat(w: MailWords): Record<string, { text: string; arity: number }> {
  const out: Record<string, { text: string; arity: number }> = {};
  for (const [key, value] of Object.entries(w)) {
    if (typeof value === "function") out[key] = { text: (value as (a: string, b: string) => string)("SAMPLE", "OTHER"), arity: value.length };
    else out[key] = { text: value as string, arity: 0 };
  }
  return out;
}

describe("the words of histories by email", () => {
  it("has the same words in each language, none empty, parameters in place", () => {
    const en = flat(mailWords("en"));
    expect(Object.keys(en).length).toBeGreaterThan(10);
    for (const lang of LOCALES) {
      const all = flat(mailWords(lang));
      expect(Object.keys(all).sort(), lang).toEqual(Object.keys(en).sort());
      for (const [key, { text, arity }] of Object.entries(all)) {
        expect(text.trim(), `${lang} ${key}`).toBe(text);
        expect(text.length, `${lang} ${key}`).toBeGreaterThan(0);
        expect(text, `${lang} ${key}`).not.toMatch(/undefined|null|NaN|\[object|\$\{/);
        if (arity >= 1) expect(text, `${lang} ${key}`).toContain("SAMPLE");
        if (arity === 2) expect(text, `${lang} ${key}`).toContain("OTHER");
      }
    }
  });

  it("says them in French, not in English", () => {
    const en = flat(mailWords("en"));
    const fr = flat(mailWords("fr"));
    expect(Object.keys(en).filter((k) => en[k].text === fr[k].text)).toEqual([]);
    expect(mailWords("en").mailed("Alice", "dana@example.com")).toBe("Alice sent the history to dana@example.com");
    expect(mailWords("fr").mailed("Alice", "dana@example.com")).toBe("Alice a envoyé l'historique à dana@example.com");
    expect(mailWords("en").sent("dana@example.com")).toBe("History sent to dana@example.com.");
    expect(messageWords("fr").linkPreview("Q3")).toBe("Aperçu du lien : Q3");
  });

  it("words the server's refusals", () => {
    expect(reasonText({ reason: "mail_not_configured" }, "en")).toBe("This server is not set up to send email.");
    expect(reasonText({ reason: "mail_not_configured" }, "fr")).toBe("Ce serveur n'est pas configuré pour envoyer des e-mails.");
    expect(reasonText({ reason: "bad_email_address" }, "en")).toBe("That is not an email address.");
    expect(reasonText({ reason: "bad_email_address" }, "fr")).toBe("Ce n'est pas une adresse e-mail.");
    expect(reasonText({ reason: "too_many_mails", per_hour: 10 }, "en")).toBe("At most 10 histories can be sent by email per hour; try again later.");
    expect(reasonText({ reason: "too_many_mails", per_hour: 1 }, "en")).toBe("At most 1 history can be sent by email per hour; try again later.");
    expect(reasonText({ reason: "too_many_mails", per_hour: 10 }, "fr")).toBe(
      "Au plus 10 historiques peuvent être envoyés par e-mail par heure ; réessayez plus tard.",
    );
    expect(reasonText({ reason: "too_many_mails", per_hour: 1 }, "fr")).toBe("Au plus 1 historique peut être envoyé par e-mail par heure ; réessayez plus tard.");
    expect(reasonText({ reason: "mail_failed" }, "en")).toBe("The mail server did not accept the email; nothing was sent.");
    expect(reasonText({ reason: "mail_failed" }, "fr")).toBe("Le serveur de messagerie n'a pas accepté l'e-mail ; rien n'a été envoyé.");
  });
});
