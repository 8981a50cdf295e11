import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Details from "./Details.svelte";

async function setup() {
  let id = 0;
  const fake = await signedIn((f) => {
    id = f.seed("bob", 5);
    f.setPresence("bob", "away", "At lunch");
  });
  await app.select(id);
  render(Details);
  await settle();
  const aside = screen.getByRole("complementary", { name: "Details" });
  return { fake, id, aside };
}

describe("Details", () => {
  it("shows the contact, presence dot, status and custom message, live", async () => {
    const { fake, aside } = await setup();
    // By display name, the account name under it.
    expect(within(aside).getByRole("heading", { name: "Bob" })).toBeTruthy();
    expect(within(aside).getByTestId("peer-login").textContent).toBe("@bob");
    const presence = within(aside).getByTestId("presence");
    expect(presence.dataset.status).toBe("away");
    expect(presence.textContent).toContain("Away");
    expect(within(aside).getByTestId("status-message").textContent).toContain("At lunch");
    fake.setPresence("bob", "dnd", "Focus time");
    await settle();
    expect(presence.dataset.status).toBe("dnd");
    expect(presence.textContent).toContain("Do not disturb");
    expect(within(aside).getByTestId("status-message").textContent).toContain("Focus time");
    expect(aside.querySelector(".dot.dnd")).not.toBeNull();
  });

  it("mutes and unmutes notifications", async () => {
    const { fake, id } = await setup();
    const toggle = screen.getByRole("switch", { name: "Mute notifications" }) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    await fireEvent.click(toggle);
    await settle();
    expect(fake.callsOf("setMuted")).toEqual([[id, true]]);
    expect(app.conversation?.muted).toBe(true);
    expect(toggle.checked).toBe(true);
    await fireEvent.click(toggle);
    await settle();
    expect(fake.callsOf("setMuted")).toEqual([
      [id, true],
      [id, false],
    ]);
    expect(toggle.checked).toBe(false);
  });

  it("clears the history only after confirming, then reloads the timeline", async () => {
    const { fake, id } = await setup();
    expect(app.messages).toHaveLength(5);
    await fireEvent.click(screen.getByRole("button", { name: "Clear history" }));
    await settle();
    expect(fake.callsOf("clearHistory")).toEqual([]);
    // Cancel puts the button back.
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await settle();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Clear history" }));
    expect(fake.callsOf("clearHistory")).toEqual([]);

    await fireEvent.click(screen.getByRole("button", { name: "Clear history" }));
    await settle();
    const confirm = screen.getByRole("button", { name: "Clear" });
    expect(document.activeElement).toBe(confirm);
    const histories = fake.callsOf("history").length;
    await fireEvent.click(confirm);
    await settle();
    expect(fake.callsOf("clearHistory")).toEqual([[id]]);
    expect(fake.callsOf("history").length).toBeGreaterThan(histories);
    expect(app.messages).toEqual([]);
    expect(screen.getByRole("button", { name: "Clear history" })).toBeTruthy();
  });

  it("adds a favourite, shows the pending request, then lets it be removed once accepted", async () => {
    const { fake } = await setup();
    const button = () => screen.getByTestId("favourite") as HTMLButtonElement;
    expect(button().textContent).toContain("Add to favourites");
    await fireEvent.click(button());
    await settle();
    expect(fake.callsOf("addFavourite")).toEqual([["bob"]]);
    expect(button().textContent).toContain("Request pending");
    expect(button().disabled).toBe(true);

    fake.answerRequest("bob", true); // bob accepts: a favourite event
    await settle();
    expect(button().textContent).toContain("Remove from favourites");
    await fireEvent.click(button());
    await settle();
    expect(fake.callsOf("removeFavourite")).toEqual([["bob"]]);
    expect(button().textContent).toContain("Add to favourites");
  });

  it("cancels a pending request", async () => {
    const { fake } = await setup();
    await fireEvent.click(screen.getByTestId("favourite"));
    await settle();
    await fireEvent.click(screen.getByRole("button", { name: "Cancel request" }));
    await settle();
    expect(fake.callsOf("removeFavourite")).toEqual([["bob"]]);
    expect(screen.getByTestId("favourite").textContent).toContain("Add to favourites");
  });

  it("answers the contact's request to add this user", async () => {
    const { fake } = await setup();
    fake.requestFavourite("bob");
    await settle();
    const group = screen.getByRole("group", { name: /Bob wants to add you/ });
    await fireEvent.click(within(group).getByRole("button", { name: "Accept" }));
    await settle();
    expect(fake.callsOf("answerSubscription")).toEqual([["bob", true]]);
    expect(screen.queryByRole("group", { name: /Bob wants to add you/ })).toBeNull();
  });

  it("shows what went wrong", async () => {
    const { fake } = await setup();
    vi.spyOn(fake, "setMuted").mockRejectedValue({ code: "offline", message: "Not connected." });
    await fireEvent.click(screen.getByRole("switch", { name: "Mute notifications" }));
    await settle();
    expect(screen.getByRole("alert").textContent).toContain("Not connected.");
    expect((screen.getByRole("switch", { name: "Mute notifications" }) as HTMLInputElement).checked).toBe(false);
  });

  it("shows the pair's meeting link, the same one the peer reads, and copies it", async () => {
    const { fake, id, aside } = await setup();
    const link = within(aside).getByTestId("direct-link");
    expect(fake.callsOf("roomLink")).toEqual([[id]]);
    const token = fake.directLinkOf("bob");
    expect(token).toMatch(/^[a-z0-9]{22}$/);
    expect(link.tagName).toBe("CODE");
    expect(link.textContent).toBe(`confer://join/${token}`);
    expect(within(aside).getByRole("heading", { name: "Meeting link" })).toBeTruthy();
    // Stable: asking again gives the same token.
    await expect(fake.roomLink(id)).resolves.toBe(token);

    let copied = "";
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: async (t: string) => void (copied = t) },
    });
    await fireEvent.click(within(aside).getByTestId("copy-direct-link"));
    await settle();
    expect(copied).toBe(`confer://join/${token}`);
    expect(within(aside).getByRole("status").textContent).toBe("Link copied.");
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: async () => Promise.reject(new Error("denied")) },
    });
    await fireEvent.click(within(aside).getByTestId("copy-direct-link"));
    await settle();
    expect(within(aside).getByRole("status").textContent).toContain("select the link and copy it");
  });

  it("gives each pair its own link and ignores a late answer for the last conversation", async () => {
    const { fake, aside } = await setup();
    const carol = await fake.openDirect("carol");
    await settle();
    const real = fake.roomLink.bind(fake);
    let release: (() => void) | null = null;
    const spy = vi.spyOn(fake, "roomLink").mockImplementation(async (c: number) => {
      const t = await real(c);
      if (c === carol) await new Promise<void>((r) => (release = r));
      return t;
    });
    const bob = app.selected!;
    await app.select(carol);
    await settle();
    expect(within(aside).getByTestId("direct-link").textContent).toBe("…");
    await app.select(bob);
    await settle();
    expect(within(aside).getByTestId("direct-link").textContent).toBe(`confer://join/${fake.directLinkOf("bob")}`);
    (release as (() => void) | null)?.();
    await settle();
    expect(within(aside).getByTestId("direct-link").textContent).toBe(`confer://join/${fake.directLinkOf("bob")}`);
    expect(fake.directLinkOf("carol")).not.toBe(fake.directLinkOf("bob"));
    spy.mockRestore();
  });

  it("needs no moderator rights for a direct link, while a room's still does", async () => {
    const { fake, id } = await setup();
    await expect(fake.roomLink(id)).resolves.toMatch(/^[a-z0-9]{22}$/);
    const theirs = fake.roomBy("dave", "Review", ["alice"]);
    await expect(fake.roomLink(theirs)).rejects.toMatchObject({ code: "refused:forbidden", reason: { reason: "moderators_only" } });
  });
});
