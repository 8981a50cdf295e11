// The colour scheme: `data-theme` on <html> is "light" or "dark"; "system" follows the
// operating system's preference live.
import type { Theme } from "./bindings";

const KEY = "confer.theme";
let media: MediaQueryList | null = null;
let follow: (() => void) | null = null;

function systemDark(): MediaQueryList | null {
  return typeof window.matchMedia === "function" ? window.matchMedia("(prefers-color-scheme: dark)") : null;
}

/** Applies a theme now and remembers it for the next start (the sign-in screen). */
export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (media && follow) media.removeEventListener("change", follow);
  media = null;
  follow = null;
  if (theme === "system") {
    const m = systemDark();
    const set = () => {
      root.dataset.theme = m?.matches ? "dark" : "light";
    };
    set();
    if (m) {
      m.addEventListener("change", set);
      media = m;
      follow = set;
    }
  } else {
    root.dataset.theme = theme;
  }
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // Storage may be unavailable; the theme still applies for this session.
  }
}

/** The theme chosen last time (before settings can be read from the backend). */
export function rememberedTheme(): Theme {
  try {
    const t = localStorage.getItem(KEY);
    if (t === "light" || t === "dark" || t === "system") return t;
  } catch {
    // Fall through.
  }
  return "system";
}
