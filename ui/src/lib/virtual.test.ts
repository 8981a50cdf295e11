import { describe, expect, it } from "vitest";
import type { CachedMessage } from "./bindings";
import { placeMessage } from "./state.svelte";
import { dayKey, estimateHeight, prefixSums, rowAt, rowsBetween } from "./virtual";

describe("virtual window", () => {
  const offsets = prefixSums([10, 20, 30, 40]); // tops 0, 10, 30, 60; total 100
  it("sums heights into row tops", () => {
    expect([...offsets]).toEqual([0, 10, 30, 60, 100]);
  });
  it("finds the row under a pixel, clamped", () => {
    expect(rowAt(offsets, -5)).toBe(0);
    expect(rowAt(offsets, 0)).toBe(0);
    expect(rowAt(offsets, 29.9)).toBe(1);
    expect(rowAt(offsets, 30)).toBe(2);
    expect(rowAt(offsets, 1000)).toBe(3);
  });
  it("lists the rows meeting a band", () => {
    expect(rowsBetween(offsets, 15, 35)).toEqual([1, 3]);
    expect(rowsBetween(offsets, -100, 1000)).toEqual([0, 4]);
    expect(rowsBetween(prefixSums([]), 0, 100)).toEqual([0, 0]);
  });
  it("estimates taller rows for longer text and day separators", () => {
    expect(estimateHeight("a\nb\nc", false)).toBeGreaterThan(estimateHeight("a", false));
    expect(estimateHeight("a", true)).toBeGreaterThan(estimateHeight("a", false));
    expect(dayKey(new Date(2025, 0, 1, 0, 1).getTime())).toBe(dayKey(new Date(2025, 0, 1, 23, 59).getTime()));
    expect(dayKey(new Date(2025, 0, 1).getTime())).not.toBe(dayKey(new Date(2025, 0, 2).getTime()));
  });
});

describe("placeMessage", () => {
  const msg = (local_id: number, seq: number | null): CachedMessage => ({
    local_id,
    conversation: 1,
    seq,
    client_id: `c${local_id}`,
    sender: "bob",
    text: "",
    sent_at: 0,
    state: seq === null ? "pending" : "sent",
    error: null,
    edited_at: null,
    deleted: false,
    reply_to: null,
    reactions: [],
    mentions: [],
    version: 0,
    preview: null,
  });
  const ids = (l: CachedMessage[]) => l.map((m) => m.local_id);

  it("keeps confirmed messages by seq and pending ones last", () => {
    let l = [msg(1, 1), msg(2, 2), msg(9, null)];
    l = placeMessage(l, msg(3, 3)); // arrives while one of ours is pending
    expect(ids(l)).toEqual([1, 2, 3, 9]);
    l = placeMessage(l, msg(9, 4)); // ours confirmed after it
    expect(ids(l)).toEqual([1, 2, 3, 9]);
    expect(l[3].seq).toBe(4);
    l = placeMessage(l, { ...msg(2, 2), text: "edited state" });
    expect(l[1].text).toBe("edited state");
    expect(ids(placeMessage(l, msg(10, null)))).toEqual([1, 2, 3, 9, 10]);
  });

  it("never takes a message back to an earlier tick (a late send answer after its ack)", () => {
    const acked = { ...msg(9, 4), state: "delivered" as const };
    const l = placeMessage([msg(1, 1), acked], msg(9, null));
    expect(l).toEqual([msg(1, 1), acked]);
  });
});
