// Calls in Chromium: the header's buttons and the devices dialog before the call, the incoming
// call and the call view (its devices menu, the notice of a device unplugged) from the keyboard,
// axe-core on each, and the call's pictures drawn with WebGL from frames pushed through a
// stand-in for the frame socket (the fake backend has no desktop behind it).
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, expectAccessible, launch, open, openConversation, signIn, standInSocket, until } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el?.getAttribute("aria-label") ?? el?.textContent?.trim() ?? "";
  });

/** Pushes solid frames ([stream, w, h, seq, y, u, v]), then reads the colour in the middle of
 * each canvas named, in the same animation frame as the one that draws them (a WebGL canvas is
 * cleared once composited), through a 2D canvas. */
function pushAndRead(page: Page, frames: number[][], testids: string[]): Promise<number[][]> {
  return page.evaluate(
    ([fs, ids]) => {
      const w = window as unknown as { pushFrame: (...a: number[]) => void };
      for (const f of fs) w.pushFrame(...f);
      // The feed asked for an animation frame when the first frame came: this one runs after it.
      return new Promise<number[][]>((resolve) =>
        requestAnimationFrame(() =>
          resolve(
            ids.map((id) => {
              const src = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"]`);
              if (!src) return [];
              const c = document.createElement("canvas");
              c.width = src.width;
              c.height = src.height;
              const ctx = c.getContext("2d");
              if (!ctx) return [];
              ctx.drawImage(src, 0, 0);
              return [...ctx.getImageData(src.width >> 1, src.height >> 1, 1, 1).data];
            }),
          ),
        ),
      );
    },
    [frames, testids] as const,
  );
}

describe("calls", () => {
  it("from the keyboard: the header's button, the devices dialog, the call view's shortcuts, its end; axe on each", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:5" });
    try {
      await signIn(page);
      await openConversation(page, "bob");
      await standInSocket(page);
      const call = page.getByRole("button", { name: "Call bob", exact: true });
      await call.focus();
      await expectAccessible(page, "chat header with call buttons");
      await page.keyboard.press("Enter");
      // The devices dialog first; its Call button places the call.
      const dialog = page.getByRole("dialog", { name: "Call bob" });
      await dialog.waitFor();
      await page.getByLabel("Microphone", { exact: true }).waitFor();
      expect(await calls(page, "placeCall")).toEqual([]);
      await dialog.getByRole("button", { name: "Call", exact: true }).focus();
      await page.keyboard.press("Enter");
      const view = page.locator("[data-testid=call-view]");
      await view.waitFor();
      expect(await calls(page, "placeCall")).toEqual([[await page.evaluate(() => window.fake.conversationWith("bob")), false]]);
      expect(await focused(page)).toBe("Mute");

      await page.evaluate(() => window.fake.callAnswered(Date.now() - 61_000));
      await until(page, () => document.querySelector("[data-testid=call-timer]")?.textContent === "1:01", "the timer");
      await page.evaluate(() => window.fake.callQuality(180, 0.4));
      await until(page, () => (document.querySelector("[data-testid=call-quality]") as HTMLElement)?.dataset.quality === "fair", "the quality");
      await expectAccessible(page, "call view");

      // Tab stays in the call view.
      for (let i = 0; i < 4; i++) {
        await page.keyboard.press("Tab");
        expect(await view.evaluate((v) => v.contains(document.activeElement))).toBe(true);
      }
      await page.keyboard.press("Control+Shift+M");
      await until(page, () => document.querySelector("[data-testid=mute]")?.getAttribute("aria-label") === "Unmute", "muted");
      expect(await calls(page, "setCallControls")).toEqual([[true, false]]);
      await page.keyboard.press("Control+Shift+H");
      await until(page, () => document.querySelector("[data-testid=call-ended]")?.textContent === "Call ended", "the reason");
      expect(await calls(page, "hangUp")).toEqual([[]]);
      await until(page, () => !document.querySelector("[data-testid=call-view]"), "the call view gone");
      // Back in the chat, on the button that placed the call.
      expect(await focused(page)).toBe("Call bob");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("the call view's devices menu and the notice of an unplugged device, from the keyboard; axe on each", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:3" });
    try {
      await signIn(page);
      await openConversation(page, "bob");
      await standInSocket(page);
      await page.getByRole("button", { name: "Call bob", exact: true }).click();
      await page.getByRole("dialog", { name: "Call bob" }).getByRole("button", { name: "Call", exact: true }).click();
      const view = page.locator("[data-testid=call-view]");
      await view.waitFor();
      await page.evaluate(() => window.fake.callAnswered());
      await until(page, () => (document.querySelector("[data-testid=call-view]") as HTMLElement)?.dataset.phase === "active", "the talk");
      expect(await focused(page)).toBe("Mute");

      // Mute, then the devices menu's button.
      await page.keyboard.press("Tab");
      expect(await focused(page)).toBe("Devices");
      await page.keyboard.press("Enter");
      const menu = page.getByRole("menu", { name: "Devices" });
      await menu.waitFor();
      expect(await focused(page)).toBe("System default");
      await expectAccessible(page, "call view's devices menu");
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("ArrowDown");
      expect(await focused(page)).toBe("USB Headset Mono");
      await page.keyboard.press("Enter");
      await until(page, () => !document.querySelector("[role=menu]"), "the menu closed");
      expect(await focused(page)).toBe("Devices");
      expect(await calls(page, "useCallDevices")).toEqual([["pulse:usb-headset-source", null, null]]);

      // Escape closes it, back on its button.
      await page.keyboard.press("Enter");
      await menu.waitFor();
      expect(await focused(page)).toBe("USB Headset Mono");
      await page.keyboard.press("Escape");
      await until(page, () => !document.querySelector("[role=menu]"), "the menu closed by Escape");
      expect(await focused(page)).toBe("Devices");
      expect(await view.getAttribute("data-phase")).toBe("active");

      // The headset unplugged: the notice, read out politely, then dismissed.
      await page.evaluate(() => window.fake.deviceChanged("microphone", "USB Headset Mono", "Built-in Audio Analog Stereo"));
      await until(page, () => !!document.querySelector("[data-testid=device-notice]")?.textContent, "the notice");
      const notice = page.locator("[data-testid=device-notice]");
      expect(await notice.getAttribute("role")).toBe("status");
      expect(await notice.textContent()).toBe("Your microphone “USB Headset Mono” was disconnected. Using “Built-in Audio Analog Stereo”.");
      await expectAccessible(page, "call view with a device notice");
      await page.getByRole("button", { name: "Dismiss" }).focus();
      await page.keyboard.press("Enter");
      await until(page, () => document.querySelector("[data-testid=device-notice]")?.textContent === "", "the notice dismissed");
      expect(await focused(page)).toBe("Mute");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  for (const colorScheme of ["light", "dark"] as const) {
    it(`an incoming video call over the People tab, answered with video (${colorScheme})`, async () => {
      const { page, errors, close } = await open(browser, { seed: "bob:2" }, { colorScheme });
      try {
        await signIn(page);
        await standInSocket(page);
        await page.getByRole("tab", { name: "People" }).click();
        const id = await page.evaluate(() => window.fake.ringFrom("carol", true));
        const dialog = page.getByRole("alertdialog", { name: "Incoming call" });
        await dialog.waitFor();
        await expect(dialog.textContent()).resolves.toContain("carol is calling you with video");
        await expectAccessible(page, `incoming call (${colorScheme})`);
        await page.keyboard.press("Tab");
        await page.keyboard.press("Tab");
        expect(await focused(page)).toBe("Accept with video");
        await page.keyboard.press("Enter");
        await page.locator("[data-testid=call-view]").waitFor();
        expect(await calls(page, "acceptCall")).toEqual([[id, true]]);
        await page.evaluate(() => window.fake.callPhase("active"));
        await expectAccessible(page, `video call view (${colorScheme})`);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  }

  it("draws the call's pictures with WebGL, BT.601 colours, each stream on its canvas", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:2" });
    try {
      await signIn(page);
      await openConversation(page, "bob");
      await standInSocket(page);
      await page.getByRole("button", { name: "Video call bob" }).click();
      await page.getByRole("dialog", { name: "Video call bob" }).getByRole("button", { name: "Start video call" }).click();
      await page.locator("[data-testid=call-view]").waitFor();
      // The devices dialog's preview had the first socket; the call has its own.
      await until(page, () => (window as unknown as { sockets: unknown[] }).sockets.length === 2, "the frame socket");
      expect(await page.evaluate(() => (window as unknown as { sockets: { url: string; binaryType: string; closed: boolean }[] }).sockets)).toMatchObject([
        { url: "ws://127.0.0.1:7399/frames?token=fake1", closed: true },
        { url: "ws://127.0.0.1:7399/frames?token=fake2", binaryType: "arraybuffer", closed: false },
      ]);
      const renderer = await page.locator("[data-testid=remote-video]").getAttribute("data-renderer");
      expect(renderer).toBe("webgl");

      // Red for the other side, blue for this side's camera (BT.601 studio range).
      const near = (got: number[], want: number[]) => {
        expect(got).toHaveLength(4);
        want.forEach((v, i) => expect(Math.abs(got[i] - v), `${got} vs ${want}`).toBeLessThanOrEqual(4));
      };
      const [red, blue] = await pushAndRead(
        page,
        [
          [0, 64, 48, 1, 82, 90, 240],
          [1, 32, 24, 5, 41, 240, 110],
        ],
        ["remote-video", "self-video"],
      );
      near(red, [255, 0, 0, 255]);
      near(blue, [0, 0, 255, 255]);
      expect(await page.locator("[data-testid=remote-video]").evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])).toEqual([64, 48]);
      expect(await page.locator("[data-testid=self-video]").getAttribute("data-sequence")).toBe("5");

      // A grey frame of another size replaces it.
      const [grey] = await pushAndRead(page, [[0, 40, 30, 2, 126, 128, 128]], ["remote-video"]);
      near(grey, [128, 128, 128, 255]);
      expect(await page.locator("[data-testid=remote-video]").evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])).toEqual([40, 30]);

      await page.evaluate(() => window.fake.callEnds("hung_up"));
      await until(page, () => (window as unknown as { sockets: { closed: boolean }[] }).sockets[1].closed, "the socket closed");
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("the devices dialog before a video call: axe, a device plugged in, Escape, then Start video call", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:2" });
    try {
      await signIn(page);
      await openConversation(page, "bob");
      await standInSocket(page);
      const camera = page.getByRole("button", { name: "Video call bob" });
      await camera.click();
      const dialog = page.getByRole("dialog", { name: "Video call bob" });
      await dialog.waitFor();
      const microphone = page.getByLabel("Microphone", { exact: true });
      await microphone.waitFor();
      expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
      await expectAccessible(page, "devices dialog before a call");
      await until(page, () => window.fake.deviceTestRunning, "the device test");

      // Plugged in while open: listed at once.
      await page.evaluate(() =>
        window.fake.plugIn({ id: "pulse:yeti-source", name: "Yeti Stereo Microphone", kind: "microphone", synthetic: false }),
      );
      await until(
        page,
        () => [...document.querySelectorAll("[data-testid=device-microphone] option")].some((o) => o.textContent === "Yeti Stereo Microphone"),
        "the new microphone listed",
      );
      await microphone.selectOption("pulse:yeti-source");

      // Escape calls no one, and stops the test.
      await page.keyboard.press("Escape");
      await until(page, () => !document.querySelector("[data-testid=device-dialog]"), "the dialog closed");
      expect(await focused(page)).toBe("Video call bob");
      await until(page, () => !window.fake.deviceTestRunning, "the device test stopped");
      expect(await calls(page, "placeCall")).toEqual([]);
      expect(await calls(page, "setSettings")).toEqual([]);

      // Again, and this time the call.
      await page.keyboard.press("Enter");
      await dialog.waitFor();
      await microphone.selectOption("pulse:yeti-source");
      // By the plain CSS selector the desktop end-to-end test of a video call uses.
      const submit = page.locator("[data-testid=device-dialog] [data-testid=device-dialog-submit]");
      expect(await submit.count()).toBe(1);
      expect(await submit.textContent()).toContain("Start video call");
      await submit.click();
      await page.locator("[data-testid=call-view]").waitFor();
      const bob = await page.evaluate(() => window.fake.conversationWith("bob"));
      expect(await calls(page, "placeCall")).toEqual([[bob, true]]);
      const saved = (await calls(page, "setSettings")).at(-1)?.[0] as { device: Record<string, unknown> };
      expect(saved.device).toMatchObject({ microphone: "pulse:yeti-source", speaker: null, camera: null });
      expect(await page.evaluate(() => window.fake.deviceTestRunning)).toBe(false);
      expect(await page.evaluate(() => document.querySelector("[data-testid=device-dialog]"))).toBeNull();
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("the devices dialog from Settings: keyboard, axe, saved", async () => {
    const { page, errors, close } = await open(browser, { seed: "bob:2" });
    try {
      await signIn(page);
      await standInSocket(page);
      await page.getByRole("button", { name: "Settings" }).click();
      await page.getByRole("button", { name: "Audio and video devices…" }).click();
      const dialog = page.getByRole("dialog", { name: "Audio and video devices" });
      await dialog.waitFor();
      await page.getByLabel("Microphone", { exact: true }).waitFor();
      await expectAccessible(page, "devices dialog");
      await page.evaluate(() => window.fake.pushLevel({ peak_db: -15, rms_db: -24 }));
      await until(page, () => document.querySelector("[data-testid=mic-meter]")?.getAttribute("aria-valuenow") === "-15", "the meter moved");
      await dialog.getByRole("button", { name: "Play test sound" }).click();
      await until(page, () => !document.querySelector("[data-testid=test-tone]:disabled"), "the test sound played");
      expect(await calls(page, "testTone")).toEqual([[null]]);
      await page.getByLabel("Microphone", { exact: true }).selectOption("synthetic:tone");
      await page.getByLabel("Camera", { exact: true }).selectOption("synthetic:pattern");
      await dialog.getByRole("button", { name: "Save" }).click();
      await until(page, () => !document.querySelector("[data-testid=device-dialog]"), "the devices dialog closed");
      expect(await focused(page)).toBe("Audio and video devices…");
      const saved = (await calls(page, "setSettings")).at(-1)?.[0] as { device: Record<string, unknown> };
      expect(saved.device).toMatchObject({ microphone: "synthetic:tone", speaker: null, camera: "synthetic:pattern" });
      expect((await calls(page, "startDeviceTest")).at(-1)).toEqual(["synthetic:tone", true]);
      expect(await page.evaluate(() => window.fake.deviceTestRunning)).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
