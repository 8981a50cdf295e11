// The desktop end-to-end tests (WebDriver against the real app) find things by exactly these
// CSS selectors and attributes. This spec pins them, using plain CSS like WebDriver does.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frames, launch, open, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function one(page: Page, selector: string): Promise<void> {
  const n = await page.locator(selector).count();
  expect(n, `exactly one ${selector}`).toBe(1);
  expect(await page.locator(selector).isVisible(), `${selector} visible`).toBe(true);
}

const attr = (page: Page, selector: string, name: string) => page.locator(selector).first().getAttribute(name);

describe("selectors the end-to-end tests rely on", () => {
  it("are all there, with the agreed attributes", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:40,carol:3", unread: "carol:2", ack: "hold" });
    try {
      // Sign-in.
      await one(page, 'input[aria-label="Server"]');
      await one(page, 'input[aria-label="User name"]');
      await one(page, 'input[aria-label="Password"]');
      await page.locator('input[aria-label="User name"]').fill("alice");
      await page.locator('input[aria-label="Password"]').fill("secret");
      await page.locator("button[type=submit]", { hasText: "Sign in" }).click();
      await page.locator('aside[aria-label="Details"]').waitFor();

      // Tabs and their counts.
      await one(page, '[role=tab][data-tab="chats"]');
      await one(page, '[role=tab][data-tab="rooms"]');
      expect(await page.locator('[role=tab][data-tab="chats"] [data-testid=tab-unread]').textContent()).toBe("2");
      expect(await page.locator('[role=tab][data-tab="rooms"] [data-testid=tab-unread]').count()).toBe(0);

      // Conversation rows.
      const carol = '[data-testid=conversation][data-peer="carol"]';
      await one(page, carol);
      expect(await attr(page, carol, "data-conversation-id")).toMatch(/^\d+$/);
      expect(await page.locator(`${carol} [data-testid=unread]`).textContent()).toBe("2");
      expect(await page.locator(`${carol} [data-testid=preview]`).textContent()).toBe("Message 3 from carol");
      expect(await page.locator('[data-testid=conversation][data-peer="bob"] [data-testid=unread]').count()).toBe(0);

      // "Chat with" and its suggestions.
      await one(page, 'input[aria-label="Chat with"]');
      await page.locator('input[aria-label="Chat with"]').fill("da");
      await page.locator('[role=option][data-user="dave"]').click();
      await until(page, () => !!document.querySelector('[data-testid=conversation][data-peer="dave"]'), "dave's conversation");

      // Timeline and composer.
      await page.locator('[data-testid=conversation][data-peer="bob"]').click();
      await one(page, "[data-testid=timeline-scroller]");
      await page.locator("[data-testid=message]").first().waitFor();
      const m = page.locator('[data-testid=message][data-seq="40"]');
      expect(await m.getAttribute("data-local-id")).toMatch(/^\d+$/);
      expect(await m.getAttribute("data-sender")).toBe("bob");
      expect(await m.getAttribute("data-mine")).toBe("false");
      expect(await m.getAttribute("data-state")).toBe("sent");
      expect(await m.locator("[data-testid=message-text]").textContent()).toBe("Message 40 from bob");
      await one(page, 'textarea[aria-label="Message"]');
      await page.locator('textarea[aria-label="Message"]').fill("pending one");
      await page.locator('textarea[aria-label="Message"]').press("Enter");
      const pending = page.locator('[data-testid=message][data-mine="true"][data-state="pending"]');
      await pending.waitFor();
      expect(await pending.getAttribute("data-seq")).toBe("");
      expect(await pending.getAttribute("data-sender")).toBe("alice");

      // Ribbon.
      await page.evaluate(() => {
        document.querySelector("[data-testid=timeline-scroller]")!.scrollTop = 0;
      });
      await frames(page);
      await page.evaluate(() => window.fake.receive("bob", "ribbon please"));
      await page.locator("button[data-testid=ribbon]").waitFor();

      // Status menu.
      await one(page, 'button[aria-label="Status"]');
      await page.locator('button[aria-label="Status"]').click();
      await one(page, '[role=menu][aria-label="Status"]');
      for (const s of ["available", "away", "dnd", "offline"]) await one(page, `[role=menu] [role=menuitemradio][data-status="${s}"]`);
      await one(page, 'input[aria-label="Custom status message"]');
      await one(page, '[role=menu][aria-label="Account"]');
      for (const a of ["settings", "help", "about", "sign-out"]) await one(page, `[role=menu] [role=menuitem][data-action="${a}"]`);
      await page.keyboard.press("Escape");

      // Details column.
      await one(page, 'aside[aria-label="Details"]');
      await one(page, '[aria-label="Mute notifications"]');
      await one(page, 'aside[aria-label="Details"] button:has-text("Clear history")');
      await one(page, "[data-testid=favourite]");

      // Settings.
      await one(page, 'button[aria-label="Settings"]');
      await page.locator('button[aria-label="Settings"]').click();
      await one(page, '[role=dialog][aria-label="Settings"]');
      await one(page, 'input[type=checkbox][aria-label="Privacy mode"]');
      await one(page, 'input[type=checkbox][aria-label="Notifications"]');
      await one(page, 'input[type=number][aria-label="Auto-away minutes"]');
      await one(page, 'select[aria-label="Theme"]');
      await one(page, '[role=dialog] button:text-is("Save")');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("for guests and the lobby, as the desktop test of them uses them", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await page.locator('input[aria-label="User name"]').fill("alice");
      await page.locator('input[aria-label="Password"]').fill("secret");
      await page.locator("button[type=submit]", { hasText: "Sign in" }).click();
      await page.locator('aside[aria-label="Details"]').waitFor();
      // Bob's call, which alice moderates, with the lobby on and the meeting going on.
      const [call, standup, link] = await page.evaluate(() => {
        const id = window.fake.roomBy("bob", "Customer call", [], ["alice"]);
        window.fake.lobbyBy(id, "bob", true);
        window.fake.meetingJoins(id, "bob");
        const token = window.fake.foreignRoom("carol", "Carol's stand-up");
        const other = window.fake.idByName("Carol's stand-up") as number;
        window.fake.meetingJoins(other, "carol");
        return [id, other, `confer://join/${token}`];
      });
      await page.locator("[data-tab=rooms]").click();
      await page.locator(`[data-testid=room][data-conversation-id='${call}']`).click();
      await one(page, "[data-testid=lobby-toggle]");
      await until(page, () => document.querySelector("[data-testid=lobby-toggle]")?.getAttribute("checked") !== null, "the lobby shows as on");

      const guest = await page.evaluate((c) => window.fake.externalGuestArrives(c, "Zoe from Acme"), call);
      const row = `[data-testid=lobby-guest][data-guest-id='${guest}']`;
      await page.locator(row).first().waitFor();
      expect(await page.locator(row).first().textContent()).toContain("Zoe from Acme");
      await page.locator(`${row} [data-testid=admit-guest]`).first().click();
      await until(page, () => [...document.querySelectorAll("[data-testid=meeting-guest]")].some((e) => e.textContent?.includes("Zoe from Acme")), "Zoe among the guests");

      await one(page, "input[aria-label='Room link']");
      await page.locator("input[aria-label='Room link']").fill(link);
      await page.locator("input[aria-label='Room link']").press("Enter");
      await page.locator("[data-testid=join-as-guest]").click();
      const ongoing = `[data-testid=ongoing-meeting][data-conversation-id='${standup}']`;
      await page.locator(ongoing).waitFor();
      expect(await page.locator(ongoing).textContent()).toContain("guest");
      expect(await page.locator(`[data-testid=room][data-conversation-id='${standup}']`).count()).toBe(0);
      await page.evaluate((c) => window.fake.meetingLeaves(c, "carol"), standup);
      await page.locator(ongoing).waitFor({ state: "detached" });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
