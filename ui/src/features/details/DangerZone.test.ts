import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Details from "./Details.svelte";

const aside = () => screen.getByRole("complementary", { name: "Details" });
/** The column's sections and switches, in order, by what they are. */
function order(): string[] {
  return [...aside().querySelectorAll<HTMLElement>("[role=switch], [data-testid=danger-zone] button")].map(
    (el) => el.getAttribute("aria-label") ?? el.closest("label")?.textContent?.trim() ?? el.textContent?.trim() ?? "",
  );
}

describe("the details column's dangerous actions", () => {
  it("puts a group's Clear history and Leave group together at the bottom, after the switches", async () => {
    let group = 0;
    const fake = await signedIn((f) => {
      group = f.inviteMe("bob", ["carol"], "Release crew");
    });
    await app.joinGroup(group);
    render(Details);
    await settle();
    expect(order()).toEqual(["Mute notifications", "Clear history", "Leave group"]);
    const zone = within(aside()).getByRole("region", { name: "Danger zone" });
    expect(aside().lastElementChild).toBe(zone);

    await fireEvent.click(within(zone).getByRole("button", { name: "Leave group" }));
    await settle();
    expect(document.activeElement).toBe(within(zone).getByTestId("confirm-leave"));
    expect(within(zone).getByRole("group").textContent).toContain("Leave “Release crew”?");
    await fireEvent.click(within(zone).getByRole("button", { name: "Cancel" }));
    await settle();
    expect(document.activeElement).toBe(within(zone).getByRole("button", { name: "Leave group" }));
    await fireEvent.click(within(zone).getByRole("button", { name: "Leave group" }));
    await settle();
    await fireEvent.click(within(zone).getByTestId("confirm-leave"));
    await settle();
    expect(fake.callsOf("leaveGroup")).toEqual([[group]]);
    expect(app.selected).toBeNull();
  });

  it("puts a room's switches first, then Clear history and Delete room (owner) at the bottom", async () => {
    const fake = await signedIn();
    const room = await fake.createRoom("Standup");
    await app.reload();
    await app.select(room);
    render(Details);
    await settle();
    expect(order()).toEqual([
      "Lobby: admit guests without an account one by one",
      "Mute for all",
      "Mute notifications",
      "Clear history",
      "Delete room",
    ]);
    const zone = within(aside()).getByRole("region", { name: "Danger zone" });
    await fireEvent.click(within(zone).getByRole("button", { name: "Delete room" }));
    await settle();
    await fireEvent.click(within(zone).getByTestId("confirm-end"));
    await settle();
    expect(fake.callsOf("deleteRoom")).toEqual([[room]]);
  });

  it("shows a room's lobby once, in the details, for a moderator", async () => {
    let room = 0;
    const fake = await signedIn((f) => {
      room = f.roomBy("bob", "Standup", [], ["alice"]);
    });
    fake.meetingJoins(room, "bob");
    fake.lobbyBy(room, "bob", true);
    fake.externalGuestArrives(room, "Zoe");
    await app.loadMeetings();
    await app.select(room);
    render(Details);
    await settle();
    expect(within(aside()).getAllByTestId("lobby-guest")).toHaveLength(1);
    expect(within(aside()).getByRole("button", { name: "Admit Zoe" })).toBeTruthy();
  });
});
