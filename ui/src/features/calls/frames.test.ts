import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeSocket, wireFrame } from "../../../tests/frames";
import { signedIn } from "../../../tests/helpers";
import { FrameFeed } from "./frames";
import type { I420Frame } from "./i420";

beforeEach(() => {
  FakeSocket.opened = [];
  vi.stubGlobal("WebSocket", FakeSocket);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const paint = () => new Promise((r) => setTimeout(r, 40));

describe("FrameFeed", () => {
  it("connects once, with a fresh URL, and hands each stream only its newest frame", async () => {
    const fake = await signedIn();
    const feed = new FrameFeed();
    const remote: I420Frame[] = [];
    const self: I420Frame[] = [];
    feed.on(0, (f) => remote.push(f));
    const stop = feed.on(1, (f) => self.push(f));
    await feed.open();
    await feed.open();
    expect(fake.callsOf("frameSocket")).toEqual([[]]);
    expect(FakeSocket.opened).toHaveLength(1);
    const socket = FakeSocket.opened[0];
    socket.push(wireFrame(0, 4, 4, 1));
    socket.push(wireFrame(1, 2, 2, 1));
    socket.push(wireFrame(0, 4, 4, 2));
    // Not a frame: ignored.
    socket.push(new ArrayBuffer(5));
    await paint();
    expect(remote.map((f) => f.sequence)).toEqual([2]);
    expect(self.map((f) => f.sequence)).toEqual([1]);
    stop();
    socket.push(wireFrame(1, 2, 2, 2));
    await paint();
    expect(self).toHaveLength(1);
    feed.close();
    expect(socket.closed).toBe(true);
    socket.push(wireFrame(0, 4, 4, 3));
    await paint();
    expect(remote).toHaveLength(1);
  });

  it("opens a dropped socket again with a new URL, a few times; never once closed", async () => {
    const fake = await signedIn();
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const feed = new FrameFeed();
    await feed.open();
    for (let i = 1; i <= 3; i++) {
      FakeSocket.opened.at(-1)?.drop();
      await vi.advanceTimersByTimeAsync(1000);
      expect(FakeSocket.opened).toHaveLength(i + 1);
    }
    expect(FakeSocket.opened.map((s) => s.url.split("token=")[1])).toEqual(["fake1", "fake2", "fake3", "fake4"]);
    // Enough: the call goes on without pictures.
    FakeSocket.opened.at(-1)?.drop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(FakeSocket.opened).toHaveLength(4);
    expect(fake.callsOf("frameSocket")).toHaveLength(4);

    const again = new FrameFeed();
    await again.open();
    again.close();
    FakeSocket.opened.at(-1)?.drop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(FakeSocket.opened).toHaveLength(5);
  });

  it("stays silent when the backend has no socket to give", async () => {
    const fake = await signedIn();
    vi.spyOn(fake, "frameSocket").mockRejectedValue({ code: "signed_out", message: "Sign in first." });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const feed = new FrameFeed();
    await feed.open();
    expect(FakeSocket.opened).toEqual([]);
    expect(feed.isOpen).toBe(false);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });
});
