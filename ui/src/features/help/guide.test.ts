import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCALES } from "../../lib/i18n";
import { inlines, outline, parseGuide, type Block } from "./guide";
import { GUIDES, guideBlocks } from "./guides";

describe("the user guide's Markdown subset", () => {
  it("reads headings, paragraphs over several lines, lists with continued items, tables", () => {
    const blocks = parseGuide(
      [
        "# Title",
        "",
        "First line",
        "second line with **bold** and `code`.",
        "",
        "- one",
        "  continued",
        "- *two*",
        "",
        "1. first",
        "2. second",
        "",
        "| Ticks | Meaning |",
        "| --- | --- |",
        "| ✓ | Stored |",
      ].join("\n"),
    );
    expect(blocks.map((b) => b.kind)).toEqual(["heading", "paragraph", "list", "list", "table"]);
    expect(blocks[1]).toEqual({
      kind: "paragraph",
      inlines: [
        { kind: "text", text: "First line second line with " },
        { kind: "strong", text: "bold" },
        { kind: "text", text: " and " },
        { kind: "code", text: "code" },
        { kind: "text", text: "." },
      ],
    });
    expect(blocks[2]).toMatchObject({ ordered: false, items: [[{ text: "one continued" }], [{ kind: "em", text: "two" }]] });
    expect(blocks[3]).toMatchObject({ ordered: true });
    expect(blocks[4]).toMatchObject({
      head: [[{ text: "Ticks" }], [{ text: "Meaning" }]],
      rows: [[[{ text: "✓" }], [{ text: "Stored" }]]],
    });
  });

  it("keeps markup as text: nothing in the file becomes HTML", () => {
    expect(inlines("<img src=x onerror=alert(1)> **<b>**")).toEqual([
      { kind: "text", text: "<img src=x onerror=alert(1)> " },
      { kind: "strong", text: "<b>" },
    ]);
  });

  it("parses the real guide into headed sections", () => {
    // Tests run in ui/.
    const guide = readFileSync(resolve(process.cwd(), "../docs/user-guide.md"), "utf8");
    const blocks = parseGuide(guide);
    expect(blocks[0]).toMatchObject({ kind: "heading", level: 1 });
    expect(blocks.filter((b) => b.kind === "heading" && b.level === 2).length).toBeGreaterThan(3);
    expect(blocks.some((b) => b.kind === "table")).toBe(true);
  });
});

describe("the user guide in every language", () => {
  const headings = (blocks: Block[]) => blocks.filter((b) => b.kind === "heading").map((b) => b.inlines.map((i) => i.text).join(""));

  it("has the English guide's every section, paragraph, list item, table row and literal code, in each language", () => {
    const english = outline(guideBlocks("en"));
    expect(english.length).toBeGreaterThan(20);
    for (const lang of LOCALES) expect(outline(guideBlocks(lang)), `the ${lang} guide's outline`).toEqual(english);
  });

  it("is translated: no heading of another language's guide is the English one's", () => {
    const english = headings(guideBlocks("en"));
    for (const lang of LOCALES.filter((l) => l !== "en")) {
      const own = headings(guideBlocks(lang));
      expect(own.filter((h) => english.includes(h)), lang).toEqual([]);
    }
    expect(headings(guideBlocks("fr"))[0]).toBe("Guide de l'utilisateur de Confer");
  });

  it("fails a translation missing a section, a list item or a code", () => {
    const english = outline(guideBlocks("en"));
    const french = GUIDES.fr;
    const withoutFavourites = french.replace(/## Favoris\n[\s\S]*?(?=\n## )/, "");
    expect(withoutFavourites).not.toBe(french);
    expect(outline(parseGuide(withoutFavourites))).not.toEqual(english);
    const lastItemGone = french.replace(/\n- \*\*Se déconnecter\*\*\./, "");
    expect(lastItemGone).not.toBe(french);
    expect(outline(parseGuide(lastItemGone))).not.toEqual(english);
    const codeGone = french.replace("`wss://`", "wss://");
    expect(outline(parseGuide(codeGone))).not.toEqual(english);
  });
});
