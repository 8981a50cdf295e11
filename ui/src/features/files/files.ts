// What the UI reads of shared files (#14): the file a message carries, how one looks in a line,
// the size its thumbnail is drawn at, and its thumbnail itself, fetched once per file.
import type { FileRef, MessageKind } from "../../lib/bindings";
import { errorText, fileWords } from "../../lib/i18n";
import { ipc } from "../../lib/ipc";

/** The side of the box a thumbnail fits in (the server draws them at most this large). */
export const THUMBNAIL_BOX = 320;

/** The file a message shares (null for any other kind). */
export function fileOf(kind: MessageKind | undefined): FileRef | null {
  return typeof kind === "object" && kind !== null && "file" in kind ? kind.file : null;
}

/** A file message in one line ("📎 report.pdf"); null for any other kind. */
export function fileLine(m: { kind?: MessageKind; deleted?: boolean }): string | null {
  const file = m.deleted ? null : fileOf(m.kind);
  return file ? fileWords().attachment(file.name) : null;
}

/** The type shown on a card: the name's extension in capitals ("PDF"), else the media type. */
export function typeOf(file: FileRef): string {
  const dot = file.name.lastIndexOf(".");
  const ext = dot > 0 ? file.name.slice(dot + 1) : "";
  return ext && ext.length <= 8 && !/\s/.test(ext) ? ext.toUpperCase() : file.mime;
}

/** The size a thumbnail is drawn at: the image's own shape fitted in THUMBNAIL_BOX, so its
 * place is kept before the picture comes (no jump in the timeline). Without dimensions, a
 * square. */
export function thumbnailSize(file: FileRef, box = THUMBNAIL_BOX): { width: number; height: number } {
  const [w, h] = file.dimensions ?? [box, box];
  if (!(w > 0 && h > 0)) return { width: box, height: box };
  const scale = Math.min(1, box / w, box / h);
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

/** A file card's height before it is measured (the timeline's estimate for its row). */
export function cardHeight(file: FileRef): number {
  return (file.thumbnail ? thumbnailSize(file).height : 0) + 96;
}

/** Thumbnails by file id: fetched once (a file never changes), shared by every card and list
 * showing the file. A failure is kept too: the card shows its icon rather than asking again
 * each time its row is drawn. */
const thumbnails = new Map<string, Promise<string>>();
/** Those that came, to draw at once a card drawn again (a row back in the timeline's window). */
const drawn = new Map<string, string>();

export function thumbnail(file: string): Promise<string> {
  let url = thumbnails.get(file);
  if (!url) {
    url = ipc().fileThumbnail(file);
    url.then((u) => drawn.set(file, u)).catch(() => {});
    thumbnails.set(file, url);
  }
  return url;
}

/** A thumbnail already fetched, if any. */
export function thumbnailNow(file: string): string | null {
  return drawn.get(file) ?? null;
}

/** Forgets the thumbnails (signing out; tests). */
export function forgetThumbnails(): void {
  thumbnails.clear();
  drawn.clear();
}

/** Saves a shared file in the Downloads folder; resolves to what to tell the user: where it
 * went, or why it did not. */
export async function download(file: string): Promise<string> {
  try {
    return fileWords().savedTo(await ipc().downloadFile(file));
  } catch (e) {
    return fileWords().downloadFailed(errorText(e));
  }
}

/** Opens a shared file's preview window; resolves to why it did not open (null: it did). */
export async function openPreview(conversation: number, file: string): Promise<string | null> {
  try {
    await ipc().openPreview(conversation, file);
    return null;
  } catch (e) {
    return fileWords().previewFailed(errorText(e));
  }
}
