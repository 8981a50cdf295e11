import { render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Timeline from "./Timeline.svelte";

// The timeline's dates and times come from lib/format in the user's language: day separators
// ("Today", "Yesterday", the weekday and date, the year only when it is not this one), each
// message's and line's time (2:05 PM in English, 24-hour 14:05 in French) and an edit's time.
const at = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();
/** Spaces as Intl may write them (no-break, narrow no-break) made plain, for comparing. */
const plain = (s: string | null | undefined) => (s ?? "").replace(/[\u00a0\u202f]/g, " ");

/** A group whose lines were written on four days: bob joined on Dec 31, 2024 at 9:05; wrote on
 * Monday March 3, 2025 at 14:05 (edited at 15:05), the next day at 9:05 and today at 8:00. It
 * is now Wednesday March 5, 2025, 18:30. */
async function open() {
  vi.useFakeTimers({ toFake: ["Date"], now: at(2024, 12, 31, 9, 5) });
  const fake = await signedIn();
  const id = await fake.createGroup(["bob"], "Lunch");
  fake.answerInvitation(id, "bob");
  vi.setSystemTime(at(2025, 3, 3, 14, 5));
  const monday = fake.post(id, "bob", "On Monday");
  vi.setSystemTime(at(2025, 3, 3, 15, 5));
  fake.editBy(id, monday, "On Monday, edited");
  vi.setSystemTime(at(2025, 3, 4, 9, 5));
  fake.post(id, "bob", "Yesterday");
  vi.setSystemTime(at(2025, 3, 5, 8, 0));
  fake.post(id, "bob", "Today");
  vi.setSystemTime(at(2025, 3, 5, 18, 30));
  await app.reload();
  render(Timeline);
  await app.select(id);
  await settle();
}

/** The day separators (the New messages line aside). */
const days = () => screen.getAllByRole("separator").filter((s) => s.dataset.testid !== "new-messages");
const separators = () => days().map((s) => plain(s.getAttribute("aria-label")));
const times = () => [...screen.getByTestId("timeline-scroller").querySelectorAll("time")].map((t) => plain(t.textContent));
const editedMark = () => within(screen.getAllByTestId("message")[0]).getByTestId("edited");

afterEach(() => {
  setLocale("en");
  vi.useRealTimers();
});

describe("the timeline's dates and times", () => {
  it("in English: today, yesterday, the weekday and date (with the year when not this one), 12-hour times", async () => {
    await open();
    expect(separators()).toEqual(["Tuesday, December 31, 2024", "Monday, March 3", "Yesterday", "Today"]);
    expect(days().map((s) => plain(s.textContent))).toEqual(separators());
    // The join line, then the three messages.
    expect(times()).toEqual(["9:05 AM", "2:05 PM", "9:05 AM", "8:00 AM"]);
    expect(plain(editedMark().title)).toBe("Edited Monday, March 3 at 3:05 PM");
  });

  it("in French: the same in French words, 24-hour times, and it switches at once", async () => {
    await open();
    setLocale("fr");
    await settle();
    expect(separators()).toEqual(["Mardi 31 décembre 2024", "Lundi 3 mars", "Hier", "Aujourd'hui"]);
    expect(times()).toEqual(["09:05", "14:05", "09:05", "08:00"]);
    expect(plain(editedMark().title)).toBe("Modifié le lundi 3 mars à 15:05");
    expect(plain(editedMark().textContent)).toBe("(modifié)Modifié le lundi 3 mars à 15:05");
  });
});
