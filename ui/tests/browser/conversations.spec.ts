// A conversation's life around its messages: who is typing (shown, and told to the others,
// throttled), @mentions in a group (the list, the pick, what is sent, one naming this user
// highlighted, and in a muted group), the conversations' menu (mark unread, mute, hide; by the
// pointer and by the keyboard) and the Favourites section at the top of Chats.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, launch, open, openConversation, signIn, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const row = (page: Page, peer: string) => page.locator(`[data-testid=conversation][data-peer="${peer}"]`);
const menu = (page: Page, name: string) => page.getByRole("menu", { name: `Actions for ${name}` });
const item = (page: Page, name: string, action: string) => menu(page, name).locator(`[role=menuitem][data-action="${action}"]`);

/** The conversation with `peer` (1:1) in the fake. */
const idOf = (page: Page, peer: string) => page.evaluate((p) => window.fake.conversationWith(p)!, peer);

/** The row's unread count as shown (0: none). */
const unreadOf = (page: Page, peer: string) =>
  page.evaluate((p) => {
    const badge = document.querySelector(`[data-testid=conversation][data-peer="${p}"] [data-testid=unread]`);
    return badge ? Number(badge.textContent) : 0;
  }, peer);

/** The Chats tab's unread total as shown (0: none). */
const chatsTotal = (page: Page) =>
  page.evaluate(() => Number(document.querySelector("[role=tab][data-tab=chats] [data-testid=tab-unread]")?.textContent ?? 0));

/** Which element has the focus, by a data attribute. */
const focused = (page: Page, attr: string) =>
  page.evaluate((a) => (document.activeElement as HTMLElement | null)?.getAttribute(a) ?? null, attr);

/** The peers of the rows in the Favourites list, and in the Chats list, in order. */
const sections = (page: Page) =>
  page.evaluate(() => {
    const peers = (sel: string) =>
      [...document.querySelectorAll<HTMLElement>(`${sel} [data-testid=conversation], ${sel} [data-testid=favourite-person]`)].map(
        (e) => e.dataset.peer ?? `person:${e.dataset.user}`,
      );
    return { favourites: peers("[data-testid=favourites]"), chats: peers("ul[aria-label=Chats]") };
  });

describe("conversations", () => {
  it("shows who is typing in the open conversation, by display name, until they stop or go quiet", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:3,carol:3" });
    try {
      await signIn(page);
      const bob = await idOf(page, "bob");
      const carol = await idOf(page, "carol");
      await openConversation(page, "bob");
      const typing = page.getByTestId("typing");
      await expect(typing.textContent()).resolves.toBe("");

      // Someone typing elsewhere does not show here.
      await page.evaluate((id) => window.fake.typingBy(id, "carol"), carol);
      await page.evaluate((id) => window.fake.typingBy(id, "bob"), bob);
      await until(page, () => document.querySelector("[data-testid=typing]")?.textContent === "Bob is typing…", "bob typing");
      // A polite live region, there before it had anything to say.
      await expect(typing.getAttribute("role")).resolves.toBe("status");

      // Stopped: gone.
      await page.evaluate((id) => window.fake.typingBy(id, "bob", false), bob);
      await until(page, () => document.querySelector("[data-testid=typing]")?.textContent === "", "bob stopped");

      // His message ends it too.
      await page.evaluate((id) => window.fake.typingBy(id, "bob"), bob);
      await until(page, () => document.querySelector("[data-testid=typing]")?.textContent === "Bob is typing…", "bob typing again");
      await page.evaluate(() => window.fake.receive("bob", "Here it is"));
      await until(page, () => document.querySelector("[data-testid=typing]")?.textContent === "", "bob's message arrived");

      // Not repeated (the peer's app went away): gone after its 6 s.
      await page.evaluate((id) => window.fake.typingBy(id, "bob"), bob);
      await until(page, () => document.querySelector("[data-testid=typing]")?.textContent === "Bob is typing…", "bob typing once more");
      const shown = Date.now();
      await until(page, () => document.querySelector("[data-testid=typing]")?.textContent === "", "the indicator timed out");
      expect(Date.now() - shown).toBeGreaterThan(4_000);

      // Carol's, still running, shows when her chat is opened (it was not shown in bob's).
      await page.evaluate((id) => window.fake.typingBy(id, "carol"), carol);
      await openConversation(page, "carol");
      await until(page, () => document.querySelector("[data-testid=typing]")?.textContent === "Carol is typing…", "carol typing in hers");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("names two people typing in a group", async () => {
    const { page, errors, close } = await open(browser);
    try {
      // Seeded before signing in: the list then has it (seedGroup tells the UI nothing).
      const group = await page.evaluate(() => window.fake.seedGroup("Launch", ["bob", "carol", "dave"], [{ sender: "bob", text: "Morning" }]));
      await signIn(page);
      await until(page, () => !!document.querySelector('[data-testid=conversation][data-peer="Launch"]'), "the group listed");
      await openConversation(page, "Launch");
      await page.evaluate((id) => {
        window.fake.typingBy(id, "bob");
        window.fake.typingBy(id, "carol");
      }, group);
      await until(page, () => document.querySelector("[data-testid=typing]")?.textContent === "Bob and Carol are typing…", "two typing");
      await page.evaluate((id) => window.fake.typingBy(id, "dave"), group);
      await until(page, () => document.querySelector("[data-testid=typing]")?.textContent === "Several people are typing…", "three typing");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("tells the others this user types: once per 3 s while keys come, stopped on send, on emptying and when idle", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:3" });
    try {
      await signIn(page);
      const bob = await idOf(page, "bob");
      await openConversation(page, "bob");
      const box = page.getByRole("textbox", { name: "Message" });
      await box.focus();
      expect(await calls(page, "setTyping")).toEqual([]);

      const text = "On my way, see you in ten";
      const started = Date.now();
      for (const ch of text) await page.keyboard.type(ch);
      const took = Date.now() - started;
      await until(page, `window.fake.callsOf("setTyping").length > 0`, "typing told");
      const said = await calls(page, "setTyping");
      // Throttled: one notice per 3 s of typing, not one per key.
      expect(said.length).toBeLessThanOrEqual(1 + Math.floor(took / 3_000));
      expect(said.length).toBeLessThan(text.length);
      expect(said.every(([c, on]) => c === bob && on === true)).toBe(true);

      // Sent: stopped, once.
      await page.keyboard.press("Enter");
      await until(page, `window.fake.callsOf("sendMessage").length === 1`, "sent");
      await until(page, `window.fake.callsOf("setTyping").at(-1)?.[1] === false`, "stopped on send");
      const afterSend = await calls(page, "setTyping");
      expect(afterSend.filter(([, on]) => on === false)).toEqual([[bob, false]]);

      // Typing again says so again; emptying the box stops.
      await page.keyboard.type("Hm");
      await until(page, `window.fake.callsOf("setTyping").length === ${afterSend.length + 1}`, "typing again");
      expect((await calls(page, "setTyping")).at(-1)).toEqual([bob, true]);
      await page.keyboard.press("Backspace");
      await page.keyboard.press("Backspace");
      await until(page, `window.fake.callsOf("setTyping").length === ${afterSend.length + 2}`, "stopped on emptying");
      expect((await calls(page, "setTyping")).at(-1)).toEqual([bob, false]);

      // No key for 5 s: stopped.
      await page.keyboard.type("x");
      await until(page, `window.fake.callsOf("setTyping").length === ${afterSend.length + 3}`, "typing once more");
      const idleFrom = Date.now();
      await until(page, `window.fake.callsOf("setTyping").length === ${afterSend.length + 4}`, "stopped when idle");
      expect(Date.now() - idleFrom).toBeGreaterThan(3_500);
      expect((await calls(page, "setTyping")).at(-1)).toEqual([bob, false]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("@ in a group offers the members, the pick goes in the text and is sent; a mention of this user stands out", async () => {
    const { page, errors, close } = await open(browser);
    try {
      const group = await page.evaluate(() =>
        window.fake.seedGroup("Launch", ["bob", "carol", "dave"], [{ sender: "bob", text: "Who takes the release notes?" }]),
      );
      await signIn(page);
      await until(page, () => !!document.querySelector('[data-testid=conversation][data-peer="Launch"]'), "the group listed");
      await openConversation(page, "Launch");
      const box = page.getByRole("textbox", { name: "Message" });
      await box.focus();
      const list = page.getByRole("listbox", { name: "People to mention" });
      const offered = () => list.locator("[role=option]").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.user));

      await page.keyboard.type("I can, with @");
      await list.waitFor();
      expect(await offered()).toEqual(["bob", "carol", "dave"]);
      await expect(box.getAttribute("aria-controls")).resolves.toBe(await list.getAttribute("id"));
      // Narrowed by what follows the @; arrows choose, Enter picks (and does not send).
      await page.keyboard.type("c");
      await until(page, () => document.querySelectorAll("[data-testid=mention-list] [role=option]").length === 1, "narrowed to carol");
      await page.keyboard.press("Backspace");
      await until(page, () => document.querySelectorAll("[data-testid=mention-list] [role=option]").length === 3, "all again");
      await page.keyboard.press("ArrowDown");
      await expect(list.locator('[role=option][data-user="carol"]').getAttribute("aria-selected")).resolves.toBe("true");
      await page.keyboard.press("Enter");
      await until(page, () => !document.querySelector("[data-testid=mention-list]"), "the list closed");
      expect(await box.inputValue()).toBe("I can, with @carol ");
      expect(await calls(page, "sendMessage")).toEqual([]);

      // A click picks too; Escape closes the list without touching the text.
      await page.keyboard.type("and @da");
      await list.locator('[role=option][data-user="dave"]').click();
      expect(await box.inputValue()).toBe("I can, with @carol and @dave ");
      await page.keyboard.type("@");
      await list.waitFor();
      await page.keyboard.press("Escape");
      await until(page, () => !document.querySelector("[data-testid=mention-list]"), "closed by Escape");
      await page.keyboard.press("Backspace");
      expect(await box.inputValue()).toBe("I can, with @carol and @dave ");

      await page.keyboard.press("Enter");
      await until(page, `window.fake.callsOf("sendMessage").length === 1`, "sent");
      expect(await calls(page, "sendMessage")).toEqual([[group, "I can, with @carol and @dave "]]);
      // The server names them: marked in the sent message, neither as this user.
      const mine = page.locator('[data-testid=message][data-mine="true"]').last();
      await until(page, () => document.querySelectorAll('[data-testid=message][data-mine="true"] [data-testid=mention]').length === 2, "the mentions marked");
      expect(await mine.locator("[data-testid=mention]").evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.user, e.classList.contains("me")]))).toEqual([
        ["carol", false],
        ["dave", false],
      ]);

      // Bob names this user: highlighted, unlike a mention of someone else.
      await page.evaluate((id) => window.fake.post(id, "bob", "Thanks @alice, and @carol for the review"), group);
      const theirs = page.locator('[data-testid=message][data-sender="bob"]').last();
      await theirs.locator('[data-testid=mention][data-user="alice"]').waitFor();
      const look = (user: string) =>
        theirs.locator(`[data-testid=mention][data-user="${user}"]`).evaluate((e) => ({ me: e.classList.contains("me"), background: getComputedStyle(e).backgroundColor }));
      const alice = await look("alice");
      const carol = await look("carol");
      expect(alice.me).toBe(true);
      expect(carol.me).toBe(false);
      expect(alice.background).not.toBe(carol.background);
      expect(alice.background).not.toBe("rgba(0, 0, 0, 0)");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("a mention in a muted group: counted on its row (not in the tab's total), highlighted when opened", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:2" });
    try {
      const group = await page.evaluate(() => window.fake.seedGroup("Quiet", ["bob", "carol"], [{ sender: "carol", text: "Muted chatter" }]));
      await signIn(page);
      await until(page, () => !!document.querySelector('[data-testid=conversation][data-peer="Quiet"]'), "the group listed");
      // Muted from its menu.
      await row(page, "Quiet").click({ button: "right" });
      await item(page, "Quiet", "mute").click();
      await until(page, `window.fake.callsOf("setMuted").length === 1`, "muted");
      expect(await calls(page, "setMuted")).toEqual([[group, true]]);
      await until(page, () => !!document.querySelector('[data-testid=conversation][data-peer="Quiet"] .muted-mark'), "the muted mark");

      // The core decides (crates/core notify.rs): a mention of this user notifies even there.
      // Events reach the UI a moment later (fake: emit): what it is told is read on the way.
      await page.evaluate((id) => {
        const seen: unknown[] = [];
        (window as unknown as { decisions: unknown[] }).decisions = seen;
        const fake = window.fake as unknown as { listener: (e: { event: string; decision?: unknown }) => void };
        const listener = fake.listener;
        fake.listener = (e) => {
          if (e.event === "message") seen.push(e.decision);
          listener(e);
        };
        window.fake.post(id, "carol", "More chatter");
        window.fake.post(id, "bob", "@alice please sign off the launch");
      }, group);
      await until(page, () => (window as unknown as { decisions: unknown[] }).decisions.length === 2, "both messages told");
      const decisions = await page.evaluate(() => (window as unknown as { decisions: unknown[] }).decisions);
      expect(decisions).toEqual([
        { notify: false, blink: false, badge: false, mentioned: false },
        { notify: true, blink: true, badge: false, mentioned: true },
      ]);
      await until(page, () => document.querySelector('[data-testid=conversation][data-peer="Quiet"] [data-testid=unread]')?.textContent === "2", "both counted on the row");
      expect(await chatsTotal(page)).toBe(0);
      await expect(row(page, "Quiet").textContent()).resolves.toContain("@alice please sign off the launch");

      await openConversation(page, "Quiet");
      const mention = page.locator('[data-testid=message][data-sender="bob"] [data-testid=mention][data-user="alice"]');
      await mention.waitFor();
      await expect(mention.evaluate((e) => e.classList.contains("me"))).resolves.toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("the menu marks a chat unread and read again, mutes and unmutes, by the keyboard (Shift+F10, the Menu key)", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:4,carol:4" });
    try {
      await signIn(page);
      const bob = await idOf(page, "bob");
      await until(page, () => document.querySelectorAll("[data-testid=conversation]").length === 2, "the chats listed");
      expect(await unreadOf(page, "bob")).toBe(0);

      // Shift+F10 on the row: the menu, its first item focused.
      await row(page, "bob").focus();
      await page.keyboard.press("Shift+F10");
      await menu(page, "Bob").waitFor();
      expect(await focused(page, "data-action")).toBe("mark-unread");
      await page.keyboard.press("Enter");
      await until(page, `window.fake.callsOf("markUnread").length === 1`, "marked unread");
      expect(await calls(page, "markUnread")).toEqual([[bob]]);
      await until(page, () => document.querySelector('[data-testid=conversation][data-peer="bob"] [data-testid=unread]')?.textContent === "1", "the row unread");
      expect(await chatsTotal(page)).toBe(1);
      expect(await menu(page, "Bob").count()).toBe(0);
      // The focus is back on the row.
      expect(await focused(page, "data-peer")).toBe("bob");

      // Now it offers "Mark as read".
      await page.keyboard.press("ContextMenu");
      await menu(page, "Bob").waitFor();
      expect(await focused(page, "data-action")).toBe("mark-read");
      await expect(item(page, "Bob", "mark-read").textContent()).resolves.toBe("Mark as read");
      await page.keyboard.press("Enter");
      await until(page, `window.fake.callsOf("markRead").length === 1`, "marked read");
      expect((await calls(page, "markRead"))[0][0]).toBe(bob);
      await until(page, () => !document.querySelector('[data-testid=conversation][data-peer="bob"] [data-testid=unread]'), "the row read");
      expect(await chatsTotal(page)).toBe(0);

      // Mute with the arrows, then unmute.
      await page.keyboard.press("Shift+F10");
      await menu(page, "Bob").waitFor();
      await page.keyboard.press("ArrowDown");
      expect(await focused(page, "data-action")).toBe("mute");
      await expect(page.locator("[role=menuitem]:focus").textContent()).resolves.toContain("Mute notifications");
      await page.keyboard.press("Enter");
      await until(page, `window.fake.callsOf("setMuted").length === 1`, "muted");
      expect(await calls(page, "setMuted")).toEqual([[bob, true]]);
      await until(page, () => !!document.querySelector('[data-testid=conversation][data-peer="bob"] .muted-mark'), "the muted mark");
      await expect(row(page, "bob").textContent()).resolves.toContain(", muted");
      // Muted: a new message counts on the row, not in the tab's total.
      await page.evaluate(() => window.fake.receive("bob", "Still there?"));
      await until(page, () => document.querySelector('[data-testid=conversation][data-peer="bob"] [data-testid=unread]')?.textContent === "1", "counted on the row");
      expect(await chatsTotal(page)).toBe(0);

      await row(page, "bob").focus();
      await page.keyboard.press("Shift+F10");
      await menu(page, "Bob").waitFor();
      await expect(item(page, "Bob", "mute").textContent()).resolves.toContain("Unmute notifications");
      await item(page, "Bob", "mute").click();
      await until(page, `window.fake.callsOf("setMuted").length === 2`, "unmuted");
      expect((await calls(page, "setMuted"))[1]).toEqual([bob, false]);
      await until(page, () => !document.querySelector('[data-testid=conversation][data-peer="bob"] .muted-mark'), "the mark gone");
      await until(page, () => document.querySelector("[role=tab][data-tab=chats] [data-testid=tab-unread]")?.textContent === "1", "counted in the total again");

      // Escape closes the menu, doing nothing.
      await row(page, "carol").focus();
      await page.keyboard.press("Shift+F10");
      await menu(page, "Carol").waitFor();
      await page.keyboard.press("Escape");
      await until(page, () => !document.querySelector("[data-testid=conversation-menu]"), "closed");
      expect(await focused(page, "data-peer")).toBe("carol");
      expect(await calls(page, "markUnread")).toHaveLength(1);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("hides a 1:1 chat until its next message; hiding the open one closes it", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:4,carol:4,dave:2" });
    try {
      await page.evaluate(() => window.fake.seedGroup("Launch", ["bob", "carol"], [{ sender: "bob", text: "Hi" }]));
      await signIn(page);
      const carol = await idOf(page, "carol");
      const bob = await idOf(page, "bob");
      await until(page, () => document.querySelectorAll("[data-testid=conversation]").length === 4, "the chats listed");

      // By the "…" button.
      await row(page, "carol").hover();
      await page.getByRole("button", { name: "More actions for Carol" }).click();
      await item(page, "Carol", "hide").click();
      await until(page, `window.fake.callsOf("hideConversation").length === 1`, "hidden");
      expect(await calls(page, "hideConversation")).toEqual([[carol, true]]);
      await until(page, () => !document.querySelector('[data-testid=conversation][data-peer="carol"]'), "carol's row gone");
      expect((await sections(page)).chats.sort()).toEqual(["Launch", "bob", "dave"]);

      // Her next message brings it back, unread.
      await page.evaluate(() => window.fake.receive("carol", "Are you there?"));
      await row(page, "carol").waitFor();
      await until(page, () => document.querySelector('[data-testid=conversation][data-peer="carol"] [data-testid=unread]')?.textContent === "1", "back, unread");
      await expect(row(page, "carol").textContent()).resolves.toContain("Are you there?");

      // The open chat, by the keyboard: its tab closes and its row goes.
      await openConversation(page, "bob");
      await row(page, "bob").focus();
      await page.keyboard.press("ContextMenu");
      await menu(page, "Bob").waitFor();
      await item(page, "Bob", "hide").focus();
      await page.keyboard.press("Enter");
      await until(page, `window.fake.callsOf("hideConversation").length === 2`, "bob hidden");
      expect((await calls(page, "hideConversation"))[1]).toEqual([bob, true]);
      await until(page, () => !document.querySelector('[data-testid=conversation][data-peer="bob"]'), "bob's row gone");
      await until(page, () => ![...document.querySelectorAll("[data-testid=conversation-tab]")].some((t) => t.textContent?.includes("Bob")), "bob's tab closed");

      // Groups are not hidden: no such item.
      await row(page, "Launch").click({ button: "right" });
      await menu(page, "Launch").waitFor();
      expect(await item(page, "Launch", "hide").count()).toBe(0);
      expect(await item(page, "Launch", "leave").count()).toBe(1);
      await page.keyboard.press("Escape");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("favourites: asked from the menu, accepted ones in a section at the top of Chats, removed back into the list", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:3,carol:3,dave:3" });
    try {
      await signIn(page);
      await until(page, () => document.querySelectorAll("[data-testid=conversation]").length === 3, "the chats listed");
      expect(await page.locator("[data-testid=favourites]").count()).toBe(0);
      await expect(page.getByRole("heading", { name: "Favourites" }).count()).resolves.toBe(0);

      // Asked by the keyboard: pending until carol accepts, the row stays where it was.
      await row(page, "carol").focus();
      await page.keyboard.press("Shift+F10");
      await menu(page, "Carol").waitFor();
      await expect(item(page, "Carol", "favourite").textContent()).resolves.toContain("Add to favourites");
      await item(page, "Carol", "favourite").focus();
      await page.keyboard.press("Enter");
      await until(page, `window.fake.callsOf("addFavourite").length === 1`, "asked");
      expect(await calls(page, "addFavourite")).toEqual([["carol"]]);
      expect(await page.locator("[data-testid=favourites]").count()).toBe(0);
      await page.keyboard.press("Shift+F10");
      await menu(page, "Carol").waitFor();
      expect(await item(page, "Carol", "favourite").count()).toBe(0);
      await page.keyboard.press("Escape");

      await page.evaluate(() => window.fake.answerRequest("carol", true));
      await page.locator('[data-testid=favourites] [data-testid=conversation][data-peer="carol"]').waitFor();
      let s = await sections(page);
      expect(s.favourites).toEqual(["carol"]);
      expect(s.chats).not.toContain("carol");
      expect(s.chats.sort()).toEqual(["bob", "dave"]);
      // At the top: the section, then the Chats heading and list.
      const top = await page.evaluate(() => {
        const y = (sel: string) => document.querySelector(sel)!.getBoundingClientRect().top;
        return { favourites: y("#favourites-title"), list: y("[data-testid=favourites]"), chats: y("#chats-title"), rest: y("ul[aria-label=Chats]") };
      });
      expect(top.favourites).toBeLessThan(top.list);
      expect(top.list).toBeLessThan(top.chats);
      expect(top.chats).toBeLessThan(top.rest);
      await expect(page.locator("#favourites-title").textContent()).resolves.toBe("Favourites");
      await expect(page.locator("#chats-title").textContent()).resolves.toBe("Chats");

      // A favourite without a chat yet: a row that starts one.
      await page.evaluate(async () => {
        await window.fake.addFavourite("erin");
        window.fake.answerRequest("erin", true);
      });
      const erin = page.locator('[data-testid=favourites] [data-testid=favourite-person][data-user="erin"]');
      await erin.waitFor();
      await expect(erin.textContent()).resolves.toContain("No messages yet");
      expect((await sections(page)).favourites).toEqual(["carol", "person:erin"]);
      await erin.click();
      await until(page, `window.fake.callsOf("openDirect").length === 1`, "a chat with erin");
      expect(await calls(page, "openDirect")).toEqual([["erin"]]);
      await page.locator('[data-testid=favourites] [data-testid=conversation][data-peer="erin"]').waitFor();
      expect((await sections(page)).favourites).toEqual(["carol", "erin"]);

      // Removed from carol's menu (right click): back in the Chats list.
      await row(page, "carol").click({ button: "right" });
      await expect(item(page, "Carol", "favourite").textContent()).resolves.toContain("Remove from favourites");
      await item(page, "Carol", "favourite").click();
      await until(page, `window.fake.callsOf("removeFavourite").length === 1`, "removed");
      expect(await calls(page, "removeFavourite")).toEqual([["carol"]]);
      await page.locator('ul[aria-label=Chats] [data-testid=conversation][data-peer="carol"]').waitFor();
      s = await sections(page);
      expect(s.favourites).toEqual(["erin"]);
      expect(s.chats.sort()).toEqual(["bob", "carol", "dave"]);

      // The last one removed: no section, no headings.
      await row(page, "erin").click({ button: "right" });
      await item(page, "Erin", "favourite").click();
      await until(page, () => !document.querySelector("[data-testid=favourites]"), "no favourites left");
      expect(await calls(page, "removeFavourite")).toEqual([["carol"], ["erin"]]);
      await expect(page.getByRole("heading", { name: "Favourites" }).count()).resolves.toBe(0);
      await expect(page.locator("#chats-title").count()).resolves.toBe(0);
      expect((await sections(page)).chats.sort()).toEqual(["bob", "carol", "dave", "erin"]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
