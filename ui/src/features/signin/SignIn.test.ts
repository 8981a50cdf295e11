import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { setBackend } from "../../lib/ipc";
import { FakeBackend } from "../../../tests/fake-backend";
import { settle } from "../../../tests/helpers";
import SignIn from "./SignIn.svelte";

async function open() {
  const fake = new FakeBackend();
  setBackend(fake);
  const onsignedin = vi.fn();
  render(SignIn, { onsignedin });
  await settle();
  return { fake, onsignedin };
}

async function submit(server: string) {
  await fireEvent.input(screen.getByLabelText("Server"), { target: { value: server } });
  await fireEvent.input(screen.getByLabelText("User name"), { target: { value: "alice" } });
  await fireEvent.input(screen.getByLabelText("Password"), { target: { value: "secret" } });
  await fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
  await settle();
}

describe("SignIn", () => {
  it("says that the server field takes several addresses", async () => {
    await open();
    const box = screen.getByLabelText("Server");
    const hint = document.getElementById(box.getAttribute("aria-describedby") ?? "");
    expect(hint?.textContent).toMatch(/several separated by commas/);
  });

  it("signs in with a list of servers, passed on as typed", async () => {
    const { fake, onsignedin } = await open();
    await submit("ws://a:1, ws://b:2");
    expect(fake.callsOf("signIn")[0][0]).toBe("ws://a:1, ws://b:2");
    expect(onsignedin).toHaveBeenCalledWith("alice");
  });

  it("shows why a list without an address is refused", async () => {
    const { onsignedin } = await open();
    await submit(" , ");
    expect(screen.getByRole("alert").textContent).toMatch(/at least one server address/);
    expect(onsignedin).not.toHaveBeenCalled();
  });
});
