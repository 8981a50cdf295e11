import { commonWords } from "./i18n";

/**
 * Copies `text`; where the clipboard is refused, selects the text shown in `shown` so the user
 * can copy it by hand. Returns the note to show either way.
 */
export async function copyOrSelect(text: string, shown: HTMLElement | null): Promise<string> {
  try {
    await navigator.clipboard.writeText(text);
    return commonWords().linkCopied;
  } catch {
    if (shown) {
      const range = document.createRange();
      range.selectNodeContents(shown);
      const sel = getSelection();
      sel?.removeAllRanges();
      sel?.addRange(range);
    }
    return commonWords().copyByHand;
  }
}
