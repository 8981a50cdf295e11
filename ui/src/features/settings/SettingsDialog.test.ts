import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { locale, setLocale } from "../../lib/i18n";
import { applyLanguage, rememberedLanguage } from "../../lib/language";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import SettingsDialog from "./SettingsDialog.svelte";


async function open() {
  const fake = await signedIn();
  const onclose = vi.fn();
  render(SettingsDialog, { onclose });
  return { fake, onclose };
}

function minutesBox() {
  return screen.getByLabelText("Auto-away minutes") as HTMLInputElement;
}

describe("SettingsDialog", () => {
  it("is a labelled modal dialog showing the current settings, focus inside", async () => {
    await open();
    const dialog = screen.getByRole("dialog", { name: "Settings" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect((screen.getByLabelText("Privacy mode") as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText("Notifications") as HTMLInputElement).checked).toBe(true);
    expect(minutesBox().value).toBe("10");
    expect((screen.getByLabelText("Theme") as HTMLSelectElement).value).toBe("system");
    expect(dialog.contains(document.activeElement)).toBe(true);
    expect(screen.getByText(/No read receipts are sent/)).toBeTruthy();
  });

  it.each(["1441", "-1", "abc", "1.5", ""])("refuses auto-away %j with an error and does not save", async (bad) => {
    const { fake, onclose } = await open();
    await fireEvent.input(minutesBox(), { target: { value: bad } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await settle();
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toMatch(/0 \(off\) to 1440/);
    expect(minutesBox().getAttribute("aria-invalid")).toBe("true");
    expect(minutesBox().getAttribute("aria-describedby")).toContain(alert.id);
    expect(document.activeElement).toBe(minutesBox());
    expect(fake.callsOf("setSettings")).toEqual([]);
    expect(onclose).not.toHaveBeenCalled();
  });

  it("saves every field, applies the theme and closes", async () => {
    const { fake, onclose } = await open();
    await fireEvent.click(screen.getByLabelText("Privacy mode"));
    await fireEvent.click(screen.getByLabelText("Notifications"));
    await fireEvent.input(minutesBox(), { target: { value: "0" } });
    await fireEvent.change(screen.getByLabelText("Theme"), { target: { value: "dark" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await settle();
    const saved = {
      privacy: true,
      device: { notifications: false, auto_away_minutes: 0, theme: "dark", microphone: null, speaker: null, camera: null },
    };
    expect(fake.callsOf("setSettings")).toEqual([[saved]]);
    expect(app.settings).toEqual(saved);
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(onclose).toHaveBeenCalledOnce();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows the backend's refusal and stays open", async () => {
    const { fake, onclose } = await open();
    vi.spyOn(fake, "setSettings").mockRejectedValue({ code: "internal", message: "Disk full." });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await settle();
    expect(screen.getByRole("alert").textContent).toBe("Disk full.");
    expect(onclose).not.toHaveBeenCalled();
  });

  it("offers Automatic, English and Français; Save applies the language at once and remembers it", async () => {
    const { fake, onclose } = await open();
    const select = screen.getByLabelText("Language") as HTMLSelectElement;
    expect(select.value).toBe("auto");
    expect([...select.options].map((o) => [o.value, o.textContent, o.lang])).toEqual([
      ["auto", "Automatic (the system's)", ""],
      ["en", "English", "en"],
      ["fr", "Français", "fr"],
    ]);
    try {
      await fireEvent.change(select, { target: { value: "fr" } });
      // Not before Save.
      expect(locale()).toBe("en");
      await fireEvent.click(screen.getByRole("button", { name: "Save" }));
      await settle();
      expect(onclose).toHaveBeenCalledOnce();
      expect(locale()).toBe("fr");
      expect(rememberedLanguage()).toBe("fr");
      expect(document.documentElement.lang).toBe("fr");
      expect(fake.callsOf("setLanguage")).toEqual([["fr"]]);
      // What is on screen is redrawn in French, without opening anything again.
      expect(screen.getByRole("dialog", { name: "Paramètres" })).toBeTruthy();
      expect(screen.getByRole("button", { name: "Enregistrer" })).toBeTruthy();
      expect((screen.getByLabelText("Langue") as HTMLSelectElement).value).toBe("fr");
    } finally {
      applyLanguage("en", false);
      setLocale("en");
    }
  });

  it("closes on Escape and keeps Tab inside", async () => {
    const { onclose } = await open();
    const dialog = screen.getByRole("dialog");
    const save = screen.getByRole("button", { name: "Save" });
    const close = screen.getByRole("button", { name: "Close" });
    save.focus();
    expect(await fireEvent.keyDown(dialog, { key: "Tab" })).toBe(false);
    expect(document.activeElement).toBe(close);
    expect(await fireEvent.keyDown(dialog, { key: "Tab", shiftKey: true })).toBe(false);
    expect(document.activeElement).toBe(save);
    await fireEvent.keyDown(dialog, { key: "Escape" });
    expect(onclose).toHaveBeenCalledOnce();
  });
});
