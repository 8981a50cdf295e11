import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import App from "../../App.svelte";
import { navWords } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";

async function setup() {
  const fake = await signedIn((f) => f.seed("bob", 2));
  render(App);
  await settle();
  return fake;
}

const banner = () => screen.queryByTestId("connection-banner");
const myLine = () => document.getElementById("my-status")?.textContent ?? "";

describe("the connection banner", () => {
  it("is not there while online", async () => {
    await setup();
    expect(banner()).toBeNull();
    expect(screen.getByTestId("connection-status").textContent?.trim()).toBe("");
  });

  it("says reconnecting and offline in words, in a live region, and goes once back online", async () => {
    const fake = await setup();
    fake.connection("connecting");
    await settle();
    expect(banner()?.dataset.state).toBe("connecting");
    expect(screen.getByTestId("connection-status").getAttribute("role")).toBe("status");
    expect(screen.getByTestId("connection-status").textContent).toContain("Reconnecting to the server…");
    expect(myLine()).toContain("Reconnecting");
    fake.connection("offline");
    await settle();
    expect(banner()?.textContent).toContain("Offline: the server cannot be reached.");
    expect(myLine()).toContain("Offline");
    expect(myLine()).not.toContain("offline");
    fake.connection("online");
    await settle();
    expect(banner()).toBeNull();
    expect(myLine()).not.toContain("Offline");
  });

  it("says signed out (never auth_failed) as an alert, and Sign in again goes back to the form", async () => {
    const fake = await setup();
    fake.connection("auth_failed");
    await settle();
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("You are signed out");
    expect(document.body.textContent).not.toContain("auth_failed");
    expect(myLine()).toContain("Signed out");
    await fireEvent.click(within(alert).getByRole("button", { name: "Sign in again" }));
    await settle();
    expect(fake.callsOf("signOut")).toEqual([[]]);
    expect(app.me).toBeNull();
    expect(screen.getByRole("heading", { name: "Sign in to Confer" })).toBeTruthy();
  });

  it("signs out here even when the server cannot be told", async () => {
    const fake = await setup();
    fake.connection("auth_failed");
    await settle();
    fake.signOut = async () => {
      throw { code: "refused:auth_failed", message: "no" };
    };
    await fireEvent.click(screen.getByRole("button", { name: "Sign in again" }));
    await settle();
    expect(app.me).toBeNull();
    expect(app.signedOut).toBe(true);
  });

  it("has its words in French", () => {
    const fr = navWords("fr");
    expect(fr.connection.offline).toContain("Hors ligne");
    expect(fr.connectionShort.auth_failed).toBe("Déconnecté");
    expect(fr.signInAgain).toBe("Se reconnecter");
  });
});
