import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import { mentionAt, mentionCandidates, mentionsIn, mentionSpans } from "./mentions";
import { rich, TYPING_SHOWN_MS } from "./rich.svelte";
import Timeline from "./Timeline.svelte";
import { IDLE_MS, REPEAT_MS, TypingSender } from "./typing";

afterEach(() => {
  vi.useRealTimers();
});

const box = () => screen.getByLabelText("Message") as HTMLTextAreaElement;

async function group(members = ["bob", "carol", "dave"]) {
  const fake = await signedIn();
  const id = await fake.createGroup(members, "Lunch");
  for (const m of members) fake.answerInvitation(id, m);
  await app.reload();
  render(Timeline);
  await app.select(id);
  await settle();
  return { fake, id };
}

describe("telling others the user types", () => {
  it("says typing at most every 3 s while keys come, stopped once sent, emptied or after 5 s idle", () => {
    vi.useFakeTimers();
    const said: [number, boolean][] = [];
    let now = 0;
    const t = new TypingSender((c, on) => said.push([c, on]), () => now);
    t.typed(1, "h");
    t.typed(1, "he");
    expect(said).toEqual([[1, true]]);
    now += REPEAT_MS - 1;
    vi.advanceTimersByTime(REPEAT_MS - 1);
    t.typed(1, "hel");
    expect(said).toEqual([[1, true]]);
    now += 1;
    t.typed(1, "hell");
    expect(said).toEqual([[1, true], [1, true]]);
    // Emptied.
    t.typed(1, "");
    expect(said.at(-1)).toEqual([1, false]);
    // Idle.
    t.typed(1, "again");
    vi.advanceTimersByTime(IDLE_MS - 1);
    expect(said.at(-1)).toEqual([1, true]);
    vi.advanceTimersByTime(1);
    expect(said.at(-1)).toEqual([1, false]);
    // Another conversation: stopped in the first.
    said.length = 0;
    t.typed(1, "x");
    t.typed(2, "y");
    expect(said).toEqual([[1, true], [1, false], [2, true]]);
    // Stopping twice says it once.
    t.stop();
    t.stop();
    expect(said).toEqual([[1, true], [1, false], [2, true], [2, false]]);
  });

  it("is wired to the message box: set_typing true as the user types, false once sent", async () => {
    const { fake, id } = await group();
    await fireEvent.input(box(), { target: { value: "Hi" } });
    await fireEvent.input(box(), { target: { value: "Hi all" } });
    expect(fake.callsOf("setTyping")).toEqual([[id, true]]);
    await fireEvent.keyDown(box(), { key: "Enter" });
    await settle();
    expect(fake.callsOf("setTyping")).toEqual([[id, true], [id, false]]);
  });
});

describe("the typing indicator", () => {
  it("names one or two people typing, else says several; a polite live region", async () => {
    const { fake, id } = await group();
    const line = screen.getByTestId("typing");
    expect(line.getAttribute("role")).toBe("status");
    expect(line.textContent).toBe("");
    fake.typingBy(id, "bob");
    await settle();
    expect(line.textContent).toBe("Bob is typing…");
    fake.typingBy(id, "carol");
    await settle();
    expect(line.textContent).toBe("Bob and Carol are typing…");
    fake.typingBy(id, "dave");
    await settle();
    expect(line.textContent).toBe("Several people are typing…");
    fake.typingBy(id, "dave", false);
    fake.post(id, "carol", "done");
    await settle();
    expect(line.textContent).toBe("Bob is typing…");
    // Other conversations' typing is not shown here.
    fake.typingBy(id + 100, "erin");
    await settle();
    expect(line.textContent).toBe("Bob is typing…");
  });

  it("drops an indicator not repeated within 6 s", async () => {
    await signedIn();
    vi.useFakeTimers();
    rich.apply({ event: "typing", conversation: 7, user: "bob", typing: true });
    vi.advanceTimersByTime(TYPING_SHOWN_MS - 1000);
    rich.apply({ event: "typing", conversation: 7, user: "bob", typing: true });
    vi.advanceTimersByTime(TYPING_SHOWN_MS - 1);
    expect(rich.typingIn(7)).toEqual(["bob"]);
    vi.advanceTimersByTime(1);
    expect(rich.typingIn(7)).toEqual([]);
    // This user's own typing (another device) is never shown.
    rich.apply({ event: "typing", conversation: 7, user: "alice", typing: true });
    expect(rich.typingIn(7)).toEqual([]);
  });
});

describe("@mentions", () => {
  it("finds mentions as the server does", () => {
    const members = ["alice", "bob", "carol.d"];
    const cases: [string, string[]][] = [
      ["@bob hi", ["bob"]],
      ["hi @BOB, and @carol.d.", ["bob", "carol.d"]],
      ["@carol.d @bob @bob", ["carol.d", "bob"]],
      ["mail bob@example.com", []],
      ["@alice talks to herself", []],
      ["@dave is not here", []],
      ["(@bob)", ["bob"]],
      ["@@bob", []],
      ["@", []],
      ["@bobby", []],
    ];
    for (const [text, want] of cases) expect(mentionsIn(text, "alice", members), text).toEqual(want);
    expect(mentionSpans("hi @bob.")).toEqual([{ start: 3, end: 7, name: "bob" }]);
  });

  it("reads the @word before the caret, and offers members by name or display name", () => {
    expect(mentionAt("hello @ca", 9)).toEqual({ start: 6, query: "ca" });
    expect(mentionAt("hello @", 7)).toEqual({ start: 6, query: "" });
    expect(mentionAt("mail bob@ex", 11)).toBeNull();
    expect(mentionAt("hello @ca and", 13)).toBeNull();
    const people = [
      { name: "bob", display: "Bob Martin" },
      { name: "carol", display: "Carol Émile" },
      { name: "dave", display: "David Bobet" },
    ];
    expect(mentionCandidates("bo", people).map((p) => p.name)).toEqual(["bob", "dave"]);
    expect(mentionCandidates("emi", people).map((p) => p.name)).toEqual(["carol"]);
    expect(mentionCandidates("", people)).toHaveLength(3);
  });

  it("offers the members as an @ is typed in a group: arrows choose, Enter or Tab picks, Escape closes", async () => {
    await group();
    await fireEvent.input(box(), { target: { value: "Hello @" } });
    await settle();
    const list = screen.getByRole("listbox", { name: "People to mention" });
    expect(within(list).getAllByRole("option").map((o) => o.textContent?.trim())).toEqual(["Bob @bob", "Carol @carol", "Dave @dave"]);
    expect(box().getAttribute("aria-activedescendant")).toBe(within(list).getAllByRole("option")[0].id);
    expect(box().getAttribute("aria-controls")).toBe(list.id);
    await fireEvent.input(box(), { target: { value: "Hello @ca" } });
    await settle();
    expect(within(screen.getByRole("listbox")).getAllByRole("option").map((o) => o.dataset.user)).toEqual(["carol"]);
    await fireEvent.keyDown(box(), { key: "Enter" });
    await settle();
    expect(box().value).toBe("Hello @carol ");
    expect(screen.queryByRole("listbox")).toBeNull();

    await fireEvent.input(box(), { target: { value: "Hello @carol and @" } });
    await settle();
    await fireEvent.keyDown(box(), { key: "ArrowDown" });
    await fireEvent.keyDown(box(), { key: "ArrowDown" });
    await settle();
    const options = within(screen.getByRole("listbox")).getAllByRole("option");
    expect(options.map((o) => o.getAttribute("aria-selected"))).toEqual(["false", "false", "true"]);
    await fireEvent.keyDown(box(), { key: "Tab" });
    await settle();
    expect(box().value).toBe("Hello @carol and @dave ");

    await fireEvent.input(box(), { target: { value: "x @b" } });
    await settle();
    const escape = await fireEvent.keyDown(box(), { key: "Escape" });
    expect(escape).toBe(false);
    await settle();
    expect(screen.queryByRole("listbox")).toBeNull();
    // Enter sends again once the list is closed.
    await fireEvent.keyDown(box(), { key: "Enter" });
    await settle();
    expect(app.messages.at(-1)?.text).toBe("x @b");
  });

  it("picks with a click, and offers nothing in a 1:1 chat", async () => {
    const { fake } = await group();
    await fireEvent.input(box(), { target: { value: "@" } });
    await settle();
    await fireEvent.click(within(screen.getByRole("listbox")).getAllByRole("option")[1]);
    await settle();
    expect(box().value).toBe("@carol ");
    const direct = await fake.openDirect("bob");
    await app.reload();
    await app.select(direct);
    await settle();
    await fireEvent.input(box(), { target: { value: "@b" } });
    await settle();
    expect(screen.queryByRole("listbox")).toBeNull();
  });
});
