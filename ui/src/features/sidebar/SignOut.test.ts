import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import App from "../../App.svelte";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";

describe("Sign out (avatar menu)", () => {
  it("signs out on the server and shows the sign-in form, without signing straight back in", async () => {
    const fake = await signedIn(undefined, { launch: { server: "ws://127.0.0.1:7300", user: "alice", has_password: true } });
    render(App);
    await settle();
    await fireEvent.click(screen.getByRole("button", { name: "Status" }));
    await settle();
    await fireEvent.click(screen.getByRole("menuitem", { name: "Sign out" }));
    await settle();
    expect(fake.callsOf("signOut")).toEqual([[]]);
    expect(app.me).toBeNull();
    expect(screen.getByRole("heading", { name: "Sign in to Confer" })).toBeTruthy();
    expect((screen.getByLabelText("User name") as HTMLInputElement).value).toBe("alice");
    // Launched with a server and a user: the form waits all the same.
    expect(fake.callsOf("signIn")).toHaveLength(1);
    expect(screen.queryByRole("navigation", { name: "Conversations" })).toBeNull();
  });
});
