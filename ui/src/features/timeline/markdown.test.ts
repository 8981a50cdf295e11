import { describe, expect, it } from "vitest";
import { emojiOf, EMOJI, replaceShortcodes } from "./emoji";
import { messageWords } from "../../lib/i18n";
import { inlines, parseMessage, plainText, previewText, safeHref, type Block, type Inline } from "./markdown";

const text = (t: string): Inline => ({ kind: "text", text: t });
const para = (...parts: Inline[]): Block => ({ kind: "paragraph", inlines: parts });

/** Every string a parse holds, in order: what a reader would see. */
function shown(blocks: Block[]): string {
  const ofInlines = (xs: Inline[]): string =>
    xs.map((x) => ("children" in x ? ofInlines(x.children) : x.text)).join("");
  return blocks
    .map((b) => {
      if (b.kind === "paragraph") return ofInlines(b.inlines);
      if (b.kind === "code") return b.text;
      if (b.kind === "list") return b.items.map(ofInlines).join("|");
      return shown(b.blocks);
    })
    .join("/");
}

describe("message Markdown", () => {
  it("keeps plain text as one paragraph, newlines and spaces included", () => {
    expect(parseMessage("Hello Carol")).toEqual([para(text("Hello Carol"))]);
    expect(parseMessage("line one\nline two")).toEqual([para(text("line one\nline two"))]);
    expect(parseMessage("a  b\r\nc")).toEqual([para(text("a  b\nc"))]);
    expect(parseMessage("first\n\nsecond")).toEqual([para(text("first")), para(text("second"))]);
    expect(parseMessage("")).toEqual([]);
  });

  it("reads bold, italic and inline code", () => {
    expect(inlines("a **bold** b")).toEqual([text("a "), { kind: "strong", children: [text("bold")] }, text(" b")]);
    expect(inlines("__bold__ and _it_")).toEqual([
      { kind: "strong", children: [text("bold")] },
      text(" and "),
      { kind: "em", children: [text("it")] },
    ]);
    expect(inlines("*it **bold** it*")).toEqual([
      { kind: "em", children: [text("it "), { kind: "strong", children: [text("bold")] }, text(" it")] },
    ]);
    expect(inlines("run `npm **test**` now")).toEqual([text("run "), { kind: "code", text: "npm **test**" }, text(" now")]);
  });

  it("leaves what is not emphasis as it was", () => {
    for (const s of ["snake_case_name", "2 * 3 * 4", "a ** b", "**", "*", "_", "`", "** no close", "*a\nb*", "price: 5*"]) {
      expect(shown(parseMessage(s)), s).toBe(s);
      expect(JSON.stringify(parseMessage(s)), s).not.toMatch(/strong|em"/);
    }
  });

  it("reads code blocks verbatim, closed or not", () => {
    expect(parseMessage("look:\n```js\nconst a = **1**; // :smile: <b>\n\n  indented\n```\nafter")).toEqual([
      para(text("look:")),
      { kind: "code", text: "const a = **1**; // :smile: <b>\n\n  indented" },
      para(text("after")),
    ]);
    expect(parseMessage("```\nnever closed")).toEqual([{ kind: "code", text: "never closed" }]);
  });

  it("reads bulleted and numbered lists, with their start and indented continuations", () => {
    expect(parseMessage("Shopping:\n- milk\n* **eggs**\n+ bread\n  wholemeal\ndone")).toEqual([
      para(text("Shopping:")),
      {
        kind: "list",
        ordered: false,
        start: 1,
        items: [[text("milk")], [{ kind: "strong", children: [text("eggs")] }], [text("bread\nwholemeal")]],
      },
      para(text("done")),
    ]);
    expect(parseMessage("3. three\n4) four")).toEqual([
      { kind: "list", ordered: true, start: 3, items: [[text("three")], [text("four")]] },
    ]);
    // Not items: no space after the marker, or nothing after it.
    expect(parseMessage("-5 degrees")).toEqual([para(text("-5 degrees"))]);
    expect(parseMessage("1.5 litres")).toEqual([para(text("1.5 litres"))]);
  });

  it("reads quotes, with Markdown inside, and stops nesting them deep", () => {
    expect(parseMessage("> she said\n> - *this*\nme: ok")).toEqual([
      {
        kind: "quote",
        blocks: [para(text("she said")), { kind: "list", ordered: false, start: 1, items: [[{ kind: "em", children: [text("this")] }]] }],
      },
      para(text("me: ok")),
    ]);
    const deep = parseMessage(">>>>>>>> deep");
    expect(shown(deep)).toContain("deep");
    expect(JSON.stringify(deep).split('"quote"').length - 1).toBeLessThanOrEqual(3);
  });

  it("links http, https and mailto addresses, leaving the sentence's punctuation out", () => {
    const link = (href: string): Inline => ({ kind: "link", href, text: href });
    expect(inlines("see https://example.com/a_b?q=1#x.")).toEqual([text("see "), link("https://example.com/a_b?q=1#x"), text(".")]);
    expect(inlines("(http://example.com/wiki/Foo_(bar)) ok")).toEqual([text("("), link("http://example.com/wiki/Foo_(bar)"), text(") ok")]);
    expect(inlines("mail mailto:bob@example.com!")).toEqual([text("mail "), link("mailto:bob@example.com"), text("!")]);
    expect(inlines("**HTTPS://EXAMPLE.COM**")).toEqual([{ kind: "strong", children: [link("HTTPS://EXAMPLE.COM")] }]);
    expect(inlines("`https://example.com`")).toEqual([{ kind: "code", text: "https://example.com" }]);
  });

  it("never links other schemes, and never makes HTML: it all stays text", () => {
    for (const s of [
      "javascript:alert(1)",
      "JavaScript:alert(document.cookie)",
      "[click](javascript:alert(1))",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox",
      "file:///etc/passwd",
      "xhttps://example.com",
      "http://",
      "mailto:nobody",
      "<a href=\"https://example.com\">x</a>",
      "<img src=x onerror=alert(1)>",
      "<script>alert(1)</script>",
    ]) {
      const blocks = parseMessage(s);
      expect(shown(blocks), s).toBe(s);
      const links = JSON.stringify(blocks).match(/"href":"[^"]*"/g) ?? [];
      for (const l of links) expect(l, s).toMatch(/"href":"(https?:\/\/|mailto:)/i);
    }
    expect(parseMessage("<script>alert(1)</script>")).toEqual([para(text("<script>alert(1)</script>"))]);
    expect(parseMessage("javascript:alert(1)")).toEqual([para(text("javascript:alert(1)"))]);
    // The address inside the HTML is linked as itself, the quote after it left out.
    expect(JSON.stringify(parseMessage('<a href="https://example.com">x</a>'))).toContain('"href":"https://example.com"');
  });

  it("checks an address before linking it", () => {
    expect(safeHref("https://example.com")).toBe(true);
    expect(safeHref("mailto:a@b.c")).toBe(true);
    expect(safeHref("javascript:alert(1)")).toBe(false);
    expect(safeHref("http://")).toBe(false);
    expect(safeHref("mailto:a")).toBe(false);
    expect(safeHref("ftp://example.com")).toBe(false);
  });

  it("turns known shortcodes into emoji outside code and links", () => {
    expect(inlines("great :+1: :thumbsup: :heart: :tada: :smile:")).toEqual([text("great 👍 👍 ❤️ 🎉 😄")]);
    expect(inlines("at 10:30 :smile: :not_an_emoji: a:b:wave:")).toEqual([text("at 10:30 😄 :not_an_emoji: a:b👋")]);
    expect(inlines("`:smile:` **:fire:**")).toEqual([
      { kind: "code", text: ":smile:" },
      text(" "),
      { kind: "strong", children: [text("🔥")] },
    ]);
    expect(inlines("https://example.com/:smile:")).toEqual([{ kind: "link", href: "https://example.com/:smile", text: "https://example.com/:smile" }, text(":")]);
  });

  it("has a compact table of common emoji, each shortcode once", () => {
    const codes = EMOJI.flatMap(([, ...c]) => c);
    expect(EMOJI.length).toBeGreaterThanOrEqual(60);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^[a-z0-9_+-]+$/);
    expect(emojiOf("THUMBSUP")).toBe("👍");
    expect(replaceShortcodes("no colons")).toBe("no colons");
  });

  it("gives the plain text of a message for previews", () => {
    expect(plainText("**Done** :tada: see `x` and *this*\n- one\n> two")).toBe("Done 🎉 see x and this\none\ntwo");
    expect(plainText("<b>as typed</b> https://example.com")).toBe("<b>as typed</b> https://example.com");
  });

  it("stays fast on hostile input", () => {
    const started = performance.now();
    parseMessage("**a ".repeat(5000));
    parseMessage("_a ".repeat(5000) + "\n" + "`".repeat(3000) + "\n" + ">".repeat(3000));
    parseMessage("*".repeat(20_000));
    parseMessage("https://a.b/" + "(".repeat(5000));
    parseMessage("x".repeat(30_000) + " https://example.com **not bold**");
    expect(performance.now() - started).toBeLessThan(2000);
    // Very long: links and emoji, no Markdown.
    const long = parseMessage("x".repeat(30_000) + " :smile: **b**");
    expect(long).toHaveLength(1);
    expect(shown(long).endsWith(" 😄 **b**")).toBe(true);
  });
});

describe("@mentions in a message", () => {
  it("are read as the server reads them, in emphasis too, and never inside an address", () => {
    const mention = (name: string): Inline => ({ kind: "mention", name, text: `@${name}` });
    expect(inlines("hi @bob.")).toEqual([text("hi "), mention("bob"), text(".")]);
    expect(inlines("(@carol.d) and **@dave**")).toEqual([
      text("("),
      mention("carol.d"),
      text(") and "),
      { kind: "strong", children: [mention("dave")] },
    ]);
    expect(inlines("bob@example.com @@bob @ alone")).toEqual([text("bob@example.com @@bob @ alone")]);
    expect(inlines("`@bob` in code")).toEqual([{ kind: "code", text: "@bob" }, text(" in code")]);
    expect(plainText("**@bob** look")).toBe("@bob look");
  });
});

describe("a list's preview of a message", () => {
  const deleted = messageWords("en").deleted;

  it("is the text without its Markdown, on one line", () => {
    expect(previewText({ text: "**Done** :tada: see `x` and *this*", deleted: false }, deleted)).toBe("Done 🎉 see x and this");
    expect(previewText({ text: "# not a heading\n- one\n- two\n\n> quoted\n```\ncode()\n```" }, deleted)).toBe(
      "# not a heading one two quoted code()",
    );
    expect(previewText({ text: "  __bold__   and _em_\n" }, deleted)).toBe("bold and em");
    expect(previewText({ text: "<b>as typed</b> [x](https://example.com)" }, deleted)).toBe("<b>as typed</b> [x](https://example.com)");
    expect(previewText({ text: "" }, deleted)).toBe("");
  });

  it("says a deleted message was deleted, in the reader's words", () => {
    expect(previewText({ text: "", deleted: true }, deleted)).toBe("Message deleted");
    expect(previewText({ text: "**was here**", deleted: true }, messageWords("fr").deleted)).toBe("Message supprimé");
  });
});
