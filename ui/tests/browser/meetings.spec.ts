import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, open, signIn, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const HOUR = 3_600_000;

/** A datetime-local value for `ms`, in the page's time zone. */
function local(page: Page, ms: number): Promise<string> {
  return page.evaluate((t) => {
    const d = new Date(t);
    const p = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }, ms);
}

describe("meetings", () => {
  it("starts, joins and leaves a room's meeting; it ends with the last one out", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      const id = await page.evaluate(() => window.fake.roomBy("bob", "Standup", ["carol"]));
      await page.locator("[data-tab=rooms]").click();
      await page.locator(`[data-testid=room][data-conversation-id="${id}"]`).click();
      const details = page.locator("aside[aria-label=Details]");
      const button = details.locator("[data-testid=meeting-button]");
      await expect(button.textContent()).resolves.toBe("Start meeting");
      await button.click();
      const row = page.locator(`[data-testid=ongoing-meeting][data-conversation-id="${id}"]`);
      await row.waitFor();
      // By display name, as the details column shows them (the directory's answer may come after the row).
      await expect.poll(() => row.locator("[data-testid=participants]").innerText()).toContain("Alice");
      await expect(row.innerText()).resolves.toMatch(/Standup[\s\S]*since \d{1,2}:\d\d/);
      await until(page, () => document.querySelector("[data-testid=meeting-button]")?.textContent === "Leave meeting", "Leave meeting");

      // Others come: by join order.
      await page.evaluate((i) => {
        window.fake.meetingJoins(i, "bob");
        window.fake.meetingJoins(i, "carol");
      }, id);
      await until(page, () => document.querySelectorAll("[data-testid=participant]").length === 3, "three participants");
      await expect(details.locator("[data-testid=participant]").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.user))).resolves.toEqual(["alice", "bob", "carol"]);
      await expect.poll(() => row.locator("[data-testid=participants]").innerText()).toContain("Alice, Bob, Carol");
      // The owner line names bob as everyone knows him.
      await expect(details.locator("[data-testid=room-owner]").getAttribute("data-user")).resolves.toBe("bob");
      await expect.poll(() => details.locator("[data-testid=room-owner]").textContent()).toBe("Bob");

      // Leave from the tab: the meeting goes on without alice; Join brings her back last.
      await row.getByRole("button", { name: "Leave the meeting in Standup" }).click();
      await until(page, () => document.querySelector("[data-testid=ongoing-meeting]")?.getAttribute("data-joined") === "false", "left");
      await expect(button.textContent()).resolves.toBe("Join meeting");
      await row.getByRole("button", { name: "Join the meeting in Standup" }).click();
      await until(page, () => document.querySelector("[data-testid=ongoing-meeting]")?.getAttribute("data-joined") === "true", "joined");
      await expect(page.evaluate((i) => window.fake.participantsOf(i), id)).resolves.toEqual(["bob", "carol", "alice"]);

      // The last one out ends it.
      await page.evaluate((i) => {
        window.fake.meetingLeaves(i, "bob");
        window.fake.meetingLeaves(i, "carol");
      }, id);
      await until(page, () => document.querySelectorAll("[data-testid=participant]").length === 1, "alone");
      await button.click();
      await row.waitFor({ state: "detached" });
      await expect(button.textContent()).resolves.toBe("Start meeting");
      await expect(page.getByText("No meetings yet.").count()).resolves.toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("schedules a meeting, refusing what the server refuses", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      const id = await page.evaluate(() => window.fake.roomBy("bob", "Design", [], ["alice"]));
      await page.locator("[data-tab=rooms]").click();
      await page.locator(`[data-testid=room][data-conversation-id="${id}"]`).click();
      const details = page.locator("aside[aria-label=Details]");
      await details.getByRole("button", { name: "Schedule meeting" }).click();
      const form = details.getByRole("form", { name: "Schedule meeting" });
      const error = form.locator("[data-testid=schedule-error]");
      await expect(page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).resolves.toBe("Meeting title");

      await form.getByRole("button", { name: "Schedule" }).click();
      await expect(error.textContent()).resolves.toBe("A meeting title has 1 to 200 characters.");
      await form.getByLabel("Meeting title").fill("Design review");
      await form.getByLabel("Minutes").fill("0");
      await form.getByRole("button", { name: "Schedule" }).click();
      await until(page, () => document.querySelector("[data-testid=schedule-error]")?.textContent === "A meeting lasts 1 to 1440 minutes.", "minutes error");
      await form.getByLabel("Minutes").fill("90");
      await form.getByLabel("Starts at").fill(await local(page, Date.now() - 3 * HOUR));
      await form.getByRole("button", { name: "Schedule" }).click();
      await until(page, () => document.querySelector("[data-testid=schedule-error]")?.textContent?.includes("over already") ?? false, "past error");
      await expect(page.evaluate((i) => window.fake.plannedIn(i), id)).resolves.toEqual([]);

      const start = (await page.evaluate(() => Math.ceil(Date.now() / 60_000) * 60_000)) + 26 * HOUR;
      await form.getByLabel("Starts at").fill(await local(page, start));
      await form.getByRole("button", { name: "Schedule" }).click();
      await form.waitFor({ state: "detached" });
      const row = page.locator("[data-testid=scheduled-meeting]");
      await row.waitFor();
      await expect(row.locator("[data-testid=meeting-title]").textContent()).resolves.toBe("Design review");
      await expect(row.innerText()).resolves.toContain("Design");
      await expect(row.innerText()).resolves.toContain("1 h 30 min");
      const [meeting] = await page.evaluate((i) => window.fake.plannedIn(i), id);
      await expect(row.getAttribute("data-meeting-id")).resolves.toBe(String(meeting));
      const [args] = (await page.evaluate(() => window.fake.callsOf("scheduleMeeting"))).slice(-1);
      expect(args).toEqual([id, "Design review", start, 90]);
      // A moderator, not the owner: no Delete.
      await expect(row.locator("[data-testid=meeting-delete]").count()).resolves.toBe(0);
      await expect(row.locator("[data-testid=meeting-ics]").count()).resolves.toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("lets only the owner delete, after a confirmation; a member may only join", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      const [own, member, joinable] = await page.evaluate(() => {
        const now = Date.now();
        const mine = window.fake.roomBy("alice", "Mine");
        const theirs = window.fake.roomBy("bob", "Theirs");
        return [
          window.fake.scheduleBy(mine, "alice", "Own", now + 3_600_000, 30),
          window.fake.scheduleBy(theirs, "bob", "Bob's", now + 7_200_000, 30),
          theirs,
        ];
      });
      await page.locator("[data-tab=rooms]").click();
      const ownRow = page.locator(`[data-testid=scheduled-meeting][data-meeting-id="${own}"]`);
      const memberRow = page.locator(`[data-testid=scheduled-meeting][data-meeting-id="${member}"]`);
      await memberRow.waitFor();
      await expect(memberRow.getByRole("button").count()).resolves.toBe(1);
      await ownRow.locator("[data-testid=meeting-delete]").click();
      await ownRow.getByRole("button", { name: "Cancel" }).click();
      await expect(page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).resolves.toBe("meeting-delete");
      await ownRow.locator("[data-testid=meeting-delete]").click();
      await ownRow.locator("[data-testid=confirm-meeting-delete]").click();
      await ownRow.waitFor({ state: "detached" });
      await expect(page.evaluate(() => window.fake.callsOf("deleteScheduledMeeting"))).resolves.toEqual([[own]]);

      // Join on bob's meeting opens his room and starts its meeting.
      await memberRow.getByRole("button", { name: "Join Bob's" }).click();
      await page.locator(`[data-testid=ongoing-meeting][data-conversation-id="${joinable}"][data-joined="true"]`).waitFor();
      await expect(page.locator("main h1").textContent()).resolves.toBe("Theirs");
      await expect(page.locator("[data-testid=meeting-button]").textContent()).resolves.toBe("Leave meeting");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("saves the .ics with the room's link, and changes the link after a confirmation", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      const [room, id] = await page.evaluate(() => {
        const r = window.fake.roomBy("alice", "Retro");
        return [r, window.fake.scheduleBy(r, "alice", "Sprint retro", Date.now() + 3_600_000, 60)];
      });
      await page.locator("[data-tab=rooms]").click();
      const row = page.locator(`[data-testid=scheduled-meeting][data-meeting-id="${id}"]`);
      await row.locator("[data-testid=meeting-ics]").click();
      await expect(row.getByRole("status").textContent()).resolves.toBe("Saved to Downloads as Sprint retro.ics");
      const text = await page.evaluate(() => window.fake.saved.get("~/Downloads/Sprint retro.ics") ?? "");
      const token = await page.evaluate((r) => window.fake.linkOf(r), room);
      expect(text.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
      expect(text).toContain("SUMMARY:Sprint retro\r\n");
      expect(text).toContain(`URL:confer://join/${token}\r\n`);

      await row.locator("[data-testid=meeting-rotate]").click();
      await expect(page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).resolves.toBe("confirm-meeting-rotate");
      await row.locator("[data-testid=confirm-meeting-rotate]").click();
      await row.getByRole("status").filter({ hasText: "no longer works" }).waitFor();
      const next = await page.evaluate((r) => window.fake.linkOf(r), room);
      expect(next).not.toBe(token);
      // The room's details show the new link.
      await page.locator(`[data-testid=room][data-conversation-id="${room}"]`).click();
      await until(page, () => document.querySelector("[data-testid=room-link]")?.textContent?.startsWith("confer://join/") ?? false, "the link");
      await expect(page.locator("[data-testid=room-link]").textContent()).resolves.toBe(`confer://join/${next}`);
      await page.screenshot({ path: "/tmp/confer-meetings.png" });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
