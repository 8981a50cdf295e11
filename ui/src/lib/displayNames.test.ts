// Display names everywhere, the login name in the details (#13): a 1:1 chat is called by the
// other person's display name in its row, its tab, the timeline's header, the quick switcher and
// search results; the details column shows it as the title with the account name beneath.
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { settle, signedIn } from "../../tests/helpers";
import { layout } from "./layout.svelte";
import { names } from "./names.svelte";
import { app, peerLogin, senderLabel, titleOf } from "./state.svelte";

const NAMES = { bob: "Bob Martin", carol: "Carol Dupont" };

async function setup() {
  const fake = await signedIn(
    (f) => {
      f.seed("bob", 3);
      f.seed("carol", 2);
    },
    { displayNames: NAMES },
  );
  render(App);
  await settle();
  return fake;
}

const row = (peer: string) => document.querySelector<HTMLElement>(`[data-testid=conversation][data-peer="${peer}"]`)!;

beforeEach(() => {
  localStorage.clear();
  layout.load();
});

describe("display names", () => {
  it("titles a 1:1 chat by the display name in its row, its tab, the header and the details, the login beneath", async () => {
    await setup();
    // The row: the display name, still found by the account name.
    await waitFor(() => expect(row("bob").querySelector(".name")?.textContent).toContain("Bob Martin"));
    expect(row("bob").querySelector(".name")?.textContent).not.toMatch(/\bbob\b/);
    expect(row("carol").querySelector(".name")?.textContent).toContain("Carol Dupont");

    await fireEvent.click(row("bob"));
    await settle();
    const strip = screen.getByRole("navigation", { name: "Open conversations" });
    expect(within(strip).getByRole("button", { name: "Bob Martin" }).getAttribute("aria-current")).toBe("page");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Bob Martin");
    expect(screen.getByRole("region", { name: "Messages with Bob Martin" })).toBeTruthy();

    const details = screen.getByRole("complementary", { name: "Details" });
    expect(within(details).getByRole("heading", { level: 2 }).textContent).toBe("Bob Martin");
    expect(within(details).getByTestId("peer-login").textContent).toBe("@bob");
    // The avatar's initials come from the display name.
    expect(details.querySelector(".avatar")?.textContent?.trim()).toBe("BM");
  });

  it("lists the chat by display name in the quick switcher and in search results", async () => {
    await setup();
    await waitFor(() => expect(row("bob").textContent).toContain("Bob Martin"));
    await fireEvent.keyDown(document.body, { key: "k", ctrlKey: true, bubbles: true });
    await settle();
    const go = screen.getByRole("dialog", { name: "Go to" });
    const chats = within(go).getByRole("group", { name: "Chats" });
    const bob = within(chats).getAllByRole("option").find((o) => o.textContent?.includes("Bob Martin"));
    expect(bob?.textContent).toContain("@bob");
    await fireEvent.keyDown(document.body, { key: "Escape", bubbles: true });
    await fireEvent.keyDown(within(go).getByRole("combobox"), { key: "Escape" });
    await settle();

    await fireEvent.keyDown(window, { key: "F", ctrlKey: true, shiftKey: true });
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Search messages" });
    await fireEvent.input(within(dialog).getByRole("searchbox"), { target: { value: "from bob" } });
    await new Promise((r) => setTimeout(r, 260));
    await settle();
    const hits = within(dialog).getAllByTestId("search-result");
    expect(hits.length).toBeGreaterThan(0);
    // "Bob Martin · <date>", then "Bob Martin: Message 1 from bob".
    for (const hit of hits) expect(hit.textContent).toMatch(/^Bob Martin · .*Bob Martin/);
  });

  it("filters the list by the display name or the account name", async () => {
    await setup();
    await waitFor(() => expect(row("bob").textContent).toContain("Bob Martin"));
    const box = screen.getByRole("combobox", { name: /Chat with/ });
    await fireEvent.input(box, { target: { value: "martin" } });
    await settle();
    expect(row("bob")).toBeTruthy();
    expect(row("carol")).toBeNull();
    await fireEvent.input(box, { target: { value: "carol" } });
    await settle();
    expect(row("bob")).toBeNull();
    expect(row("carol")).toBeTruthy();
  });

  it("falls back to the account name while no display name is known", async () => {
    const fake = await signedIn((f) => f.seed("bob", 1), { displayNames: NAMES });
    // The directory does not answer (offline): the login stays.
    fake.searchUsers = () => Promise.reject(new Error("offline"));
    names.reset();
    const info = app.conversations[0].info;
    expect(titleOf(info, "alice")).toBe("bob");
    await settle();
    expect(titleOf(info, "alice")).toBe("bob");
    expect(peerLogin(info, "alice")).toBe("bob");
  });

  it("names unnamed groups and senders by display name", async () => {
    await signedIn(undefined, { displayNames: NAMES });
    const group = { id: 9, created_at: 0, kind: "group" as const, members: ["alice", "bob", "carol"] };
    // Asked once each, then known.
    titleOf(group, "alice");
    await settle();
    expect(titleOf(group, "alice")).toBe("Bob Martin, Carol Dupont");
    expect(senderLabel(group, "bob")).toBe("Bob Martin");
    expect(peerLogin(group, "alice")).toBeNull();
  });
});
