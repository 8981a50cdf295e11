import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, launch, open, signIn, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function createRoom(page: Page, name: string): Promise<void> {
  await page.locator("[data-tab=rooms]").click();
  await page.locator("[data-testid=create-room]").click();
  const dialog = page.getByRole("dialog", { name: "Create room" });
  await dialog.waitFor();
  await dialog.getByLabel("Room name").fill(name);
  await dialog.getByRole("button", { name: "Create" }).click();
  await page.locator(`[data-testid=room][data-name="${name}"]`).waitFor();
  await dialog.waitFor({ state: "detached" });
}

describe("virtual rooms", () => {
  it("creates a room, adds and promotes members, changes the link and refuses the old one", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      await createRoom(page, "Standup");
      const row = page.locator('[data-testid=room][data-name="Standup"]');
      await expect(row.getAttribute("aria-current")).resolves.toBe("true");
      await expect(page.locator("main h1").textContent()).resolves.toBe("Standup");
      const details = page.locator("aside[aria-label=Details]");
      await expect(details.locator('[data-testid=member][data-user="alice"]').getAttribute("data-role")).resolves.toBe("owner");

      // The link, as the fake keeps it.
      const link = details.locator("[data-testid=room-link]");
      await until(page, () => document.querySelector("[data-testid=room-link]")?.textContent?.startsWith("confer://join/") ?? false, "the link");
      const id = Number(await row.getAttribute("data-conversation-id"));
      const token = await page.evaluate((i) => window.fake.linkOf(i), id);
      await expect(link.textContent()).resolves.toBe(`confer://join/${token}`);
      const oldLink = (await link.textContent()) as string;

      // Add bob with the keyboard; promote him; add carol, remove her.
      const add = details.getByLabel("Add member", { exact: true });
      await add.fill("bo");
      await details.locator('[role=option][data-user="bob"]').waitFor();
      await add.press("Enter");
      await details.locator('[data-testid=member][data-user="bob"][data-role="member"]').waitFor();
      await details.getByRole("button", { name: "Make Bob moderator" }).click();
      await details.locator('[data-testid=member][data-user="bob"][data-role="moderator"]').waitFor();
      await add.fill("car");
      await details.locator('[role=option][data-user="carol"]').click();
      await details.locator('[data-testid=member][data-user="carol"]').waitFor();
      await details.getByRole("button", { name: "Remove Carol" }).click();
      await details.locator('[data-testid=member][data-user="carol"]').waitFor({ state: "detached" });
      // Never on the owner.
      await expect(details.locator('[data-testid=member][data-user="alice"] button').count()).resolves.toBe(0);
      // Join and leave lines in the timeline.
      await page.locator('[data-testid=system-line][data-user="bob"][data-kind="joined"]').waitFor();
      await page.locator('[data-testid=system-line][data-user="carol"][data-kind="left"]').waitFor();
      await expect(page.locator('[data-testid=system-line][data-user="carol"][data-kind="left"]').innerText()).resolves.toContain("Carol left");

      // Mute for all.
      await details.getByRole("switch", { name: "Mute for all" }).click();
      await until(page, () => window.fake.infoOf(Number(document.querySelector<HTMLElement>("[data-testid=room]")?.dataset.conversationId))?.mute_all === true, "mute for all");

      // Change the link: a confirm step, then the new one shows.
      await details.locator("[data-testid=rotate-link]").click();
      await details.locator("[data-testid=confirm-rotate]").click();
      await page.waitForFunction((before) => {
        const t = document.querySelector("[data-testid=room-link]")?.textContent ?? "";
        return t.startsWith("confer://join/") && t !== before;
      }, oldLink);
      const newLink = (await link.textContent()) as string;
      expect(newLink).not.toBe(oldLink);

      // The old link is refused, the new one opens the room.
      const box = page.getByLabel("Room link", { exact: true });
      await box.fill(oldLink);
      await page.getByRole("button", { name: "Open", exact: true }).click();
      await expect(page.locator("[data-testid=link-error]").textContent()).resolves.toBe(
        "This link does not open any room (it may have been changed).",
      );
      await box.fill(newLink);
      await page.getByRole("button", { name: "Open", exact: true }).click();
      await expect(page.locator("[data-testid=link-result]").innerText()).resolves.toContain("Standup");
      await expect(page.locator("[data-testid=link-error]").count()).resolves.toBe(0);
      // The bare token works too.
      await box.fill(newLink.slice("confer://join/".length));
      await box.press("Enter");
      await page.locator("[data-testid=link-result]").waitFor();

      await page.screenshot({ path: "/tmp/confer-room.png" });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("shows a member only what members may do, and counts unread in the room row", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      const id = await page.evaluate(() => window.fake.roomBy("bob", "Design review", ["carol"], ["carol"]));
      await page.locator("[data-tab=rooms]").click();
      const row = page.locator(`[data-testid=room][data-conversation-id="${id}"]`);
      await row.waitFor();
      await page.evaluate((i) => window.fake.post(i, "bob", "Hello room"), id);
      await expect(row.locator("[data-testid=unread]").textContent()).resolves.toBe("1");
      await until(page, () => document.querySelector("[data-tab=rooms] [data-testid=tab-unread]")?.textContent === "1", "tab count");
      await row.click();
      const details = page.locator("aside[aria-label=Details]");
      await expect(details.locator('[data-testid=member][data-user="bob"]').getAttribute("data-role")).resolves.toBe("owner");
      await expect(details.locator('[data-testid=member][data-user="carol"]').getAttribute("data-role")).resolves.toBe("moderator");
      await expect(details.locator('[data-testid=member][data-user="alice"]').getAttribute("data-role")).resolves.toBe("member");
      await expect(details.locator("[data-testid=room-link]").count()).resolves.toBe(0);
      await expect(details.getByLabel("Add member").count()).resolves.toBe(0);
      await expect(details.getByRole("button", { name: /Remove|Make .* moderator|Delete room/ }).count()).resolves.toBe(0);
      await expectAccessible(page, "room details (member)");
      await details.getByRole("button", { name: "Leave room" }).click();
      await details.locator("[data-testid=confirm-end]").click();
      await row.waitFor({ state: "detached" });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("keeps each tab on one line with unread badges, at the window's minimum size (760×480)", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:3,carol:140", unread: "carol:130" }, { width: 760, height: 480 });
    try {
      await signIn(page);
      await page.evaluate(() => {
        const id = window.fake.roomBy("bob", "Design review", ["carol"]);
        for (let i = 0; i < 120; i++) window.fake.post(id, "bob", `Note ${i}`);
        for (let i = 0; i < 130; i++) window.fake.receive("carol", `Ping ${i}`);
      });
      await until(page, () => document.querySelector("[data-tab=rooms] [data-testid=tab-unread]")?.textContent === "120", "the rooms badge");
      await until(page, () => document.querySelector("[data-tab=chats] [data-testid=tab-unread]")?.textContent === "130", "the chats badge");
      await page.screenshot({ path: "/tmp/confer-tabs-badges.png" });
      const boxes = await page.evaluate(() => {
        const bar = document.querySelector<HTMLElement>("[role=tablist]")!;
        const line = parseFloat(getComputedStyle(document.querySelector("#tab-people")!).lineHeight);
        return {
          line,
          bar: bar.getBoundingClientRect().toJSON() as DOMRect,
          overflow: bar.scrollWidth - bar.clientWidth,
          tabs: [...bar.querySelectorAll<HTMLElement>("[role=tab]")].map((t) => {
            // The label's line boxes (its own text, not the badge): one per line it takes.
            const text = [...t.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim())!;
            const label = document.createRange();
            label.selectNodeContents(text);
            const lines = new Set([...label.getClientRects()].filter((r) => r.width > 1).map((r) => Math.round(r.top)));
            return { id: t.id, box: t.getBoundingClientRect().toJSON() as DOMRect, scroll: t.scrollWidth - t.clientWidth, lines: lines.size };
          }),
        };
      });
      const people = boxes.tabs.find((t) => t.id === "tab-people")!;
      for (const t of boxes.tabs) {
        // Not taller than the tab without a badge, no second line, nothing spilling out of it.
        expect(t.box.height, `${t.id} height`).toBeLessThanOrEqual(people.box.height + 0.5);
        expect(t.lines, `${t.id} lines`).toBe(1);
        expect(t.scroll, `${t.id} overflow`).toBeLessThanOrEqual(0);
        expect(t.box.left, `${t.id} left`).toBeGreaterThanOrEqual(boxes.bar.left - 0.5);
        expect(t.box.right, `${t.id} right`).toBeLessThanOrEqual(boxes.bar.right + 0.5);
      }
      expect(boxes.overflow, "the tab bar scrolls sideways").toBeLessThanOrEqual(0);
      await expectAccessible(page, "tabs with badges at the minimum size");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("is reachable by keyboard and accessible (tab, create dialog, details)", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      await page.locator("#tab-chats").focus();
      await page.keyboard.press("ArrowRight");
      await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("tab-rooms");
      await expectAccessible(page, "Virtual Rooms tab");
      await page.locator("[data-testid=create-room]").focus();
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Create room" });
      await dialog.waitFor();
      await expect(page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).resolves.toBe("Room name");
      await expectAccessible(page, "create room dialog");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
      await expect(page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).resolves.toBe("create-room");
      await page.keyboard.press("Enter");
      await page.keyboard.type("Retro");
      await page.keyboard.press("Enter");
      await page.locator('[data-testid=room][data-name="Retro"]').waitFor();
      await until(page, () => document.querySelector("[data-testid=room-link]")?.textContent?.startsWith("confer://") ?? false, "the link");
      await expectAccessible(page, "room details (owner)");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
  it("keeps the focus ring of the controls at the list's edges inside its scrolling box", async () => {
    const { page, errors, close } = await open(browser);
    try {
      await signIn(page);
      await createRoom(page, "Edges");
      // By keyboard, so that focus shows its ring (:focus-visible).
      await page.locator("#tab-rooms").focus();
      await page.keyboard.press("ArrowLeft");
      await page.keyboard.press("ArrowRight");
      await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("tab-rooms");
      // The first control (top, left and right edges) and a room's row (left and right).
      for (const selector of ["[data-testid=create-room]", '[data-testid=room][data-name="Edges"]']) {
        await page.locator(selector).focus();
        const fit = await page.evaluate((sel) => {
          const el = document.querySelector<HTMLElement>(sel)!;
          const box = el.closest<HTMLElement>(".rooms")!;
          const style = getComputedStyle(el);
          const out = parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
          const r = el.getBoundingClientRect();
          const c = box.getBoundingClientRect();
          // The scroll container's visible box: its padding box, what it clips to.
          const v = { left: c.left + box.clientLeft, top: c.top + box.clientTop };
          const visible = { ...v, right: v.left + box.clientWidth, bottom: v.top + box.clientHeight };
          const ring = { left: r.left - out, top: r.top - out, right: r.right + out, bottom: r.bottom + out };
          return {
            focused: document.activeElement === el && el.matches(":focus-visible") && style.outlineStyle !== "none" && out > 0,
            inside: ring.left >= visible.left && ring.top >= visible.top && ring.right <= visible.right && ring.bottom <= visible.bottom,
            ring,
            visible,
          };
        }, selector);
        expect(fit.focused, selector).toBe(true);
        expect(fit.inside, `${selector}: ${JSON.stringify(fit)}`).toBe(true);
      }
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
