// Meeting guests and the lobby, from the keyboard: a user who is not a member of a room joins
// its meeting by the link as a guest; a moderator turns the lobby on and admits, refuses and
// removes guests. axe-core has nothing at all to say about any of it (light and dark).
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, expectAccessible, launch, open, signIn, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const active = (page: Page, attr: string) =>
  page.evaluate((a) => (document.activeElement as HTMLElement | null)?.getAttribute(a) ?? null, attr);
const activeText = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText ?? null);

/** The Virtual Rooms tab, chosen from the keyboard. */
async function roomsTab(page: Page): Promise<void> {
  await page.locator("#tab-chats").focus();
  await page.keyboard.press("ArrowRight");
  await until(page, () => document.querySelector("#tab-rooms")?.getAttribute("aria-selected") === "true", "the rooms tab");
}

describe("meeting guests", () => {
  it("joins another room's meeting by its link as a guest, by keyboard, and leaves it", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      const token = await page.evaluate(() => window.fake.foreignRoom("bob", "Customer call"));
      const room = await page.evaluate(() => window.fake.idByName("Customer call") as number);
      await roomsTab(page);
      const sidebar = page.locator("nav[aria-label=Conversations]");

      // Paste the link, Enter: the room is named, with the offer to join as a guest.
      await sidebar.getByLabel("Room link", { exact: true }).focus();
      await page.keyboard.type(`confer://join/${token}`);
      await page.keyboard.press("Enter");
      const result = sidebar.locator("[data-testid=link-result]");
      await result.waitFor();
      await expect(result.innerText()).resolves.toContain("Customer call");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      expect(await active(page, "data-testid")).toBe("join-as-guest");

      // No meeting yet: the server's refusal, said; focus stays on the button.
      await page.keyboard.press("Enter");
      const error = sidebar.locator("[data-testid=link-error]");
      await error.waitFor();
      await expect(error.textContent()).resolves.toBe(
        'No meeting is going on in "Customer call" yet; guests can join once a member has started it.',
      );
      expect(await active(page, "data-testid")).toBe("join-as-guest");

      // bob starts it: now Enter lets alice in, as a guest; focus goes to the meeting's Leave.
      await page.evaluate((r) => window.fake.meetingJoins(r, "bob"), room);
      await page.keyboard.press("Enter");
      const row = sidebar.locator(`[data-testid=ongoing-meeting][data-conversation-id="${room}"]`);
      await row.waitFor();
      await error.waitFor({ state: "detached" });
      await expect(row.getAttribute("data-guest")).resolves.toBe("true");
      await expect(row.locator("[data-testid=guest-label]").textContent()).resolves.toBe("You are a guest");
      // By display name (the directory's answer may come after the row).
      await expect.poll(() => row.locator("[data-testid=participants]").innerText()).toContain("Bob, alice (guest)");
      await expect(result.innerText()).resolves.toContain("You are in the meeting in Customer call as a guest.");
      await until(page, () => document.activeElement?.getAttribute("data-testid") === "ongoing-toggle", "focus on Leave");
      await expect(activeText(page)).resolves.toContain("Leave");
      expect(await calls(page, "joinByLink")).toEqual([[token], [token]]);
      // A guest is no member: no room row, no chat.
      await expect(sidebar.locator("[data-testid=room]").count()).resolves.toBe(0);

      // Others come: a guest without an account, marked.
      await page.evaluate((r) => window.fake.externalGuestArrives(r, "Zoe from Acme"), room);
      await until(page, () => document.querySelector("[data-testid=participants]")?.textContent?.includes("Zoe from Acme (guest, no account)") ?? false, "Zoe");
      await expectAccessible(page, "Virtual Rooms tab, a guest in a meeting (light)");
      await page.screenshot({ path: "/tmp/confer-guest.png" });

      // Leave with Enter: gone from the list, the guest's access with it.
      await page.keyboard.press("Enter");
      await row.waitFor({ state: "detached" });
      await expect(page.evaluate((r) => window.fake.guestsOf(r).map((g) => g.name), room)).resolves.toEqual(["Zoe from Acme"]);
      expect(await active(page, "id")).toBe("ongoing-title");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("turns the lobby on and admits, refuses and removes guests, by keyboard", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      const room = await page.evaluate(async () => {
        const id = await window.fake.createRoom("Standup");
        await window.fake.addRoomMember(id, "bob");
        await window.fake.startMeeting(id);
        window.fake.meetingJoins(id, "bob");
        return id;
      });
      await roomsTab(page);
      await page.locator(`[data-testid=room][data-conversation-id="${room}"]`).focus();
      await page.keyboard.press("Enter");
      const details = page.locator("aside[aria-label=Details]");
      const toggle = details.getByRole("switch", { name: "Lobby: admit guests without an account one by one" });
      await toggle.waitFor();
      await expect(toggle.isChecked()).resolves.toBe(false);

      // The switch, with Space.
      await toggle.focus();
      await page.keyboard.press("Space");
      await until(page, () => (document.querySelector("[data-testid=lobby-toggle]") as HTMLInputElement | null)?.checked === true, "lobby on");
      await expect(calls(page, "setLobby")).resolves.toEqual([[room, true]]);
      // The attribute too (the desktop end-to-end test reads it through WebDriver).
      await until(page, () => document.querySelector("[data-testid=lobby-toggle]")?.hasAttribute("checked") === true, "checked attribute");
      await expect(page.evaluate((r) => window.fake.infoOf(r)?.lobby, room)).resolves.toBe(true);

      // Two guests without an account wait; an internal guest comes straight in.
      const [zoe, max, dave] = await page.evaluate((r) => {
        const z = window.fake.externalGuestArrives(r, "Zoe");
        const m = window.fake.externalGuestArrives(r, "Max");
        return [z, m, window.fake.guestJoins(r, "dave")];
      }, room);
      const lobby = details.locator("[data-testid=lobby-guest]");
      await lobby.nth(1).waitFor();
      await expect(lobby.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.guestId))).resolves.toEqual([String(zoe), String(max)]);
      await expect(details.locator("[data-testid=meeting-guest]").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.guestId))).resolves.toEqual([String(dave)]);
      // The rooms tab says how many wait; the lobby itself is shown once, in the details.
      const row = page.locator(`nav [data-testid=ongoing-meeting][data-conversation-id="${room}"]`);
      await row.locator("[data-testid=lobby-waiting][data-count='2']").waitFor();
      await expect(row.innerText()).resolves.toContain("2 waiting in the lobby");
      await expect(row.locator("[data-testid=lobby-guest]").count()).resolves.toBe(0);

      // Admit Zoe from the details: focus moves on to Max's Admit; Tab, Enter refuses Max.
      await details.getByRole("button", { name: "Admit Zoe" }).focus();
      await page.keyboard.press("Enter");
      await details.locator(`[data-testid=meeting-guest][data-guest-id="${zoe}"]`).waitFor();
      await until(page, () => document.activeElement?.getAttribute("data-testid") === "admit-guest", "focus on the next Admit");
      await expect(activeText(page)).resolves.toContain("Max");
      await page.keyboard.press("Tab");
      expect(await active(page, "data-testid")).toBe("refuse-guest");
      await page.keyboard.press("Enter");
      await lobby.first().waitFor({ state: "detached" });
      await until(page, () => document.activeElement?.getAttribute("data-testid") === "meeting-button", "focus on the meeting button");
      await expect(calls(page, "admitGuest")).resolves.toEqual([[room, zoe]]);
      await expect(calls(page, "removeGuest")).resolves.toEqual([[room, max]]);

      // Another one waits: the rooms tab's line leads to the details, where Ann is admitted.
      const ann = await page.evaluate((r) => window.fake.externalGuestArrives(r, "Ann"), room);
      await row.locator("[data-testid=lobby-waiting][data-count='1']").focus();
      await page.keyboard.press("Enter");
      await details.locator(`[data-testid=lobby-guest][data-guest-id="${ann}"]`).waitFor();
      await details.getByRole("button", { name: "Admit Ann" }).focus();
      await page.keyboard.press("Enter");
      await row.locator("[data-testid=lobby-waiting]").waitFor({ state: "detached" });
      await expect(row.locator("[data-testid=participants]").innerText()).resolves.toContain("Ann (guest, no account)");
      await until(page, () => document.activeElement?.getAttribute("data-testid") === "meeting-button", "focus on the meeting button");

      // Remove dave (an internal guest) from the details.
      await details.getByRole("button", { name: "Remove guest dave" }).focus();
      await page.keyboard.press("Enter");
      await details.locator(`[data-testid=meeting-guest][data-guest-id="${dave}"]`).waitFor({ state: "detached" });
      await expect(page.evaluate((r) => window.fake.guestsOf(r).map((g) => g.name), room)).resolves.toEqual(["Zoe", "Ann"]);

      // The lobby off lets everyone waiting in.
      const eve = await page.evaluate((r) => window.fake.externalGuestArrives(r, "Eve"), room);
      await details.locator(`[data-testid=lobby-guest][data-guest-id="${eve}"]`).waitFor();
      await toggle.focus();
      await page.keyboard.press("Space");
      await details.locator(`[data-testid=meeting-guest][data-guest-id="${eve}"]`).waitFor();
      await expect(toggle.isChecked()).resolves.toBe(false);

      // Bob and alice leave: the meeting ends, every guest goes with it.
      await page.evaluate((r) => window.fake.meetingLeaves(r, "bob"), room);
      await details.locator("[data-testid=meeting-button]").focus();
      await page.keyboard.press("Enter");
      await row.waitFor({ state: "detached" });
      await expect(page.evaluate((r) => window.fake.guestsOf(r), room)).resolves.toEqual([]);
      await expect(details.locator("[data-testid=meeting-guest]").count()).resolves.toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe("axe-core: no violations at all around guests and the lobby", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    it(`on the Virtual Rooms tab with a guest waiting, a room's details (moderator and member) and the join-as-guest offer (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, {}, { colorScheme });
      try {
        await signIn(page);
        const [mine, theirs, token] = await page.evaluate(async () => {
          const id = await window.fake.createRoom("Standup");
          await window.fake.addRoomMember(id, "bob");
          await window.fake.setLobby(id, true);
          await window.fake.startMeeting(id);
          window.fake.meetingJoins(id, "bob");
          window.fake.guestJoins(id, "dave");
          window.fake.externalGuestArrives(id, "Yann from Globex");
          const other = window.fake.roomBy("carol", "Review", ["erin"]);
          window.fake.meetingJoins(other, "carol");
          window.fake.lobbyBy(other, "carol", true);
          window.fake.externalGuestArrives(other, "Max");
          window.fake.guestJoins(other, "dave");
          return [id, other, window.fake.foreignRoom("erin", "Customer call")];
        });
        // An admitted guest without an account, and one still waiting.
        await page.evaluate(async (r) => {
          const [, yann] = window.fake.guestsOf(r);
          await window.fake.admitGuest(r, yann.id);
          window.fake.externalGuestArrives(r, "Zoe");
        }, mine);
        await roomsTab(page);
        const sidebar = page.locator("nav[aria-label=Conversations]");
        await sidebar.locator(`[data-testid=ongoing-meeting][data-conversation-id="${mine}"] [data-testid=lobby-waiting]`).waitFor();
        await sidebar.locator(`[data-testid=ongoing-meeting][data-conversation-id="${theirs}"]`).waitFor();
        // The offer to join a room this user is not in, and the refusal (no meeting there).
        await sidebar.getByLabel("Room link", { exact: true }).fill(token);
        await sidebar.getByRole("button", { name: "Open", exact: true }).click();
        await sidebar.locator("[data-testid=join-as-guest]").click();
        await sidebar.locator("[data-testid=link-error]").waitFor();
        await expectAccessible(page, `Virtual Rooms tab with a guest waiting (${colorScheme})`);

        await page.locator(`[data-testid=room][data-conversation-id="${mine}"]`).click();
        const details = page.locator("aside[aria-label=Details]");
        await details.locator("[data-testid=lobby-guest]").waitFor();
        await details.locator("[data-testid=meeting-guest]").nth(1).waitFor();
        await until(page, () => document.querySelector("[data-testid=room-link]")?.textContent?.startsWith("confer://") ?? false, "the link");
        await expectAccessible(page, `room details, moderator, guests and the lobby (${colorScheme})`);
        await page.screenshot({ path: `/tmp/confer-guests-${colorScheme}.png` });
        await details.getByRole("button", { name: "Admit Zoe" }).click();
        await details.locator("[data-testid=meeting-note]").waitFor();
        await expectAccessible(page, `room details, a guest admitted (${colorScheme})`);

        await page.locator(`[data-testid=room][data-conversation-id="${theirs}"]`).click();
        await details.locator('[data-testid=member][data-user="carol"][data-role="owner"]').waitFor();
        await details.locator("[data-testid=meeting-guest]").waitFor();
        await details.locator("[data-testid=lobby-note]").waitFor();
        await expectAccessible(page, `room details, member, with a guest (${colorScheme})`);
        await page.screenshot({ path: `/tmp/confer-guests-member-${colorScheme}.png` });

        // This user's own guest access ends: the tab says why.
        const hands = await page.evaluate(async () => {
          const link = window.fake.foreignRoom("erin", "All hands");
          const room = window.fake.idByName("All hands")!;
          window.fake.meetingJoins(room, "erin");
          await window.fake.joinByLink(link);
          return room;
        });
        await sidebar.locator(`[data-testid=ongoing-meeting][data-conversation-id="${hands}"]`).waitFor();
        await page.evaluate((r) => window.fake.meetingLeaves(r, "erin"), hands);
        await sidebar.locator("[data-testid=guest-ended]").waitFor();
        await expect(sidebar.locator("[data-testid=guest-ended]").innerText()).resolves.toBe(
          "Your guest access to All hands ended: The meeting has ended.",
        );
        await expectAccessible(page, `Virtual Rooms tab, guest access ended (${colorScheme})`);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }
});
