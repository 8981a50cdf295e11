// Dates and times as the user's language writes them (Intl.DateTimeFormat), one convention
// everywhere: the timeline (its times, day separators, "edited" marks), search hits, the lists,
// last seen, meetings. No component formats a date itself. "2:05 PM" in English
// (14:05 where the browser is en-GB), "14:05" in French. Each takes the language (the user's by
// default) and, where it says "today", the moment it is now.
import { commonWords, formatTag, locale, type Locale } from "./i18n";

const cache = new Map<string, Intl.DateTimeFormat>();

/** A formatter for the language; `time`: with the time of day, its hours as the language
 * writes them (two digits on a 24-hour clock, 09:05; one on a 12-hour one, 9:05 AM). */
function format(lang: Locale, options: Intl.DateTimeFormatOptions, time = false): Intl.DateTimeFormat {
  const tag = formatTag(lang);
  const key = `${tag} ${time} ${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    const h12 = new Intl.DateTimeFormat(tag, { hour: "numeric" }).resolvedOptions().hour12 ?? false;
    f = new Intl.DateTimeFormat(tag, time ? { ...options, hour: h12 ? "numeric" : "2-digit", minute: "2-digit" } : options);
    cache.set(key, f);
  }
  return f;
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** A time of day: "2:05 PM", "14:05". */
export function formatTime(ms: number, lang: Locale = locale()): string {
  return format(lang, {}, true).format(ms);
}

/** A day as a heading between messages: "Today", "Yesterday", "Monday, March 3" (with the year
 * when it is not this one): "Aujourd'hui", "Hier", "Lundi 3 mars". */
export function formatDay(ms: number, lang: Locale = locale(), now: number = Date.now()): string {
  const d = new Date(ms);
  const today = new Date(now);
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (sameDay(d, today)) return commonWords(lang).today;
  if (sameDay(d, yesterday)) return commonWords(lang).yesterday;
  const year = d.getFullYear() === today.getFullYear() ? undefined : "numeric";
  const text = format(lang, { weekday: "long", day: "numeric", month: "long", year }).format(d);
  // A heading starts with a capital, in French too ("lundi" → "Lundi").
  return text.charAt(0).toLocaleUpperCase(formatTag(lang)) + text.slice(1);
}

/** A day and a time: "Mar 3, 2:05 PM", "3 mars, 14:05" (with the year when it is not this one). */
export function formatDateTime(ms: number, lang: Locale = locale(), now: number = Date.now()): string {
  const year = new Date(ms).getFullYear() === new Date(now).getFullYear() ? undefined : "numeric";
  return format(lang, { day: "numeric", month: "short", year }, true).format(ms);
}

/** A moment in full words, without abbreviations (when a message was edited): "Monday, March 3
 * at 2:05 PM", "lundi 3 mars à 14:05" (with the year when it is not this one). */
export function formatLongDateTime(ms: number, lang: Locale = locale(), now: number = Date.now()): string {
  const year = new Date(ms).getFullYear() === new Date(now).getFullYear() ? undefined : "numeric";
  return format(lang, { weekday: "long", day: "numeric", month: "long", year }, true).format(ms);
}

/** A day, its weekday and year, and a time (a meeting's start): "Mon, Mar 3, 2025, 2:05 PM",
 * "lun. 3 mars 2025, 14:05". */
export function formatFullDateTime(ms: number, lang: Locale = locale()): string {
  return format(lang, { weekday: "short", day: "numeric", month: "short", year: "numeric" }, true).format(ms);
}

/** When, in a list of conversations: the time today, else the day ("Mar 3", "3 mars"). */
export function formatListTime(ms: number, lang: Locale = locale(), now: number = Date.now()): string {
  if (sameDay(new Date(ms), new Date(now))) return formatTime(ms, lang);
  const year = new Date(ms).getFullYear() === new Date(now).getFullYear() ? undefined : "numeric";
  return format(lang, { day: "numeric", month: "short", year }).format(ms);
}
