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

describe("axe-core: no violations at all", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    it(`on the sign-in screen, the three columns, the status menu and the settings dialog (${colorScheme})`, async () => {
      const { page, close } = await open(browser, { seed: "bob:40,carol:4", unread: "carol:2" }, { colorScheme });
      try {
        await expectAccessible(page, `sign-in (${colorScheme})`);
        await signIn(page);
        await page.evaluate(() => window.fake.requestFavourite("erin"));
        await openConversation(page, "bob");
        await page.locator("[data-testid=request]").waitFor();
        // A direct chat shows the pair's meeting link (same token the fake gives bob).
        await page.waitForFunction(() => document.querySelector("[data-testid=direct-link]")?.textContent === `confer://join/${window.fake.directLinkOf("bob")}`);
        await expectAccessible(page, `three columns (${colorScheme})`);

        await page.getByRole("button", { name: "Status", exact: true }).click();
        await page.locator("#status-menu").waitFor();
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

  for (const colorScheme of ["light", "dark"] as const) {
    it(`on the Virtual Rooms tab with meetings and a room's details, owner and member (${colorScheme})`, async () => {
      const { page, close } = await open(browser, {}, { colorScheme });
      try {
        await signIn(page);
        const mine = await page.evaluate(async () => {
          const id = await window.fake.createRoom("Standup");
          await window.fake.addRoomMember(id, "bob");
          await window.fake.addRoomMember(id, "carol");
          await window.fake.promoteModerator(id, "bob");
          return id;
        });
        const theirs = await page.evaluate(() => window.fake.roomBy("dave", "Review", ["erin"]));
        await page.evaluate((i) => window.fake.post(i, "dave", "Welcome"), theirs);
        // Meetings: one going on with alice in it, one she may join, and the calendar.
        await page.evaluate(
          async ([m, t]) => {
            await window.fake.startMeeting(m);
            window.fake.meetingJoins(m, "bob");
            window.fake.meetingJoins(t, "erin");
            window.fake.scheduleBy(m, "alice", "Sprint planning", Date.now() + 3_600_000, 45);
            window.fake.scheduleBy(t, "dave", "Design review", Date.now() + 90_000_000, 90);
          },
          [mine, theirs],
        );
        await page.locator("[data-tab=rooms]").click();
        await page.locator("[data-testid=room]").nth(1).waitFor();
        await page.locator("[data-testid=ongoing-meeting]").nth(1).waitFor();
        await page.locator("[data-testid=scheduled-meeting]").nth(1).waitFor();
        await page.getByLabel("Room link", { exact: true }).fill("confer://join/nothing");
        await page.getByRole("button", { name: "Open", exact: true }).click();
        await page.locator("[data-testid=link-error]").waitFor();
        await expectAccessible(page, `Virtual Rooms tab (${colorScheme})`);
        await page.locator("[data-testid=scheduled-meeting] [data-testid=meeting-delete]").first().click();
        await page.locator("[data-testid=confirm-meeting-delete]").waitFor();
        await expectAccessible(page, `Virtual Rooms tab, confirming a delete (${colorScheme})`);
        await page.getByRole("button", { name: "Cancel", exact: true }).click();
        await page.locator(`[data-testid=room][data-conversation-id="${mine}"]`).click();
        await page.locator('[data-testid=member][data-role="moderator"]').waitFor();
        await page.waitForFunction(() => document.querySelector("[data-testid=room-link]")?.textContent?.startsWith("confer://"));
        await page.locator("[data-testid=participant]").nth(1).waitFor();
        // Bob muted by her: his mark, the button to lift it, and what she is told.
        await page.locator('[data-testid=participant][data-user="bob"] [data-testid=mute-participant]').click();
        await page.locator('[data-testid=participant][data-user="bob"] [data-testid=participant-muted]').waitFor();
        await page.locator("[data-testid=meeting-note]").waitFor();
        await expectAccessible(page, `room details, owner (${colorScheme})`);
        await page.getByRole("button", { name: "Schedule meeting" }).click();
        await page.getByRole("form", { name: "Schedule meeting" }).getByRole("button", { name: "Schedule" }).click();
        await page.locator("[data-testid=schedule-error]").waitFor();
        await expectAccessible(page, `room details, schedule form (${colorScheme})`);
        // In Dave's meeting, muted by him: her note.
        await page.evaluate((t) => {
          window.fake.meetingJoins(t, "alice");
          window.fake.participantMutedBy(t, "dave", "alice", true);
        }, theirs);
        await page.locator(`[data-testid=room][data-conversation-id="${theirs}"]`).click();
        await page.locator('[data-testid=member][data-user="dave"][data-role="owner"]').waitFor();
        await page.locator('[data-testid=participant][data-user="alice"] [data-testid=muted-you]').waitFor();
        await expectAccessible(page, `room details, member (${colorScheme})`);
      } finally {
        await close();
      }
    });
  }
});
