import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import { FakeSocket, wireFrame } from "../../../tests/frames";
import { settle, signedIn } from "../../../tests/helpers";
import SettingsDialog from "../settings/SettingsDialog.svelte";
import { calls } from "./calls.svelte";
import DeviceDialog from "./DeviceDialog.svelte";
import type { DeviceEntry } from "../../lib/bindings";

beforeEach(() => {
  FakeSocket.opened = [];
  vi.stubGlobal("WebSocket", FakeSocket);
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(() => null);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  setLocale("en");
  calls.reset();
});

/** Settings open, then its devices dialog. */
async function openDevices() {
  const fake = await signedIn();
  const onclose = vi.fn();
  render(SettingsDialog, { onclose });
  await fireEvent.click(screen.getByRole("button", { name: "Audio and video devices…" }));
  await settle();
  const dialog = screen.getByRole("dialog", { name: "Audio and video devices" });
  return { fake, onclose, dialog };
}

const select = (name: string) => screen.getByLabelText(name) as HTMLSelectElement;
const optionTexts = (s: HTMLSelectElement) => [...s.options].map((o) => o.textContent);

describe("the devices dialog", () => {
  it("is reached from Settings and lists the machine's microphones, speakers and cameras", async () => {
    const { fake, dialog } = await openDevices();
    expect(fake.callsOf("devices")).toEqual([[]]);
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(optionTexts(select("Microphone"))).toEqual([
      "System default",
      "Built-in Audio Analog Stereo",
      "USB Headset Mono",
      "Test tone (test)",
    ]);
    expect(optionTexts(select("Speaker"))).toEqual(["System default", "Built-in Audio Analog Stereo", "USB Headset Stereo", "Silence (test)"]);
    expect(optionTexts(select("Camera"))).toEqual(["First camera found", "Test pattern (test)"]);
    // Nothing chosen yet: the defaults.
    expect([select("Microphone").value, select("Speaker").value, select("Camera").value]).toEqual(["", "", ""]);
  });

  it("saves the choice in this device's settings, keeping the rest", async () => {
    const { fake, dialog } = await openDevices();
    await fireEvent.change(select("Microphone"), { target: { value: "pulse:usb-headset-source" } });
    await fireEvent.change(select("Camera"), { target: { value: "synthetic:pattern" } });
    await fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await settle();
    const saved = {
      privacy: false,
      device: {
        notifications: true,
        auto_away_minutes: 10,
        theme: "system",
        microphone: "pulse:usb-headset-source",
        speaker: null,
        camera: "synthetic:pattern",
      },
    };
    expect(fake.callsOf("setSettings")).toEqual([[saved]]);
    expect(app.settings).toEqual(saved);
    // Back in Settings, whose own Save keeps the devices.
    expect(screen.queryByRole("dialog", { name: "Audio and video devices" })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Audio and video devices…" }));
    await fireEvent.click(screen.getByLabelText("Notifications"));
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await settle();
    expect(fake.callsOf("setSettings").at(-1)).toEqual([{ ...saved, device: { ...saved.device, notifications: false } }]);
  });

  it("shows the saved choice, and one the machine does not list any more", async () => {
    const fake = await signedIn();
    await fake.setSettings({
      privacy: false,
      device: { notifications: true, auto_away_minutes: 10, theme: "system", microphone: "pulse:gone", speaker: "pulse:usb-headset-sink", camera: null },
    });
    await app.loadSettings();
    render(SettingsDialog, { onclose: vi.fn() });
    await fireEvent.click(screen.getByRole("button", { name: "Audio and video devices…" }));
    await settle();
    expect(select("Speaker").value).toBe("pulse:usb-headset-sink");
    expect(select("Microphone").value).toBe("pulse:gone");
    expect(optionTexts(select("Microphone")).at(-1)).toBe("pulse:gone (not connected)");
  });

  it("Cancel and Escape close it without saving", async () => {
    const { fake, onclose, dialog } = await openDevices();
    await fireEvent.change(select("Microphone"), { target: { value: "synthetic:tone" } });
    await fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    await settle();
    expect(screen.queryByRole("dialog", { name: "Audio and video devices" })).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Audio and video devices…" }));
    await settle();
    await fireEvent.keyDown(screen.getByRole("dialog", { name: "Audio and video devices" }), { key: "Escape" });
    await settle();
    expect(screen.queryByRole("dialog", { name: "Audio and video devices" })).toBeNull();
    // Settings stays open under it.
    expect(onclose).not.toHaveBeenCalled();
    expect(fake.callsOf("setSettings")).toEqual([]);
  });

  it("previews the camera through its own frame socket, closed with the dialog", async () => {
    const { fake, dialog } = await openDevices();
    expect(fake.callsOf("frameSocket")).toEqual([[]]);
    expect(FakeSocket.opened).toHaveLength(1);
    const preview = within(dialog).getByTestId("camera-preview");
    expect(preview.textContent).toContain("No picture from the camera yet.");
    expect(within(preview).getByRole("img", { name: "Camera preview" })).toBeTruthy();
    // The other side's stream is not this dialog's.
    FakeSocket.opened[0].push(wireFrame(0, 16, 16, 1));
    await new Promise((r) => setTimeout(r, 50));
    await settle();
    expect(preview.textContent).toContain("No picture from the camera yet.");
    FakeSocket.opened[0].push(wireFrame(1, 16, 12, 3));
    await new Promise((r) => setTimeout(r, 50));
    await settle();
    expect(preview.textContent).not.toContain("No picture");
    const canvas = within(preview).getByTestId("preview-video") as HTMLCanvasElement;
    expect([canvas.width, canvas.height, canvas.dataset.sequence]).toEqual([16, 12, "3"]);

    await fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    await settle();
    expect(FakeSocket.opened[0].closed).toBe(true);
  });

  it("shows the microphone's peak level on a meter from -60 to 0 dB", async () => {
    const { fake } = await openDevices();
    const meter = screen.getByRole("meter", { name: "Microphone level" });
    expect(meter).toBe(screen.getByTestId("mic-meter"));
    expect([meter.getAttribute("aria-valuemin"), meter.getAttribute("aria-valuemax")]).toEqual(["-60", "0"]);
    const bar = () => (meter.firstElementChild as HTMLElement).style.width;
    // Silence until a reading comes.
    expect([meter.getAttribute("aria-valuenow"), meter.dataset.level, bar()]).toEqual(["-60", "-90", "0%"]);

    fake.pushLevel({ peak_db: -14.6, rms_db: -30 });
    await settle();
    expect([meter.getAttribute("aria-valuenow"), meter.dataset.level, bar()]).toEqual(["-15", "-15", "75%"]);
    expect(meter.getAttribute("aria-valuetext")).toBe("-15 decibels");
    fake.pushLevel({ peak_db: -30.2, rms_db: -40 });
    await settle();
    expect([meter.getAttribute("aria-valuenow"), meter.dataset.level, bar()]).toEqual(["-30", "-30", "50%"]);
    fake.pushLevel({ peak_db: 0, rms_db: -3 });
    await settle();
    expect([meter.getAttribute("aria-valuenow"), bar()]).toEqual(["0", "100%"]);
    // Below the meter's floor: empty, its value kept in words and data-level.
    fake.pushLevel({ peak_db: -90, rms_db: -90 });
    await settle();
    expect([meter.getAttribute("aria-valuenow"), meter.dataset.level, bar()]).toEqual(["-60", "-90", "0%"]);
    expect(meter.getAttribute("aria-valuetext")).toBe("-90 decibels");
  });

  it("tests the chosen microphone and the camera while open, and stops on closing", async () => {
    const fake = await signedIn();
    await fake.setSettings({
      privacy: false,
      device: { notifications: true, auto_away_minutes: 10, theme: "system", microphone: "pulse:usb-headset-source", speaker: null, camera: null },
    });
    await app.loadSettings();
    render(SettingsDialog, { onclose: vi.fn() });
    await fireEvent.click(screen.getByRole("button", { name: "Audio and video devices…" }));
    await settle();
    expect(fake.callsOf("startDeviceTest")).toEqual([["pulse:usb-headset-source", true]]);
    expect(fake.callsOf("stopDeviceTest")).toEqual([]);
    expect(fake.deviceTestRunning).toBe(true);

    await fireEvent.click(within(screen.getByRole("dialog", { name: "Audio and video devices" })).getByRole("button", { name: "Cancel" }));
    await settle();
    expect(fake.callsOf("stopDeviceTest")).toEqual([[]]);
    expect(fake.deviceTestRunning).toBe(false);
    expect(fake.callsOf("startDeviceTest")).toHaveLength(1);
  });

  it("starts the default microphone's test, and restarts it on a microphone change", async () => {
    const { fake, dialog } = await openDevices();
    expect(fake.callsOf("startDeviceTest")).toEqual([[null, true]]);
    fake.pushLevel({ peak_db: -6, rms_db: -12 });
    await settle();
    expect(screen.getByTestId("mic-meter").dataset.level).toBe("-6");

    await fireEvent.change(select("Microphone"), { target: { value: "synthetic:tone" } });
    await settle();
    const order = fake.calls.map((c) => c.method).filter((m) => m === "startDeviceTest" || m === "stopDeviceTest");
    expect(order).toEqual(["startDeviceTest", "stopDeviceTest", "startDeviceTest"]);
    expect(fake.callsOf("startDeviceTest").at(-1)).toEqual(["synthetic:tone", true]);
    // The new microphone's meter starts from silence.
    const meter = screen.getByTestId("mic-meter");
    expect(meter.dataset.level).toBe("-90");
    fake.pushLevel({ peak_db: -20, rms_db: -26 });
    await settle();
    expect(meter.getAttribute("aria-valuenow")).toBe("-20");

    // Back to the default: null.
    await fireEvent.change(select("Microphone"), { target: { value: "" } });
    await settle();
    expect(fake.callsOf("startDeviceTest").at(-1)).toEqual([null, true]);
    await fireEvent.keyDown(dialog, { key: "Escape" });
    await settle();
    expect(fake.deviceTestRunning).toBe(false);
  });

  it("plays a test sound on the chosen speaker", async () => {
    const { fake, dialog } = await openDevices();
    const button = within(dialog).getByRole("button", { name: "Play test sound" });
    await fireEvent.click(button);
    await settle();
    expect(fake.callsOf("testTone")).toEqual([[null]]);
    await fireEvent.change(select("Speaker"), { target: { value: "pulse:usb-headset-sink" } });
    await fireEvent.click(button);
    await settle();
    expect(fake.callsOf("testTone")).toEqual([[null], ["pulse:usb-headset-sink"]]);
    expect(within(dialog).queryByRole("alert")).toBeNull();
    // Choosing a speaker does not restart the microphone's test.
    expect(fake.callsOf("startDeviceTest")).toHaveLength(1);
  });

  it("says why the test sound could not play", async () => {
    const { fake, dialog } = await openDevices();
    fake.toneError = { code: "internal", message: "No sound system." };
    await fireEvent.click(within(dialog).getByRole("button", { name: "Play test sound" }));
    await settle();
    expect(within(dialog).getByRole("alert").textContent).toBe("Could not play the test sound: No sound system.");
    // A later try that plays clears it.
    fake.toneError = null;
    await fireEvent.click(within(dialog).getByRole("button", { name: "Play test sound" }));
    await settle();
    expect(within(dialog).queryByRole("alert")).toBeNull();
  });

  it("says when the device test cannot start", async () => {
    const fake = await signedIn();
    vi.spyOn(fake, "startDeviceTest").mockRejectedValue({ code: "internal", message: "No sound system." });
    render(SettingsDialog, { onclose: vi.fn() });
    await fireEvent.click(screen.getByRole("button", { name: "Audio and video devices…" }));
    await settle();
    expect(screen.getByRole("alert").textContent).toBe("Could not test the devices: No sound system.");
  });

  it("says when the devices cannot be listed", async () => {
    const fake = await signedIn();
    vi.spyOn(fake, "devices").mockRejectedValue({ code: "internal", message: "No sound system." });
    render(SettingsDialog, { onclose: vi.fn() });
    await fireEvent.click(screen.getByRole("button", { name: "Audio and video devices…" }));
    await settle();
    expect(screen.getByRole("alert").textContent).toBe("Could not list the devices: No sound system.");
    expect(optionTexts(select("Microphone"))).toEqual(["System default"]);
  });

  it("is worded in French", async () => {
    setLocale("fr");
    await signedIn();
    render(SettingsDialog, { onclose: vi.fn() });
    await fireEvent.click(screen.getByRole("button", { name: "Périphériques audio et vidéo…" }));
    await settle();
    expect(screen.getByRole("dialog", { name: "Périphériques audio et vidéo" })).toBeTruthy();
    expect(optionTexts(select("Micro"))[0]).toBe("Celui du système");
    expect(optionTexts(select("Caméra"))[0]).toBe("La première caméra trouvée");
    expect(within(screen.getByRole("dialog", { name: "Périphériques audio et vidéo" })).getByRole("button", { name: "Enregistrer" })).toBeTruthy();
    expect(screen.getByRole("meter", { name: "Niveau du micro" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Jouer un son d'essai" })).toBeTruthy();
  });
});

describe("the device lists, live", () => {
  const YETI: DeviceEntry = { id: "pulse:yeti-source", name: "Yeti Stereo Microphone", kind: "microphone", synthetic: false };

  it("are listened to from sign-in to sign-out, in the calls' state", async () => {
    const fake = await signedIn();
    expect(fake.callsOf("onDevices")).toEqual([[]]);
    expect(fake.deviceListeners).toBe(1);
    expect(calls.devices).toBeNull();
    fake.plugIn(YETI);
    await settle();
    expect(calls.devices?.map((d) => d.id)).toContain("pulse:yeti-source");
    app.reset();
    expect(fake.deviceListeners).toBe(0);
    expect(calls.devices).toBeNull();
  });

  it("show a microphone plugged in while the dialog is open, without reopening it", async () => {
    const { fake, dialog } = await openDevices();
    fake.plugIn(YETI);
    await settle();
    expect(optionTexts(select("Microphone"))).toEqual([
      "System default",
      "Built-in Audio Analog Stereo",
      "USB Headset Mono",
      "Test tone (test)",
      "Yeti Stereo Microphone",
    ]);
    // And one unplugged goes.
    fake.unplug("pulse:usb-headset-sink");
    await settle();
    expect(optionTexts(select("Speaker"))).toEqual(["System default", "Built-in Audio Analog Stereo", "Silence (test)"]);
    // Listed once, on opening; the rest came as events. It can be chosen and saved.
    expect(fake.callsOf("devices")).toEqual([[]]);
    await fireEvent.change(select("Microphone"), { target: { value: "pulse:yeti-source" } });
    await fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await settle();
    expect((fake.callsOf("setSettings")[0][0] as { device: { microphone: string } }).device.microphone).toBe("pulse:yeti-source");
  });

  it("put the default in place of a chosen device that is unplugged", async () => {
    const { fake, dialog } = await openDevices();
    await fireEvent.change(select("Microphone"), { target: { value: "pulse:usb-headset-source" } });
    await fireEvent.change(select("Speaker"), { target: { value: "pulse:usb-headset-sink" } });
    await settle();
    expect(fake.callsOf("startDeviceTest").at(-1)).toEqual(["pulse:usb-headset-source", true]);

    fake.unplug("pulse:usb-headset-source");
    await settle();
    expect(select("Microphone").value).toBe("");
    expect(select("Microphone").selectedOptions[0].textContent).toBe("System default");
    expect(optionTexts(select("Microphone"))).toEqual(["System default", "Built-in Audio Analog Stereo", "Test tone (test)"]);
    // The test goes on with the default microphone; the other choices stay.
    expect(fake.callsOf("startDeviceTest").at(-1)).toEqual([null, true]);
    expect(fake.deviceTestRunning).toBe(true);
    expect(select("Speaker").value).toBe("pulse:usb-headset-sink");

    // Plugged back in: listed again, the default stays chosen.
    fake.plugIn({ id: "pulse:usb-headset-source", name: "USB Headset Mono", kind: "microphone", synthetic: false });
    await settle();
    expect(optionTexts(select("Microphone"))).toContain("USB Headset Mono");
    expect(select("Microphone").value).toBe("");

    await fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await settle();
    expect((fake.callsOf("setSettings")[0][0] as { device: Record<string, unknown> }).device).toMatchObject({
      microphone: null,
      speaker: "pulse:usb-headset-sink",
      camera: null,
    });
  });

  it("keep a newer list from an event over the answer to an older question", async () => {
    const fake = await signedIn();
    const old = structuredClone(fake.deviceList);
    let answer: (list: DeviceEntry[]) => void = () => {};
    vi.spyOn(fake, "devices").mockImplementation(() => new Promise((r) => (answer = r)));
    render(SettingsDialog, { onclose: vi.fn() });
    await fireEvent.click(screen.getByRole("button", { name: "Audio and video devices…" }));
    await settle();
    expect(screen.getByRole("status").textContent).toBe("Loading…");
    fake.plugIn(YETI);
    await settle();
    expect(optionTexts(select("Microphone"))).toContain("Yeti Stereo Microphone");
    answer(old);
    await settle();
    expect(optionTexts(select("Microphone"))).toContain("Yeti Stereo Microphone");
  });
});

describe("the devices dialog before a meeting", () => {
  it("offers the camera with its preview, off unless the box is ticked, and says which", async () => {
    const fake = await signedIn();
    const onplace = vi.fn();
    const { unmount } = render(DeviceDialog, { onclose: vi.fn(), meeting: { ongoing: true }, onplace });
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Join the meeting with sound" });
    expect(optionTexts(select("Camera"))).toEqual(["First camera found", "Test pattern (test)"]);
    expect(within(dialog).getByTestId("camera-preview")).toBeTruthy();
    expect(fake.callsOf("startDeviceTest")).toEqual([[null, true]]);
    const box = within(dialog).getByTestId("meeting-camera-on") as HTMLInputElement;
    expect(box.checked).toBe(false);
    await fireEvent.click(within(dialog).getByTestId("device-dialog-submit"));
    await settle();
    expect(onplace).toHaveBeenLastCalledWith({ camera: false });
    await fireEvent.click(box);
    await fireEvent.click(within(dialog).getByTestId("device-dialog-submit"));
    await settle();
    expect(onplace).toHaveBeenLastCalledWith({ camera: true });
    unmount();
  });

  it("has no such box before a call", async () => {
    await signedIn();
    const onplace = vi.fn();
    render(DeviceDialog, { onclose: vi.fn(), call: { peer: "bob", video: true }, onplace });
    await settle();
    expect(screen.queryByTestId("meeting-camera-on")).toBeNull();
    await fireEvent.click(screen.getByTestId("device-dialog-submit"));
    await settle();
    expect(onplace).toHaveBeenCalledWith({ camera: false });
  });
});
