// The fake backend is for tests only: the production bundle must not carry it.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";

async function text(dir: string): Promise<string> {
  let out = "";
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && /\.(js|html|css)$/.test(entry.name)) out += await readFile(join(entry.parentPath, entry.name), "utf8");
  }
  return out;
}

// Names only the fake has (method names survive minification).
const MARKERS = ["requestFavourite", "answerRequest", "callsOf", "conversationWith", "externalGuestArrives"];

describe("bundles", () => {
  it("the test page carries the fake backend, the production build does not", async () => {
    const test = await text(inject("testBundle"));
    const production = await text(inject("productionBundle"));
    expect(production.length).toBeGreaterThan(10_000);
    for (const m of MARKERS) {
      expect(test, `test bundle has ${m}`).toContain(m);
      expect(production, `production bundle has ${m}`).not.toContain(m);
    }
    // The production bundle is the real app: it talks to Tauri.
    expect(production).toContain("__TAURI_INTERNALS__");
  });
});
