import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatTime } from "../../lib/format";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Sidebar from "./Sidebar.svelte";

const HOUR = 3_600_000;

async function roomsTab(prepare?: Parameters<typeof signedIn>[0]) {
  const fake = await signedIn(prepare);
  render(Sidebar);
  app.tab = "rooms";
  await settle();
  return fake;
}

const ongoingRow = (room: number) => document.querySelector<HTMLElement>(`[data-testid=ongoing-meeting][data-conversation-id="${room}"]`);
const scheduledRow = (id: number) => document.querySelector<HTMLElement>(`[data-testid=scheduled-meeting][data-meeting-id="${id}"]`);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Virtual Rooms tab: meetings", () => {
  it("lists an ongoing meeting with its participants; Join, Leave, and the end on the last leave", async () => {
    let room = 0;
    const fake = await roomsTab((f) => {
      room = f.roomBy("bob", "Standup", ["carol"]);
    });
    expect(screen.getAllByText("No meetings yet.")).toHaveLength(2);
    fake.meetingJoins(room, "bob");
    fake.meetingJoins(room, "carol");
    await settle();
    const row = ongoingRow(room)!;
    expect(row.textContent).toContain("Standup");
    expect(within(row).getByTestId("participants").textContent).toContain("Bob, Carol");
    expect(row.textContent).toContain(`since ${formatTime(app.meetings.ongoing[0].started_at)}`);
    expect(row.dataset.joined).toBe("false");
    expect(screen.getAllByText("No meetings yet.")).toHaveLength(1);

    await fireEvent.click(within(row).getByRole("button", { name: "Join the meeting in Standup" }));
    await settle();
    expect(fake.participantsOf(room)).toEqual(["bob", "carol", "alice"]);
    expect(within(ongoingRow(room)!).getByTestId("participants").textContent).toContain("Bob, Carol, Alice");
    expect(ongoingRow(room)!.dataset.joined).toBe("true");

    fake.meetingLeaves(room, "bob");
    fake.meetingLeaves(room, "carol");
    await settle();
    expect(within(ongoingRow(room)!).getByTestId("participants").textContent).toContain("Alice");
    await fireEvent.click(within(ongoingRow(room)!).getByRole("button", { name: "Leave the meeting in Standup" }));
    await settle();
    expect(fake.participantsOf(room)).toEqual([]);
    expect(ongoingRow(room)).toBeNull();
    expect(screen.getAllByText("No meetings yet.")).toHaveLength(2);
  });

  it("shows a meeting going on in a room this user is added to, and drops it when the room goes", async () => {
    const fake = await roomsTab();
    const room = await fake.createRoom("Solo");
    await fake.startMeeting(room);
    const theirs = fake.foreignRoom("bob", "Bob's");
    const [id] = await fake.resolveLink(theirs);
    fake.meetingJoins(id, "bob");
    await settle();
    expect(app.meetings.ongoing.map((m) => m.conversation)).toEqual([room]);
    // Added to bob's room: only a conversations event comes; its meeting shows anyway.
    fake.joinsRoom(id, "alice");
    await settle();
    expect(ongoingRow(id)).not.toBeNull();
    await fake.deleteRoom(room);
    await settle();
    expect(ongoingRow(room)).toBeNull();
  });

  it("lists scheduled meetings soonest first, with what each role may do", async () => {
    const now = Date.now();
    let ids: number[] = [];
    await roomsTab((f) => {
      const owned = f.roomBy("alice", "Mine");
      const moderated = f.roomBy("bob", "Moderated", [], ["alice"]);
      const member = f.roomBy("carol", "Member");
      ids = [
        f.scheduleBy(moderated, "bob", "Second", now + 2 * HOUR, 90),
        f.scheduleBy(owned, "alice", "First", now + HOUR, 45),
        f.scheduleBy(member, "carol", "Third", now + 3 * HOUR, 60),
      ];
    });
    const rows = screen.getAllByTestId("scheduled-meeting");
    expect(rows.map((r) => r.dataset.meetingId)).toEqual([ids[1], ids[0], ids[2]].map(String));
    expect(within(rows[0]).getByTestId("meeting-title").textContent).toBe("First");
    expect(rows[0].textContent).toContain("Mine");
    expect(rows[0].textContent).toContain(formatTime(now + HOUR));
    expect(rows[0].textContent).toContain("45 min");
    expect(rows[1].textContent).toContain("1 h 30 min");
    const buttons = (r: HTMLElement) => within(r).getAllByRole("button").map((b) => b.textContent?.split(/\s/)[0]);
    expect(within(rows[0]).queryByTestId("meeting-delete")).not.toBeNull();
    expect(buttons(rows[0]).length).toBe(5);
    expect(within(rows[1]).queryByTestId("meeting-delete")).toBeNull();
    expect(within(rows[1]).queryByTestId("meeting-ics")).not.toBeNull();
    expect(within(rows[2]).getAllByRole("button").map((b) => b.dataset.testid)).toEqual(["meeting-join"]);
  });

  it("deletes a scheduled meeting only after a confirmation", async () => {
    let id = 0;
    const fake = await roomsTab((f) => {
      id = f.scheduleBy(f.roomBy("alice", "Mine"), "alice", "Plan", Date.now() + HOUR, 30);
    });
    await fireEvent.click(within(scheduledRow(id)!).getByTestId("meeting-delete"));
    expect(fake.callsOf("deleteScheduledMeeting")).toEqual([]);
    expect(document.activeElement?.getAttribute("data-testid")).toBe("confirm-meeting-delete");
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await settle();
    expect(document.activeElement?.getAttribute("data-testid")).toBe("meeting-delete");
    await fireEvent.click(within(scheduledRow(id)!).getByTestId("meeting-delete"));
    await fireEvent.click(screen.getByTestId("confirm-meeting-delete"));
    await settle();
    expect(fake.callsOf("deleteScheduledMeeting")).toEqual([[id]]);
    expect(scheduledRow(id)).toBeNull();
    expect(screen.getAllByText("No meetings yet.")).toHaveLength(2);
  });

  it("shows the server's refusal to delete", async () => {
    let id = 0;
    const fake = await roomsTab((f) => {
      id = f.scheduleBy(f.roomBy("alice", "Mine"), "alice", "Plan", Date.now() + HOUR, 30);
    });
    vi.spyOn(fake, "deleteScheduledMeeting").mockRejectedValueOnce({
      code: "refused:forbidden",
      message: "Only the owner of room 1 may do that.",
      reason: { reason: "owner_only", conversation: 1 },
    });
    await fireEvent.click(within(scheduledRow(id)!).getByTestId("meeting-delete"));
    await fireEvent.click(screen.getByTestId("confirm-meeting-delete"));
    await settle();
    const row = scheduledRow(id)!;
    expect(within(row).getByRole("alert").textContent).toBe(
      "Could not delete the meeting: Only the owner of the room may do that.",
    );
    expect(document.activeElement?.getAttribute("data-testid")).toBe("meeting-delete");
  });

  it("copies the link, changes it after a confirmation, and saves the .ics", async () => {
    let id = 0;
    let room = 0;
    const fake = await roomsTab((f) => {
      room = f.roomBy("alice", "Mine");
      id = f.scheduleBy(room, "alice", "Plan", Date.now() + HOUR, 30);
    });
    let copied = "";
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: async (t: string) => void (copied = t) },
    });
    await fireEvent.click(within(scheduledRow(id)!).getByTestId("meeting-copy"));
    await settle();
    expect(copied).toBe(`confer://join/${fake.linkOf(room)}`);
    expect(within(scheduledRow(id)!).getByRole("status").textContent).toBe("Link copied.");

    const before = fake.linkOf(room);
    await fireEvent.click(within(scheduledRow(id)!).getByTestId("meeting-rotate"));
    expect(fake.linkOf(room)).toBe(before);
    await fireEvent.click(screen.getByTestId("confirm-meeting-rotate"));
    await settle();
    expect(fake.linkOf(room)).not.toBe(before);
    expect(within(scheduledRow(id)!).getByRole("status").textContent).toContain("the old one no longer works");

    await fireEvent.click(within(scheduledRow(id)!).getByTestId("meeting-ics"));
    await settle();
    expect(within(scheduledRow(id)!).getByRole("status").textContent).toBe("Saved to Downloads as Plan.ics");
    const text = fake.saved.get("~/Downloads/Plan.ics") ?? "";
    expect(text).toContain("SUMMARY:Plan");
    expect(text).toContain(`URL:confer://join/${fake.linkOf(room)}`);
  });

  it("says where the .ics went by its file name, never the folder's raw path (both separators)", async () => {
    let id = 0;
    const fake = await roomsTab((f) => {
      const room = f.roomBy("alice", "Mine");
      id = f.scheduleBy(room, "alice", "Plan", Date.now() + HOUR, 30);
    });
    const paths = ["/tmp/.tmpK3j9xQ/Downloads/Plan.ics", "C:\\Users\\alice\\AppData\\Local\\Temp\\Plan (2).ics"];
    vi.spyOn(fake, "saveMeetingIcs").mockImplementation(async () => paths.shift() ?? "");
    await fireEvent.click(within(scheduledRow(id)!).getByTestId("meeting-ics"));
    await settle();
    expect(within(scheduledRow(id)!).getByRole("status").textContent).toBe("Saved to Downloads as Plan.ics");
    await fireEvent.click(within(scheduledRow(id)!).getByTestId("meeting-ics"));
    await settle();
    expect(within(scheduledRow(id)!).getByRole("status").textContent).toBe("Saved to Downloads as Plan (2).ics");
  });

  it("Join on a scheduled meeting opens the room and starts its meeting", async () => {
    let id = 0;
    let room = 0;
    const fake = await roomsTab((f) => {
      room = f.roomBy("bob", "Review");
      id = f.scheduleBy(room, "bob", "Plan", Date.now() + HOUR, 30);
    });
    await fireEvent.click(within(scheduledRow(id)!).getByTestId("meeting-join"));
    await settle();
    expect(app.selected).toBe(room);
    expect(fake.participantsOf(room)).toEqual(["alice"]);
    expect(ongoingRow(room)?.dataset.joined).toBe("true");
  });

  it("refetches when another member schedules a meeting", async () => {
    let room = 0;
    const fake = await roomsTab((f) => {
      room = f.roomBy("bob", "Review");
    });
    const id = fake.scheduleBy(room, "bob", "Later", Date.now() + HOUR, 30);
    await settle();
    expect(scheduledRow(id)?.textContent).toContain("Later");
  });
});
