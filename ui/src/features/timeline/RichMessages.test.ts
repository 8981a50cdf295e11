import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import ReplyQuote from "./ReplyQuote.svelte";
import { rich } from "./rich.svelte";
import Timeline from "./Timeline.svelte";

// seed("bob", 6): bob 1, alice 2, bob 3, bob 4, alice 5, bob 6.
async function open(count = 6, prepare?: (fake: import("../../../tests/fake-backend").FakeBackend, id: number) => void) {
  let id = 0;
  const fake = await signedIn((f) => {
    id = f.seed("bob", count, { stepMs: 60_000 });
    prepare?.(f, id);
  });
  render(Timeline);
  await app.select(id);
  await settle();
  return { fake, id };
}

const bySeq = (seq: number) => screen.getAllByTestId("message").find((m) => m.dataset.seq === String(seq))!;
const box = () => screen.getByLabelText("Message") as HTMLTextAreaElement;

afterEach(() => {
  vi.useRealTimers();
});

describe("the action bar", () => {
  it("offers react, reply, edit, delete and copy on one's own texts, react, reply and copy on others'", async () => {
    await open();
    const mine = within(bySeq(2)).getByRole("toolbar", { name: "Actions for Alice's message" });
    expect([...mine.querySelectorAll("[data-tool]")].map((b) => b.getAttribute("aria-label"))).toEqual([
      "Add reaction",
      "Reply",
      "Edit",
      "Delete",
      "Copy text",
    ]);
    const theirs = within(bySeq(3)).getByRole("toolbar");
    expect([...theirs.querySelectorAll("[data-tool]")].map((b) => b.getAttribute("aria-label"))).toEqual(["Add reaction", "Reply", "Copy text"]);
  });

  it("is one keyboard stop; the arrow keys, Home and End move along it", async () => {
    await open();
    const tools = [...within(bySeq(2)).getByRole("toolbar").querySelectorAll<HTMLElement>("[data-tool]")];
    expect(tools.map((t) => t.tabIndex)).toEqual([0, -1, -1, -1, -1]);
    tools[0].focus();
    await fireEvent.keyDown(tools[0], { key: "ArrowRight" });
    expect(document.activeElement).toBe(tools[1]);
    await fireEvent.keyDown(tools[1], { key: "End" });
    expect(document.activeElement).toBe(tools[4]);
    expect(tools.map((t) => t.tabIndex)).toEqual([-1, -1, -1, -1, 0]);
    await fireEvent.keyDown(tools[4], { key: "ArrowRight" });
    expect(document.activeElement).toBe(tools[0]);
  });

  it("is not on join and leave lines, nor on deleted messages; a pending message may be edited, not answered", async () => {
    const fake = await signedIn(undefined, { ackDelayMs: null });
    const id = await fake.createGroup(["bob"], "Lunch");
    fake.answerInvitation(id, "bob");
    const seq = fake.post(id, "bob", "Pizza?");
    fake.deleteBy(id, seq);
    await app.reload();
    render(Timeline);
    await app.select(id);
    await settle();
    expect(screen.getAllByTestId("system-line")[0].querySelector("[role=toolbar]")).toBeNull();
    const gone = screen.getByTestId("message");
    expect(gone.dataset.deleted).toBe("true");
    expect(gone.querySelector("[role=toolbar]")).toBeNull();
    expect(within(gone).getByTestId("message-text").textContent).toBe("Message deleted");
    expect(within(gone).getByTestId("message-text").className).toContain("deleted");

    await app.send("not yet sent");
    await settle();
    const pending = screen.getAllByTestId("message").at(-1)!;
    expect([...pending.querySelectorAll("[data-tool]")].map((b) => b.getAttribute("data-tool"))).toEqual(["edit", "delete", "copy"]);
  });

  it("copies the text, and says so", async () => {
    await open();
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText } });
    try {
      await fireEvent.click(within(bySeq(3)).getByRole("button", { name: "Copy text" }));
      await settle();
      expect(writeText).toHaveBeenCalledWith("Message 3 from bob");
      expect(screen.getByTestId("message-notice").textContent).toBe("Text copied.");
    } finally {
      delete (navigator as unknown as { clipboard?: unknown }).clipboard;
    }
  });

  it("opens the same actions as a context menu, with the common reactions first", async () => {
    const { fake, id } = await open();
    const bubble = bySeq(2);
    await fireEvent.contextMenu(bubble, { clientX: 40, clientY: 50 });
    await settle();
    const menu = screen.getByRole("menu", { name: "Actions for Alice's message" });
    const items = within(menu).getAllByRole("menuitem");
    expect(items.slice(0, 6).map((i) => i.getAttribute("aria-label"))).toEqual(["React with 👍", "React with ❤️", "React with 😂", "React with 😮", "React with 😢", "React with 🎉"]);
    expect(items.slice(6).map((i) => i.textContent?.trim())).toEqual(["Reply", "Edit", "Copy text", "Delete…"]);
    expect(document.activeElement).toBe(items[0]);
    await fireEvent.keyDown(items[0], { key: "ArrowRight" });
    expect(document.activeElement).toBe(items[1]);
    await fireEvent.click(items[1]);
    await settle();
    expect(screen.queryByRole("menu")).toBeNull();
    expect(fake.callsOf("react")).toEqual([[bubble.dataset.localId ? Number(bubble.dataset.localId) : 0, "❤️", true]]);
    expect(fake.messageAt(id, 2)?.reactions).toEqual([{ emoji: "❤️", users: ["alice"] }]);
    // Escape closes it.
    await fireEvent.contextMenu(bySeq(3), { clientX: 40, clientY: 50 });
    await settle();
    await fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    await settle();
    expect(screen.queryByRole("menu")).toBeNull();
  });
});

describe("editing and deleting", () => {
  it("edits in place: Enter saves, marked (edited) with the time in its tooltip; Escape cancels", async () => {
    const { fake, id } = await open();
    await fireEvent.click(within(bySeq(5)).getByRole("button", { name: "Edit" }));
    await settle();
    const editor = screen.getByRole("textbox", { name: "Edit message" }) as HTMLTextAreaElement;
    expect(editor.value).toBe("Reply number 5");
    expect(document.activeElement).toBe(editor);
    await fireEvent.input(editor, { target: { value: "Reply number five" } });
    await fireEvent.keyDown(editor, { key: "Enter" });
    await settle();
    expect(fake.callsOf("editMessage")).toEqual([[Number(bySeq(5).dataset.localId), "Reply number five"]]);
    expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull();
    expect(within(bySeq(5)).getByTestId("message-text").textContent).toBe("Reply number five");
    const mark = within(bySeq(5)).getByTestId("edited");
    expect(mark.textContent).toMatch(/^\(edited\)Edited /);
    expect(mark.title).toMatch(/^Edited /);
    expect(fake.messageAt(id, 5)?.edited_at).not.toBeNull();
    expect(document.activeElement).toBe(box());

    // Escape: nothing sent.
    await fireEvent.click(within(bySeq(2)).getByRole("button", { name: "Edit" }));
    await settle();
    const again = screen.getByRole("textbox", { name: "Edit message" });
    await fireEvent.input(again, { target: { value: "never saved" } });
    await fireEvent.keyDown(again, { key: "Escape" });
    await settle();
    expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull();
    expect(within(bySeq(2)).getByTestId("message-text").textContent).toBe("Reply number 2");
    expect(fake.callsOf("editMessage")).toHaveLength(1);
  });

  it("edits the last own message with Up in the empty box, as in Slack and Teams", async () => {
    await open();
    box().focus();
    await fireEvent.keyDown(box(), { key: "ArrowUp" });
    await settle();
    const editor = within(bySeq(5)).getByRole("textbox", { name: "Edit message" }) as HTMLTextAreaElement;
    expect(editor.value).toBe("Reply number 5");
    await fireEvent.keyDown(editor, { key: "Escape" });
    await settle();
    // Not with text in the box: Up moves the caret there.
    await fireEvent.input(box(), { target: { value: "typing" } });
    const up = await fireEvent.keyDown(box(), { key: "ArrowUp" });
    expect(up).toBe(true);
    expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull();
  });

  it("shows an edit made elsewhere, and a refused edit keeps the box with the reason", async () => {
    const { fake, id } = await open();
    fake.editBy(id, 3, "Message 3, corrected");
    await settle();
    expect(within(bySeq(3)).getByTestId("message-text").textContent).toBe("Message 3, corrected");
    expect(bySeq(3).dataset.edited).toBe("true");

    await fireEvent.click(within(bySeq(5)).getByRole("button", { name: "Edit" }));
    await settle();
    fake.deleteBy(id, 5);
    await settle();
    // Deleted meanwhile: the editor goes.
    expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull();
    expect(bySeq(5).dataset.deleted).toBe("true");
  });

  it("asks before deleting; the message then says Message deleted, in muted italics", async () => {
    const { fake, id } = await open();
    await fireEvent.click(within(bySeq(5)).getByRole("button", { name: "Delete" }));
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Delete message" });
    expect(dialog.textContent).toContain("Delete this message for everyone? This cannot be undone.");
    await fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    await settle();
    expect(fake.callsOf("deleteMessage")).toEqual([]);
    await fireEvent.click(within(bySeq(5)).getByRole("button", { name: "Delete" }));
    await settle();
    await fireEvent.click(screen.getByTestId("confirm-delete"));
    await settle();
    expect(fake.callsOf("deleteMessage")).toEqual([[Number(bySeq(5).dataset.localId)]]);
    expect(within(bySeq(5)).getByTestId("message-text").textContent).toBe("Message deleted");
    expect(fake.messageAt(id, 5)).toMatchObject({ deleted: true, text: "" });
    expect(within(bySeq(5)).queryByRole("toolbar")).toBeNull();
  });
});

describe("replies", { timeout: 20_000 }, () => {
  it("shows Replying to in the box, × cancels; sent with send_reply; the answer quotes the original", async () => {
    const { fake, id } = await open();
    await fireEvent.click(within(bySeq(3)).getByRole("button", { name: "Reply" }));
    await settle();
    expect(screen.getByTestId("reply-banner").textContent).toContain("Replying to Bob: Message 3 from bob");
    expect(document.activeElement).toBe(box());
    await fireEvent.click(screen.getByRole("button", { name: "Cancel reply" }));
    await settle();
    expect(screen.queryByTestId("reply-banner")).toBeNull();

    await fireEvent.click(within(bySeq(3)).getByRole("button", { name: "Reply" }));
    await settle();
    await fireEvent.input(box(), { target: { value: "Answering you" } });
    await fireEvent.keyDown(box(), { key: "Enter" });
    await settle();
    expect(fake.callsOf("sendReply")).toEqual([[id, "Answering you", 3]]);
    expect(screen.queryByTestId("reply-banner")).toBeNull();
    const answer = screen.getAllByTestId("message").at(-1)!;
    const quote = within(answer).getByTestId("reply-quote");
    expect(quote.textContent).toContain("Bob");
    expect(quote.textContent).toContain("Message 3 from bob");
    expect(quote.textContent).toContain("In reply to Bob");

    // The quote follows the original: edited, then deleted.
    fake.editBy(id, 3, "Message three");
    await settle();
    expect(within(screen.getAllByTestId("message").at(-1)!).getByTestId("reply-quote").textContent).toContain("Message three");
    fake.deleteBy(id, 3);
    await settle();
    expect(within(screen.getAllByTestId("message").at(-1)!).getByTestId("reply-quote").textContent).toContain("Message deleted");
  });

  it("Escape in the box cancels the reply; a deleted original cancels it too", async () => {
    const { fake, id } = await open();
    await fireEvent.click(within(bySeq(1)).getByRole("button", { name: "Reply" }));
    await settle();
    await fireEvent.keyDown(box(), { key: "Escape" });
    await settle();
    expect(screen.queryByTestId("reply-banner")).toBeNull();
    await fireEvent.click(within(bySeq(1)).getByRole("button", { name: "Reply" }));
    await settle();
    fake.deleteBy(id, 1);
    await settle();
    expect(screen.queryByTestId("reply-banner")).toBeNull();
  });

  it("says Original message not loaded for an original outside the loaded pages; a click goes to it and highlights it", async () => {
    const { fake, id } = await open(100);
    fake.replyBy(id, "bob", "About that first one", 2);
    await settle();
    // The answer is the newest message (jsdom draws the top of the window: its quote is drawn
    // here on its own).
    const answer = app.messages.at(-1)!;
    expect(answer.reply_to).toBe(2);
    render(ReplyQuote, { conversation: id, seq: 2, info: app.conversation!.info });
    const quote = screen.getAllByTestId("reply-quote").at(-1)!;
    expect(quote.textContent).toContain("Original message not loaded");
    expect(quote.classList.contains("missing")).toBe(true);
    await fireEvent.click(quote);
    // Older pages load until it is in.
    for (let i = 0; i < 10 && !app.messages.some((m) => m.seq === 2); i++) await settle();
    expect(app.messages.some((m) => m.seq === 2)).toBe(true);
    await settle();
    expect(rich.highlighted).toBe(app.messages.find((m) => m.seq === 2)!.local_id);
    expect(quote.textContent).toContain("Reply number 2");
    expect(bySeq(2).classList.contains("highlighted")).toBe(true);
    expect(document.activeElement).toBe(bySeq(2));
  });

  it("says so when the original cannot be found", async () => {
    const { fake, id } = await open(3);
    fake.replyBy(id, "bob", "About something", 99);
    await settle();
    await fireEvent.click(within(screen.getAllByTestId("message").at(-1)!).getByTestId("reply-quote"));
    await settle();
    expect(screen.getByTestId("message-notice").textContent).toBe("That message could not be found in this conversation's history.");
  });
});

describe("reactions", () => {
  it("shows chips with counts, pressed for the user's own, who in the tooltip; a click toggles", async () => {
    const { fake, id } = await open();
    fake.reactBy(id, 3, "bob", "👍");
    fake.reactBy(id, 3, "alice", "👍");
    fake.reactBy(id, 3, "bob", "🎉");
    await settle();
    const chips = within(bySeq(3)).getAllByTestId("reaction");
    expect(chips.map((c) => [c.dataset.emoji, c.dataset.count, c.getAttribute("aria-pressed")])).toEqual([
      ["👍", "2", "true"],
      ["🎉", "1", "false"],
    ]);
    expect(chips[0].title).toBe("Bob and you");
    expect(chips[0].getAttribute("aria-label")).toBe("👍 2, from Bob and you");
    expect(within(bySeq(3)).getByRole("group", { name: "Reactions" })).toBeTruthy();

    await fireEvent.click(chips[0]);
    await settle();
    expect(fake.callsOf("react").at(-1)).toEqual([Number(bySeq(3).dataset.localId), "👍", false]);
    expect(within(bySeq(3)).getAllByTestId("reaction")[0].dataset.count).toBe("1");
    await fireEvent.click(within(bySeq(3)).getAllByTestId("reaction")[1]);
    await settle();
    expect(fake.callsOf("react").at(-1)).toEqual([Number(bySeq(3).dataset.localId), "🎉", true]);
    expect(within(bySeq(3)).getAllByTestId("reaction")[1].getAttribute("aria-pressed")).toBe("true");
  });

  it("adds one from the action bar's picker (a quick one or any), and from the + chip", async () => {
    const { fake, id } = await open();
    await fireEvent.click(within(bySeq(3)).getByRole("button", { name: "Add reaction" }));
    await settle();
    const picker = screen.getByRole("dialog", { name: "Reactions" });
    const quick = within(picker).getByTestId("quick-emoji").querySelectorAll("button");
    expect(quick).toHaveLength(6);
    expect(document.activeElement).toBe(quick[0]);
    // Down from the quick row goes into the grid.
    await fireEvent.keyDown(quick[0], { key: "ArrowDown" });
    await settle();
    expect((document.activeElement as HTMLElement).dataset.code).toBe("smile");
    await fireEvent.click(within(picker).getByRole("button", { name: "React with 😂" }));
    await settle();
    expect(fake.messageAt(id, 3)?.reactions).toEqual([{ emoji: "😂", users: ["alice"] }]);
    await fireEvent.click(within(bySeq(3)).getByTestId("add-reaction"));
    await settle();
    await fireEvent.click(screen.getByRole("dialog", { name: "Reactions" }).querySelector<HTMLElement>('button[data-code="rocket"]')!);
    await settle();
    expect(within(bySeq(3)).getAllByTestId("reaction").map((c) => c.dataset.emoji)).toEqual(["😂", "🚀"]);
  });

  it("says a refusal above the box", async () => {
    const { fake, id } = await open();
    for (let i = 0; i < 20; i++) fake.reactBy(id, 3, "bob", ["👍", "👎", "👌", "✌️", "🤞", "👋", "👏", "🙌", "🙏", "💪", "👀", "❤️", "💔", "💯", "🔥", "✨", "⭐", "🎉", "🎂", "🎁"][i]);
    await settle();
    await fireEvent.click(within(bySeq(3)).getByTestId("add-reaction"));
    await settle();
    await fireEvent.click(screen.getByRole("dialog", { name: "Reactions" }).querySelector<HTMLElement>('button[data-code="rocket"]')!);
    await settle();
    expect(screen.getByTestId("message-notice").textContent).toBe("That did not work: A message can carry at most 20 different reactions.");
  });
});

describe("message text", () => {
  it("opens links in the system's browser, not in the window", async () => {
    const { fake } = await open(1);
    fake.receive("bob", "see https://example.com/docs now");
    await settle();
    const link = screen.getByRole("link", { name: "https://example.com/docs" });
    const clicked = await fireEvent.click(link);
    expect(clicked).toBe(false); // default prevented
    await settle();
    expect(fake.callsOf("openLink")).toEqual([["https://example.com/docs"]]);
  });

  it("marks the members a message names, this user most", async () => {
    const fake = await signedIn();
    const id = await fake.createGroup(["bob", "carol"], "Lunch");
    fake.answerInvitation(id, "bob");
    fake.answerInvitation(id, "carol");
    fake.post(id, "bob", "@alice and @carol: lunch? (not @zed, nor bob@example.com)");
    await app.reload();
    render(Timeline);
    await app.select(id);
    await settle();
    const marks = screen.getAllByTestId("mention");
    expect(marks.map((m) => [m.textContent, m.dataset.user, m.classList.contains("me")])).toEqual([
      ["@alice", "alice", true],
      ["@carol", "carol", false],
    ]);
    expect(screen.getByTestId("message-text").textContent).toContain("not @zed, nor bob@example.com");
  });

  it("is worded in French", async () => {
    setLocale("fr");
    try {
      const { fake, id } = await open();
      fake.deleteBy(id, 3);
      fake.editBy(id, 4, "corrigé");
      await settle();
      expect(within(bySeq(2)).getByRole("toolbar", { name: "Actions sur le message de Alice" })).toBeTruthy();
      expect(within(bySeq(2)).getByRole("button", { name: "Répondre" })).toBeTruthy();
      expect(within(bySeq(3)).getByTestId("message-text").textContent).toBe("Message supprimé");
      expect(within(bySeq(4)).getByTestId("edited").textContent).toMatch(/^\(modifié\)/);
    } finally {
      setLocale("en");
    }
  });
});
