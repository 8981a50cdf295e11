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

/** What has keyboard focus: its accessible label or text. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el?.getAttribute("aria-label") ?? el?.textContent?.trim() ?? "";
  });
}

async function tabTo(page: Page, label: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if ((await focused(page)) === label) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${label}; focus is on ${await focused(page)}`);
}

const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

describe("settings", () => {
  it("works from the keyboard alone: open, trap focus, refuse bad input, save, Escape", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:5" });
    try {
      await signIn(page);
      const light = await background(page);
      expect(light).toBe("rgb(255, 255, 255)");

      await tabTo(page, "Settings");
      await page.keyboard.press("Enter");
      const dialog = page.locator("[role=dialog][aria-label=Settings]");
      await dialog.waitFor();
      await expect(dialog.getAttribute("aria-modal")).resolves.toBe("true");
      expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);

      // Tab and Shift+Tab never leave the dialog.
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press("Tab");
        expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
      }
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press("Shift+Tab");
        expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
      }

      // Escape closes and gives focus back to the Settings button.
      await page.keyboard.press("Escape");
      await until(page, () => !document.querySelector("[role=dialog]"), "the dialog closed");
      expect(await focused(page)).toBe("Settings");

      // Again: a bad number is refused with an error and not saved.
      await page.keyboard.press("Enter");
      await dialog.waitFor();
      await tabTo(page, "Auto-away minutes");
      await page.keyboard.press("Control+A");
      await page.keyboard.type("5000");
      await page.keyboard.press("Enter");
      const alert = dialog.getByRole("alert");
      await alert.waitFor();
      await expect(alert.textContent()).resolves.toContain("0 (off) to 1440");
      expect(await calls(page, "setSettings")).toEqual([]);
      expect(await focused(page)).toBe("Auto-away minutes");

      // Fixed, privacy on with Space, theme Dark by typing, saved with Enter on Save.
      await page.keyboard.press("Control+A");
      await page.keyboard.type("15");
      await tabTo(page, "Theme");
      await page.keyboard.type("Dark");
      await expect(page.getByLabel("Theme").inputValue()).resolves.toBe("dark");
      await tabTo(page, "Privacy mode");
      await page.keyboard.press("Space");
      await tabTo(page, "Save");
      await page.keyboard.press("Enter");
      await until(page, () => !document.querySelector("[role=dialog]"), "the dialog closed after saving");
      expect(await calls(page, "setSettings")).toEqual([
        [{ privacy: true, device: { notifications: true, auto_away_minutes: 15, theme: "dark", microphone: null, speaker: null, camera: null } }],
      ]);
      expect(await focused(page)).toBe("Settings");
      await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe("dark");
      const dark = await background(page);
      expect(dark).not.toBe(light);
      expect(dark).toBe("rgb(15, 20, 25)");

      // Reopened, it shows what was saved.
      await page.keyboard.press("Enter");
      await dialog.waitFor();
      await expect(page.getByLabel("Auto-away minutes").inputValue()).resolves.toBe("15");
      await expect(page.getByLabel("Privacy mode").isChecked()).resolves.toBe(true);
      await page.keyboard.press("Escape");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("“System” follows the operating system's colour scheme live", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:2" }, { colorScheme: "light" });
    try {
      await signIn(page);
      await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe("light");
      const light = await background(page);
      await page.emulateMedia({ colorScheme: "dark" });
      await until(page, () => document.documentElement.dataset.theme === "dark", "dark from the system");
      const dark = await background(page);
      expect(dark).not.toBe(light);
      await page.emulateMedia({ colorScheme: "light" });
      await until(page, () => document.documentElement.dataset.theme === "light", "light again");
      expect(await background(page)).toBe(light);

      // Choosing Light pins it whatever the system says.
      await page.getByRole("button", { name: "Settings" }).click();
      await page.getByLabel("Theme").selectOption("light");
      await page.getByRole("button", { name: "Save" }).click();
      await until(page, () => !document.querySelector("[role=dialog]"), "closed");
      await page.emulateMedia({ colorScheme: "dark" });
      await page.waitForTimeout(100);
      await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe("light");
      expect(await background(page)).toBe(light);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
