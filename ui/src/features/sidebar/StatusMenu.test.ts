import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { names } from "../../lib/names.svelte";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import StatusMenu from "./StatusMenu.svelte";

async function setup() {
  const fake = await signedIn();
  const onsettings = vi.fn();
  render(StatusMenu, { onsettings });
  const button = screen.getByRole("button", { name: "Status" });
  return { fake, onsettings, button };
}

function focusedStatus(): string | null {
  return (document.activeElement as HTMLElement | null)?.dataset.status ?? null;
}

describe("StatusMenu", () => {
  it("opens from the keyboard on the chosen status and moves with the arrow keys", async () => {
    const { button } = await setup();
    expect(button.getAttribute("aria-haspopup")).toBe("menu");
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect(screen.queryByRole("menu")).toBeNull();

    button.focus();
    await fireEvent.keyDown(button, { key: "ArrowDown" });
    await settle();
    const menu = screen.getByRole("menu", { name: "Status" });
    expect(button.getAttribute("aria-expanded")).toBe("true");
    const items = screen.getAllByRole("menuitemradio");
    expect(items.map((i) => i.dataset.status)).toEqual(["available", "away", "dnd", "offline"]);
    expect(items[0].getAttribute("aria-checked")).toBe("true");
    expect(focusedStatus()).toBe("available");

    await fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(focusedStatus()).toBe("away");
    await fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(focusedStatus()).toBe("dnd");
    await fireEvent.keyDown(menu, { key: "End" });
    expect(focusedStatus()).toBe("offline");
    await fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(focusedStatus()).toBe("available"); // wraps
    await fireEvent.keyDown(menu, { key: "ArrowUp" });
    expect(focusedStatus()).toBe("offline");
    await fireEvent.keyDown(menu, { key: "Home" });
    expect(focusedStatus()).toBe("available");

    await fireEvent.keyDown(menu, { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(button.getAttribute("aria-expanded")).toBe("false");
  });

  it("chooses a status (activated like a button) and keeps the custom message", async () => {
    const { fake, button } = await setup();
    await fireEvent.click(button);
    await settle();
    await fireEvent.input(screen.getByLabelText("Custom status message"), { target: { value: "  In a meeting " } });
    await fireEvent.keyDown(screen.getByRole("menu", { name: "Status" }), { key: "ArrowDown" });
    await fireEvent.keyDown(screen.getByRole("menu", { name: "Status" }), { key: "ArrowDown" });
    await fireEvent.click(document.activeElement as HTMLElement);
    await settle();
    expect(fake.callsOf("setStatus")).toEqual([["dnd", "In a meeting"]]);
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(app.status).toBe("dnd");
    expect(screen.getByText(/Do not disturb · In a meeting/)).toBeTruthy();

    // Reopened, the chosen status is checked and focused.
    await fireEvent.keyDown(button, { key: "ArrowUp" });
    await settle();
    expect(focusedStatus()).toBe("dnd");
    expect(screen.getByRole("menuitemradio", { name: /Do not disturb/ }).getAttribute("aria-checked")).toBe("true");
  });

  it("saves a custom message with Enter, and Escape from the message box closes", async () => {
    const { fake, button } = await setup();
    await fireEvent.click(button);
    await settle();
    const box = screen.getByLabelText("Custom status message");
    await fireEvent.input(box, { target: { value: "Lunch" } });
    await fireEvent.keyDown(box, { key: "Enter" });
    await settle();
    expect(fake.callsOf("setStatus")).toEqual([["available", "Lunch"]]);
    expect(screen.queryByRole("menu")).toBeNull();

    await fireEvent.click(button);
    await settle();
    expect((screen.getByLabelText("Custom status message") as HTMLInputElement).value).toBe("Lunch");
    await fireEvent.keyDown(screen.getByLabelText("Custom status message"), { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  it("follows the status chosen on another device, and opens the settings", async () => {
    const { fake, onsettings } = await setup();
    await fake.setStatus("away", "Back at 3");
    await settle();
    expect(screen.getByText(/Away · Back at 3/)).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    expect(onsettings).toHaveBeenCalledOnce();
  });
});

describe("StatusMenu: the account menu", () => {
  async function openMenu() {
    const s = await setup();
    await fireEvent.click(s.button);
    await settle();
    const account = screen.getByRole("menu", { name: "Account" });
    return { ...s, account };
  }

  it("lists Settings, Help, About and Sign out after the status; arrows move within it", async () => {
    const { account } = await openMenu();
    const items = screen.getAllByRole("menuitem");
    expect(items.map((i) => i.textContent?.trim())).toEqual(["Settings", "Help", "About Confer", "Sign out"]);
    expect(items.map((i) => i.tabIndex)).toEqual([0, -1, -1, -1]);
    items[0].focus();
    await fireEvent.keyDown(account, { key: "ArrowDown" });
    expect(document.activeElement).toBe(items[1]);
    await fireEvent.keyDown(account, { key: "End" });
    expect(document.activeElement).toBe(items[3]);
    await fireEvent.keyDown(account, { key: "ArrowDown" });
    expect(document.activeElement).toBe(items[0]); // wraps
    await fireEvent.keyDown(account, { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
  });

  it("Settings opens the settings; Help opens the user guide", async () => {
    const { fake, onsettings, button } = await openMenu();
    await fireEvent.click(screen.getByRole("menuitem", { name: "Settings" }));
    expect(onsettings).toHaveBeenCalledOnce();
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(button);

    await fireEvent.click(button);
    await settle();
    await fireEvent.click(screen.getByRole("menuitem", { name: "Help" }));
    await settle();
    expect(fake.callsOf("openHelp")).toEqual([[]]);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("About shows the app's version and licence, the server and its version (unknown when not known)", async () => {
    const { fake, button } = await openMenu();
    await fireEvent.click(screen.getByRole("menuitem", { name: "About Confer" }));
    await settle();
    const dialog = screen.getByRole("dialog", { name: "About Confer" });
    expect(fake.callsOf("about")).toEqual([[]]);
    expect(screen.getByTestId("about-app-version").textContent).toBe("0.1.0");
    expect(screen.getByTestId("about-licence").textContent).toBe("Apache-2.0");
    expect(screen.getByTestId("about-server").textContent).toBe("ws://127.0.0.1:7300");
    expect(screen.getByTestId("about-server-version").textContent).toBe("unknown");
    expect(dialog.textContent).toContain("Server version");
    await fireEvent.keyDown(dialog, { key: "Escape" });
    await settle();
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(button);
  });
});

describe("StatusMenu: the user's own name (#13)", () => {
  it("shows the display name, its initials on the avatar, and the account name as a secondary detail", async () => {
    await signedIn(undefined, { displayNames: { alice: "Alice Martin" } });
    render(StatusMenu);
    await settle();
    const name = screen.getByTestId("my-name");
    expect(name.dataset.user).toBe("alice");
    // Seen: the display name; the account name in the tooltip and read after it.
    expect(name.firstChild?.textContent).toBe("Alice Martin");
    expect(name.textContent).toBe("Alice Martin @alice");
    expect(name.querySelector(".visually-hidden")?.textContent).toBe(" @alice");
    expect(name.getAttribute("title")).toBe("@alice");
    expect(screen.getByRole("button", { name: "Status" }).querySelector(".avatar")?.textContent?.trim()).toBe("AM");
  });

  it("keeps the account name, once, while the directory cannot say the display name", async () => {
    const fake = await signedIn(undefined, { displayNames: { alice: "Alice Martin" } });
    fake.searchUsers = () => Promise.reject(new Error("offline"));
    names.reset();
    render(StatusMenu);
    await settle();
    const name = screen.getByTestId("my-name");
    expect(name.textContent).toBe("alice");
    expect(name.querySelector(".visually-hidden")).toBeNull();
    expect(screen.getByRole("button", { name: "Status" }).querySelector(".avatar")?.textContent?.trim()).toBe("A");
  });
});
