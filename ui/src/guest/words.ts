// The guest page's sentences for where it stands: why it could not join, why the guest is out.
// A reason from the server is worded as the app words every reason (i18n's refusalText: the
// reason's own sentence, else its category's); the page's own causes have their own words.
import { guestWords, refusalText, type Locale } from "../lib/i18n";
import type { Ending, FormError } from "./machine";

/** The language the page speaks: French for a browser in French, English otherwise. */
export function pageLocale(tag: string | undefined): Locale {
  return /^fr\b/i.test(tag ?? "") ? "fr" : "en";
}

/** Why the form could not join, in one sentence. */
export function formErrorText(error: FormError, lang: Locale): string {
  return error.kind === "refused" ? refusalText(error.error, lang) : guestWords(lang).unreachable;
}

/** Why the guest is out of the meeting, in one sentence. */
export function endingText(ending: Ending, lang: Locale): string {
  const w = guestWords(lang);
  switch (ending.cause) {
    case "closing":
      return refusalText(ending.error, lang);
    case "left":
      return w.left;
    case "lost":
      return w.connectionLost;
    case "media":
      return ending.error ? `${w.soundFailed} ${refusalText(ending.error, lang)}` : w.soundFailed;
  }
}
