import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import { rich } from "./rich.svelte";
import Timeline from "./Timeline.svelte";

// A message edited in place keeps what was typed in its box while its row is out of the
// timeline's window (lib/virtual.ts draws only the rows around the viewport) and while another
// conversation is shown: the words are kept with the conversation, not in the row.

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

async function scrollTo(scroller: HTMLElement, top: number) {
  scroller.scrollTop = top;
  await fireEvent.scroll(scroller);
  await settle();
}

// seed("bob", 70): alice wrote every third message (2, 5, …, 68); fewer than a page, so
// scrolling up loads nothing more.
async function open() {
  let bob = 0;
  let carol = 0;
  const fake = await signedIn((f) => {
    bob = f.seed("bob", 70, { stepMs: 60_000 });
    carol = f.seed("carol", 3);
  });
  render(Timeline);
  await app.select(bob);
  await settle();
  const scroller = screen.getByTestId("timeline-scroller");
  fakeLayout(scroller);
  await scrollTo(scroller, 4500);
  return { fake, bob, carol, scroller };
}

const row = (seq: number) => screen.queryAllByTestId("message").find((m) => m.dataset.seq === String(seq)) ?? null;
const editor = () => screen.queryByRole("textbox", { name: "Edit message" }) as HTMLTextAreaElement | null;

describe("editing a message in place", { timeout: 20_000 }, () => {
  it("keeps the words typed while the row scrolls out of the timeline's window and back, then saves them", async () => {
    const { fake, scroller } = await open();
    await fireEvent.click(within(row(68)!).getByRole("button", { name: "Edit" }));
    await settle();
    expect(editor()?.value).toBe("Reply number 68");
    expect(document.activeElement).toBe(editor());
    await fireEvent.input(editor()!, { target: { value: "Reply number sixty-eight, half" } });

    // Scrolled to the top: the row, and its box, are no longer drawn.
    await scrollTo(scroller, 0);
    expect(row(1)).not.toBeNull();
    expect(row(68)).toBeNull();
    expect(editor()).toBeNull();

    // Back: the box holds what was typed, and the focus was left where it is.
    document.body.focus();
    await scrollTo(scroller, 4500);
    expect(within(row(68)!).getByRole("textbox", { name: "Edit message" })).toBe(editor());
    expect(editor()!.value).toBe("Reply number sixty-eight, half");
    expect(document.activeElement).not.toBe(editor());

    await fireEvent.input(editor()!, { target: { value: "Reply number sixty-eight" } });
    await fireEvent.keyDown(editor()!, { key: "Enter" });
    await settle();
    expect(fake.callsOf("editMessage")).toEqual([[Number(row(68)!.dataset.localId), "Reply number sixty-eight"]]);
    expect(editor()).toBeNull();
    expect(within(row(68)!).getByTestId("message-text").textContent).toBe("Reply number sixty-eight");
  });

  it("keeps them while another conversation is shown; Escape forgets them", async () => {
    const { bob, carol } = await open();
    await fireEvent.click(within(row(65)!).getByRole("button", { name: "Edit" }));
    await settle();
    await fireEvent.input(editor()!, { target: { value: "Reply number 65, changed" } });

    await app.select(carol);
    await settle();
    expect(editor()).toBeNull();
    await app.select(bob);
    await settle();
    expect(within(row(65)!).getByRole("textbox", { name: "Edit message" }).getAttribute("aria-label")).toBe("Edit message");
    expect(editor()!.value).toBe("Reply number 65, changed");

    // Up in the empty message box edits the last own message, 68: 65's box goes, with its
    // words, and 68's takes the focus.
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    box.focus();
    await fireEvent.keyDown(box, { key: "ArrowUp" });
    await settle();
    expect(row(65)!.querySelector("textarea")).toBeNull();
    expect(within(row(68)!).getByRole("textbox", { name: "Edit message" })).toBe(document.activeElement);

    await fireEvent.keyDown(editor()!, { key: "Escape" });
    await settle();
    expect(editor()).toBeNull();
    expect(rich.edits).toEqual({});
    await fireEvent.click(within(row(65)!).getByRole("button", { name: "Edit" }));
    await settle();
    expect(editor()!.value).toBe("Reply number 65");
  });
});
