import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { expectAccessible, launch, open, openConversation, signIn } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe("axe-core: no serious or critical violations", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    it(`on the sign-in screen, the three columns, the status menu and the settings dialog (${colorScheme})`, async () => {
      const { page, close } = await open(browser, { seed: "bob:40,carol:4", unread: "carol:2" }, { colorScheme });
      try {
        await expectAccessible(page, `sign-in (${colorScheme})`);
        await signIn(page);
        await page.evaluate(() => window.fake.requestFavourite("erin"));
        await openConversation(page, "bob");
        await page.locator("[data-testid=request]").waitFor();
        await expectAccessible(page, `three columns (${colorScheme})`);

        await page.getByRole("button", { name: "Status", exact: true }).click();
        await page.locator("[role=menu]").waitFor();
        await expectAccessible(page, `status menu (${colorScheme})`);
        await page.keyboard.press("Escape");

        await page.getByRole("button", { name: "Settings" }).click();
        await page.locator("[role=dialog]").waitFor();
        await expectAccessible(page, `settings dialog (${colorScheme})`);
      } finally {
        await close();
      }
    });
  }
});
