// Small helpers for meetings: their lengths, the datetime-local field, saving an .ics. Their
// times read as every time does (lib/format: formatTime, formatFullDateTime).

const pad = (n: number) => String(n).padStart(2, "0");

/** A length in minutes as "45 min", "1 h", "1 h 30 min". */
export function duration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** A datetime-local value (YYYY-MM-DDTHH:MM, local time) for a moment. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The moment a datetime-local value names (local time); null when it names none. */
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const t = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0)).getTime();
  return Number.isFinite(t) ? t : null;
}

/** The next half hour from `now` (a start to offer in the schedule form). */
export function nextHalfHour(now: number): number {
  const step = 30 * 60_000;
  return Math.ceil((now + 60_000) / step) * step;
}

/** The file name at the end of a saved file's path (either kind of separator), for saying what
 * was saved without the folder's full path. */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== "");
  return parts[parts.length - 1] ?? path;
}
