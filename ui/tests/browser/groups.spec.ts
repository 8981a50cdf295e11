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

describe("groups", () => {
  it("creates a group from the dialog (chips, at most four people), and sees invitees join", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:3" });
    try {
      await signIn(page);
      await page.locator("[data-testid=create-group]").click();
      const dialog = page.getByRole("dialog", { name: "New group" });
      await dialog.waitFor();
      await expectAccessible(page, "new group dialog");
      const people = dialog.getByLabel("Add people", { exact: true });
      for (const u of ["bob", "carol", "dave", "erin"]) {
        await people.fill(u.slice(0, 3));
        await dialog.locator(`[role=option][data-user="${u}"]`).waitFor();
        await people.press("Enter");
        await dialog.locator(`[data-testid=chip][data-user="${u}"]`).waitFor();
      }
      // Four is the most: the picker is off; a chip is removable.
      await expect(people.isDisabled()).resolves.toBe(true);
      await dialog.getByRole("button", { name: "Remove erin" }).click();
      await expect(dialog.locator("[data-testid=chip]").count()).resolves.toBe(3);
      await dialog.getByLabel("Group name").fill("Lunch");
      await dialog.getByRole("button", { name: "Create" }).click();
      await dialog.waitFor({ state: "detached" });

      const row = page.locator('[data-testid=conversation][data-peer="Lunch"]');
      await row.waitFor();
      await expect(row.getAttribute("aria-current")).resolves.toBe("true");
      await expect(page.locator("main h1").textContent()).resolves.toBe("Lunch");
      const id = Number(await row.getAttribute("data-conversation-id"));
      await expect(page.evaluate((i) => window.fake.invitedTo(i), id)).resolves.toEqual(["bob", "carol", "dave"]);

      await page.evaluate((i) => window.fake.answerInvitation(i, "bob"), id);
      await page.locator('[data-testid=system-line][data-user="bob"][data-kind="joined"]').waitFor();
      await expect(page.locator('[data-testid=system-line][data-user="bob"]').innerText()).resolves.toContain("Bob joined");
      await page.evaluate((i) => window.fake.post(i, "bob", "Pizza?"), id);
      const msg = page.locator('[data-testid=message][data-sender="bob"]');
      await msg.waitFor();
      await expect(msg.innerText()).resolves.toContain("Bob");
      const details = page.locator("aside[aria-label=Details]");
      await details.locator('[data-testid=member][data-user="bob"]').waitFor();
      // The direct chat with bob still shows by his name.
      await page.locator('[data-testid=conversation][data-peer="bob"]').waitFor();
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("joins an invitation, sees only later messages, invites someone and leaves; declines another", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      const id = await page.evaluate(() => {
        const g = window.fake.inviteMe("dave", ["erin"], "Book club");
        window.fake.post(g, "dave", "Before you came");
        return g;
      });
      const other = await page.evaluate(() => window.fake.inviteMe("carol"));
      const invitation = page.locator(`[data-testid=invitation][data-conversation-id="${id}"]`);
      await invitation.waitFor();
      await expect(invitation.innerText()).resolves.toContain("Book club");
      // The inviter and an unnamed group's members by display name (#13).
      await expect.poll(() => invitation.innerText()).toContain("Dave invites you to Book club (2 members).");
      const unnamed = page.locator(`[data-testid=invitation][data-conversation-id="${other}"]`);
      await expect.poll(() => unnamed.innerText()).toContain("Carol invites you to Carol (1 member).");
      await page.locator(`[data-testid=invitation][data-conversation-id="${other}"]`).getByRole("button", { name: "Decline" }).click();
      await page.locator(`[data-testid=invitation][data-conversation-id="${other}"]`).waitFor({ state: "detached" });

      await invitation.getByRole("button", { name: "Join" }).focus();
      await page.keyboard.press("Enter");
      await invitation.waitFor({ state: "detached" });
      await page.locator(`[data-testid=conversation][data-conversation-id="${id}"][data-peer="Book club"]`).waitFor();
      await page.locator('[data-testid=system-line][data-user="alice"][data-kind="joined"]').waitFor();
      await expect(page.locator("[data-testid=message]").count()).resolves.toBe(0);

      const details = page.locator("aside[aria-label=Details]");
      const invite = details.getByLabel("Invite", { exact: true });
      await invite.fill("bo");
      await details.locator('[role=option][data-user="bob"]').waitFor();
      await invite.press("Enter");
      await details.locator('[data-testid=invited][data-user="bob"]').waitFor();
      await expect(page.evaluate((i) => window.fake.invitedTo(i), id)).resolves.toEqual(["bob"]);
      await expectAccessible(page, "group details");

      await details.getByRole("button", { name: "Leave group" }).click();
      await details.locator("[data-testid=confirm-leave]").click();
      await page.locator(`[data-testid=conversation][data-conversation-id="${id}"]`).waitFor({ state: "detached" });
      await expect(page.locator("main h1").textContent()).resolves.toBe("Confer");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
