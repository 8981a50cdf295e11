import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { navWords } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Sidebar from "./Sidebar.svelte";

async function setup(prepare?: Parameters<typeof signedIn>[0]) {
  const fake = await signedIn((f) => {
    f.seed("bob", 4);
    f.seed("carol", 6, { unread: 2 });
    prepare?.(f);
  });
  render(Sidebar);
  await settle();
  return fake;
}

const row = (peer: string) => document.querySelector<HTMLElement>(`[data-testid=conversation][data-peer="${peer}"]`)!;
const menu = () => screen.queryByRole("menu", { name: /^Actions for/ });
const items = () => within(menu()!).getAllByRole("menuitem").map((i) => i.textContent?.trim());

describe("a conversation's menu", () => {
  it("marks a read chat unread again, and hides a 1:1 chat until its next message", async () => {
    const fake = await setup();
    await fireEvent.contextMenu(row("bob"), { clientX: 40, clientY: 60 });
    await settle();
    expect(items()[0]).toBe("Mark as unread");
    await fireEvent.click(within(menu()!).getByRole("menuitem", { name: "Mark as unread" }));
    await settle();
    expect(row("bob").querySelector("[data-testid=unread]")?.textContent).toBe("1");

    await fireEvent.contextMenu(row("bob"), { clientX: 40, clientY: 60 });
    await settle();
    await fireEvent.click(within(menu()!).getByRole("menuitem", { name: "Hide this chat until a new message" }));
    await settle();
    expect(document.querySelector('[data-testid=conversation][data-peer="bob"]')).toBeNull();
    fake.receive("bob", "back again");
    await settle();
    expect(row("bob")).not.toBeNull();
  });

  it("opens on a right click with what the app can do to a 1:1 chat; no fake items", async () => {
    await setup();
    await fireEvent.contextMenu(row("carol"), { clientX: 40, clientY: 60 });
    await settle();
    expect(menu()?.getAttribute("aria-label")).toBe("Actions for Carol");
    expect(items()).toEqual([
      "Mark as read",
      "Mute notifications",
      "Add to favourites",
      "Hide this chat until a new message",
      "Clear history…",
    ]);
    expect(document.activeElement).toBe(within(menu()!).getAllByRole("menuitem")[0]);
  });

  it("is reached by keyboard: the row's … button, Shift+F10 or the Menu key; arrows move, Escape closes back on the opener", async () => {
    await setup();
    const more = within(row("bob").parentElement!).getByRole("button", { name: "More actions for Bob" });
    expect(more.getAttribute("aria-haspopup")).toBe("menu");
    await fireEvent.click(more);
    await settle();
    expect(more.getAttribute("aria-expanded")).toBe("true");
    const first = document.activeElement as HTMLElement;
    await fireEvent.keyDown(first, { key: "ArrowDown" });
    expect(document.activeElement).toBe(within(menu()!).getAllByRole("menuitem")[1]);
    await fireEvent.keyDown(document.activeElement!, { key: "End" });
    expect((document.activeElement as HTMLElement).dataset.action).toBe("clear");
    await fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    await settle();
    expect(menu()).toBeNull();
    expect(document.activeElement).toBe(more);

    row("bob").focus();
    await fireEvent.keyDown(row("bob"), { key: "F10", shiftKey: true });
    await settle();
    expect(menu()?.getAttribute("aria-label")).toBe("Actions for Bob");
    await fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    await settle();
    expect(document.activeElement).toBe(row("bob"));
    await fireEvent.keyDown(row("bob"), { key: "ContextMenu" });
    await settle();
    expect(menu()).not.toBeNull();
  });

  it("mutes and unmutes, marks read, and adds to favourites", async () => {
    const fake = await setup();
    await fireEvent.contextMenu(row("bob"));
    await settle();
    await fireEvent.click(within(menu()!).getByRole("menuitem", { name: "Mute notifications" }));
    await settle();
    expect(fake.callsOf("setMuted")).toEqual([[Number(row("bob").dataset.conversationId), true]]);
    expect(menu()).toBeNull();
    expect(row("bob").textContent).toContain(", muted");
    await fireEvent.contextMenu(row("bob"));
    await settle();
    await fireEvent.click(within(menu()!).getByRole("menuitem", { name: "Unmute notifications" }));
    await settle();
    expect(app.conversations.find((c) => c.info.id === Number(row("bob").dataset.conversationId))?.muted).toBe(false);

    await fireEvent.contextMenu(row("carol"));
    await settle();
    await fireEvent.click(within(menu()!).getByRole("menuitem", { name: "Mark as read" }));
    await settle();
    expect(fake.callsOf("markRead")).toHaveLength(1);
    expect(within(row("carol")).queryByTestId("unread")).toBeNull();

    await fireEvent.contextMenu(row("carol"));
    await settle();
    await fireEvent.click(within(menu()!).getByRole("menuitem", { name: "Add to favourites" }));
    await settle();
    expect(fake.callsOf("addFavourite")).toEqual([["carol"]]);
  });

  it("asks before leaving a group, then it goes from the list", async () => {
    let group = 0;
    const fake = await setup((f) => {
      group = f.inviteMe("bob", ["carol"], "Release crew");
    });
    await app.joinGroup(group);
    await settle();
    await fireEvent.contextMenu(row("Release crew"));
    await settle();
    expect(items()).toEqual(["Mute notifications", "Clear history…", "Leave group…"]);
    await fireEvent.click(within(menu()!).getByRole("menuitem", { name: "Leave group…" }));
    await settle();
    const ask = screen.getByRole("dialog", { name: "Leave group" });
    expect(ask.textContent).toContain("Leave “Release crew”?");
    await fireEvent.click(within(ask).getByRole("button", { name: "Cancel" }));
    await settle();
    expect(fake.callsOf("leaveGroup")).toEqual([]);
    await fireEvent.contextMenu(row("Release crew"));
    await settle();
    await fireEvent.click(within(menu()!).getByRole("menuitem", { name: "Leave group…" }));
    await settle();
    await fireEvent.click(screen.getByTestId("menu-confirm"));
    await settle();
    expect(fake.callsOf("leaveGroup")).toEqual([[group]]);
    expect(row("Release crew")).toBeNull();
    expect(app.selected).toBeNull();
  });

  it("offers a room's owner Delete and a member Leave, from the rooms list", async () => {
    let mine = 0;
    let theirs = 0;
    const fake = await setup((f) => {
      theirs = f.roomBy("bob", "Review", ["alice"]);
    });
    mine = await fake.createRoom("Standup");
    await app.reload();
    app.tab = "rooms";
    await settle();
    const room = (id: number) => document.querySelector<HTMLElement>(`[data-testid=room][data-conversation-id="${id}"]`)!;
    await fireEvent.contextMenu(room(mine));
    await settle();
    expect(items()).toContain("Delete room…");
    await fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    await settle();
    await fireEvent.click(within(room(theirs).parentElement!).getByRole("button", { name: "More actions for Review" }));
    await settle();
    expect(items()).toContain("Leave room…");
    await fireEvent.click(within(menu()!).getByRole("menuitem", { name: "Leave room…" }));
    await settle();
    await fireEvent.click(screen.getByTestId("menu-confirm"));
    await settle();
    expect(fake.callsOf("leaveRoom")).toEqual([[theirs]]);
    expect(room(theirs)).toBeNull();
  });

  it("is worded in French", () => {
    const fr = navWords("fr");
    expect(fr.ellipsis(fr.leaveRoom)).toBe("Quitter la salle…");
    expect(fr.moreActions("bob")).toBe("Plus d'actions pour bob");
    expect(fr.mute).toBe("Couper les notifications");
  });
});

describe("the chat list", () => {
  it("has one box that filters the chats and offers people to chat with", async () => {
    await setup();
    expect(screen.queryByRole("textbox", { name: "Filter conversations" })).toBeNull();
    const box = screen.getByRole("combobox", { name: "Chat with" });
    expect(box.getAttribute("placeholder")).toBe("Chat with… or filter");
    await fireEvent.input(box, { target: { value: "car" } });
    await settle();
    expect(screen.getAllByTestId("conversation").map((r) => r.dataset.peer)).toEqual(["carol"]);
    expect(screen.getAllByRole("option").map((o) => o.dataset.user)).toEqual(["carol"]);
    await fireEvent.keyDown(box, { key: "Escape" });
    expect(screen.queryAllByRole("option")).toEqual([]);
    expect((box as HTMLInputElement).value).toBe("car");
    await fireEvent.keyDown(box, { key: "Escape" });
    await settle();
    expect((box as HTMLInputElement).value).toBe("");
    expect(screen.getAllByTestId("conversation")).toHaveLength(2);
  });

  it("opens the first matching chat on Enter when no one by that name is in the directory", async () => {
    let group = 0;
    const fake = await setup((f) => {
      group = f.inviteMe("bob", ["carol"], "Release crew");
    });
    await app.joinGroup(group);
    app.close();
    await settle();
    const box = screen.getByRole("combobox", { name: "Chat with" });
    await fireEvent.input(box, { target: { value: "release" } });
    await fireEvent.keyDown(box, { key: "Enter" });
    await settle();
    expect(app.selected).toBe(group);
    expect(fake.callsOf("openDirect")).toEqual([]);
  });

  it("puts favourites first, under their own heading, and names each row's status for screen readers", async () => {
    const fake = await setup();
    await fake.addFavourite("carol");
    fake.answerRequest("carol", true);
    await fake.addFavourite("erin");
    fake.answerRequest("erin", true);
    fake.setPresence("carol", "away");
    fake.setPresence("bob", "dnd");
    await settle();
    const favourites = screen.getByRole("list", { name: "Favourites" });
    expect(within(favourites).getAllByTestId("conversation").map((r) => r.dataset.peer)).toEqual(["carol"]);
    // A favourite without a chat yet: a row that starts one.
    const erin = within(favourites).getByTestId("favourite-person");
    expect(erin.dataset.user).toBe("erin");
    expect(screen.getByRole("heading", { name: "Chats" })).toBeTruthy();
    const chats = screen.getByRole("list", { name: "Chats" });
    expect(within(chats).getAllByTestId("conversation").map((r) => r.dataset.peer)).toEqual(["bob"]);
    expect(within(row("carol")).getByTestId("row-status").textContent).toBe(", Away");
    expect(within(row("bob")).getByTestId("row-status").textContent).toBe(", Do not disturb");
    expect(row("bob").querySelector("[data-shape=dnd]")).not.toBeNull();

    await fireEvent.click(erin);
    await settle();
    expect(fake.callsOf("openDirect")).toEqual([["erin"]]);
    expect(app.conversation?.info.members).toContain("erin");
  });
});
