import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { layout } from "../../lib/layout.svelte";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Sidebar from "./Sidebar.svelte";

async function roomsTab(prepare?: Parameters<typeof signedIn>[0]) {
  const fake = await signedIn(prepare);
  render(Sidebar);
  app.tab = "rooms";
  await settle();
  return fake;
}

const ongoingRow = (room: number) => document.querySelector<HTMLElement>(`[data-testid=ongoing-meeting][data-conversation-id="${room}"]`);

async function openLink(link: string) {
  await fireEvent.input(screen.getByRole("textbox", { name: "Room link" }), { target: { value: link } });
  await fireEvent.click(screen.getByRole("button", { name: "Open" }));
  await settle();
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Virtual Rooms tab: joining as a guest", () => {
  it("offers a room this user is not in as a guest, says why it is refused, and joins once a meeting is going on", async () => {
    let token = "";
    const fake = await roomsTab((f) => {
      token = f.foreignRoom("bob", "Customer call");
    });
    const room = fake.idByName("Customer call")!;
    await openLink(`confer://join/${token}`);
    const result = screen.getByTestId("link-result");
    expect(result.textContent).toContain("Customer call");
    expect(result.textContent).toContain("you are not a member");
    expect(app.selected).toBeNull();

    // No meeting yet: the server's refusal, in its words; the offer stays.
    await fireEvent.click(screen.getByTestId("join-as-guest"));
    await settle();
    expect(screen.getByTestId("link-error").textContent).toBe(
      'No meeting is going on in "Customer call" yet; guests can join once a member has started it.',
    );
    expect(screen.getByTestId("link-error").getAttribute("role")).toBe("alert");
    expect(document.activeElement).toBe(screen.getByTestId("join-as-guest"));
    expect(ongoingRow(room)).toBeNull();

    fake.meetingJoins(room, "bob");
    await fireEvent.click(screen.getByTestId("join-as-guest"));
    await settle();
    expect(fake.callsOf("joinByLink")).toEqual([[token], [token]]);
    expect(screen.queryByTestId("link-error")).toBeNull();
    expect(screen.queryByTestId("join-as-guest")).toBeNull();
    expect(screen.getByTestId("link-result").textContent).toContain("You are in the meeting in Customer call as a guest.");
    // Still not a member: no room row, but the meeting, labelled.
    expect(screen.queryAllByTestId("room")).toHaveLength(0);
    const row = ongoingRow(room)!;
    expect(row.dataset.guest).toBe("true");
    expect(within(row).getByTestId("guest-label").textContent).toBe("You are a guest");
    expect(within(row).getByTestId("participants").textContent).toContain("Bob, alice (guest)");
    expect(document.activeElement).toBe(within(row).getByRole("button", { name: "Leave the meeting in Customer call" }));
  });

  it("lets a guest leave, and drops the meeting when its last member leaves", async () => {
    let token = "";
    const fake = await roomsTab((f) => {
      token = f.foreignRoom("bob", "Customer call");
    });
    const room = fake.idByName("Customer call")!;
    fake.meetingJoins(room, "bob");
    await openLink(token);
    await fireEvent.click(screen.getByTestId("join-as-guest"));
    await settle();
    await fireEvent.click(within(ongoingRow(room)!).getByRole("button", { name: "Leave the meeting in Customer call" }));
    await settle();
    expect(fake.callsOf("leaveMeeting")).toEqual([[room]]);
    expect(fake.guestsOf(room)).toEqual([]);
    expect(ongoingRow(room)).toBeNull();
    expect(document.activeElement?.id).toBe("ongoing-title");

    // In again; then bob, the only member, leaves: the guest's access ends with the meeting.
    await openLink(token);
    await fireEvent.click(screen.getByTestId("join-as-guest"));
    await settle();
    expect(ongoingRow(room)).not.toBeNull();
    fake.meetingLeaves(room, "bob");
    await settle();
    expect(ongoingRow(room)).toBeNull();
    // Told why, as a status; the link's result no longer claims the guest is in.
    const ended = screen.getByTestId("guest-ended");
    expect(ended.getAttribute("role")).toBe("status");
    expect(ended.textContent?.replace(/\s+/g, " ").trim()).toBe("Your guest access to Customer call ended: The meeting has ended.");
    expect(screen.getByTestId("link-result").textContent).toContain("You are no longer in the meeting in Customer call.");

    // Joining again clears it; a moderator sending the guest out says so.
    fake.meetingJoins(room, "bob");
    await openLink(token);
    await fireEvent.click(screen.getByTestId("join-as-guest"));
    await settle();
    expect(screen.queryByTestId("guest-ended")).toBeNull();
    const me = fake.guestsOf(room).find((g) => g.name === "alice")!;
    fake.guestRemoved(room, me.id);
    await settle();
    expect(screen.getByTestId("guest-ended").textContent).toContain("ended: A moderator removed you from the meeting.");
  });

  it("shows a changed link's refusal, and keeps opening a member's own room", async () => {
    let token = "";
    let mine = 0;
    const fake = await roomsTab((f) => {
      token = f.foreignRoom("bob", "Customer call");
      mine = f.roomBy("carol", "Standup");
    });
    await openLink(token);
    const room = fake.idByName("Customer call")!;
    fake.meetingJoins(room, "bob");
    // Changed between opening the link and joining.
    vi.spyOn(fake, "joinByLink").mockImplementationOnce(async () => {
      throw { code: "refused:not_found", message: "This link does not open any room (it may have been changed).", reason: { reason: "link_unknown" } };
    });
    await fireEvent.click(screen.getByTestId("join-as-guest"));
    await settle();
    expect(screen.getByTestId("link-error").textContent).toBe("This link does not open any room (it may have been changed).");
    expect(screen.queryByTestId("link-result")).toBeNull();

    // A member: the room opens; its meeting may be joined from here.
    await openLink(fake.linkOf(mine)!);
    expect(app.selected).toBe(mine);
    expect(screen.getByTestId("link-result").textContent).toContain("Standup is open.");
    expect(screen.queryByTestId("join-as-guest")).toBeNull();
    expect(screen.queryByTestId("join-by-link")).toBeNull();
    fake.meetingJoins(mine, "carol");
    await settle();
    await fireEvent.click(screen.getByTestId("join-by-link"));
    await settle();
    expect(fake.participantsOf(mine)).toEqual(["carol", "alice"]);
    expect(screen.getByTestId("link-result").textContent).toContain("You are in the meeting in Standup.");
    expect(ongoingRow(mine)!.dataset.joined).toBe("true");
    expect(ongoingRow(mine)!.dataset.guest).toBe("false");
  });
});

describe("Virtual Rooms tab: guests and the lobby", () => {
  it("marks guests after the participants, internal and without an account", async () => {
    let room = 0;
    const fake = await roomsTab((f) => {
      room = f.roomBy("bob", "Standup", ["carol"]);
    });
    fake.meetingJoins(room, "bob");
    fake.guestJoins(room, "dave");
    fake.externalGuestArrives(room, "Zoe from Acme");
    await settle();
    const people = within(ongoingRow(room)!).getByTestId("participants");
    expect(people.textContent).toBe("In it: Bob, dave (guest), Zoe from Acme (guest, no account)");
    expect(within(people).getAllByTestId("ongoing-guest").map((g) => g.dataset.external)).toEqual(["false", "true"]);
  });

  it("shows a moderator only how many wait in the lobby; the line opens the room, its details shown", async () => {
    let room = 0;
    const fake = await roomsTab((f) => {
      room = f.roomBy("bob", "Standup", [], ["alice"]);
    });
    fake.meetingJoins(room, "bob");
    fake.lobbyBy(room, "bob", true);
    fake.externalGuestArrives(room, "Zoe");
    fake.externalGuestArrives(room, "Max");
    layout.toggle("details");
    expect(layout.details).toBe(false);
    await settle();
    const row = ongoingRow(room)!;
    // The lobby itself (names, Admit, Refuse) is in the room's details only.
    expect(within(row).queryAllByTestId("lobby-guest")).toHaveLength(0);
    expect(within(row).queryByTestId("admit-guest")).toBeNull();
    const line = within(row).getByTestId("lobby-waiting");
    expect(line.dataset.count).toBe("2");
    expect(line.textContent).toContain("2 waiting in the lobby");
    expect(within(row).getByTestId("participants").textContent).not.toContain("Zoe");

    await fireEvent.click(line);
    await settle();
    expect(app.selected).toBe(room);
    expect(layout.details).toBe(true);

    fake.externalGuestLeaves(room, fake.guestsOf(room)[0].id);
    await settle();
    expect(within(ongoingRow(room)!).getByTestId("lobby-waiting").textContent).toContain("1 waiting in the lobby");
  });

  it("shows a plain member neither the lobby nor its buttons", async () => {
    let room = 0;
    const fake = await roomsTab((f) => {
      room = f.roomBy("bob", "Standup", ["carol"]);
    });
    fake.meetingJoins(room, "bob");
    fake.lobbyBy(room, "bob", true);
    fake.externalGuestArrives(room, "Zoe");
    fake.externalGuestArrives(room, "Max");
    await settle();
    const row = ongoingRow(room)!;
    expect(within(row).queryByTestId("lobby-waiting")).toBeNull();
    expect(within(row).queryAllByTestId("lobby-guest")).toHaveLength(0);
    expect(within(row).queryByTestId("admit-guest")).toBeNull();
    expect(within(row).queryByTestId("refuse-guest")).toBeNull();
    expect(within(row).getAllByRole("button").map((b) => b.dataset.testid)).toEqual(["ongoing-toggle"]);
  });
});
