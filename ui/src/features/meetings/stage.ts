// The meeting stage's arithmetic, apart from the component so that it is tested alone: whom the
// speaker layout shows large, whom the grid has room for, and the grid's shape.
import type { MeetingPeerView } from "../../lib/bindings";

/** The others a grid shows at most (this device's own tile comes on top): more would make
 * every face too small to read under the header. */
export const GRID_MAX = 9;

/** The person (by source) the speaker layout shows large, given the one shown until now: they
 * stay while they still speak (two talking at once must not flicker), else the first one
 * speaking takes their place; when nobody speaks the last speaker stays (the most recent one),
 * and without one, the first person heard. Null when there is nobody. */
export function nextSpeaker(previous: number | null, people: MeetingPeerView[]): number | null {
  const before = people.find((p) => p.source === previous);
  if (before?.speaking) return before.source;
  const speaking = people.find((p) => p.speaking);
  if (speaking) return speaking.source;
  if (before) return before.source;
  return people[0]?.source ?? null;
}

/** The others the grid shows: the first GRID_MAX in the order they came, with the latest
 * speaker swapped in for the last of them when they would be left out (the one talking is
 * always seen). */
export function gridPeople(people: MeetingPeerView[], speaker: number | null): MeetingPeerView[] {
  if (people.length <= GRID_MAX) return people;
  const shown = people.slice(0, GRID_MAX);
  const loud = people.find((p) => p.source === speaker);
  if (loud && !shown.includes(loud)) shown[GRID_MAX - 1] = loud;
  return shown;
}

/** A square-ish grid for `tiles` tiles: as many columns as the square root, rounded up. */
export function gridShape(tiles: number): { columns: number; rows: number } {
  const columns = Math.max(1, Math.ceil(Math.sqrt(tiles)));
  return { columns, rows: Math.max(1, Math.ceil(tiles / columns)) };
}
