// What is done to messages (#13) as a person does it: the action bar shown on hover and on
// focus (beside the bubble, never over a time or ticks), reactions, an answer's quote that goes
// to its original, and the search of every conversation; axe finds nothing at all in any of
// them, light or dark.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, expectAccessible, launch, open, openConversation, signIn, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const bubble = (page: Page, seq: number) => page.locator(`[data-testid=message][data-seq="${seq}"]`);

/** The action bar's opacity over a message. */
function barOpacity(page: Page, seq: number): Promise<number> {
  return bubble(page, seq)
    .locator("[data-testid=message-actions]")
    .evaluate((e) => Number(getComputedStyle(e.parentElement!).opacity));
}

/** Where the shown part of a message's action bar (the bar, or "…" in a narrow row) crosses a
 * time or ticks of the timeline (its own or another message's), or leaves the timeline's sides;
 * empty when it does neither. */
function barOverlaps(page: Page, seq: number): Promise<string[]> {
  return page.evaluate((s) => {
    const scroller = document.querySelector("[data-testid=timeline-scroller]")!;
    const box = scroller.getBoundingClientRect();
    const message = scroller.querySelector(`[data-testid=message][data-seq="${s}"]`)!;
    const shown = [...message.querySelectorAll(".actions > *")].map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
    if (shown.length === 0) return ["no bar shown"];
    const out: string[] = [];
    for (const bar of shown) {
      if (bar.left < box.left - 0.5 || bar.right > box.right + 0.5) out.push(`bar outside the timeline: ${bar.left}-${bar.right} of ${box.left}-${box.right}`);
      for (const mark of scroller.querySelectorAll("time, .ticks")) {
        const r = mark.getBoundingClientRect();
        const crosses = bar.left < r.right && r.left < bar.right && bar.top < r.bottom && r.top < bar.bottom;
        if (!crosses) continue;
        const owner = mark.closest<HTMLElement>("[data-seq]")?.dataset.seq ?? "?";
        out.push(`${mark.tagName.toLowerCase()}${mark.classList.contains("ticks") ? ".ticks" : ""} of ${owner === String(s) ? "its message" : `message ${owner}`}`);
      }
    }
    return out;
  }, seq);
}

/** True when the message is inside the timeline's viewport. */
function inView(page: Page, seq: number): Promise<boolean> {
  return page.evaluate((s) => {
    const scroller = document.querySelector("[data-testid=timeline-scroller]")!.getBoundingClientRect();
    const m = document.querySelector(`[data-testid=message][data-seq="${s}"]`);
    if (!m) return false;
    const r = m.getBoundingClientRect();
    return r.top >= scroller.top && r.bottom <= scroller.bottom;
  }, seq);
}

describe("rich messages", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    it(`shows the action bar on hover and focus, reacts, answers with a quote that goes to its original (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, { seed: "bob:120" }, { colorScheme });
      try {
        await signIn(page);
        await openConversation(page, "bob");
        await bubble(page, 120).waitFor();

        // Hidden until pointed at.
        expect(await barOpacity(page, 120)).toBe(0);
        await bubble(page, 120).hover();
        await until(page, () => getComputedStyle(document.querySelector('[data-testid=message][data-seq="120"] .actions')!).opacity === "1", "the bar shown on hover");
        await expectAccessible(page, `action bar on hover (${colorScheme})`);

        // Reached from the keyboard: one stop, then the arrow keys.
        await page.mouse.move(5, 5);
        await bubble(page, 119).getByRole("button", { name: "Add reaction" }).focus();
        expect(await barOpacity(page, 119)).toBe(1);
        await page.keyboard.press("ArrowRight");
        await expect(page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).resolves.toBe("Reply");

        // A reaction from the bar's quick row.
        await bubble(page, 120).hover();
        await bubble(page, 120).getByRole("button", { name: "Add reaction" }).click();
        await page.getByRole("dialog", { name: "Reactions" }).waitFor();
        await expectAccessible(page, `reaction picker (${colorScheme})`);
        await page.getByRole("button", { name: "React with 👍" }).click();
        const chip = bubble(page, 120).locator('[data-testid=reaction][data-emoji="👍"]');
        await chip.waitFor();
        await expect(chip.getAttribute("aria-pressed")).resolves.toBe("true");
        await page.evaluate(() => {
          const id = window.fake.conversationWith("bob")!;
          window.fake.reactBy(id, 120, "bob", "👍");
          window.fake.reactBy(id, 120, "bob", "🎉");
        });
        await until(page, () => document.querySelector('[data-testid=message][data-seq="120"] [data-testid=reaction][data-emoji="👍"]')?.getAttribute("data-count") === "2", "bob's reaction");
        await expect(chip.getAttribute("title")).resolves.toBe("Bob and you");
        await expectAccessible(page, `reactions (${colorScheme})`);
        await chip.click();
        await until(page, () => document.querySelector('[data-testid=message][data-seq="120"] [data-testid=reaction][data-emoji="👍"]')?.getAttribute("aria-pressed") === "false", "taken back");

        // An answer to an old message, not loaded yet: the quote goes back to it, highlighted.
        await page.evaluate(() => {
          const id = window.fake.conversationWith("bob")!;
          window.fake.replyBy(id, "bob", "Back to what you said then", 20);
        });
        const quote = page.locator("[data-testid=reply-quote]").last();
        await quote.waitFor();
        await expect(quote.textContent()).resolves.toContain("Original message not loaded");
        await expectAccessible(page, `reply quote (${colorScheme})`);
        await quote.click();
        await until(page, () => document.querySelector('[data-testid=message][data-seq="20"]')?.classList.contains("highlighted") ?? false, "the original highlighted");
        expect(await inView(page, 20)).toBe(true);
        await expect(page.evaluate(() => document.activeElement?.getAttribute("data-seq"))).resolves.toBe("20");

        // Answering from the bar: the box says so, the answer carries it.
        await bubble(page, 20).hover();
        await bubble(page, 20).getByRole("button", { name: "Reply" }).click();
        await expect(page.getByTestId("reply-banner").textContent()).resolves.toContain("Replying to You: Reply number 20");
        await expectAccessible(page, `replying (${colorScheme})`);
        await page.keyboard.type("Answering myself");
        await page.keyboard.press("Enter");
        await until(page, () => [...document.querySelectorAll("[data-testid=message]")].some((m) => m.textContent?.includes("Answering myself")), "the answer");
        expect((await calls(page, "sendReply")).map((c) => c[2])).toEqual([20]);
        await expect(page.locator("[data-testid=reply-quote]").last().textContent()).resolves.toContain("Reply number 20");
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }

  for (const [size, viewport] of [
    ["wide", { width: 1280, height: 800 }],
    ["at the smallest window", { width: 760, height: 480 }],
  ] as const) {
    it(`keeps the action bar off every time and ticks on hover, short and long messages, one's own and others' (${size})`, async () => {
      const { page, errors, close } = await open(browser, { seed: "bob:6" }, viewport);
      try {
        await signIn(page);
        await openConversation(page, "bob");
        // Short ones (a bubble narrower than the bar) and a long one (a bubble as wide as it goes).
        const seqs = await page.evaluate(() => {
          const id = window.fake.conversationWith("bob")!;
          return [
            window.fake.post(id, "alice", "ok"),
            window.fake.receive("bob", "k"),
            window.fake.receive("bob", "A longer message that takes the whole width a bubble may have, and wraps onto more than one line of text."),
            window.fake.post(id, "alice", "Mine, as long as that one: it takes the whole width a bubble may have and wraps onto more lines."),
            window.fake.post(id, "alice", "Me again"),
          ];
        });
        await bubble(page, seqs[4]).waitFor();
        for (const seq of [...seqs, 5, 6]) {
          await bubble(page, seq).scrollIntoViewIfNeeded();
          await bubble(page, seq).hover();
          await until(page, `getComputedStyle(document.querySelector('[data-testid=message][data-seq="${seq}"] .actions')).opacity === "1"`, `the bar of ${seq}`);
          expect(await barOverlaps(page, seq), `message ${seq}`).toEqual([]);
        }
        if (viewport.width === 760) {
          // Too narrow for the bar beside the bubble: "…" stands for it and opens the same actions.
          const more = bubble(page, seqs[3]).getByRole("button", { name: "More actions for Alice's message" });
          await bubble(page, seqs[3]).hover();
          await more.click();
          const menu = page.getByRole("menu", { name: "Actions for Alice's message" });
          await menu.waitFor();
          await expect(menu.getByRole("menuitem", { name: "Edit" }).isVisible()).resolves.toBe(true);
          await expectAccessible(page, "a message's … and its menu at the smallest window");
          await page.keyboard.press("Escape");
          await until(page, () => document.activeElement?.getAttribute("data-testid") === "message-more", "the focus back on …");
        } else {
          await expect(bubble(page, seqs[3]).getByTestId("message-more").isVisible()).resolves.toBe(false);
        }
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }

  for (const colorScheme of ["light", "dark"] as const) {
    it(`edits in place with Up, then deletes after asking (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, { seed: "bob:5" }, { colorScheme });
      try {
        await signIn(page);
        await openConversation(page, "bob");
        await page.getByLabel("Message", { exact: true }).click();
        await page.keyboard.press("ArrowUp");
        const editor = page.getByRole("textbox", { name: "Edit message" });
        await editor.waitFor();
        await expect(editor.inputValue()).resolves.toBe("Reply number 5");
        await expectAccessible(page, `editing in place (${colorScheme})`);
        await editor.fill("Reply number five");
        await page.keyboard.press("Enter");
        await until(page, () => document.querySelector('[data-testid=message][data-seq="5"] [data-testid=edited]') !== null, "(edited)");
        await expect(bubble(page, 5).getByTestId("message-text").textContent()).resolves.toBe("Reply number five");
        // The view still follows the newest messages.
        await page.evaluate(() => window.fake.receive("bob", "After the edit"));
        await bubble(page, 6).waitFor();
        await until(page, () => {
          const s = document.querySelector("[data-testid=timeline-scroller]")!;
          return s.scrollHeight - s.scrollTop - s.clientHeight < 2;
        }, "the newest shown");
        await bubble(page, 5).click({ button: "right" });
        await page.getByRole("menu").waitFor();
        await expectAccessible(page, `message menu (${colorScheme})`);
        await page.getByRole("menuitem", { name: "Delete…" }).click();
        await page.getByRole("dialog", { name: "Delete message" }).waitFor();
        await page.getByTestId("confirm-delete").click();
        await until(page, () => document.querySelector('[data-testid=message][data-seq="5"]')?.getAttribute("data-deleted") === "true", "deleted");
        await expect(bubble(page, 5).getByTestId("message-text").textContent()).resolves.toBe("Message deleted");
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }

  for (const colorScheme of ["light", "dark"] as const) {
    it(`searches every conversation (Ctrl+Shift+F) and opens a hit at its message; Ctrl+F searches the chat (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, { seed: "bob:200,carol:3" }, { colorScheme });
      try {
        await signIn(page);
        await page.evaluate(() => {
          const id = window.fake.conversationWith("bob")!;
          window.fake.editBy(id, 4, "The budget meeting moved to Thursday");
          window.fake.receive("carol", "Did you see the new budget figures?");
        });
        await page.keyboard.press("Control+Shift+F");
        const dialog = page.getByRole("dialog", { name: "Search messages" });
        await dialog.waitFor();
        await page.keyboard.type("budgets");
        await until(page, () => document.querySelectorAll("[data-testid=search-dialog] [data-testid=search-result]").length === 2, "two hits");
        const hits = dialog.getByTestId("search-result");
        await expect(hits.first().textContent()).resolves.toContain("Carol");
        await expect(hits.first().locator("mark").textContent()).resolves.toBe("budget");
        await expectAccessible(page, `search dialog (${colorScheme})`);
        // The older one: bob's 4th message, far above the first page.
        await hits.nth(1).click();
        await until(page, () => document.querySelector('[data-testid=message][data-seq="4"]')?.classList.contains("highlighted") ?? false, "the hit highlighted");
        expect(await inView(page, 4)).toBe(true);
        await expect(page.locator("h1").first().textContent()).resolves.toBe("Bob");

        // Ctrl+F: the bar over the chat.
        await page.keyboard.press("Control+f");
        const field = page.getByRole("searchbox", { name: "Search in this conversation" });
        await field.waitFor();
        await page.keyboard.type("thursday");
        await until(page, () => document.querySelectorAll("[data-testid=chat-search] [data-testid=search-result]").length === 1, "one hit");
        await page.getByTestId("search-server").waitFor();
        await expectAccessible(page, `chat search (${colorScheme})`);
        await page.keyboard.press("Escape");
        await until(page, () => document.querySelector("[data-testid=chat-search]") === null, "the bar closed");
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }
});
