// A message's text as blocks to draw: a small, safe subset of Markdown turned into data (like the
// Help window's guide.ts), never into HTML, so nothing in a message can inject markup. Blocks:
// paragraphs (newlines kept), ``` code blocks, bulleted and numbered lists, > quotes. Inside:
// **bold** / __bold__, *italic* / _italic_, `code`, links (http, https and mailto only, written
// out: a link's words are always its address), @mentions (as the server finds them: the view
// marks those the message names), and :shortcodes: as emoji. Everything else, HTML included,
// stays text.
import { replaceShortcodes } from "./emoji";

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "code"; text: string }
  | { kind: "link"; href: string; text: string }
  | { kind: "mention"; name: string; text: string }
  | { kind: "strong"; children: Inline[] }
  | { kind: "em"; children: Inline[] };

export type Block =
  | { kind: "paragraph"; inlines: Inline[] }
  | { kind: "code"; text: string }
  | { kind: "list"; ordered: boolean; start: number; items: Inline[][] }
  | { kind: "quote"; blocks: Block[] };

/** Past this many characters a message is drawn as plain text (links and emoji still found). */
const MAX_MARKDOWN = 20_000;
/** Quotes in quotes, bold in italic in bold: deeper than this is text. */
const MAX_DEPTH = 4;

const FENCE = /^ {0,3}```/;
const BULLET = /^ {0,3}[-*+][ \t]+(?=\S)/;
const NUMBER = /^ {0,3}(\d{1,9})[.)][ \t]+(?=\S)/;
const QUOTE = /^ {0,3}>[ \t]?/;

function startsBlock(line: string): boolean {
  return FENCE.test(line) || BULLET.test(line) || NUMBER.test(line) || QUOTE.test(line);
}

/** Drops blank lines at both ends. */
function trimBlank(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && !lines[a].trim()) a++;
  while (b > a && !lines[b - 1].trim()) b--;
  return lines.slice(a, b);
}

/** A message's text as blocks. */
export function parseMessage(text: string): Block[] {
  const normal = text.replace(/\r\n?/g, "\n");
  if (normal.length > MAX_MARKDOWN) return [{ kind: "paragraph", inlines: plainInlines(normal) }];
  return blocks(normal.split("\n"), 0);
}

function blocks(lines: string[], depth: number): Block[] {
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    if (FENCE.test(line)) {
      // To the closing fence, or to the end of the message.
      const body: string[] = [];
      i++;
      while (i < lines.length && !FENCE.test(lines[i])) body.push(lines[i++]);
      i++;
      out.push({ kind: "code", text: body.join("\n") });
      continue;
    }
    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) inner.push(lines[i++].replace(QUOTE, ""));
      if (depth + 1 >= MAX_DEPTH) out.push({ kind: "paragraph", inlines: inlines(trimBlank(inner).join("\n"), depth) });
      else out.push({ kind: "quote", blocks: blocks(inner, depth + 1) });
      continue;
    }
    const number = NUMBER.exec(line);
    if (number || BULLET.test(line)) {
      const ordered = number !== null;
      const marker = ordered ? NUMBER : BULLET;
      const items: string[][] = [];
      while (i < lines.length) {
        const l = lines[i];
        if (marker.test(l)) items.push([l.replace(marker, "")]);
        // An indented line goes on with the item above it.
        else if (/^[ \t]+\S/.test(l) && !startsBlock(l)) items[items.length - 1].push(l.trim());
        else break;
        i++;
      }
      out.push({
        kind: "list",
        ordered,
        start: ordered ? Number(number[1]) : 1,
        items: items.map((item) => inlines(item.join("\n"), depth)),
      });
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i].trim() && !startsBlock(lines[i])) para.push(lines[i++]);
    out.push({ kind: "paragraph", inlines: inlines(para.join("\n"), depth) });
  }
  return out;
}

/** A link's address at `at` (http, https or mailto, checked), and how long it is; else null. */
const URL_AT = /(?:https?:\/\/|mailto:)[^\s<>"'`]+/iy;

function linkAt(s: string, at: number): { href: string; length: number } | null {
  // Only at the start of a word: "xhttp://" is not a link.
  if (at > 0 && /[\p{L}\p{N}_]/u.test(s[at - 1])) return null;
  URL_AT.lastIndex = at;
  const m = URL_AT.exec(s);
  if (!m) return null;
  let url = m[0];
  // Punctuation after an address belongs to the sentence; a closing bracket only when unbalanced.
  for (;;) {
    const last = url[url.length - 1];
    if (/[.,;:!?*_~]/.test(last)) url = url.slice(0, -1);
    else if (last === ")" && (url.match(/\(/g)?.length ?? 0) < (url.match(/\)/g)?.length ?? 0)) url = url.slice(0, -1);
    else break;
  }
  return safeHref(url) ? { href: url, length: url.length } : null;
}

/** True for an address a message may link to: http(s) with a host, or mailto with an address. */
export function safeHref(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === "http:" || parsed.protocol === "https:") return parsed.hostname !== "";
  if (parsed.protocol === "mailto:") return /^[^@\s]+@[^@\s]+$/.test(decodeURIComponent(parsed.pathname));
  return false;
}

const WORDISH = /[\p{L}\p{N}]/u;

const NAME_CHAR = /[A-Za-z0-9._-]/;

/** The name of an @mention whose `@` is at `at` (not inside a word, not after another `@`; no
 * trailing full stops), or null. */
function mentionAt(s: string, at: number): string | null {
  const before = s[at - 1];
  if (at > 0 && (NAME_CHAR.test(before) || before === "@")) return null;
  let end = at + 1;
  while (end < s.length && NAME_CHAR.test(s[end])) end++;
  const name = s.slice(at + 1, end).replace(/\.+$/, "");
  return name === "" ? null : name;
}

/** Where the delimiter `d` at `at` may close emphasis: after text, and for `_` not inside a word. */
function closes(s: string, at: number, d: string): boolean {
  if (s.startsWith(d, at) === false) return false;
  const before = s[at - 1];
  const after = s[at + d.length];
  if (before === undefined || /\s/.test(before) || before === d[0]) return false;
  if (after === d[0]) return false;
  return d[0] !== "_" || after === undefined || !WORDISH.test(after);
}

/** Where the delimiter `d` at `at` may open emphasis: before text, and for `_` not inside a word. */
function opens(s: string, at: number, d: string): boolean {
  const after = s[at + d.length];
  if (after === undefined || /\s/.test(after) || after === d[0]) return false;
  const before = s[at - 1];
  return d[0] !== "_" || before === undefined || !WORDISH.test(before);
}

/**
 * The closing `d` for an opening one at `at`, on the same line; -1 when there is none.
 * `none` remembers, by delimiter, the end of a line known to hold no closer after the last
 * search: whether a place closes does not depend on the opener, so later searches on that line
 * fail too (a line of openers stays linear).
 */
function closer(s: string, at: number, d: string, none: Map<string, number>): number {
  const end = s.indexOf("\n", at);
  const stop = end < 0 ? s.length : end;
  if (none.get(d) === stop) return -1;
  for (let j = s.indexOf(d, at + d.length + 1); j >= 0 && j < stop; j = s.indexOf(d, j + 1)) {
    if (closes(s, j, d)) return j;
  }
  none.set(d, stop);
  return -1;
}

/** The inlines of a line or paragraph. */
export function inlines(s: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  let text = "";
  const flush = () => {
    if (text) out.push({ kind: "text", text: replaceShortcodes(text) });
    text = "";
  };
  const none = new Map<string, number>();
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "`") {
      const end = s.indexOf("`", i + 1);
      const nl = s.indexOf("\n", i + 1);
      if (end > i + 1 && (nl < 0 || end < nl)) {
        flush();
        out.push({ kind: "code", text: s.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    } else if (c === "h" || c === "H" || c === "m" || c === "M") {
      const link = linkAt(s, i);
      if (link) {
        flush();
        out.push({ kind: "link", href: link.href, text: link.href });
        i += link.length;
        continue;
      }
    } else if (c === "@") {
      const name = mentionAt(s, i);
      if (name) {
        flush();
        out.push({ kind: "mention", name, text: `@${name}` });
        i += name.length + 1;
        continue;
      }
    } else if ((c === "*" || c === "_") && depth < MAX_DEPTH) {
      const d = s[i + 1] === c ? c + c : c;
      if (opens(s, i, d)) {
        const end = closer(s, i, d, none);
        if (end > 0) {
          flush();
          const children = inlines(s.slice(i + d.length, end), depth + 1);
          out.push(d.length === 2 ? { kind: "strong", children } : { kind: "em", children });
          i = end + d.length;
          continue;
        }
      }
      // Not emphasis: the delimiter run is text.
      text += d;
      i += d.length;
      continue;
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

/** Links and emoji only (a very long message). */
function plainInlines(s: string): Inline[] {
  return inlines(s, MAX_DEPTH);
}

/** A message's text as a reader sees it, without its Markdown marks and with its emoji: for
 * one-line previews (the ribbon, what a screen reader is told of an arrival). */
export function plainText(text: string): string {
  const ofInlines = (xs: Inline[]): string =>
    xs.map((x) => (x.kind === "strong" || x.kind === "em" ? ofInlines(x.children) : x.text)).join("");
  const ofBlocks = (bs: Block[]): string[] =>
    bs.flatMap((b) => {
      if (b.kind === "paragraph") return [ofInlines(b.inlines)];
      if (b.kind === "code") return [b.text];
      if (b.kind === "list") return b.items.map(ofInlines);
      return ofBlocks(b.blocks);
    });
  return ofBlocks(parseMessage(text)).join("\n");
}

/** A message as a list's one-line preview of it (the chats and rooms lists): its text without
 * Markdown marks, on one line; a deleted message is `deletedWord` (the timeline's "Message
 * deleted"), never an empty preview. */
export function previewText(message: { text: string; deleted?: boolean }, deletedWord: string): string {
  if (message.deleted) return deletedWord;
  return plainText(message.text).replace(/\s+/g, " ").trim();
}
