import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatTime } from "../../lib/format";
import { setLocale } from "../../lib/i18n";
import { toLocalInput } from "../../lib/meetings";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Details from "./Details.svelte";

const HOUR = 3_600_000;

async function room(owner: string, moderators: string[] = []) {
  const fake = await signedIn();
  const id = owner === "alice" ? await fake.createRoom("Standup") : fake.roomBy(owner, "Standup", ["carol"], moderators);
  await app.reload();
  await app.select(id);
  render(Details);
  await settle();
  const aside = screen.getByRole("complementary", { name: "Details" });
  return { fake, id, aside };
}

const button = (aside: HTMLElement) => within(aside).getByTestId("meeting-button");
const participants = (aside: HTMLElement) => within(aside).queryAllByTestId("participant").map((p) => p.dataset.user);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Room details: the meeting", () => {
  it("starts, joins and leaves; the meeting ends with the last one out", async () => {
    const { fake, id, aside } = await room("bob");
    expect(button(aside).textContent).toBe("Start meeting");
    expect(button(aside).dataset.state).toBe("none");
    expect(within(aside).getByTestId("meeting-status").textContent).toBe("No meeting going on.");

    fake.meetingJoins(id, "bob");
    await settle();
    expect(button(aside).textContent).toBe("Join meeting");
    expect(participants(aside)).toEqual(["bob"]);
    expect(within(aside).getByTestId("meeting-status").textContent).toMatch(/^Going on since \d{1,2}:\d\d(\s[AP]M)?$/u);

    await fireEvent.click(button(aside));
    await settle();
    expect(fake.participantsOf(id)).toEqual(["bob", "alice"]);
    expect(participants(aside)).toEqual(["bob", "alice"]);
    expect(button(aside).textContent).toBe("Leave meeting");

    fake.meetingJoins(id, "carol");
    fake.meetingLeaves(id, "bob");
    await settle();
    expect(participants(aside)).toEqual(["alice", "carol"]);
    await fireEvent.click(button(aside));
    await settle();
    expect(button(aside).textContent).toBe("Join meeting");
    fake.meetingLeaves(id, "carol");
    await settle();
    expect(participants(aside)).toEqual([]);
    expect(button(aside).textContent).toBe("Start meeting");

    // Alone: starting and leaving ends it.
    await fireEvent.click(button(aside));
    await settle();
    expect(participants(aside)).toEqual(["alice"]);
    await fireEvent.click(button(aside));
    await settle();
    expect(fake.participantsOf(id)).toEqual([]);
    expect(button(aside).textContent).toBe("Start meeting");
  });

  it("says since when the meeting is recorded, only while it is", async () => {
    const { fake, id, aside } = await room("bob");
    const mark = () => within(aside).queryByTestId("room-meeting-recording");
    fake.meetingJoins(id, "bob");
    await settle();
    expect(within(aside).getByTestId("meeting-status").textContent).toMatch(/^Going on since/u);
    expect(mark()).toBeNull();

    fake.recordingBy(id, "bob", true);
    await settle();
    const since = fake.recordingOf(id)!;
    expect(since).toBeGreaterThan(0);
    const line = mark()!;
    // Its time written as "Going on since"'s is.
    expect(line.textContent).toBe(`Recording since ${formatTime(since)}`);
    expect(line.textContent).toMatch(/^Recording since \d{1,2}:\d\d(\s[AP]M)?$/u);
    expect(line.querySelector("time")?.getAttribute("datetime")).toBe(new Date(since).toISOString());
    expect(line.querySelector(".dot")?.getAttribute("aria-hidden")).toBe("true");
    try {
      setLocale("fr");
      await settle();
      expect(mark()?.textContent).toBe(`Enregistrée depuis ${formatTime(since, "fr")}`);
      expect(within(aside).getByTestId("meeting-status").textContent).toMatch(/^En cours depuis \d{1,2}:\d\d$/u);
    } finally {
      setLocale("en");
    }
    await settle();

    fake.recordingBy(id, "bob", false);
    await settle();
    expect(mark()).toBeNull();
    fake.recordingBy(id, "bob", true);
    await settle();
    expect(mark()).not.toBeNull();
    // The meeting ends: no mark left.
    fake.meetingLeaves(id, "bob");
    await settle();
    expect(mark()).toBeNull();
    expect(within(aside).getByTestId("meeting-status").textContent).toBe("No meeting going on.");
  });

  it("shows the server's refusal to leave", async () => {
    const { fake, aside } = await room("bob");
    await fireEvent.click(button(aside));
    await settle();
    // Taken out elsewhere (another device) just before the click arrives.
    const leave = fake.leaveMeeting.bind(fake);
    vi.spyOn(fake, "leaveMeeting").mockImplementationOnce(async (c) => {
      fake.meetingLeaves(c, "alice");
      fake.meetingJoins(c, "bob");
      return leave(c);
    });
    await fireEvent.click(button(aside));
    await settle();
    expect(within(aside).getByRole("alert").textContent).toBe("Could not leave the meeting: You are not in this meeting.");
    expect(button(aside).textContent).toBe("Join meeting");
  });

  it("gives a plain member no schedule form", async () => {
    const { aside } = await room("bob");
    expect(within(aside).queryByRole("button", { name: "Schedule meeting" })).toBeNull();
  });

  it("schedules for a moderator and shows the server's errors", async () => {
    const { fake, id, aside } = await room("bob", ["alice"]);
    const open = within(aside).getByRole("button", { name: "Schedule meeting" });
    await fireEvent.click(open);
    const form = within(aside).getByRole("form", { name: "Schedule meeting" });
    const title = within(form).getByLabelText("Meeting title");
    const starts = within(form).getByLabelText("Starts at") as HTMLInputElement;
    const minutes = within(form).getByLabelText("Minutes");
    expect(document.activeElement).toBe(title);
    expect(starts.value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    const submit = async () => {
      await fireEvent.click(within(form).getByRole("button", { name: "Schedule" }));
      await settle();
      return within(form).queryByRole("alert")?.textContent ?? null;
    };

    expect(await submit()).toBe("A meeting title has 1 to 200 characters.");
    await fireEvent.input(title, { target: { value: "Planning" } });
    await fireEvent.input(minutes, { target: { value: "0" } });
    expect(await submit()).toBe("A meeting lasts 1 to 1440 minutes.");
    await fireEvent.input(minutes, { target: { value: "1441" } });
    expect(await submit()).toBe("A meeting lasts 1 to 1440 minutes.");
    await fireEvent.input(minutes, { target: { value: "45" } });
    await fireEvent.input(starts, { target: { value: toLocalInput(Date.now() - 2 * HOUR) } });
    expect(await submit()).toBe("That meeting would be over already; pick a later time.");
    await fireEvent.input(starts, { target: { value: "" } });
    expect(await submit()).toBe("Pick the day and time it starts.");
    expect(fake.plannedIn(id)).toEqual([]);

    const at = new Date(Date.now() + 24 * HOUR);
    at.setSeconds(0, 0);
    await fireEvent.input(starts, { target: { value: toLocalInput(at.getTime()) } });
    expect(await submit()).toBeNull();
    expect(within(aside).queryByRole("form")).toBeNull();
    const [meeting] = fake.plannedIn(id);
    expect(fake.callsOf("scheduleMeeting").at(-1)).toEqual([id, "Planning", at.getTime(), 45]);
    expect(within(aside).getByTestId("room-scheduled").dataset.meetingId).toBe(String(meeting));
    expect(within(aside).getByRole("status").textContent).toContain("“Planning” is on the calendar");
    expect(document.activeElement?.textContent).toBe("Schedule meeting");
  });
  it("lets a moderator mute a participant and lift it; everyone sees the mark", async () => {
    const { fake, id, aside } = await room("bob", ["alice"]);
    fake.meetingJoins(id, "bob");
    fake.meetingJoins(id, "carol");
    await fireEvent.click(button(aside));
    await settle();
    expect(participants(aside)).toEqual(["bob", "carol", "alice"]);
    const row = (user: string) => within(aside).getAllByTestId("participant").find((p) => p.dataset.user === user) as HTMLElement;
    // One button on each other participant's row, none on her own; nobody is muted yet.
    expect(within(aside).getAllByTestId("mute-participant")).toHaveLength(2);
    expect(within(row("alice")).queryByTestId("mute-participant")).toBeNull();
    expect(within(aside).queryAllByTestId("participant-muted")).toEqual([]);

    const mute = within(row("carol")).getByTestId("mute-participant");
    expect(mute.textContent).toBe("Mute Carol");
    await fireEvent.click(mute);
    await settle();
    expect(fake.callsOf("setParticipantMuted").at(-1)).toEqual([id, "carol", true]);
    expect(fake.mutedIn(id)).toEqual(["carol"]);
    expect(row("carol").dataset.muted).toBe("true");
    expect(within(row("carol")).getByTestId("participant-muted").textContent).toContain("muted by a moderator");
    expect(row("bob").dataset.muted).toBeUndefined();
    expect(within(row("bob")).queryByTestId("participant-muted")).toBeNull();
    const unmute = within(row("carol")).getByTestId("mute-participant");
    expect(unmute.textContent).toBe("Unmute Carol");
    expect(within(aside).getByTestId("meeting-note").textContent).toBe("Carol is muted: their sound is not carried until a moderator lifts it.");
    expect(document.activeElement).toBe(unmute);

    await fireEvent.click(unmute);
    await settle();
    expect(fake.callsOf("setParticipantMuted").at(-1)).toEqual([id, "carol", false]);
    expect(fake.mutedIn(id)).toEqual([]);
    expect(row("carol").dataset.muted).toBeUndefined();
    expect(within(aside).queryAllByTestId("participant-muted")).toEqual([]);
    expect(within(row("carol")).getByTestId("mute-participant").textContent).toBe("Mute Carol");
    expect(within(aside).getByTestId("meeting-note").textContent).toBe("Carol can speak again.");
    expect(document.activeElement).toBe(within(row("carol")).getByTestId("mute-participant"));

    // Gone just before the click arrives: the server's refusal, focus on the meeting button.
    const setMuted = fake.setParticipantMuted.bind(fake);
    vi.spyOn(fake, "setParticipantMuted").mockImplementationOnce(async (c, u, m) => {
      fake.meetingLeaves(c, "bob");
      return setMuted(c, u, m);
    });
    await fireEvent.click(within(row("bob")).getByTestId("mute-participant"));
    await settle();
    expect(within(aside).getByRole("alert").textContent).toBe("Could not mute Bob: bob is not in the meeting (they may have left).");
    expect(participants(aside)).toEqual(["carol", "alice"]);
    expect(document.activeElement).toBe(button(aside));
  });

  it("shows a plain member who is muted, and no mute buttons", async () => {
    const { fake, id, aside } = await room("bob");
    fake.meetingJoins(id, "bob");
    fake.meetingJoins(id, "carol");
    await fireEvent.click(button(aside));
    await settle();
    expect(within(aside).queryAllByTestId("mute-participant")).toEqual([]);
    await expect(fake.setParticipantMuted(id, "carol", true)).rejects.toMatchObject({ code: "refused:forbidden" });

    fake.participantMutedBy(id, "bob", "carol", true);
    await settle();
    const row = (user: string) => within(aside).getAllByTestId("participant").find((p) => p.dataset.user === user) as HTMLElement;
    expect(row("carol").dataset.muted).toBe("true");
    expect(within(row("carol")).getByTestId("participant-muted")).toBeTruthy();
    expect(within(aside).queryByTestId("muted-you")).toBeNull();

    fake.participantMutedBy(id, "bob", "alice", true);
    await settle();
    expect(row("alice").dataset.muted).toBe("true");
    expect(within(row("alice")).getByTestId("participant-muted")).toBeTruthy();
    expect(within(row("alice")).getByTestId("muted-you").textContent).toBe("A moderator muted you; only a moderator can lift it.");
    expect(within(aside).queryAllByTestId("mute-participant")).toEqual([]);

    // Muted ones who leave are not shown as muted; lifting it takes the note away.
    fake.meetingLeaves(id, "carol");
    fake.participantMutedBy(id, "bob", "alice", false);
    await settle();
    expect(fake.mutedIn(id)).toEqual([]);
    expect(within(aside).queryAllByTestId("participant-muted")).toEqual([]);
    expect(within(aside).queryByTestId("muted-you")).toBeNull();
    expect(() => fake.participantMutedBy(id, "bob", "carol", true)).toThrow(/not in the meeting/);
  });
});
