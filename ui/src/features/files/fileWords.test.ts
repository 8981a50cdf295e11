import { describe, expect, it } from "vitest";
import { fileWords, LOCALES, sizeText, type FileWords, type Part } from "../../lib/i18n";
import { fileLine, thumbnailSize, typeOf } from "./files";
import { baseName } from "./uploads.svelte";

/** Every word; functions called with samples (each parameter must show in the result). */
function flat(w: FileWords): Record<string, { text: string; arity: number }> {
  const text = (v: string | Part[]) => (typeof v === "string" ? v : v.map((p) => (typeof p === "string" ? p : "strong" in p ? p.strong : p.hidden)).join(""));
  const out: Record<string, { text: string; arity: number }> = {};
  for (const [key, value] of Object.entries(w)) {
    if (typeof value === "function") out[key] = { text: text((value as (a: string, b: string) => string | Part[])("SAMPLE", "OTHER")), arity: value.length };
    else out[key] = { text: value as string, arity: 0 };
  }
  return out;
}

describe("the words of shared files", () => {
  it("has the same words in each language, none empty, parameters in place", () => {
    const en = flat(fileWords("en"));
    expect(Object.keys(en).length).toBeGreaterThan(20);
    for (const lang of LOCALES) {
      const all = flat(fileWords(lang));
      expect(Object.keys(all).sort(), lang).toEqual(Object.keys(en).sort());
      for (const [key, { text, arity }] of Object.entries(all)) {
        expect(text.trim(), `${lang} ${key}`).toBe(text);
        expect(text.length, `${lang} ${key}`).toBeGreaterThan(0);
        expect(text, `${lang} ${key}`).not.toMatch(/undefined|null|NaN|\[object|\$\{/);
        if (arity >= 1) expect(text, `${lang} ${key}`).toContain("SAMPLE");
        if (arity === 2) expect(text, `${lang} ${key}`).toContain("OTHER");
      }
    }
  });

  it("says them in French, not in English", () => {
    const en = flat(fileWords("en"));
    const fr = flat(fileWords("fr"));
    // The same in both: a file's line (📎 and its name), who shared it and when.
    const same = Object.keys(en).filter((k) => en[k].text === fr[k].text);
    expect(same.sort()).toEqual(["attachment", "sharedBy"]);
    expect(fileWords("fr").notShared("a.pdf", "trop grand")).toEqual([{ strong: "a.pdf" }, " n'a pas été partagé : trop grand"]);
  });

  it("writes sizes as file managers do, in each language", () => {
    expect(sizeText(0, "en")).toBe("0 bytes");
    expect(sizeText(1, "en")).toBe("1 byte");
    expect(sizeText(1, "fr")).toBe("1 octet");
    expect(sizeText(999, "en")).toBe("999 bytes");
    expect(sizeText(1_500, "en")).toBe("1.5 kB");
    expect(sizeText(1_500, "fr")).toBe("1,5 ko");
    expect(sizeText(100_000_000, "en")).toBe("100 MB");
    expect(sizeText(2_500_000_000, "fr")).toBe("2,5 Go");
  });
});

describe("what the UI reads of a file", () => {
  const file = { id: "0".repeat(32), name: "Q3 report.final.PDF", size: 10, mime: "application/pdf" };

  it("names a file message in one line, not a deleted one nor another kind", () => {
    expect(fileLine({ kind: { file } })).toBe("📎 Q3 report.final.PDF");
    expect(fileLine({ kind: { file }, deleted: true })).toBeNull();
    expect(fileLine({ kind: "text" })).toBeNull();
    expect(fileLine({})).toBeNull();
  });

  it("tells its type by its extension, else its media type", () => {
    expect(typeOf(file)).toBe("PDF");
    expect(typeOf({ ...file, name: "Makefile", mime: "text/plain" })).toBe("text/plain");
    expect(typeOf({ ...file, name: ".bashrc", mime: "text/plain" })).toBe("text/plain");
  });

  it("fits a thumbnail in its box at the image's shape, never enlarged", () => {
    expect(thumbnailSize({ ...file, dimensions: [4000, 3000] })).toEqual({ width: 320, height: 240 });
    expect(thumbnailSize({ ...file, dimensions: [1000, 4000] })).toEqual({ width: 80, height: 320 });
    expect(thumbnailSize({ ...file, dimensions: [100, 50] })).toEqual({ width: 100, height: 50 });
    expect(thumbnailSize(file)).toEqual({ width: 320, height: 320 });
  });

  it("takes a dropped file's name from its path on any system", () => {
    expect(baseName("/home/alice/Pictures/cat.png")).toBe("cat.png");
    expect(baseName("C:\\Users\\alice\\Desktop\\plan.pdf")).toBe("plan.pdf");
  });
});
