import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Avatar from "./Avatar.svelte";
import StatusMark from "../features/people/StatusMark.svelte";

describe("presence by shape as well as colour", () => {
  it("draws a disc, a clock, a barred disc and a ring on the avatar", () => {
    const shapes: Record<string, string> = {};
    for (const status of ["online", "away", "dnd", "offline"] as const) {
      const { container, unmount } = render(Avatar, { name: "bob", status });
      const dot = container.querySelector<SVGElement>(".dot")!;
      expect(dot.dataset.shape).toBe(status);
      expect(dot.classList.contains(status)).toBe(true);
      shapes[status] = dot.innerHTML.replace(/<!---->/g, "");
      unmount();
    }
    // Four different drawings, not one disc in four colours.
    expect(new Set(Object.values(shapes)).size).toBe(4);
    expect(shapes.away).toContain("<path");
    expect(shapes.dnd).toContain("<rect");
    expect(shapes.offline).toContain('fill="none"');
  });

  it("keeps the mark out of the accessibility tree (rows name the status in words)", () => {
    const { container } = render(Avatar, { name: "bob", status: "dnd" });
    expect(container.querySelector(".avatar")?.getAttribute("aria-hidden")).toBe("true");
    const mark = render(StatusMark, { status: "away" }).container.querySelector("svg")!;
    expect(mark.getAttribute("aria-hidden")).toBe("true");
    expect(mark.dataset.shape).toBe("away");
  });
});
