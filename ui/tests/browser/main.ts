// The browser tests' page: the real UI over the in-memory fake backend. The query string picks
// the scenario, e.g. ?seed=bob:2000,carol:3&unread=carol:2&historyDelay=300&people=500 (that
// many more users in the directory, person0001 and on)
import { mount } from "svelte";
import App from "../../src/App.svelte";
import "../../src/app.css";
import { setBackend } from "../../src/lib/ipc";
import { applyLanguage, rememberedLanguage } from "../../src/lib/language";
import { FakeBackend } from "../fake-backend";

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
});
const unread = new Map(pairs("unread"));
for (const [peer, count] of pairs("seed")) fake.seed(peer, count, { unread: unread.get(peer) ?? 0 });
fake.setPresence("bob", "online", "Working from home");
fake.setPresence("carol", "away", null, true);
fake.setPresence("dave", "dnd", "Presenting");

setBackend(fake);
window.fake = fake;

// As src/main.ts: the setting, else the browser's language (a spec sets the context's locale).
applyLanguage(rememberedLanguage(), false);

const target = document.getElementById("app");
if (!target) throw new Error("no #app element");
mount(App, { target });
