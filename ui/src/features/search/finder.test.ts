import { describe, expect, it } from "vitest";
import { settle, signedIn } from "../../../tests/helpers";
import { MessageSearch } from "./finder.svelte";

// The one search both the bar over a conversation and the dialog over every conversation run.
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function seeded() {
  let bob = 0;
  let carol = 0;
  const fake = await signedIn((f) => {
    bob = f.seed("bob", 60, { text: (i) => (i === 3 ? "The budget meeting moved" : i === 50 ? "Budget figures are in" : `Chat ${i}`) });
    carol = f.seed("carol", 3, { text: (i) => (i === 1 ? "Le budget de jeudi" : `Hi ${i}`) });
  });
  return { fake, bob, carol };
}

describe("a search of messages", () => {
  it("searches its scope's cache after the pause, newest first, and says how many it found", async () => {
    const { fake, bob, carol } = await seeded();
    let scope: number | null = bob;
    const finder = new MessageSearch(() => scope, 20);
    finder.query = "budget";
    finder.input();
    expect(finder.status).toBe("");
    expect(fake.callsOf("searchLocal")).toEqual([]);
    await pause(40);
    await settle();
    expect(fake.callsOf("searchLocal")).toEqual([["budget", bob]]);
    expect(finder.local.map((h) => `${h.conversation}:${h.seq}`)).toEqual([`${bob}:51`, `${bob}:4`]);
    expect(finder.first?.seq).toBe(51);
    expect(finder.status).toBe("2 messages found");
    expect(finder.canAskServer).toBe(true);

    // Every conversation: the scope is read at each search.
    scope = null;
    finder.input();
    await pause(40);
    await settle();
    expect(fake.callsOf("searchLocal").at(-1)).toEqual(["budget", null]);
    expect(finder.local.map((h) => h.conversation).sort()).toEqual([bob, bob, carol].sort());
  });

  it("drops an answer to words since changed, and searches nothing for no words", async () => {
    const { fake } = await seeded();
    const finder = new MessageSearch(() => null, 20);
    finder.query = "budget";
    finder.input();
    finder.query = "jeudi";
    finder.input();
    await pause(40);
    await settle();
    expect(fake.callsOf("searchLocal")).toEqual([["jeudi", null]]);
    expect(finder.searched).toBe("jeudi");
    finder.query = " ,, ";
    finder.input();
    await pause(40);
    await settle();
    expect(fake.callsOf("searchLocal")).toHaveLength(1);
    expect(finder.searched).toBeNull();
    expect(finder.local).toEqual([]);
  });

  it("adds only what the server alone had; offline, it says only this device was searched", async () => {
    const { fake, bob } = await seeded();
    fake.uncache(bob, 20);
    const finder = new MessageSearch(() => bob, 0);
    finder.query = "budget";
    finder.input();
    await pause(10);
    await settle();
    expect(finder.local.map((h) => h.seq)).toEqual([51]);
    const asking = finder.searchServer();
    expect(finder.busy).toBe(true);
    expect(finder.status).toBe("Searching the server…");
    expect(await asking).toBe(true);
    expect(finder.server.map((h) => [h.seq, h.server])).toEqual([[4, true]]);
    expect(finder.total).toBe(2);
    expect(finder.canAskServer).toBe(false);

    fake.connection("offline");
    await settle();
    finder.query = "figures";
    finder.input();
    await pause(10);
    await settle();
    expect(await finder.searchServer()).toBe(false);
    expect(finder.error).toBe("The server cannot be reached: only the messages on this device were searched.");
    finder.clear();
    expect([finder.query, finder.error, finder.searched, finder.total]).toEqual(["", "", null, 0]);
  });

  it("Enter in the field chooses the first hit, Down goes to the hits when there are some", async () => {
    await seeded();
    const finder = new MessageSearch(() => null, 0);
    const chosen: number[] = [];
    let down = 0;
    const key = (k: string) => finder.fieldKey(new KeyboardEvent("keydown", { key: k, cancelable: true }), (h) => chosen.push(h.seq), () => down++);
    expect(key("ArrowDown")).toBe(false);
    expect(key("Enter")).toBe(true);
    expect(chosen).toEqual([]);
    finder.query = "figures";
    finder.input();
    await pause(10);
    await settle();
    expect(key("ArrowDown")).toBe(true);
    expect(key("Enter")).toBe(true);
    expect(key("a")).toBe(false);
    expect([chosen, down]).toEqual([[51], 1]);
  });
});
