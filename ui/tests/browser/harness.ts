// Shared by the browser specs: headless Chromium (the system's, never a downloaded one), the
// app page with a scenario, signing in, and axe-core.
import axe from "axe-core";
import { chromium, type Browser, type Page } from "playwright-core";
import { expect, inject } from "vitest";

export const WAIT = 10_000;

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: 30_000,
  });
}

export type Opened = { page: Page; errors: string[]; close: () => Promise<void> };

/** A fresh page (own storage) on the test app; `scenario` becomes the query string. `locale`:
 * the browser's language (the app follows it; English unless a spec says otherwise); `hash`:
 * the page's #fragment (a preview window's). */
export async function open(
  browser: Browser,
  scenario: Record<string, string> = {},
  options: { colorScheme?: "light" | "dark"; width?: number; height?: number; locale?: string; hash?: string } = {},
): Promise<Opened> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? "light",
    locale: options.locale ?? "en-US",
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.setDefaultNavigationTimeout(WAIT);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console error: ${m.text()}`);
  });
  const query = new URLSearchParams(scenario).toString();
  await page.goto(`${inject("baseUrl")}${query ? `?${query}` : ""}${options.hash ?? ""}`);
  return { page, errors, close: () => context.close() };
}

/** Signs in through the form and waits for the three columns. */
export async function signIn(page: Page, user = "alice", password = "secret"): Promise<void> {
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("aside[aria-label=Details]").waitFor();
}

/** Opens the conversation with `peer` from the list and waits for its messages. */
export async function openConversation(page: Page, peer: string): Promise<void> {
  await page.locator(`[data-testid=conversation][data-peer="${peer}"]`).click();
  await page.locator("[data-testid=message]").first().waitFor();
}

/** Everything the fake backend was asked for one method, in the page. */
export function calls(page: Page, method: string): Promise<unknown[][]> {
  return page.evaluate((m) => window.fake.callsOf(m), method);
}

type Violation = { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] };

/** Runs axe-core on the page; fails on any violation at all, whatever its impact (and prints
 * them). */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ content: axe.source });
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: typeof axe }).axe.run(document, {
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target as unknown[] })),
    }));
  });
  for (const v of violations as Violation[]) {
    console.log(`axe (${what}): ${v.impact} ${v.id}: ${v.help} @ ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`);
  }
  expect((violations as Violation[]).map((v) => `${v.impact} ${v.id}`), `axe violations on ${what}`).toEqual([]);
}

/** Polls `fn` in the page until it returns true. */
export async function until(page: Page, fn: string | (() => boolean), what: string): Promise<void> {
  try {
    await page.waitForFunction(fn, undefined, { timeout: WAIT, polling: 50 });
  } catch (e) {
    throw new Error(`timed out waiting for ${what}: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** Waits for `n` animation frames in the page (scroll events are handled before them). */
export function frames(page: Page, n = 2): Promise<void> {
  return page.evaluate(async (count) => {
    for (let i = 0; i < count; i++) await new Promise((r) => requestAnimationFrame(() => r(null)));
  }, n);
}

/** Replaces WebSocket in the page: sockets are kept in window.sockets, and
 * window.pushFrame(stream, w, h, seq, y, u, v) delivers a solid frame to the newest one. */
export async function standInSocket(page: Page): Promise<void> {
  await page.evaluate(() => {
    type Fake = { url: string; binaryType: string; closed: boolean; onmessage: ((e: { data: ArrayBuffer }) => void) | null; close(): void };
    const w = window as unknown as { sockets: Fake[]; pushFrame: (...a: number[]) => void; WebSocket: unknown };
    w.sockets = [];
    w.WebSocket = class {
      url: string;
      binaryType = "blob";
      closed = false;
      onmessage: ((e: { data: ArrayBuffer }) => void) | null = null;
      onerror: (() => void) | null = null;
      constructor(url: string) {
        this.url = url;
        w.sockets.push(this);
      }
      close() {
        this.closed = true;
      }
    };
    w.pushFrame = (stream, width, height, seq, y, u, v) => {
      const luma = width * height;
      const chroma = (width >> 1) * (height >> 1);
      const buf = new ArrayBuffer(12 + luma + 2 * chroma);
      const view = new DataView(buf);
      view.setUint8(0, stream);
      view.setUint16(4, width, true);
      view.setUint16(6, height, true);
      view.setUint32(8, seq, true);
      const bytes = new Uint8Array(buf, 12);
      bytes.fill(y, 0, luma);
      bytes.fill(u, luma, luma + chroma);
      bytes.fill(v, luma + chroma);
      w.sockets.at(-1)?.onmessage?.({ data: buf });
    };
  });
}
