import { describe, expect, it } from "vitest";
import { clientFrame, launchOptions, parseFrame, socketUrl, tokenFromPath } from "./protocol";

describe("the link token in the page's address", () => {
  it("is the last segment of /join/TOKEN", () => {
    expect(tokenFromPath("/join/abc123XYZ")).toBe("abc123XYZ");
    expect(tokenFromPath("/join/abc123XYZ/")).toBe("abc123XYZ");
    expect(tokenFromPath("/confer/join/abc")).toBe("abc");
  });

  it("is decoded", () => {
    expect(tokenFromPath("/join/a%2Db%5Fc")).toBe("a-b_c");
  });

  it("is missing from any other path", () => {
    for (const path of ["/", "", "/join", "/join/", "/guest.html", "/other/abc", "/join/%", "/join/%20"]) expect(tokenFromPath(path), path).toBeNull();
  });
});

describe("the socket's address", () => {
  it("is the page's host, wss behind https", () => {
    expect(socketUrl({ protocol: "http:", host: "confer.example:8080" })).toBe("ws://confer.example:8080/v1/ws");
    expect(socketUrl({ protocol: "https:", host: "confer.example" })).toBe("wss://confer.example/v1/ws");
  });
});

describe("the query's options", () => {
  it("fills the name, and joins at once with auto=1 and a name", () => {
    expect(launchOptions("?name=Zoe%20Q&auto=1")).toEqual({ name: "Zoe Q", auto: true, camera: false });
    expect(launchOptions("?name=Zoe")).toEqual({ name: "Zoe", auto: false, camera: false });
    expect(launchOptions("?auto=1")).toEqual({ name: "", auto: false, camera: false });
    expect(launchOptions("")).toEqual({ name: "", auto: false, camera: false });
  });

  it("ticks the camera with camera=1", () => {
    expect(launchOptions("?name=Zoe&auto=1&camera=1")).toEqual({ name: "Zoe", auto: true, camera: true });
    expect(launchOptions("?camera=1")).toEqual({ name: "", auto: false, camera: true });
    expect(launchOptions("?camera=0").camera).toBe(false);
    expect(launchOptions("?camera=yes").camera).toBe(false);
  });
});

describe("frames", () => {
  it("sends a request with its id", () => {
    expect(JSON.parse(clientFrame(1, { type: "join_by_link", link: "tok", name: "Zoe" }))).toEqual({
      id: 1,
      req: { type: "join_by_link", link: "tok", name: "Zoe" },
    });
    expect(JSON.parse(clientFrame(2, { type: "ping" }))).toEqual({ id: 2, req: { type: "ping" } });
    expect(JSON.parse(clientFrame(3, { type: "join_meeting_media", conversation: 9, offer: "v=0" }))).toEqual({
      id: 3,
      req: { type: "join_meeting_media", conversation: 9, offer: "v=0" },
    });
  });

  it("reads responses, errors and events", () => {
    expect(parseFrame('{"frame":"response","id":7,"result":{"type":"meeting_media","answer":"v=0"}}')).toEqual({
      kind: "response",
      id: 7,
      result: { type: "meeting_media", answer: "v=0" },
    });
    expect(parseFrame('{"frame":"error","id":1,"error":{"code":"not_found","reason":{"reason":"link_unknown"}}}')).toEqual({
      kind: "error",
      id: 1,
      error: { code: "not_found", reason: { reason: "link_unknown" } },
    });
    expect(parseFrame('{"frame":"error","id":null,"error":{"code":"bad_frame","reason":{"reason":"not_text"}}}')).toMatchObject({ kind: "error", id: null });
    expect(parseFrame('{"frame":"event","event":{"type":"closing","code":"access_ended","reason":{"reason":"meeting_ended"}}}')).toEqual({
      kind: "event",
      event: { type: "closing", code: "access_ended", reason: { reason: "meeting_ended" } },
    });
  });

  it("reads an error without a reason it can read as of an unknown reason", () => {
    expect(parseFrame('{"frame":"error","id":4,"error":{"code":"forbidden"}}')).toEqual({
      kind: "error",
      id: 4,
      error: { code: "forbidden", reason: { reason: "unknown" } },
    });
  });

  it("drops what is not a frame", () => {
    for (const text of ["", "nope", "null", "[]", "42", '{"frame":"other"}', '{"frame":"response","id":"1","result":{"type":"ok"}}', '{"frame":"event","event":{}}', '{"frame":"error","id":1}'])
      expect(parseFrame(text), text).toBeNull();
    expect(parseFrame(new ArrayBuffer(4))).toBeNull();
  });
});
