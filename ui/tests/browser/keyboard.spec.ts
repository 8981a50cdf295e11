import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, launch, open, signIn, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const active = (page: Page, attr: string) =>
  page.evaluate((a) => (document.activeElement as HTMLElement | null)?.getAttribute(a) ?? null, attr);

describe("keyboard", () => {
  it("status menu: opens with Enter, arrows move, Enter chooses, Escape closes", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:3" });
    try {
      await signIn(page);
      // The header names the user by display name; the account name is its tooltip and is read
      // after it (#13).
      const me = page.locator("[data-testid=my-name]");
      await expect.poll(() => me.evaluate((el) => el.firstChild?.textContent)).toBe("Alice");
      await expect(me.getAttribute("title")).resolves.toBe("@alice");
      await expect(me.textContent()).resolves.toBe("Alice @alice");
      const button = page.getByRole("button", { name: "Status", exact: true });
      await button.focus();
      await page.keyboard.press("Enter");
      const menu = page.locator("#status-menu");
      await menu.waitFor();
      await expect(button.getAttribute("aria-expanded")).resolves.toBe("true");
      expect(await active(page, "data-status")).toBe("available");
      await page.keyboard.press("ArrowDown");
      expect(await active(page, "data-status")).toBe("away");
      await page.keyboard.press("ArrowDown");
      expect(await active(page, "data-status")).toBe("dnd");
      await page.keyboard.press("ArrowUp");
      await page.keyboard.press("ArrowUp");
      await page.keyboard.press("ArrowUp");
      expect(await active(page, "data-status")).toBe("offline");
      await page.keyboard.press("Escape");
      await until(page, () => !document.querySelector("[role=menu]"), "the menu closed");
      expect(await active(page, "aria-label")).toBe("Status");
      expect(await calls(page, "setStatus")).toEqual([]);

      // Choose Do not disturb with a custom message typed first.
      await page.keyboard.press("ArrowDown");
      await menu.waitFor();
      await page.keyboard.press("Tab");
      expect(await active(page, "aria-label")).toBe("Custom status message");
      await page.keyboard.type("Writing the report");
      await page.keyboard.press("Shift+Tab");
      expect(await active(page, "role")).toBe("menuitemradio");
      await page.keyboard.press("End");
      await page.keyboard.press("ArrowUp");
      expect(await active(page, "data-status")).toBe("dnd");
      await page.keyboard.press("Enter");
      await until(page, () => !document.querySelector("[role=menu]"), "closed after choosing");
      expect(await calls(page, "setStatus")).toEqual([["dnd", "Writing the report"]]);
      expect(await active(page, "aria-label")).toBe("Status");
      await expect(page.locator("#my-status").textContent()).resolves.toContain("Do not disturb · Writing the report");
      await page.keyboard.press("Enter");
      await menu.waitFor();
      await expect(page.locator('[role=menuitemradio][data-status="dnd"]').getAttribute("aria-checked")).resolves.toBe("true");
      await page.keyboard.press("Escape");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("tabs follow the arrow keys; the conversation list moves with arrows and opens with Enter", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:3,carol:3,dave:3" });
    try {
      await signIn(page);
      const chats = page.locator("[role=tab][data-tab=chats]");
      await chats.focus();
      await page.keyboard.press("ArrowRight");
      expect(await active(page, "data-tab")).toBe("rooms");
      await expect(page.locator("[role=tab][data-tab=rooms]").getAttribute("aria-selected")).resolves.toBe("true");
      await expect(page.locator("[role=tabpanel]").textContent()).resolves.toContain("No virtual rooms yet");
      await page.keyboard.press("ArrowRight");
      expect(await active(page, "data-tab")).toBe("people");
      await page.locator("[data-testid=person]").first().waitFor();
      await page.keyboard.press("ArrowRight"); // wraps
      expect(await active(page, "data-tab")).toBe("chats");
      await page.keyboard.press("ArrowLeft"); // wraps back
      expect(await active(page, "data-tab")).toBe("people");
      await page.keyboard.press("Home");
      expect(await active(page, "data-tab")).toBe("chats");
      await page.keyboard.press("End");
      expect(await active(page, "data-tab")).toBe("people");
      await page.keyboard.press("Home");
      expect(await active(page, "data-tab")).toBe("chats");

      // Into the list: one Tab stop (past "New group"), arrows between rows, Enter opens.
      await page.keyboard.press("Tab");
      expect(await active(page, "data-testid")).toBe("create-group");
      await page.keyboard.press("Tab");
      const order = await page.locator("[data-testid=conversation]").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.peer));
      expect(await active(page, "data-peer")).toBe(order[0]);
      await page.keyboard.press("ArrowDown");
      expect(await active(page, "data-peer")).toBe(order[1]);
      await page.keyboard.press("End");
      expect(await active(page, "data-peer")).toBe(order[2]);
      await page.keyboard.press("Enter");
      // The header names a person by display name: the row says which conversation is open.
      const isOpen = (peer: string) => `document.querySelector('[data-testid=conversation][data-peer=${JSON.stringify(peer)}]')?.getAttribute("aria-current") === "true"`;
      await until(page, isOpen(order[2]!), "the conversation open");
      await page.keyboard.press("ArrowUp");
      await page.keyboard.press(" ");
      await until(page, isOpen(order[1]!), "the next one open");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("details actions by keyboard: mute, clear history with its confirmation, favourites and requests", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:6" });
    try {
      await signIn(page);
      await page.locator('[data-testid=conversation][data-peer="bob"]').press("Enter");
      await page.locator("[data-testid=message]").first().waitFor();

      const mute = page.getByRole("switch", { name: "Mute notifications" });
      await mute.focus();
      await page.keyboard.press("Space");
      await until(page, `window.fake.callsOf("setMuted").length === 1`, "muted");
      expect(await calls(page, "setMuted")).toEqual([[1, true]]);
      await expect(mute.isChecked()).resolves.toBe(true);
      // A pointer click lands on the switch itself (nothing drawn over it).
      await mute.click();
      await until(page, `window.fake.callsOf("setMuted").length === 2`, "unmuted by a click");
      expect((await calls(page, "setMuted"))[1]).toEqual([1, false]);
      await expect(mute.isChecked()).resolves.toBe(false);

      const favourite = page.locator("[data-testid=favourite]");
      await favourite.focus();
      await page.keyboard.press("Enter");
      await until(page, () => document.querySelector("[data-testid=favourite]")?.textContent?.includes("Request pending") ?? false, "request pending");
      await page.evaluate(() => window.fake.answerRequest("bob", true));
      await until(page, () => document.querySelector("[data-testid=favourite]")?.textContent?.includes("Remove from favourites") ?? false, "a favourite");

      await page.getByRole("button", { name: "Clear history" }).focus();
      await page.keyboard.press("Enter");
      expect(await active(page, "data-testid")).toBe("confirm-clear");
      expect(await calls(page, "clearHistory")).toEqual([]);
      await page.keyboard.press("Enter");
      await until(page, () => document.querySelectorAll("[data-testid=message]").length === 0, "the timeline empty");
      expect(await calls(page, "clearHistory")).toEqual([[1]]);
      await expect(page.getByText("No messages yet").count()).resolves.toBe(1);

      // A request from erin shows in the sidebar; Accept by keyboard.
      await page.evaluate(() => window.fake.requestFavourite("erin"));
      const request = page.locator('[data-testid=request][data-user="erin"]');
      await request.waitFor();
      await request.getByRole("button", { name: "Accept" }).focus();
      await page.keyboard.press("Enter");
      await until(page, () => !document.querySelector("[data-testid=request]"), "the request answered");
      expect(await calls(page, "answerSubscription")).toEqual([["erin", true]]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
