// The browser tests' page: the real UI over the in-memory fake backend. The query string picks
// the scenario, e.g. ?seed=bob:2000,carol:3&unread=carol:2&historyDelay=300&people=500 (that
// many more users in the directory, person0001 and on)&files=bob (bob shares a picture, a text
// and a PDF in his conversation: files 1, 2 and 3)&mail=off (a server without SMTP: sending a
// history by email is refused). alice, bob, carol and erin have an email address in the
// directory (name@example.com), dave has none; a text linking to wiki.example.com (or another
// page the fake knows, fake-backend.ts: KNOWN_PAGES) gets its card a moment after it is stored.
// With #preview=<conversation>:<file> the page is a preview window instead, over the same fake,
// signed in as the desktop's backend is.
import { mount } from "svelte";
import App from "../../src/App.svelte";
import "../../src/app.css";
import FilePreview from "../../src/features/files/FilePreview.svelte";
import { setBackend } from "../../src/lib/ipc";
import { applyLanguage, followLanguage, rememberedLanguage } from "../../src/lib/language";
import { FakeBackend, pngBytes } from "../fake-backend";

declare global {
  interface Window {
    fake: FakeBackend;
  }
}

const params = new URLSearchParams(location.search);
const pairs = (key: string): [string, number][] =>
  (params.get(key) ?? "")
    .split(",")
    .filter(Boolean)
    .map((p) => {
      const [name, n] = p.split(":");
      return [name, Number(n ?? 0)];
    });

const extra = Number(params.get("people") ?? 0);
const fake = new FakeBackend({
  users: ["bob", "carol", "dave", "erin", ...Array.from({ length: extra }, (_, i) => `person${String(i + 1).padStart(4, "0")}`)],
  historyDelayMs: Number(params.get("historyDelay") ?? 0),
  ackDelayMs: params.get("ack") === "hold" ? null : Number(params.get("ack") ?? 40),
  emails: Object.fromEntries(["alice", "bob", "carol", "erin"].map((u) => [u, `${u}@example.com`])),
});
if (params.get("mail") === "off") fake.mailRefusal = { reason: "mail_not_configured" };
const unread = new Map(pairs("unread"));
for (const [peer, count] of pairs("seed")) fake.seed(peer, count, { unread: unread.get(peer) ?? 0 });
fake.setPresence("bob", "online", "Working from home");
fake.setPresence("carol", "away", null, true);
fake.setPresence("dave", "dnd", "Presenting");

/** A real 640 x 480 PNG (a preview draws it), painted on a canvas. */
function picture(): Uint8Array {
  const canvas = document.createElement("canvas");
  canvas.width = 640;
  canvas.height = 480;
  const g = canvas.getContext("2d");
  if (!g) return pngBytes(640, 480);
  const fill = g.createLinearGradient(0, 0, 640, 480);
  fill.addColorStop(0, "#2563eb");
  fill.addColorStop(1, "#1a7f37");
  g.fillStyle = fill;
  g.fillRect(0, 0, 640, 480);
  g.fillStyle = "#ffffff";
  g.fillRect(80, 80, 220, 140);
  g.fillRect(340, 260, 220, 140);
  const data = atob(canvas.toDataURL("image/png").split(",")[1]);
  return Uint8Array.from(data, (c) => c.charCodeAt(0));
}

for (const peer of (params.get("files") ?? "").split(",").filter(Boolean)) {
  const id = fake.conversationWith(peer) ?? fake.seed(peer, 1);
  fake.shareBy(id, peer, { name: "whiteboard.png", bytes: picture() });
  fake.shareBy(id, peer, { name: "minutes.txt", bytes: new TextEncoder().encode("Minutes\n\n1. Ship the files feature.\n2. Celebrate.\n") });
  fake.shareBy(id, peer, { name: "contract.pdf", size: 1_250_000 });
}

setBackend(fake);
window.fake = fake;

const target = document.getElementById("app");
if (!target) throw new Error("no #app element");
const preview = /^#preview=(\d+):([0-9a-f]+)$/.exec(location.hash);
if (preview) {
  // As src/main.ts: a preview window follows the language chosen in the main one.
  followLanguage();
  await fake.signIn("ws://127.0.0.1:7300", fake.me, "secret");
  mount(FilePreview, { target, props: { conversation: Number(preview[1]), file: preview[2] } });
} else {
  // As src/main.ts: the setting, else the browser's language (a spec sets the context's locale).
  applyLanguage(rememberedLanguage(), false);
  mount(App, { target });
}
