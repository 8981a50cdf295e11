import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../../App.svelte";
import { navWords } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import { isSwitcherKey, switcher } from "./switcher.svelte";

async function setup() {
  const fake = await signedIn(
    (f) => {
      f.seed("bob", 3);
      f.seed("carol", 3);
      f.roomBy("bob", "Design review", ["alice"]);
    },
    { displayNames: { dave: "David Durand", erin: "Erin Example" } },
  );
  render(App);
  await settle();
  return fake;
}

async function press(init: KeyboardEventInit, target: Element = document.body) {
  await fireEvent.keyDown(target, { bubbles: true, ...init });
  await settle();
}

const dialog = () => screen.queryByRole("dialog", { name: "Go to" });
const field = () => within(dialog()!).getByRole("combobox", { name: "Find people, chats and rooms" }) as HTMLInputElement;
const options = () => within(dialog()!).queryAllByRole("option");

async function type(text: string) {
  await fireEvent.input(field(), { target: { value: text } });
  await new Promise((r) => setTimeout(r, 200));
  await settle();
}

beforeEach(() => {
  switcher.open = false;
});

describe("quick switcher (Ctrl+K)", () => {
  it("opens on Ctrl+K and on Cmd+K, not on a plain K", () => {
    expect(isSwitcherKey(new KeyboardEvent("keydown", { key: "k", ctrlKey: true }))).toBe(true);
    expect(isSwitcherKey(new KeyboardEvent("keydown", { key: "K", metaKey: true }))).toBe(true);
    expect(isSwitcherKey(new KeyboardEvent("keydown", { key: "k" }))).toBe(false);
    expect(isSwitcherKey(new KeyboardEvent("keydown", { key: "k", ctrlKey: true, shiftKey: true }))).toBe(false);
  });

  it("lists chats and rooms, filters as one types, opens the picked one with the arrows and Enter", async () => {
    await setup();
    const before = screen.getByRole("button", { name: "Status" });
    before.focus();
    await press({ key: "k", ctrlKey: true }, before);
    expect(dialog()).not.toBeNull();
    expect(document.activeElement).toBe(field());
    expect(options().map((o) => o.dataset.key?.[0])).toEqual(["c", "c", "r"]);
    expect(within(dialog()!).getByRole("group", { name: "Chats" })).toBeTruthy();
    expect(within(dialog()!).getByRole("group", { name: "Rooms" })).toBeTruthy();

    await type("des");
    expect(options().map((o) => o.textContent?.trim())).toEqual(["Design review"]);
    expect(field().getAttribute("aria-activedescendant")).toBe(options()[0].id);
    await press({ key: "Enter" }, field());
    expect(dialog()).toBeNull();
    expect(app.conversation?.info.name).toBe("Design review");
    expect(app.tab).toBe("rooms");
    expect(screen.getAllByTestId("conversation-tab")).toHaveLength(1);
  });

  it("lists people with their display names; one without a chat gets one, then matches by display name", async () => {
    const fake = await setup();
    await press({ key: "k", metaKey: true });
    await type("dav");
    const people = within(dialog()!).getByRole("group", { name: "People" });
    const dave = within(people).getByRole("option");
    expect(dave.textContent).toContain("David Durand");
    expect(dave.textContent).toContain("@dave");
    await press({ key: "Enter" }, field());
    expect(fake.callsOf("openDirect")).toEqual([["dave"]]);
    expect(app.conversation?.info.members).toContain("dave");
    expect(app.tab).toBe("chats");

    await press({ key: "k", ctrlKey: true });
    await type("durand");
    const chats = within(dialog()!).getByRole("group", { name: "Chats" });
    expect(within(chats).getByRole("option").textContent).toContain("David Durand");
    expect(within(dialog()!).queryByRole("group", { name: "People" })).toBeNull();
    await press({ key: "Escape" }, field());
  });

  it("moves with the arrows (wrapping), says when nothing matches, and Escape closes with the focus back", async () => {
    await setup();
    const before = screen.getByRole("button", { name: "Status" });
    before.focus();
    await press({ key: "k", ctrlKey: true }, before);
    await press({ key: "ArrowDown" }, field());
    expect(options()[1].getAttribute("aria-selected")).toBe("true");
    await press({ key: "ArrowUp" }, field());
    await press({ key: "ArrowUp" }, field());
    expect(options()[options().length - 1].getAttribute("aria-selected")).toBe("true");
    await type("zzz");
    expect(options()).toEqual([]);
    expect(within(dialog()!).getByRole("status").textContent).toBe("Nothing matches.");
    await press({ key: "Escape" }, field());
    expect(dialog()).toBeNull();
    expect(switcher.open).toBe(false);
    expect(document.activeElement).toBe(before);
  });

  it("opens from the strip's button too, and a second Ctrl+K closes it", async () => {
    await setup();
    await fireEvent.click(screen.getByTestId("open-switcher"));
    await settle();
    expect(dialog()).not.toBeNull();
    await press({ key: "k", ctrlKey: true }, field());
    expect(dialog()).toBeNull();
  });

  it("has its words in French", () => {
    const fr = navWords("fr");
    expect(fr.switcher).toBe("Aller à");
    expect(fr.nothingMatches).toBe("Rien ne correspond.");
    expect(fr.shortcut(true)).toBe("⌘K");
  });
});
