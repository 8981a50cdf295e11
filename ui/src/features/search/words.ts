// The words of a search, and where a text has them: case and accents do not count, and a word is
// found by its stem or as the start of a longer word ("meeting" finds "meetings", "reunion" finds
// "Réunions", "plan" finds "planning"). The cache and the server search with their own stemmers;
// this only marks, in what they found, the words that made it a hit.

/** Lower case, without accents. */
export function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

// Common English and French endings, longest first; a stem keeps at least three letters.
const ENDINGS = ["ements", "ement", "ations", "ation", "ings", "ing", "ies", "ees", "ee", "es", "ed", "s", "e", "x"];

/** A folded word without its ending (a light stemmer for English and French). */
export function stem(word: string): string {
  const w = fold(word);
  for (const end of ENDINGS) {
    if (w.endsWith(end) && w.length - end.length >= 3) return end === "ies" ? `${w.slice(0, -3)}y` : w.slice(0, -end.length);
  }
  return w;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The words of a query, folded, each once. */
export function searchTerms(query: string): string[] {
  return [...new Set([...fold(query).matchAll(WORD)].map((m) => m[0]))];
}

/** True when `word` (of a text) is one of the `terms` (from searchTerms): the same stem, or
 * starting with it. */
export function wordMatches(word: string, terms: readonly string[]): boolean {
  const w = fold(word);
  const s = stem(w);
  return terms.some((t) => w.startsWith(t) || s.startsWith(stem(t)));
}

/** True when the text has every word of the query. */
export function textMatches(text: string, query: string): boolean {
  const terms = searchTerms(query);
  if (terms.length === 0) return false;
  const words = [...text.matchAll(WORD)].map((m) => m[0]);
  return terms.every((t) => words.some((w) => wordMatches(w, [t])));
}

/** The text in parts, those that are words of the query marked `hit`. */
export function highlight(text: string, query: string): { text: string; hit: boolean }[] {
  const terms = searchTerms(query);
  const out: { text: string; hit: boolean }[] = [];
  let from = 0;
  const push = (s: string, hit: boolean) => {
    if (s === "") return;
    const last = out[out.length - 1];
    if (last && last.hit === hit) last.text += s;
    else out.push({ text: s, hit });
  };
  if (terms.length > 0) {
    for (const m of text.matchAll(WORD)) {
      if (!wordMatches(m[0], terms)) continue;
      push(text.slice(from, m.index), false);
      push(m[0], true);
      from = m.index + m[0].length;
    }
  }
  push(text.slice(from), false);
  return out;
}

/** A one-line excerpt of a long text around its first hit, about `length` characters. */
export function excerpt(text: string, query: string, length = 140): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= length) return flat;
  const terms = searchTerms(query);
  let at = 0;
  for (const m of flat.matchAll(WORD)) {
    if (wordMatches(m[0], terms)) {
      at = m.index;
      break;
    }
  }
  const start = Math.max(0, Math.min(at - Math.floor(length / 3), flat.length - length));
  const cut = flat.slice(start, start + length);
  return `${start > 0 ? "…" : ""}${cut}${start + length < flat.length ? "…" : ""}`;
}
