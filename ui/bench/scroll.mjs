// @ts-check
// Scroll benchmark: "scrolling 10,000 rich messages (frame times)".
//
// What it measures: how smoothly the timeline draws while one group conversation of 10,000 rich
// messages (Markdown bold, italic, inline code, code blocks, lists, quotes; links, emoji,
// @mentions, replies, reactions, edits; five senders; long and short texts; runs of one sender)
// is scrolled with the mouse wheel in headless Chromium at 1280x800: from the newest message up
// to the oldest, the app paging older messages in as it does (75 at a time), and back down to the
// newest. The wheel turns at a steady pace whatever the page does, as a hand's would: a 200 px
// step (two notches) 60 times a second, 12,000 px/s; Chromium coalesces what the page has not
// taken yet. Every frame's duration is recorded with requestAnimationFrame, long tasks with a
// PerformanceObserver, and the document's element count and the JS heap are sampled every 250 ms.
// One JSON line on stdout:
//   {"bench":"timeline_scroll","messages":10000,"frames":N,"frame_ms":{"p50":..,"p95":..,"p99":..,
//    "max":..},"frames_over_16_7ms":..,"frames_over_50ms":..,"long_tasks":..,"seconds":..,
//    "dom_nodes_max":..,"js_heap_mib_max":..}
// frames_over_*: frames longer than that bound (frames come in whole 60 Hz intervals, give or
// take the clock's 0.2 ms jitter, so 1 ms of slack is allowed); seconds: the scroll up and down;
// dom_nodes_max: elements in the document. Progress and a split of the frames up and down go to
// stderr.
//
// The UI is the browser tests' page (tests/browser/index.html: the real UI over the in-memory
// fake backend, tests/fake-backend.ts), built with vite as tests/browser/global-setup.ts builds it
// and served on a free port of 127.0.0.1; the conversation is seeded, the same every run, with
// the fake's seedGroup before signing in. Chromium is the system's (CHROMIUM, else
// /usr/bin/chromium) with the browser tests' switches (tests/browser/harness.ts).
//
// Run, in ui/:   npm run bench:scroll        (= node bench/scroll.mjs; about 4 minutes)
// Type-check:    npx tsc -p bench/tsconfig.json
// Options (environment): BENCH_STEP=<px> the wheel step; BENCH_TIMEOUT_S=<s> the limit of the
//   whole run (default 300); BENCH_KEEP=1 keeps the build (its folder is printed) and
//   BENCH_BUNDLE=<dir> reuses it; BENCH_FRAMES=<file> writes every frame's duration there.
// It exits nonzero, with the reason on stderr, if the scroll did not reach the oldest message
// (its text drawn, at the top) and come back to the newest, on any error in the page, if the
// timeline stops moving for 20 s, or past the time limit: no figure comes out of a broken run.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build } from "vite";

const MESSAGES = 10_000;
const GROUP = "Benchmark";
const MEMBERS = ["bob", "carol", "dave", "erin"];
const FIRST_TEXT = "Oldest benchmark message 00001 where the conversation starts";
const LAST_TEXT = "Newest benchmark message 10000 where the conversation ends";
const STEP = Number(process.env.BENCH_STEP ?? 200);
/** A wheel step this often (60 a second). */
const INTERVAL_MS = 1000 / 60;
const IN_FLIGHT = 6;
const PROBE_MS = 200;
/** Not moving for this long (no scrolling, no paging) is a failure. */
const STUCK_MS = 20_000;
const LIMIT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 300) * 1000;
/** At most this many wheel events each way. */
const MAX_WHEELS = 200_000;
/** Room for this many frames (about 28 minutes at 60 Hz): more are counted but not kept. */
const MAX_FRAMES = 100_000;
const SCROLLER = "[data-testid=timeline-scroller]";
/** Frames come in whole 60 Hz intervals (16.7, 33.3, 50 ms…) give or take 0.2 ms of the clock's
 * jitter: a frame counts as over a bound past this much more. */
const SLACK_MS = 1;

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const started = Date.now();
const log = (/** @type {string} */ s) => process.stderr.write(`bench: ${s}\n`);

class BenchError extends Error {}

const sleep = (/** @type {number} */ ms) => new Promise((ok) => setTimeout(ok, ms));

function checkTime(/** @type {string} */ what) {
  if (Date.now() - started > LIMIT_MS) {
    throw new BenchError(`gave up after ${Math.round(LIMIT_MS / 1000)} s (BENCH_TIMEOUT_S) while ${what}`);
  }
}

// ---- The conversation ------------------------------------------------------------------------

/** A small deterministic PRNG (mulberry32), so every run scrolls the same messages. */
function prng(/** @type {number} */ seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @typedef {import("../tests/fake-backend").SeedMessage} SeedMessage */
/** @typedef {import("../tests/fake-backend").FakeBackend} FakeBackend */

/** The 10,000 messages, oldest first. */
function conversation() {
  const rnd = prng(20240611);
  const pick = /** @template T @param {T[]} xs @returns {T} */ (xs) => xs[Math.floor(rnd() * xs.length)];
  const between = (/** @type {number} */ a, /** @type {number} */ b) => a + Math.floor(rnd() * (b - a + 1));
  const people = ["alice", ...MEMBERS];
  const words = (
    "the release build server client cache timeline message draft review branch test deploy " +
    "meeting agenda budget quarter numbers design sketch colour font layout window scroll frame " +
    "bug fix patch version library network latency database index query backup restore week " +
    "monday friday lunch coffee train weather holiday plan idea question answer detail change"
  ).split(" ");
  const shorts = ["ok", "👍", "Sounds good!", "lol 😂", "on it", "done ✅", "brb", "sure :smile:", "thanks!", "+1",
    "haha", "Nice :tada:", "yes", "no way 😮", "🎉🎉🎉", "Agreed.", "Let me check", "👀", "ty", "Good morning ☀️"];
  const links = ["https://example.com/docs/timeline", "https://confer.example.org/releases/3.2",
    "https://en.wikipedia.org/wiki/Virtual_scrolling", "mailto:team@example.com", "https://example.net/a/very/long/path/to/a/page?with=query&and=more#anchor"];
  const codes = ["`npm ci`", "`git rebase -i`", "`scrollTop`", "`SELECT * FROM messages`", "`cargo test`", "`flushSync()`"];
  const emoji = [":tada:", ":smile:", ":joy:", ":thinking:", ":rocket:", ":fire:", "🙂", "🚀", "☕", "🐛", "✨", "💡"];

  /** A sentence with, now and then, bold, italic, code, a link, a mention or an emoji. */
  const sentence = (/** @type {string} */ sender) => {
    const n = between(5, 16);
    /** @type {string[]} */
    const out = [];
    for (let i = 0; i < n; i++) {
      const w = pick(words);
      const r = rnd();
      if (r < 0.05) out.push(`**${w} ${pick(words)}**`);
      else if (r < 0.1) out.push(`*${w}*`);
      else if (r < 0.13) out.push(pick(codes));
      else if (r < 0.15) out.push(pick(links));
      else if (r < 0.17) out.push(`@${pick(people.filter((p) => p !== sender))}`);
      else if (r < 0.2) out.push(pick(emoji));
      else out.push(w);
    }
    const s = out.join(" ");
    return s[0].toUpperCase() + s.slice(1) + pick([".", ".", ".", "!", "?"]);
  };
  const paragraph = (/** @type {string} */ sender, /** @type {number} */ a, /** @type {number} */ b) =>
    Array.from({ length: between(a, b) }, () => sentence(sender)).join(" ");

  const kinds = /** @type {const} */ ([
    ["short", 36], ["sentence", 28], ["paragraph", 11], ["long", 3], ["code", 6], ["list", 8], ["quote", 8],
  ]);
  const total = kinds.reduce((n, [, w]) => n + w, 0);
  const text = (/** @type {string} */ sender) => {
    let r = rnd() * total;
    let kind = "short";
    for (const [k, w] of kinds) {
      if ((r -= w) < 0) {
        kind = k;
        break;
      }
    }
    switch (kind) {
      case "short":
        return pick(shorts);
      case "sentence":
        return sentence(sender);
      case "paragraph":
        return paragraph(sender, 2, 5);
      case "long":
        return Array.from({ length: between(2, 3) }, () => paragraph(sender, 3, 7)).join("\n\n");
      case "code":
        return `${sentence(sender)}\n\`\`\`\nfunction ${pick(words)}(items) {\n  const seen = new Set();\n  for (const item of items) {\n    if (seen.has(item.id)) continue;\n    seen.add(item.id);\n  }\n  return seen.size; // ${pick(words)}\n}\n\`\`\``;
      case "list": {
        const ordered = rnd() < 0.4;
        const items = Array.from({ length: between(2, 6) }, (_, i) => `${ordered ? `${i + 1}.` : "-"} ${sentence(sender)}`);
        return `${pick(["Agenda:", "Todo for **today**:", "Notes", "Options *so far*:"])}\n${items.join("\n")}`;
      }
      default:
        return `> ${sentence(sender)}\n> ${sentence(sender)}\n\n${sentence(sender)}`;
    }
  };

  /** @type {SeedMessage[]} */
  const out = [];
  let sender = "bob";
  let run = 0;
  for (let i = 0; i < MESSAGES; i++) {
    const seq = i + 1;
    if (run <= 0) {
      sender = pick(people.filter((p) => p !== sender));
      run = rnd() < 0.45 ? 1 : between(2, 6);
    }
    run--;
    /** @type {SeedMessage} */
    const m = { sender, text: i === 0 ? FIRST_TEXT : i === MESSAGES - 1 ? LAST_TEXT : text(sender) };
    if (seq > 1 && seq < MESSAGES && rnd() < 0.08) m.replyTo = seq - (rnd() < 0.85 ? between(1, 30) : between(31, Math.min(seq - 1, 3000)));
    if (rnd() < 0.16) {
      const chosen = new Set(Array.from({ length: between(1, 3) }, () => pick(["👍", "❤️", "😂", "🎉", "😮", "🙏", "👀", "🔥"])));
      m.reactions = [...chosen].map((e) => ({ emoji: e, users: [...new Set(Array.from({ length: between(1, 4) }, () => pick(people)))] }));
    }
    if (i > 0 && rnd() < 0.06) m.editedAfterMs = between(30, 7200) * 1000;
    out.push(m);
  }
  // Times: runs of one sender seconds apart, between runs minutes to hours; the newest just now.
  const now = Date.now();
  let t = now;
  for (let i = out.length - 1; i >= 0; i--) {
    out[i].sentAt = t;
    const sameRun = i > 0 && out[i - 1].sender === out[i].sender;
    t -= sameRun ? between(10, 150) * 1000 : between(60, 5 * 3600) * 1000;
  }
  return out;
}

// ---- The page --------------------------------------------------------------------------------

const TYPES = /** @type {Record<string, string>} */ ({
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
});

/** The test page, built as tests/browser/global-setup.ts builds it. */
async function bundle(/** @type {string} */ outDir) {
  await build({
    configFile: join(root, "vite.config.ts"),
    root,
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, rollupOptions: { input: join(root, "tests/browser/index.html") } },
  });
}

/** @returns {Promise<import("node:http").Server>} */
function serve(/** @type {string} */ dir) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = join(dir, path);
    if (!file.startsWith(dir + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error("not a file");
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok(server));
  });
}

/** In the page: records every frame's duration, long tasks, and samples the DOM and heap. */
function installRecorder(/** @type {number} */ maxFrames) {
  const w = /** @type {any} */ (window);
  const rec = {
    frames: new Float64Array(maxFrames),
    count: 0,
    dropped: 0,
    longTasks: 0,
    longTaskMs: 0,
    domMax: 0,
    heapMax: 0,
    running: true,
    observer: /** @type {PerformanceObserver | null} */ (null),
    timer: 0,
  };
  w.__bench = rec;
  if (PerformanceObserver.supportedEntryTypes?.includes("longtask")) {
    rec.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        rec.longTasks++;
        rec.longTaskMs += e.duration;
      }
    });
    rec.observer.observe({ type: "longtask" });
  } else {
    rec.longTasks = -1;
  }
  const sample = () => {
    rec.domMax = Math.max(rec.domMax, document.getElementsByTagName("*").length);
    const memory = /** @type {any} */ (performance).memory;
    if (memory) rec.heapMax = Math.max(rec.heapMax, memory.usedJSHeapSize);
  };
  sample();
  rec.timer = window.setInterval(sample, 250);
  let last = -1;
  const tick = (/** @type {number} */ t) => {
    if (!rec.running) return;
    if (last >= 0) {
      if (rec.count < maxFrames) rec.frames[rec.count++] = t - last;
      else rec.dropped++;
    }
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/** In the page: stops recording and hands over what was recorded. */
function stopRecorder() {
  const rec = /** @type {any} */ (window).__bench;
  rec.running = false;
  window.clearInterval(rec.timer);
  if (rec.observer) {
    for (const e of rec.observer.takeRecords()) {
      rec.longTasks++;
      rec.longTaskMs += e.duration;
    }
    rec.observer.disconnect();
  }
  return {
    frames: Array.from(rec.frames.subarray(0, rec.count)),
    dropped: rec.dropped,
    longTasks: rec.longTasks,
    longTaskMs: rec.longTaskMs,
    domMax: rec.domMax,
    heapMax: rec.heapMax,
  };
}

/** In the page: where the timeline is and which messages it draws. */
function where(/** @type {string} */ sel) {
  const s = /** @type {HTMLElement} */ (document.querySelector(sel));
  const rows = [...s.querySelectorAll("[data-testid=message]")].map((e) => Number(/** @type {HTMLElement} */ (e).dataset.seq));
  const first = s.querySelector('[data-testid=message][data-seq="1"]');
  return {
    top: s.scrollTop,
    bottomGap: s.scrollHeight - s.scrollTop - s.clientHeight,
    height: s.scrollHeight,
    min: rows.length ? Math.min(...rows) : 0,
    max: rows.length ? Math.max(...rows) : 0,
    firstText: first ? /** @type {HTMLElement} */ (first).innerText : null,
    loading: !!document.querySelector(".loading")?.textContent,
  };
}

/** @typedef {Awaited<ReturnType<typeof where>>} Where */

/**
 * Turns the wheel over the timeline (`dir` -1: up, 1: down) until `done`: a STEP every
 * INTERVAL_MS, not waiting for the page to draw (a hand does not; Chromium coalesces what the
 * page has not taken yet), at most IN_FLIGHT steps unanswered. Where the timeline is, is read
 * every PROBE_MS meanwhile.
 * @param {import("playwright-core").Page} page
 * @param {1 | -1} dir
 * @param {(s: Where) => boolean} done
 * @param {(s: Where) => string} progress
 * @returns {Promise<{ state: Where, wheels: number, seconds: number }>}
 */
async function scroll(page, dir, done, progress) {
  const what = dir < 0 ? "up" : "down";
  const start = Date.now();
  /** @type {Set<Promise<unknown>>} */
  const pending = new Set();
  let state = await page.evaluate(where, SCROLLER);
  /** @type {Promise<void> | null} */
  let probe = null;
  let nextProbe = 0;
  let wheels = 0;
  let next = Date.now();
  let moved = Date.now();
  let nextLog = Date.now() + 10_000;
  /** @type {unknown} */
  let failure = null;
  while (!done(state)) {
    checkTime(`scrolling ${what} (${progress(state)})`);
    if (++wheels > MAX_WHEELS) throw new BenchError(`not there after ${MAX_WHEELS} wheel steps ${what} (${progress(state)})`);
    while (pending.size >= IN_FLIGHT) await Promise.race(pending);
    if (failure) throw failure;
    const wheel = page.mouse
      .wheel(0, dir * STEP)
      .catch((e) => {
        failure = e;
      })
      .finally(() => pending.delete(wheel));
    pending.add(wheel);
    if (!probe && Date.now() >= nextProbe) {
      const before = state;
      probe = page.evaluate(where, SCROLLER).then((s) => {
        state = s;
        probe = null;
        nextProbe = Date.now() + PROBE_MS;
        if (s.top !== before.top || s.min !== before.min || s.max !== before.max || s.loading) moved = Date.now();
      });
    }
    if (Date.now() - moved > STUCK_MS) {
      throw new BenchError(`the timeline stopped moving ${what} at ${Math.round(state.top)} px for ${STUCK_MS / 1000} s (${progress(state)})`);
    }
    if (Date.now() > nextLog) {
      log(`${what}: ${wheels} wheel steps, ${progress(state)}, scrollTop ${Math.round(state.top)} of ${Math.round(state.height)}`);
      nextLog = Date.now() + 10_000;
    }
    next += INTERVAL_MS;
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -100) next = Date.now(); // behind: go on at the pace, no burst
    else await Promise.resolve();
  }
  await Promise.all(pending);
  await probe;
  if (failure) throw failure;
  state = await page.evaluate(where, SCROLLER);
  if (!done(state)) {
    // The probe saw it there, the wheels in flight since took it on: once more from here.
    const more = await scroll(page, dir, done, progress);
    return { state: more.state, wheels: wheels + more.wheels, seconds: (Date.now() - start) / 1000 };
  }
  return { state, wheels, seconds: (Date.now() - start) / 1000 };
}

/** Quantile of sorted values (nearest rank). */
function quantile(/** @type {number[]} */ sorted, /** @type {number} */ q) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
const round = (/** @type {number} */ x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

async function main() {
  /** @type {import("node:http").Server | null} */
  let server = null;
  /** @type {import("playwright-core").Browser | null} */
  let browser = null;
  const reuse = process.env.BENCH_BUNDLE;
  const dir = reuse ? resolve(reuse) : await mkdtemp(join(tmpdir(), "confer-ui-bench-"));
  try {
    if (!reuse) {
      log(`building the test page into ${dir}`);
      await bundle(dir);
    } else if (!(await stat(join(dir, "tests/browser/index.html")).catch(() => null))) {
      throw new BenchError(`BENCH_BUNDLE=${reuse} holds no tests/browser/index.html`);
    }
    server = await serve(dir);
    const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        // performance.memory to the byte, not in coarse buckets.
        "--enable-precise-memory-info",
      ],
      timeout: 30_000,
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light", locale: "en-US" });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    /** @type {string[]} */
    const errors = [];
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console error: ${m.text()}`);
    });
    await page.goto(`http://127.0.0.1:${port}/tests/browser/index.html`);

    // Seeded before signing in, as a conversation the "server" already holds.
    const messages = conversation();
    const id = await page.evaluate(([name, members, list]) => /** @type {{ fake: FakeBackend }} */ (/** @type {unknown} */ (window)).fake.seedGroup(name, members, list), /** @type {const} */ ([GROUP, MEMBERS, messages]));
    log(`seeded conversation ${id} with ${messages.length} messages`);

    await page.getByLabel("User name").fill("alice");
    await page.getByLabel("Password").fill("secret");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("aside[aria-label=Details]").waitFor();
    await page.locator(`[data-testid=conversation][data-peer="${GROUP}"]`).click();
    await page.locator(`[data-testid=message][data-seq="${MESSAGES}"]`).waitFor();
    await page.waitForFunction((sel) => {
      const s = /** @type {HTMLElement} */ (document.querySelector(sel));
      return s.scrollHeight - s.scrollTop - s.clientHeight < 2;
    }, SCROLLER);
    const box = await page.locator(SCROLLER).boundingBox();
    if (!box) throw new BenchError("the timeline is not on screen");
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForTimeout(500);

    await page.evaluate(installRecorder, MAX_FRAMES);
    const t0 = Date.now();

    // Up to the oldest message, then down to the newest. When the top is reached the app pages
    // older messages in above; the wheel keeps turning meanwhile, as a hand's would.
    const up = await scroll(page, -1, (s) => s.top <= 0 && s.firstText !== null, (s) => `oldest drawn ${s.min}`);
    if (!up.state.firstText?.includes(FIRST_TEXT)) {
      throw new BenchError(`the oldest message was drawn without its text: ${JSON.stringify(up.state.firstText)}`);
    }
    const upFrames = await page.evaluate(() => /** @type {any} */ (window).__bench.count);
    log(`reached the oldest message (its text drawn) after ${up.wheels} wheel steps, ${up.seconds.toFixed(1)} s; the timeline is ${Math.round(up.state.height)} px`);
    const down = await scroll(page, 1, (s) => s.bottomGap < 2 && s.max === MESSAGES, (s) => `newest drawn ${s.max}`);
    const newest = await page.locator(`[data-testid=message][data-seq="${MESSAGES}"]`).innerText();
    if (!newest.includes(LAST_TEXT)) throw new BenchError(`the newest message was drawn without its text: ${JSON.stringify(newest)}`);
    const seconds = (Date.now() - t0) / 1000;
    log(`back at the newest message after ${down.wheels} wheel steps, ${down.seconds.toFixed(1)} s`);

    const rec = await page.evaluate(stopRecorder);
    const asked = await page.evaluate(() => /** @type {{ fake: FakeBackend }} */ (/** @type {unknown} */ (window)).fake.callsOf("history").length);
    if (errors.length) throw new BenchError(`errors in the page:\n${errors.join("\n")}`);
    if (rec.frames.length === 0) throw new BenchError("no frames were recorded");
    const sorted = rec.frames.slice().sort((a, b) => a - b);
    const result = {
      bench: "timeline_scroll",
      messages: MESSAGES,
      frames: rec.frames.length + rec.dropped,
      frame_ms: {
        p50: round(quantile(sorted, 0.5)),
        p95: round(quantile(sorted, 0.95)),
        p99: round(quantile(sorted, 0.99)),
        max: round(sorted[sorted.length - 1]),
      },
      frames_over_16_7ms: rec.frames.filter((f) => f > 16.7 + SLACK_MS).length,
      frames_over_50ms: rec.frames.filter((f) => f > 50 + SLACK_MS).length,
      long_tasks: rec.longTasks,
      seconds: round(seconds, 1),
      dom_nodes_max: rec.domMax,
      js_heap_mib_max: round(rec.heapMax / 2 ** 20, 1),
    };
    const spread = (/** @type {number[]} */ fs) => {
      const sd = fs.slice().sort((x, y) => x - y);
      return `p50 ${round(quantile(sd, 0.5))} p95 ${round(quantile(sd, 0.95))} p99 ${round(quantile(sd, 0.99))} max ${round(sd[sd.length - 1])} ms, ${fs.filter((f) => f > 16.7 + SLACK_MS).length} over 16.7 ms of ${fs.length}`;
    };
    log(`frames up: ${spread(rec.frames.slice(0, upFrames))}`);
    log(`frames down: ${spread(rec.frames.slice(upFrames))}`);
    log(`${up.wheels} wheel steps up and ${down.wheels} down of ${STEP} px; ${asked} history pages; long tasks ${round(rec.longTaskMs, 0)} ms in all`);
    if (process.env.BENCH_FRAMES) {
      await writeFile(process.env.BENCH_FRAMES, `${JSON.stringify({ up: rec.frames.slice(0, upFrames), down: rec.frames.slice(upFrames) })}\n`);
      log(`every frame's duration written to ${process.env.BENCH_FRAMES}`);
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await browser?.close().catch(() => {});
    if (server) {
      const s = server;
      s.closeAllConnections();
      await new Promise((ok) => s.close(() => ok(null)));
    }
    if (!reuse && process.env.BENCH_KEEP !== "1") await rm(dir, { recursive: true, force: true });
    else if (!reuse) log(`kept the build in ${dir} (BENCH_BUNDLE=${dir} reuses it)`);
  }
}

// A hang anywhere (a launch, a page that never answers) still ends the run, with a reason.
const watchdog = setTimeout(() => {
  log(`error: gave up after ${Math.round(LIMIT_MS / 1000) + 60} s: the run hung`);
  process.exit(2);
}, LIMIT_MS + 60_000);
watchdog.unref();

main().then(
  () => process.exit(0),
  (e) => {
    log(`error: ${e instanceof BenchError ? e.message : (e?.stack ?? String(e))}`);
    process.exit(1);
  },
);
