import { describe, expect, it } from "vitest";
import { FakeBackend } from "../../tests/fake-backend";
import { words } from "./i18n";
import { duration, fileName, fromLocalInput, nextHalfHour, toLocalInput } from "./meetings";

const HOUR = 3_600_000;

async function fake() {
  const f = new FakeBackend();
  await f.signIn("ws://chat.example:7300", "alice", "secret");
  const events: unknown[] = [];
  await f.subscribe((e) => events.push(e));
  return { f, events };
}

describe("meeting helpers", () => {
  it("reads lengths and the datetime-local field", () => {
    const t = new Date(2026, 10, 24, 9, 5).getTime();
    expect(duration(45)).toBe("45 min");
    expect(duration(60)).toBe("1 h");
    expect(duration(90)).toBe("1 h 30 min");
    expect(toLocalInput(t)).toBe("2026-11-24T09:05");
    expect(fromLocalInput("2026-11-24T09:05")).toBe(t);
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("tomorrow")).toBeNull();
    expect(nextHalfHour(new Date(2026, 10, 24, 9, 5).getTime())).toBe(new Date(2026, 10, 24, 9, 30).getTime());
  });
});

describe("a saved .ics, as said", () => {
  it("names the file only, from a POSIX, a home-relative or a Windows path", () => {
    expect(fileName("/tmp/.tmpAb12/Standup.ics")).toBe("Standup.ics");
    expect(fileName("~/Downloads/Plan (2).ics")).toBe("Plan (2).ics");
    expect(fileName("C:\\Users\\bob\\Downloads\\Retro.ics")).toBe("Retro.ics");
    expect(fileName("meeting.ics")).toBe("meeting.ics");
    expect(words("en").icsSaved("meeting.ics")).toBe("Saved to Downloads as meeting.ics");
    expect(words("fr").icsSaved("meeting.ics")).toContain("meeting.ics");
  });
});

describe("fake backend meetings", () => {
  it("keeps participants in the order they came and ends the meeting with the last one out", async () => {
    const { f, events } = await fake();
    const room = await f.createRoom("Standup");
    await f.addRoomMember(room, "bob");
    f.meetingJoins(room, "bob");
    await f.startMeeting(room);
    await f.startMeeting(room); // joining twice changes nothing
    expect((await f.meetings()).ongoing).toMatchObject([{ conversation: room, name: "Standup", participants: ["bob", "alice"] }]);
    await f.leaveMeeting(room);
    await expect(f.leaveMeeting(room)).rejects.toMatchObject({
      code: "refused:not_found",
      reason: { reason: "not_in_meeting", conversation: room },
    });
    f.meetingLeaves(room, "bob");
    expect((await f.meetings()).ongoing).toEqual([]);
    await Promise.resolve();
    expect(events.filter((e) => (e as { event: string }).event === "meetings").length).toBeGreaterThanOrEqual(4);
    // Members only; a group holds one too (an instant meeting among its members), left with it.
    const other = f.foreignRoom("dave", "Elsewhere");
    const [id] = await f.resolveLink(other);
    await expect(f.startMeeting(id)).rejects.toMatchObject({ code: "refused:forbidden", reason: { reason: "not_a_member" } });
    const group = await f.createGroup(["bob"], null);
    await f.startMeeting(group);
    expect(f.participantsOf(group)).toEqual(["alice"]);
    await f.leaveGroup(group);
    expect(f.participantsOf(group)).toEqual([]);
  });

  it("a member leaving the room leaves its meeting; deleting the room ends it", async () => {
    const { f } = await fake();
    const room = await f.createRoom("Standup");
    await f.addRoomMember(room, "bob");
    f.meetingJoins(room, "bob");
    await f.startMeeting(room);
    await f.removeRoomMember(room, "bob");
    expect(f.participantsOf(room)).toEqual(["alice"]);
    await f.deleteRoom(room);
    expect((await f.meetings()).ongoing).toEqual([]);
  });

  it("schedules with the server's rules, lists soonest first, deletes for the owner only", async () => {
    const { f } = await fake();
    const now = Date.now();
    const mine = await f.createRoom("Standup");
    const theirs = f.roomBy("bob", "Review", [], ["alice"]);
    const invalid = (p: Promise<unknown>, message: string) => expect(p).rejects.toMatchObject({ code: "refused:invalid", message });
    await invalid(f.scheduleMeeting(mine, "  ", now + HOUR, 30), "A meeting title has 1 to 200 characters.");
    await invalid(f.scheduleMeeting(mine, "x".repeat(201), now + HOUR, 30), "A meeting title has 1 to 200 characters.");
    await invalid(f.scheduleMeeting(mine, "Plan", now + HOUR, 0), "A meeting lasts 1 to 1440 minutes.");
    await invalid(f.scheduleMeeting(mine, "Plan", now + HOUR, 1441), "A meeting lasts 1 to 1440 minutes.");
    await invalid(f.scheduleMeeting(mine, "Plan", now - 2 * HOUR, 60), "That meeting would be over already; pick a later time.");
    const later = await f.scheduleMeeting(mine, " Plan ", now + 2 * HOUR, 45);
    expect(later).toMatchObject({ conversation: mine, name: "Standup", title: "Plan", minutes: 45, organizer: "alice" });
    // Started already but not over: still listed.
    const now2 = await f.scheduleMeeting(theirs, "Review", now - HOUR / 2, 60);
    expect((await f.meetings()).scheduled.map((m) => m.id)).toEqual([now2.id, later.id]);

    const member = f.roomBy("carol", "Carol's");
    await expect(f.scheduleMeeting(member, "Plan", now + HOUR, 30)).rejects.toMatchObject({
      code: "refused:forbidden",
      reason: { reason: "moderators_only", conversation: member },
    });
    await expect(f.deleteScheduledMeeting(now2.id)).rejects.toMatchObject({
      code: "refused:forbidden",
      reason: { reason: "owner_only", conversation: theirs },
    });
    await f.deleteScheduledMeeting(later.id);
    await expect(f.deleteScheduledMeeting(later.id)).rejects.toMatchObject({
      code: "refused:not_found",
      reason: { reason: "no_scheduled_meeting", meeting: later.id },
    });
    expect((await f.meetings()).scheduled.map((m) => m.id)).toEqual([now2.id]);
  });

  it("writes an .ics with the times, title and the room's link, for moderators", async () => {
    const { f } = await fake();
    const room = await f.createRoom("Standup, daily");
    const start = Date.UTC(2099, 0, 2, 9, 30);
    const m = await f.scheduleMeeting(room, "Plan; v2", start, 45);
    const ics = await f.meetingIcs(m.id);
    expect(ics.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
    expect(ics.endsWith("END:VCALENDAR\r\n")).toBe(true);
    expect(ics).toContain(`UID:meeting-${m.id}@chat.example\r\n`);
    expect(ics).toContain("DTSTART:20990102T093000Z\r\n");
    expect(ics).toContain("DTEND:20990102T101500Z\r\n");
    expect(ics).toContain("SUMMARY:Plan\\; v2\r\n");
    expect(ics).toContain(`URL:confer://join/${f.linkOf(room)}\r\n`);
    const other = f.roomBy("bob", "Review");
    const theirs = f.scheduleBy(other, "bob", "Theirs", start, 30);
    await expect(f.meetingIcs(theirs)).rejects.toMatchObject({ code: "refused:forbidden", reason: { reason: "moderators_only" } });
    await expect(f.meetingIcs(999)).rejects.toMatchObject({ code: "not_found" });
  });
});
