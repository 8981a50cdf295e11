// Shared files (#14) in a real browser: a file picked with the paperclip (through the hidden
// input, as the desktop end-to-end tests set it) goes up with its progress row and comes back as
// a card; a picture's thumbnail is drawn at its shape; files dropped from another page are
// shared, with the drop hint while they are dragged; Download says where the file went; the
// details column lists the files; the preview window shows a picture fitted to it, a text, or
// nothing. axe finds no violation, light and dark.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, expectAccessible, launch, open, openConversation, signIn } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** The 33 first bytes of a 640 x 480 PNG (the fake server reads its type and size from them). */
function png(width: number, height: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]).copy(b);
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}

const card = (name: string) => `[data-testid=message][data-kind=file]:has([data-testid=file-name]:text-is("${name}"))`;

describe("shared files", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    it(`uploads a picked file with its progress, shows the cards and the list, downloads (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, { seed: "bob:4", files: "bob" }, { colorScheme });
      try {
        await signIn(page);
        await openConversation(page, "bob");
        // Bob's picture: its thumbnail drawn (a real image), at its shape in the 320-pixel box.
        const thumb = page.locator(`${card("whiteboard.png")} img[alt="whiteboard.png"]`);
        await thumb.waitFor();
        await page.waitForFunction(() => (document.querySelector('img[alt="whiteboard.png"]') as HTMLImageElement | null)?.complete === true);
        const box = await thumb.boundingBox();
        expect(box && [Math.round(box.width), Math.round(box.height)]).toEqual([320, 240]);
        expect(await page.locator(card("contract.pdf")).textContent()).toContain("1.3 MB · PDF");

        // Held after its first report: the row shows, with its bar.
        await page.evaluate(() => {
          window.fake.holdUploads = true;
        });
        await page.setInputFiles("[data-testid=attach-input]", { name: "plan.png", mimeType: "image/png", buffer: png(400, 400) });
        const bar = page.getByRole("progressbar", { name: "Uploading plan.png" });
        await bar.waitFor();
        await page.waitForFunction(() => document.querySelector("[role=progressbar]")?.getAttribute("aria-valuenow") === "24");
        await expectAccessible(page, `an upload going (${colorScheme})`);
        await page.evaluate(() => {
          window.fake.holdUploads = false;
          window.fake.releaseUploads();
        });
        await page.locator(card("plan.png")).waitFor();
        await page.locator("[data-testid=upload]").waitFor({ state: "detached" });
        expect(await calls(page, "stageFile")).toEqual([["plan.png", 33]]);

        // The details column lists every file, newest first.
        const list = page.getByRole("region", { name: "Shared files" });
        await expect
          .poll(() => list.locator("[data-testid=shared-file] .name").allTextContents())
          .toEqual(["plan.png", "contract.pdf", "minutes.txt", "whiteboard.png"]);

        await page.locator(card("minutes.txt")).getByRole("button", { name: "Download minutes.txt" }).click();
        await expect.poll(() => page.getByTestId("message-notice").textContent()).toBe("Saved to /home/alice/Downloads/minutes.txt");
        await page.locator(card("minutes.txt")).getByRole("button", { name: "Preview minutes.txt" }).click();
        await expect.poll(() => calls(page, "openPreview")).toHaveLength(1);
        await expectAccessible(page, `file cards and the shared files (${colorScheme})`);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }

  it("shares files dropped from another page, with the hint while they are dragged over the conversation", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:3" });
    try {
      await signIn(page);
      await openConversation(page, "bob");
      const main = page.getByRole("main", { name: "Conversation" });
      const drag = await page.evaluateHandle(() => {
        const t = new DataTransfer();
        t.items.add(new File(["dropped words"], "dropped.txt", { type: "text/plain" }));
        return t;
      });
      await main.dispatchEvent("dragenter", { dataTransfer: drag });
      await page.getByTestId("drop-hint").waitFor();
      expect(await page.getByTestId("drop-hint").textContent()).toBe("Drop files to share them with Bob");
      await expectAccessible(page, "the drop hint");
      await main.dispatchEvent("drop", { dataTransfer: drag });
      await page.getByTestId("drop-hint").waitFor({ state: "detached" });
      await page.locator(card("dropped.txt")).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  for (const colorScheme of ["light", "dark"] as const) {
    it(`shows a picture fitted to the preview window, a text, or that there is no preview (${colorScheme})`, async () => {
      // Bob's conversation is 1; his files are 1 (picture), 2 (text), 3 (PDF).
      const id = (n: number) => n.toString(16).padStart(32, "0");
      const picture = await open(browser, { seed: "bob:2", files: "bob" }, { colorScheme, width: 500, height: 400, hash: `#preview=1:${id(1)}` });
      try {
        const img = picture.page.getByRole("img", { name: "whiteboard.png" });
        await img.waitFor();
        await expect(picture.page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("whiteboard.png");
        // Drawn (a real picture), and fitted: 640 x 480 in a 500 x 400 window, at its shape.
        await picture.page.waitForFunction(() => (document.querySelector("img") as HTMLImageElement | null)?.naturalWidth === 640);
        const box = await img.boundingBox();
        expect(box && box.width <= 500 && box.height <= 400 && box.width > 300).toBe(true);
        expect(box && Math.abs(box.width / box.height - 640 / 480)).toBeLessThan(0.02);
        await expectAccessible(picture.page, `a picture's preview (${colorScheme})`);
        expect(picture.errors).toEqual([]);
      } finally {
        await picture.close();
      }

      const text = await open(browser, { seed: "bob:2", files: "bob" }, { colorScheme, hash: `#preview=1:${id(2)}` });
      try {
        await text.page.getByTestId("preview-text").waitFor();
        expect(await text.page.getByTestId("preview-text").textContent()).toContain("1. Ship the files feature.");
        await expectAccessible(text.page, `a text's preview (${colorScheme})`);
      } finally {
        await text.close();
      }

      const none = await open(browser, { seed: "bob:2", files: "bob" }, { colorScheme, locale: "fr-FR", hash: `#preview=1:${id(3)}` });
      try {
        await none.page.getByTestId("no-preview").waitFor();
        expect(await none.page.getByTestId("no-preview").textContent()).toBe("Pas d'aperçu pour ce type de fichier.");
        await none.page.getByRole("button", { name: "Télécharger" }).click();
        await expect.poll(() => none.page.getByTestId("preview-notice").textContent()).toBe("Enregistré dans /home/alice/Downloads/contract.pdf");
        await expectAccessible(none.page, `no preview, in French (${colorScheme})`);
      } finally {
        await none.close();
      }
    });
  }
});
