// Link cards and histories by email in a real browser: a text linking to a page the "server"
// knows gets its card a moment later (the picture drawn at its fixed size, the title opening the
// page in the system's browser, the description clamped); the details column's "Send history by
// email…" opens its dialog, the directory suggests people with an address, the send closes it
// and the mailed line comes; a server without SMTP is refused in the dialog, in French too. axe
// finds no violation at all, light and dark.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, expectAccessible, launch, open, openConversation, signIn } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const mailedLine = (page: Page) => page.locator("[data-testid=system-line][data-kind=mailed]");

describe("link cards and histories by email", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    it(`shows a link's card, sends the history by email and shows its line (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, { seed: "bob:3" }, { colorScheme });
      try {
        await signIn(page);
        await openConversation(page, "bob");

        // Bob links to the plan: the card comes a moment after his message.
        const seq = await page.evaluate(() =>
          window.fake.receive("bob", "The plan for next quarter, with every owner and date: https://wiki.example.com/spaces/team/q3-planning"),
        );
        const bubble = page.locator(`[data-testid=message][data-seq="${seq}"]`);
        await bubble.locator("[data-testid=message-text]").waitFor();
        const card = bubble.getByTestId("link-card");
        await card.waitFor();
        expect(await card.getAttribute("aria-label")).toBe("Link preview: Q3 planning");
        await page.waitForFunction(() => (document.querySelector("[data-testid=link-card-image]") as HTMLImageElement | null)?.naturalWidth === 16);
        const picture = await card.getByTestId("link-card-image").boundingBox();
        expect(picture && [Math.round(picture.width), Math.round(picture.height)]).toEqual([64, 64]);
        expect(await card.getByTestId("link-card-host").textContent()).toBe("wiki.example.com");
        // As the desktop end-to-end test finds them, with plain CSS.
        expect(await page.locator("[data-testid=link-card]").textContent()).toContain("Q3 planning");
        expect(await page.locator("[data-testid=link-card] img").evaluate((i) => (i as HTMLImageElement).complete)).toBe(true);
        // At most three lines of description.
        const description = card.getByTestId("link-card-description");
        const lines = await description.evaluate((e) => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight || "16"));
        expect(lines).toBeLessThanOrEqual(3.05);
        // The title opens the page in the system's browser, not in the window.
        await card.getByRole("link", { name: "Q3 planning" }).click();
        await expect.poll(() => calls(page, "openLink")).toEqual([["https://wiki.example.com/spaces/team/q3-planning"]]);
        expect(page.url()).toContain("/tests/browser/index.html");
        await expectAccessible(page, `a link's card (${colorScheme})`);

        // The details column's action opens the dialog, its field focused.
        await page.getByTestId("mail-history-button").click();
        const dialog = page.getByRole("dialog", { name: "Send history by email" });
        await dialog.waitFor();
        const address = page.getByTestId("mail-address");
        expect(await address.evaluate((e) => e === document.activeElement)).toBe(true);
        // The directory suggests Carol with her address; the keyboard picks her.
        await address.pressSequentially("car");
        const suggestion = page.getByTestId("mail-suggestion");
        await suggestion.waitFor();
        expect(await suggestion.locator(".who").innerText()).toBe("Carol\ncarol@example.com");
        await page.keyboard.press("ArrowDown");
        await expectAccessible(page, `the dialog with its suggestions (${colorScheme})`);
        await page.keyboard.press("Enter");
        await expect.poll(() => address.inputValue()).toBe("carol@example.com");
        await page.getByTestId("mail-send").click();
        await dialog.waitFor({ state: "detached" });
        const offset = await page.evaluate(() => -new Date().getTimezoneOffset());
        expect(await calls(page, "mailHistory")).toEqual([[1, "carol@example.com", "en", offset]]);
        await expect.poll(() => page.getByTestId("mail-notice").textContent()).toBe("History sent to carol@example.com.");
        expect(await page.getByTestId("mail-history-button").evaluate((e) => e === document.activeElement)).toBe(true);

        // The line the server leaves, in the timeline and the list.
        await mailedLine(page).waitFor();
        expect(await mailedLine(page).textContent()).toContain("You sent the history to carol@example.com");
        await expect
          .poll(() => page.locator('[data-testid=conversation][data-peer="bob"] [data-testid=preview]').textContent())
          .toBe("You sent the history to carol@example.com");
        await expectAccessible(page, `the mailed line and the confirmation (${colorScheme})`);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });

    it(`says in the dialog that the server cannot send email, in French, and Escape closes it (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, { seed: "bob:3", mail: "off" }, { colorScheme, locale: "fr-FR" });
      try {
        await page.getByLabel("Nom d'utilisateur").fill("alice");
        await page.getByLabel("Mot de passe").fill("secret");
        await page.getByRole("button", { name: "Se connecter" }).click();
        await openConversation(page, "bob");
        await page.getByTestId("mail-history-button").click();
        const dialog = page.getByRole("dialog", { name: "Envoyer l'historique par e-mail" });
        await dialog.waitFor();
        await page.getByTestId("mail-address").fill("dana@example.com");
        await page.keyboard.press("Enter");
        const alert = dialog.getByRole("alert");
        await alert.waitFor();
        expect(await alert.textContent()).toBe("Ce serveur n'est pas configuré pour envoyer des e-mails.");
        expect(await page.getByTestId("mail-address").getAttribute("aria-invalid")).toBe("true");
        await expectAccessible(page, `a refusal in the dialog, in French (${colorScheme})`);
        // The focus stays in the dialog; Escape closes it.
        for (let i = 0; i < 6; i++) {
          await page.keyboard.press("Tab");
          expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
        }
        await page.keyboard.press("Escape");
        await dialog.waitFor({ state: "detached" });
        expect(await page.getByTestId("mail-history-button").evaluate((e) => e === document.activeElement)).toBe(true);
        expect(await mailedLine(page).count()).toBe(0);
        expect(await calls(page, "mailHistory")).toHaveLength(1);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }
});
