import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Sidebar from "./Sidebar.svelte";

describe("Sidebar: groups and rooms", () => {
  it("lists direct chats and groups under Chats, rooms under Virtual Rooms", async () => {
    const fake = await signedIn((f) => f.seed("bob", 2));
    const group = await fake.createGroup(["carol", "dave"], null);
    fake.answerInvitation(group, "carol");
    await fake.createGroup(["erin"], "Lunch");
    const room = await fake.createRoom("Standup");
    await app.reload();
    render(Sidebar);
    await settle();
    const peers = screen.getAllByTestId("conversation").map((r) => r.dataset.peer);
    // An unnamed group goes by its members' display names.
    expect(peers.sort()).toEqual(["Carol", "Lunch", "bob"]);
    expect(screen.queryByTestId("room")).toBeNull();

    await fireEvent.click(screen.getByRole("tab", { name: /Virtual Rooms/ }));
    const row = screen.getByTestId("room");
    expect(row.dataset.name).toBe("Standup");
    expect(row.dataset.conversationId).toBe(String(room));
    expect(screen.queryAllByTestId("conversation")).toHaveLength(0);
    expect(screen.getAllByText("No meetings yet.")).toHaveLength(2);

    fake.post(room, "alice", "mine");
    fake.roomBy("bob", "Other");
    await settle();
    const other = screen.getAllByTestId("room").find((r) => r.dataset.name === "Other")!;
    fake.post(Number(other.dataset.conversationId), "bob", "hi");
    await settle();
    expect(within(other).getByTestId("unread").textContent).toBe("1");
    expect(within(screen.getAllByTestId("room").find((r) => r.dataset.name === "Standup")!).queryByTestId("unread")).toBeNull();
  });

  it("opens a room by its link, full or bare, and shows why an old link fails", async () => {
    const fake = await signedIn();
    const room = await fake.createRoom("Standup");
    const foreign = fake.foreignRoom("bob", "Bob's room");
    await app.reload();
    render(Sidebar);
    app.tab = "rooms";
    await settle();
    const box = screen.getByRole("textbox", { name: "Room link" });
    const open = screen.getByRole("button", { name: "Open" });

    await fireEvent.input(box, { target: { value: `confer://join/${fake.linkOf(room)}` } });
    await fireEvent.click(open);
    await settle();
    expect(screen.getByTestId("link-result").textContent).toContain("Standup");
    expect(app.selected).toBe(room);

    await fireEvent.input(box, { target: { value: foreign } });
    await fireEvent.click(open);
    await settle();
    expect(screen.getByTestId("link-result").textContent).toContain("Bob's room");
    expect(screen.getByTestId("link-result").textContent).toContain("moderators to add you");
    expect(app.selected).toBe(room);

    const old = fake.linkOf(room);
    await fake.rotateRoomLink(room);
    await fireEvent.input(box, { target: { value: `confer://join/${old}` } });
    await fireEvent.click(open);
    await settle();
    expect(screen.queryByTestId("link-result")).toBeNull();
    expect(screen.getByTestId("link-error").textContent).toBe("This link does not open any room (it may have been changed).");
  });

  it("creates a room from the dialog and opens it", async () => {
    const fake = await signedIn();
    render(Sidebar);
    app.tab = "rooms";
    await settle();
    await fireEvent.click(screen.getByTestId("create-room"));
    const dialog = screen.getByRole("dialog", { name: "Create room" });
    await fireEvent.click(within(dialog).getByRole("button", { name: "Create" }));
    expect(within(dialog).getByRole("alert").textContent).toBe("Give the room a name.");
    await fireEvent.input(within(dialog).getByRole("textbox", { name: "Room name" }), { target: { value: "Retro" } });
    await fireEvent.click(within(dialog).getByRole("button", { name: "Create" }));
    await settle();
    expect(screen.queryByRole("dialog")).toBeNull();
    const id = fake.idByName("Retro");
    expect(app.selected).toBe(id);
    expect(screen.getByTestId("room").dataset.name).toBe("Retro");
  });

  it("shows group invitations with Join and Decline", async () => {
    const fake = await signedIn();
    render(Sidebar);
    const a = fake.inviteMe("bob", ["carol"], "Book club");
    const b = fake.inviteMe("dave");
    await settle();
    const rows = screen.getAllByTestId("invitation");
    expect(rows.map((r) => r.dataset.conversationId)).toEqual([String(a), String(b)]);
    expect(rows[0].textContent).toContain("Book club");
    await fireEvent.click(within(rows[1]).getByRole("button", { name: "Decline" }));
    await settle();
    expect(screen.getAllByTestId("invitation")).toHaveLength(1);
    await fireEvent.click(within(rows[0]).getByRole("button", { name: "Join" }));
    await settle();
    expect(screen.queryByTestId("invitation")).toBeNull();
    expect(app.selected).toBe(a);
    expect(screen.getByTestId("conversation").dataset.peer).toBe("Book club");
  });

  it("names the inviter and an unnamed group's members by display name (#13)", async () => {
    const fake = await signedIn(undefined, { displayNames: { bob: "Bob Carter", carol: "Carol Dupont", dave: "Dave Okafor" } });
    render(Sidebar);
    const named = fake.inviteMe("bob", ["carol"], "Book club");
    const unnamed = fake.inviteMe("dave", ["carol"]);
    await settle();
    const row = (id: number) => screen.getAllByTestId("invitation").find((r) => r.dataset.conversationId === String(id))!;
    expect(row(named).dataset.inviter).toBe("bob");
    const words = (id: number) => row(id).querySelector(".text")?.textContent;
    expect(words(named)).toBe("Bob Carter invites you to Book club (2 members).");
    expect(row(unnamed).dataset.inviter).toBe("dave");
    expect(words(unnamed)).toBe("Dave Okafor invites you to Carol Dupont, Dave Okafor (2 members).");
    expect(row(unnamed).textContent).not.toMatch(/\b(bob|carol|dave)\b/);
    // Join and Decline are described by the row's words, display names included.
    const join = within(row(unnamed)).getByRole("button", { name: "Join" });
    expect(document.getElementById(join.getAttribute("aria-describedby")!)?.textContent).toBe(
      "Dave Okafor invites you to Carol Dupont, Dave Okafor (2 members).",
    );
  });
});
