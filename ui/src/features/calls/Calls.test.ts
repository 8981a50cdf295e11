import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import App from "../../App.svelte";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import type { FakeBackend } from "../../../tests/fake-backend";
import { FakeSocket, wireFrame } from "../../../tests/frames";
import { settle, signedIn } from "../../../tests/helpers";
import Timeline from "../timeline/Timeline.svelte";
import { callQuality, calls, ENDED_MS } from "./calls.svelte";

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

describe("the chat header's call buttons", () => {
  it("are in a 1:1 chat, labelled with the person, and place an audio or a video call", async () => {
    const { fake, bob } = await inApp();
    const phone = screen.getByRole("button", { name: "Call bob" });
    const camera = screen.getByRole("button", { name: "Video call bob" });
    expect(phone.dataset.testid).toBe("call-button");
    expect(camera.dataset.testid).toBe("video-call-button");
    expect(phone.querySelector("svg")?.getAttribute("aria-hidden")).toBe("true");

    await fireEvent.click(phone);
    await settle();
    expect(fake.callsOf("placeCall")).toEqual([[bob, false]]);
    expect(view()?.dataset.phase).toBe("calling");
    // One call at a time: both wait, and say why.
    expect((screen.getByTestId("call-button") as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId("video-call-button") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("call-button").title).toBe("A call is going on.");
  });

  it("place a video call", async () => {
    const { fake, bob } = await inApp();
    await fireEvent.click(screen.getByTestId("video-call-button"));
    await settle();
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
    await fireEvent.click(screen.getByTestId("call-button"));
    await settle();
    expect(screen.getByRole("alert").textContent).toContain("The call failed: bob is in another call; try again later.");
    expect(view()).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("call-error")).toBeNull();
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
    await fireEvent.click(screen.getByTestId("call-button"));
    await settle();
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
    await fireEvent.click(screen.getByTestId("call-button"));
    await settle();
    fake.callAnswered(Date.now() - (3600 + 2 * 60 + 3) * 1000);
    await settle();
    expect(screen.getByTestId("call-timer").textContent).toMatch(/^1:02:0[34]$/);
  });

  it("mutes and hangs up by the keyboard shortcuts, named in the buttons' tooltips", async () => {
    const { fake } = await inApp();
    await fireEvent.click(screen.getByTestId("video-call-button"));
    await settle();
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
    await fireEvent.click(screen.getByTestId("video-call-button"));
    await settle();
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
    await fireEvent.click(screen.getByTestId("call-button"));
    await settle();
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
    await fireEvent.click(screen.getByTestId("call-button"));
    await settle();
    fake.callEnds(reason, error);
    await settle();
    expect(screen.getByTestId("call-view").dataset.phase).toBe("ended");
    expect(screen.getByTestId("call-ended").textContent).toBe(text);
    expect(screen.getByTestId("call-status").textContent).toBe(text);
    expect(screen.getByTestId("call-status").getAttribute("role")).toBe("status");
  });

  it("shows the reason for a moment, then gives the chat back with the call's line in it", async () => {
    const { fake } = await inApp();
    await fireEvent.click(screen.getByTestId("call-button"));
    await settle();
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
    // Back in the chat: the focus is there, and the call left its line.
    expect(document.activeElement?.id).toBe("composer");
    expect(screen.getAllByTestId("system-line").at(-1)?.dataset.outcome).toBe("completed");
  });
});

describe("the call's pictures", () => {
  it("come through a fresh frame socket in a video call, drawn per stream, until the call ends", async () => {
    const { fake } = await inApp();
    await fireEvent.click(screen.getByTestId("video-call-button"));
    await settle();
    expect(fake.callsOf("frameSocket")).toEqual([[]]);
    expect(FakeSocket.opened).toHaveLength(1);
    const socket = FakeSocket.opened[0];
    expect(socket.url).toBe("ws://127.0.0.1:7399/frames?token=fake1");
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
    await fireEvent.click(screen.getByTestId("call-button"));
    await settle();
    fake.callAnswered();
    await settle();
    expect(fake.callsOf("frameSocket")).toEqual([]);
    expect(FakeSocket.opened).toEqual([]);
  });

  it("come through a new socket for every call", async () => {
    const { fake } = await inApp();
    await fireEvent.click(screen.getByTestId("video-call-button"));
    await settle();
    await fireEvent.click(screen.getByTestId("hang-up"));
    await settle();
    await wait(ENDED_MS + 100);
    await settle();
    fake.ringFrom("bob", true);
    await settle();
    await fireEvent.click(screen.getByRole("button", { name: "Accept with video" }));
    await settle();
    expect(FakeSocket.opened.map((s) => s.url)).toEqual([
      "ws://127.0.0.1:7399/frames?token=fake1",
      "ws://127.0.0.1:7399/frames?token=fake2",
    ]);
    expect(FakeSocket.opened[0].closed).toBe(true);
    expect(FakeSocket.opened[1].closed).toBe(false);
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
