import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, launch, open, signIn } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe("sign-in", () => {
  it("refuses a wrong password, then signs in to three columns", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:5,carol:2" });
    try {
      await expect(page.getByLabel("Server").inputValue()).resolves.toBe("ws://127.0.0.1:7300");
      await expectAccessible(page, "sign-in screen");

      await page.getByLabel("User name").fill("alice");
      await page.getByLabel("Password").fill("wrong");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("alert").textContent()).resolves.toContain("Wrong user name or password");

      await signIn(page);
      const nav = await page.locator("nav[aria-label=Conversations]").boundingBox();
      const main = await page.locator("main[aria-label=Conversation]").boundingBox();
      const aside = await page.locator("aside[aria-label=Details]").boundingBox();
      expect(nav?.width).toBe(300);
      expect(aside?.width).toBe(280);
      expect(main!.x).toBe(300);
      expect(main!.width).toBe(1280 - 300 - 280);
      await expect(page.locator("[data-testid=conversation]").count()).resolves.toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
