import { describe, expect, it } from "vitest";
import { initials, peerOf, ticks, windowTitle } from "./ticks";

describe("ticks", () => {
  it("maps every state to its ticks", () => {
    expect(ticks("pending")).toMatchObject({ count: 0, read: false });
    expect(ticks("sent")).toMatchObject({ count: 1, read: false });
    expect(ticks("delivered")).toMatchObject({ count: 2, read: false });
    expect(ticks("read")).toMatchObject({ count: 2, read: true });
  });
  it("titles, peers and initials", () => {
    expect(windowTitle(0)).toBe("Confer");
    expect(windowTitle(3)).toBe("(3) Confer");
    expect(peerOf(["alice", "bob"], "alice")).toBe("bob");
    expect(initials("bob okafor")).toBe("BO");
    expect(initials("carol")).toBe("C");
  });
});
