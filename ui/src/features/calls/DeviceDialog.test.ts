import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import { FakeSocket, wireFrame } from "../../../tests/frames";
import { settle, signedIn } from "../../../tests/helpers";
import SettingsDialog from "../settings/SettingsDialog.svelte";

beforeEach(() => {
  FakeSocket.opened = [];
  vi.stubGlobal("WebSocket", FakeSocket);
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(() => null);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  setLocale("en");
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

  it("has a marked placeholder for the microphone level, and nothing moving in it", async () => {
    await openDevices();
    const meter = screen.getByTestId("mic-meter");
    expect(meter.dataset.placeholder).toBe("true");
    expect(meter.textContent).toContain("The microphone level is not shown yet.");
    // Not posing as a live meter.
    expect(meter.querySelector("[role=meter], [aria-valuenow]")).toBeNull();
    expect(meter.getAttribute("role")).toBeNull();
    expect(meter.innerHTML).not.toMatch(/animation|style=/);
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
    expect(screen.getByTestId("mic-meter").textContent).toContain("Le niveau du micro n'est pas encore affiché.");
  });
});
