import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Details from "./Details.svelte";

async function room(owner: string, members: string[] = [], moderators: string[] = [], server?: string | null) {
  let id = 0;
  const fake = await signedIn((f) => {
    f.seed("bob", 2);
    // The server's address as the backend knows it (the About box's), when a test sets it.
    if (server !== undefined) f.aboutServer = server;
  });
  if (owner === "alice") {
    id = await fake.createRoom("Standup");
    for (const m of members) await fake.addRoomMember(id, m);
    for (const m of moderators) await fake.promoteModerator(id, m);
  } else {
    id = fake.roomBy(owner, "Standup", members, moderators);
  }
  await settle();
  await app.reload();
  await app.select(id);
  render(Details);
  await settle();
  const aside = screen.getByRole("complementary", { name: "Details" });
  return { fake, id, aside };
}

const role = (aside: HTMLElement, user: string) =>
  aside.querySelector<HTMLElement>(`[data-testid=member][data-user="${user}"]`)?.dataset.role;

describe("Room details", () => {
  it("shows the owner every moderator control and the link", async () => {
    const { fake, id, aside } = await room("alice", ["bob", "carol"], ["bob"]);
    expect(within(aside).getByRole("heading", { name: "Standup" })).toBeTruthy();
    expect(role(aside, "alice")).toBe("owner");
    expect(role(aside, "bob")).toBe("moderator");
    expect(role(aside, "carol")).toBe("member");
    expect(within(aside).getByTestId("room-link").textContent).toBe(`confer://join/${fake.linkOf(id)}`);
    // The same token on the server's guest page, for people without the app.
    expect(within(aside).getByTestId("room-web-link").textContent).toBe(`http://127.0.0.1:7300/join/${fake.linkOf(id)}`);
    expect(within(aside).getByText("Web link for guests without the app")).toBeTruthy();
    expect(within(aside).getByRole("button", { name: "Copy web link" })).toBeTruthy();
    // Nothing to do to the owner; carol can be promoted; bob (a moderator) only removed.
    const alice = aside.querySelector<HTMLElement>('[data-testid=member][data-user="alice"]')!;
    expect(within(alice).queryAllByRole("button")).toHaveLength(0);
    expect(within(aside).getByRole("button", { name: "Make Carol moderator" })).toBeTruthy();
    expect(within(aside).queryByRole("button", { name: "Make Bob moderator" })).toBeNull();
    expect(within(aside).getByRole("button", { name: "Remove Bob" })).toBeTruthy();
    expect(within(aside).getByRole("button", { name: "Delete room" })).toBeTruthy();
    expect(within(aside).queryByRole("button", { name: "Leave room" })).toBeNull();
    expect(within(aside).getByRole("switch", { name: "Mute for all" })).toBeTruthy();
    expect(within(aside).getByRole("switch", { name: "Mute notifications" })).toBeTruthy();
  });

  it("changes the link only after a confirmation", async () => {
    const { fake, id, aside } = await room("alice");
    const before = fake.linkOf(id);
    await fireEvent.click(within(aside).getByTestId("rotate-link"));
    expect(fake.linkOf(id)).toBe(before);
    await fireEvent.click(within(aside).getByTestId("confirm-rotate"));
    await settle();
    expect(fake.linkOf(id)).not.toBe(before);
    expect(within(aside).getByTestId("room-link").textContent).toBe(`confer://join/${fake.linkOf(id)}`);
    // The web link follows.
    expect(within(aside).getByTestId("room-web-link").textContent).toBe(`http://127.0.0.1:7300/join/${fake.linkOf(id)}`);
    await expect(fake.resolveLink(`confer://join/${before}`)).rejects.toMatchObject({ code: "refused:not_found", reason: { reason: "link_unknown" } });
  });

  it("copies the link, or says how when the clipboard refuses", async () => {
    const { fake, id, aside } = await room("alice");
    let copied = "";
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: async (t: string) => void (copied = t) },
    });
    await fireEvent.click(within(aside).getByTestId("copy-link"));
    await settle();
    expect(copied).toBe(`confer://join/${fake.linkOf(id)}`);
    expect(within(aside).getByRole("status").textContent).toBe("Link copied.");
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: async () => Promise.reject(new Error("denied")) },
    });
    await fireEvent.click(within(aside).getByTestId("copy-link"));
    await settle();
    expect(within(aside).getByRole("status").textContent).toContain("select the link and copy it");
  });

  it("makes the web link from the server's address: wss becomes https, the path goes", async () => {
    const { fake, id, aside } = await room("alice", [], [], "wss://chat.example.org:8443/v1/ws");
    expect(within(aside).getByTestId("room-web-link").textContent).toBe(`https://chat.example.org:8443/join/${fake.linkOf(id)}`);
  });

  it("copies the web link, or says how when the clipboard refuses", async () => {
    const { fake, id, aside } = await room("alice", [], [], "[::1]:7000");
    let copied = "";
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: async (t: string) => void (copied = t) },
    });
    await fireEvent.click(within(aside).getByTestId("copy-web-link"));
    await settle();
    expect(copied).toBe(`http://[::1]:7000/join/${fake.linkOf(id)}`);
    expect(within(aside).getByRole("status").textContent).toBe("Link copied.");
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: async () => Promise.reject(new Error("denied")) },
    });
    await fireEvent.click(within(aside).getByTestId("copy-web-link"));
    await settle();
    expect(within(aside).getByRole("status").textContent).toContain("select the link and copy it");
    // What is selected for copying by hand is the web link.
    expect(getSelection()?.toString()).toBe(`http://[::1]:7000/join/${fake.linkOf(id)}`);
  });

  it("shows no web link when the server's address is not known", async () => {
    const { fake, id, aside } = await room("alice", [], [], null);
    expect(within(aside).getByTestId("room-link").textContent).toBe(`confer://join/${fake.linkOf(id)}`);
    expect(within(aside).queryByTestId("room-web-link")).toBeNull();
    expect(within(aside).queryByTestId("copy-web-link")).toBeNull();
  });

  it("shows a refusal from the server", async () => {
    const { fake, id, aside } = await room("alice", ["bob"]);
    // bob leaves on his own before alice's click arrives.
    fake.memberLeaves(id, "bob");
    const remove = within(aside).getByRole("button", { name: "Remove Bob" });
    await fireEvent.click(remove);
    await settle();
    const alert = within(aside).getByRole("alert");
    expect(alert.textContent).toContain("Could not remove bob");
  });

  it("gives a plain member only Leave room (with a confirmation)", async () => {
    const { fake, id, aside } = await room("bob", ["carol"], ["carol"]);
    expect(role(aside, "alice")).toBe("member");
    expect(within(aside).queryByTestId("room-link")).toBeNull();
    expect(within(aside).queryByTestId("room-web-link")).toBeNull();
    expect(within(aside).queryByRole("combobox", { name: "Add member" })).toBeNull();
    expect(within(aside).queryByRole("switch", { name: "Mute for all" })).toBeNull();
    expect(within(aside).queryByRole("button", { name: /Remove|moderator|Delete/ })).toBeNull();
    await fireEvent.click(within(aside).getByRole("button", { name: "Leave room" }));
    await fireEvent.click(within(aside).getByTestId("confirm-end"));
    await settle();
    expect(fake.infoOf(id)?.members).not.toContain("alice");
    expect(app.selected).toBeNull();
  });
});
