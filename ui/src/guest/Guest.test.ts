import { fireEvent, render, screen } from "@testing-library/svelte";
import axe from "axe-core";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { guestWords, setLocale } from "../lib/i18n";
import { GuestClient } from "./client.svelte";
import { fakeDeps, session } from "./fakes";
import Guest from "./Guest.svelte";

const settle = () => new Promise<void>((r) => setTimeout(r, 0));

/** The page with a client on fakes. */
function page(token: string | null = "tok123", name = "") {
  const deps = fakeDeps();
  const client = new GuestClient(token ?? "", deps);
  const view = render(Guest, { client, token, name });
  return { deps, client, view };
}

async function expectAccessible(container: Element) {
  // jsdom draws nothing: contrast is the browser tests' to check.
  const result = await axe.run(container, { rules: { "color-contrast": { enabled: false }, region: { enabled: false } } });
  expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(", ")}`)).toEqual([]);
}

describe("the guest page", () => {
  afterEach(() => {
    setLocale("en");
    delete document.body.dataset.state;
  });

  it("starts on the form: the name, the device test with its meter, the Join button", async () => {
    const { view } = page("tok123", "Zoe");
    flushSync();
    expect(document.body.dataset.state).toBe("form");
    expect(screen.getByTestId<HTMLInputElement>("guest-name").value).toBe("Zoe");
    expect(screen.getByLabelText(guestWords("en").name)).toBe(screen.getByTestId("guest-name"));
    const meter = screen.getByTestId("guest-meter");
    expect(meter.getAttribute("role")).toBe("meter");
    expect(screen.getByRole("meter", { name: "Microphone level" })).toBe(meter);
    expect(screen.getByTestId("guest-join").textContent?.trim()).toBe("Join");
    await expectAccessible(view.container);
  });

  it("asks for a name before joining", async () => {
    const { deps } = page();
    await fireEvent.click(screen.getByTestId("guest-join"));
    expect(deps.sockets).toHaveLength(0);
    expect(screen.getByText(guestWords("en").nameMissing).getAttribute("role")).toBe("alert");
    expect(screen.getByTestId("guest-name").getAttribute("aria-invalid")).toBe("true");
  });

  it("cannot join without a link in the address", () => {
    page(null);
    expect(screen.getByTestId("guest-no-link").textContent).toBe(guestWords("en").noLink);
    expect(screen.getByTestId<HTMLButtonElement>("guest-join").disabled).toBe(true);
  });

  it("joins, waits in the lobby, then shows the meeting and its people", async () => {
    const { deps, client, view } = page("tok123", "Zoe");
    await fireEvent.click(screen.getByTestId("guest-join"));
    expect(screen.getByTestId("guest-join").textContent?.trim()).toBe("Joining…");
    const socket = deps.sockets[0];
    socket.open();
    expect(socket.last("join_by_link").req).toEqual({ type: "join_by_link", link: "tok123", name: "Zoe" });
    socket.push({ frame: "response", id: 1, result: { type: "joined", session: session(false) } });
    await settle();
    flushSync();
    expect(document.body.dataset.state).toBe("lobby");
    const lobby = screen.getByTestId("guest-lobby");
    expect(lobby.textContent).toContain("Weekly planning");
    expect(lobby.textContent).toContain("Waiting for a moderator to let you in.");
    await expectAccessible(view.container);

    socket.push({ frame: "event", event: { type: "guest_session", session: session(true) } });
    flushSync();
    expect(document.body.dataset.state).toBe("connecting");
    deps.sounds[0].on.onConnected();
    flushSync();
    expect(document.body.dataset.state).toBe("connected");
    const people = [...screen.getByTestId("guest-participants").querySelectorAll("li")].map((li) => li.textContent?.replace(/\s+/g, " ").trim());
    expect(people).toEqual(["alice", "bob muted", "Zoe guest you"]);

    const mute = screen.getByTestId("guest-mute");
    expect(mute.getAttribute("aria-pressed")).toBe("false");
    await fireEvent.click(mute);
    expect(mute.getAttribute("aria-pressed")).toBe("true");
    expect(deps.sounds[0].muted).toBe(true);
    expect(client.muted).toBe(true);
    await expectAccessible(view.container);

    await fireEvent.click(screen.getByTestId("guest-leave"));
    expect(document.body.dataset.state).toBe("ended");
    expect(screen.getByTestId("guest-ended").textContent).toContain("You left the meeting.");
    expect(socket.last("leave_meeting").req).toEqual({ type: "leave_meeting", conversation: 9 });
  });

  it("plays each other participant's line in an audio element", async () => {
    const play = vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    const { deps, view } = page("tok123", "Zoe");
    await fireEvent.click(screen.getByTestId("guest-join"));
    deps.sockets[0].open();
    deps.sockets[0].push({ frame: "response", id: 1, result: { type: "joined", session: session(true) } });
    await settle();
    const stream = { id: "s" } as unknown as MediaStream;
    deps.sounds[0].on.onTrack("t1", stream);
    deps.sounds[0].on.onTrack("t2", stream);
    flushSync();
    const audio = view.container.querySelectorAll("audio");
    expect(audio).toHaveLength(2);
    expect(audio[0].autoplay).toBe(true);
    await settle();
    expect(play).toHaveBeenCalledTimes(2);
    play.mockRestore();
  });

  it("says why it ended, from the reason, in French for a French browser", async () => {
    setLocale("fr");
    const { deps } = page("tok123", "Zoé");
    await fireEvent.click(screen.getByTestId("guest-join"));
    deps.sockets[0].open();
    deps.sockets[0].push({ frame: "response", id: 1, result: { type: "joined", session: session(false) } });
    await settle();
    deps.sockets[0].push({ frame: "event", event: { type: "closing", code: "access_ended", reason: { reason: "refused_by_moderator" } } });
    flushSync();
    expect(document.body.dataset.state).toBe("ended");
    expect(screen.getByTestId("guest-ended-reason").textContent).toBe("Un modérateur ne vous a pas laissé entrer dans la réunion.");
    await fireEvent.click(screen.getByTestId("guest-again"));
    expect(document.body.dataset.state).toBe("form");
    expect(screen.getByTestId("guest-join").textContent?.trim()).toBe("Rejoindre");
  });

  it("shows the reason on the form when joining is refused", async () => {
    const { deps } = page("tok123", "Zoe");
    await fireEvent.click(screen.getByTestId("guest-join"));
    deps.sockets[0].open();
    deps.sockets[0].push({ frame: "error", id: 1, error: { code: "not_found", reason: { reason: "link_unknown" } } });
    await settle();
    flushSync();
    expect(document.body.dataset.state).toBe("form");
    expect(screen.getByTestId("guest-error").textContent).toBe("This link does not open any room (it may have been changed).");
  });
});
