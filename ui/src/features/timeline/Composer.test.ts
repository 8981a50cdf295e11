import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import Composer from "./Composer.svelte";
import Ticks from "./Ticks.svelte";

describe("Composer", () => {
  it("sends on Enter and clears the box", async () => {
    const onsend = vi.fn();
    render(Composer, { onsend });
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: "hello" } });
    await fireEvent.keyDown(box, { key: "Enter" });
    expect(onsend).toHaveBeenCalledWith("hello");
    expect(box.value).toBe("");
  });

  it("does not send on Shift+Enter, and never sends blank text", async () => {
    const onsend = vi.fn();
    render(Composer, { onsend });
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: "line one" } });
    const shift = await fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(shift).toBe(true); // not prevented: the textarea inserts the newline
    await fireEvent.input(box, { target: { value: "   " } });
    await fireEvent.keyDown(box, { key: "Enter" });
    expect(onsend).not.toHaveBeenCalled();
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
