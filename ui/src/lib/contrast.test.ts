// WCAG AA for UI components (1.4.11): the borders of fields, the off state of switches and the
// presence marks keep 3:1 against every background they sit on, in the light and dark themes.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const css = readFileSync(resolve(__dirname, "../app.css"), "utf8");

/** The custom properties of the first rule whose selector starts with `selector`. */
function theme(selector: string): Record<string, string> {
  const at = css.indexOf(selector);
  const body = css.slice(css.indexOf("{", at) + 1, css.indexOf("}", at));
  return Object.fromEntries([...body.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1], m[2]]));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const THEMES = {
  light: theme(':root[data-theme="light"]'),
  dark: theme(':root[data-theme="dark"]'),
  "dark (system)": theme(":root:not([data-theme])"),
};

describe("contrast of controls and presence marks", () => {
  it("reads both themes from app.css", () => {
    for (const t of Object.values(THEMES)) expect(Object.keys(t)).toContain("control-border");
    expect(THEMES["dark (system)"]).toEqual(THEMES.dark);
  });

  for (const [name, t] of Object.entries(THEMES)) {
    it(`keeps 3:1 in the ${name} theme`, () => {
      const backgrounds = ["bg", "surface", "raised", "accent-soft"];
      const marks = ["control-border", "presence-online", "presence-away", "presence-dnd", "presence-offline", "accent"];
      for (const mark of marks)
        for (const bg of backgrounds)
          expect(contrast(t[mark], t[bg]), `${mark} on ${bg}`).toBeGreaterThanOrEqual(3);
      // A switch's knob (white) on its track, off and on.
      expect(contrast("#ffffff", t["control-border"])).toBeGreaterThanOrEqual(3);
      expect(contrast("#ffffff", t.accent)).toBeGreaterThanOrEqual(3);
    });
  }
});
