import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, frames, launch, open, openConversation, signIn, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const SCROLLER = "[data-testid=timeline-scroller]";

/** Scrolled to the top, with the rows there drawn (the scroll event handled). */
async function atTop(page: Page) {
  await until(
    page,
    () => {
      const s = document.querySelector("[data-testid=timeline-scroller]")!;
      const box = s.getBoundingClientRect();
      const first = s.querySelector("[data-testid=message]");
      return s.scrollTop === 0 && !!first && first.getBoundingClientRect().top < box.bottom;
    },
    "the top drawn",
  );
}

/** The first message showing in the viewport, and its top on screen. */
function topMost(page: Page) {
  return page.evaluate((sel) => {
    const scroller = document.querySelector(sel)!;
    const box = scroller.getBoundingClientRect();
    const rows = [...scroller.querySelectorAll<HTMLElement>("[data-testid=message]")];
    const visible = rows.filter((r) => r.getBoundingClientRect().bottom > box.top + 1);
    const first = visible[0];
    return { seq: Number(first.dataset.seq), y: first.getBoundingClientRect().top };
  }, SCROLLER);
}

function seqs(page: Page): Promise<number[]> {
  return page.$$eval("[data-testid=message]", (els) => els.map((e) => Number((e as HTMLElement).dataset.seq)));
}

function scrollTo(page: Page, top: number | "bottom") {
  return page.evaluate(
    ([sel, t]) => {
      const s = document.querySelector(sel)!;
      s.scrollTop = t === "bottom" ? s.scrollHeight : Number(t);
    },
    [SCROLLER, String(top)] as const,
  );
}

describe("timeline", () => {
  it("pages older messages in on reaching the top without moving what is on screen, and keeps the DOM small", { timeout: 180_000 }, async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:2000" });
    try {
      await signIn(page);
      await openConversation(page, "bob");
      // Opens at the newest message.
      await until(page, () => {
        const s = document.querySelector("[data-testid=timeline-scroller]")!;
        return s.scrollHeight - s.scrollTop - s.clientHeight < 2;
      }, "the view at the bottom");
      expect(Math.max(...(await seqs(page)))).toBe(2000);
      await expect(page.locator("[role=separator]").count()).resolves.toBeGreaterThan(0);

      // Scroll to the very top: the next page is asked for (held back by the fake until the top
      // message has been measured), then drawn above; the top message stays where it was.
      const pageUp = async (): Promise<number> => {
        const asked = (await calls(page, "history")).length;
        await page.evaluate(() => {
          window.fake.holdHistory = true;
        });
        await scrollTo(page, 0);
        await atTop(page);
        if ((await seqs(page)).includes(1)) {
          // Nothing older: nothing is asked for.
          await page.evaluate(() => window.fake.releaseHistory());
          expect((await calls(page, "history")).length).toBe(asked);
          return 1;
        }
        await until(page, `window.fake.callsOf("history").length > ${asked}`, "an older page asked for");
        const top = await topMost(page);
        await page.evaluate(() => window.fake.releaseHistory());
        await until(
          page,
          `Math.min(...[...document.querySelectorAll("[data-testid=message]")].map(e => Number(e.dataset.seq))) < ${top.seq}`,
          `messages before ${top.seq} drawn`,
        );
        await until(page, () => !document.querySelector(".loading")?.textContent, "loading over");
        await frames(page, 2);
        const y = await page.evaluate(
          (seq) => document.querySelector(`[data-testid=message][data-seq="${seq}"]`)?.getBoundingClientRect().top ?? null,
          top.seq,
        );
        expect(y === null ? null : Math.abs(y - top.y), `message ${top.seq} moved`).toBeLessThanOrEqual(2);
        return top.seq;
      };
      expect(await pageUp()).toBe(2000 - 75 + 1);

      // Keep paging up to the first message, every page anchored; the DOM holds only a window.
      let rounds = 1;
      while ((await pageUp()) !== 1) expect(++rounds).toBeLessThan(40);
      expect(rounds).toBe(Math.ceil((2000 - 75) / 75)); // after the first page: 25 of 75 and one of 50
      await scrollTo(page, 0);
      await until(page, `[...document.querySelectorAll("[data-testid=message]")].some(e => e.dataset.seq === "1")`, "the first message");
      const loaded = await page.evaluate(() => window.fake.callsOf("history").length);
      expect(loaded).toBeGreaterThanOrEqual(2000 / 75);
      const nodes = await page.locator("[data-testid=message]").count();
      expect(nodes).toBeGreaterThan(5);
      expect(nodes).toBeLessThan(200); // of 2000 loaded

      // Scrolling back to the bottom shows the newest again, still a small window.
      await scrollTo(page, "bottom");
      await until(page, `[...document.querySelectorAll("[data-testid=message]")].some(e => e.dataset.seq === "2000")`, "the newest message again");
      expect(await page.locator("[data-testid=message]").count()).toBeLessThan(200);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("shows a ribbon for a message arriving while scrolled up; it is not read until seen", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:300" });
    try {
      await signIn(page);
      await openConversation(page, "bob");
      await page.waitForTimeout(200);

      // At the bottom: arrives in view, no ribbon, and is marked read at once.
      let seq = await page.evaluate(() => window.fake.receive("bob", "At the bottom"));
      await page.locator(`[data-testid=message][data-seq="${seq}"]`).waitFor();
      await until(page, `window.fake.callsOf("markRead").some(a => a[1] === ${seq})`, "the visible message marked read");
      expect(await page.locator("[data-testid=ribbon]").count()).toBe(0);

      // Scrolled up: a ribbon with author and first words; the list counts it unread.
      await scrollTo(page, 1000);
      await frames(page);
      seq = await page.evaluate(() =>
        window.fake.receive("bob", "Did you see the quarterly numbers that finance sent round this morning?"),
      );
      const ribbon = page.locator("[data-testid=ribbon]");
      await ribbon.waitFor();
      await expect(ribbon.textContent()).resolves.toContain("Bob");
      await expect(ribbon.textContent()).resolves.toContain("Did you see the quarterly numbers");
      await expect(ribbon.evaluate((e) => e.tagName)).resolves.toBe("BUTTON");
      await page.locator('[data-testid=conversation][data-peer="bob"] [data-testid=unread]').waitFor();
      await expect(page.locator('[data-testid=conversation][data-peer="bob"] [data-testid=unread]').textContent()).resolves.toBe("1");
      await page.waitForTimeout(300);
      expect((await calls(page, "markRead")).some((a) => a[1] === seq)).toBe(false);

      // Enter on the ribbon: to the bottom, ribbon gone, now seen and read.
      await ribbon.focus();
      await page.keyboard.press("Enter");
      await until(page, () => !document.querySelector("[data-testid=ribbon]"), "the ribbon gone");
      await until(page, () => {
        const s = document.querySelector("[data-testid=timeline-scroller]")!;
        return s.scrollHeight - s.scrollTop - s.clientHeight < 2;
      }, "the view at the bottom");
      await until(page, `window.fake.callsOf("markRead").some(a => a[1] === ${seq})`, "the message marked read once seen");
      await until(page, () => !document.querySelector('[data-testid=conversation][data-peer="bob"] [data-testid=unread]'), "the unread badge gone");

      // Clicking works the same.
      await scrollTo(page, 500);
      await frames(page);
      await page.evaluate(() => window.fake.receive("bob", "again"));
      await ribbon.click();
      await until(page, () => !document.querySelector("[data-testid=ribbon]"), "the ribbon gone after a click");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
