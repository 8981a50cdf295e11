import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import type { FakeBackend } from "../../../tests/fake-backend";
import { FakeSocket } from "../../../tests/frames";
import { settle, signedIn } from "../../../tests/helpers";
import { calls } from "../calls/calls.svelte";
import Details from "../details/Details.svelte";
import Timeline from "../timeline/Timeline.svelte";
import { meetingSound } from "./sound.svelte";

beforeEach(() => {
  FakeSocket.opened = [];
  vi.stubGlobal("WebSocket", FakeSocket);
  // The dialog's camera preview: jsdom draws nothing.
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(() => null);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  setLocale("en");
  meetingSound.reset();
  calls.reset();
});

/** Signed in, in bob's room Standup (with carol), or a group with bob and carol; its
 * conversation open with its header (and the details column when asked). */
async function open(kind: "room" | "group" = "room", details = false): Promise<{ fake: FakeBackend; id: number }> {
  let id = 0;
  const fake = await signedIn((f) => {
    id = kind === "room" ? f.roomBy("bob", "Standup", ["carol"]) : f.seedGroup("Lunch", ["bob", "carol"], [{ sender: "bob", text: "Hi" }]);
  });
  await app.reload();
  render(Timeline);
  if (details) render(Details);
  await app.select(id);
  await settle();
  return { fake, id };
}

const headerButton = () => screen.queryByTestId("meeting-call-button");
const bar = () => screen.queryByTestId("meeting-sound");
/** The methods the fake was called with, those named only, in order. */
const order = (fake: FakeBackend, names: string[]) => fake.calls.map((c) => c.method).filter((m) => names.includes(m));

/** The header's button, then the devices dialog's primary button. */
async function joinFromHeader(dialogName: string, submit: string): Promise<void> {
  await fireEvent.click(headerButton() as HTMLElement);
  await settle();
  const dialog = screen.getByRole("dialog", { name: dialogName });
  await fireEvent.click(within(dialog).getByRole("button", { name: submit }));
  await settle();
}

describe("the meeting button in a room's or group's header", () => {
  it("opens the devices dialog first; its primary button starts the meeting, then joins its sound", async () => {
    const { fake, id } = await open();
    const button = headerButton() as HTMLButtonElement;
    expect(button.getAttribute("aria-label")).toBe("Start a meeting");
    expect(button.dataset.state).toBe("none");
    expect(screen.queryByTestId("call-button")).toBeNull();

    await fireEvent.click(button);
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Start a meeting" });
    expect(dialog.textContent).toContain("Check your microphone, speaker and camera before the meeting.");
    // The devices of a call, the camera with its preview; the camera stays off unless ticked.
    expect(within(dialog).getByLabelText("Microphone").tagName).toBe("SELECT");
    expect(within(dialog).getByLabelText("Speaker").tagName).toBe("SELECT");
    expect(within(dialog).getByLabelText("Camera").tagName).toBe("SELECT");
    expect(within(dialog).getByTestId("camera-preview")).toBeTruthy();
    const cameraOn = within(dialog).getByTestId("meeting-camera-on") as HTMLInputElement;
    expect(cameraOn.checked).toBe(false);
    expect(within(dialog).getByLabelText("Turn my camera on")).toBe(cameraOn);
    expect(fake.callsOf("startDeviceTest")).toEqual([[null, true]]);
    expect(FakeSocket.opened).toHaveLength(1);
    // Nothing started yet.
    expect(fake.callsOf("startMeeting")).toEqual([]);
    expect(fake.callsOf("joinMeetingSound")).toEqual([]);

    await fireEvent.click(within(dialog).getByTestId("device-dialog-submit"));
    await settle();
    expect(screen.queryByTestId("device-dialog")).toBeNull();
    expect(fake.callsOf("startMeeting")).toEqual([[id]]);
    expect(fake.callsOf("joinMeetingSound")).toEqual([[id, false]]);
    // Saved, the test let the devices go, the meeting, then its sound.
    expect(order(fake, ["setSettings", "stopDeviceTest", "startMeeting", "joinMeetingSound"])).toEqual([
      "setSettings",
      "stopDeviceTest",
      "startMeeting",
      "joinMeetingSound",
    ]);
    expect(fake.participantsOf(id)).toEqual(["alice"]);
    expect(fake.currentSound()).toEqual({ conversation: id, phase: "connected", muted: false, camera: false, people: [], error: null });
    // The sound bar in the button's place, the focus on its mute button.
    expect(bar()?.dataset.phase).toBe("connected");
    expect(bar()?.textContent).toContain("Sound on");
    expect(headerButton()).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("meeting-sound-mute"));
  });

  it("joins with the camera when the dialog's box is ticked", async () => {
    const { fake, id } = await open();
    await fireEvent.click(headerButton() as HTMLElement);
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Start a meeting" });
    await fireEvent.click(within(dialog).getByTestId("meeting-camera-on"));
    await fireEvent.click(within(dialog).getByTestId("device-dialog-submit"));
    await settle();
    expect(fake.callsOf("joinMeetingSound")).toEqual([[id, true]]);
    expect(fake.currentSound()?.camera).toBe(true);
    // The dialog's frame socket closed with it; the stage opened its own.
    expect(FakeSocket.opened.map((s) => s.closed)).toEqual([true, false]);
    expect(screen.getByTestId("meeting-tile").dataset.self).toBe("true");
  });

  it("joins the meeting going on, worded so", async () => {
    const { fake, id } = await open();
    fake.meetingJoins(id, "bob");
    await settle();
    expect(headerButton()?.getAttribute("aria-label")).toBe("Join the meeting with sound");
    expect(headerButton()?.dataset.state).toBe("ongoing");
    await joinFromHeader("Join the meeting with sound", "Join");
    expect(order(fake, ["startMeeting", "joinMeetingSound"])).toEqual(["startMeeting", "joinMeetingSound"]);
    expect(fake.participantsOf(id)).toEqual(["bob", "alice"]);
    expect(bar()?.dataset.phase).toBe("connected");
  });

  it("Cancel starts nothing, stops the device test, back on the button", async () => {
    const { fake } = await open();
    const button = headerButton() as HTMLButtonElement;
    await fireEvent.click(button);
    await settle();
    await fireEvent.click(screen.getByTestId("device-dialog-cancel"));
    await settle();
    expect(screen.queryByTestId("device-dialog")).toBeNull();
    expect(fake.deviceTestRunning).toBe(false);
    expect(fake.callsOf("setSettings")).toEqual([]);
    expect(fake.callsOf("startMeeting")).toEqual([]);
    expect(fake.callsOf("joinMeetingSound")).toEqual([]);
    expect(bar()).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  it("is in a group's header too, not in a 1:1 chat's", async () => {
    const { fake, id } = await open("group");
    expect(headerButton()?.getAttribute("aria-label")).toBe("Start a meeting");
    await joinFromHeader("Start a meeting", "Start");
    expect(fake.callsOf("startMeeting")).toEqual([[id]]);
    expect(fake.callsOf("joinMeetingSound")).toEqual([[id, false]]);
    expect(bar()?.dataset.phase).toBe("connected");

    const bob = fake.seed("bob", 1);
    await app.reload();
    await app.select(bob);
    await settle();
    expect(screen.getByTestId("call-button")).toBeTruthy();
    expect(headerButton()).toBeNull();
    // The sound stays on in the group: its bar is not shown elsewhere.
    expect(bar()).toBeNull();
  });

  it("waits during a 1:1 call, and says why", async () => {
    const { fake } = await open();
    fake.ringFrom("dave");
    await settle();
    const button = headerButton() as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.title).toBe("A call is going on.");
  });

  it("words the meeting's refusal, and the sound's", async () => {
    const { fake, id } = await open();
    vi.spyOn(fake, "startMeeting").mockRejectedValueOnce({ code: "refused:forbidden", message: "x", reason: { reason: "not_a_member", conversation: 1 } });
    await joinFromHeader("Start a meeting", "Start");
    expect(screen.getByTestId("meeting-sound-error").textContent).toContain("Could not join the meeting: ");
    expect(screen.getByTestId("meeting-sound-error").textContent).not.toContain("undefined");
    expect(fake.callsOf("joinMeetingSound")).toEqual([]);

    vi.spyOn(fake, "joinMeetingSound").mockRejectedValueOnce({ code: "invalid", message: "a call is going on: hang up before joining a meeting's sound" });
    await joinFromHeader("Start a meeting", "Start");
    // The meeting started this time (the user is in it); its sound was refused.
    expect(fake.participantsOf(id)).toEqual(["alice"]);
    const error = screen.getByTestId("meeting-sound-error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toContain("The meeting's sound failed: a call is going on: hang up before joining a meeting's sound");
    expect(bar()).toBeNull();
  });
});

describe("the sound bar", () => {
  it("shows connecting, then connected; mutes and unmutes this device's microphone; leaves the sound", async () => {
    const { fake, id } = await open();
    fake.holdSound = true;
    await joinFromHeader("Start a meeting", "Start");
    expect(bar()?.dataset.phase).toBe("connecting");
    expect(bar()?.textContent).toContain("Connecting sound…");
    expect(bar()?.getAttribute("role")).toBe("group");
    expect(bar()?.getAttribute("aria-label")).toBe("Meeting sound");
    const mute = () => screen.getByTestId("meeting-sound-mute") as HTMLButtonElement;
    expect(mute().disabled).toBe(true);
    expect(headerButton()).toBeNull();

    fake.soundConnects();
    await settle();
    expect(bar()?.dataset.phase).toBe("connected");
    expect(bar()?.textContent).toContain("Sound on");
    expect(bar()?.textContent).not.toContain("Connecting");
    expect(mute().disabled).toBe(false);
    expect(mute().getAttribute("aria-pressed")).toBe("false");
    expect(mute().textContent?.trim()).toBe("Mute");

    await fireEvent.click(mute());
    await settle();
    expect(fake.callsOf("setMeetingSoundMuted")).toEqual([[true]]);
    expect(fake.currentSound()?.muted).toBe(true);
    expect(mute().getAttribute("aria-pressed")).toBe("true");
    await fireEvent.click(mute());
    await settle();
    expect(fake.callsOf("setMeetingSoundMuted")).toEqual([[true], [false]]);
    expect(mute().getAttribute("aria-pressed")).toBe("false");

    const leave = screen.getByTestId("meeting-sound-leave");
    expect(leave.textContent?.trim()).toBe("Leave sound");
    await fireEvent.click(leave);
    await settle();
    expect(fake.callsOf("leaveMeetingSound")).toEqual([[]]);
    expect(fake.currentSound()).toBeNull();
    expect(bar()).toBeNull();
    expect(screen.queryByTestId("meeting-sound-error")).toBeNull();
    // Still in the meeting: the button offers its sound again.
    expect(fake.participantsOf(id)).toEqual(["alice"]);
    expect(headerButton()?.getAttribute("aria-label")).toBe("Join the meeting with sound");
  });

  it("undoes a mute the backend refused", async () => {
    const { fake } = await open();
    await joinFromHeader("Start a meeting", "Start");
    vi.spyOn(fake, "setMeetingSoundMuted").mockRejectedValueOnce({ code: "internal", message: "no sound system" });
    await fireEvent.click(screen.getByTestId("meeting-sound-mute"));
    await settle();
    expect(screen.getByTestId("meeting-sound-mute").getAttribute("aria-pressed")).toBe("false");
    expect(screen.getByTestId("meeting-sound-error").textContent).toContain("The meeting's sound failed: no sound system");
  });

  it("a sound that could not connect says so until dismissed, or until the next try", async () => {
    const { fake, id } = await open();
    fake.soundError = "ICE failed";
    await joinFromHeader("Start a meeting", "Start");
    expect(fake.callsOf("joinMeetingSound")).toEqual([[id, false]]);
    expect(bar()).toBeNull();
    const error = screen.getByTestId("meeting-sound-error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toContain("The meeting's sound could not connect.");
    expect(error.textContent).not.toContain("ICE");
    await fireEvent.click(within(error).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("meeting-sound-error")).toBeNull();

    // Connected, then cut with an error: the same notice; the next try clears it.
    await joinFromHeader("Join the meeting with sound", "Join");
    expect(bar()?.dataset.phase).toBe("connected");
    fake.soundEnds("connection lost");
    await settle();
    expect(bar()).toBeNull();
    expect(screen.getByTestId("meeting-sound-error").textContent).toContain("The meeting's sound could not connect.");
    fake.holdSound = true;
    await joinFromHeader("Join the meeting with sound", "Join");
    expect(screen.queryByTestId("meeting-sound-error")).toBeNull();
    expect(bar()?.dataset.phase).toBe("connecting");
  });

  it("goes when the user leaves the meeting (the server cuts its sound), without an error", async () => {
    const { fake, id } = await open("room", true);
    await joinFromHeader("Start a meeting", "Start");
    expect(bar()?.dataset.phase).toBe("connected");
    const aside = screen.getByRole("complementary", { name: "Details" });
    await fireEvent.click(within(aside).getByTestId("meeting-button"));
    await settle();
    expect(fake.participantsOf(id)).toEqual([]);
    expect(fake.currentSound()).toBeNull();
    expect(bar()).toBeNull();
    expect(screen.queryByTestId("meeting-sound-error")).toBeNull();
    expect(headerButton()?.getAttribute("aria-label")).toBe("Start a meeting");
  });

  it("shows the sound on when the window opens during it", async () => {
    const { fake, id } = await open();
    await fake.startMeeting(id);
    await fake.joinMeetingSound(id, false);
    meetingSound.reset();
    await settle();
    expect(bar()).toBeNull();
    await meetingSound.start();
    await settle();
    expect(bar()?.dataset.phase).toBe("connected");
  });
});

describe("joining the sound from the details", () => {
  it("a room's: Join with sound, for a user in the meeting without sound, after the devices dialog", async () => {
    const { fake, id } = await open("room", true);
    const aside = screen.getByRole("complementary", { name: "Details" });
    expect(within(aside).queryByTestId("meeting-sound-join")).toBeNull();
    await fireEvent.click(within(aside).getByTestId("meeting-button"));
    await settle();
    const join = within(aside).getByTestId("meeting-sound-join");
    expect(join.textContent).toBe("Join with sound");

    await fireEvent.click(join);
    await settle();
    await fireEvent.click(screen.getByTestId("device-dialog-cancel"));
    await settle();
    expect(fake.callsOf("joinMeetingSound")).toEqual([]);
    expect(document.activeElement).toBe(join);

    await fireEvent.click(join);
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Join the meeting with sound" });
    await fireEvent.click(within(dialog).getByRole("button", { name: "Join" }));
    await settle();
    expect(order(fake, ["startMeeting", "joinMeetingSound"])).toEqual(["startMeeting", "startMeeting", "joinMeetingSound"]);
    expect(fake.callsOf("joinMeetingSound")).toEqual([[id, false]]);
    expect(bar()?.dataset.phase).toBe("connected");
    expect(within(aside).queryByTestId("meeting-sound-join")).toBeNull();
    expect(document.activeElement).toBe(within(aside).getByTestId("meeting-button"));
  });

  it("a group's: its meeting's participants, Start, Join with sound and Leave", async () => {
    const { fake, id } = await open("group", true);
    const aside = screen.getByRole("complementary", { name: "Details" });
    const button = () => within(aside).getByTestId("meeting-button");
    const participants = () => within(aside).queryAllByTestId("participant").map((p) => p.dataset.user);
    expect(within(aside).getByTestId("meeting-status").textContent).toBe("No meeting going on.");
    expect(button().textContent).toBe("Start meeting");

    fake.meetingJoins(id, "bob");
    await settle();
    expect(participants()).toEqual(["bob"]);
    expect(button().textContent).toBe("Join meeting");
    await fireEvent.click(button());
    await settle();
    expect(participants()).toEqual(["bob", "alice"]);
    expect(button().textContent).toBe("Leave meeting");

    await fireEvent.click(within(aside).getByTestId("meeting-sound-join"));
    await settle();
    await fireEvent.click(screen.getByTestId("meeting-camera-on"));
    await fireEvent.click(screen.getByTestId("device-dialog-submit"));
    await settle();
    // With the camera: the box was ticked.
    expect(fake.callsOf("joinMeetingSound")).toEqual([[id, true]]);
    expect(bar()?.dataset.phase).toBe("connected");
    expect(within(aside).queryByTestId("meeting-sound-join")).toBeNull();

    await fireEvent.click(button());
    await settle();
    expect(fake.callsOf("leaveMeeting")).toEqual([[id]]);
    expect(participants()).toEqual(["bob"]);
    expect(bar()).toBeNull();
  });
});

describe("in French", () => {
  it("words the button, the dialog, the bar and the failure", async () => {
    setLocale("fr");
    const { fake } = await open();
    expect(headerButton()?.getAttribute("aria-label")).toBe("Démarrer une réunion");
    fake.holdSound = true;
    await fireEvent.click(headerButton() as HTMLElement);
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Démarrer une réunion" });
    expect(dialog.textContent).toContain("Vérifiez votre micro, votre haut-parleur et votre caméra avant la réunion.");
    expect(within(dialog).getByLabelText("Activer ma caméra")).toBe(within(dialog).getByTestId("meeting-camera-on"));
    await fireEvent.click(within(dialog).getByRole("button", { name: "Démarrer" }));
    await settle();
    expect(bar()?.textContent).toContain("Connexion du son…");
    expect(bar()?.getAttribute("aria-label")).toBe("Son de la réunion");
    fake.soundConnects();
    await settle();
    expect(bar()?.textContent).toContain("Son activé");
    expect(screen.getByTestId("meeting-sound-mute").textContent?.trim()).toBe("Couper le micro");
    expect(screen.getByTestId("meeting-sound-leave").textContent?.trim()).toBe("Quitter le son");
    fake.soundEnds("lost");
    await settle();
    expect(screen.getByTestId("meeting-sound-error").textContent).toContain("Le son de la réunion n'a pas pu se connecter.");
    expect(headerButton()?.getAttribute("aria-label")).toBe("Rejoindre la réunion avec le son");
  });
});
