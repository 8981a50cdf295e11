// The timeline's messages and the composer as a person sees them: few messages sit at the
// bottom, the box grows with its text, and axe finds no violation in what #13 added
// (Markdown, the New messages line, new messages, the ribbon's count, the emoji picker).
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, frames, launch, open, openConversation, signIn, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const SCROLLER = "[data-testid=timeline-scroller]";

function boxHeight(page: Page): Promise<number> {
  return page.locator('textarea[aria-label="Message"]').evaluate((e) => e.getBoundingClientRect().height);
}

describe("messages and composer", () => {
  it("keeps a few messages at the bottom of the pane, not floating at its top", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:2" });
    try {
      await signIn(page);
      await openConversation(page, "bob");
      await frames(page);
      const place = await page.evaluate((sel) => {
        const s = document.querySelector(sel)!.getBoundingClientRect();
        const rows = [...document.querySelectorAll("[data-testid=message]")].map((m) => m.getBoundingClientRect());
        return { top: rows[0].top - s.top, bottom: s.bottom - rows[rows.length - 1].bottom, height: s.height };
      }, SCROLLER);
      expect(place.height).toBeGreaterThan(300);
      expect(place.bottom).toBeLessThan(40);
      expect(place.top).toBeGreaterThan(place.height / 2);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("grows the message box with its text up to eight lines, then scrolls it; sending shrinks it back", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:3" });
    try {
      await signIn(page);
      await openConversation(page, "bob");
      const box = page.getByLabel("Message", { exact: true });
      const one = await boxHeight(page);
      await box.click();
      await page.keyboard.type("one");
      for (const word of ["two", "three"]) {
        await page.keyboard.press("Shift+Enter");
        await page.keyboard.type(word);
      }
      const three = await boxHeight(page);
      expect(three).toBeGreaterThan(one * 1.8);
      for (let i = 4; i <= 14; i++) {
        await page.keyboard.press("Shift+Enter");
        await page.keyboard.type(`line ${i}`);
      }
      const most = await boxHeight(page);
      const line = await box.evaluate((e) => parseFloat(getComputedStyle(e).lineHeight));
      expect(most).toBeGreaterThan(line * 7.5);
      expect(most).toBeLessThan(line * 9.5);
      await expect(box.evaluate((e) => [e.scrollHeight > e.clientHeight + 1, getComputedStyle(e).overflowY])).resolves.toEqual([true, "auto"]);
      // The Send button sends it all; the box is one line again.
      await page.getByRole("button", { name: "Send", exact: true }).click();
      await until(page, () => document.querySelectorAll("[data-testid=message]").length === 4, "the message sent");
      await expect(box.inputValue()).resolves.toBe("");
      expect(Math.abs((await boxHeight(page)) - one)).toBeLessThan(2);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  for (const colorScheme of ["light", "dark"] as const) {
    it(`passes axe with Markdown, the New messages line, new messages, the ribbon's count and the emoji picker (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, { seed: "bob:40,carol:12", unread: "carol:3" }, { colorScheme });
      try {
        await signIn(page);
        await openConversation(page, "carol");
        await page.locator("[data-testid=new-messages]").waitFor();
        await page.evaluate(() =>
          window.fake.receive(
            "carol",
            "Here is **bold**, *italic*, `code` and https://example.com/docs :tada:\n- one\n- two\n1. first\n> a quote with a [link](javascript:alert(1))\n```\nsome code\n```",
          ),
        );
        await page.locator("[data-testid=message] a[href='https://example.com/docs']").waitFor();
        expect(await page.locator("[data-testid=message] a").count()).toBe(1);
        expect(await page.locator("[data-testid=message][data-fresh=true]").count()).toBe(4);
        await expectAccessible(page, `timeline with new messages (${colorScheme})`);

        // Scrolled up: the jump button, then the ribbon with its count.
        await page.evaluate((sel) => {
          document.querySelector(sel)!.scrollTop = 0;
        }, SCROLLER);
        await page.locator("[data-testid=jump-bottom]").waitFor();
        await page.evaluate(() => {
          window.fake.receive("carol", "are you there?");
          window.fake.receive("carol", "hello?");
        });
        await until(page, () => document.querySelector("[data-testid=ribbon-count]")?.textContent === "2 new messages", "the ribbon's count");
        await expectAccessible(page, `ribbon with its count (${colorScheme})`);

        await page.getByRole("button", { name: "Insert emoji" }).click();
        await page.locator("[data-testid=emoji-picker]").waitFor();
        await expectAccessible(page, `emoji picker (${colorScheme})`);
        await page.keyboard.press("ArrowRight");
        await page.keyboard.press("Enter");
        await expect(page.getByLabel("Message", { exact: true }).inputValue()).resolves.toBe("😀");
        await expect(page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).resolves.toBe("Message");
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }
});
