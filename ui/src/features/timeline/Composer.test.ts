import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { setLocale } from "../../lib/i18n";
import { settle, signedIn } from "../../../tests/helpers";
import Composer from "./Composer.svelte";
import Ticks from "./Ticks.svelte";

describe("Composer", () => {
  it("sends on Enter and clears the box", async () => {
    await signedIn();
    const onsend = vi.fn();
    render(Composer, { conversation: 1, onsend });
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: "hello" } });
    await fireEvent.keyDown(box, { key: "Enter" });
    expect(onsend).toHaveBeenCalledWith("hello");
    expect(box.value).toBe("");
  });

  it("does not send on Shift+Enter, and never sends blank text", async () => {
    await signedIn();
    const onsend = vi.fn();
    render(Composer, { conversation: 1, onsend });
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: "line one" } });
    const shift = await fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(shift).toBe(true); // not prevented: the textarea inserts the newline
    await fireEvent.input(box, { target: { value: "   " } });
    await fireEvent.keyDown(box, { key: "Enter" });
    expect(onsend).not.toHaveBeenCalled();
  });
});

describe("Composer buttons", () => {
  it("sends with the Send button, which is off while the box is blank", async () => {
    await signedIn();
    const onsend = vi.fn();
    const ontype = vi.fn();
    render(Composer, { conversation: 1, onsend, ontype });
    const send = screen.getByRole("button", { name: "Send" }) as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: "by button" } });
    expect(ontype).toHaveBeenCalled();
    expect(send.disabled).toBe(false);
    await fireEvent.click(send);
    expect(onsend).toHaveBeenCalledWith("by button");
    expect(box.value).toBe("");
    expect(send.disabled).toBe(true);
  });

  it("inserts a picked emoji at the caret, over the selection, and puts the caret after it", async () => {
    await signedIn();
    const ontype = vi.fn();
    render(Composer, { conversation: 1, onsend: vi.fn(), ontype });
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: "Well done team" } });
    ontype.mockClear();
    box.setSelectionRange(5, 10); // "done "
    const button = screen.getByRole("button", { name: "Insert emoji" });
    expect(button.getAttribute("aria-expanded")).toBe("false");
    await fireEvent.click(button);
    await settle();
    expect(button.getAttribute("aria-expanded")).toBe("true");
    const picker = screen.getByRole("dialog", { name: "Emoji" });
    const cells = picker.querySelectorAll<HTMLButtonElement>("button");
    expect(cells.length).toBeGreaterThanOrEqual(60);
    // One keyboard stop, on the first emoji; arrows move it.
    expect(document.activeElement).toBe(cells[0]);
    expect([...cells].filter((c) => c.tabIndex === 0)).toHaveLength(1);
    await fireEvent.keyDown(cells[0], { key: "ArrowRight" });
    await settle();
    expect(document.activeElement).toBe(cells[1]);
    await fireEvent.keyDown(cells[1], { key: "ArrowDown" });
    await settle();
    expect(document.activeElement).toBe(cells[11]);
    const tada = picker.querySelector<HTMLButtonElement>('button[data-code="tada"]')!;
    expect(tada.title).toBe(":tada:");
    await fireEvent.click(tada);
    await settle();
    expect(box.value).toBe("Well 🎉team");
    expect(box.selectionStart).toBe(5 + "🎉".length);
    expect(document.activeElement).toBe(box);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(ontype).toHaveBeenCalled();
  });

  it("closes the picker with Escape, back on its button, inserting nothing", async () => {
    await signedIn();
    render(Composer, { conversation: 1, onsend: vi.fn() });
    const button = screen.getByRole("button", { name: "Insert emoji" });
    await fireEvent.click(button);
    await settle();
    await fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    await settle();
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(button);
    expect((screen.getByLabelText("Message") as HTMLTextAreaElement).value).toBe("");
  });

  it("is worded in French", async () => {
    await signedIn();
    setLocale("fr");
    try {
      render(Composer, { conversation: 1, onsend: vi.fn() });
      expect(screen.getByRole("button", { name: "Envoyer" })).toBeTruthy();
      expect(screen.getByRole("button", { name: "Insérer un emoji" })).toBeTruthy();
      expect(screen.getByLabelText("Message").getAttribute("placeholder")).toMatch(/Maj\+Entrée/);
    } finally {
      setLocale("en");
    }
  });
});

describe("Drafts", () => {
  it("keep what was typed with its conversation: it neither follows into another chat nor is lost", async () => {
    const fake = await signedIn();
    const onsend = vi.fn();
    const { rerender } = render(Composer, { conversation: 1, onsend });
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: "half a thought for bob" } });
    // Another chat: an empty box, so the text cannot go to the wrong person.
    await rerender({ conversation: 2, onsend });
    await settle();
    expect(box.value).toBe("");
    await fireEvent.keyDown(box, { key: "Enter" });
    expect(onsend).not.toHaveBeenCalled();
    // Back: the draft is there again, kept by the core (which keeps it across restarts).
    expect(fake.drafts.get(1)).toBe("half a thought for bob");
    await rerender({ conversation: 1, onsend });
    await settle();
    expect(box.value).toBe("half a thought for bob");
    // Sent: the draft goes.
    await fireEvent.keyDown(box, { key: "Enter" });
    expect(onsend).toHaveBeenCalledWith("half a thought for bob");
    await settle();
    expect(fake.drafts.has(1)).toBe(false);
  });

  it("come back after a restart, and typing first wins over a late draft", async () => {
    const fake = await signedIn();
    fake.drafts.set(3, "kept from yesterday");
    const { unmount } = render(Composer, { conversation: 3, onsend: vi.fn() });
    await settle();
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    expect(box.value).toBe("kept from yesterday");
    unmount();
    // Typing before the stored draft arrives keeps what was typed.
    fake.drafts.set(4, "older draft");
    render(Composer, { conversation: 4, onsend: vi.fn() });
    const again = screen.getByLabelText("Message") as HTMLTextAreaElement;
    await fireEvent.input(again, { target: { value: "new text" } });
    await settle();
    expect(again.value).toBe("new text");
  });
});

describe("Ticks", () => {
  it("draws a clock, then one and two ticks in an outlined pill; read fills the pill; each is labelled", () => {
    for (const [state, count, read, label] of [
      ["pending", "0", false, "Not yet sent"],
      ["sent", "1", false, "Sent"],
      ["delivered", "2", false, "Delivered"],
      ["read", "2", true, "Read"],
    ] as const) {
      const { container, unmount } = render(Ticks, { state });
      const el = container.querySelector(".ticks") as HTMLElement;
      expect(el.dataset.count).toBe(count);
      expect(el.getAttribute("role")).toBe("img");
      expect(el.getAttribute("aria-label")).toBe(label);
      expect(el.getAttribute("title")).toBe(label);
      expect(el.classList.contains("read")).toBe(read);
      const svg = el.querySelector("svg")!;
      expect(Number(svg.getAttribute("height"))).toBeGreaterThanOrEqual(14);
      expect(svg.getAttribute("aria-hidden")).toBe("true");
      expect(el.querySelectorAll(".check")).toHaveLength(Number(count));
      expect(el.querySelector(".pill") !== null).toBe(count !== "0");
      unmount();
    }
  });

  it("says the state in French", () => {
    setLocale("fr");
    try {
      const { container } = render(Ticks, { state: "read" });
      expect(container.querySelector(".ticks")?.getAttribute("aria-label")).toBe("Lu");
    } finally {
      setLocale("en");
    }
  });
});
