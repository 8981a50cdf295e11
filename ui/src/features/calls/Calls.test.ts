import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import App from "../../App.svelte";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import type { FakeBackend } from "../../../tests/fake-backend";
import { FakeSocket, wireFrame } from "../../../tests/frames";
import { settle, signedIn } from "../../../tests/helpers";
import { meetingSound } from "../meetings/sound.svelte";
import Timeline from "../timeline/Timeline.svelte";
import { callQuality, calls, deviceChangeText, ENDED_MS } from "./calls.svelte";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  FakeSocket.opened = [];
  vi.stubGlobal("WebSocket", FakeSocket);
  // jsdom has no canvas contexts (and says so on the console): the renderer draws nothing.
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(() => null);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  setLocale("en");
  calls.reset();
});

/** Signed in with a chat with bob (and one with carol), the whole app on screen, bob's chat open. */
async function inApp(prepare?: (f: FakeBackend) => void): Promise<{ fake: FakeBackend; bob: number }> {
  let bob = 0;
  const fake = await signedIn((f) => {
    bob = f.seed("bob", 3);
    f.seed("carol", 2);
    prepare?.(f);
  });
  render(App);
  await app.select(bob);
  await settle();
  return { fake, bob };
}

const view = () => screen.queryByTestId("call-view");

/** The header's phone (or camera) button, then the devices dialog's primary button: the call to
 * bob is placed. */
async function placeCall(video = false): Promise<void> {
  await fireEvent.click(screen.getByTestId(video ? "video-call-button" : "call-button"));
  await settle();
  const dialog = screen.getByRole("dialog", { name: video ? "Video call bob" : "Call bob" });
  await fireEvent.click(within(dialog).getByRole("button", { name: video ? "Start video call" : "Call" }));
  await settle();
}

describe("the chat header's call buttons", () => {
  it("are in a 1:1 chat, labelled with the person, and place an audio or a video call", async () => {
    const { fake, bob } = await inApp();
    const phone = screen.getByRole("button", { name: "Call bob" });
    const camera = screen.getByRole("button", { name: "Video call bob" });
    expect(phone.dataset.testid).toBe("call-button");
    expect(camera.dataset.testid).toBe("video-call-button");
    expect(phone.querySelector("svg")?.getAttribute("aria-hidden")).toBe("true");

    await placeCall();
    expect(fake.callsOf("placeCall")).toEqual([[bob, false]]);
    expect(view()?.dataset.phase).toBe("calling");
    // One call at a time: both wait, and say why.
    expect((screen.getByTestId("call-button") as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId("video-call-button") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("call-button").title).toBe("A call is going on.");
  });

  it("wait while this device's sound is in a meeting, and say why", async () => {
    await inApp();
    meetingSound.update({ conversation: 99, phase: "connected", muted: false, camera: false, people: [], error: null });
    await settle();
    expect((screen.getByTestId("call-button") as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId("video-call-button") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("call-button").title).toBe("Your sound is in a meeting: leave its sound first.");
    meetingSound.update({ conversation: 99, phase: "ended", muted: false, camera: false, people: [], error: null });
    await settle();
    expect((screen.getByTestId("call-button") as HTMLButtonElement).disabled).toBe(false);
  });

  it("place a video call", async () => {
    const { fake, bob } = await inApp();
    await placeCall(true);
    expect(fake.callsOf("placeCall")).toEqual([[bob, true]]);
    expect(view()?.classList.contains("video")).toBe(true);
  });

  it("are not in a room's header", async () => {
    let room = 0;
    await signedIn((f) => {
      room = f.roomBy("bob", "Standup", ["carol"]);
    });
    render(Timeline);
    await app.select(room);
    await settle();
    expect(screen.getByRole("heading", { name: "Standup" })).toBeTruthy();
    expect(screen.queryByTestId("call-button")).toBeNull();
    expect(screen.queryByTestId("video-call-button")).toBeNull();
  });

  it("word the backend's refusal", async () => {
    const { fake } = await inApp();
    vi.spyOn(fake, "placeCall").mockRejectedValue({ code: "refused:conflict", message: "x", reason: { reason: "busy", name: "bob" } });
    await placeCall();
    expect(screen.getByRole("alert").textContent).toContain("The call failed: bob is in another call; try again later.");
    expect(view()).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("call-error")).toBeNull();
  });
});

describe("the devices dialog before a call", () => {
  const saved = (device: { microphone?: string | null; speaker?: string | null; camera?: string | null }) => ({
    privacy: false,
    device: { notifications: true, auto_away_minutes: 10, theme: "system", microphone: null, speaker: null, camera: null, ...device },
  });

  it("opens from the call button, testing the devices, and calls no one yet", async () => {
    const { fake } = await inApp();
    await fireEvent.click(screen.getByTestId("call-button"));
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Call bob" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(dialog.textContent).toContain("Check your microphone, speaker and camera before the call.");
    // The same pickers, meter, test sound and camera preview as from Settings.
    for (const name of ["Microphone", "Speaker", "Camera"]) expect(within(dialog).getByLabelText(name).tagName).toBe("SELECT");
    expect(within(dialog).getByRole("meter", { name: "Microphone level" })).toBeTruthy();
    expect(within(dialog).getByRole("button", { name: "Play test sound" })).toBeTruthy();
    expect(within(dialog).getByRole("img", { name: "Camera preview" })).toBeTruthy();
    expect(within(dialog).getByRole("button", { name: "Call" })).toBeTruthy();
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toBeTruthy();
    expect(within(dialog).queryByRole("button", { name: "Save" })).toBeNull();
    expect(fake.callsOf("devices")).toEqual([[]]);
    expect(fake.callsOf("startDeviceTest")).toEqual([[null, true]]);
    expect(fake.deviceTestRunning).toBe(true);
    expect(FakeSocket.opened).toHaveLength(1);
    // No call yet.
    expect(fake.callsOf("placeCall")).toEqual([]);
    expect(calls.busy).toBe(false);
    expect(view()).toBeNull();
  });

  it("the video button's offers to start a video call", async () => {
    const { fake } = await inApp();
    await fireEvent.click(screen.getByTestId("video-call-button"));
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Video call bob" });
    expect(within(dialog).getByRole("button", { name: "Start video call" })).toBeTruthy();
    expect(within(dialog).queryByRole("button", { name: "Call" })).toBeNull();
    expect(fake.callsOf("placeCall")).toEqual([]);
  });

  it("Call saves the chosen devices, stops the test, then places an audio call in the conversation", async () => {
    const { fake, bob } = await inApp();
    await fireEvent.click(screen.getByTestId("call-button"));
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Call bob" });
    await fireEvent.change(within(dialog).getByLabelText("Microphone"), { target: { value: "pulse:usb-headset-source" } });
    await fireEvent.change(within(dialog).getByLabelText("Speaker"), { target: { value: "pulse:usb-headset-sink" } });
    await settle();
    await fireEvent.click(within(dialog).getByRole("button", { name: "Call" }));
    await settle();
    const choice = saved({ microphone: "pulse:usb-headset-source", speaker: "pulse:usb-headset-sink" });
    expect(fake.callsOf("setSettings")).toEqual([[choice]]);
    expect(app.settings).toEqual(choice);
    expect(fake.callsOf("placeCall")).toEqual([[bob, false]]);
    // Saved first; the device test lets the devices go before the call takes them.
    const methods = fake.calls.map((c) => c.method);
    const from = methods.indexOf("setSettings");
    expect(methods.slice(from).filter((m) => ["setSettings", "stopDeviceTest", "startDeviceTest", "placeCall"].includes(m))).toEqual([
      "setSettings",
      "stopDeviceTest",
      "placeCall",
    ]);
    expect(fake.deviceTestRunning).toBe(false);
    expect(screen.queryByTestId("device-dialog")).toBeNull();
    expect(FakeSocket.opened[0].closed).toBe(true);
    expect(view()?.dataset.phase).toBe("calling");
    expect(view()?.classList.contains("video")).toBe(false);
    expect(document.activeElement).toBe(screen.getByTestId("mute"));
  });

  it("Start video call places a video call, with the chosen camera saved", async () => {
    const { fake, bob } = await inApp();
    await fireEvent.click(screen.getByTestId("video-call-button"));
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Video call bob" });
    await fireEvent.change(within(dialog).getByLabelText("Camera"), { target: { value: "synthetic:pattern" } });
    await fireEvent.click(within(dialog).getByRole("button", { name: "Start video call" }));
    await settle();
    expect(fake.callsOf("setSettings")).toEqual([[saved({ camera: "synthetic:pattern" })]]);
    expect(fake.callsOf("placeCall")).toEqual([[bob, true]]);
    expect(fake.deviceTestRunning).toBe(false);
    expect(view()?.classList.contains("video")).toBe(true);
  });

  it("Cancel, Escape and the close button call no one and stop the device test, back on the button", async () => {
    const { fake } = await inApp();
    const phone = screen.getByTestId("call-button");
    await fireEvent.click(phone);
    await settle();
    await fireEvent.change(screen.getByLabelText("Microphone"), { target: { value: "synthetic:tone" } });
    await fireEvent.click(within(screen.getByRole("dialog", { name: "Call bob" })).getByRole("button", { name: "Cancel" }));
    await settle();
    expect(screen.queryByTestId("device-dialog")).toBeNull();
    expect(fake.deviceTestRunning).toBe(false);
    expect(FakeSocket.opened[0].closed).toBe(true);
    expect(document.activeElement).toBe(phone);

    const camera = screen.getByTestId("video-call-button");
    await fireEvent.click(camera);
    await settle();
    expect(fake.deviceTestRunning).toBe(true);
    await fireEvent.keyDown(screen.getByRole("dialog", { name: "Video call bob" }), { key: "Escape" });
    await settle();
    expect(screen.queryByTestId("device-dialog")).toBeNull();
    expect(fake.deviceTestRunning).toBe(false);
    expect(document.activeElement).toBe(camera);

    await fireEvent.click(phone);
    await settle();
    await fireEvent.click(within(screen.getByRole("dialog", { name: "Call bob" })).getByRole("button", { name: "Close" }));
    await settle();
    expect(screen.queryByTestId("device-dialog")).toBeNull();
    expect(fake.deviceTestRunning).toBe(false);

    expect(fake.callsOf("placeCall")).toEqual([]);
    expect(fake.callsOf("setSettings")).toEqual([]);
    expect(view()).toBeNull();
  });

  it("goes when a call rings here meanwhile, calling no one", async () => {
    const { fake } = await inApp();
    await fireEvent.click(screen.getByTestId("call-button"));
    await settle();
    expect(fake.deviceTestRunning).toBe(true);
    fake.ringFrom("carol");
    await settle();
    expect(screen.queryByTestId("device-dialog")).toBeNull();
    expect(fake.deviceTestRunning).toBe(false);
    expect(screen.getByRole("alertdialog", { name: "Incoming call" })).toBeTruthy();
    expect(fake.callsOf("placeCall")).toEqual([]);
  });

  it("follows devices plugged in and out while open", async () => {
    const { fake, bob } = await inApp();
    await fireEvent.click(screen.getByTestId("call-button"));
    await settle();
    const mic = screen.getByLabelText("Microphone") as HTMLSelectElement;
    fake.plugIn({ id: "pulse:yeti-source", name: "Yeti Stereo Microphone", kind: "microphone", synthetic: false });
    await settle();
    expect([...mic.options].map((o) => o.textContent)).toContain("Yeti Stereo Microphone");
    await fireEvent.change(mic, { target: { value: "pulse:yeti-source" } });
    await settle();
    fake.unplug("pulse:yeti-source");
    await settle();
    expect(mic.value).toBe("");
    expect(fake.callsOf("startDeviceTest").at(-1)).toEqual([null, true]);
    await fireEvent.click(within(screen.getByRole("dialog", { name: "Call bob" })).getByRole("button", { name: "Call" }));
    await settle();
    expect(fake.callsOf("setSettings")).toEqual([[saved({})]]);
    expect(fake.callsOf("placeCall")).toEqual([[bob, false]]);
    // Listed once, on opening: the rest came as events.
    expect(fake.callsOf("devices")).toEqual([[]]);
  });

  it("says why the devices could not be saved, and calls no one", async () => {
    const { fake } = await inApp();
    vi.spyOn(fake, "setSettings").mockRejectedValue({ code: "internal", message: "Disk full." });
    await fireEvent.click(screen.getByTestId("call-button"));
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Call bob" });
    await fireEvent.click(within(dialog).getByRole("button", { name: "Call" }));
    await settle();
    expect(within(dialog).getByRole("alert").textContent).toBe("Disk full.");
    expect(fake.callsOf("placeCall")).toEqual([]);
    expect(fake.deviceTestRunning).toBe(true);
  });

  it("is worded in French", async () => {
    setLocale("fr");
    await inApp();
    await fireEvent.click(screen.getByRole("button", { name: "Appeler bob" }));
    await settle();
    let dialog = screen.getByRole("dialog", { name: "Appeler bob" });
    expect(dialog.textContent).toContain("Vérifiez votre micro, votre haut-parleur et votre caméra avant l'appel.");
    expect(within(dialog).getByRole("button", { name: "Appeler" })).toBeTruthy();
    await fireEvent.click(within(dialog).getByRole("button", { name: "Annuler" }));
    await settle();
    await fireEvent.click(screen.getByRole("button", { name: "Appel vidéo avec bob" }));
    await settle();
    dialog = screen.getByRole("dialog", { name: "Appel vidéo avec bob" });
    expect(within(dialog).getByRole("button", { name: "Lancer l'appel vidéo" })).toBeTruthy();
  });
});

describe("an incoming call", () => {
  it("rings over whatever view is open, with who calls and how, and Accept answers it", async () => {
    const { fake } = await inApp();
    app.tab = "people";
    app.close();
    await settle();
    const id = fake.ringFrom("carol", false);
    await settle();
    const dialog = screen.getByRole("alertdialog", { name: "Incoming call" });
    expect(dialog.dataset.testid).toBe("incoming-call");
    expect(dialog.textContent).toContain("carol is calling you");
    expect(dialog.textContent).toContain("Audio call");
    expect(document.activeElement).toBe(dialog);
    // Audio only: no video answer.
    expect(within(dialog).queryByRole("button", { name: "Accept with video" })).toBeNull();
    expect(view()).toBeNull();

    await fireEvent.click(within(dialog).getByRole("button", { name: "Accept" }));
    await settle();
    expect(fake.callsOf("acceptCall")).toEqual([[id, false]]);
    // Answered at once: no devices dialog before it.
    expect(screen.queryByTestId("device-dialog")).toBeNull();
    expect(fake.callsOf("startDeviceTest")).toEqual([]);
    expect(screen.queryByTestId("incoming-call")).toBeNull();
    expect(view()?.dataset.phase).toBe("connecting");
    // Carol's chat opens behind the call.
    expect(app.selected).toBe(fake.conversationWith("carol"));
  });

  it("offers a video answer for a video call", async () => {
    const { fake } = await inApp();
    const id = fake.ringFrom("bob", true);
    await settle();
    const dialog = screen.getByTestId("incoming-call");
    expect(dialog.textContent).toContain("bob is calling you with video");
    expect(dialog.textContent).toContain("Video call");
    await fireEvent.click(within(dialog).getByRole("button", { name: "Accept with video" }));
    await settle();
    expect(fake.callsOf("acceptCall")).toEqual([[id, true]]);
    expect(calls.call?.camera_off).toBe(false);
  });

  it("Decline declines it, and it goes at once", async () => {
    const { fake } = await inApp();
    const id = fake.ringFrom("bob", true);
    await settle();
    await fireEvent.click(screen.getByRole("button", { name: "Decline" }));
    await settle();
    expect(fake.callsOf("declineCall")).toEqual([[id]]);
    expect(screen.queryByTestId("incoming-call")).toBeNull();
    expect(view()).toBeNull();
    expect(calls.call).toBeNull();
  });

  it("goes when the caller gives up", async () => {
    const { fake } = await inApp();
    fake.ringFrom("bob");
    await settle();
    expect(screen.getByTestId("incoming-call")).toBeTruthy();
    fake.callEnds("cancelled");
    await settle();
    expect(screen.queryByTestId("incoming-call")).toBeNull();
    expect(view()).toBeNull();
  });

  it("shows over the settings dialog, and takes the focus there", async () => {
    const { fake } = await inApp();
    await fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    await settle();
    expect(screen.getByRole("dialog", { name: "Settings" })).toBeTruthy();
    fake.ringFrom("bob");
    await settle();
    const dialog = screen.getByTestId("incoming-call");
    expect(document.activeElement).toBe(dialog);
    within(dialog).getByRole("button", { name: "Decline" }).focus();
    expect(document.activeElement?.textContent).toContain("Decline");
  });
});

describe("the call view", () => {
  it("shows the timer from the start of the talk, and hangs up by its button", async () => {
    const { fake } = await inApp();
    await placeCall();
    const v = screen.getByRole("dialog", { name: "Call with bob" });
    expect(v.getAttribute("aria-modal")).toBe("true");
    expect(screen.getByTestId("call-status").textContent).toBe("Calling…");
    expect(screen.queryByTestId("call-timer")).toBeNull();
    // Audio only: the avatar, with a still speaking indicator; no video.
    expect(screen.getByTestId("speaking-indicator").getAttribute("aria-hidden")).toBe("true");
    expect(screen.queryByTestId("remote-video")).toBeNull();
    // Focus on the first control; the chat behind is inert.
    expect(document.activeElement).toBe(screen.getByTestId("mute"));
    expect(document.querySelector<HTMLElement>(".columns")?.inert).toBe(true);

    fake.callAnswered(Date.now() - 65_000);
    await settle();
    expect(v.dataset.phase).toBe("active");
    expect(screen.getByTestId("call-status").textContent).toBe("In call");
    const timer = screen.getByRole("timer", { name: "Call length" });
    expect(timer.dataset.testid).toBe("call-timer");
    expect(timer.textContent).toMatch(/^1:0[56]$/);

    const hangUp = screen.getByRole("button", { name: "Hang up" });
    expect(hangUp.dataset.testid).toBe("hang-up");
    expect(hangUp.title).toBe("Hang up (Ctrl+Shift+H)");
    await fireEvent.click(hangUp);
    await settle();
    expect(fake.callsOf("hangUp")).toEqual([[]]);
    expect(screen.getByTestId("call-ended").textContent).toBe("Call ended");
    expect((screen.getByTestId("hang-up") as HTMLButtonElement).disabled).toBe(true);
  });

  it("reads hours once the call is that long", async () => {
    const { fake } = await inApp();
    await placeCall();
    fake.callAnswered(Date.now() - (3600 + 2 * 60 + 3) * 1000);
    await settle();
    expect(screen.getByTestId("call-timer").textContent).toMatch(/^1:02:0[34]$/);
  });

  it("mutes and hangs up by the keyboard shortcuts, named in the buttons' tooltips", async () => {
    const { fake } = await inApp();
    await placeCall(true);
    fake.callAnswered();
    await settle();
    const mute = screen.getByTestId("mute");
    expect(mute.getAttribute("aria-label")).toBe("Mute");
    expect(mute.title).toBe("Mute (Ctrl+Shift+M)");
    expect(mute.getAttribute("aria-keyshortcuts")).toBe("Control+Shift+M");

    await fireEvent.keyDown(document.body, { key: "M", ctrlKey: true, shiftKey: true });
    await settle();
    expect(fake.callsOf("setCallControls")).toEqual([[true, false]]);
    expect(mute.getAttribute("aria-label")).toBe("Unmute");
    expect(mute.title).toBe("Unmute (Ctrl+Shift+M)");
    await fireEvent.click(mute);
    await settle();
    expect(fake.callsOf("setCallControls").at(-1)).toEqual([false, false]);

    // The camera, in a video call.
    await fireEvent.click(screen.getByRole("button", { name: "Turn camera off" }));
    await settle();
    expect(fake.callsOf("setCallControls").at(-1)).toEqual([false, true]);
    expect(screen.getByRole("button", { name: "Turn camera on" })).toBeTruthy();
    expect(screen.getByTestId("self-view").textContent).toContain("Camera off");

    // Without Ctrl and Shift both, M is just a letter.
    await fireEvent.keyDown(document.body, { key: "m", ctrlKey: true });
    await settle();
    expect(fake.callsOf("setCallControls")).toHaveLength(3);

    await fireEvent.keyDown(document.body, { key: "H", ctrlKey: true, shiftKey: true });
    await settle();
    expect(fake.callsOf("hangUp")).toEqual([[]]);
    expect(screen.getByTestId("call-ended").textContent).toBe("Call ended");
  });

  it("keeps Tab among its controls", async () => {
    await inApp();
    await placeCall(true);
    const v = screen.getByTestId("call-view");
    const mute = screen.getByTestId("mute");
    const hangUp = screen.getByTestId("hang-up");
    hangUp.focus();
    expect(await fireEvent.keyDown(v, { key: "Tab" })).toBe(false);
    expect(document.activeElement).toBe(mute);
    expect(await fireEvent.keyDown(v, { key: "Tab", shiftKey: true })).toBe(false);
    expect(document.activeElement).toBe(hangUp);
  });

  it("marks the connection's quality, with the figures in its tooltip", async () => {
    const { fake } = await inApp();
    await placeCall();
    fake.callAnswered();
    await settle();
    const mark = screen.getByTestId("call-quality");
    expect(mark.dataset.quality).toBe("unknown");
    expect(mark.title).toBe("Connection not measured yet");

    fake.callQuality(42, 0.5);
    await settle();
    expect(mark.dataset.quality).toBe("good");
    expect(mark.title).toBe("Good connection — Round trip 42 ms, loss 0.5%");
    expect(mark.getAttribute("role")).toBe("img");
    expect(mark.getAttribute("aria-label")).toBe("Good connection: Round trip 42 ms, loss 0.5%");

    fake.callQuality(220, 0.5);
    await settle();
    expect(mark.dataset.quality).toBe("fair");
    fake.callQuality(80, 12);
    await settle();
    expect(mark.dataset.quality).toBe("poor");
    expect(mark.title).toBe("Poor connection — Round trip 80 ms, loss 12%");
  });
});

/** In French: a call from bob, answered, talking. */
async function answeredInFrench(): Promise<FakeBackend> {
  const { fake } = await inApp();
  fake.ringFrom("bob");
  await settle();
  await fireEvent.click(screen.getByRole("button", { name: "Décrocher" }));
  fake.callPhase("active");
  await settle();
  return fake;
}

describe("the call view's devices menu", () => {
  type Devices = { microphone?: string | null; speaker?: string | null; camera?: string | null };

  /** A call with bob, talking, placed through the devices dialog (which lists the devices), with
   * these devices saved in this device's settings before. */
  async function talking(device: Devices = {}): Promise<FakeBackend> {
    const { fake } = await inApp();
    await fake.setSettings({
      privacy: false,
      device: { notifications: true, auto_away_minutes: 10, theme: "system", microphone: null, speaker: null, camera: null, ...device },
    });
    await app.loadSettings();
    await placeCall();
    fake.callAnswered();
    await settle();
    return fake;
  }

  const devicesButton = () => screen.getByRole("button", { name: "Devices" });
  const menu = () => screen.queryByRole("menu", { name: "Devices" });
  const group = (name: string) => within(menu()!).getByRole("group", { name });
  const itemTexts = (name: string) => within(group(name)).getAllByRole("menuitemradio").map((i) => i.textContent?.trim());
  const checked = (name: string) =>
    within(group(name))
      .getAllByRole("menuitemradio")
      .filter((i) => i.getAttribute("aria-checked") === "true")
      .map((i) => i.textContent?.trim());

  it("is a menu button among the controls listing the microphones and speakers, those in use checked", async () => {
    await talking({ speaker: "pulse:usb-headset-sink", camera: "synthetic:pattern" });
    const button = devicesButton();
    expect(button.dataset.testid).toBe("call-devices");
    expect(button.closest(".controls")).not.toBeNull();
    expect(button.getAttribute("aria-haspopup")).toBe("menu");
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect(menu()).toBeNull();

    await fireEvent.click(button);
    await settle();
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(button.getAttribute("aria-controls")).toBe(menu()?.id);
    expect(itemTexts("Microphone")).toEqual(["System default", "Built-in Audio Analog Stereo", "USB Headset Mono", "Test tone (test)"]);
    expect(itemTexts("Speaker")).toEqual(["System default", "Built-in Audio Analog Stereo", "USB Headset Stereo", "Silence (test)"]);
    // Cameras are not in it (the camera stays as chosen).
    expect(within(menu()!).queryByRole("group", { name: "Camera" })).toBeNull();
    expect(checked("Microphone")).toEqual(["System default"]);
    expect(checked("Speaker")).toEqual(["USB Headset Stereo"]);
    // The focus on the microphone in use.
    expect(document.activeElement).toBe(within(group("Microphone")).getByRole("menuitemradio", { name: "System default" }));
  });

  it("switches the call to the microphone picked, the speaker and camera staying as chosen", async () => {
    const fake = await talking({ speaker: "pulse:usb-headset-sink", camera: "synthetic:pattern" });
    await fireEvent.click(devicesButton());
    await settle();
    await fireEvent.click(within(group("Microphone")).getByRole("menuitemradio", { name: "USB Headset Mono" }));
    await settle();
    expect(fake.callsOf("useCallDevices")).toEqual([["pulse:usb-headset-source", "pulse:usb-headset-sink", "synthetic:pattern"]]);
    // Closed, back on its button; the call goes on; the choice is this device's settings now.
    expect(menu()).toBeNull();
    expect(document.activeElement).toBe(devicesButton());
    expect(view()?.dataset.phase).toBe("active");
    expect(app.settings?.device).toMatchObject({ microphone: "pulse:usb-headset-source", speaker: "pulse:usb-headset-sink", camera: "synthetic:pattern" });
    expect((await fake.settings()).device.microphone).toBe("pulse:usb-headset-source");

    // Again, by the keyboard: the speaker back to the default, the new microphone kept.
    await fireEvent.keyDown(devicesButton(), { key: "ArrowDown" });
    await settle();
    expect(checked("Microphone")).toEqual(["USB Headset Mono"]);
    expect(document.activeElement?.textContent?.trim()).toBe("USB Headset Mono");
    await fireEvent.keyDown(menu()!, { key: "ArrowDown" });
    expect(document.activeElement?.textContent?.trim()).toBe("Test tone (test)");
    await fireEvent.keyDown(menu()!, { key: "ArrowDown" });
    expect(document.activeElement).toBe(within(group("Speaker")).getByRole("menuitemradio", { name: "System default" }));
    await fireEvent.keyDown(menu()!, { key: "End" });
    expect(document.activeElement?.textContent?.trim()).toBe("Silence (test)");
    await fireEvent.keyDown(menu()!, { key: "ArrowDown" });
    expect(document.activeElement?.textContent?.trim()).toBe("System default");
    await fireEvent.keyDown(menu()!, { key: "Home" });
    await fireEvent.keyDown(menu()!, { key: "ArrowUp" });
    expect(document.activeElement?.textContent?.trim()).toBe("Silence (test)");
    await fireEvent.keyDown(menu()!, { key: "ArrowUp" });
    await fireEvent.keyDown(menu()!, { key: "ArrowUp" });
    await fireEvent.keyDown(menu()!, { key: "ArrowUp" });
    expect(document.activeElement).toBe(within(group("Speaker")).getByRole("menuitemradio", { name: "System default" }));
    await fireEvent.click(document.activeElement!);
    await settle();
    expect(fake.callsOf("useCallDevices").at(-1)).toEqual(["pulse:usb-headset-source", null, "synthetic:pattern"]);
    expect(menu()).toBeNull();

    // The one in use again: nothing to switch.
    await fireEvent.click(devicesButton());
    await settle();
    expect(checked("Speaker")).toEqual(["System default"]);
    await fireEvent.click(within(group("Microphone")).getByRole("menuitemradio", { name: "USB Headset Mono" }));
    await settle();
    expect(fake.callsOf("useCallDevices")).toHaveLength(2);
  });

  it("Escape closes it, back on its button, switching nothing; so do a click elsewhere and the button", async () => {
    const fake = await talking();
    await fireEvent.click(devicesButton());
    await settle();
    await fireEvent.keyDown(menu()!, { key: "ArrowDown" });
    await fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    await settle();
    expect(menu()).toBeNull();
    expect(devicesButton().getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(devicesButton());
    // The call view stays, and so does the call.
    expect(view()?.dataset.phase).toBe("active");

    await fireEvent.click(devicesButton());
    await settle();
    await fireEvent.pointerDown(screen.getByTestId("call-timer"));
    await settle();
    expect(menu()).toBeNull();

    await fireEvent.click(devicesButton());
    await settle();
    await fireEvent.click(devicesButton());
    await settle();
    expect(menu()).toBeNull();
    expect(fake.callsOf("useCallDevices")).toEqual([]);
  });

  it("lists the devices in a call answered without the devices dialog, and follows those plugged in", async () => {
    const { fake } = await inApp();
    fake.ringFrom("bob");
    await settle();
    await fireEvent.click(screen.getByRole("button", { name: "Accept" }));
    fake.callPhase("active");
    await settle();
    expect(calls.devices).toBeNull();
    await fireEvent.click(devicesButton());
    await settle();
    expect(fake.callsOf("devices")).toEqual([[]]);
    expect(itemTexts("Microphone")).toContain("USB Headset Mono");
    fake.plugIn({ id: "pulse:yeti-source", name: "Yeti Stereo Microphone", kind: "microphone", synthetic: false });
    await settle();
    expect(itemTexts("Microphone").at(-1)).toBe("Yeti Stereo Microphone");
    await fireEvent.click(within(group("Microphone")).getByRole("menuitemradio", { name: "Yeti Stereo Microphone" }));
    await settle();
    expect(fake.callsOf("useCallDevices")).toEqual([["pulse:yeti-source", null, null]]);
  });

  it("says when the devices could not be switched", async () => {
    const fake = await talking();
    vi.spyOn(fake, "useCallDevices").mockRejectedValue({ code: "internal", message: "No sound system." });
    await fireEvent.click(devicesButton());
    await settle();
    await fireEvent.click(within(group("Speaker")).getByRole("menuitemradio", { name: "USB Headset Stereo" }));
    await settle();
    expect(screen.getByRole("alert").textContent).toContain("Could not switch the devices: No sound system.");
    expect(app.settings?.device.speaker).toBeNull();
  });

  it("is disabled once the call ended", async () => {
    const fake = await talking();
    await fireEvent.click(devicesButton());
    await settle();
    fake.callEnds("hung_up");
    await settle();
    expect((screen.getByTestId("call-devices") as HTMLButtonElement).disabled).toBe(true);
    expect(menu()).toBeNull();
  });

  it("is worded in French", async () => {
    setLocale("fr");
    await answeredInFrench();
    await fireEvent.click(screen.getByRole("button", { name: "Périphériques" }));
    await settle();
    const m = screen.getByRole("menu", { name: "Périphériques" });
    expect(within(m).getByRole("group", { name: "Micro" })).toBeTruthy();
    expect(within(m).getByRole("group", { name: "Haut-parleur" })).toBeTruthy();
    expect(within(m).getAllByRole("menuitemradio", { name: "Celui du système" })).toHaveLength(2);
  });
});

describe("the notice of a device unplugged during the call", () => {
  async function talking(): Promise<FakeBackend> {
    const { fake } = await inApp();
    await placeCall();
    fake.callAnswered();
    await settle();
    return fake;
  }

  const notice = () => screen.getByTestId("device-notice");
  const dismiss = () => screen.queryByRole("button", { name: "Dismiss" });

  it("says which microphone went and which took its place, politely", async () => {
    const fake = await talking();
    // There from the start, empty: a live region.
    expect(notice().getAttribute("role")).toBe("status");
    expect(notice().textContent).toBe("");
    expect(dismiss()).toBeNull();
    fake.deviceChanged("microphone", "USB Headset Mono", "Built-in Audio Analog Stereo");
    await settle();
    expect(notice().textContent).toBe("Your microphone “USB Headset Mono” was disconnected. Using “Built-in Audio Analog Stereo”.");
    expect(view()?.contains(notice())).toBe(true);
    expect(view()?.dataset.phase).toBe("active");
  });

  it("says when no other microphone is left", async () => {
    const fake = await talking();
    fake.deviceChanged("microphone", "USB Headset Mono", null);
    await settle();
    expect(notice().textContent).toBe("Your microphone “USB Headset Mono” was disconnected. No other microphone is available.");
  });

  it("is dismissed, stays so through the call's other news, and a new change replaces it", async () => {
    const fake = await talking();
    fake.deviceChanged("microphone", "USB Headset Mono", "Built-in Audio Analog Stereo");
    await settle();
    await fireEvent.click(dismiss()!);
    await settle();
    expect(notice().textContent).toBe("");
    expect(dismiss()).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("mute"));
    // The same change comes again with every news of the call: still dismissed.
    fake.callQuality(40, 0.2);
    await settle();
    expect(notice().textContent).toBe("");

    fake.deviceChanged("speaker", "USB Headset Stereo", "Built-in Audio Analog Stereo");
    await settle();
    expect(notice().textContent).toBe("Your speaker “USB Headset Stereo” was disconnected. Using “Built-in Audio Analog Stereo”.");
    // Replaced by a newer one without being dismissed.
    fake.deviceChanged("camera", "HD Webcam", null);
    await settle();
    expect(notice().textContent).toBe("Your camera “HD Webcam” was disconnected. No other camera is available.");
    expect(screen.getAllByRole("button", { name: "Dismiss" })).toHaveLength(1);
  });

  it("goes when the call ends", async () => {
    const fake = await talking();
    fake.deviceChanged("microphone", "USB Headset Mono", null);
    await settle();
    fake.callEnds("hung_up");
    await settle();
    expect(notice().textContent).toBe("");
  });

  it("is worded in French, with and without a replacement", async () => {
    setLocale("fr");
    const fake = await answeredInFrench();
    fake.deviceChanged("microphone", "USB Headset Mono", "Built-in Audio Analog Stereo");
    await settle();
    expect(notice().textContent).toBe("Votre micro « USB Headset Mono » a été débranché. Utilisation de « Built-in Audio Analog Stereo ».");
    expect(screen.getByRole("button", { name: "Fermer" })).toBeTruthy();
    fake.deviceChanged("microphone", "Built-in Audio Analog Stereo", null);
    await settle();
    expect(notice().textContent).toBe("Votre micro « Built-in Audio Analog Stereo » a été débranché. Aucun autre micro n'est disponible.");
  });

  it("has words for every kind, in both languages", () => {
    const cases = [
      ["speaker", "A", "B", "Your speaker “A” was disconnected. Using “B”.", "Votre haut-parleur « A » a été débranché. Utilisation de « B »."],
      ["speaker", "A", null, "Your speaker “A” was disconnected. No other speaker is available.", "Votre haut-parleur « A » a été débranché. Aucun autre haut-parleur n'est disponible."],
      ["camera", "A", "B", "Your camera “A” was disconnected. Using “B”.", "Votre caméra « A » a été débranchée. Utilisation de « B »."],
      ["camera", "A", null, "Your camera “A” was disconnected. No other camera is available.", "Votre caméra « A » a été débranchée. Aucune autre caméra n'est disponible."],
    ] as const;
    for (const [kind, lost, now, en, fr] of cases) {
      setLocale("en");
      expect(deviceChangeText({ kind, lost, now })).toBe(en);
      setLocale("fr");
      expect(deviceChangeText({ kind, lost, now })).toBe(fr);
    }
    expect(deviceChangeText({ kind: "toaster", lost: "A", now: null })).toBeNull();
  });
});

describe("the end of a call", () => {
  it.each([
    ["declined", null, "Call declined"],
    ["no_answer", null, "No answer"],
    ["unavailable", null, "Not reachable"],
    ["hung_up", null, "Call ended"],
    ["disconnected", null, "Call disconnected"],
    ["disconnected", "ICE failed", "The call could not connect"],
  ] as const)("says why (%s, error %s): %s", async (reason, error, text) => {
    const { fake } = await inApp();
    await placeCall();
    fake.callEnds(reason, error);
    await settle();
    expect(screen.getByTestId("call-view").dataset.phase).toBe("ended");
    expect(screen.getByTestId("call-ended").textContent).toBe(text);
    expect(screen.getByTestId("call-status").textContent).toBe(text);
    expect(screen.getByTestId("call-status").getAttribute("role")).toBe("status");
  });

  it("shows the reason for a moment, then gives the chat back with the call's line in it", async () => {
    const { fake } = await inApp();
    await placeCall();
    fake.callAnswered(Date.now() - 5000);
    await settle();
    fake.callEnds("hung_up");
    await settle();
    expect(screen.getByTestId("call-ended").textContent).toBe("Call ended");
    await wait(ENDED_MS / 2);
    expect(view()).not.toBeNull();
    await wait(ENDED_MS / 2 + 200);
    await settle();
    expect(view()).toBeNull();
    expect(document.querySelector<HTMLElement>(".columns")?.inert).toBe(false);
    expect((screen.getByTestId("call-button") as HTMLButtonElement).disabled).toBe(false);
    // Back in the chat, on the button that placed the call (the devices dialog gave it the focus
    // back before the call view took it), and the call left its line.
    expect(document.activeElement).toBe(screen.getByTestId("call-button"));
    expect(screen.getAllByTestId("system-line").at(-1)?.dataset.outcome).toBe("completed");
  });
});

describe("the call's pictures", () => {
  it("come through a fresh frame socket in a video call, drawn per stream, until the call ends", async () => {
    const { fake } = await inApp();
    await placeCall(true);
    // The first was the devices dialog's (its camera preview), closed with it.
    expect(fake.callsOf("frameSocket")).toEqual([[], []]);
    expect(FakeSocket.opened).toHaveLength(2);
    expect(FakeSocket.opened[0].closed).toBe(true);
    const socket = FakeSocket.opened[1];
    expect(socket.url).toBe("ws://127.0.0.1:7399/frames?token=fake2");
    expect(socket.binaryType).toBe("arraybuffer");

    const remote = screen.getByTestId("remote-video") as HTMLCanvasElement;
    expect(screen.getByRole("img", { name: "bob's video" })).toBeTruthy();
    expect(remote.classList.contains("live")).toBe(false);
    // Until a picture comes, the avatar stands in.
    expect(screen.getByTestId("call-view").querySelector(".standin")).not.toBeNull();

    socket.push(wireFrame(0, 64, 48, 1));
    socket.push(wireFrame(0, 64, 48, 2));
    socket.push(wireFrame(1, 32, 24, 7));
    await wait(50);
    await settle();
    // The newest of each stream, at its size.
    expect(remote.dataset.sequence).toBe("2");
    expect([remote.width, remote.height]).toEqual([64, 48]);
    expect(remote.classList.contains("live")).toBe(true);
    expect(screen.getByTestId("call-view").querySelector(".standin")).toBeNull();
    const self = screen.getByTestId("self-video") as HTMLCanvasElement;
    expect(self.dataset.sequence).toBe("7");
    expect([self.width, self.height]).toEqual([32, 24]);

    fake.callEnds("hung_up");
    await settle();
    expect(socket.closed).toBe(true);
  });

  it("are not asked for in an audio call", async () => {
    const { fake } = await inApp();
    await placeCall();
    // Only the devices dialog's, for its camera preview, closed with it.
    expect(fake.callsOf("frameSocket")).toEqual([[]]);
    expect(FakeSocket.opened.map((s) => s.closed)).toEqual([true]);
    fake.callAnswered();
    await settle();
    expect(fake.callsOf("frameSocket")).toEqual([[]]);
    expect(FakeSocket.opened).toHaveLength(1);
  });

  it("come through a new socket for every call", async () => {
    const { fake } = await inApp();
    await placeCall(true);
    await fireEvent.click(screen.getByTestId("hang-up"));
    await settle();
    await wait(ENDED_MS + 100);
    await settle();
    fake.ringFrom("bob", true);
    await settle();
    await fireEvent.click(screen.getByRole("button", { name: "Accept with video" }));
    await settle();
    // The devices dialog's before the first call, the first call's, the second's.
    expect(FakeSocket.opened.map((s) => s.url)).toEqual([
      "ws://127.0.0.1:7399/frames?token=fake1",
      "ws://127.0.0.1:7399/frames?token=fake2",
      "ws://127.0.0.1:7399/frames?token=fake3",
    ]);
    expect(FakeSocket.opened.map((s) => s.closed)).toEqual([true, true, false]);
  });
});

describe("a window opened during a call", () => {
  it("shows the call going on", async () => {
    let bob = 0;
    await signedIn((f) => {
      bob = f.seed("bob", 1);
      void f.signIn("ws://127.0.0.1:7300", "alice", "secret").then(() => f.placeCall(bob, false));
    });
    render(App);
    await settle();
    expect(screen.getByTestId("call-view").dataset.phase).toBe("calling");
  });
});

describe("the quality of a call", () => {
  it("is good, fair or poor from the round trip and the loss", () => {
    expect(callQuality(null, null)).toBeNull();
    expect(callQuality(20, 0)).toBe("good");
    expect(callQuality(150, 1)).toBe("good");
    expect(callQuality(151, 0)).toBe("fair");
    expect(callQuality(40, 3)).toBe("fair");
    expect(callQuality(301, 0)).toBe("poor");
    expect(callQuality(40, 6)).toBe("poor");
    expect(callQuality(null, 0.2)).toBe("good");
  });
});

describe("calls in French", () => {
  it("are worded in French", async () => {
    setLocale("fr");
    const { fake } = await inApp();
    expect(screen.getByRole("button", { name: "Appeler bob" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Appel vidéo avec bob" })).toBeTruthy();
    fake.ringFrom("carol", true);
    await settle();
    const dialog = screen.getByRole("alertdialog", { name: "Appel entrant" });
    expect(dialog.textContent).toContain("carol vous appelle en vidéo");
    expect(within(dialog).getByRole("button", { name: "Décrocher avec la vidéo" })).toBeTruthy();
    await fireEvent.click(within(dialog).getByRole("button", { name: "Décrocher" }));
    await settle();
    fake.callPhase("active", Date.now() - 3000);
    await settle();
    expect(screen.getByTestId("mute").title).toBe("Couper le micro (Ctrl+Maj+M)");
    expect(screen.getByTestId("hang-up").title).toBe("Raccrocher (Ctrl+Maj+H)");
    expect(screen.getByTestId("call-status").textContent).toBe("En communication");
    fake.callQuality(42, 0.5);
    await settle();
    expect(screen.getByTestId("call-quality").title).toBe("Bonne connexion — Aller-retour 42 ms, pertes 0,5 %");
    fake.callEnds("hung_up");
    await settle();
    expect(screen.getByTestId("call-ended").textContent).toBe("Appel terminé");
  });
});
