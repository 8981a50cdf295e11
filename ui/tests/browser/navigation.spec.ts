// Getting around: the conversation tabs above the timeline (each keeps its place and its draft),
// the columns that can be hidden, the window's minimum size (760×480, tauri.conf.json), the quick
// switcher, the conversations' menus and the connection banner; axe in the light and dark themes.
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
const MIN = { width: 760, height: 480 };

/** Nothing sticks out of the window sideways, and the box is inside it. */
async function fits(page: Page, what: string) {
  const out = await page.evaluate(() => {
    const wide = document.documentElement.scrollWidth > window.innerWidth || document.body.scrollWidth > window.innerWidth;
    const outside = [
      "[data-testid=timeline-scroller]",
      "textarea[aria-label=Message]",
      "[data-testid=open-switcher]",
      "[data-testid=toggle-list]",
      "[data-testid=toggle-details]",
    ].filter((sel) => {
      const el = document.querySelector(sel);
      if (!el) return false;
      const r = el.getBoundingClientRect();
      return r.left < 0 || r.right > window.innerWidth + 0.5 || r.bottom > window.innerHeight + 0.5 || r.width < 16;
    });
    return { wide, outside };
  });
  expect(out, what).toEqual({ wide: false, outside: [] });
}

/** The first message showing in the timeline's viewport, and how far below its top. */
function topMost(page: Page) {
  return page.evaluate((sel) => {
    const scroller = document.querySelector(sel)!;
    const box = scroller.getBoundingClientRect();
    const rows = [...scroller.querySelectorAll<HTMLElement>("[data-testid=message]")];
    const first = rows.find((r) => r.getBoundingClientRect().bottom > box.top + 1)!;
    return { seq: Number(first.dataset.seq), y: Math.round(first.getBoundingClientRect().top - box.top) };
  }, SCROLLER);
}

const tab = (page: Page, name: string) =>
  page.getByRole("navigation", { name: "Open conversations" }).getByRole("button", { name, exact: true });

describe("navigation", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    it(`holds at the minimum window size with tabs, a menu, the switcher and the columns hidden (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, { seed: "bob:40,carol:4,dave:2", unread: "carol:2" }, { ...MIN, colorScheme });
      try {
        await signIn(page);
        await page.evaluate(async () => {
          await window.fake.addFavourite("dave");
          window.fake.answerRequest("dave", true);
        });
        await openConversation(page, "bob");
        await openConversation(page, "carol");
        await page.locator("[data-testid=conversation-tab]").nth(1).waitFor();
        await fits(page, "two tabs open");
        // The active tab is in sight.
        const active = await page.locator("[data-testid=conversation-tab] [aria-current=page]").boundingBox();
        const strip = await page.getByRole("navigation", { name: "Open conversations" }).boundingBox();
        expect(active!.x + active!.width).toBeLessThanOrEqual(strip!.x + strip!.width + 1);
        await expectAccessible(page, `two tabs at 760×480 (${colorScheme})`);

        await page.locator('[data-testid=conversation][data-peer="carol"]').click({ button: "right" });
        await page.getByRole("menu", { name: "Actions for Carol" }).waitFor();
        const menu = await page.getByRole("menu", { name: "Actions for Carol" }).boundingBox();
        expect(menu!.y + menu!.height).toBeLessThanOrEqual(MIN.height);
        await expectAccessible(page, `a conversation's menu (${colorScheme})`);
        await page.keyboard.press("Escape");

        await page.keyboard.press("Control+k");
        await page.getByRole("dialog", { name: "Go to" }).waitFor();
        await page.keyboard.type("o");
        await page.locator("[role=option]").first().waitFor();
        await expectAccessible(page, `the quick switcher (${colorScheme})`);
        await page.keyboard.press("Escape");

        await page.getByTestId("toggle-details").click();
        await page.getByTestId("toggle-list").click();
        await until(page, () => !document.querySelector("aside[aria-label=Details]") && !document.querySelector("#sidebar"), "the columns hidden");
        const wide = await page.locator(SCROLLER).boundingBox();
        expect(wide!.width).toBeGreaterThan(700);
        await fits(page, "columns hidden");
        await expectAccessible(page, `columns hidden (${colorScheme})`);
        // Remembered: a reload keeps them hidden.
        await page.reload();
        await signIn(page).catch(() => {});
        await page.locator("[data-testid=toggle-list]").waitFor();
        expect(await page.locator("#sidebar").count()).toBe(0);
        expect(await page.getByTestId("toggle-list").getAttribute("aria-expanded")).toBe("false");
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }

  it("keeps a row's … off its time and its unread count, in Chats and in Virtual Rooms", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:3,carol:3", unread: "carol:2" }, MIN);
    try {
      await signIn(page);
      const room = await page.evaluate(() => {
        const id = window.fake.roomBy("bob", "Weekly planning with everyone", ["alice"]);
        window.fake.post(id, "bob", "Agenda is up");
        return id;
      });
      /** What the shown "…" of a row crosses among its time and unread count. */
      const covered = (row: string) =>
        page.evaluate((sel) => {
          const item = document.querySelector(sel)!.closest("li")!;
          const more = item.querySelector(".more")!;
          if (getComputedStyle(more).opacity !== "1") return ["… not shown"];
          const b = more.getBoundingClientRect();
          return [...item.querySelectorAll("time, [data-testid=unread]")]
            .filter((e) => {
              const r = e.getBoundingClientRect();
              return b.left < r.right && r.left < b.right && b.top < r.bottom && r.top < b.bottom;
            })
            .map((e) => e.tagName.toLowerCase());
        }, row);
      const carol = '[data-testid=conversation][data-peer="carol"]';
      await page.locator(carol).hover();
      await until(page, () => getComputedStyle(document.querySelector('[data-peer="carol"]')!.closest("li")!.querySelector(".more")!).opacity === "1", "… on hover");
      expect(await covered(carol)).toEqual([]);
      // Focused, as the row just clicked is: its "…" shows without the pointer.
      await openConversation(page, "bob");
      await page.mouse.move(600, 300);
      await page.locator('[data-testid=conversation][data-peer="bob"]').focus();
      expect(await covered('[data-testid=conversation][data-peer="bob"]')).toEqual([]);

      await page.getByRole("tab", { name: /Virtual Rooms/ }).click();
      const roomRow = `[data-testid=room][data-conversation-id="${room}"]`;
      await page.locator(roomRow).hover();
      await until(page, () => getComputedStyle(document.querySelector("[data-testid=room]")!.closest("li")!.querySelector(".more")!).opacity === "1", "the room's … on hover");
      expect(await covered(roomRow)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("keeps each tab's place in its timeline and its draft", { timeout: 120_000 }, async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:600,carol:50" });
    try {
      await signIn(page);
      await openConversation(page, "bob");
      await until(page, () => {
        const s = document.querySelector("[data-testid=timeline-scroller]")!;
        return s.scrollHeight - s.scrollTop - s.clientHeight < 2;
      }, "bob at the bottom");
      // Up a few screens, and a draft.
      await page.evaluate((sel) => {
        const s = document.querySelector(sel)!;
        s.scrollTop = s.scrollHeight - s.clientHeight - 2500;
      }, SCROLLER);
      await frames(page, 4);
      await page.waitForTimeout(200);
      const before = await topMost(page);
      expect(before.seq).toBeLessThan(590);
      await page.locator("textarea[aria-label=Message]").fill("to bob, later");
      await page.waitForTimeout(500);

      await page.locator('[data-testid=conversation][data-peer="carol"]').click();
      await until(page, () => !!document.querySelector('[data-testid=message][data-seq="50"]'), "carol's newest");
      expect(await page.locator("textarea[aria-label=Message]").inputValue()).toBe("");

      await tab(page, "Bob").click();
      await until(page, () => !!document.querySelector('[data-testid=message][data-sender="bob"]'), "bob's messages");
      await frames(page, 4);
      await page.waitForTimeout(300);
      const after = await topMost(page);
      expect(after.seq).toBe(before.seq);
      expect(Math.abs(after.y - before.y)).toBeLessThanOrEqual(2);
      expect(await page.locator("textarea[aria-label=Message]").inputValue()).toBe("to bob, later");

      // Carol's tab was at the bottom, and is again.
      await tab(page, "Carol").click();
      await until(page, () => {
        const s = document.querySelector("[data-testid=timeline-scroller]")!;
        return !!s.querySelector('[data-seq="50"]') && s.scrollHeight - s.scrollTop - s.clientHeight < 2;
      }, "carol at the bottom");

      // Closing the active tab with a middle click shows its neighbour.
      await page.locator("[data-testid=conversation-tab]").nth(1).click({ button: "middle" });
      await until(page, () => document.querySelectorAll("[data-testid=conversation-tab]").length === 1, "one tab left");
      expect(await tab(page, "Bob").getAttribute("aria-current")).toBe("page");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  for (const colorScheme of ["light", "dark"] as const) {
    it(`shows the connection banner in words at the minimum size, and signs in again (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, { seed: "bob:5" }, { ...MIN, colorScheme });
      try {
        await signIn(page);
        await openConversation(page, "bob");
        await page.evaluate(() => window.fake.connection("offline"));
        const banner = page.getByTestId("connection-banner");
        await banner.waitFor();
        expect(await banner.textContent()).toContain("Offline: the server cannot be reached.");
        await fits(page, "offline banner");
        await expectAccessible(page, `offline banner (${colorScheme})`);

        await page.evaluate(() => window.fake.connection("connecting"));
        await until(page, () => document.querySelector("[data-testid=connection-banner]")?.getAttribute("data-state") === "connecting", "reconnecting");

        await page.evaluate(() => window.fake.connection("auth_failed"));
        await page.getByRole("alert").filter({ hasText: "You are signed out" }).waitFor();
        expect(await page.locator("body").textContent()).not.toContain("auth_failed");
        await fits(page, "signed-out banner");
        await expectAccessible(page, `signed-out banner (${colorScheme})`);
        await page.getByRole("button", { name: "Sign in again" }).click();
        await page.getByRole("heading", { name: "Sign in to Confer" }).waitFor();
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }
});
