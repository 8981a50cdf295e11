import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Timeline from "./Timeline.svelte";

describe("Timeline in a group", () => {
  it("shows joins and leaves as centred system lines, and who wrote each message", async () => {
    const fake = await signedIn();
    const id = await fake.createGroup(["bob", "carol"], "Lunch");
    fake.answerInvitation(id, "bob");
    fake.answerInvitation(id, "carol");
    fake.post(id, "bob", "Pizza?");
    fake.memberLeaves(id, "carol");
    await app.reload();
    render(Timeline);
    await app.select(id);
    await settle();
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Lunch");
    const lines = screen.getAllByTestId("system-line");
    expect(lines.map((l) => l.textContent?.replace(/\s+/g, " ").trim().replace(/ \d{1,2}:\d\d(?: [AP]M)?$/, ""))).toEqual([
      "Bob joined",
      "Carol joined",
      "Carol left",
    ]);
    // Not bubbles.
    const bubbles = screen.getAllByTestId("message");
    expect(bubbles).toHaveLength(1);
    expect(bubbles[0].dataset.sender).toBe("bob");
    expect(bubbles[0].textContent).toContain("Bob");
    expect(bubbles[0].textContent).toContain("Pizza?");
  });
});
