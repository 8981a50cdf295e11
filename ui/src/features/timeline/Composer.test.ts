import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
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
  it("draws 0, 1 and 2 grey ticks, and 2 blue ones when read", () => {
    for (const [state, text, read] of [
      ["pending", "◷", false],
      ["sent", "✓", false],
      ["delivered", "✓✓", false],
      ["read", "✓✓", true],
    ] as const) {
      const { container, unmount } = render(Ticks, { state });
      const el = container.querySelector(".ticks")!;
      expect(el.textContent?.trim()).toBe(text);
      expect(el.classList.contains("read")).toBe(read);
      unmount();
    }
  });
});
