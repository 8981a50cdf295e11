import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatDateTime, formatDay, formatFullDateTime, formatListTime, formatLongDateTime, formatTime } from "./format";
import { commonWords, formatNumber, formatTag, messageWords, navWords, plural, setLocale, timelineWords } from "./i18n";

// jsdom's browser is en-US: English dates follow its 12-hour clock; French ones France's.
const at = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();
const NOW = at(2025, 3, 5, 18, 30);
/** Spaces as Intl may write them (no-break, narrow no-break) made plain, for comparing. */
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

describe("dates and times in the user's language", () => {
  afterEach(() => setLocale("en"));

  it("writes a time of day as the language does: 12-hour in English, 24-hour in French", () => {
    expect(formatTag("en")).toBe("en-US");
    expect(formatTag("fr")).toBe("fr");
    expect(plain(formatTime(at(2025, 3, 3, 14, 5), "en"))).toBe("2:05 PM");
    expect(plain(formatTime(at(2025, 3, 3, 9, 5), "en"))).toBe("9:05 AM");
    expect(formatTime(at(2025, 3, 3, 14, 5), "fr")).toBe("14:05");
    expect(formatTime(at(2025, 3, 3, 9, 5), "fr")).toBe("09:05");
  });

  it("names the day of a separator: today, yesterday, else the date (with the year when not this one)", () => {
    expect(formatDay(at(2025, 3, 5, 8), "en", NOW)).toBe("Today");
    expect(formatDay(at(2025, 3, 4, 23, 59), "en", NOW)).toBe("Yesterday");
    expect(formatDay(at(2025, 3, 3, 12), "en", NOW)).toBe("Monday, March 3");
    expect(formatDay(at(2024, 12, 31, 12), "en", NOW)).toBe("Tuesday, December 31, 2024");
    expect(formatDay(at(2025, 3, 5, 8), "fr", NOW)).toBe("Aujourd'hui");
    expect(formatDay(at(2025, 3, 4, 8), "fr", NOW)).toBe("Hier");
    expect(formatDay(at(2025, 3, 3, 12), "fr", NOW)).toBe("Lundi 3 mars");
    expect(formatDay(at(2024, 12, 31, 12), "fr", NOW)).toBe("Mardi 31 décembre 2024");
    // Yesterday across a month's end.
    expect(formatDay(at(2025, 2, 28, 12), "en", at(2025, 3, 1, 9))).toBe("Yesterday");
  });

  it("writes a day and a time (last seen, search hits, meetings)", () => {
    expect(plain(formatDateTime(at(2025, 3, 3, 14, 5), "en", NOW))).toBe("Mar 3, 2:05 PM");
    expect(formatDateTime(at(2025, 3, 3, 14, 5), "fr", NOW)).toBe("3 mars, 14:05");
    expect(plain(formatDateTime(at(2024, 3, 3, 14, 5), "en", NOW))).toBe("Mar 3, 2024, 2:05 PM");
    expect(formatDateTime(at(2024, 3, 3, 14, 5), "fr", NOW)).toBe("3 mars 2024, 14:05");
    expect(plain(formatFullDateTime(at(2025, 3, 3, 14, 5), "en"))).toBe("Mon, Mar 3, 2025, 2:05 PM");
    expect(formatFullDateTime(at(2025, 3, 3, 14, 5), "fr")).toBe("lun. 3 mars 2025, 14:05");
  });

  it("writes a moment in full words (an edit's time), with the year when not this one", () => {
    expect(plain(formatLongDateTime(at(2025, 3, 3, 14, 5), "en", NOW))).toBe("Monday, March 3 at 2:05 PM");
    expect(plain(formatLongDateTime(at(2025, 3, 3, 9, 5), "en", NOW))).toBe("Monday, March 3 at 9:05 AM");
    expect(formatLongDateTime(at(2025, 3, 3, 14, 5), "fr", NOW)).toBe("lundi 3 mars à 14:05");
    expect(formatLongDateTime(at(2025, 3, 3, 9, 5), "fr", NOW)).toBe("lundi 3 mars à 09:05");
    expect(plain(formatLongDateTime(at(2024, 12, 31, 14, 5), "en", NOW))).toBe("Tuesday, December 31, 2024 at 2:05 PM");
    expect(formatLongDateTime(at(2024, 12, 31, 14, 5), "fr", NOW)).toBe("mardi 31 décembre 2024 à 14:05");
  });

  it("writes a conversation row's time: the time today, the day before", () => {
    expect(plain(formatListTime(at(2025, 3, 5, 9, 0), "en", NOW))).toBe("9:00 AM");
    expect(formatListTime(at(2025, 3, 5, 9, 0), "fr", NOW)).toBe("09:00");
    expect(formatListTime(at(2025, 3, 1, 9, 0), "en", NOW)).toBe("Mar 1");
    expect(formatListTime(at(2025, 3, 1, 9, 0), "fr", NOW)).toBe("1 mars");
    expect(formatListTime(at(2023, 3, 1, 9, 0), "fr", NOW)).toBe("1 mars 2023");
  });

  it("follows setLocale when no language is given", () => {
    const t = at(2025, 3, 3, 14, 5);
    setLocale("fr");
    expect(formatTime(t)).toBe("14:05");
    expect(formatDay(at(2025, 3, 5), undefined, NOW)).toBe("Aujourd'hui");
    setLocale("en");
    expect(plain(formatTime(t))).toBe("2:05 PM");
  });
});

describe("numbers and plurals in the user's language", () => {
  it("writes numbers as the language does", () => {
    expect(formatNumber(1440, "en")).toBe("1,440");
    expect(plain(formatNumber(1440, "fr"))).toBe("1 440");
    expect(formatNumber(0.5, "fr")).toBe("0,5");
  });

  it("picks the plural form by the language's rules (French 0 and 1 are singular)", () => {
    const en = (n: number) => plural(n, "en", { one: "# member", other: "# members" });
    const fr = (n: number) => plural(n, "fr", { one: "# membre", other: "# membres" });
    expect([0, 1, 2].map(en)).toEqual(["0 members", "1 member", "2 members"]);
    expect([0, 1, 2].map(fr)).toEqual(["0 membre", "1 membre", "2 membres"]);
    expect(plain(fr(1_000_000))).toBe("1 000 000 membres");
    expect(en(1500)).toBe("1,500 members");
    expect(commonWords("en").members(1)).toBe("1 member");
    expect(commonWords("en").members(2)).toBe("2 members");
    expect(commonWords("fr").members(1)).toBe("1 membre");
    expect(commonWords("fr").members(2)).toBe("2 membres");
  });

  it("counts through the rules everywhere in the catalogue", () => {
    expect(timelineWords("en").newBelow(1)).toBe("1 new message");
    expect(timelineWords("en").newBelow(0)).toBe("0 new messages");
    expect(timelineWords("fr").newBelow(0)).toBe("0 nouveau message");
    expect(plain(timelineWords("fr").newBelow(1200))).toBe("1 200 nouveaux messages");
    expect(timelineWords("fr").groupMembers(1)).toBe("Groupe · 1 membre");
    expect(timelineWords("en").roomMembers(2)).toBe("Room · 2 members");
    expect(messageWords("fr").results(0)).toBe("0 message trouvé");
    expect(messageWords("en").results(1500)).toBe("1,500 messages found");
    expect(navWords("fr").unread(1)).toBe(" 1 non lu");
    expect(navWords("fr").unread(2)).toBe(" 2 non lus");
    expect(navWords("en").waiting(1)).toBe("1 waiting in the lobby");
    expect(navWords("fr").waiting(2)).toBe("2 personnes attendent dans la salle d'attente");
  });
});

describe("one place formats dates", () => {
  /** Every source file under src/ (tests aside). */
  function sources(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return sources(path);
      return /\.(svelte|ts)$/.test(e.name) && !/\.test\.ts$/.test(e.name) ? [path] : [];
    });
  }

  it("no component formats a date, a time or a number itself: lib/format.ts and i18n.ts do (file:line)", () => {
    const src = join(__dirname, "..");
    const own = new Set(["lib/format.ts", "lib/bindings.ts"]);
    const hits: string[] = [];
    for (const file of sources(src)) {
      const name = relative(src, file).split("\\").join("/");
      if (own.has(name)) continue;
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (/\.toLocale(Time|Date)?String\(|Intl\.DateTimeFormat\b/.test(line)) hits.push(`${name}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(hits).toEqual([]);
  });
});
