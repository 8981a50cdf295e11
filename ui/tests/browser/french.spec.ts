// The UI in French (#13): a browser whose language is French gets every screen in French — the
// sign-in form, the three columns with chats, a person's, a group's and a room's details, the
// Virtual Rooms tab, the settings dialog, rich messages with their action bar and reactions, both
// searches, the quick switcher, conversations in tabs — with no English sentence of the
// catalogue left on screen or in what screen readers hear, and axe finds nothing at all, light
// and dark. A language chosen in the settings applies at once, is remembered, and is told to the
// shell.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accountWords,
  callWords,
  commonWords,
  detailsWords,
  fileWords,
  listWords,
  mailWords,
  messageWords,
  navWords,
  timelineWords,
  words,
  type Locale,
} from "../../src/lib/i18n";
import { expectAccessible, launch, open, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const SECTIONS = [words, navWords, callWords, timelineWords, messageWords, commonWords, accountWords, listWords, detailsWords, fileWords, mailWords];

/** The catalogue's fixed sentences in a language (functions aside), by key. */
function fixed(lang: Locale): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (value: unknown, key: string) => {
    if (typeof value === "string") out.set(key, value);
    else if (value && typeof value === "object" && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) walk(v, `${key}.${k}`);
  };
  SECTIONS.forEach((section, i) => walk(section(lang), String(i)));
  return out;
}

/** English sentences that French says otherwise: none of them may show in French. A single
 * word French uses too ("Conversations", "Minutes") is left out. */
const ENGLISH = (() => {
  const fr = fixed("fr");
  const frenchWords = new Set([...fr.values()].flatMap((t) => t.toLowerCase().match(/\p{L}+/gu) ?? []));
  const list = [...fixed("en")]
    .filter(([key, text]) => fr.get(key) !== text && /\p{L}{3}/u.test(text))
    .filter(([, text]) => /\s/.test(text.trim()) || !frenchWords.has(text.trim().toLowerCase()))
    .map(([, text]) => text);
  return [...new Set(list)];
})();

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Everything a person reads or hears on the page: its text (hidden-for-screen-readers text
 * included), the names, descriptions and hints of its controls, the title. */
function pageWords(page: Page): Promise<string> {
  return page.evaluate(() => {
    const out = [document.title, document.body.innerText];
    const attributes = ["aria-label", "aria-description", "aria-roledescription", "aria-valuetext", "title", "placeholder", "alt"];
    for (const el of document.querySelectorAll("*")) {
      for (const a of attributes) {
        const v = el.getAttribute(a);
        if (v) out.push(v);
      }
    }
    for (const o of document.querySelectorAll("option")) out.push(o.textContent ?? "");
    return out.join("\n");
  });
}

/** The English sentences on the page (whole words only: "Group" is not in "Groupe"). */
async function englishOn(page: Page): Promise<string[]> {
  const text = await pageWords(page);
  return ENGLISH.filter((s) => new RegExp(`(?<![\\p{L}\\p{N}])${escape(s)}(?![\\p{L}\\p{N}])`, "u").test(text));
}

async function expectNoEnglish(page: Page, what: string): Promise<void> {
  expect(await englishOn(page), `English on ${what}`).toEqual([]);
}

async function check(page: Page, what: string): Promise<void> {
  await expectNoEnglish(page, what);
  await expectAccessible(page, what);
}

/** Messages in French (the fake's own seed says "Message 3 from bob"). */
async function seedInFrench(page: Page): Promise<void> {
  await page.evaluate(() => {
    const bob = window.fake.seed("bob", 6, { text: (i) => (i % 3 === 1 ? `D'accord, à tout à l'heure (${i})` : `Bonjour, voici le point numéro ${i}`) });
    // A shared file: its card in the timeline, its line in the details.
    window.fake.shareBy(bob, "bob", { name: "tableau.png", size: 52_000, dimensions: [640, 480] });
    window.fake.seed("carol", 3, { unread: 2, text: (i) => `Réunion décalée à jeudi (${i})` });
  });
}

async function signInInFrench(page: Page): Promise<void> {
  await page.getByLabel("Nom d'utilisateur").fill("alice");
  await page.getByLabel("Mot de passe").fill("secret");
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.locator("aside#details").waitFor();
}

describe("the UI in French", () => {
  it("has English sentences to look for", () => {
    expect(ENGLISH.length).toBeGreaterThan(200);
    expect(ENGLISH).toContain("Sign in to Confer");
    expect(ENGLISH).toContain("Virtual Rooms");
  });

  for (const colorScheme of ["light", "dark"] as const) {
    it(`follows a French browser on every main screen, without English, axe clean (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, {}, { colorScheme, locale: "fr-FR" });
      try {
        await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe("fr");
        await expect(page.locator("h1").textContent()).resolves.toBe("Se connecter à Confer");
        await check(page, `sign-in (${colorScheme})`);
        // The shell speaks it too (tray, notifications).
        await expect(page.evaluate(() => window.fake.language)).resolves.toBe("fr");

        await seedInFrench(page);
        await signInInFrench(page);
        await page.evaluate(() => {
          window.fake.requestFavourite("erin");
          window.fake.inviteMe("dave", ["erin"], "Comité des fêtes");
        });
        await page.locator("[data-testid=request]").waitFor();
        await page.locator("[data-testid=invitation]").waitFor();
        await page.locator('[data-testid=conversation][data-peer="bob"]').click();
        await page.locator("[data-testid=message]").first().waitFor();
        await page.waitForFunction(() => document.querySelector("[data-testid=direct-link]")?.textContent?.startsWith("confer://"));
        await expect(page.getByRole("tab", { name: "Discussions" }).isVisible()).resolves.toBe(true);
        await expect(page.locator("aside#details").getAttribute("aria-label")).resolves.toBe("Détails");
        await check(page, `three columns, a person's details (${colorScheme})`);

        // A group's details.
        const group = await page.evaluate(async () => {
          const id = await window.fake.createGroup(["bob", "carol"], "Projet Lune");
          window.fake.answerInvitation(id, "bob");
          window.fake.answerInvitation(id, "carol");
          return id;
        });
        await page.locator(`[data-testid=conversation][data-conversation-id="${group}"]`).click();
        await page.locator("aside#details [data-testid=member]").nth(2).waitFor();
        await expect(page.locator("aside#details").innerText()).resolves.toContain("Groupe · 3 membres");
        await check(page, `a group's details (${colorScheme})`);

        // The status menu.
        await page.getByRole("button", { name: "Statut", exact: true }).click();
        await page.locator("#status-menu").waitFor();
        await check(page, `status menu (${colorScheme})`);
        await page.keyboard.press("Escape");

        // The settings dialog.
        await page.getByRole("button", { name: "Paramètres" }).click();
        await page.getByRole("dialog", { name: "Paramètres" }).waitFor();
        await expect(page.getByLabel("Langue").inputValue()).resolves.toBe("auto");
        await check(page, `settings dialog (${colorScheme})`);
        await page.getByRole("button", { name: "Annuler" }).click();

        // The Virtual Rooms tab with meetings, and a room's details as its moderator.
        const room = await page.evaluate(() => {
          const id = window.fake.roomBy("bob", "Atelier", ["carol", "dave"], ["alice"]);
          window.fake.post(id, "bob", "Bienvenue dans l'atelier");
          window.fake.meetingJoins(id, "bob");
          window.fake.scheduleBy(id, "bob", "Point d'équipe", Date.now() + 3_600_000, 90);
          return id;
        });
        await page.getByRole("tab", { name: /^Salles/ }).click();
        await page.locator(`[data-testid=room][data-conversation-id="${room}"]`).waitFor();
        await page.locator("[data-testid=ongoing-meeting]").waitFor();
        await page.locator("[data-testid=scheduled-meeting]").waitFor();
        await check(page, `Virtual Rooms tab (${colorScheme})`);
        await page.locator(`[data-testid=room][data-conversation-id="${room}"]`).click();
        await page.waitForFunction(() => document.querySelector("[data-testid=room-link]")?.textContent?.startsWith("confer://"));
        await page.locator("[data-testid=participant]").waitFor();
        await expect(page.locator("aside#details").textContent()).resolves.toContain("Membres (4)");
        await check(page, `a room's details (${colorScheme})`);

        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }

  for (const colorScheme of ["light", "dark"] as const) {
    it(`has rich messages, their action bar, both searches, the quick switcher and tabs in French, without English, axe clean (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, {}, { colorScheme, locale: "fr-FR" });
      try {
        await seedInFrench(page);
        await signInInFrench(page);
        await page.locator('[data-testid=conversation][data-peer="bob"]').click();
        await page.locator("[data-testid=message]").first().waitFor();
        // Markdown, a link, reactions, an answer's quote, an edited and a deleted message.
        const rich = await page.evaluate(() => {
          const id = window.fake.conversationWith("bob")!;
          const seq = window.fake.receive("bob", "Voici le **plan** de *jeudi* : `salle 4`\n- café\n- ordre du jour\n> À valider sur https://example.com/plan :tada:");
          window.fake.reactBy(id, seq, "bob", "👍");
          window.fake.reactBy(id, seq, "alice", "👍");
          window.fake.reactBy(id, seq, "bob", "🎉");
          window.fake.editBy(id, 1, "Bonjour, voici le point numéro 0 (corrigé)");
          window.fake.deleteBy(id, 3);
          return window.fake.replyBy(id, "bob", "Tu as vu mon message ?", seq);
        });
        const answer = page.locator(`[data-testid=message][data-seq="${rich}"]`);
        await answer.locator("[data-testid=reply-quote]").waitFor();
        await page.locator("[data-testid=message] [data-testid=reaction]").first().waitFor();
        await answer.hover();
        await until(page, `getComputedStyle(document.querySelector('[data-testid=message][data-seq="${rich}"] .actions')).opacity === "1"`, "the action bar");
        await check(page, `rich messages and the action bar (${colorScheme})`);

        await answer.getByRole("button", { name: "Ajouter une réaction" }).click();
        await page.getByRole("dialog", { name: "Réactions" }).waitFor();
        await check(page, `the reaction picker (${colorScheme})`);
        await page.keyboard.press("Escape");

        // Ctrl+F: the open conversation's search and its results.
        await page.keyboard.press("Control+f");
        await page.getByRole("searchbox", { name: "Rechercher dans cette conversation" }).waitFor();
        await page.keyboard.type("point");
        await until(page, () => document.querySelectorAll("[data-testid=chat-search] [data-testid=search-result]").length > 0, "the chat's hits");
        await check(page, `the search of the conversation (${colorScheme})`);
        await page.keyboard.press("Escape");
        await until(page, () => document.querySelector("[data-testid=chat-search]") === null, "the bar closed");

        // Ctrl+Shift+F: every conversation.
        await page.keyboard.press("Control+Shift+F");
        await page.getByRole("searchbox", { name: "Rechercher dans toutes les conversations" }).waitFor();
        await page.keyboard.type("jeudi");
        await until(page, () => document.querySelectorAll("[data-testid=search-dialog] [data-testid=search-result]").length >= 2, "the hits of every conversation");
        await check(page, `the search of every conversation (${colorScheme})`);
        await page.keyboard.press("Escape");
        await until(page, () => document.querySelector("[data-testid=search-dialog]") === null, "the dialog closed");

        // Ctrl+K.
        await page.keyboard.press("Control+k");
        await page.getByRole("combobox", { name: "Chercher des personnes, des conversations et des salles" }).waitFor();
        await page.keyboard.type("o");
        await page.locator("[role=option]").first().waitFor();
        await check(page, `the quick switcher (${colorScheme})`);
        await page.keyboard.press("Escape");

        // Two conversations in tabs.
        await page.locator('[data-testid=conversation][data-peer="carol"]').click();
        await page.locator("[data-testid=conversation-tab]").nth(1).waitFor();
        await check(page, `two conversations in tabs (${colorScheme})`);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }

  it("switches language from the settings at once, remembers it and tells the shell", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:3" });
    try {
      await expect(page.locator("h1").textContent()).resolves.toBe("Sign in to Confer");
      await page.getByLabel("User name").fill("alice");
      await page.getByLabel("Password").fill("secret");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator("aside#details").waitFor();
      await expect(page.evaluate(() => window.fake.language)).resolves.toBe("en");
      // The check finds English where there is English.
      expect((await englishOn(page)).length).toBeGreaterThan(10);

      await page.getByRole("button", { name: "Settings" }).click();
      await page.getByLabel("Language").selectOption("fr");
      await page.getByRole("button", { name: "Save" }).click();
      // Redrawn in place: no reload, nothing signed out.
      await page.getByRole("tab", { name: "Discussions" }).waitFor();
      await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe("fr");
      await expect(page.evaluate(() => window.fake.language)).resolves.toBe("fr");
      await expect(page.evaluate(() => window.fake.callsOf("signIn").length)).resolves.toBe(1);
      await expectNoEnglish(page, "the main screen after switching");

      // Remembered: French again after a restart, whatever the browser speaks.
      await page.reload();
      await expect(page.locator("h1").textContent()).resolves.toBe("Se connecter à Confer");
      await signInInFrench(page);

      // Automatic: the browser's English again.
      await page.getByRole("button", { name: "Paramètres" }).click();
      await page.getByLabel("Langue").selectOption("auto");
      await page.getByRole("button", { name: "Enregistrer" }).click();
      await until(page, () => document.documentElement.lang === "en", "English again");
      await page.getByRole("tab", { name: "Chats" }).waitFor();
      await expect(page.evaluate(() => window.fake.language)).resolves.toBe("en");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
