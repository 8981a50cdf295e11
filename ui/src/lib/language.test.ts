import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeBackend } from "../../tests/fake-backend";
import { settle } from "../../tests/helpers";
import { accountWords, locale, setLocale } from "./i18n";
import { setBackend } from "./ipc";
import { applyLanguage, followLanguage, rememberedLanguage, resolveLanguage, systemLocale } from "./language";

function systemSays(tag: string) {
  vi.spyOn(navigator, "language", "get").mockReturnValue(tag);
}

describe("the UI's language", () => {
  beforeEach(() => setBackend(new FakeBackend()));
  afterEach(() => {
    setBackend(new FakeBackend());
    vi.restoreAllMocks();
    applyLanguage("en", false);
    setLocale("en");
  });

  it("follows the system's: French for fr…, English for anything else", () => {
    for (const [tag, lang] of [["fr", "fr"], ["fr-FR", "fr"], ["fr-CA", "fr"], ["FR-be", "fr"], ["en-US", "en"], ["de-DE", "en"], ["", "en"], ["fry", "en"]]) {
      systemSays(tag);
      expect(systemLocale(), tag).toBe(lang);
      expect(resolveLanguage("auto"), tag).toBe(lang);
    }
    expect(resolveLanguage("fr")).toBe("fr");
  });

  it("applies a choice at once, remembers it and tells the shell", async () => {
    const fake = new FakeBackend();
    setBackend(fake);
    expect(rememberedLanguage()).toBe("auto");
    expect(applyLanguage("fr")).toBe("fr");
    expect(locale()).toBe("fr");
    expect(document.documentElement.lang).toBe("fr");
    expect(accountWords().signIn).toBe("Se connecter");
    expect(rememberedLanguage()).toBe("fr");
    await settle();
    expect(fake.callsOf("setLanguage")).toEqual([["fr"]]);
    expect(fake.language).toBe("fr");

    applyLanguage("en");
    await settle();
    expect(document.documentElement.lang).toBe("en");
    expect(fake.callsOf("setLanguage")).toEqual([["fr"], ["en"]]);
    expect(rememberedLanguage()).toBe("en");
  });

  it("keeps following the system's language in Automatic, and stops once one is chosen", async () => {
    const fake = new FakeBackend();
    setBackend(fake);
    systemSays("en-GB");
    applyLanguage("auto");
    expect(locale()).toBe("en");
    systemSays("fr-FR");
    window.dispatchEvent(new Event("languagechange"));
    expect(locale()).toBe("fr");
    await settle();
    expect(fake.callsOf("setLanguage")).toEqual([["en"], ["fr"]]);

    applyLanguage("en");
    window.dispatchEvent(new Event("languagechange"));
    expect(locale()).toBe("en");
  });

  it("speaks a language even when the shell cannot be told", async () => {
    setBackend({} as unknown as FakeBackend);
    expect(() => applyLanguage("fr", false)).not.toThrow();
    expect(locale()).toBe("fr");
    // Not remembered: only shown.
    expect(rememberedLanguage()).toBe("auto");
    await settle();
  });

  it("in the Help window, speaks the language chosen in the main window and follows its changes, without telling the shell", async () => {
    const fake = new FakeBackend();
    setBackend(fake);
    systemSays("en-US");
    localStorage.setItem("confer.language", "fr");
    const stop = followLanguage();
    try {
      expect(locale()).toBe("fr");
      expect(document.documentElement.lang).toBe("fr");
      // The main window chooses Automatic: the system's language, English here.
      localStorage.setItem("confer.language", "auto");
      window.dispatchEvent(new StorageEvent("storage", { key: "confer.language", newValue: "auto" }));
      expect(locale()).toBe("en");
      // Automatic follows the system's language as it changes.
      systemSays("fr-CA");
      window.dispatchEvent(new Event("languagechange"));
      expect(locale()).toBe("fr");
      // Other keys change nothing.
      localStorage.setItem("confer.language", "en");
      window.dispatchEvent(new StorageEvent("storage", { key: "confer.theme", newValue: "dark" }));
      expect(locale()).toBe("fr");
      await settle();
      expect(fake.callsOf("setLanguage")).toEqual([]);
      expect(rememberedLanguage()).toBe("en");
    } finally {
      stop();
    }
    window.dispatchEvent(new StorageEvent("storage", { key: "confer.language", newValue: "en" }));
    expect(locale()).toBe("fr");
  });

  it("forgets a remembered value it does not know", () => {
    localStorage.setItem("confer.language", "de");
    expect(rememberedLanguage()).toBe("auto");
  });
});
