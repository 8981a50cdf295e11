import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatDateTime } from "../../lib/format";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import { pngBytes, type FakeBackend } from "../../../tests/fake-backend";
import { settle, signedIn } from "../../../tests/helpers";
import Details from "../details/Details.svelte";
import Sidebar from "../sidebar/Sidebar.svelte";
import Timeline from "../timeline/Timeline.svelte";

// A shared file once it is in the conversation (#14): its card's Preview and Download, replies
// and reactions on it, its deletion; the details column's list; the conversation list's line.

async function open(prepare?: (fake: FakeBackend, id: number) => void) {
  let id = 0;
  const fake = await signedIn((f) => {
    id = f.seed("bob", 3, { stepMs: 60_000 });
    prepare?.(f, id);
  });
  await app.select(id);
  await settle();
  return { fake, id };
}

const fileMessages = () => screen.queryAllByTestId("message").filter((m) => m.dataset.kind === "file");
const notice = () => screen.getByTestId("message-notice").textContent;

afterEach(() => {
  setLocale("en");
});

describe("a file in the timeline", () => {
  it("downloads it and says where it went (never over a file already there)", async () => {
    const { fake } = await open((f, id) => f.shareBy(id, "bob", { name: "notes.txt", bytes: new TextEncoder().encode("hello") }));
    render(Timeline);
    await settle();
    const [card] = fileMessages();
    await fireEvent.click(within(card).getByRole("button", { name: "Download notes.txt" }));
    await vi.waitFor(() => expect(notice()).toBe("Saved to /home/alice/Downloads/notes.txt"));
    await fireEvent.click(within(card).getByRole("button", { name: "Download notes.txt" }));
    await vi.waitFor(() => expect(notice()).toBe("Saved to /home/alice/Downloads/notes (1).txt"));
    expect(fake.callsOf("downloadFile")).toHaveLength(2);
    setLocale("fr");
    await settle();
    await fireEvent.click(within(fileMessages()[0]).getByRole("button", { name: "Télécharger notes.txt" }));
    await vi.waitFor(() => expect(notice()).toBe("Enregistré dans /home/alice/Downloads/notes (2).txt"));
  });

  it("opens its preview window; a file gone since says so", async () => {
    const { fake, id } = await open((f, id) => f.shareBy(id, "bob", { name: "plan.pdf", size: 2_000_000 }));
    render(Timeline);
    await settle();
    const file = fake.fileAt(id, 4)!;
    await fireEvent.click(within(fileMessages()[0]).getByRole("button", { name: "Preview plan.pdf" }));
    await settle();
    expect(fake.callsOf("openPreview")).toEqual([[id, file.id]]);
    expect(notice()).toBe("");
    // Gone from the server meanwhile (the card was drawn before its deletion came).
    vi.spyOn(fake, "openPreview").mockRejectedValueOnce({ code: "refused:not_found", message: "x", reason: { reason: "no_such_file" } });
    await fireEvent.click(within(fileMessages()[0]).getByRole("button", { name: "Preview plan.pdf" }));
    await vi.waitFor(() => expect(notice()).toBe("Could not show the file: That file no longer exists, or you cannot see it."));
  });

  it("is answered, reacted to and deleted like a text, never edited or copied", async () => {
    const { fake, id } = await open((f, id) => f.shareBy(id, "bob", { name: "photo.png", bytes: pngBytes(40, 30) }));
    render(Timeline);
    await settle();
    const theirs = within(fileMessages()[0]).getByRole("toolbar", { name: "Actions for Bob's message" });
    expect([...theirs.querySelectorAll("[data-tool]")].map((b) => b.getAttribute("aria-label"))).toEqual(["Add reaction", "Reply"]);
    await fireEvent.click(within(theirs).getByRole("button", { name: "Reply" }));
    await settle();
    expect(screen.getByTestId("reply-banner").textContent).toContain("Replying to Bob: 📎 photo.png");
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: "Nice picture" } });
    await fireEvent.keyDown(box, { key: "Enter" });
    await vi.waitFor(() => expect(fake.callsOf("sendReply")).toEqual([[id, "Nice picture", 4]]));
    // The answer quotes the file.
    await vi.waitFor(() => expect(screen.getByTestId("reply-quote").textContent).toContain("📎 photo.png"));

    fake.reactBy(id, 4, "bob", "🎉");
    await vi.waitFor(() => expect(within(fileMessages()[0]).getByRole("button", { name: /🎉 1/ })).toBeTruthy());

    // One's own file: reply, react and delete.
    fake.holdUploads = false;
    const input = screen.getByTestId("attach-input") as HTMLInputElement;
    Object.defineProperty(input, "files", { value: [new File(["abc"], "mine.txt")], configurable: true });
    await fireEvent.change(input);
    await vi.waitFor(() => expect(fileMessages()).toHaveLength(2));
    const mine = within(fileMessages()[1]).getByRole("toolbar");
    expect([...mine.querySelectorAll("[data-tool]")].map((b) => b.getAttribute("aria-label"))).toEqual(["Add reaction", "Reply", "Delete"]);
    await fireEvent.click(within(mine).getByRole("button", { name: "Delete" }));
    await settle();
    await fireEvent.click(screen.getByTestId("confirm-delete"));
    await vi.waitFor(() => expect(fileMessages()).toHaveLength(1));
    const gone = screen.getAllByTestId("message").find((m) => m.dataset.deleted === "true")!;
    expect(gone.textContent).toContain("Message deleted");
    expect(within(gone).queryByTestId("file-card")).toBeNull();
    expect((await fake.sharedFiles(id)).map((f) => f.file.name)).toEqual(["photo.png"]);
  });

  it("shows as 📎 and its name in the conversation list", async () => {
    const { fake, id } = await open();
    render(Sidebar, { onsettings: () => {} });
    await settle();
    const row = () => screen.getAllByTestId("conversation").find((r) => r.dataset.peer === "bob")!;
    fake.shareBy(id, "bob", { name: "minutes.docx", size: 30_000 });
    await vi.waitFor(() => expect(within(row()).getByTestId("preview").textContent).toBe("📎 minutes.docx"));
    setLocale("fr");
    await settle();
    expect(within(row()).getByTestId("preview").textContent).toBe("📎 minutes.docx");
    // Deleted: nothing of it is left to show but that it was deleted, in the reader's words.
    fake.deleteBy(id, 4);
    await vi.waitFor(() => expect(within(row()).getByTestId("preview").textContent).toBe("Message supprimé"));
  });

  it("names who shared it in a group's line", async () => {
    let group = 0;
    const fake = await signedIn((f) => {
      group = f.seedGroup("Design", ["bob", "carol"], [{ sender: "bob", text: "hi" }]);
    });
    render(Sidebar, { onsettings: () => {} });
    await settle();
    fake.shareBy(group, "carol", { name: "mockup.png", size: 80_000 });
    await vi.waitFor(() => {
      const row = screen.getAllByTestId("conversation").find((r) => r.dataset.conversationId === String(group))!;
      expect(within(row).getByTestId("preview").textContent).toBe("Carol: 📎 mockup.png");
    });
  });
});

describe("the shared files in the details column", () => {
  it("lists them newest first, with size, who and when, and follows new and deleted files", async () => {
    const { fake, id } = await open((f, id) => {
      f.shareBy(id, "bob", { name: "first.pdf", size: 1_500 });
      f.shareBy(id, "alice", { name: "second.png", bytes: pngBytes(10, 10) });
    });
    render(Details);
    const aside = screen.getByRole("complementary", { name: "Details" });
    const section = await vi.waitFor(() => within(aside).getByRole("region", { name: "Shared files" }));
    const names = () => within(section).queryAllByTestId("shared-file").map((li) => li.querySelector(".name")?.textContent);
    await vi.waitFor(() => expect(names()).toEqual(["second.png", "first.pdf"]));
    const [second, first] = within(section).getAllByTestId("shared-file");
    const shared = await fake.sharedFiles(id);
    expect(first.textContent).toContain(`1.5 kB · Bob · ${formatDateTime(shared[1].sent_at)}`);
    expect(second.textContent).toContain("33 bytes · Alice ·");

    // A text changes nothing here: not fetched again.
    const asked = fake.callsOf("sharedFiles").length;
    fake.receive("bob", "just words");
    await settle();
    expect(fake.callsOf("sharedFiles")).toHaveLength(asked);

    fake.shareBy(id, "bob", { name: "third.txt", bytes: new TextEncoder().encode("3") });
    await vi.waitFor(() => expect(names()).toEqual(["third.txt", "second.png", "first.pdf"]));
    fake.deleteBy(id, 4);
    await vi.waitFor(() => expect(names()).toEqual(["third.txt", "second.png"]));

    await fireEvent.click(within(section).getByRole("button", { name: "Download second.png" }));
    await vi.waitFor(() => expect(within(section).getByTestId("shared-files-notice").textContent).toBe("Saved to /home/alice/Downloads/second.png"));
    await fireEvent.click(within(section).getByRole("button", { name: "Preview third.txt" }));
    await settle();
    expect(fake.callsOf("openPreview")).toEqual([[id, fake.fileAt(id, 7)!.id]]);
  });

  it("says when none were shared, in English and in French", async () => {
    await open();
    render(Details);
    await vi.waitFor(() => expect(screen.getByRole("region", { name: "Shared files" }).textContent).toContain("No files shared yet."));
    setLocale("fr");
    await settle();
    expect(screen.getByRole("region", { name: "Fichiers partagés" }).textContent).toContain("Aucun fichier partagé pour l'instant.");
  });

  it("shows the files of the conversation shown, not a late answer for the one before", async () => {
    let carol = 0;
    const { fake, id } = await open((f, id) => {
      f.shareBy(id, "bob", { name: "for-bob.txt", size: 10 });
      carol = f.seed("carol", 2);
    });
    fake.shareBy(carol, "carol", { name: "for-carol.txt", size: 10 });
    // Bob's list is slow to come.
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    const real = fake.sharedFiles.bind(fake);
    vi.spyOn(fake, "sharedFiles").mockImplementation(async (c) => {
      const list = await real(c);
      if (c === id) await held;
      return list;
    });
    render(Details);
    await settle();
    expect(screen.queryAllByTestId("shared-file")).toEqual([]);
    await app.select(carol);
    const names = () => screen.queryAllByTestId("shared-file").map((li) => li.querySelector(".name")?.textContent);
    await vi.waitFor(() => expect(names()).toEqual(["for-carol.txt"]));
    release();
    await settle();
    expect(names()).toEqual(["for-carol.txt"]);
  });
});
