import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { app } from "../../lib/state.svelte";
import type { FakeBackend } from "../../../tests/fake-backend";
import { settle, signedIn } from "../../../tests/helpers";
import People from "./People.svelte";

/** jsdom lays nothing out: give the scroller a height and a scroll position to work with. */
function fakeLayout(el: HTMLElement, height = 500) {
  let top = 0;
  Object.defineProperty(el, "clientHeight", { configurable: true, get: () => height });
  Object.defineProperty(el, "scrollTop", {
    configurable: true,
    get: () => top,
    set: (v: number) => {
      top = Math.max(0, v);
    },
  });
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lets the debounced filter and presence watching run. */
async function pause() {
  await wait(300);
  await settle();
}

/** The fake's usual users, then `n` more. */
function numbered(n: number): string[] {
  return ["bob", "carol", "dave", "erin", ...Array.from({ length: n }, (_, i) => `user${String(i + 1).padStart(5, "0")}`)];
}

async function setup(opts: { users?: string[]; showOffline?: boolean; prepare?: (f: FakeBackend) => void } = {}) {
  if (opts.showOffline) localStorage.setItem("confer.people.showOffline", "true");
  const fake = await signedIn(
    (f) => {
      f.setPresence("bob", "online", "Working from home");
      f.setPresence("carol", "away");
      f.setPresence("dave", "dnd", "Presenting");
      opts.prepare?.(f);
    },
    opts.users ? { users: opts.users } : {},
  );
  render(People);
  const scroller = screen.getByTestId("people-scroller");
  fakeLayout(scroller);
  await settle();
  return { fake, scroller };
}

const rows = () => screen.queryAllByTestId("person");
const names = () => rows().map((r) => r.dataset.user);

async function scrollTo(scroller: HTMLElement, top: number) {
  scroller.scrollTop = top;
  await fireEvent.scroll(scroller);
  await settle();
}

describe("People", () => {
  it("shows who is online, by name, with status and message; the toggle adds offline users, greyed, and is remembered", async () => {
    const { fake } = await setup();
    expect(fake.callsOf("directory")).toEqual([["", null, true]]);
    expect(names()).toEqual(["bob", "carol", "dave"]); // not alice herself, not erin (offline)
    const bob = rows()[0];
    expect(bob.textContent).toContain("Bob");
    expect(bob.textContent).toContain("Available");
    expect(bob.querySelector("[data-testid=person-message]")?.textContent).toContain("Working from home");
    // Told apart by shape, not colour alone, and by name.
    const shapes = rows().map((r) => r.querySelector("svg[data-shape]")?.getAttribute("data-shape"));
    expect(shapes).toEqual(["online", "away", "dnd"]);
    expect(rows()[2].textContent).toContain("Do not disturb");

    const toggle = screen.getByRole("switch", { name: "Show offline users" }) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    await fireEvent.click(toggle);
    await settle();
    expect(fake.callsOf("directory").at(-1)).toEqual(["", null, false]);
    expect(names()).toEqual(["bob", "carol", "dave", "erin"]);
    const erin = rows()[3];
    expect(erin.dataset.status).toBe("offline");
    expect(erin.classList.contains("offline")).toBe(true);
    expect(erin.textContent).toContain("Offline");
    expect(rows()[0].classList.contains("offline")).toBe(false);
    expect(localStorage.getItem("confer.people.showOffline")).toBe("true");

    // Opened again, the choice stands.
    cleanup();
    render(People);
    await settle();
    expect((screen.getByRole("switch", { name: "Show offline users" }) as HTMLInputElement).checked).toBe(true);
    expect(fake.callsOf("directory").at(-1)).toEqual(["", null, false]);

    // Off again: offline users go.
    await fireEvent.click(screen.getByRole("switch", { name: "Show offline users" }));
    await settle();
    expect(fake.callsOf("directory").at(-1)).toEqual(["", null, true]);
    expect(names()).toEqual(["bob", "carol", "dave"]);
  });

  it("loads the next page as the end comes into sight, and draws only the rows around the viewport", async () => {
    const { fake, scroller } = await setup({ users: numbered(350), showOffline: true });
    expect(fake.callsOf("directory")).toEqual([["", null, false]]);
    // Alice is the first of the page (and left out): 99 rows of 52 px.
    expect(rows().length).toBeLessThan(40);
    expect(names()[0]).toBe("bob");

    await scrollTo(scroller, 1000);
    expect(fake.callsOf("directory")).toHaveLength(1);

    await scrollTo(scroller, 99 * 52 - 600);
    const calls = fake.callsOf("directory");
    expect(calls).toHaveLength(2);
    expect(calls[1][1]).toBe("user00095"); // the last of the first page (alice, bob, carol, dave, erin, 95 more)
    expect(calls[1][2]).toBe(false);
    await scrollTo(scroller, 150 * 52);
    expect(names()).toContain("user00150");
    expect(rows().length).toBeLessThan(40);
  });

  it("keeps fetching while the online filter leaves pages short, and stops at the end", async () => {
    const users = numbered(320);
    const { fake } = await setup({
      users,
      prepare: (f) => {
        f.setPresence("user00300", "online");
        f.setPresence("user00310", "away");
      },
    });
    await settle();
    // Four pages of up to 100 looked at (325 people); only the online ones come.
    expect(fake.callsOf("directory").map((c) => c[2])).toEqual([true, true, true, true]);
    expect(names()).toEqual(["bob", "carol", "dave", "user00300", "user00310"]);
    expect(screen.queryByText("Loading…")).toBeNull();
  });

  it("with 10,000 people, watches the presence of the rows on screen only, and shows it live", async () => {
    const { fake, scroller } = await setup({ users: numbered(10_000), showOffline: true });
    await pause();
    expect(fake.callsOf("directory")).toHaveLength(1);
    const first = fake.watched.slice();
    expect(first.length).toBeGreaterThan(5);
    expect(first.length).toBeLessThan(15); // 500 px of 52 px rows
    expect(first[0]).toBe("bob");

    await scrollTo(scroller, 2600);
    await pause();
    const later = fake.watched.slice();
    expect(later.length).toBeLessThan(15);
    expect(later).not.toContain("bob");
    expect(later[0]).toBe("user00047"); // row 50 of bob, carol, dave, erin, user00001…

    fake.setPresence(later[1], "dnd", "Busy");
    await settle();
    const row = rows().find((r) => r.dataset.user === later[1])!;
    expect(row.dataset.status).toBe("dnd");
    expect(row.textContent).toContain("Busy");

    // Scrolling on loads more, a page at a time, never all 10,000.
    await scrollTo(scroller, 99 * 52);
    await scrollTo(scroller, 198 * 52);
    await pause();
    expect(fake.callsOf("directory").length).toBeLessThanOrEqual(4);
    expect(fake.watched.length).toBeLessThan(15);
  });

  it("lists favourites first, filtered by the same text, then everyone else", async () => {
    const { fake } = await setup({
      showOffline: true,
      prepare: (f) => {
        f.answerRequest("erin", true);
        f.answerRequest("carol", true);
        f.answerRequest("dave", false);
      },
    });
    await settle();
    const headings = () => screen.queryAllByRole("heading").map((h) => h.textContent);
    expect(headings()).toEqual(["Favourites", "Everyone else"]);
    expect(names()).toEqual(["carol", "erin", "bob", "dave"]);
    expect(rows()[1].classList.contains("offline")).toBe(true);

    const box = screen.getByRole("searchbox", { name: "Filter people" });
    await fireEvent.input(box, { target: { value: "ER" } });
    await pause();
    expect(fake.callsOf("directory").at(-1)).toEqual(["ER", null, false]);
    expect(names()).toEqual(["erin"]);
    expect(headings()).toEqual(["Favourites"]);

    await fireEvent.input(box, { target: { value: "b" } });
    await pause();
    expect(names()).toEqual(["bob"]);
    expect(headings()).toEqual([]);

    await fireEvent.input(box, { target: { value: "zed" } });
    await pause();
    expect(names()).toEqual([]);
    expect(screen.getByRole("status").textContent).toContain("Nobody matches.");
  });

  it("moves between rows with the arrow keys (one Tab stop), and Enter opens the 1:1 chat", async () => {
    const { fake } = await setup({ showOffline: true });
    app.tab = "people";
    const all = rows();
    expect(all.map((r) => r.tabIndex)).toEqual([0, -1, -1, -1]);
    all[0].focus();
    await fireEvent.keyDown(all[0], { key: "ArrowDown" });
    await settle();
    expect((document.activeElement as HTMLElement).dataset.user).toBe("carol");
    await fireEvent.keyDown(document.activeElement!, { key: "End" });
    await settle();
    expect((document.activeElement as HTMLElement).dataset.user).toBe("erin");
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowUp" });
    await settle();
    const dave = document.activeElement as HTMLElement;
    expect(dave.dataset.user).toBe("dave");
    expect(dave.tabIndex).toBe(0);

    await fireEvent.keyDown(dave, { key: "Enter" });
    await settle();
    expect(fake.callsOf("openDirect")).toEqual([["dave"]]);
    expect(app.tab).toBe("chats");
    expect(app.conversation?.info.kind).toBe("direct");
    expect(app.conversation?.info.members).toContain("dave");
  });

  it("stops watching when closed", async () => {
    const { fake } = await setup();
    await pause();
    expect(fake.watched).toEqual(["bob", "carol", "dave"]);
    cleanup();
    await settle();
    expect(fake.watched).toEqual([]);
  });
});

describe("People, against a server that leaves `next` out on the last page", () => {
  it("stops there", async () => {
    const { fake } = await setup({
      prepare: (f) => {
        const page = f.directory.bind(f);
        f.directory = async (q, after, online) => {
          const p = await page(q, after, online);
          return p.next === null ? ({ users: p.users } as unknown as typeof p) : p;
        };
      },
    });
    await settle();
    expect(fake.callsOf("directory")).toHaveLength(1);
    expect(names()).toEqual(["bob", "carol", "dave"]);
  });
});
