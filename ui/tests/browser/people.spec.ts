// The People tab and the avatar menu in real Chromium: the directory paged as it scrolls, the
// "Show offline users" toggle, opening a chat from it; About, Help, Settings and Sign out.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, expectAccessible, frames, launch, open, signIn, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const users = (page: Page) =>
  page.locator("[data-testid=person]").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.user ?? ""));

describe("People", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    it(`lists favourites then the directory, pages it, shows offline users on demand, opens a chat (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, { people: "300" }, { colorScheme });
      try {
        await signIn(page);
        await page.evaluate(() => window.fake.answerRequest("carol", true));
        await page.getByRole("tab", { name: "People" }).click();
        await page.locator('[data-testid=person][data-user="dave"]').waitFor();
        // Offline users are left out at first: nobody of the 300 is online.
        expect(await users(page)).toEqual(["carol", "bob", "dave"]);
        expect((await calls(page, "directory"))[0]).toEqual(["", null, true]);
        await expect(page.getByRole("heading", { name: "Favourites" }).count()).resolves.toBe(1);
        await until(page, () => window.fake.watched.includes("bob") && window.fake.watched.includes("dave"), "the rows on screen watched");
        await expectAccessible(page, `People tab (${colorScheme})`);

        const toggle = page.getByRole("switch", { name: "Show offline users" });
        await toggle.check();
        await page.locator('[data-testid=person][data-user="erin"]').waitFor();
        expect((await calls(page, "directory")).at(-1)).toEqual(["", null, false]);
        const erin = page.locator('[data-testid=person][data-user="erin"]');
        await expect(erin.getAttribute("data-status")).resolves.toBe("offline");
        await expect(erin.evaluate((e) => e.classList.contains("offline"))).resolves.toBe(true);
        // Greyed: the name in the muted colour, unlike an online row's.
        const colour = (user: string) =>
          page.locator(`[data-testid=person][data-user="${user}"] .name`).evaluate((e) => getComputedStyle(e).color);
        expect(await colour("erin")).not.toBe(await colour("bob"));
        await expectAccessible(page, `People tab with offline users (${colorScheme})`);
        await page.screenshot({ path: `/tmp/confer-people-${colorScheme}.png` });

        // Scrolled to the end: the next page comes; the DOM keeps only the rows around the viewport.
        const scroller = page.getByTestId("people-scroller");
        const asked = (await calls(page, "directory")).length;
        await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
        await until(page, `window.fake.callsOf("directory").length > ${asked}`, "the second page");
        expect((await calls(page, "directory")).at(-1)).toEqual(["", "person0095", false]);
        await frames(page);
        await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
        await page.locator('[data-testid=person][data-user="person0195"]').waitFor();
        expect(await page.locator("[data-testid=person]").count()).toBeLessThan(60);
        await until(page, () => window.fake.watched.includes("person0195") && !window.fake.watched.includes("bob"), "the rows on screen watched, not the ones scrolled past");
        expect(await page.evaluate(() => window.fake.watched.length)).toBeLessThan(30);

        // The filter asks the server; Enter on a row opens the chat on the Chats tab.
        await page.getByRole("searchbox", { name: "Filter people" }).fill("person012");
        await until(page, () => document.querySelectorAll("[data-testid=person]").length === 10, "ten matches");
        expect((await calls(page, "directory")).at(-1)).toEqual(["person012", null, false]);
        await page.locator('[data-testid=person][data-user="person0120"]').focus();
        await page.keyboard.press("ArrowDown");
        await page.keyboard.press("ArrowDown");
        await page.keyboard.press("Enter");
        // Named by the display name the directory gives (the fake's: the name capitalised).
        await until(page, () => document.querySelector("main h1")?.textContent === "Person0122", "the chat open");
        await expect(page.locator("[role=tab][data-tab=chats]").getAttribute("aria-selected")).resolves.toBe("true");
        expect(await calls(page, "openDirect")).toEqual([["person0122"]]);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }
});

describe("Avatar menu", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    it(`About, Help, Settings and Sign out (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, { seed: "bob:3" }, { colorScheme });
      try {
        await signIn(page);
        const status = page.getByRole("button", { name: "Status", exact: true });
        await status.click();
        await page.locator("[role=menu][aria-label=Account]").waitFor();
        await expectAccessible(page, `avatar menu (${colorScheme})`);
        await page.screenshot({ path: `/tmp/confer-avatar-menu-${colorScheme}.png` });

        // By keyboard: Tab from the custom message into the account menu, arrows to About.
        await page.getByLabel("Custom status message").focus();
        await page.keyboard.press("Tab");
        await page.keyboard.press("ArrowDown");
        await page.keyboard.press("ArrowDown");
        await page.keyboard.press("Enter");
        const about = page.getByRole("dialog", { name: "About Confer" });
        await about.getByTestId("about-server").waitFor();
        await expect(about.getByTestId("about-app-version").textContent()).resolves.toBe("0.1.0");
        await expect(about.getByTestId("about-licence").textContent()).resolves.toBe("Apache-2.0");
        await expect(about.getByTestId("about-server").textContent()).resolves.toBe("ws://127.0.0.1:7300");
        await expect(about.getByTestId("about-server-version").textContent()).resolves.toBe("unknown");
        await expectAccessible(page, `About dialog (${colorScheme})`);
        await page.screenshot({ path: `/tmp/confer-about-${colorScheme}.png` });
        await page.keyboard.press("Escape");
        await until(page, () => !document.querySelector("[role=dialog]"), "About closed");
        expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Status");

        await status.click();
        await page.getByRole("menuitem", { name: "Help" }).click();
        await until(page, () => window.fake.callsOf("openHelp").length === 1, "the user guide opened");

        await status.click();
        await page.getByRole("menuitem", { name: "Settings" }).click();
        await page.getByRole("dialog", { name: "Settings" }).waitFor();
        await page.keyboard.press("Escape");
        await until(page, () => !document.querySelector("[role=dialog]"), "Settings closed");

        await status.click();
        await page.getByRole("menuitem", { name: "Sign out" }).click();
        await page.getByRole("heading", { name: "Sign in to Confer" }).waitFor();
        expect(await calls(page, "signOut")).toEqual([[]]);
        await expectAccessible(page, `sign-in after signing out (${colorScheme})`);
        // And back in.
        await signIn(page);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }
});
