import { describe, expect, it } from "vitest";
import { guestIdentity, mediaSource, sourceNames } from "./sources";

describe("a media source", () => {
  it("is FNV-1a, as the server computes it (the published test vectors)", () => {
    expect(mediaSource("")).toBe(0x811c9dc5);
    expect(mediaSource("a")).toBe(0xe40c292c);
    expect(mediaSource("foobar")).toBe(0xbf9cf968);
  });

  it("is an unsigned 32-bit number, of the identity's UTF-8 bytes", () => {
    for (const id of ["alice", "bob", "guest:7", "Zoé", "日本"]) {
      const s = mediaSource(id);
      expect(Number.isInteger(s) && s > 0 && s <= 0xffffffff, id).toBe(true);
    }
    expect(mediaSource("alice")).not.toBe(mediaSource("bob"));
    // "é" is two bytes in UTF-8: hashed as such, not as one UTF-16 unit.
    expect(mediaSource("é")).toBe(fnvBytes([0xc3, 0xa9]));
  });
});

/** FNV-1a over bytes, the slow and obvious way (BigInt), to check the fast one against. */
function fnvBytes(bytes: number[]): number {
  let h = 0x811c9dc5n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x01000193n) & 0xffffffffn;
  return Number(h) || 1;
}

describe("the meeting's people by their sources", () => {
  it("names members by account, external guests by id, internal guests by account", () => {
    expect(guestIdentity({ id: 4, name: "Zoe", external: true })).toBe("guest:4");
    expect(guestIdentity({ id: 5, name: "dave", external: false })).toBe("dave");
    const names = sourceNames({
      participants: ["alice", "bob"],
      guests: [
        { id: 4, name: "Zoe", external: true },
        { id: 5, name: "dave", external: false },
        { id: 6, name: "Zoe", external: true },
      ],
    });
    expect(names.get(mediaSource("alice"))).toBe("alice");
    expect(names.get(mediaSource("bob"))).toBe("bob");
    expect(names.get(mediaSource("guest:4"))).toBe("Zoe");
    expect(names.get(mediaSource("guest:6"))).toBe("Zoe");
    expect(names.get(mediaSource("dave"))).toBe("dave");
    // An external guest is not known by its chosen name.
    expect(names.has(mediaSource("Zoe"))).toBe(false);
    expect(names.size).toBe(5);
  });

  it("knows nobody without a meeting", () => {
    expect(sourceNames(null).size).toBe(0);
    expect(sourceNames({ participants: [] }).size).toBe(0);
  });
});
