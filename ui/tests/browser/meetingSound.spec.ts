import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, expectAccessible, launch, open, signIn, standInSocket, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** Opens bob's room Standup (alice and carol in it) from the rooms tab; resolves to its id. */
async function openRoom(page: Page): Promise<number> {
  const id = await page.evaluate(() => window.fake.roomBy("bob", "Standup", ["carol"]));
  await page.locator("[data-tab=rooms]").click();
  await page.locator(`[data-testid=room][data-conversation-id="${id}"]`).click();
  await page.locator("main h1", { hasText: "Standup" }).waitFor();
  return id;
}

describe("a meeting's sound", () => {
  it("starts the meeting with sound from a room's header after the devices dialog; mutes, leaves; leaving the meeting cuts it", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      await standInSocket(page);
      const id = await openRoom(page);
      const button = page.locator("[data-testid=meeting-call-button]");
      await expect(button.getAttribute("aria-label")).resolves.toBe("Start a meeting");

      // Cancel: nothing starts.
      await button.click();
      const dialog = page.getByRole("dialog", { name: "Start a meeting" });
      await dialog.waitFor();
      await page.locator("[data-testid=device-dialog-cancel]").click();
      await dialog.waitFor({ state: "detached" });
      await expect(calls(page, "startMeeting")).resolves.toEqual([]);

      await button.click();
      await dialog.waitFor();
      await page.locator("[data-testid=device-dialog-submit]").click();
      const bar = page.locator("[data-testid=meeting-sound]");
      await until(page, () => document.querySelector("[data-testid=meeting-sound]")?.getAttribute("data-phase") === "connected", "sound on");
      await expect(bar.innerText()).resolves.toContain("Sound on");
      await expect(button.count()).resolves.toBe(0);
      await expect(calls(page, "startMeeting")).resolves.toEqual([[id]]);
      await expect(calls(page, "joinMeetingSound")).resolves.toEqual([[id, false]]);
      // The details list alice in the meeting, with no Join with sound (it is on).
      const details = page.locator("aside[aria-label=Details]");
      await details.locator('[data-testid=participant][data-user="alice"]').waitFor();
      await expect(details.locator("[data-testid=meeting-sound-join]").count()).resolves.toBe(0);

      const mute = page.locator("[data-testid=meeting-sound-mute]");
      await mute.click();
      await until(page, () => document.querySelector("[data-testid=meeting-sound-mute]")?.getAttribute("aria-pressed") === "true", "muted");
      await expect(page.evaluate(() => window.fake.currentSound()?.muted)).resolves.toBe(true);

      await page.locator("[data-testid=meeting-sound-leave]").click();
      await bar.waitFor({ state: "detached" });
      await expect(button.getAttribute("aria-label")).resolves.toBe("Join the meeting with sound");
      // Still in the meeting: the details offer its sound again, and it comes back.
      await details.locator("[data-testid=meeting-sound-join]").click();
      await page.getByRole("dialog", { name: "Join the meeting with sound" }).waitFor();
      await page.locator("[data-testid=device-dialog-submit]").click();
      await until(page, () => document.querySelector("[data-testid=meeting-sound]")?.getAttribute("data-phase") === "connected", "sound on again");

      // Leaving the meeting: the server cuts its sound.
      await details.locator("[data-testid=meeting-button]").click();
      await bar.waitFor({ state: "detached" });
      await expect(page.evaluate(() => window.fake.currentSound())).resolves.toBeNull();
      await expect(page.locator("[data-testid=meeting-sound-error]").count()).resolves.toBe(0);
      await expect(button.getAttribute("aria-label")).resolves.toBe("Start a meeting");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("a group's members hold a meeting with sound; its details list them", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      await standInSocket(page);
      const id = await page.evaluate(async () => {
        const g = await window.fake.createGroup(["bob", "carol"], "Lunch");
        window.fake.answerInvitation(g, "bob");
        window.fake.meetingJoins(g, "bob");
        return g;
      });
      await page.locator(`[data-testid=conversation][data-conversation-id="${id}"]`).click();
      await page.locator("main h1", { hasText: "Lunch" }).waitFor();
      const details = page.locator("aside[aria-label=Details]");
      await details.locator('[data-testid=participant][data-user="bob"]').waitFor();
      const button = page.locator("[data-testid=meeting-call-button]");
      await expect(button.getAttribute("aria-label")).resolves.toBe("Join the meeting with sound");
      await button.click();
      await page.getByRole("dialog", { name: "Join the meeting with sound" }).waitFor();
      await page.getByRole("button", { name: "Join", exact: true }).click();
      await until(page, () => document.querySelector("[data-testid=meeting-sound]")?.getAttribute("data-phase") === "connected", "sound on");
      await details.locator('[data-testid=participant][data-user="alice"]').waitFor();
      await expect(page.evaluate((i) => window.fake.participantsOf(i), id)).resolves.toEqual(["bob", "alice"]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("shows the meeting's pictures under the header: the camera ticked, a tile per person, drawn from the frame socket", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      await standInSocket(page);
      const id = await openRoom(page);
      await page.evaluate((i) => window.fake.meetingJoins(i, "bob"), id);
      await page.locator("[data-testid=meeting-call-button]").click();
      await page.getByRole("dialog", { name: "Join the meeting with sound" }).waitFor();
      await page.getByLabel("Turn my camera on").check();
      await page.locator("[data-testid=device-dialog-submit]").click();
      await page.locator("[data-testid=meeting-stage]").waitFor();
      await expect(calls(page, "joinMeetingSound")).resolves.toEqual([[id, true]]);
      await page.evaluate(() =>
        window.fake.soundPeople([
          { name: "bob", source: 7, speaking: true, tile: 0 },
          { name: "carol", source: 8, speaking: false, tile: null },
        ]),
      );
      await page.locator('[data-testid=meeting-tile][data-name="carol"]').waitFor();
      // This device's camera, then bob's pictures on stream 2.
      await page.evaluate(() => {
        const w = window as unknown as { pushFrame: (...a: number[]) => void };
        w.pushFrame(1, 64, 36, 3, 120, 128, 128);
        w.pushFrame(2, 64, 36, 9, 200, 128, 128);
      });
      await until(page, () => document.querySelector('[data-testid=meeting-tile][data-name="bob"]')?.getAttribute("data-live") === "true", "bob's pictures");
      await expect(page.locator("[data-testid=meeting-tile-video]").getAttribute("data-sequence")).resolves.toBe("9");
      await expect(page.locator('[data-testid=meeting-tile][data-self="true"]').getAttribute("data-live")).resolves.toBe("true");
      await expect(page.locator('[data-testid=meeting-tile][data-name="bob"]').getAttribute("data-speaking")).resolves.toBe("true");
      // The stage keeps to 45% of the window; the tiles to 16:9; the messages stay usable.
      const sizes = await page.evaluate(() => {
        const box = (el: Element | null) => el?.getBoundingClientRect() ?? { width: 0, height: 0 };
        return {
          stage: box(document.querySelector("[data-testid=meeting-stage]")).height,
          tile: box(document.querySelector("[data-testid=meeting-tile]")),
          scroller: box(document.querySelector("[data-testid=timeline-scroller]")).height,
        };
      });
      expect(sizes.stage).toBeLessThanOrEqual(800 * 0.45 + 1);
      expect(sizes.tile.width / sizes.tile.height).toBeCloseTo(16 / 9, 1);
      expect(sizes.scroller).toBeGreaterThan(150);

      // The speaker large, the others in a strip.
      await page.locator("[data-testid=meeting-layout]").click();
      await page.locator('[data-testid=meeting-stage][data-layout="speaker"]').waitFor();
      await expect(page.locator(".large [data-testid=meeting-tile]").getAttribute("data-name")).resolves.toBe("bob");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  for (const colorScheme of ["light", "dark"] as const) {
    it(`has no axe violations: the meeting's stage, for a moderator, in a grid and with the speaker large (${colorScheme})`, async () => {
      const { page, close } = await open(browser, {}, { colorScheme });
      try {
        await signIn(page);
        await standInSocket(page);
        const id = await page.evaluate(() => window.fake.roomBy("bob", "Standup", ["carol", "dave"], ["alice"]));
        await page.locator("[data-tab=rooms]").click();
        await page.locator(`[data-testid=room][data-conversation-id="${id}"]`).click();
        await page.locator("main h1", { hasText: "Standup" }).waitFor();
        await page.evaluate((i) => {
          window.fake.meetingJoins(i, "bob");
          window.fake.meetingJoins(i, "carol");
          window.fake.meetingJoins(i, "dave");
        }, id);
        await page.locator("[data-testid=meeting-call-button]").click();
        await page.getByRole("dialog", { name: "Join the meeting with sound" }).waitFor();
        await page.getByLabel("Turn my camera on").check();
        await expectAccessible(page, `devices dialog before a meeting, camera ticked (${colorScheme})`);
        await page.locator("[data-testid=device-dialog-submit]").click();
        await page.locator("[data-testid=meeting-stage]").waitFor();
        await page.evaluate((i) => {
          window.fake.soundPeople([
            { name: "bob", source: 7, speaking: true, tile: 0 },
            { name: "carol", source: 8, speaking: false, tile: null },
            { name: "dave", source: 9, speaking: false, tile: 1 },
            { name: null, source: 10, speaking: false, tile: null },
          ]);
          window.fake.participantMutedBy(i, "bob", "carol", true);
        }, id);
        await page.locator('[data-testid=meeting-tile][data-name="carol"][data-muted="true"]').waitFor();
        await expect(page.locator("[data-testid=meeting-tile-mute]").count()).resolves.toBe(3);
        await page.evaluate(() => (window as unknown as { pushFrame: (...a: number[]) => void }).pushFrame(2, 64, 36, 1, 90, 128, 128));
        await page.locator('[data-testid=meeting-tile][data-name="bob"][data-live="true"]').waitFor();
        await expectAccessible(page, `meeting stage, grid (${colorScheme})`);
        // From the keyboard: the layout toggle, then mute for all.
        await page.locator("[data-testid=meeting-layout]").focus();
        await page.keyboard.press("Enter");
        await page.locator('[data-testid=meeting-layout][aria-pressed="true"]').waitFor();
        await page.keyboard.press("Tab");
        await expect(page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).resolves.toBe("meeting-mute-all");
        await page.keyboard.press("Enter");
        await page.locator('[data-testid=meeting-mute-all][aria-pressed="true"]').waitFor();
        await expectAccessible(page, `meeting stage, speaker (${colorScheme})`);
        // Then Record, beside it: the mark shows, its red readable in both schemes.
        await page.keyboard.press("Tab");
        await expect(page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).resolves.toBe("meeting-record");
        await page.keyboard.press("Enter");
        await page.locator("[data-testid=meeting-recording]").waitFor();
        await page.locator("[data-testid=meeting-record]", { hasText: "Stop recording" }).waitFor();
        await expectAccessible(page, `meeting stage, recorded (${colorScheme})`);
      } finally {
        await close();
      }
    });

    it(`has no axe violations: the devices dialog, the sound bar, the failure (${colorScheme})`, async () => {
      const { page, close } = await open(browser, {}, { colorScheme });
      try {
        await signIn(page);
        await standInSocket(page);
        await openRoom(page);
        await page.evaluate(() => {
          window.fake.holdSound = true;
        });
        await page.locator("[data-testid=meeting-call-button]").click();
        await page.getByRole("dialog", { name: "Start a meeting" }).waitFor();
        await expectAccessible(page, `devices dialog before a meeting (${colorScheme})`);
        await page.locator("[data-testid=device-dialog-submit]").click();
        await page.locator('[data-testid=meeting-sound][data-phase="connecting"]').waitFor();
        await expectAccessible(page, `sound bar, connecting (${colorScheme})`);
        await page.evaluate(() => window.fake.soundConnects());
        await page.locator('[data-testid=meeting-sound][data-phase="connected"]').waitFor();
        await page.locator("[data-testid=meeting-sound-mute]").click();
        await page.locator('[data-testid=meeting-sound-mute][aria-pressed="true"]').waitFor();
        await page.locator("aside[aria-label=Details] [data-testid=participant]").first().waitFor();
        await expectAccessible(page, `sound bar, muted (${colorScheme})`);
        await page.evaluate(() => window.fake.soundEnds("connection lost"));
        await page.locator("[data-testid=meeting-sound-error]").waitFor();
        await expect(page.locator("[data-testid=meeting-sound-error]").innerText()).resolves.toContain("The meeting's sound could not connect.");
        await page.locator("aside[aria-label=Details] [data-testid=meeting-sound-join]").waitFor();
        await expectAccessible(page, `sound failure, join with sound (${colorScheme})`);
      } finally {
        await close();
      }
    });
  }
});
