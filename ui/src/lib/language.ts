// The UI's language: the one chosen in the settings (remembered on this device), else the
// system's (navigator.language: "fr…" is French, anything else English). Applying it redraws
// the UI at once (i18n's locale is reactive), sets <html lang> for screen readers and tells the
// desktop shell, whose tray and notifications speak it too (set_language). The Help window
// follows the main window's language (followLanguage).
import { LOCALES, setLocale, type LanguageChoice, type Locale } from "./i18n";
import { ipc } from "./ipc";

const KEY = "confer.language";
let following: (() => void) | null = null;

/** The system's language as the UI speaks it. */
export function systemLocale(): Locale {
  const tag = typeof navigator === "undefined" ? "" : (navigator.language ?? "");
  return /^fr\b/i.test(tag) ? "fr" : "en";
}

/** The language a choice stands for now. */
export function resolveLanguage(choice: LanguageChoice): Locale {
  return choice === "auto" ? systemLocale() : choice;
}

/** The choice made last on this device ("auto" until one is made). */
export function rememberedLanguage(): LanguageChoice {
  try {
    const v = localStorage.getItem(KEY);
    if (v === "auto" || LOCALES.includes(v as Locale)) return v as LanguageChoice;
  } catch {
    // Storage may be unavailable: the system's language.
  }
  return "auto";
}

/** Speaks `choice` from now on, and tells the shell; "auto" keeps following the system's
 * language as it changes. `remember`: keep the choice for the next start. */
export function applyLanguage(choice: LanguageChoice, remember = true): Locale {
  if (following) window.removeEventListener("languagechange", following);
  following = null;
  const set = () => {
    const lang = resolveLanguage(choice);
    setLocale(lang);
    document.documentElement.lang = lang;
    // The shell may be an older one, or a test's partial backend: the UI speaks it regardless.
    Promise.resolve()
      .then(() => ipc().setLanguage(lang))
      .catch(() => {});
    return lang;
  };
  const lang = set();
  if (choice === "auto" && typeof window !== "undefined") {
    following = () => void set();
    window.addEventListener("languagechange", following);
  }
  if (remember) {
    try {
      localStorage.setItem(KEY, choice);
    } catch {
      // The choice lasts for this session.
    }
  }
  return lang;
}

/** The language of a window that only shows words (the Help window): the one chosen on this
 * device, else the system's, as the main window speaks it, and kept so as the choice changes
 * there (the storage event) or the system's language does. The shell is not told: the main
 * window does that. Returns what stops the following. */
export function followLanguage(): () => void {
  const set = () => {
    const lang = resolveLanguage(rememberedLanguage());
    setLocale(lang);
    document.documentElement.lang = lang;
  };
  // A null key: the whole storage was cleared.
  const stored = (e: StorageEvent) => {
    if (e.key === KEY || e.key === null) set();
  };
  window.addEventListener("storage", stored);
  window.addEventListener("languagechange", set);
  set();
  return () => {
    window.removeEventListener("storage", stored);
    window.removeEventListener("languagechange", set);
  };
}
