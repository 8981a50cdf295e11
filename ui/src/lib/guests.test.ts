// Meeting guests and the lobby: the rules the fake backend keeps (as the server does), and what
// the app state makes of them.
import { describe, expect, it } from "vitest";
import { settle, signedIn } from "../../tests/helpers";
import { app } from "./state.svelte";

describe("meeting guests", () => {
  it("lets a non-member in as a guest of the ongoing meeting only, and shows it among this user's meetings", async () => {
    const fake = await signedIn();
    const token = fake.foreignRoom("bob", "Customer call");
    const room = fake.idByName("Customer call")!;

    await expect(fake.joinByLink(`confer://join/${token}`)).rejects.toMatchObject({
      code: "refused:conflict",
      reason: { reason: "meeting_not_started", room: "Customer call" },
    });
    fake.meetingJoins(room, "bob");
    const session = await fake.joinByLink(`confer://join/${token}`);
    expect(session).toMatchObject({ conversation: room, room: "Customer call", name: "alice", role: "guest", admitted: true });
    expect(session.meeting?.participants).toEqual(["bob"]);
    expect(session.meeting?.guests).toEqual([{ id: session.guest, name: "alice", external: false }]);
    await settle();
    // Not a member: no conversation, but the meeting is in the list.
    expect(app.conversations.some((c) => c.info.id === room)).toBe(false);
    expect(app.roomMeetings.ongoing.map((m) => m.conversation)).toEqual([room]);
    expect(app.isGuestIn(app.roomMeetings.ongoing[0])).toBe(true);
    // Not a member: no starting meetings, no members' business.
    const outsider = { code: "refused:forbidden", reason: { reason: "not_a_member", conversation: room } };
    await expect(fake.startMeeting(room)).rejects.toMatchObject(outsider);
    await expect(fake.setLobby(room, true)).rejects.toMatchObject(outsider);

    // A guest never sees the lobby.
    fake.lobbyBy(room, "bob", true);
    fake.externalGuestArrives(room, "Zoe");
    expect(fake.guestsOf(room).map((g) => [g.name, g.admitted])).toEqual([["alice", true], ["Zoe", false]]);
    await settle();
    expect(app.roomMeetings.ongoing[0].lobby).toBeUndefined();

    // The last member out ends it: the guest's access goes with it.
    fake.meetingLeaves(room, "bob");
    await settle();
    expect(app.roomMeetings.ongoing).toEqual([]);
    expect(fake.guestsOf(room)).toEqual([]);
  });

  it("refuses an old link, and lets a member simply join", async () => {
    const fake = await signedIn();
    const room = await fake.createRoom("Standup");
    const old = fake.linkOf(room)!;
    await fake.rotateRoomLink(room);
    await expect(fake.joinByLink(old)).rejects.toEqual({
      code: "refused:not_found",
      message: "This link does not open any room (it may have been changed).",
      reason: { reason: "link_unknown" },
    });
    const session = await fake.joinByLink(fake.linkOf(room)!);
    expect(session).toMatchObject({ role: "member", guest: null, admitted: true });
    expect(fake.participantsOf(room)).toEqual(["alice"]);
  });

  it("holds external guests in the lobby when it is on; moderators admit, refuse and remove; others are forbidden", async () => {
    const fake = await signedIn();
    const room = await fake.createRoom("Standup");
    await fake.startMeeting(room);
    const straight = fake.externalGuestArrives(room, "Yann");
    await fake.setLobby(room, true);
    expect(fake.infoOf(room)?.lobby).toBe(true);
    const zoe = fake.externalGuestArrives(room, "Zoe from Acme");
    const max = fake.externalGuestArrives(room, "Max");
    const dave = fake.guestJoins(room, "dave");
    expect(fake.guestsOf(room).map((g) => [g.name, g.external, g.admitted])).toEqual([
      ["Yann", true, true],
      ["Zoe from Acme", true, false],
      ["Max", true, false],
      ["dave", false, true],
    ]);
    await settle();
    const m = app.ongoingIn(room)!;
    expect(m.guests?.map((g) => g.id)).toEqual([straight, dave]);
    expect(m.lobby?.map((g) => g.id)).toEqual([zoe, max]);

    await fake.admitGuest(room, zoe);
    await expect(fake.admitGuest(room, zoe)).rejects.toMatchObject({
      code: "refused:conflict",
      reason: { reason: "guest_already_admitted", guest: zoe },
    });
    await fake.removeGuest(room, max);
    await expect(fake.admitGuest(room, max)).rejects.toMatchObject({
      code: "refused:not_found",
      reason: { reason: "guest_not_in_lobby", guest: max },
    });
    await fake.removeGuest(room, dave);
    expect(fake.guestsOf(room).map((g) => g.name)).toEqual(["Yann", "Zoe from Acme"]);

    // Turning the lobby off lets everyone waiting in.
    const ann = fake.externalGuestArrives(room, "Ann");
    await fake.setLobby(room, false);
    expect(fake.infoOf(room)?.lobby).toBeUndefined();
    expect(fake.guestsOf(room).find((g) => g.id === ann)?.admitted).toBe(true);

    // A plain member may do none of it.
    const theirs = fake.roomBy("bob", "Theirs", ["carol"]);
    fake.meetingJoins(theirs, "bob");
    const guest = fake.externalGuestArrives(theirs, "Eve");
    for (const call of [() => fake.setLobby(theirs, true), () => fake.admitGuest(theirs, guest), () => fake.removeGuest(theirs, guest)]) {
      await expect(call()).rejects.toMatchObject({ code: "refused:forbidden", reason: { reason: "moderators_only" } });
    }
  });

  it("keeps a guest who is made a member in the meeting, as a participant", async () => {
    const fake = await signedIn();
    const token = fake.foreignRoom("bob", "Review");
    const room = fake.idByName("Review")!;
    fake.meetingJoins(room, "bob");
    await app.joinByLink(token);
    expect(app.isGuestIn(app.ongoingIn(room)!)).toBe(true);
    fake.joinsRoom(room, "alice");
    await settle();
    expect(fake.participantsOf(room)).toEqual(["bob", "alice"]);
    expect(fake.guestsOf(room)).toEqual([]);
    expect(app.ongoingIn(room)?.participants).toEqual(["bob", "alice"]);
  });
});
