// Who is on each of the meeting's lines. The SFU forwards everyone on a few lines that change
// hands as people come and go, and names the publisher of every packet it forwards in the
// packet's one CSRC: a number derived from who they are (confer-proto's `media_source`), which
// this page computes the same way to put a name on a tile or a speaking highlight. Pure
// functions, tested in sources.test.ts.
import type { MeetingGuest, OngoingMeeting } from "../lib/bindings";

/** The media source the SFU names `identity`'s packets by: the 32-bit FNV-1a of its UTF-8
 * bytes, 1 instead of 0 (0 is "nobody", as a 1:1 call's packets carry). It must match the
 * server's to the bit, so it is the published algorithm with nothing added. */
export function mediaSource(identity: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(identity)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash === 0 ? 1 : hash;
}

/** Who a guest is to the SFU: an external guest by its id in the meeting (its chosen name is
 * not unique), an internal guest by its account name. */
export function guestIdentity(guest: MeetingGuest): string {
  return guest.external ? `guest:${guest.id}` : guest.name;
}

/** The meeting's people by their media source, to their names as the page shows them: the
 * members' account names, the guests' names. */
export function sourceNames(meeting: Pick<OngoingMeeting, "participants" | "guests"> | null | undefined): Map<number, string> {
  const names = new Map<number, string>();
  for (const name of meeting?.participants ?? []) names.set(mediaSource(name), name);
  for (const guest of meeting?.guests ?? []) names.set(mediaSource(guestIdentity(guest)), guest.name);
  return names;
}
