import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MeetingPeerView } from "../../lib/bindings";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import type { FakeBackend } from "../../../tests/fake-backend";
import { FakeSocket, wireFrame } from "../../../tests/frames";
import { settle, signedIn } from "../../../tests/helpers";
import { calls } from "../calls/calls.svelte";
import Timeline from "../timeline/Timeline.svelte";
import { meetingSound } from "./sound.svelte";
import { GRID_MAX, gridPeople, gridShape, nextSpeaker } from "./stage";

beforeEach(() => {
  FakeSocket.opened = [];
  vi.stubGlobal("WebSocket", FakeSocket);
  // jsdom draws nothing: the renderer falls back to a 2D context it does not get either.
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(() => null);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  setLocale("en");
  meetingSound.reset();
  calls.reset();
});

/** Signed in, in a room Standup owned by `owner` (alice, bob, carol and dave in it; `moderators`
 * too), or a group of the same people; its conversation open. */
async function open(
  kind: "room" | "group" = "room",
  owner = "bob",
  moderators: string[] = [],
): Promise<{ fake: FakeBackend; id: number }> {
  let id = 0;
  const fake = await signedIn((f) => {
    if (kind === "group") id = f.seedGroup("Lunch", ["bob", "carol", "dave"], [{ sender: "bob", text: "Hi" }]);
    else if (owner !== "alice") id = f.roomBy(owner, "Standup", ["bob", "carol", "dave"], moderators);
  });
  if (kind === "room" && owner === "alice") {
    id = await fake.createRoom("Standup");
    for (const u of ["bob", "carol", "dave"]) await fake.addRoomMember(id, u);
  }
  await app.reload();
  render(Timeline);
  await app.select(id);
  await settle();
  return { fake, id };
}

/** Bob, carol and dave in the meeting, then alice with sound (with her camera or not). */
async function inMeeting(fake: FakeBackend, id: number, camera = false): Promise<void> {
  for (const u of ["bob", "carol", "dave"]) fake.meetingJoins(id, u);
  await meetingSound.join(id, camera);
  await settle();
}

const BOB: MeetingPeerView = { name: "bob", source: 11, speaking: false, tile: 0 };
const CAROL: MeetingPeerView = { name: "carol", source: 12, speaking: false, tile: null };
const NAMELESS: MeetingPeerView = { name: null, source: 13, speaking: false, tile: null };

const stage = () => screen.queryByTestId("meeting-stage");
const tiles = () => screen.queryAllByTestId("meeting-tile");
const tile = (name: string) => tiles().find((t) => t.dataset.name === name) as HTMLElement;
const names = () => tiles().map((t) => t.dataset.name);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the meeting stage", () => {
  it("shows while the sound is connected, with its own frame socket, closed when the sound goes", async () => {
    const { fake, id } = await open();
    expect(stage()).toBeNull();
    fake.holdSound = true;
    await inMeeting(fake, id);
    // Connecting: nothing to see yet.
    expect(stage()).toBeNull();
    expect(FakeSocket.opened).toHaveLength(0);
    fake.soundConnects();
    await settle();
    expect(stage()?.getAttribute("aria-label")).toBe("Meeting video");
    expect(FakeSocket.opened).toHaveLength(1);
    expect(FakeSocket.opened[0].url).toBe("ws://127.0.0.1:7399/frames?token=fake1");
    expect(tiles()).toEqual([]);

    await meetingSound.leave();
    await settle();
    expect(stage()).toBeNull();
    expect(FakeSocket.opened[0].closed).toBe(true);
  });

  it("has a tile per person heard or seen, named, in the order they came; video on stream 2 + tile, else the avatar", async () => {
    const { fake, id } = await open();
    await inMeeting(fake, id);
    fake.soundPeople([BOB, CAROL, NAMELESS]);
    await settle();
    expect(names()).toEqual(["bob", "carol", ""]);
    // Accounts by their display names (the directory's).
    expect(tiles().map((t) => t.querySelector(".name")?.textContent)).toEqual(["Bob", "Carol", "Someone"]);
    // No self tile without the camera.
    expect(screen.queryByTestId("meeting-self-video")).toBeNull();
    expect(tiles().some((t) => t.dataset.self === "true")).toBe(false);

    const video = within(tile("bob")).getByTestId("meeting-tile-video") as HTMLCanvasElement;
    expect(within(tile("bob")).getByRole("img", { name: "Bob's video" })).toBeTruthy();
    expect(within(tile("carol")).queryByTestId("meeting-tile-video")).toBeNull();
    expect(tile("carol").querySelector(".avatar")).not.toBeNull();
    expect(tiles().map((t) => t.dataset.live)).toEqual(["false", "false", "false"]);
    // Until bob's first picture, his avatar stands in.
    expect(tile("bob").querySelector(".avatar")).not.toBeNull();

    const socket = FakeSocket.opened[0];
    socket.push(wireFrame(3, 16, 16, 1)); // tile 1: nobody's
    socket.push(wireFrame(2, 32, 18, 4));
    await wait(50);
    await settle();
    expect(video.dataset.sequence).toBe("4");
    expect(tile("bob").dataset.live).toBe("true");
    expect(tile("bob").querySelector(".avatar")).toBeNull();

    // Carol is seen on tile 1, the nameless one is named; bob is no longer seen.
    fake.soundPeer(12, { tile: 1 });
    fake.soundPeer(13, { name: "dave" });
    fake.soundPeer(11, { tile: null });
    await settle();
    expect(names()).toEqual(["bob", "carol", "dave"]);
    expect(tile("bob").dataset.live).toBe("false");
    expect(within(tile("bob")).queryByTestId("meeting-tile-video")).toBeNull();
    socket.push(wireFrame(3, 16, 16, 9));
    await wait(50);
    await settle();
    expect((within(tile("carol")).getByTestId("meeting-tile-video") as HTMLCanvasElement).dataset.sequence).toBe("9");
    expect(tile("carol").dataset.live).toBe("true");
  });

  it("shows this device's camera first, as the user's own tile, only when it sends it", async () => {
    const { fake, id } = await open();
    await inMeeting(fake, id, true);
    expect(fake.callsOf("joinMeetingSound")).toEqual([[id, true]]);
    fake.soundPeople([BOB]);
    await settle();
    expect(names()).toEqual(["alice", "bob"]);
    const own = tile("alice");
    expect(own.dataset.self).toBe("true");
    expect(own.querySelector(".name")?.textContent).toBe("Alice (you)");
    expect(within(own).getByRole("img", { name: "Your camera" })).toBeTruthy();
    FakeSocket.opened[0].push(wireFrame(1, 16, 16, 5));
    await wait(50);
    await settle();
    expect((within(own).getByTestId("meeting-self-video") as HTMLCanvasElement).dataset.sequence).toBe("5");
    expect(own.dataset.live).toBe("true");
  });

  it("outlines who speaks as the events say, and marks whom a moderator muted", async () => {
    const { fake, id } = await open();
    await inMeeting(fake, id);
    fake.soundPeople([BOB, CAROL]);
    await settle();
    expect(tiles().map((t) => t.dataset.speaking)).toEqual(["false", "false"]);
    fake.soundPeer(12, { speaking: true });
    await settle();
    expect(tile("carol").dataset.speaking).toBe("true");
    expect(tile("carol").classList.contains("speaking")).toBe(true);
    expect(tile("bob").dataset.speaking).toBe("false");
    fake.soundPeer(12, { speaking: false });
    await settle();
    expect(tile("carol").dataset.speaking).toBe("false");

    expect(tiles().map((t) => t.dataset.muted)).toEqual(["false", "false"]);
    fake.participantMutedBy(id, "bob", "carol", true);
    await settle();
    expect(tile("carol").dataset.muted).toBe("true");
    expect(within(tile("carol")).getByTestId("meeting-tile-muted").textContent).toBe(", muted by a moderator");
    expect(tile("bob").dataset.muted).toBe("false");
    fake.participantMutedBy(id, "bob", "carol", false);
    await settle();
    expect(tile("carol").dataset.muted).toBe("false");
    expect(within(tile("carol")).queryByTestId("meeting-tile-muted")).toBeNull();
  });

  it("gives a moderator a mute toggle on every other participant's tile, and mute for all", async () => {
    const { fake, id } = await open("room", "bob", ["alice"]);
    await inMeeting(fake, id, true);
    fake.soundPeople([BOB, CAROL, { name: "Zoe", source: 14, speaking: false, tile: null }]);
    await settle();
    // Not on the user's own tile, nor on a guest's (guests are sent out, not muted).
    expect(within(tile("alice")).queryByTestId("meeting-tile-mute")).toBeNull();
    expect(within(tile("Zoe")).queryByTestId("meeting-tile-mute")).toBeNull();
    const mute = within(tile("carol")).getByTestId("meeting-tile-mute");
    expect(mute.getAttribute("aria-label")).toBe("Mute Carol");
    expect(mute.getAttribute("aria-pressed")).toBe("false");
    await fireEvent.click(mute);
    await settle();
    expect(fake.callsOf("setParticipantMuted")).toEqual([[id, "carol", true]]);
    expect(tile("carol").dataset.muted).toBe("true");
    expect(within(tile("carol")).getByTestId("meeting-tile-mute").getAttribute("aria-pressed")).toBe("true");
    await fireEvent.click(within(tile("carol")).getByTestId("meeting-tile-mute"));
    await settle();
    expect(fake.callsOf("setParticipantMuted")).toEqual([
      [id, "carol", true],
      [id, "carol", false],
    ]);
    expect(tile("carol").dataset.muted).toBe("false");

    const all = screen.getByTestId("meeting-mute-all");
    expect(all.textContent?.trim()).toBe("Mute for all");
    expect(all.getAttribute("aria-pressed")).toBe("false");
    await fireEvent.click(all);
    await settle();
    expect(fake.callsOf("setMuteAll")).toEqual([[id, true]]);
    expect(screen.getByTestId("meeting-mute-all").getAttribute("aria-pressed")).toBe("true");
    // Mute for all silences everyone but the moderators (bob owns the room, alice moderates):
    // the guest and carol are marked, bob and alice are not.
    expect(tile("carol").dataset.muted).toBe("true");
    expect(tile("Zoe").dataset.muted).toBe("true");
    expect(tile("bob")?.dataset.muted ?? "false").toBe("false");
    expect(tile("alice").dataset.muted).toBe("false");
    await fireEvent.click(screen.getByTestId("meeting-mute-all"));
    await settle();
    expect(fake.callsOf("setMuteAll")).toEqual([
      [id, true],
      [id, false],
    ]);
    expect(tile("carol").dataset.muted).toBe("false");
  });

  it("words a refused mute", async () => {
    const { fake, id } = await open("room", "alice");
    await inMeeting(fake, id);
    fake.soundPeople([BOB]);
    await settle();
    vi.spyOn(fake, "setParticipantMuted").mockRejectedValueOnce({ code: "internal", message: "server down" });
    await fireEvent.click(within(tile("bob")).getByTestId("meeting-tile-mute"));
    await settle();
    expect(within(stage() as HTMLElement).getByRole("alert").textContent).toContain("server down");
    expect(tile("bob").dataset.muted).toBe("false");
  });

  it("gives a member, and a group's meeting, no moderator control", async () => {
    const first = await open();
    await inMeeting(first.fake, first.id);
    first.fake.soundPeople([BOB, CAROL]);
    await settle();
    expect(tiles()).toHaveLength(2);
    expect(screen.queryAllByTestId("meeting-tile-mute")).toEqual([]);
    expect(screen.queryByTestId("meeting-mute-all")).toBeNull();
    await meetingSound.leave();
    document.body.innerHTML = "";

    const group = await open("group");
    await inMeeting(group.fake, group.id);
    group.fake.soundPeople([BOB, CAROL]);
    await settle();
    expect(tiles()).toHaveLength(2);
    expect(screen.queryAllByTestId("meeting-tile-mute")).toEqual([]);
    expect(screen.queryByTestId("meeting-mute-all")).toBeNull();
  });

  it("marks a recorded meeting for everyone, only while it is recorded", async () => {
    const { fake, id } = await open("room", "bob");
    await inMeeting(fake, id);
    fake.soundPeople([BOB, CAROL]);
    await settle();
    expect(screen.queryByTestId("meeting-recording")).toBeNull();
    // A member: no button, but the mark once a moderator records.
    expect(screen.queryByTestId("meeting-record")).toBeNull();
    fake.recordingBy(id, "bob", true);
    await settle();
    const mark = screen.getByTestId("meeting-recording");
    expect(mark.textContent?.trim()).toBe("Recording");
    expect(mark.getAttribute("aria-label")).toBe("This meeting is being recorded");
    expect(mark.querySelector(".dot")).not.toBeNull();
    expect(screen.queryByTestId("meeting-record")).toBeNull();
    fake.recordingBy(id, "bob", false);
    await settle();
    expect(screen.queryByTestId("meeting-recording")).toBeNull();
  });

  it("lets a moderator start and stop recording, beside mute for all", async () => {
    const { fake, id } = await open("room", "bob", ["alice"]);
    await inMeeting(fake, id);
    fake.soundPeople([BOB]);
    await settle();
    const record = () => screen.getByTestId("meeting-record");
    expect(record().textContent?.trim()).toBe("Record");
    expect(record().getAttribute("title")).toBe("Records the meeting; when stopped, the recording is shared in the room.");
    expect(screen.getByTestId("meeting-mute-all").nextElementSibling).toBe(record());
    expect(screen.queryByTestId("meeting-recording")).toBeNull();

    await fireEvent.click(record());
    await settle();
    expect(fake.callsOf("setRecording")).toEqual([[id, true]]);
    expect(fake.recordingOf(id)).not.toBeNull();
    expect(screen.getByTestId("meeting-recording").textContent?.trim()).toBe("Recording");
    expect(record().textContent?.trim()).toBe("Stop recording");

    await fireEvent.click(record());
    await settle();
    expect(fake.callsOf("setRecording")).toEqual([
      [id, true],
      [id, false],
    ]);
    expect(fake.recordingOf(id)).toBeNull();
    expect(screen.queryByTestId("meeting-recording")).toBeNull();
    expect(record().textContent?.trim()).toBe("Record");
  });

  it("words a refused recording", async () => {
    const { fake, id } = await open("room", "alice");
    await inMeeting(fake, id);
    fake.recordingOff = true;
    await fireEvent.click(screen.getByTestId("meeting-record"));
    await settle();
    expect(within(stage() as HTMLElement).getByRole("alert").textContent).toBe(
      "Could not change the recording: This server does not record meetings.",
    );
    expect(screen.queryByTestId("meeting-recording")).toBeNull();
    expect(screen.getByTestId<HTMLButtonElement>("meeting-record").disabled).toBe(false);

    // Another moderator started it meanwhile: this one's start is refused, the mark shows.
    fake.recordingOff = false;
    vi.spyOn(fake, "setRecording").mockRejectedValueOnce({
      code: "refused:conflict",
      message: "The meeting is being recorded already.",
      reason: { reason: "recording_already", on: true },
    });
    await fireEvent.click(screen.getByTestId("meeting-record"));
    await settle();
    expect(within(stage() as HTMLElement).getByRole("alert").textContent).toBe(
      "Could not change the recording: The meeting is being recorded already.",
    );
  });

  it("switches between the grid and the latest speaker large over a strip of the others", async () => {
    const { fake, id } = await open();
    await inMeeting(fake, id, true);
    fake.soundPeople([BOB, CAROL, NAMELESS]);
    await settle();
    const toggle = screen.getByTestId("meeting-layout");
    expect(toggle.textContent?.trim()).toBe("Speaker view");
    expect(toggle.getAttribute("aria-pressed")).toBe("false");
    expect(stage()?.dataset.layout).toBe("grid");
    // Four tiles: two columns of two.
    expect(stage()?.style.getPropertyValue("--columns")).toBe("2");
    expect(stage()?.style.getPropertyValue("--rows")).toBe("2");
    expect(names()).toEqual(["alice", "bob", "carol", ""]);

    await fireEvent.click(toggle);
    await settle();
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    expect(stage()?.dataset.layout).toBe("speaker");
    const large = () => (stage() as HTMLElement).querySelector(".large [data-testid=meeting-tile]") as HTMLElement;
    const strip = () => within(screen.getByRole("region", { name: "Other participants" })).getAllByTestId("meeting-tile").map((t) => t.dataset.name);
    // Nobody spoke yet: the first one heard.
    expect(large().dataset.name).toBe("bob");
    expect(strip()).toEqual(["alice", "carol", ""]);

    fake.soundPeer(12, { speaking: true });
    await settle();
    expect(large().dataset.name).toBe("carol");
    expect(strip()).toEqual(["alice", "bob", ""]);
    // Carol stops: she stays, the latest speaker.
    fake.soundPeer(12, { speaking: false });
    await settle();
    expect(large().dataset.name).toBe("carol");

    await fireEvent.click(toggle);
    await settle();
    expect(stage()?.dataset.layout).toBe("grid");
    expect(toggle.getAttribute("aria-pressed")).toBe("false");
  });

  it("shows nine others at most in the grid, the one speaking among them", async () => {
    const { fake, id } = await open();
    await inMeeting(fake, id);
    const many = Array.from({ length: 12 }, (_, i) => ({ name: `guest${i}`, source: 100 + i, speaking: false, tile: null }));
    fake.soundPeople(many);
    await settle();
    expect(tiles()).toHaveLength(9);
    expect(screen.getByTestId("meeting-more").textContent).toBe("3 more people not shown");
    expect(stage()?.style.getPropertyValue("--columns")).toBe("3");
    fake.soundPeer(111, { speaking: true });
    await settle();
    expect(names()).toContain("guest11");
    expect(tiles()).toHaveLength(9);
  });

  it("speaks French", async () => {
    setLocale("fr");
    const { fake, id } = await open("room", "alice");
    await inMeeting(fake, id, true);
    fake.soundPeople([BOB, NAMELESS]);
    fake.participantMutedBy(id, "alice", "bob", true);
    await settle();
    expect(stage()?.getAttribute("aria-label")).toBe("Vidéo de la réunion");
    expect(tile("alice").querySelector(".name")?.textContent).toBe("Alice (vous)");
    expect(within(tile("alice")).getByRole("img", { name: "Votre caméra" })).toBeTruthy();
    expect(within(tile("bob")).getByRole("img", { name: "Vidéo de Bob" })).toBeTruthy();
    expect(tile("").querySelector(".name")?.textContent).toBe("Quelqu'un");
    expect(within(tile("bob")).getByTestId("meeting-tile-muted").textContent).toBe(", mis en sourdine par un modérateur");
    expect(within(tile("bob")).getByTestId("meeting-tile-mute").getAttribute("aria-label")).toBe("Mettre Bob en sourdine");
    expect(screen.getByTestId("meeting-layout").textContent?.trim()).toBe("Vue orateur");
    expect(screen.getByTestId("meeting-mute-all").textContent?.trim()).toBe("Sourdine pour tous");
    expect(screen.getByTestId("meeting-record").textContent?.trim()).toBe("Enregistrer");
    fake.recordingBy(id, "alice", true);
    await settle();
    expect(screen.getByTestId("meeting-record").textContent?.trim()).toBe("Arrêter l'enregistrement");
    expect(screen.getByTestId("meeting-recording").getAttribute("aria-label")).toBe("Cette réunion est enregistrée");
    expect(screen.getByRole("group", { name: "Affichage de la réunion" })).toBeTruthy();
    await fireEvent.click(screen.getByTestId("meeting-layout"));
    await settle();
    expect(screen.getByRole("region", { name: "Autres participants" })).toBeTruthy();
  });
});

describe("the stage's arithmetic", () => {
  const p = (source: number, speaking = false): MeetingPeerView => ({ name: `p${source}`, source, speaking, tile: null });

  it("keeps the speaker while they speak, else the first speaking, else the last one", () => {
    expect(nextSpeaker(null, [])).toBeNull();
    expect(nextSpeaker(null, [p(1), p(2)])).toBe(1);
    expect(nextSpeaker(1, [p(1), p(2, true)])).toBe(2);
    expect(nextSpeaker(2, [p(1, true), p(2, true)])).toBe(2);
    expect(nextSpeaker(2, [p(1), p(2)])).toBe(2);
    // Gone: the first one left.
    expect(nextSpeaker(3, [p(1), p(2)])).toBe(1);
  });

  it("fits nine others in the grid, the speaker swapped in", () => {
    const many = Array.from({ length: 12 }, (_, i) => p(i));
    expect(gridPeople(many.slice(0, 4), 2)).toHaveLength(4);
    expect(gridPeople(many, 0).map((x) => x.source)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(gridPeople(many, 11).map((x) => x.source)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 11]);
    expect(GRID_MAX).toBe(9);
  });

  it("is square-ish", () => {
    expect([1, 2, 3, 4, 5, 9, 10].map((n) => gridShape(n))).toEqual([
      { columns: 1, rows: 1 },
      { columns: 2, rows: 1 },
      { columns: 2, rows: 2 },
      { columns: 2, rows: 2 },
      { columns: 3, rows: 2 },
      { columns: 3, rows: 3 },
      { columns: 4, rows: 3 },
    ]);
  });
});
