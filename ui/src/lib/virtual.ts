// Arithmetic of the virtualised timeline: rows have measured or estimated heights; the window
// renders the rows that meet a band of pixels around the viewport.

/** offsets[i] is the top of row i; offsets[n] is the total height. */
export function prefixSums(heights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(heights.length + 1);
  for (let i = 0; i < heights.length; i++) out[i + 1] = out[i] + heights[i];
  return out;
}

/** The row containing pixel y (clamped to the rows that exist). */
export function rowAt(offsets: Float64Array, y: number): number {
  const n = offsets.length - 1;
  if (n <= 0) return 0;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Rows [start, end) that meet the band [top, bottom]. */
export function rowsBetween(offsets: Float64Array, top: number, bottom: number): [number, number] {
  const n = offsets.length - 1;
  if (n <= 0) return [0, 0];
  return [rowAt(offsets, top), Math.min(n, rowAt(offsets, bottom) + 1)];
}

/** A first guess at a row's height before it has been drawn. */
export function estimateHeight(text: string, withDay: boolean): number {
  let lines = 0;
  for (const line of text.split("\n")) lines += Math.max(1, Math.ceil(line.length / 55));
  return 58 + (lines - 1) * 20 + (withDay ? 40 : 0);
}

/** A calendar day, as a number that compares equal within a day (local time). */
export function dayKey(ms: number): number {
  const d = new Date(ms);
  return d.getFullYear() * 10000 + d.getMonth() * 100 + d.getDate();
}
