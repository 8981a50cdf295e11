import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Sidebar from "./Sidebar.svelte";

async function setup() {
  const fake = await signedIn((f) => {
    f.seed("bob", 4);
    f.seed("carol", 6, { unread: 2 });
  });
  render(Sidebar);
  await settle();
  return fake;
}

describe("Sidebar", () => {
  it("lists conversations with peer, preview and unread count; the tab shows the total", async () => {
    await setup();
    const rows = screen.getAllByTestId("conversation");
    expect(rows.map((r) => r.dataset.peer).sort()).toEqual(["bob", "carol"]);
    const carol = rows.find((r) => r.dataset.peer === "carol")!;
    expect(within(carol).getByTestId("unread").textContent).toBe("2");
    expect(within(carol).getByTestId("preview").textContent).toMatch(/carol|Reply/);
    expect(within(rows.find((r) => r.dataset.peer === "bob")!).queryByTestId("unread")).toBeNull();
    const chats = screen.getByRole("tab", { name: /Chats/ });
    expect(chats.dataset.tab).toBe("chats");
    expect(within(chats).getByTestId("tab-unread").textContent).toBe("2");
    expect(within(screen.getByRole("tab", { name: /Virtual Rooms/ })).queryByTestId("tab-unread")).toBeNull();
  });

  it("previews a call as its call line, in the reader's words", async () => {
    const fake = await setup();
    fake.callEnded("bob", "bob", { outcome: "missed", video: true, duration_ms: 0 });
    fake.callEnded("carol", "alice", { outcome: "completed", video: false, duration_ms: 83_000 });
    await app.reload();
    await settle();
    const preview = (peer: string) =>
      within(screen.getAllByTestId("conversation").find((r) => r.dataset.peer === peer)!).getByTestId("preview").textContent;
    expect(preview("bob")).toBe("Missed video call from Bob");
    expect(preview("carol")).toBe("Call 1:23");
  });

  it("previews the last message without its Markdown, and a deleted one as deleted, in chats and rooms", async () => {
    const fake = await setup();
    const bob = fake.conversationWith("bob")!;
    const seq = fake.post(bob, "bob", "**Done** :tada: see `x`\n- and *this*");
    const room = fake.roomBy("carol", "Standup", ["alice"]);
    const roomSeq = fake.post(room, "carol", "_Agenda_ in `notes`");
    await app.reload();
    await settle();
    const preview = () => within(screen.getAllByTestId("conversation").find((r) => r.dataset.peer === "bob")!).getByTestId("preview").textContent;
    expect(preview()).toBe("Done 🎉 see x and this");
    // (The timeline's state reloads the list on a change of its last message; none here.)
    fake.deleteBy(bob, seq);
    await app.reload();
    await vi.waitFor(() => expect(preview()).toBe("Message deleted"));

    await fireEvent.click(screen.getByRole("tab", { name: /Virtual Rooms/ }));
    const roomPreview = () => screen.getByTestId("room").querySelector(".preview")!.textContent;
    expect(roomPreview()).toBe("2 members · Agenda in notes");
    fake.deleteBy(room, roomSeq);
    await app.reload();
    await vi.waitFor(() => expect(roomPreview()).toBe("2 members · Message deleted"));
  });

  it("moves between tabs with the arrow keys (one Tab stop)", async () => {
    await setup();
    const chats = screen.getByRole("tab", { name: /Chats/ });
    const rooms = screen.getByRole("tab", { name: /Virtual Rooms/ });
    expect(chats.tabIndex).toBe(0);
    expect(rooms.tabIndex).toBe(-1);
    chats.focus();
    await fireEvent.keyDown(chats, { key: "ArrowRight" });
    expect(app.tab).toBe("rooms");
    expect(document.activeElement).toBe(rooms);
    expect(rooms.getAttribute("aria-selected")).toBe("true");
    expect(screen.getByRole("tabpanel").getAttribute("aria-labelledby")).toBe(rooms.id);
    await fireEvent.keyDown(rooms, { key: "ArrowLeft" });
    expect(app.tab).toBe("chats");
    expect(document.activeElement).toBe(chats);
  });

  it("has a third tab, People, reached with the arrow keys; it lists the directory", async () => {
    const fake = await setup();
    const chats = screen.getByRole("tab", { name: /Chats/ });
    chats.focus();
    await fireEvent.keyDown(chats, { key: "ArrowLeft" }); // wraps to the last
    const tab = screen.getByRole("tab", { name: "People" });
    expect(app.tab).toBe("people");
    expect(document.activeElement).toBe(tab);
    expect(screen.getByRole("tabpanel").getAttribute("aria-labelledby")).toBe(tab.id);
    await settle();
    expect(screen.getByRole("searchbox", { name: "Filter people" })).toBeTruthy();
    expect(fake.callsOf("directory")).toEqual([["", null, true]]);
    await fireEvent.keyDown(tab, { key: "ArrowRight" });
    expect(app.tab).toBe("chats");
  });

  it("“Chat with”: suggestions as options, arrows pick one, Enter opens it", async () => {
    const fake = await setup();
    const box = screen.getByRole("combobox", { name: "Chat with" });
    await fireEvent.input(box, { target: { value: "r" } });
    await settle();
    const options = screen.getAllByRole("option");
    expect(options.map((o) => o.dataset.user)).toEqual(["carol", "erin"]); // not alice herself
    expect(box.getAttribute("aria-expanded")).toBe("true");
    await fireEvent.keyDown(box, { key: "ArrowDown" });
    await fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(box.getAttribute("aria-activedescendant")).toBe(options[1].id);
    expect(options[1].getAttribute("aria-selected")).toBe("true");
    await fireEvent.keyDown(box, { key: "Enter" });
    await settle();
    expect(fake.callsOf("openDirect")).toEqual([["erin"]]);
    expect(app.conversation?.info.members).toContain("erin");
    expect((box as HTMLInputElement).value).toBe("");
    expect(screen.queryAllByRole("option")).toEqual([]);
  });

  it("“Chat with”: the suggested users' presence is watched and shown live while listed", async () => {
    const fake = await setup();
    const box = screen.getByRole("combobox", { name: "Chat with" });
    await fireEvent.input(box, { target: { value: "r" } });
    await settle();
    expect(fake.watched).toEqual(["carol", "erin"]);
    const erin = screen.getAllByRole("option").find((o) => o.dataset.user === "erin")!;
    fake.setPresence("erin", "dnd");
    await settle();
    expect(erin.querySelector(".dot")?.classList.contains("dnd")).toBe(true);
    await fireEvent.input(box, { target: { value: "" } });
    await settle();
    expect(fake.watched).toEqual([]);
  });

  it("“Chat with”: a name nobody has is reported", async () => {
    await setup();
    const box = screen.getByRole("combobox", { name: "Chat with" });
    await fireEvent.input(box, { target: { value: "zed" } });
    await fireEvent.keyDown(box, { key: "Enter" });
    await settle();
    expect(screen.getByRole("alert").textContent).toContain("zed");
  });
});
