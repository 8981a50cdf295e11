import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Help from "./Help.svelte";

describe("the Help window", () => {
  it("shows the user guide with its sections and the ticks table", () => {
    const { container, getByRole } = render(Help);
    expect(getByRole("heading", { level: 1 }).textContent).toBe("Confer user guide");
    const sections = [...container.querySelectorAll("h2")].map((h) => h.textContent);
    expect(sections).toContain("Signing in");
    expect(container.querySelector("table th")?.textContent).toBe("Ticks");
    // Bold words are bold, not asterisks.
    expect(container.textContent).not.toContain("**");
  });
});
