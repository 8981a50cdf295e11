import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { app } from "../../lib/state.svelte";
import type { FakeOptions } from "../../../tests/fake-backend";
import { settle, signedIn } from "../../../tests/helpers";
import Timeline from "./Timeline.svelte";

/** jsdom lays nothing out: give the scroller a size and a scroll position to work with. */
function fakeLayout(el: HTMLElement, height = 500, content = 5000) {
  let top = 0;
  Object.defineProperty(el, "clientHeight", { configurable: true, get: () => height });
  Object.defineProperty(el, "scrollHeight", { configurable: true, get: () => content });
  Object.defineProperty(el, "scrollTop", {
    configurable: true,
    get: () => top,
    set: (v: number) => {
      top = Math.max(0, Math.min(v, content - height));
    },
  });
}

async function setup(options: FakeOptions = {}) {
  let id = 0;
  const fake = await signedIn((f) => {
    id = f.seed("bob", 12);
  }, options);
  render(Timeline);
  await app.select(id);
  await settle();
  const scroller = screen.getByTestId("timeline-scroller");
  fakeLayout(scroller);
  return { fake, id, scroller };
}

async function scrollTo(scroller: HTMLElement, top: number) {
  scroller.scrollTop = top;
  await fireEvent.scroll(scroller);
  await settle();
}

describe("Timeline", () => {
  it("shows each message with its sender, text (newlines kept) and state; ticks on own messages", async () => {
    // The server's confirmation waits for ack(): on a loaded machine a timed one could come
    // before the pending message is looked at.
    const { fake, id } = await setup({ ackDelayMs: null });
    const rows = screen.getAllByTestId("message");
    expect(rows).toHaveLength(12);
    const mine = rows.filter((r) => r.dataset.mine === "true");
    expect(mine.length).toBeGreaterThan(0);
    for (const r of mine) {
      expect(r.dataset.sender).toBe("alice");
      expect(r.querySelector(".ticks")?.getAttribute("data-state")).toBe(r.dataset.state);
    }
    for (const r of rows.filter((r) => r.dataset.mine === "false")) expect(r.querySelector(".ticks")).toBeNull();

    await app.send("two\nlines");
    await settle(1);
    const pending = screen.getAllByTestId("message").at(-1)!;
    expect(pending.dataset.seq).toBe("");
    expect(pending.dataset.state).toBe("pending");
    expect(pending.querySelector("[data-testid=message-text]")?.textContent).toBe("two\nlines");
    fake.ack(); // the fake's server confirms it
    await settle();
    const sent = screen.getAllByTestId("message").at(-1)!;
    expect(sent.dataset.seq).toBe("13");
    expect(sent.dataset.state).toBe("sent");

    fake.receipts(id, 13, 0);
    await settle();
    expect(screen.getAllByTestId("message").at(-1)!.dataset.state).toBe("delivered");
    fake.receipts(id, 13, 13);
    await settle();
    expect(screen.getAllByTestId("message").at(-1)!.dataset.state).toBe("read");
  });

  it("shows the ribbon only while scrolled up, and its click goes to the bottom", async () => {
    const { fake, scroller } = await setup();
    // At the bottom: a new message shows in place, no ribbon.
    await scrollTo(scroller, 4500);
    fake.receive("bob", "first while at the bottom");
    await settle();
    expect(screen.queryByTestId("ribbon")).toBeNull();

    // Scrolled up: a new message from bob raises the ribbon with his name and first words.
    await scrollTo(scroller, 1000);
    expect(app.atBottom).toBe(false);
    fake.receive("bob", "Are you coming to the meeting this afternoon at three or not?");
    await settle();
    const ribbon = screen.getByTestId("ribbon");
    expect(ribbon.tagName).toBe("BUTTON");
    expect(ribbon.textContent).toContain("Bob");
    expect(ribbon.textContent).toContain("Are you coming to the meeting this afternoon");
    expect(ribbon.textContent).not.toContain("three or not");

    await fireEvent.click(ribbon);
    await settle();
    expect(scroller.scrollTop).toBe(4500);
    expect(screen.queryByTestId("ribbon")).toBeNull();
    expect(document.activeElement).toBe(scroller);
  });

  it("own messages never raise the ribbon, and reaching the bottom hides it", async () => {
    const { fake, scroller } = await setup();
    await scrollTo(scroller, 0);
    await app.send("mine");
    await settle();
    expect(screen.queryByTestId("ribbon")).toBeNull();
    expect(scroller.scrollTop).toBe(4500); // sending jumps to the newest

    await scrollTo(scroller, 100);
    fake.receive("bob", "hello");
    await settle();
    expect(screen.getByTestId("ribbon")).toBeTruthy();
    await scrollTo(scroller, 4500);
    expect(screen.queryByTestId("ribbon")).toBeNull();
  });
});
