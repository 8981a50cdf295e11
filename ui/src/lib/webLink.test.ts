import { describe, expect, it } from "vitest";
import { webJoinLink, webOrigin } from "./webLink";

describe("a server address's web origin", () => {
  it("maps ws to http and wss to https, dropping the path", () => {
    expect(webOrigin("ws://127.0.0.1:7300")).toBe("http://127.0.0.1:7300");
    expect(webOrigin("ws://127.0.0.1:7300/v1/ws")).toBe("http://127.0.0.1:7300");
    expect(webOrigin("wss://chat.example.org/v1/ws")).toBe("https://chat.example.org");
    expect(webOrigin("wss://chat.example.org:8443/v1/ws/")).toBe("https://chat.example.org:8443");
    expect(webOrigin("WSS://Chat.Example.org/v1/ws")).toBe("https://chat.example.org");
  });

  it("keeps http and https, and their port", () => {
    expect(webOrigin("http://chat.example.org:7300")).toBe("http://chat.example.org:7300");
    expect(webOrigin("https://chat.example.org/")).toBe("https://chat.example.org");
    expect(webOrigin("https://chat.example.org:8443/confer?x=1#top")).toBe("https://chat.example.org:8443");
  });

  it("takes a bare host:port as http", () => {
    expect(webOrigin("chat.example.org:7300")).toBe("http://chat.example.org:7300");
    expect(webOrigin("localhost")).toBe("http://localhost");
    expect(webOrigin("  10.0.0.5:7300/v1/ws ")).toBe("http://10.0.0.5:7300");
  });

  it("keeps IPv6 addresses in brackets", () => {
    expect(webOrigin("[::1]:7000")).toBe("http://[::1]:7000");
    expect(webOrigin("ws://[::1]:7000/v1/ws")).toBe("http://[::1]:7000");
    expect(webOrigin("wss://[2001:db8::1]:8443")).toBe("https://[2001:db8::1]:8443");
  });

  it("drops credentials and takes the first of a list", () => {
    expect(webOrigin("ws://user:pw@chat.example.org:7300/v1/ws")).toBe("http://chat.example.org:7300");
    expect(webOrigin("wss://a.example.org/v1/ws, ws://b.example.org:7300")).toBe("https://a.example.org");
  });

  it("gives nothing for no address, an unreadable one or another scheme", () => {
    expect(webOrigin(null)).toBeNull();
    expect(webOrigin(undefined)).toBeNull();
    expect(webOrigin("")).toBeNull();
    expect(webOrigin(" , ")).toBeNull();
    expect(webOrigin("ws://")).toBeNull();
    expect(webOrigin("ws:///v1/ws")).toBeNull();
    expect(webOrigin("ftp://chat.example.org")).toBeNull();
    expect(webOrigin("chat example.org")).toBeNull();
  });
});

describe("a room's web link", () => {
  it("is the origin, /join/ and the token", () => {
    expect(webJoinLink("wss://chat.example.org/v1/ws", "abc123")).toBe("https://chat.example.org/join/abc123");
    expect(webJoinLink("[::1]:7000", "abc123")).toBe("http://[::1]:7000/join/abc123");
  });

  it("is nothing without a server or a token", () => {
    expect(webJoinLink(null, "abc123")).toBeNull();
    expect(webJoinLink("ws://127.0.0.1:7300", null)).toBeNull();
    expect(webJoinLink("ws://127.0.0.1:7300", "")).toBeNull();
  });
});
