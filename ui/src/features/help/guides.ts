// The user guide in each language the UI speaks, for the Help window: English is the
// repository's docs/user-guide.md, French its translation beside this file. Both are bundled at
// build time, so the guide reads offline and matches the app's version. Typed by Locale: a
// language without its guide does not compile; guide.test.ts fails on a guide whose sections,
// lists, tables or literal codes do not match the English one's.
import en from "../../../../docs/user-guide.md?raw";
import type { Locale } from "../../lib/i18n";
import { parseGuide, type Block } from "./guide";
import fr from "./user-guide.fr.md?raw";

export const GUIDES: Record<Locale, string> = { en, fr };

const parsed = new Map<Locale, Block[]>();

/** The guide in `lang`, as blocks (parsed once). */
export function guideBlocks(lang: Locale): Block[] {
  let blocks = parsed.get(lang);
  if (!blocks) {
    blocks = parseGuide(GUIDES[lang]);
    parsed.set(lang, blocks);
  }
  return blocks;
}
