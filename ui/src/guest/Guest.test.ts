import { fireEvent, render, screen } from "@testing-library/svelte";
import axe from "axe-core";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { guestWords, setLocale } from "../lib/i18n";
import { GuestClient } from "./client.svelte";
import { FakeMediaStream, FakePeerConnection, fakeDeps, fakeMediaDevices, session } from "./fakes";
import Guest from "./Guest.svelte";
import { cameraConstraints, MeetingSound, SOURCES_MS, type SoundHandlers } from "./media";
import { mediaSource } from "./sources";

const settle = () => new Promise<void>((r) => setTimeout(r, 0));

/** The page with a client on fakes. */
function page(token: string | null = "tok123", name = "", camera?: boolean) {
  const deps = fakeDeps();
  const client = new GuestClient(token ?? "", deps);
  const view = render(Guest, { client, token, name, camera });
  return { deps, client, view };
}

/** navigator.mediaDevices, as a page over https has it (jsdom has none). */
function withDevices() {
  const devices = { getUserMedia: () => Promise.reject(new Error("not here")), enumerateDevices: () => Promise.resolve([]) };
  Object.defineProperty(navigator, "mediaDevices", { value: devices, configurable: true });
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
    Reflect.deleteProperty(navigator, "mediaDevices");
    vi.useRealTimers();
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
    deps.sounds[0].on.onTrack("t1", "audio", stream);
    deps.sounds[0].on.onTrack("t2", "audio", stream);
    // A video line is no sound to play.
    deps.sounds[0].on.onTrack("v1", "video", stream);
    flushSync();
    const audio = view.container.querySelectorAll("audio");
    expect(audio).toHaveLength(2);
    expect(audio[0].autoplay).toBe(true);
    await settle();
    expect(play).toHaveBeenCalledTimes(2);
    play.mockRestore();
  });

  it("offers the camera, off unless ticked or asked for by the address", async () => {
    withDevices();
    const { deps } = page("tok123", "Zoe");
    const box = screen.getByTestId<HTMLInputElement>("guest-camera-on");
    expect(box.type).toBe("checkbox");
    expect(box.checked).toBe(false);
    expect(box.disabled).toBe(false);
    expect(screen.getByLabelText("Turn my camera on")).toBe(box);
    expect(box.getAttribute("aria-describedby")).toBe("guest-camera-hint");
    await fireEvent.click(box);
    expect(box.checked).toBe(true);
    await fireEvent.click(screen.getByTestId("guest-join"));
    deps.sockets[0].open();
    deps.sockets[0].push({ frame: "response", id: 1, result: { type: "joined", session: session(true) } });
    await settle();
    expect(deps.sounds[0]).toMatchObject({ microphone: null, camera: true });
  });

  it("ticks the camera from the address (camera=1), and joins without it when unticked", async () => {
    withDevices();
    const { deps } = page("tok123", "Zoe", true);
    const box = screen.getByTestId<HTMLInputElement>("guest-camera-on");
    expect(box.checked).toBe(true);
    await fireEvent.click(box);
    await fireEvent.click(screen.getByTestId("guest-join"));
    deps.sockets[0].open();
    deps.sockets[0].push({ frame: "response", id: 1, result: { type: "joined", session: session(true) } });
    await settle();
    expect(deps.sounds[0].camera).toBe(false);
  });

  it("cannot offer a camera on a page the browser keeps devices from", () => {
    page("tok123", "Zoe", true);
    expect(screen.getByTestId<HTMLInputElement>("guest-camera-on").disabled).toBe(true);
  });

  it("shows a tile per video line carrying someone, named by its source, and its own camera", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const play = vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    const { deps, view } = page("tok123", "Zoe");
    await fireEvent.click(screen.getByTestId("guest-join"));
    deps.sockets[0].open();
    const meeting = session(true).meeting!;
    const joined = session(true, {
      meeting: { ...meeting, guests: [...(meeting.guests ?? []), { id: 5, name: "Max", external: true }, { id: 6, name: "dave", external: false }] },
    });
    deps.sockets[0].push({ frame: "response", id: 1, result: { type: "joined", session: joined } });
    await settle();
    const sound = deps.sounds[0];
    sound.on.onConnected();
    const stream = (id: string) => ({ id }) as unknown as MediaStream;
    for (const id of ["v1", "v2", "v3", "v4", "v5"]) sound.on.onTrack(id, "video", stream(id));
    flushSync();
    // Nobody on the lines yet: no tiles.
    expect(screen.queryAllByTestId("guest-tile")).toHaveLength(0);

    sound.lines = {
      video: { v1: mediaSource("alice"), v2: mediaSource("guest:5"), v4: mediaSource("dave"), v5: 12345 },
      heard: [mediaSource("alice"), mediaSource("guest:5")],
      speaking: [mediaSource("guest:5")],
    };
    vi.advanceTimersByTime(SOURCES_MS);
    flushSync();
    let tiles = screen.getAllByTestId("guest-tile");
    expect(tiles.map((t) => t.dataset.name)).toEqual(["alice", "Max", "dave", "Someone"]);
    expect(tiles.map((t) => t.dataset.speaking)).toEqual(["false", "true", "false", "false"]);
    expect(tiles.every((t) => t.dataset.live === "false" && t.dataset.self === undefined)).toBe(true);
    expect(tiles[1].querySelector("video")?.getAttribute("aria-label")).toBe("Max's video");
    expect(tiles[1].querySelector("video")?.muted).toBe(true);
    // The speaking one is marked in the list too.
    const max = screen.getAllByTestId("guest-participant").find((li) => li.dataset.guest === "5");
    expect(max?.classList.contains("speaking")).toBe(true);

    // Frames come: live.
    await fireEvent(tiles[0].querySelector("video")!, new Event("loadeddata"));
    expect(tiles[0].dataset.live).toBe("true");

    // Its own camera comes first, muted and named.
    sound.on.onCamera(stream("mine"));
    flushSync();
    tiles = screen.getAllByTestId("guest-tile");
    expect(tiles[0].dataset.self).toBe("true");
    expect(tiles[0].dataset.name).toBe("Zoe");
    expect(tiles[0].textContent?.trim()).toBe("Zoe (you)");
    expect(tiles[0].querySelector("video")?.getAttribute("aria-label")).toBe("Your camera");
    expect(tiles[0].querySelector("video")?.muted).toBe(true);
    expect(tiles).toHaveLength(5);
    await expectAccessible(view.container);

    // A line changes hands: its tile stays, named anew; a line left: its tile goes.
    const line = tiles[1];
    await settle();
    const played = play.mock.calls.length;
    sound.lines = { video: { v1: mediaSource("bob"), v2: mediaSource("guest:5") }, heard: [], speaking: [] };
    vi.advanceTimersByTime(SOURCES_MS);
    flushSync();
    tiles = screen.getAllByTestId("guest-tile");
    expect(tiles.map((t) => t.dataset.name)).toEqual(["Zoe", "bob", "Max"]);
    expect(tiles[1]).toBe(line);
    expect(line.dataset.live).toBe("true");
    // Not restarted.
    await settle();
    expect(play.mock.calls.length).toBe(played);
    play.mockRestore();
  });

  it("marks the meeting while it is recorded, in English and French", async () => {
    const { deps, view } = page("tok123", "Zoe");
    await fireEvent.click(screen.getByTestId("guest-join"));
    const socket = deps.sockets[0];
    socket.open();
    socket.push({ frame: "response", id: 1, result: { type: "joined", session: session(true) } });
    await settle();
    flushSync();
    expect(screen.getByTestId("guest-meeting")).toBeTruthy();
    expect(screen.queryByTestId("guest-recording")).toBeNull();

    const meeting = session(true).meeting!;
    socket.push({ frame: "event", event: { type: "guest_session", session: session(true, { meeting: { ...meeting, recording: 1_700_000_100_000 } }) } });
    flushSync();
    const mark = screen.getByTestId("guest-recording");
    expect(mark.textContent?.trim()).toBe("Recording");
    expect(mark.getAttribute("aria-label")).toBe("This meeting is being recorded");
    expect(mark.getAttribute("role")).toBe("status");
    await expectAccessible(view.container);

    setLocale("fr");
    flushSync();
    expect(screen.getByTestId("guest-recording").textContent?.trim()).toBe("Enregistrement");
    expect(screen.getByTestId("guest-recording").getAttribute("aria-label")).toBe("Cette réunion est enregistrée");

    socket.push({ frame: "event", event: { type: "guest_session", session: session(true, { meeting: { ...meeting, recording: null } }) } });
    flushSync();
    expect(screen.queryByTestId("guest-recording")).toBeNull();
  });

  it("says the camera could not be used, in the meeting", async () => {
    const { deps } = page("tok123", "Zoe");
    await fireEvent.click(screen.getByTestId("guest-join"));
    deps.sockets[0].open();
    deps.sockets[0].push({ frame: "response", id: 1, result: { type: "joined", session: session(true) } });
    await settle();
    deps.sounds[0].on.onCameraProblem("missing");
    flushSync();
    expect(screen.getByTestId("guest-camera-problem").textContent).toBe(`${guestWords("en").cameraProblem.missing} ${guestWords("en").withoutCamera}`);
    expect(screen.queryAllByTestId("guest-tile")).toHaveLength(0);
  });

  it("turns the camera off and on from the meeting's button once the sound is up", async () => {
    const play = vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    const { deps, client, view } = page("tok123", "Zoe");
    await fireEvent.click(screen.getByTestId("guest-join"));
    deps.sockets[0].open();
    deps.sockets[0].push({ frame: "response", id: 1, result: { type: "joined", session: session(true) } });
    await settle();
    flushSync();
    // Not while the sound connects.
    expect(screen.queryByTestId("guest-camera-toggle")).toBeNull();
    const sound = deps.sounds[0];
    sound.on.onConnected();
    flushSync();
    const button = screen.getByTestId("guest-camera-toggle");
    expect(button.textContent?.trim()).toBe("Camera");
    expect(button.getAttribute("aria-pressed")).toBe("false");
    expect(screen.getByRole("button", { name: "Camera", pressed: false })).toBe(button);
    await expectAccessible(view.container);

    await fireEvent.click(button);
    expect(sound.cameraTurns).toEqual([true]);
    await settle();
    sound.on.onCamera({ id: "mine" } as unknown as MediaStream);
    flushSync();
    expect(button.getAttribute("aria-pressed")).toBe("true");
    expect(screen.getAllByTestId("guest-tile").map((t) => t.dataset.self)).toEqual(["true"]);
    await expectAccessible(view.container);

    await fireEvent.click(button);
    expect(sound.cameraTurns).toEqual([true, false]);
    sound.on.onCamera(null);
    flushSync();
    expect(button.getAttribute("aria-pressed")).toBe("false");
    // Its own tile goes with it.
    expect(screen.queryAllByTestId("guest-tile")).toHaveLength(0);
    expect(client.camera).toBeNull();

    setLocale("fr");
    flushSync();
    expect(screen.getByTestId("guest-camera-toggle").textContent?.trim()).toBe("Caméra");
    play.mockRestore();
  });

  it("says why the camera button could not turn the camera on", async () => {
    const play = vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    const { deps } = page("tok123", "Zoe");
    await fireEvent.click(screen.getByTestId("guest-join"));
    deps.sockets[0].open();
    deps.sockets[0].push({ frame: "response", id: 1, result: { type: "joined", session: session(true) } });
    await settle();
    deps.sounds[0].on.onConnected();
    flushSync();
    await fireEvent.click(screen.getByTestId("guest-camera-toggle"));
    deps.sounds[0].on.onCameraProblem("denied");
    flushSync();
    const w = guestWords("en");
    expect(screen.getByTestId("guest-camera-problem").textContent).toBe(`${w.cameraProblem.denied} ${w.withoutCamera}`);
    expect(screen.getByTestId("guest-camera-toggle").getAttribute("aria-pressed")).toBe("false");
    // Turned on at the next try: the message goes.
    await settle();
    await fireEvent.click(screen.getByTestId("guest-camera-toggle"));
    deps.sounds[0].on.onCamera({ id: "mine" } as unknown as MediaStream);
    flushSync();
    expect(screen.queryByTestId("guest-camera-problem")).toBeNull();
    expect(screen.getByTestId("guest-camera-toggle").getAttribute("aria-pressed")).toBe("true");
    await settle();
    play.mockRestore();
  });

  it("sends the camera from the button on the meeting's connection itself, joined without one", async () => {
    const play = vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    FakePeerConnection.made = [];
    vi.stubGlobal("RTCPeerConnection", FakePeerConnection);
    vi.stubGlobal("MediaStream", FakeMediaStream);
    const devices = fakeMediaDevices();
    Object.defineProperty(navigator, "mediaDevices", { value: devices, configurable: true });
    try {
      const deps = { ...fakeDeps(), sound: (on: SoundHandlers) => new MeetingSound(on) };
      const client = new GuestClient("tok123", deps);
      render(Guest, { client, token: "tok123", name: "Zoe" });
      await fireEvent.click(screen.getByTestId("guest-join"));
      const socket = deps.sockets[0];
      socket.open();
      socket.push({ frame: "response", id: 1, result: { type: "joined", session: session(true) } });
      await settle();
      const media = socket.last("join_meeting_media");
      socket.push({ frame: "response", id: media.id, result: { type: "meeting_media", answer: "v=0 answer" } });
      await settle();
      const pc = FakePeerConnection.made[0];
      pc.becomes("connected");
      flushSync();
      const line = pc.transceivers.filter((t) => t.kind === "video")[0];
      expect(line).toMatchObject({ direction: "sendrecv", sender: { track: null } });

      await fireEvent.click(screen.getByTestId("guest-camera-toggle"));
      await settle();
      flushSync();
      expect(devices.asked.at(-1)).toEqual(cameraConstraints());
      const track = devices.opened.at(-1)!.tracks[0];
      expect(line.sender.track).toBe(track);
      expect(screen.getByTestId("guest-camera-toggle").getAttribute("aria-pressed")).toBe("true");
      expect(screen.getAllByTestId("guest-tile")[0].dataset.self).toBe("true");

      await fireEvent.click(screen.getByTestId("guest-camera-toggle"));
      await settle();
      flushSync();
      expect(track.stopped).toBe(true);
      expect(line.sender.track).toBeNull();
      expect(screen.getByTestId("guest-camera-toggle").getAttribute("aria-pressed")).toBe("false");
      expect(screen.queryAllByTestId("guest-tile").filter((t) => t.dataset.self)).toHaveLength(0);
      // One offer, one answer: nothing renegotiated.
      expect(pc.offers).toBe(1);
      expect(socket.sent.filter((f) => f.req.type === "join_meeting_media")).toHaveLength(1);
      client.leave();
    } finally {
      vi.unstubAllGlobals();
      play.mockRestore();
    }
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
