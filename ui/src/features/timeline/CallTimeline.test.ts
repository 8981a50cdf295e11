import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Timeline from "./Timeline.svelte";

describe("Timeline with calls", () => {
  it("shows each call as a centred call line in the reader's words, not as a leave", async () => {
    let id = 0;
    const fake = await signedIn((f) => {
      id = f.seed("bob", 2);
    });
    fake.callEnded("bob", "bob", { outcome: "missed", video: false, duration_ms: 0 });
    fake.callEnded("bob", "alice", { outcome: "declined", video: false, duration_ms: 0 });
    fake.callEnded("bob", "alice", { outcome: "completed", video: true, duration_ms: 252_000 });
    render(Timeline);
    await app.select(id);
    await settle();
    const lines = screen.getAllByTestId("system-line");
    expect(lines.map((l) => [l.dataset.kind, l.dataset.outcome, l.dataset.user])).toEqual([
      ["call", "missed", "bob"],
      ["call", "declined", "alice"],
      ["call", "completed", "alice"],
    ]);
    expect(lines.map((l) => l.textContent?.replace(/\s+/g, " ").trim().replace(/ \d{1,2}:\d\d(?: [AP]M)?$/, ""))).toEqual([
      "Missed call from Bob",
      "Bob declined your call",
      "Video call 4:12",
    ]);
    for (const l of lines) {
      expect(l.textContent).not.toMatch(/left|joined|object/);
      expect(l.querySelector("svg.phone")?.getAttribute("aria-hidden")).toBe("true");
    }
    // The seeded texts stay bubbles.
    expect(screen.getAllByTestId("message")).toHaveLength(2);

    // A call that ends while the conversation is open is announced in its words.
    fake.callEnded("bob", "bob", { outcome: "declined", video: true, duration_ms: 0 });
    await settle();
    expect(screen.getAllByTestId("system-line").at(-1)?.dataset.outcome).toBe("declined");
    expect(screen.getAllByRole("status").map((s) => s.textContent)).toContain("You declined a video call from Bob");
  });
});
