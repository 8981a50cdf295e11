// Keyboard and focus handling shared by the popup menus (the status menu, the call's devices
// menu), kept in one place so that they behave alike: arrow keys, Home and End move through the
// items; Escape closes, back on the menu button; Tab out of the popup or a click elsewhere closes.

/** Arrow keys (wrapping), Home and End move focus among `items`; other keys are left alone. */
export function menuKey(e: KeyboardEvent, items: HTMLElement[]): void {
  const i = items.indexOf(document.activeElement as HTMLElement);
  let next: number | null = null;
  if (e.key === "ArrowDown") next = (i + 1) % items.length;
  else if (e.key === "ArrowUp") next = (i - 1 + items.length) % items.length;
  else if (e.key === "Home") next = 0;
  else if (e.key === "End") next = items.length - 1;
  if (next !== null) {
    e.preventDefault();
    items[next]?.focus();
  }
}

/** Escape within the popup closes it (`close` puts focus back on the menu button). */
export function popupKey(e: KeyboardEvent, close: () => void): void {
  if (e.key === "Escape") {
    e.preventDefault();
    e.stopPropagation();
    close();
  }
}

/**
 * Tabbing out of the popup closes it, without refocusing. Focus moving to the menu button is
 * left to the button's click, which closes the menu: closing here first would make that click
 * reopen it.
 */
export function popupFocusOut(e: FocusEvent, button: HTMLElement | null, close: () => void): void {
  const to = e.relatedTarget as Node | null;
  if (to && to !== button && !(e.currentTarget as HTMLElement).contains(to)) close();
}

/**
 * A click anywhere outside `root` closes the menu. Call it from an `$effect` while the menu is
 * open and return what it returns (the listener's removal).
 */
export function closeOnOutsideClick(root: HTMLElement | null, close: () => void): () => void {
  const outside = (e: PointerEvent) => {
    if (root && !root.contains(e.target as Node)) close();
  };
  document.addEventListener("pointerdown", outside);
  return () => document.removeEventListener("pointerdown", outside);
}
