import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import { pngBytes, THUMBNAIL_URL, type FakeBackend } from "../../../tests/fake-backend";
import { settle, signedIn } from "../../../tests/helpers";
import Timeline from "../timeline/Timeline.svelte";
import { uploads } from "./uploads.svelte";

// Sharing files from the message box (#14): picked with the paperclip, dropped, pasted; each
// upload's row above the box while it goes, its message in the timeline once shared.

async function open(prepare?: (fake: FakeBackend) => void) {
  let id = 0;
  const fake = await signedIn((f) => {
    id = f.seed("bob", 3, { stepMs: 60_000 });
    prepare?.(f);
  });
  render(Timeline);
  await app.select(id);
  await settle();
  return { fake, id };
}

function pick(...files: File[]) {
  const input = screen.getByTestId("attach-input") as HTMLInputElement;
  Object.defineProperty(input, "files", { value: files, configurable: true });
  return fireEvent.change(input);
}

const fileMessages = () => screen.queryAllByTestId("message").filter((m) => m.dataset.kind === "file");

afterEach(() => {
  setLocale("en");
});

describe("attaching files", () => {
  it("uploads what is picked: a progress bar with the file's name, then its message with its thumbnail", async () => {
    const { fake, id } = await open();
    fake.holdUploads = true;
    const attach = screen.getByRole("button", { name: "Attach files" });
    const input = screen.getByTestId("attach-input") as HTMLInputElement;
    // The button opens the hidden input (where the desktop e2e tests set files).
    const click = vi.spyOn(input, "click");
    await fireEvent.click(attach);
    expect(click).toHaveBeenCalled();
    expect(input.type).toBe("file");
    expect(input.multiple).toBe(true);

    await pick(new File([pngBytes(640, 480) as BlobPart], "photo.png", { type: "image/png" }));
    const bar = await vi.waitFor(() => {
      const b = screen.getByRole("progressbar", { name: "Uploading photo.png" });
      expect(b.getAttribute("aria-valuenow")).toBe("24");
      return b;
    });
    expect(bar.getAttribute("aria-valuetext")).toBe("8 bytes of 33 bytes");
    expect(screen.getByTestId("upload").textContent).toContain("photo.png");
    // Staged from the bytes, then uploaded by the staged path under a transfer id of its own.
    expect(fake.callsOf("stageFile")).toEqual([["photo.png", 33]]);
    const [[conversation, path, transfer]] = fake.callsOf("uploadFile") as [number, string, string][];
    expect(conversation).toBe(id);
    expect(path).toMatch(/\/photo\.png$/);
    expect(transfer).toBeTruthy();
    expect(fileMessages()).toHaveLength(0);

    fake.holdUploads = false;
    fake.releaseUploads();
    await vi.waitFor(() => expect(screen.queryByTestId("upload")).toBeNull());
    const [message] = await vi.waitFor(() => {
      const list = fileMessages();
      expect(list).toHaveLength(1);
      return list;
    });
    const card = within(message).getByRole("group", { name: "File photo.png" });
    expect(card.textContent).toContain("33 bytes · PNG");
    const img = await vi.waitFor(() => within(card).getByRole("img", { name: "photo.png" }) as HTMLImageElement);
    expect(img.src).toBe(THUMBNAIL_URL);
    // Drawn at its own shape in the 320-pixel box, before the picture comes.
    expect([img.width, img.height]).toEqual([320, 240]);
    expect(message.dataset.mine).toBe("true");
  });

  it("shows another member's files: an image's thumbnail at its shape, an icon, size and type for others", async () => {
    const { fake, id } = await open();
    fake.shareBy(id, "bob", { name: "tall.png", bytes: pngBytes(1000, 2000) });
    fake.shareBy(id, "bob", { name: "report.pdf", size: 12_345 });
    await vi.waitFor(() => expect(fileMessages()).toHaveLength(2));
    const [image, pdf] = fileMessages();
    expect(image.dataset.sender).toBe("bob");
    const img = await vi.waitFor(() => within(image).getByRole("img", { name: "tall.png" }) as HTMLImageElement);
    expect([img.width, img.height]).toEqual([160, 320]);
    expect(within(pdf).queryByRole("img")).toBeNull();
    expect(within(pdf).getByTestId("file-name").textContent).toBe("report.pdf");
    expect(within(pdf).getByRole("group").textContent).toContain("12 kB · PDF");
    // One thumbnail asked for (the pdf has none), once.
    expect(fake.callsOf("fileThumbnail")).toHaveLength(1);
  });

  it("stops an upload on Cancel: the row goes, nothing is shared", async () => {
    const { fake, id } = await open();
    fake.holdUploads = true;
    await pick(new File(["x".repeat(4000)], "big.zip"));
    await vi.waitFor(() => expect(screen.getByRole("progressbar", { name: "Uploading big.zip" }).getAttribute("aria-valuenow")).toBe("25"));
    await fireEvent.click(screen.getByRole("button", { name: "Cancel the upload of big.zip" }));
    await vi.waitFor(() => expect(screen.queryByTestId("upload")).toBeNull());
    const [[, , transfer]] = fake.callsOf("uploadFile") as [number, string, string][];
    expect(fake.callsOf("cancelTransfer")).toEqual([[transfer]]);
    fake.holdUploads = false;
    fake.releaseUploads();
    await settle();
    expect(fileMessages()).toHaveLength(0);
    expect(await fake.sharedFiles(id)).toEqual([]);
    expect(uploads.list).toEqual([]);
  });

  it("says why a file too large was not shared, in English and in French, until dismissed", async () => {
    const { fake } = await open();
    fake.maxFileBytes = 1000;
    await pick(new File(["x".repeat(2000)], "report.pdf"));
    const alert = await vi.waitFor(() => screen.getByRole("alert"));
    expect(alert.textContent).toBe("report.pdf was not shared: Files of more than 1 kB cannot be shared.");
    expect(screen.getByTestId("upload").dataset.phase).toBe("failed");
    expect(screen.queryByRole("progressbar")).toBeNull();
    setLocale("fr");
    await settle();
    expect(screen.getByRole("alert").textContent).toBe("report.pdf n'a pas été partagé : Les fichiers de plus de 1 ko ne peuvent pas être partagés.");
    await fireEvent.click(screen.getByRole("button", { name: "Fermer report.pdf" }));
    await settle();
    expect(screen.queryByTestId("upload")).toBeNull();
    expect(fileMessages()).toHaveLength(0);
  });

  it("runs uploads of several conversations at once, each shown in its own", async () => {
    let carol = 0;
    const { fake, id } = await open((f) => {
      carol = f.seed("carol", 2);
    });
    fake.holdUploads = true;
    await pick(new File(["a".repeat(100)], "for-bob.txt"));
    await vi.waitFor(() => screen.getByRole("progressbar", { name: "Uploading for-bob.txt" }));
    await app.select(carol);
    await settle();
    expect(screen.queryByRole("progressbar", { name: "Uploading for-bob.txt" })).toBeNull();
    await pick(new File(["c".repeat(100)], "for-carol.txt"));
    await vi.waitFor(() => screen.getByRole("progressbar", { name: "Uploading for-carol.txt" }));
    expect(uploads.list.map((u) => [u.conversation, u.name])).toEqual([
      [id, "for-bob.txt"],
      [carol, "for-carol.txt"],
    ]);
    fake.holdUploads = false;
    fake.releaseUploads();
    await vi.waitFor(() => expect(uploads.list).toEqual([]));
    expect((await fake.sharedFiles(id)).map((f) => f.file.name)).toEqual(["for-bob.txt"]);
    expect((await fake.sharedFiles(carol)).map((f) => f.file.name)).toEqual(["for-carol.txt"]);
  });
});

describe("pasting and dropping files", () => {
  it("uploads a pasted picture; pasted text stays text", async () => {
    const { fake } = await open();
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    const image = new File([pngBytes(64, 64) as BlobPart], "image.png", { type: "image/png" });
    const text = await fireEvent.paste(box, { clipboardData: { types: ["text/plain", "Files"], files: [image], getData: () => "hello" } });
    expect(text).toBe(true);
    expect(fake.callsOf("stageFile")).toEqual([]);
    const picture = await fireEvent.paste(box, { clipboardData: { types: ["Files"], files: [image], getData: () => "" } });
    // Taken: nothing is pasted into the box.
    expect(picture).toBe(false);
    await vi.waitFor(() => expect(fileMessages()).toHaveLength(1));
    expect(fake.callsOf("stageFile")).toEqual([["image.png", 33]]);
    expect(within(fileMessages()[0]).getByTestId("file-name").textContent).toBe("image.png");
  });

  it("shows a hint while files are dragged over the conversation, and shares what is dropped", async () => {
    const { fake } = await open();
    const main = screen.getByRole("main", { name: "Conversation" });
    const file = new File(["hello"], "dropped.txt", { type: "text/plain" });
    const dataTransfer = { types: ["Files"], files: [file], dropEffect: "none" };
    expect(screen.queryByTestId("drop-hint")).toBeNull();
    // Text dragged within the page is not a file drop.
    await fireEvent.dragEnter(main, { dataTransfer: { types: ["text/plain"], files: [] } });
    expect(screen.queryByTestId("drop-hint")).toBeNull();
    await fireEvent.dragEnter(main, { dataTransfer });
    expect(screen.getByTestId("drop-hint").textContent).toBe("Drop files to share them with Bob");
    await fireEvent.dragLeave(main, { dataTransfer, relatedTarget: null });
    expect(screen.queryByTestId("drop-hint")).toBeNull();
    await fireEvent.dragOver(main, { dataTransfer });
    expect(screen.getByTestId("drop-hint")).toBeTruthy();
    const taken = await fireEvent.drop(main, { dataTransfer });
    expect(taken).toBe(false);
    expect(screen.queryByTestId("drop-hint")).toBeNull();
    await vi.waitFor(() => expect(fileMessages()).toHaveLength(1));
    expect(fake.callsOf("stageFile")).toEqual([["dropped.txt", 5]]);
  });

  it("shares files dropped from the system by their paths (the desktop's drag and drop)", async () => {
    const { fake, id } = await open();
    expect(fake.dragListeners).toBe(1);
    fake.diskFile("/home/alice/Pictures/cat.png", pngBytes(300, 200));
    fake.systemDrag({ type: "enter", paths: ["/home/alice/Pictures/cat.png"], x: 400, y: 300 });
    await settle(1);
    expect(screen.getByTestId("drop-hint").textContent).toBe("Drop files to share them with Bob");
    fake.systemDrag({ type: "leave" });
    await settle(1);
    expect(screen.queryByTestId("drop-hint")).toBeNull();
    fake.systemDrag({ type: "drop", paths: ["/home/alice/Pictures/cat.png"], x: 400, y: 300 });
    await vi.waitFor(() => expect(fileMessages()).toHaveLength(1));
    // No staging: the file is read where it is.
    expect(fake.callsOf("stageFile")).toEqual([]);
    expect((fake.callsOf("uploadFile") as unknown[][]).map((c) => c.slice(0, 2))).toEqual([[id, "/home/alice/Pictures/cat.png"]]);
    expect(within(fileMessages()[0]).getByTestId("file-name").textContent).toBe("cat.png");
  });
});
