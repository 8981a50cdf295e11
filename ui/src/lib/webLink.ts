// The web link of a room: the server serves a browser guest page at `http(s)://SERVER/join/TOKEN`,
// TOKEN being the same as the app link's (`confer://join/TOKEN`), for people without the app.

/**
 * The web origin of a server address as the app takes it (`ws://host:port`, `wss://host/v1/ws`,
 * `http(s)://host:port` or a bare `host:port`; of a comma-separated list, the first): `ws` becomes
 * `http`, `wss` becomes `https`, a bare address `http`; host and port are kept, any path, query
 * or credentials dropped. Null for an empty or unreadable address, or another scheme.
 */
export function webOrigin(server: string | null | undefined): string | null {
  const first = (server ?? "").split(",").map((s) => s.trim()).find((s) => s !== "");
  if (!first) return null;
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(first);
  const given = m ? m[1].toLowerCase() : null;
  const scheme = given === null || given === "ws" || given === "http" ? "http" : given === "wss" || given === "https" ? "https" : null;
  if (!scheme) return null;
  // The authority: up to the path, query or fragment, without credentials.
  const authority = (m ? m[2] : first).split(/[/?#]/)[0].replace(/^.*@/, "");
  if (authority === "") return null;
  try {
    const url = new URL(`${scheme}://${authority}`);
    return url.hostname === "" ? null : `${scheme}://${url.host}`;
  } catch {
    return null;
  }
}

/** The room's web link for guests without the app: `ORIGIN/join/TOKEN`; null when the server's
 * address is not known (or not readable) or there is no token yet. */
export function webJoinLink(server: string | null | undefined, token: string | null | undefined): string | null {
  const origin = webOrigin(server);
  return origin && token ? `${origin}/join/${encodeURIComponent(token)}` : null;
}
