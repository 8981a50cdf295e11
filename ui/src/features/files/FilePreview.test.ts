import { fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatDateTime } from "../../lib/format";
import { setLocale } from "../../lib/i18n";
import { setBackend } from "../../lib/ipc";
import { FakeBackend, pngBytes, PREVIEW_TEXT_BYTES } from "../../../tests/fake-backend";
import FilePreview from "./FilePreview.svelte";

// The preview window (#14): it runs with the backend only (no sign-in, no app state here; the
// backend is signed in already, as the desktop's is when the main window opens it).

async function backend(share: (fake: FakeBackend, conversation: number) => string) {
  const fake = new FakeBackend();
  const conversation = fake.seed("bob", 2);
  await fake.signIn("ws://127.0.0.1:7300", "alice", "secret");
  const file = share(fake, conversation);
  setBackend(fake);
  return { fake, conversation, file };
}

afterEach(() => {
  setLocale("en");
  document.title = "";
});

describe("the preview window", () => {
  it("shows an image fitted to the window, with its name, size, who shared it and when", async () => {
    const { fake, conversation, file } = await backend((f, c) => f.shareBy(c, "bob", { name: "chart.png", bytes: pngBytes(800, 600) }));
    render(FilePreview, { conversation, file });
    expect(screen.getByRole("status").textContent).toBe("Loading the preview…");
    const img = (await vi.waitFor(() => screen.getByRole("img", { name: "chart.png" }))) as HTMLImageElement;
    expect(img.src).toMatch(/^data:image\/png;base64,/);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("chart.png");
    const [shared] = await fake.sharedFiles(conversation);
    expect(screen.getByTestId("file-preview").textContent).toContain(`33 bytes · Bob · ${formatDateTime(shared.sent_at)}`);
    expect(document.title).toBe("chart.png");
    expect(fake.callsOf("filePreview")).toEqual([[conversation, file]]);
  });

  it("shows a text file's text, and says when only its beginning is shown", async () => {
    const { conversation, file } = await backend((f, c) => f.shareBy(c, "bob", { name: "notes.md", bytes: new TextEncoder().encode("# Plan\n\n- ship it") }));
    const short = render(FilePreview, { conversation, file });
    const pre = await vi.waitFor(() => screen.getByTestId("preview-text"));
    expect(pre.tagName).toBe("PRE");
    expect(pre.textContent).toBe("# Plan\n\n- ship it");
    expect(screen.queryByText("Only the beginning is shown.")).toBeNull();
    short.unmount();

    const long = await backend((f, c) => f.shareBy(c, "bob", { name: "server.log", bytes: new TextEncoder().encode("x".repeat(PREVIEW_TEXT_BYTES + 10)) }));
    render(FilePreview, { conversation: long.conversation, file: long.file });
    await vi.waitFor(() => expect(screen.getByTestId("preview-text").textContent).toHaveLength(PREVIEW_TEXT_BYTES));
    expect(screen.getByTestId("truncated").textContent).toBe("Only the beginning is shown.");
  });

  it("says there is no preview of other files, and downloads any file, in French too", async () => {
    setLocale("fr");
    const { fake, conversation, file } = await backend((f, c) => f.shareBy(c, "bob", { name: "budget.xlsx", size: 2_500_000 }));
    render(FilePreview, { conversation, file });
    await vi.waitFor(() => expect(screen.getByTestId("no-preview").textContent).toBe("Pas d'aperçu pour ce type de fichier."));
    expect(screen.getByTestId("file-preview").getAttribute("lang")).toBe("fr");
    expect(screen.getByTestId("file-preview").textContent).toContain("2,5 Mo · Bob ·");
    await fireEvent.click(screen.getByRole("button", { name: "Télécharger" }));
    await vi.waitFor(() => expect(screen.getByTestId("preview-notice").textContent).toBe("Enregistré dans /home/alice/Downloads/budget.xlsx"));
    expect(fake.callsOf("downloadFile")).toEqual([[file]]);
    setLocale("en");
    await vi.waitFor(() => expect(screen.getByTestId("no-preview").textContent).toBe("No preview for this type of file."));
  });

  it("says why a file cannot be shown (deleted since)", async () => {
    const { fake, conversation, file } = await backend((f, c) => f.shareBy(c, "bob", { name: "old.pdf", size: 10 }));
    fake.deleteBy(conversation, 3);
    render(FilePreview, { conversation, file });
    await vi.waitFor(() => expect(screen.getByRole("alert").textContent).toBe("Could not show the file: That file no longer exists, or you cannot see it."));
    expect(screen.queryByRole("button")).toBeNull();
  });
});
