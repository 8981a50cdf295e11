import { describe, expect, it } from "vitest";
import { settle, signedIn } from "../../tests/helpers";
import { app, PAGE } from "./state.svelte";

async function withBob(count: number) {
  let id = 0;
  const fake = await signedIn((f) => {
    id = f.seed("bob", count);
  });
  await app.select(id);
  await settle();
  return { fake, id };
}

describe("app state", () => {
  it("pages older messages in front, oldest first, until there are no more", async () => {
    await withBob(200);
    expect(app.messages).toHaveLength(PAGE);
    expect(app.hasOlder).toBe(true);
    expect(await app.loadOlder()).toBe(PAGE);
    expect(await app.loadOlder()).toBe(200 - 2 * PAGE);
    expect(app.hasOlder).toBe(false);
    expect(app.messages.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await app.loadOlder()).toBe(0);
  });

  it("applies receipts to the loaded messages without dropping older pages", async () => {
    const { fake, id } = await withBob(200);
    await app.loadOlder();
    const loaded = app.messages.length;
    fake.receipts(id, 200, 200);
    await settle();
    expect(app.messages).toHaveLength(loaded);
    const mine = app.messages.filter((m) => m.sender === "alice");
    expect(mine.every((m) => m.state === "read")).toBe(true);
  });

  it("reloads the timeline when it was cleared elsewhere, not when another conversation appears", async () => {
    const { fake, id } = await withBob(20);
    const histories = () => fake.callsOf("history").length;
    const before = histories();
    await fake.openDirect("carol"); // a new conversation: the list changes, the timeline does not
    await settle();
    expect(app.conversations).toHaveLength(2);
    expect(histories()).toBe(before);
    await fake.clearHistory(id); // as if from another device
    await settle();
    expect(histories()).toBe(before + 1);
    expect(app.messages).toEqual([]);
  });

  it("drops a late page of a conversation left in the meantime", async () => {
    let bob = 0;
    let carol = 0;
    await signedIn(
      (f) => {
        bob = f.seed("bob", 5);
        carol = f.seed("carol", 3);
      },
      { historyDelayMs: 30 },
    );
    const first = app.select(bob);
    const second = app.select(carol);
    await Promise.all([first, second]);
    expect(app.selected).toBe(carol);
    expect(app.messages.every((m) => m.conversation === carol)).toBe(true);
    expect(app.messages).toHaveLength(3);
  });
});

describe("names and links", () => {
  it("reads a link's token from the full link or the bare token", async () => {
    const { linkToken } = await import("./state.svelte");
    expect(linkToken("  confer://join/abc123 ")).toBe("abc123");
    expect(linkToken("abc123")).toBe("abc123");
    expect(linkToken("confer://join/abc123/")).toBe("abc123");
  });

  it("names direct chats by the other person, groups by name or members, rooms by name", async () => {
    const { titleOf, roleOf } = await import("./state.svelte");
    const base = { id: 1, created_at: 0 };
    expect(titleOf({ ...base, kind: "direct", members: ["alice", "bob"] }, "alice")).toBe("bob");
    expect(titleOf({ ...base, kind: "group", members: ["alice", "bob", "carol"] }, "alice")).toBe("bob, carol");
    expect(titleOf({ ...base, kind: "group", members: ["alice", "bob"], name: "Lunch" }, "alice")).toBe("Lunch");
    const room = { ...base, kind: "room" as const, members: ["alice", "bob", "carol"], name: "Standup", owner: "bob", moderators: ["bob", "carol"] };
    expect(titleOf(room, "alice")).toBe("Standup");
    expect([roleOf(room, "bob"), roleOf(room, "carol"), roleOf(room, "alice")]).toEqual(["owner", "moderator", "member"]);
  });

  it("names an alias conversation for its writer by the alias, for those who answer by alias and writer", async () => {
    const { titleOf, senderLabel } = await import("./state.svelte");
    const alias = { name: "support", display_name: "IT Support", writer: "walt" };
    // The writer's copy lists the alias among the members (the server hides who answers).
    const writers = { id: 1, created_at: 0, kind: "alias" as const, members: ["support", "walt"], alias };
    const members = { ...writers, members: ["alice", "bob", "walt"] };
    expect(titleOf(writers, "walt")).toBe("IT Support");
    expect(titleOf(members, "bob")).toBe("IT Support · walt");
    // Answers: from the alias for the writer, from "IT Support · alice" for the others.
    expect(senderLabel(writers, "support")).toBe("IT Support");
    expect(senderLabel(members, "alice")).toBe("IT Support · alice");
    expect(senderLabel(members, "walt")).toBe("walt");
    // Other conversations keep the sender's name.
    expect(senderLabel({ id: 2, created_at: 0, kind: "group", members: ["a", "b"] }, "a")).toBe("a");
  });
});
