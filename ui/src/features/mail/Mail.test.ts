import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import type { FakeBackend } from "../../../tests/fake-backend";
import { settle, signedIn } from "../../../tests/helpers";
import Details from "../details/Details.svelte";
import Sidebar from "../sidebar/Sidebar.svelte";
import Timeline from "../timeline/Timeline.svelte";
import { mailedAfterName, mailedLine, mailedTo, withEmail } from "./mail.svelte";

// Sending a conversation's history by email: the details column's action and its dialog (the
// directory's suggestions, the send, a refusal, Escape), and the line the sending leaves in the
// timeline and the lists, in English and French.

const EMAILS = { alice: "alice@example.com", bob: "bob@example.com", carol: "carol@example.com", erin: "erin.s@example.org" };

/** Bob's conversation open, the details and the timeline drawn. */
async function open(prepare?: (fake: FakeBackend, id: number) => void) {
  let id = 0;
  const fake = await signedIn(
    (f) => {
      id = f.seed("bob", 3, { stepMs: 60_000 });
      prepare?.(f, id);
    },
    { emails: EMAILS },
  );
  render(Timeline);
  render(Details);
  await app.select(id);
  await settle();
  return { fake, id };
}

const lineText = (el: Element) => el.textContent?.replace(/\s+/g, " ").trim().replace(/ \d{1,2}:\d\d(?: [AP]M)?$/, "");
const mailedLines = () => screen.queryAllByTestId("system-line").filter((l) => l.dataset.kind === "mailed").map(lineText);
const field = () => screen.getByTestId("mail-address") as HTMLInputElement;
const dialog = () => screen.queryByRole("dialog");

async function openDialog() {
  await fireEvent.click(screen.getByTestId("mail-history-button"));
  await settle();
  expect(dialog()).toBeTruthy();
}

async function type(text: string) {
  await fireEvent.input(field(), { target: { value: text } });
  await settle();
}

afterEach(() => {
  setLocale("en");
});

describe("the mailed line", () => {
  it("says who sent the history where, by display name, in English and French", async () => {
    const { fake, id } = await open();
    fake.mailBy(id, "bob", "dana@example.com");
    await settle();
    await vi.waitFor(() => expect(mailedLines()).toEqual(["Bob sent the history to dana@example.com"]));
    const line = screen.getAllByTestId("system-line").find((l) => l.dataset.kind === "mailed")!;
    expect(line.dataset.to).toBe("dana@example.com");
    expect(line.dataset.user).toBe("bob");
    // A line, not a bubble.
    expect(screen.getAllByTestId("message")).toHaveLength(3);
    setLocale("fr");
    await settle();
    expect(mailedLines()).toEqual(["Bob a envoyé l'historique à dana@example.com"]);
  });

  it("says You for one's own", async () => {
    const { fake, id } = await open();
    fake.mailBy(id, "alice", "dana@example.com");
    await settle();
    expect(mailedLines()).toEqual(["You sent the history to dana@example.com"]);
    setLocale("fr");
    await settle();
    expect(mailedLines()).toEqual(["Vous avez envoyé l'historique à dana@example.com"]);
  });

  it("is the conversation's last line in the lists, and is not unread", async () => {
    let room = 0;
    const { fake, id } = await open((f) => {
      room = f.roomBy("carol", "Design", ["bob"]);
    });
    render(Sidebar);
    fake.mailBy(id, "bob", "dana@example.com");
    fake.mailBy(room, "carol", "board@example.com");
    await settle();
    await app.reload();
    await settle();
    const row = screen.getAllByTestId("conversation").find((r) => r.dataset.peer === "bob")!;
    await vi.waitFor(() => expect(within(row).getByTestId("preview").textContent).toBe("Bob sent the history to dana@example.com"));
    expect(within(row).queryByTestId("unread")).toBeNull();
    app.tab = "rooms";
    await settle();
    const roomRow = screen.getAllByTestId("room").find((r) => r.dataset.name === "Design")!;
    await vi.waitFor(() => expect(roomRow.textContent).toContain("3 members · Carol sent the history to board@example.com"));
  });

  it("is on the ribbon after its sender's name while scrolled up, and said to screen readers", async () => {
    const { fake, id } = await open();
    const scroller = screen.getByTestId("timeline-scroller");
    let top = 0;
    Object.defineProperty(scroller, "clientHeight", { configurable: true, get: () => 500 });
    Object.defineProperty(scroller, "scrollHeight", { configurable: true, get: () => 5000 });
    Object.defineProperty(scroller, "scrollTop", { configurable: true, get: () => top, set: (v: number) => (top = Math.max(0, Math.min(v, 4500))) });
    scroller.scrollTop = 1000;
    await fireEvent.scroll(scroller);
    await settle();
    fake.mailBy(id, "bob", "dana@example.com");
    await settle();
    const ribbon = screen.getByTestId("ribbon");
    expect(within(ribbon).getByText("Bob").tagName).toBe("STRONG");
    expect(ribbon.textContent).toContain("sent the history to dana@example.com");
    // Announced as a line of its own (by the name known when it came), not as a message's words.
    const said = screen.getAllByRole("status").map((s) => s.textContent ?? "");
    expect(said.filter((t) => /^(bob|Bob) sent the history to dana@example\.com$/.test(t))).toHaveLength(1);
    expect(said.some((t) => t.startsWith("New message from"))).toBe(false);
  });

  it("is worded for the lists, the ribbon and screen readers", () => {
    const kind = { mailed: { to: "dana@example.com" } };
    expect(mailedTo(kind)).toBe("dana@example.com");
    expect(mailedTo("text")).toBeNull();
    expect(mailedTo(undefined)).toBeNull();
    expect(mailedLine({ kind, sender: "alice" }, "alice")).toBe("You sent the history to dana@example.com");
    expect(mailedLine({ kind: "joined", sender: "alice" }, "alice")).toBeNull();
    expect(mailedAfterName({ kind })).toBe("sent the history to dana@example.com");
    setLocale("fr");
    expect(mailedAfterName({ kind })).toBe("a envoyé l'historique à dana@example.com");
  });
});

describe("sending the history by email", () => {
  it("is offered for every kind of conversation", async () => {
    let group = 0;
    let room = 0;
    await open((f) => {
      group = f.seedGroup("Lunch", ["bob", "carol"], [{ sender: "bob", text: "Pizza?" }]);
      room = f.roomBy("carol", "Design", ["bob"]);
    });
    expect(screen.getByTestId("mail-history-button").textContent).toBe("Send history by email…");
    for (const id of [group, room]) {
      await app.select(id);
      await settle();
      expect(screen.getByTestId("mail-history-button")).toBeTruthy();
    }
    setLocale("fr");
    await settle();
    expect(screen.getByTestId("mail-history-button").textContent).toBe("Envoyer l'historique par e-mail…");
  });

  it("suggests the directory's people who have an address; a pick fills the field", async () => {
    const { fake } = await open();
    await openDialog();
    expect(dialog()!.getAttribute("aria-label")).toBe("Send history by email");
    expect(dialog()!.textContent).toContain("The history of “Bob”, as you see it, goes to this address in one email.");
    expect(screen.getByLabelText("Email address")).toBe(field());
    expect(document.activeElement).toBe(field());
    expect(field().type).toBe("email");
    // "e": alice, dave and erin match; dave has no address.
    await type("e");
    expect(fake.callsOf("searchUsers").at(-1)).toEqual(["e"]);
    const list = screen.getByRole("listbox", { name: "People with an email address" });
    const options = within(list).getAllByRole("option");
    expect(options.map((o) => o.dataset.user)).toEqual(["alice", "erin"]);
    expect(options[1].textContent).toContain("Erin");
    expect(options[1].textContent).toContain("erin.s@example.org");
    expect(field().getAttribute("aria-expanded")).toBe("true");
    await fireEvent.click(options[1]);
    await settle();
    expect(field().value).toBe("erin.s@example.org");
    expect(screen.getByRole("listbox", { hidden: true }).hidden).toBe(true);
    expect(field().getAttribute("aria-expanded")).toBe("false");

    // With the keyboard: the arrows choose, Enter picks (and does not send).
    await type("car");
    await fireEvent.keyDown(field(), { key: "ArrowDown" });
    expect(field().getAttribute("aria-activedescendant")).toBe(within(screen.getByRole("listbox")).getAllByRole("option")[0].id);
    await fireEvent.keyDown(field(), { key: "Enter" });
    await settle();
    expect(field().value).toBe("carol@example.com");
    expect(fake.callsOf("mailHistory")).toEqual([]);
    expect(dialog()).toBeTruthy();
  });

  it("sends with the UI's language and clock, closes and says where the history went; its line comes", async () => {
    const { fake, id } = await open();
    await openDialog();
    await type("car");
    await fireEvent.click(screen.getAllByTestId("mail-suggestion")[0]);
    await settle();
    await fireEvent.click(screen.getByTestId("mail-send"));
    await settle();
    expect(dialog()).toBeNull();
    expect(fake.mails).toEqual([{ conversation: id, to: "carol@example.com", language: "en", utcOffsetMinutes: -new Date().getTimezoneOffset() }]);
    expect(screen.getByTestId("mail-notice").textContent).toBe("History sent to carol@example.com.");
    expect(screen.getByTestId("mail-notice").getAttribute("role")).toBe("status");
    expect(document.activeElement).toBe(screen.getByTestId("mail-history-button"));
    expect(mailedLines()).toEqual(["You sent the history to carol@example.com"]);
    // In French, the mail is French.
    setLocale("fr");
    await settle();
    expect(screen.getByTestId("mail-notice").textContent).toBe("Historique envoyé à carol@example.com.");
    await openDialog();
    await type("  dana@example.com ");
    await fireEvent.submit(screen.getByTestId("mail-dialog"));
    await settle();
    expect(fake.mails.at(-1)).toMatchObject({ to: "dana@example.com", language: "fr" });
  });

  it("keeps Send disabled while the address is empty and while it sends", async () => {
    const { fake } = await open((f) => {
      f.holdMail = true;
    });
    await openDialog();
    const send = screen.getByTestId("mail-send") as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    await type("dana@example.com");
    expect(send.disabled).toBe(false);
    await fireEvent.click(send);
    await settle();
    expect(send.disabled).toBe(true);
    expect(send.textContent?.trim()).toBe("Sending…");
    expect(dialog()).toBeTruthy();
    fake.releaseMail();
    await settle();
    expect(dialog()).toBeNull();
    expect(fake.mails).toHaveLength(1);
  });

  it("says a refusal in the dialog, worded, and stays open to mend the address", async () => {
    const { fake } = await open();
    await openDialog();
    await type("dana at example");
    await fireEvent.click(screen.getByTestId("mail-send"));
    await settle();
    expect(dialog()).toBeTruthy();
    const alert = within(dialog()!).getByRole("alert");
    expect(alert.textContent).toBe("That is not an email address.");
    expect(field().getAttribute("aria-invalid")).toBe("true");
    expect(field().getAttribute("aria-describedby")).toBe(alert.id);
    expect(document.activeElement).toBe(field());
    expect(fake.mails).toEqual([]);
    expect(screen.queryByTestId("mail-notice")).toBeNull();
    // Typing again clears it.
    await type("dana@example.com");
    expect(within(dialog()!).queryByRole("alert")).toBeNull();

    // A server that cannot send email, in French.
    fake.mailRefusal = { reason: "mail_not_configured" };
    setLocale("fr");
    await settle();
    await fireEvent.click(screen.getByTestId("mail-send"));
    await settle();
    expect(within(dialog()!).getByRole("alert").textContent).toBe("Ce serveur n'est pas configuré pour envoyer des e-mails.");
    fake.mailRefusal = { reason: "too_many_mails", per_hour: 10 };
    setLocale("en");
    await fireEvent.click(screen.getByTestId("mail-send"));
    await settle();
    expect(within(dialog()!).getByRole("alert").textContent).toBe("At most 10 histories can be sent by email per hour; try again later.");
    expect(mailedLines()).toEqual([]);
  });

  it("closes with Escape (the suggestions first) or Cancel, focus back on its button", async () => {
    await open();
    await openDialog();
    await type("car");
    expect(screen.getAllByTestId("mail-suggestion")).toHaveLength(1);
    await fireEvent.keyDown(field(), { key: "Escape" });
    await settle();
    expect(screen.queryAllByTestId("mail-suggestion")).toHaveLength(0);
    expect(dialog()).toBeTruthy();
    await fireEvent.keyDown(field(), { key: "Escape" });
    await settle();
    expect(dialog()).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("mail-history-button"));
    // Opened again: empty.
    await openDialog();
    expect(field().value).toBe("");
    await fireEvent.click(screen.getByTestId("mail-cancel"));
    await settle();
    expect(dialog()).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("mail-history-button"));
  });

  it("keeps the focus inside while open", async () => {
    await open();
    await openDialog();
    await type("dana@example.com");
    const cancel = screen.getByTestId("mail-cancel");
    cancel.focus();
    await fireEvent.keyDown(cancel, { key: "Tab" });
    // Wrapped round to the first control: the dialog's close button.
    expect(dialog()!.contains(document.activeElement)).toBe(true);
    expect(document.activeElement).toBe(within(dialog()!).getByRole("button", { name: "Close" }));
    await fireEvent.keyDown(document.activeElement!, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(cancel);
  });

  it("keeps only the people with an address", () => {
    const entry = (name: string, email: string | null) => ({ user: { name, display_name: name, email }, presence: null });
    expect(withEmail([entry("a", "a@x.org"), entry("b", null), entry("c", " ")]).map((e) => e.user.name)).toEqual(["a"]);
  });
});
