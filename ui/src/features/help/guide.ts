// The user guide (docs/user-guide.md) as blocks for the Help window. A small, strict subset
// of Markdown, turned into data rather than HTML so that nothing in the file can inject markup:
// headings, paragraphs, lists, tables, code blocks, and **bold**, *italic* and `code` inside.

export type Inline = { kind: "text" | "strong" | "em" | "code"; text: string };

export type Block =
  | { kind: "heading"; level: 1 | 2 | 3; inlines: Inline[] }
  | { kind: "paragraph"; inlines: Inline[] }
  | { kind: "list"; ordered: boolean; items: Inline[][] }
  | { kind: "table"; head: Inline[][]; rows: Inline[][][] }
  | { kind: "code"; text: string };

const INLINE = /(\*\*[^*]+\*\*|`[^`]+`|\*[^*\s][^*]*\*)/;

export function inlines(text: string): Inline[] {
  const out: Inline[] = [];
  for (const part of text.split(INLINE)) {
    if (!part) continue;
    if (part.startsWith("**") && part.endsWith("**") && part.length > 4) {
      out.push({ kind: "strong", text: part.slice(2, -2) });
    } else if (part.startsWith("`") && part.endsWith("`") && part.length > 2) {
      out.push({ kind: "code", text: part.slice(1, -1) });
    } else if (part.startsWith("*") && part.endsWith("*") && part.length > 2) {
      out.push({ kind: "em", text: part.slice(1, -1) });
    } else {
      out.push({ kind: "text", text: part });
    }
  }
  return out;
}

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|")
    .map((c) => c.trim());
}

const ITEM = /^\s*(?:[-*]|\d+\.)\s+/;

export function parseGuide(markdown: string): Block[] {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    const heading = /^(#{1,3})\s+(.*)$/.exec(line);
    if (heading) {
      const level = heading[1].length as 1 | 2 | 3;
      blocks.push({ kind: "heading", level, inlines: inlines(heading[2].trim()) });
      i++;
      continue;
    }
    if (line.startsWith("```")) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].startsWith("```")) body.push(lines[i++]);
      i++;
      blocks.push({ kind: "code", text: body.join("\n") });
      continue;
    }
    if (line.trim().startsWith("|")) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i].trim().startsWith("|")) rows.push(cells(lines[i++]));
      // The second row is the |---| separator.
      const body = rows.filter((r, n) => !(n === 1 && r.every((c) => /^:?-+:?$/.test(c))));
      const [head, ...rest] = body;
      blocks.push({
        kind: "table",
        head: (head ?? []).map(inlines),
        rows: rest.map((r) => r.map(inlines)),
      });
      continue;
    }
    if (ITEM.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: string[] = [];
      while (i < lines.length && lines[i].trim()) {
        if (ITEM.test(lines[i])) items.push(lines[i].replace(ITEM, ""));
        // An indented line continues the item above it.
        else items[items.length - 1] += " " + lines[i].trim();
        i++;
      }
      blocks.push({ kind: "list", ordered, items: items.map((t) => inlines(t.trim())) });
      continue;
    }
    const text: string[] = [];
    while (
      i < lines.length &&
      lines[i].trim() &&
      !/^(#{1,3}\s|```|\s*\|)/.test(lines[i]) &&
      !ITEM.test(lines[i])
    ) {
      text.push(lines[i++].trim());
    }
    blocks.push({ kind: "paragraph", inlines: inlines(text.join(" ")) });
  }
  return blocks;
}

/** A guide's shape, whatever its language: each block's kind (a heading's level, a list's
 * number of items, a table's columns and rows) with the `code` it holds, which is typed as
 * written in every language (ws://, :tada:, confer://join/…). Two translations of one guide have
 * the same outline. */
export function outline(blocks: Block[]): string[] {
  const codes = (parts: Inline[]) => parts.filter((p) => p.kind === "code").map((p) => p.text);
  return blocks.map((b) => {
    switch (b.kind) {
      case "heading":
        return `h${b.level} ${JSON.stringify(codes(b.inlines))}`;
      case "paragraph":
        return `p ${JSON.stringify(codes(b.inlines))}`;
      case "list":
        return `${b.ordered ? "ol" : "ul"}(${b.items.length}) ${JSON.stringify(b.items.map(codes))}`;
      case "table":
        return `table(${b.head.length}x${b.rows.length}) ${JSON.stringify(b.rows.map((r) => r.map(codes)))}`;
      case "code":
        return "code";
    }
  });
}
