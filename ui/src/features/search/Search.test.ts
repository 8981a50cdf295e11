import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import { rich } from "../timeline/rich.svelte";
import Timeline from "../timeline/Timeline.svelte";
import SearchDialog from "./SearchDialog.svelte";
import { excerpt, fold, highlight, searchTerms, stem, textMatches } from "./words";

/** Past the search's typing delay. */
const typed = () => new Promise((r) => setTimeout(r, 260));

describe("the words of a search", () => {
  it("folds case and accents, and finds English and French words by their stems or starts", () => {
    expect(fold("Réunion ÉTÉ")).toBe("reunion ete");
    expect(searchTerms("  Budget, budgets! réunion ")).toEqual(["budget", "budgets", "reunion"]);
    expect(stem("meetings")).toBe("meet");
    expect(stem("réunions")).toBe("reunion");
    expect(stem("parties")).toBe("party");
    expect(textMatches("The budget meeting moved", "meetings")).toBe(true);
    expect(textMatches("Les réunions de jeudi", "reunion jeudi")).toBe(true);
    expect(textMatches("Planning for Thursday", "plan")).toBe(true);
    expect(textMatches("The budget meeting moved", "budget friday")).toBe(false);
    expect(textMatches("anything", " ,, ")).toBe(false);
  });

  it("marks the words found, and cuts a long text around the first", () => {
    expect(highlight("Budget meeting: the budgets are in", "budget")).toEqual([
      { text: "Budget", hit: true },
      { text: " meeting: the ", hit: false },
      { text: "budgets", hit: true },
      { text: " are in", hit: false },
    ]);
    expect(highlight("nothing here", "budget")).toEqual([{ text: "nothing here", hit: false }]);
    const long = `${"word ".repeat(60)}the budget ${"more ".repeat(60)}`;
    const cut = excerpt(long, "budget", 60);
    expect(cut).toContain("budget");
    expect(cut.startsWith("…")).toBe(true);
    expect(cut.endsWith("…")).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(62);
  });
});

async function seeded() {
  let bob = 0;
  let carol = 0;
  const fake = await signedIn((f) => {
    bob = f.seed("bob", 120, { stepMs: 60_000, text: (i) => (i === 3 ? "The budget meeting moved to Thursday" : i === 100 ? "Budget figures are in" : `Chat ${i}`) });
    carol = f.seed("carol", 3, { text: (i) => (i === 1 ? "Les réunions budgétaires" : `Hi ${i}`) });
  });
  // Highlights last the whole test: a loaded machine can take longer than the usual few
  // seconds between the highlight and the look at it.
  rich.highlightMs = 60_000;
  return { fake, bob, carol };
}

// jsdom draws a timeline of 120 messages slowly on a busy machine.
describe("the search bar over the open conversation", { timeout: 20_000 }, () => {
  it("opens with Ctrl+F, searches this conversation's cache as one types, marks the words, and goes to a hit", async () => {
    const { fake, bob } = await seeded();
    render(Timeline);
    await app.select(bob);
    await settle();
    await fireEvent.keyDown(window, { key: "f", ctrlKey: true });
    await settle();
    const field = screen.getByRole("searchbox", { name: "Search in this conversation" });
    expect(document.activeElement).toBe(field);
    await fireEvent.input(field, { target: { value: "budget" } });
    await typed();
    await settle();
    expect(fake.callsOf("searchLocal")).toEqual([["budget", bob]]);
    const hits = screen.getAllByTestId("search-result");
    // Newest first; carol's message is in another conversation.
    expect(hits.map((h) => h.dataset.seq)).toEqual(["101", "4"]);
    expect([...hits[1].querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["budget"]);
    expect(screen.getByRole("search").textContent).toContain("2 messages found");
    // Down from the field to the hits, Up back.
    await fireEvent.keyDown(field, { key: "ArrowDown" });
    await settle();
    expect(document.activeElement).toBe(hits[0]);
    await fireEvent.keyDown(hits[0], { key: "ArrowUp" });
    expect(document.activeElement).toBe(field);

    await fireEvent.click(hits[1]);
    for (let i = 0; i < 10 && !app.messages.some((m) => m.seq === 4); i++) await settle();
    await settle();
    expect(rich.highlighted).toBe(app.messages.find((m) => m.seq === 4)!.local_id);
    // The hits fold away to uncover the timeline; the bar stays.
    expect(screen.queryByTestId("chat-search-results")).toBeNull();
    await fireEvent.keyDown(field, { key: "Escape" });
    await settle();
    expect(screen.queryByRole("search")).toBeNull();
    expect(document.activeElement).toBe(screen.getByLabelText("Message"));
  });

  it("asks the server for what the cache does not hold, and says so when offline", async () => {
    const { fake, bob } = await seeded();
    fake.uncache(bob, 50);
    render(Timeline);
    await app.select(bob);
    await settle();
    await fireEvent.click(screen.getByRole("button", { name: "Search in this conversation" }));
    await settle();
    const field = screen.getByRole("searchbox");
    await fireEvent.input(field, { target: { value: "budget" } });
    await typed();
    await settle();
    expect(screen.getAllByTestId("search-result").map((h) => h.dataset.seq)).toEqual(["101"]);
    await fireEvent.click(screen.getByRole("button", { name: "Search the server" }));
    await settle();
    expect(fake.callsOf("searchMessages")).toEqual([["budget", bob]]);
    expect(screen.getByText("Older messages from the server")).toBeTruthy();
    expect(screen.getAllByTestId("search-result").map((h) => h.dataset.seq)).toEqual(["101", "4"]);
    expect(screen.queryByRole("button", { name: "Search the server" })).toBeNull();

    fake.connection("offline");
    await settle();
    await fireEvent.input(field, { target: { value: "thursday" } });
    await typed();
    await settle();
    expect(screen.getByRole("search").textContent).toContain("No message found.");
    await fireEvent.click(screen.getByRole("button", { name: "Search the server" }));
    await settle();
    expect(screen.getByRole("alert").textContent).toBe("The server cannot be reached: only the messages on this device were searched.");
  });
});

describe("the search of every conversation", { timeout: 20_000 }, () => {
  it("opens with Ctrl+Shift+F, lists hits with their conversation and date, and opens one at its message", async () => {
    const { fake, bob, carol } = await seeded();
    render(Timeline);
    render(SearchDialog);
    await app.select(carol);
    await settle();
    await fireEvent.keyDown(window, { key: "F", ctrlKey: true, shiftKey: true });
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Search messages" });
    const field = within(dialog).getByRole("searchbox", { name: "Search every conversation" });
    expect(document.activeElement).toBe(field);
    await fireEvent.input(field, { target: { value: "budgets" } });
    await typed();
    await settle();
    expect(fake.callsOf("searchLocal")).toEqual([["budgets", null]]);
    const hits = within(dialog).getAllByTestId("search-result");
    expect(hits.map((h) => `${h.dataset.conversation}:${h.dataset.seq}`).sort()).toEqual([`${bob}:101`, `${bob}:4`, `${carol}:2`].sort());
    const theirs = hits.find((h) => h.dataset.conversation === String(carol))!;
    expect(theirs.textContent).toMatch(/^Carol · /);
    expect(theirs.textContent).toContain("You: Les réunions budgétaires");
    expect(theirs.querySelector("mark")?.textContent).toBe("budgétaires");

    await fireEvent.click(hits.find((h) => h.dataset.seq === "4")!);
    for (let i = 0; i < 10 && !app.messages.some((m) => m.seq === 4); i++) await settle();
    await settle();
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(app.selected).toBe(bob);
    // Highlighted once the page holding it is in: waited for, not assumed (a busy machine
    // takes longer than a few ticks).
    await vi.waitFor(() => expect(rich.highlighted).toBe(app.messages.find((m) => m.seq === 4)?.local_id), { timeout: 15_000, interval: 20 });
    expect(rich.highlighted).not.toBeNull();
  });

  it("asks the server too, as the bar does, and Enter in the field opens the first hit", async () => {
    const { fake, bob, carol } = await seeded();
    fake.uncache(bob, 50);
    render(Timeline);
    render(SearchDialog);
    const found = () => within(screen.getByRole("dialog")).getAllByTestId("search-result").map((h) => `${h.dataset.conversation}:${h.dataset.seq}`);
    await fireEvent.keyDown(window, { key: "F", ctrlKey: true, shiftKey: true });
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Search messages" });
    const field = within(dialog).getByRole("searchbox");
    await fireEvent.input(field, { target: { value: "budget" } });
    await typed();
    await settle();
    expect(found()).toEqual([`${bob}:101`, `${carol}:2`]);
    await fireEvent.click(within(dialog).getByRole("button", { name: "Search the server" }));
    await settle();
    expect(fake.callsOf("searchMessages")).toEqual([["budget", null]]);
    expect(within(dialog).getByText("Older messages from the server")).toBeTruthy();
    expect(found()).toEqual([`${bob}:101`, `${carol}:2`, `${bob}:4`]);
    expect(within(dialog).getByRole("status").textContent).toBe("3 messages found");

    fake.connection("offline");
    await settle();
    await fireEvent.input(field, { target: { value: "thursday" } });
    await typed();
    await settle();
    await fireEvent.click(within(dialog).getByRole("button", { name: "Search the server" }));
    await settle();
    expect(within(dialog).getByRole("alert").textContent).toBe("The server cannot be reached: only the messages on this device were searched.");

    await fireEvent.input(field, { target: { value: "figures" } });
    await typed();
    await settle();
    await fireEvent.keyDown(field, { key: "Enter" });
    for (let i = 0; i < 10 && !app.messages.some((m) => m.seq === 101); i++) await settle();
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(app.selected).toBe(bob);
  });

  it("does nothing while disabled, and is worded in French", async () => {
    await seeded();
    const { unmount } = render(SearchDialog, { disabled: true });
    await fireEvent.keyDown(window, { key: "F", ctrlKey: true, shiftKey: true });
    await settle();
    expect(screen.queryByRole("dialog")).toBeNull();
    unmount();
    setLocale("fr");
    try {
      render(SearchDialog);
      await fireEvent.keyDown(window, { key: "F", ctrlKey: true, shiftKey: true });
      await settle();
      const dialog = screen.getByRole("dialog", { name: "Rechercher des messages" });
      await fireEvent.input(within(dialog).getByRole("searchbox"), { target: { value: "reunion" } });
      await typed();
      await settle();
      expect(within(dialog).getByRole("status").textContent).toBe("1 message trouvé");
      expect(within(dialog).getByRole("button", { name: "Rechercher sur le serveur" })).toBeTruthy();
    } finally {
      setLocale("en");
    }
  });
});

describe("a hit's date and time", { timeout: 20_000 }, () => {
  const at = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();
  const plain = (s: string | null | undefined) => (s ?? "").replace(/[\u00a0\u202f]/g, " ");
  const YEAR = 365 * 86_400_000;

  afterEach(() => {
    setLocale("en");
    vi.useRealTimers();
  });

  /** Two budget messages from bob, on March 3, 2025 and March 3, 2024 at 14:05; it is now March
   * 5, 2025. */
  async function dated() {
    let bob = 0;
    await signedIn(
      (f) => {
        bob = f.seed("bob", 2, { stepMs: YEAR, text: (i) => `Budget ${i}` });
      },
      { now: at(2026, 3, 3, 14, 5) },
    );
    vi.useFakeTimers({ toFake: ["Date"], now: at(2025, 3, 5, 18, 30) });
    return bob;
  }

  async function searchChat(bob: number): Promise<string[]> {
    render(Timeline);
    await app.select(bob);
    await settle();
    await fireEvent.keyDown(window, { key: "f", ctrlKey: true });
    await settle();
    await fireEvent.input(screen.getByRole("searchbox"), { target: { value: "budget" } });
    await typed();
    await settle();
    return screen.getAllByTestId("search-result").map((h) => plain(h.querySelector("time")?.textContent));
  }

  async function searchAll(): Promise<string[]> {
    render(SearchDialog);
    await fireEvent.keyDown(window, { key: "F", ctrlKey: true, shiftKey: true });
    await settle();
    await fireEvent.input(screen.getByRole("searchbox"), { target: { value: "budget" } });
    await typed();
    await settle();
    return screen.getAllByTestId("search-result").map((h) => plain(h.querySelector(".head")?.textContent));
  }

  it("in English: the day, the year when not this one, a 12-hour time", async () => {
    expect(await searchChat(await dated())).toEqual(["Mar 3, 2:05 PM", "Mar 3, 2024, 2:05 PM"]);
  });

  it("in English, with where it was said", async () => {
    await dated();
    expect(await searchAll()).toEqual(["Bob · Mar 3, 2:05 PM", "Bob · Mar 3, 2024, 2:05 PM"]);
  });

  it("in French: 24-hour times", async () => {
    const bob = await dated();
    setLocale("fr");
    expect(await searchChat(bob)).toEqual(["3 mars, 14:05", "3 mars 2024, 14:05"]);
  });
});
