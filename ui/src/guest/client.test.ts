import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GuestClient, PING_MS } from "./client.svelte";
import { SOURCES_MS } from "./media";
import { fakeDeps, session } from "./fakes";

/** Lets the promises settle. */
const settle = () => new Promise<void>((r) => setTimeout(r, 0));

function joined(admitted: boolean) {
  const deps = fakeDeps();
  const client = new GuestClient("tok123", deps);
  client.join("Zoe", "mic-2");
  const socket = deps.sockets[0];
  socket.open();
  const join = socket.last("join_by_link");
  socket.push({ frame: "response", id: join.id, result: { type: "joined", session: session(admitted) } });
  return { deps, client, socket };
}

describe("the guest client", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("joins by the link with the name, and keeps the socket alive", () => {
    const deps = fakeDeps();
    const client = new GuestClient("tok123", deps);
    client.join("Zoe", null);
    expect(client.state).toEqual({ step: "form", joining: true, error: null });
    expect(deps.sockets).toHaveLength(1);
    expect(deps.sockets[0].url).toBe("ws://example.test/v1/ws");
    deps.sockets[0].open();
    expect(deps.sockets[0].sent).toEqual([{ id: 1, req: { type: "join_by_link", link: "tok123", name: "Zoe" } }]);
    vi.advanceTimersByTime(PING_MS * 2);
    expect(deps.sockets[0].sent.filter((f) => f.req.type === "ping")).toHaveLength(2);
    // Joining twice at once opens nothing more.
    client.join("Zoe", null);
    expect(deps.sockets).toHaveLength(1);
  });

  it("waits in the lobby without any sound, then connects it once admitted", async () => {
    const { deps, client, socket } = joined(false);
    await settle();
    expect(client.state.step).toBe("lobby");
    expect(deps.sounds).toHaveLength(0);

    socket.push({ frame: "event", event: { type: "guest_session", session: session(true) } });
    expect(client.state.step).toBe("connecting");
    expect(deps.sounds).toHaveLength(1);
    const sound = deps.sounds[0];
    expect(sound.microphone).toBe("mic-2");
    expect(sound.camera).toBe(false);
    const media = socket.last("join_meeting_media");
    expect(media.req).toEqual({ type: "join_meeting_media", conversation: 9, offer: "v=0 offer" });
    socket.push({ frame: "response", id: media.id, result: { type: "meeting_media", answer: "v=0 answer" } });
    await expect(sound.offered).resolves.toBe("v=0 answer");

    sound.on.onConnected();
    expect(client.state.step).toBe("connected");
    if (client.state.step === "connected") expect(client.state.session.meeting?.participants).toEqual(["alice", "bob"]);
  });

  it("plays each remote audio line once, and keeps the video lines for the tiles", async () => {
    const { deps, client } = joined(true);
    await settle();
    const stream = {} as MediaStream;
    deps.sounds[0].on.onTrack("t1", "audio", stream);
    deps.sounds[0].on.onTrack("t2", "audio", stream);
    deps.sounds[0].on.onTrack("t1", "audio", stream);
    deps.sounds[0].on.onTrack("v1", "video", stream);
    deps.sounds[0].on.onTrack("v1", "video", stream);
    expect(client.remote.map((r) => r.id)).toEqual(["t1", "t2"]);
    expect(client.pictures.map((r) => r.id)).toEqual(["v1"]);
  });

  it("joins with the camera when asked, and says when it cannot be used", async () => {
    const deps = fakeDeps();
    const client = new GuestClient("tok123", deps);
    client.join("Zoe", null, true);
    deps.sockets[0].open();
    deps.sockets[0].push({ frame: "response", id: 1, result: { type: "joined", session: session(true) } });
    await settle();
    expect(deps.sounds[0]).toMatchObject({ microphone: null, camera: true });
    const preview = { id: "mine" } as MediaStream;
    deps.sounds[0].on.onCamera(preview);
    expect(client.camera).toBe(preview);
    deps.sounds[0].on.onCameraProblem("denied");
    expect(client.cameraProblem).toBe("denied");
    client.leave();
    expect(client.camera).toBeNull();
    client.again();
    expect(client.cameraProblem).toBeNull();
  });

  it("turns the camera off and on mid-meeting, on the sound it has", async () => {
    const deps = fakeDeps();
    const client = new GuestClient("tok123", deps);
    client.join("Zoe", null, true);
    deps.sockets[0].open();
    deps.sockets[0].push({ frame: "response", id: 1, result: { type: "joined", session: session(true) } });
    await settle();
    const sound = deps.sounds[0];
    sound.on.onConnected();
    const mine = { id: "mine" } as MediaStream;
    sound.on.onCamera(mine);

    client.toggleCamera();
    expect(sound.cameraTurns).toEqual([false]);
    sound.on.onCamera(null);
    expect(client.camera).toBeNull();
    await settle();

    // On again; a second click while the camera opens is nothing more.
    client.toggleCamera();
    client.toggleCamera();
    expect(sound.cameraTurns).toEqual([false, true]);
    await settle();
    const again = { id: "again" } as MediaStream;
    sound.on.onCamera(again);
    expect(client.camera).toBe(again);
    // Never renegotiated: the same sound throughout.
    expect(deps.sounds).toHaveLength(1);
    expect(deps.sockets[0].sent.filter((f) => f.req.type === "join_meeting_media")).toHaveLength(1);
  });

  it("says why the camera could not be turned on, until it is", async () => {
    const { deps, client } = joined(true);
    await settle();
    const sound = deps.sounds[0];
    sound.on.onConnected();
    client.toggleCamera();
    expect(sound.cameraTurns).toEqual([true]);
    sound.on.onCameraProblem("denied");
    expect(client.cameraProblem).toBe("denied");
    expect(client.camera).toBeNull();
    await settle();
    client.toggleCamera();
    expect(sound.cameraTurns).toEqual([true, true]);
    sound.on.onCamera({ id: "mine" } as MediaStream);
    expect(client.cameraProblem).toBeNull();
  });

  it("turns the camera on with the sound started again, once turned on in the meeting", async () => {
    const { deps, client, socket } = joined(true);
    await settle();
    expect(deps.sounds[0].camera).toBe(false);
    client.toggleCamera();
    await settle();
    // Sent back to the lobby, then let in again.
    socket.push({ frame: "event", event: { type: "guest_session", session: session(false) } });
    expect(deps.sounds[0].closed).toBe(true);
    // The closed sound's turns are not the page's any more.
    deps.sounds[0].on.onCamera({ id: "late" } as MediaStream);
    expect(client.camera).toBeNull();
    socket.push({ frame: "event", event: { type: "guest_session", session: session(true) } });
    expect(deps.sounds[1].camera).toBe(true);
  });

  it("reads who is on the lines while the sound is on, and forgets them after", async () => {
    const { deps, client } = joined(true);
    await settle();
    const sound = deps.sounds[0];
    sound.lines = { video: { v1: 11, v3: 12 }, heard: [11, 13], speaking: [13] };
    expect(client.seen).toEqual({});
    vi.advanceTimersByTime(SOURCES_MS);
    expect(client.seen).toEqual({ v1: 11, v3: 12 });
    expect(client.heard).toEqual([11, 13]);
    expect(client.speaking).toEqual([13]);
    // The same reading again changes nothing on the page.
    const seen = client.seen;
    sound.lines = { video: { v1: 11, v3: 12 }, heard: [11, 13], speaking: [13] };
    vi.advanceTimersByTime(SOURCES_MS);
    expect(client.seen).toBe(seen);
    sound.lines = { video: { v3: 11 }, heard: [11], speaking: [] };
    vi.advanceTimersByTime(SOURCES_MS);
    expect(client.seen).toEqual({ v3: 11 });
    expect(client.speaking).toEqual([]);
    client.leave();
    expect(client.seen).toEqual({});
    expect(client.heard).toEqual([]);
    // No more readings once it is closed.
    sound.lines = { video: { v1: 1 }, heard: [1], speaking: [1] };
    vi.advanceTimersByTime(SOURCES_MS * 3);
    expect(client.seen).toEqual({});
  });

  it("mutes the microphone, and keeps it muted on the sound it starts", async () => {
    const { deps, client } = joined(true);
    await settle();
    client.toggleMute();
    expect(client.muted).toBe(true);
    expect(deps.sounds[0].muted).toBe(true);
    client.toggleMute();
    expect(deps.sounds[0].muted).toBe(false);
  });

  it("leaves: tells the server, closes the sound and the socket", async () => {
    const { deps, client, socket } = joined(true);
    await settle();
    deps.sounds[0].on.onConnected();
    client.leave();
    expect(client.state).toMatchObject({ step: "ended", ending: { cause: "left" }, room: "Weekly planning" });
    expect(socket.last("leave_meeting").req).toEqual({ type: "leave_meeting", conversation: 9 });
    expect(socket.closed).toBe(true);
    expect(deps.sounds[0].closed).toBe(true);
    expect(client.remote).toEqual([]);
    // No more pings on a closed socket.
    const sent = socket.sent.length;
    vi.advanceTimersByTime(PING_MS * 3);
    expect(socket.sent).toHaveLength(sent);
  });

  it("ends on the server's closing event, without a leave_meeting", async () => {
    const { deps, client, socket } = joined(true);
    await settle();
    socket.push({ frame: "event", event: { type: "closing", code: "access_ended", reason: { reason: "removed_by_moderator" } } });
    expect(client.state).toEqual({
      step: "ended",
      ending: { cause: "closing", error: { code: "access_ended", reason: { reason: "removed_by_moderator" } } },
      room: "Weekly planning",
    });
    expect(socket.sent.some((f) => f.req.type === "leave_meeting")).toBe(false);
    expect(deps.sounds[0].closed).toBe(true);
    socket.drop();
    expect(client.state.step).toBe("ended");
  });

  it("ends when refused in the lobby", async () => {
    const { deps, client, socket } = joined(false);
    await settle();
    socket.push({ frame: "event", event: { type: "closing", code: "access_ended", reason: { reason: "refused_by_moderator" } } });
    expect(client.state).toMatchObject({ step: "ended", ending: { cause: "closing", error: { reason: { reason: "refused_by_moderator" } } } });
    expect(deps.sounds).toHaveLength(0);
  });

  it("ends when the connection drops", async () => {
    const { client, socket } = joined(true);
    await settle();
    socket.drop();
    expect(client.state).toMatchObject({ step: "ended", ending: { cause: "lost" } });
  });

  it("ends when the server refuses the sound", async () => {
    const { deps, client, socket } = joined(true);
    await settle();
    const media = socket.last("join_meeting_media");
    socket.push({ frame: "error", id: media.id, error: { code: "invalid", reason: { reason: "bad_sdp" } } });
    await settle();
    expect(client.state).toEqual({
      step: "ended",
      ending: { cause: "media", error: { code: "invalid", reason: { reason: "bad_sdp" } } },
      room: "Weekly planning",
    });
    expect(deps.sounds[0].closed).toBe(true);
    expect(socket.last("leave_meeting").req.conversation).toBe(9);
  });

  it("goes back to the form with the reason when refused, and tries again on a new socket", async () => {
    const deps = fakeDeps();
    const client = new GuestClient("tok123", deps);
    client.join("Zoe", null);
    deps.sockets[0].open();
    deps.sockets[0].push({ frame: "error", id: 1, error: { code: "invalid", reason: { reason: "meeting_not_started", room: "Weekly planning" } } });
    await settle();
    expect(client.state).toEqual({
      step: "form",
      joining: false,
      error: { kind: "refused", error: { code: "invalid", reason: { reason: "meeting_not_started", room: "Weekly planning" } } },
    });
    expect(deps.sockets[0].closed).toBe(true);
    client.join("Zoe", null);
    expect(deps.sockets).toHaveLength(2);
    expect(client.state).toEqual({ step: "form", joining: true, error: null });
  });

  it("says the server is unreachable when the socket closes before the answer", async () => {
    const deps = fakeDeps();
    const client = new GuestClient("tok123", deps);
    client.join("Zoe", null);
    deps.sockets[0].drop();
    await settle();
    expect(client.state).toEqual({ step: "form", joining: false, error: { kind: "unreachable" } });
  });

  it("comes back to the form from the end, with nothing left over", async () => {
    const { deps, client } = joined(true);
    await settle();
    deps.sounds[0].on.onMicrophone("denied");
    client.toggleMute();
    client.leave();
    client.again();
    expect(client.state).toEqual({ step: "form", joining: false, error: null });
    expect(client.muted).toBe(false);
    expect(client.micProblem).toBeNull();
  });
});
