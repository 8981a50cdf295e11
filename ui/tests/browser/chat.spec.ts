import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, launch, open, openConversation, signIn, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});


describe("chatting", () => {
  it("opens a chat from “Chat with”, sends with Enter, Shift+Enter makes a new line, ticks change live", async () => {
    const { page, errors, close } = await open(browser, { ack: "hold" });
    try {
      await signIn(page);
      const box = page.getByLabel("Chat with", { exact: true });
      await box.fill("car");
      const option = page.locator('[role=option][data-user="carol"]');
      await option.waitFor();
      await box.press("Enter");
      await page.locator('[data-testid=conversation][data-peer="carol"]').waitFor();
      // By display name; the account name is under it in the details.
      await until(page, () => document.querySelector("main h1")?.textContent === "Carol", "the header's display name");
      await expect(page.locator("aside[aria-label=Details] h2").textContent()).resolves.toBe("Carol");
      await expect(page.getByTestId("peer-login").textContent()).resolves.toBe("@carol");

      const composer = page.getByLabel("Message", { exact: true });
      await composer.click();
      await page.keyboard.type("Hello Carol");
      await page.keyboard.press("Enter");
      const first = page.locator("[data-testid=message]").first();
      await first.waitFor();
      await expect(first.getAttribute("data-mine")).resolves.toBe("true");
      await expect(first.getAttribute("data-sender")).resolves.toBe("alice");
      await expect(first.getAttribute("data-state")).resolves.toBe("pending");
      await expect(first.getAttribute("data-seq")).resolves.toBe("");
      await expect(first.locator("[data-testid=message-text]").textContent()).resolves.toBe("Hello Carol");
      await expect(composer.inputValue()).resolves.toBe("");

      // Shift+Enter: a new line in the box, nothing sent.
      await page.keyboard.type("line one");
      await page.keyboard.press("Shift+Enter");
      await page.keyboard.type("line two");
      await expect(composer.inputValue()).resolves.toBe("line one\nline two");
      await expect(page.locator("[data-testid=message]").count()).resolves.toBe(1);
      await page.keyboard.press("Enter");
      const second = page.locator("[data-testid=message]").nth(1);
      await second.waitFor();
      const text = second.locator("[data-testid=message-text]");
      await expect(text.textContent()).resolves.toBe("line one\nline two");
      await expect(text.evaluate((e) => getComputedStyle(e).whiteSpace)).resolves.toBe("pre-wrap");
      const oneLine = (await first.locator("[data-testid=message-text]").boundingBox())!.height;
      expect((await text.boundingBox())!.height).toBeGreaterThan(oneLine * 1.6);

      // The server confirms: one tick; then receipts arrive: delivered, read.
      await page.evaluate(() => window.fake.ack(true));
      await until(page, () => [...document.querySelectorAll("[data-testid=message]")].every((m) => (m as HTMLElement).dataset.state === "sent"), "both sent");
      await expect(first.getAttribute("data-seq")).resolves.toBe("1");
      await expect(second.getAttribute("data-seq")).resolves.toBe("2");
      await expect(first.locator(".ticks").getAttribute("data-count")).resolves.toBe("1");
      await expect(first.locator(".ticks").getAttribute("aria-label")).resolves.toBe("Sent");
      const id = await page.evaluate(() => window.fake.conversationWith("carol")!);
      await page.evaluate((c) => window.fake.receipts(c, 2, 1), id);
      await until(page, () => {
        const m = [...document.querySelectorAll<HTMLElement>("[data-testid=message]")].map((e) => e.dataset.state);
        return m[0] === "read" && m[1] === "delivered";
      }, "read and delivered ticks");
      await expect(second.locator(".ticks").getAttribute("aria-label")).resolves.toBe("Delivered");
      const grey = await second.locator(".ticks").evaluate((e) => getComputedStyle(e).color);
      const blue = await first.locator(".ticks").evaluate((e) => getComputedStyle(e).color);
      expect(blue).not.toBe(grey);
      // Read is told from delivered by its shape too (a filled pill), and both are at least 14px.
      const fill = (i: number) =>
        page.locator("[data-testid=message] .ticks .pill").nth(i).evaluate((e) => getComputedStyle(e).fill);
      expect(await fill(0)).not.toBe("none");
      expect(await fill(1)).toBe("none");
      for (const m of [first, second]) expect((await m.locator(".ticks svg").boundingBox())!.height).toBeGreaterThanOrEqual(14);
      await page.evaluate((c) => window.fake.receipts(c, 2, 2), id);
      await until(page, () => [...document.querySelectorAll<HTMLElement>("[data-testid=message]")].every((e) => e.dataset.state === "read"), "both read");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("counts unread per conversation and per tab, and clears them when read in view", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:30,carol:10", unread: "carol:3" });
    try {
      await signIn(page);
      const carol = page.locator('[data-testid=conversation][data-peer="carol"]');
      const tab = page.locator("[role=tab][data-tab=chats] [data-testid=tab-unread]");
      await expect(carol.locator("[data-testid=unread]").textContent()).resolves.toBe("3");
      await expect(tab.textContent()).resolves.toBe("3");
      await expect(page.locator('[data-testid=conversation][data-peer="bob"] [data-testid=unread]').count()).resolves.toBe(0);
      await expect(page.locator("[role=tab][data-tab=rooms] [data-testid=tab-unread]").count()).resolves.toBe(0);

      // Someone writes in a conversation that is not open: counts go up, the preview changes.
      await openConversation(page, "bob");
      await page.evaluate(() => window.fake.receive("carol", "One more thing"));
      await until(page, () => document.querySelector('[data-peer="carol"] [data-testid=unread]')?.textContent === "4", "carol's count at 4");
      await expect(tab.textContent()).resolves.toBe("4");
      await expect(carol.locator("[data-testid=preview]").textContent()).resolves.toBe("One more thing");
      await expect(page.title()).resolves.toBe("(4) Confer");

      // Opening it shows them in a focused window: read, counts gone.
      await carol.click();
      await until(page, () => !document.querySelector('[data-peer="carol"] [data-testid=unread]'), "carol's count gone");
      await until(page, () => !document.querySelector("[role=tab] [data-testid=tab-unread]"), "the tab count gone");
      await expect(page.title()).resolves.toBe("Confer");
      const seq = await page.evaluate(() => Math.max(...window.fake.callsOf("markRead").map((a) => a[1] as number)));
      expect(seq).toBe(11);

      // A preview is the text as it reads, without its Markdown; a deleted last message says so.
      const bob = page.locator('[data-testid=conversation][data-peer="bob"] [data-testid=preview]');
      const bobSeq = await page.evaluate(() => window.fake.receive("bob", "**Look** at `this` :tada:"));
      await expect.poll(() => bob.textContent()).toBe("Look at this 🎉");
      await page.evaluate((s) => window.fake.deleteBy(window.fake.conversationWith("bob")!, s), bobSeq);
      await expect.poll(() => bob.textContent()).toBe("Message deleted");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("does not mark messages read while the window is not focused", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:10" });
    try {
      await signIn(page);
      await openConversation(page, "bob");
      await page.waitForTimeout(200);
      const before = (await calls(page, "markRead")).length;
      // The window loses focus (another application is in front).
      await page.evaluate(() => {
        Object.defineProperty(document, "hasFocus", { configurable: true, value: () => false });
        window.dispatchEvent(new Event("blur"));
      });
      const seq = await page.evaluate(() => window.fake.receive("bob", "Are you there?"));
      await page.locator(`[data-testid=message][data-seq="${seq}"]`).waitFor();
      await page.waitForTimeout(300);
      expect((await calls(page, "markRead")).length).toBe(before);
      await expect(page.locator('[data-peer="bob"] [data-testid=unread]').textContent()).resolves.toBe("1");
      // Focus comes back: now it counts as read.
      await page.evaluate(() => {
        Object.defineProperty(document, "hasFocus", { configurable: true, value: () => true });
        window.dispatchEvent(new Event("focus"));
      });
      await until(page, `window.fake.callsOf("markRead").some(a => a[1] === ${seq})`, "marked read on focus");
      await until(page, () => !document.querySelector('[data-peer="bob"] [data-testid=unread]'), "the count gone");
      await expect(page.evaluate(() => window.fake.view)).resolves.toEqual({ conversation: 1, focused: true });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("opens the conversation of a clicked notification", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:5,carol:5" });
    try {
      await signIn(page);
      const id = await page.evaluate(() => window.fake.conversationWith("carol")!);
      await page.evaluate((c) => window.fake.openConversation(c), id);
      await until(page, () => document.querySelector("main h1")?.textContent === "Carol", "carol's conversation open");
      await expect(page.locator('[data-peer="carol"]').getAttribute("aria-current")).resolves.toBe("true");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("shows at most the server tick in privacy mode", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:12" });
    try {
      await signIn(page);
      await openConversation(page, "bob");
      const mine = page.locator('[data-testid=message][data-mine="true"]');
      await until(page, () => [...document.querySelectorAll<HTMLElement>('[data-testid=message][data-mine="true"]')].some((e) => e.dataset.state === "read"), "read ticks before");
      await page.getByRole("button", { name: "Settings" }).click();
      await page.getByLabel("Privacy mode").check();
      await page.getByRole("button", { name: "Save" }).click();
      await until(page, () => !document.querySelector("[role=dialog]"), "the dialog closed");
      await until(page, () => [...document.querySelectorAll<HTMLElement>('[data-testid=message][data-mine="true"]')].every((e) => e.dataset.state === "sent"), "only server ticks");
      await expect(mine.first().locator(".ticks").getAttribute("data-count")).resolves.toBe("1");
      // Receipts do not show while private.
      await page.evaluate(() => window.fake.receipts(1, 12, 12));
      await page.waitForTimeout(200);
      expect(await mine.evaluateAll((els) => els.every((e) => (e as HTMLElement).dataset.state === "sent"))).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
