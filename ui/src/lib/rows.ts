import { tick } from "svelte";

/** Arrow Up/Down, Home and End move the focus along the rows (`selector`) of a list; the
 * conversation and room lists share this. */
export async function moveAlongRows(e: KeyboardEvent, list: HTMLElement | null, selector: string): Promise<void> {
  if (!list) return;
  const rows = [...list.querySelectorAll<HTMLElement>(selector)];
  const i = rows.indexOf(e.currentTarget as HTMLElement);
  let next: number | null = null;
  if (e.key === "ArrowDown") next = Math.min(rows.length - 1, i + 1);
  else if (e.key === "ArrowUp") next = Math.max(0, i - 1);
  else if (e.key === "Home") next = 0;
  else if (e.key === "End") next = rows.length - 1;
  if (next === null) return;
  e.preventDefault();
  await tick();
  rows[next]?.focus();
}
