import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Details from "./Details.svelte";

const LOBBY = "Lobby: admit guests without an account one by one";

/** A room of `owner` (alice: her own) with a meeting bob or alice started, in the details column. */
async function room(owner: string, moderators: string[] = []) {
  const fake = await signedIn();
  const id = owner === "alice" ? await fake.createRoom("Standup") : fake.roomBy(owner, "Standup", ["bob", "carol"], moderators);
  if (owner === "alice") await fake.addRoomMember(id, "bob");
  fake.meetingJoins(id, "bob");
  await app.reload();
  await app.select(id);
  render(Details);
  await settle();
  const aside = screen.getByRole("complementary", { name: "Details" });
  return { fake, id, aside };
}

const guests = (aside: HTMLElement) => within(aside).queryAllByTestId("meeting-guest");
const waiting = (aside: HTMLElement) => within(aside).queryAllByTestId("lobby-guest");

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Room details: guests and the lobby", () => {
  it("turns the lobby on and off with its switch (off lets everyone waiting in)", async () => {
    const { fake, id, aside } = await room("alice");
    const toggle = within(aside).getByRole("switch", { name: LOBBY }) as HTMLInputElement;
    expect(toggle.dataset.testid).toBe("lobby-toggle");
    expect(toggle.checked).toBe(false);
    await fireEvent.click(toggle);
    await settle();
    expect(fake.callsOf("setLobby")).toEqual([[id, true]]);
    expect(fake.infoOf(id)?.lobby).toBe(true);
    expect(app.conversation?.info.lobby).toBe(true);
    expect(toggle.checked).toBe(true);
    expect(within(aside).getByTestId("meeting-note").textContent).toContain("wait in the lobby");

    fake.externalGuestArrives(id, "Zoe");
    await settle();
    expect(waiting(aside).map((g) => g.textContent)).toEqual([expect.stringContaining("Zoe")]);
    await fireEvent.click(toggle);
    await settle();
    expect(fake.callsOf("setLobby").at(-1)).toEqual([id, false]);
    expect(toggle.checked).toBe(false);
    expect(waiting(aside)).toHaveLength(0);
    expect(guests(aside).map((g) => g.querySelector(".who")?.textContent)).toEqual(["Zoe (guest, no account)"]);
  });

  it("puts the switch back and says why when the server refuses", async () => {
    const { fake, aside } = await room("bob", ["alice"]);
    vi.spyOn(fake, "setLobby").mockRejectedValueOnce({
      code: "refused:forbidden",
      message: "Only a moderator of room 1 may do that.",
      reason: { reason: "moderators_only", conversation: 1 },
    });
    const toggle = within(aside).getByTestId("lobby-toggle") as HTMLInputElement;
    await fireEvent.click(toggle);
    await settle();
    expect(toggle.checked).toBe(false);
    expect(within(aside).getByRole("alert").textContent).toBe("Could not change the lobby: Only a moderator of the room may do that.");
    expect(document.activeElement).toBe(toggle);
  });

  it("lists present guests with Remove, and the lobby with Admit and Refuse, for a moderator", async () => {
    const { fake, id, aside } = await room("bob", ["alice"]);
    const dave = fake.guestJoins(id, "dave");
    fake.lobbyBy(id, "bob", true);
    const zoe = fake.externalGuestArrives(id, "Zoe");
    const max = fake.externalGuestArrives(id, "Max");
    await settle();
    expect(within(aside).getAllByTestId("participant").map((p) => p.dataset.user)).toEqual(["bob"]);
    expect(guests(aside).map((g) => g.dataset.guestId)).toEqual([String(dave)]);
    expect(guests(aside)[0].textContent).toContain("dave (guest)");
    expect(within(aside).getByRole("heading", { name: "Waiting in the lobby" })).toBeTruthy();
    expect(waiting(aside).map((g) => g.dataset.guestId)).toEqual([String(zoe), String(max)]);
    expect(within(aside).getByTestId("lobby-toggle")).toHaveProperty("checked", true);

    await fireEvent.click(within(waiting(aside)[0]).getByRole("button", { name: "Admit Zoe" }));
    await settle();
    expect(fake.callsOf("admitGuest")).toEqual([[id, zoe]]);
    expect(guests(aside).map((g) => g.dataset.guestId)).toEqual([String(dave), String(zoe)]);
    expect(within(aside).getByTestId("meeting-note").textContent).toBe("Zoe is in the meeting.");
    // On to the next one waiting.
    expect(document.activeElement).toBe(within(waiting(aside)[0]).getByTestId("admit-guest"));

    await fireEvent.click(within(waiting(aside)[0]).getByRole("button", { name: "Refuse Max" }));
    await settle();
    expect(fake.callsOf("removeGuest")).toEqual([[id, max]]);
    expect(waiting(aside)).toHaveLength(0);
    expect(within(aside).queryByRole("heading", { name: "Waiting in the lobby" })).toBeNull();
    expect(document.activeElement?.getAttribute("data-testid")).toBe("meeting-button");

    await fireEvent.click(within(guests(aside)[0]).getByRole("button", { name: "Remove guest dave" }));
    await settle();
    expect(fake.callsOf("removeGuest").at(-1)).toEqual([id, dave]);
    expect(guests(aside).map((g) => g.dataset.guestId)).toEqual([String(zoe)]);
    expect(within(aside).getByTestId("meeting-note").textContent).toBe("dave was removed from the meeting.");
    expect(document.activeElement).toBe(within(guests(aside)[0]).getByTestId("remove-guest"));
  });

  it("shows the server's refusal to remove a guest who went meanwhile", async () => {
    const { fake, id, aside } = await room("alice");
    fake.externalGuestArrives(id, "Zoe");
    await settle();
    const remove = fake.removeGuest.bind(fake);
    vi.spyOn(fake, "removeGuest").mockImplementationOnce(async (c, g) => {
      fake.externalGuestLeaves(c, g);
      return remove(c, g);
    });
    await fireEvent.click(within(aside).getByTestId("remove-guest"));
    await settle();
    expect(within(aside).getByRole("alert").textContent).toBe(
      "Could not remove Zoe: That guest is not in the meeting (they may have left).",
    );
    expect(guests(aside)).toHaveLength(0);
  });

  it("shows a plain member the guests, but no buttons, no lobby and no switch", async () => {
    const { fake, id, aside } = await room("bob");
    fake.guestJoins(id, "dave");
    fake.lobbyBy(id, "bob", true);
    fake.externalGuestArrives(id, "Zoe");
    await settle();
    expect(guests(aside).map((g) => g.querySelector(".who")?.textContent)).toEqual(["dave (guest)"]);
    expect(within(aside).queryByTestId("remove-guest")).toBeNull();
    expect(waiting(aside)).toHaveLength(0);
    expect(within(aside).queryByTestId("admit-guest")).toBeNull();
    expect(within(aside).queryByTestId("refuse-guest")).toBeNull();
    expect(within(aside).queryByTestId("lobby-toggle")).toBeNull();
    expect(within(aside).queryByRole("switch", { name: LOBBY })).toBeNull();
    expect(within(aside).getByTestId("lobby-note").textContent).toContain("wait in a lobby");
  });
});
