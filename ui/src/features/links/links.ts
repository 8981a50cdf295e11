// What the UI reads of a link's card: the server fetches the page of a text's first link and
// attaches its title, description and a small picture it redrew (a `data:` URL) to the message
// (bindings.ts: Message.preview, CachedMessage.preview), a moment after the message. The client
// never contacts the linked host: a click opens the page in the system's browser, as a link in
// the text does.
import type { LinkPreview, MessageKind } from "../../lib/bindings";
import { ipc } from "../../lib/ipc";

/** A link's card as the server makes it. */
export type LinkCard = LinkPreview;

/** How tall a card is drawn (the timeline's estimate for a row before it is measured). */
export const CARD_HEIGHT = 96;

/** The card a message shows: a living text's (none on a deleted message, nor on another kind). */
export function cardOf(m: { kind?: MessageKind; deleted?: boolean; preview?: LinkCard | null }): LinkCard | null {
  if (m.deleted || (m.kind ?? "text") !== "text" || !m.preview) return null;
  return typeof m.preview.url === "string" && m.preview.url !== "" ? m.preview : null;
}

/** Whether an address is one the card may open: web pages only. */
export function isWebLink(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** The host a card names ("wiki.example.com"; "www." left out); the address itself when it
 * cannot be read as one. */
export function hostOf(url: string): string {
  try {
    const host = new URL(url).hostname;
    return host ? host.replace(/^www\./i, "") : url;
  } catch {
    return url;
  }
}

/** The card's picture, if it is one the server drew (a `data:image/…` URL; anything else is
 * left out: the window loads no picture from elsewhere). */
export function pictureOf(card: LinkCard): string | null {
  return card.image && /^data:image\/(png|jpeg|gif|webp);base64,/i.test(card.image) ? card.image : null;
}

/** A click on a link of a message (its text or its card): the page opens in the system's
 * browser (the desktop window opens no other). */
export function openInBrowser(e: MouseEvent, href: string): void {
  e.preventDefault();
  void ipc()
    .openLink(href)
    .catch(() => {});
}
