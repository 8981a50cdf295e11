import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../../App.svelte";
import { layout } from "../../lib/layout.svelte";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import { MAX_TABS, tabs } from "./tabs.svelte";

const PEERS = ["bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];

async function setup() {
  const fake = await signedIn(
    (f) => {
      for (const p of PEERS) f.seed(p, 3);
    },
    { users: PEERS },
  );
  render(App);
  await settle();
  return fake;
}

const row = (peer: string) => document.querySelector<HTMLElement>(`[data-testid=conversation][data-peer="${peer}"]`)!;
const tabIds = () => screen.queryAllByTestId("conversation-tab").map((t) => Number(t.dataset.conversationId));
const tabNames = () => screen.queryAllByTestId("conversation-tab").map((t) => t.querySelector(".title")?.textContent);
const idOf = (peer: string) => Number(row(peer).dataset.conversationId);

async function openRow(peer: string) {
  await fireEvent.click(row(peer));
  await settle();
}

beforeEach(() => {
  localStorage.clear();
  layout.load();
});

describe("conversation tabs above the timeline", () => {
  it("opening a conversation adds its tab, or makes it the active one", async () => {
    await setup();
    expect(tabIds()).toEqual([]);
    await openRow("bob");
    await openRow("carol");
    expect(tabNames()).toEqual(["Bob", "Carol"]);
    const strip = screen.getByRole("navigation", { name: "Open conversations" });
    expect(within(strip).getByRole("button", { name: "Carol" }).getAttribute("aria-current")).toBe("page");
    expect(within(strip).getByRole("button", { name: "Bob" }).getAttribute("aria-current")).toBeNull();
    // One Tab stop: the active tab.
    expect(within(strip).getByRole("button", { name: "Carol" }).tabIndex).toBe(0);
    expect(within(strip).getByRole("button", { name: "Bob" }).tabIndex).toBe(-1);

    await openRow("bob");
    expect(tabNames()).toEqual(["Bob", "Carol"]);
    await fireEvent.click(within(strip).getByRole("button", { name: "Carol" }));
    await settle();
    expect(app.selected).toBe(idOf("carol"));
  });

  it("shows the unread count of a tab in the background", async () => {
    const fake = await setup();
    await openRow("bob");
    await openRow("carol");
    fake.receive("bob", "psst");
    await settle();
    const bob = screen.getAllByTestId("conversation-tab").find((t) => t.textContent?.includes("Bob"))!;
    expect(within(bob).getByRole("button", { name: /Bob 1 unread/ })).toBeTruthy();
  });

  it("closes with ×, a middle click, or Delete; the neighbour takes over, nothing when none is left", async () => {
    await setup();
    for (const p of ["bob", "carol", "dave", "erin"]) await openRow(p);
    const strip = screen.getByRole("navigation", { name: "Open conversations" });

    // × on a background tab: the open one stays.
    await fireEvent.click(within(strip).getByRole("button", { name: "Close Carol" }));
    await settle();
    expect(tabNames()).toEqual(["Bob", "Dave", "Erin"]);
    expect(app.selected).toBe(idOf("erin"));

    // A middle click on the active tab: the one before it (none after) opens.
    const erin = screen.getAllByTestId("conversation-tab")[2];
    await fireEvent(erin, new MouseEvent("auxclick", { button: 1, bubbles: true }));
    await settle();
    expect(tabNames()).toEqual(["Bob", "Dave"]);
    expect(app.selected).toBe(idOf("dave"));

    // Delete on the focused tab, then the focus on the next one.
    const bob = within(strip).getByRole("button", { name: "Bob" });
    bob.focus();
    await fireEvent.keyDown(bob, { key: "Delete" });
    await settle();
    expect(tabNames()).toEqual(["Dave"]);
    expect(document.activeElement).toBe(within(strip).getByRole("button", { name: "Dave" }));

    await fireEvent.keyDown(document.activeElement!, { key: "Delete" });
    await settle();
    expect(tabNames()).toEqual([]);
    expect(app.selected).toBeNull();
  });

  it("moves along the tabs with the arrow keys", async () => {
    await setup();
    for (const p of ["bob", "carol", "dave"]) await openRow(p);
    const strip = screen.getByRole("navigation", { name: "Open conversations" });
    const dave = within(strip).getByRole("button", { name: "Dave" });
    dave.focus();
    await fireEvent.keyDown(dave, { key: "ArrowRight" });
    expect(document.activeElement).toBe(within(strip).getByRole("button", { name: "Bob" }));
    await fireEvent.keyDown(document.activeElement!, { key: "End" });
    expect(document.activeElement).toBe(dave);
    await fireEvent.keyDown(dave, { key: "ArrowLeft" });
    expect(document.activeElement).toBe(within(strip).getByRole("button", { name: "Carol" }));
  });

  it(`keeps at most ${MAX_TABS}: the one used longest ago closes`, async () => {
    await setup();
    for (const p of PEERS.slice(0, MAX_TABS)) await openRow(p);
    // bob is used again, so carol is now the one used longest ago.
    await openRow("bob");
    await openRow("judy");
    expect(tabIds()).toHaveLength(MAX_TABS);
    expect(tabNames()).not.toContain("Carol");
    expect(tabNames()).toContain("Bob");
    expect(tabNames()[MAX_TABS - 1]).toBe("Judy");
  });

  it("keeps each tab's draft", async () => {
    await setup();
    await openRow("bob");
    const box = () => screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement;
    await fireEvent.input(box(), { target: { value: "half a thought" } });
    await openRow("carol");
    expect(box().value).toBe("");
    await fireEvent.click(within(screen.getByRole("navigation", { name: "Open conversations" })).getByRole("button", { name: "Bob" }));
    await settle();
    expect(box().value).toBe("half a thought");
  });

  it("drops the tab of a conversation that is gone", async () => {
    const fake = await setup();
    const group = fake.inviteMe("bob", ["carol"], "Release crew");
    await app.joinGroup(group);
    await settle();
    await openRow("bob");
    expect(tabNames()).toEqual(["Release crew", "Bob"]);
    await fake.leaveGroup(group);
    await app.reload();
    await settle();
    expect(tabNames()).toEqual(["Bob"]);
  });

  it("loads as much again as the tab had loaded, to show its place", () => {
    tabs.reset();
    tabs.show(7);
    tabs.loaded(7, 300);
    tabs.keep(7, { key: 12, delta: -30 });
    expect(tabs.placeOf(7)).toEqual({ key: 12, delta: -30 });
    tabs.keep(99, { key: 1, delta: 0 });
    expect(tabs.placeOf(99)).toBeNull();
  });
});

describe("hiding the side columns", () => {
  it("hides and shows the list and the details with their three-bar buttons, remembered on this device", async () => {
    await setup();
    const list = screen.getByRole("button", { name: "Hide the conversation list" });
    expect(list.getAttribute("aria-expanded")).toBe("true");
    expect(list.getAttribute("aria-controls")).toBe("sidebar");
    await fireEvent.click(list);
    expect(screen.queryByRole("navigation", { name: "Conversations" })).toBeNull();
    expect(screen.getByRole("button", { name: "Show the conversation list" }).getAttribute("aria-expanded")).toBe("false");
    await fireEvent.click(screen.getByRole("button", { name: "Hide the details" }));
    expect(screen.queryByRole("complementary", { name: "Details" })).toBeNull();
    expect(JSON.parse(localStorage.getItem("confer.layout")!)).toEqual({ list: false, details: false });
    expect(document.querySelector(".columns")?.className).toMatch(/no-list.*no-details|no-details.*no-list/);

    // The next start reads the choice.
    layout.load();
    expect([layout.list, layout.details]).toEqual([false, false]);
    await fireEvent.click(screen.getByRole("button", { name: "Show the conversation list" }));
    expect(screen.getByRole("navigation", { name: "Conversations" })).toBeTruthy();
    expect(JSON.parse(localStorage.getItem("confer.layout")!)).toEqual({ list: true, details: false });
  });
});
