import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import { settle, signedIn } from "../../../tests/helpers";
import Timeline from "./Timeline.svelte";

/** jsdom lays nothing out: give the scroller a size and a scroll position to work with. */
function fakeLayout(el: HTMLElement, height = 500, content = 5000) {
  let top = 0;
  Object.defineProperty(el, "clientHeight", { configurable: true, get: () => height });
  Object.defineProperty(el, "scrollHeight", { configurable: true, get: () => content });
  Object.defineProperty(el, "scrollTop", {
    configurable: true,
    get: () => top,
    set: (v: number) => {
      top = Math.max(0, Math.min(v, content - height));
    },
  });
}

async function scrollTo(scroller: HTMLElement, top: number) {
  scroller.scrollTop = top;
  await fireEvent.scroll(scroller);
  await settle();
}

const messages = () => screen.getAllByTestId("message");
const bySeq = (seq: number) => messages().find((m) => m.dataset.seq === String(seq))!;

describe("Timeline runs of messages", () => {
  it("shows the avatar on the first of a run only, and no sender label at all in a 1:1 chat", async () => {
    let id = 0;
    await signedIn((f) => {
      // One minute apart: bob, alice, bob, bob, alice, bob, bob (seed's pattern).
      id = f.seed("bob", 7, { stepMs: 60_000 });
    });
    render(Timeline);
    await app.select(id);
    await settle();
    expect(messages().map((m) => [m.dataset.sender, m.dataset.first])).toEqual([
      ["bob", "true"],
      ["alice", "true"],
      ["bob", "true"],
      ["bob", "false"],
      ["alice", "true"],
      ["bob", "true"],
      ["bob", "false"],
    ]);
    // No sender label in a 1:1 chat; who wrote each is still told to screen readers.
    expect(document.querySelectorAll("[data-testid=message] .sender")).toHaveLength(0);
    expect(within(bySeq(4)).getByText("Bob").className).toBe("visually-hidden");
    expect(within(bySeq(2)).getByText("You").className).toBe("visually-hidden");
    // One avatar per run of bob's, none for one's own.
    expect(document.querySelectorAll(".line .avatar")).toHaveLength(3);
    expect(document.querySelectorAll(".line .gutter")).toHaveLength(2);
  });

  it("starts a new run after five minutes, and labels the first of each run in a group", async () => {
    const fake = await signedIn();
    const id = await fake.createGroup(["bob", "carol"], "Lunch");
    fake.answerInvitation(id, "bob");
    fake.answerInvitation(id, "carol");
    const now = Date.now();
    const at = (seq: number, minutesAgo: number) => {
      const c = (fake as unknown as { conv(id: number): { messages: { seq: number | null; sent_at: number }[] } }).conv(id);
      c.messages.find((m) => m.seq === seq)!.sent_at = now - minutesAgo * 60_000;
    };
    const a = fake.post(id, "bob", "Pizza?");
    const b = fake.post(id, "bob", "Or sushi?");
    const c = fake.post(id, "bob", "Anyone?");
    const d = fake.post(id, "carol", "Pizza!");
    at(a, 30);
    at(b, 28);
    at(c, 10); // 18 minutes later: a run of its own
    at(d, 9);
    await app.reload();
    render(Timeline);
    await app.select(id);
    await settle();
    const labels = [...document.querySelectorAll("[data-testid=message] .sender")].map((e) => e.textContent);
    expect(labels).toEqual(["Bob", "Bob", "Carol"]);
    expect([a, b, c, d].map((s) => bySeq(s).dataset.first)).toEqual(["true", "false", "true", "true"]);
  });
});

describe("Timeline new messages", () => {
  it("puts a New messages line above the first unread, and shows new ones apart until the user types", async () => {
    let id = 0;
    const fake = await signedIn((f) => {
      id = f.seed("bob", 12, { unread: 3 });
    });
    render(Timeline);
    await app.select(id);
    await settle();
    const fromBob = messages().filter((m) => m.dataset.sender === "bob");
    const unread = fromBob.slice(-3).map((m) => Number(m.dataset.seq));
    const line = screen.getByTestId("new-messages");
    expect(line.getAttribute("role")).toBe("separator");
    expect(line.getAttribute("aria-label")).toBe("New messages");
    // In the row of the first unread message, before it.
    expect(line.closest("li")?.querySelector("[data-testid=message]")?.getAttribute("data-seq")).toBe(String(unread[0]));
    expect(messages().filter((m) => m.dataset.fresh === "true").map((m) => Number(m.dataset.seq))).toEqual(unread);
    // The first unread starts a run of its own (its avatar shows).
    expect(bySeq(unread[0]).dataset.first).toBe("true");

    // One more arrives: new too.
    const seq = fake.receive("bob", "Still there?");
    await settle();
    expect(bySeq(seq).dataset.fresh).toBe("true");

    // The user types: nothing is new any more; the line stays where it was.
    await fireEvent.input(screen.getByLabelText("Message"), { target: { value: "y" } });
    await settle();
    expect(messages().filter((m) => m.dataset.fresh === "true")).toHaveLength(0);
    expect(screen.getByTestId("new-messages")).toBeTruthy();

    // What comes after that is new again.
    const later = fake.receive("bob", "Hello?");
    await settle();
    expect(messages().filter((m) => m.dataset.fresh === "true").map((m) => Number(m.dataset.seq))).toEqual([later]);
  });

  it("has no New messages line when nothing was unread, and a new conversation's first message is new", async () => {
    let id = 0;
    const fake = await signedIn((f) => {
      id = f.seed("bob", 5);
    });
    render(Timeline);
    await app.select(id);
    await settle();
    expect(screen.queryByTestId("new-messages")).toBeNull();
    expect(messages().filter((m) => m.dataset.fresh === "true")).toHaveLength(0);

    const empty = await fake.openDirect("carol");
    await app.reload();
    await app.select(empty);
    await settle();
    expect(screen.queryAllByTestId("message")).toHaveLength(0);
    const seq = fake.receive("carol", "Hi alice");
    await settle();
    expect(bySeq(seq).dataset.fresh).toBe("true");
    expect(screen.queryByTestId("new-messages")).toBeNull();
  });

  it("counts the new messages waiting below on the ribbon; the jump button goes down without any", async () => {
    let id = 0;
    const fake = await signedIn((f) => {
      id = f.seed("bob", 12);
    });
    render(Timeline);
    await app.select(id);
    await settle();
    const scroller = screen.getByTestId("timeline-scroller");
    fakeLayout(scroller);
    await scrollTo(scroller, 4500);
    expect(screen.queryByTestId("jump-bottom")).toBeNull();

    // Scrolled up with nothing new: a button back to the newest.
    await scrollTo(scroller, 1000);
    const jump = screen.getByRole("button", { name: "Jump to the newest messages" });
    expect(screen.queryByTestId("ribbon")).toBeNull();

    fake.receive("bob", "one");
    await settle();
    expect(screen.getByTestId("ribbon-count").textContent).toBe("1 new message");
    expect(screen.queryByTestId("jump-bottom")).toBeNull();
    fake.receive("bob", "two");
    fake.receive("bob", "**three** :tada:");
    await settle();
    const ribbon = screen.getByTestId("ribbon");
    expect(screen.getByTestId("ribbon-count").textContent).toBe("3 new messages");
    expect(ribbon.textContent).toContain("Bob");
    // Its words as the message shows them, without Markdown's marks; so are they announced.
    expect(ribbon.textContent).toContain("three 🎉");
    expect(ribbon.textContent).not.toContain("**");
    expect(screen.getAllByRole("status").map((s) => s.textContent)).toContain("New message from Bob: three 🎉");
    await fireEvent.click(ribbon);
    await settle();
    expect(scroller.scrollTop).toBe(4500);
    expect(screen.queryByTestId("ribbon")).toBeNull();
    expect(screen.queryByTestId("jump-bottom")).toBeNull();

    // Counted afresh next time.
    await scrollTo(scroller, 1000);
    fake.receive("bob", "four");
    await settle();
    expect(screen.getByTestId("ribbon-count").textContent).toBe("1 new message");
    await scrollTo(scroller, 4500);
    await scrollTo(scroller, 1000);
    expect(jump.isConnected).toBe(false);
    await fireEvent.click(screen.getByTestId("jump-bottom"));
    await settle();
    expect(scroller.scrollTop).toBe(4500);
    expect(document.activeElement).toBe(scroller);
    expect(screen.queryByTestId("jump-bottom")).toBeNull();
  });

  it("is worded in French", async () => {
    let id = 0;
    const fake = await signedIn((f) => {
      id = f.seed("bob", 12, { unread: 2 });
    });
    setLocale("fr");
    try {
      render(Timeline);
      await app.select(id);
      await settle();
      expect(screen.getByTestId("new-messages").textContent).toBe("Nouveaux messages");
      const scroller = screen.getByTestId("timeline-scroller");
      expect(scroller.getAttribute("aria-label")).toBe("Messages avec Bob");
      fakeLayout(scroller);
      await scrollTo(scroller, 1000);
      expect(screen.getByRole("button", { name: "Aller aux messages les plus récents" })).toBeTruthy();
      fake.receive("bob", "un");
      fake.receive("bob", "deux");
      await settle();
      expect(screen.getByTestId("ribbon-count").textContent).toBe("2 nouveaux messages");
    } finally {
      setLocale("en");
    }
  });
});

describe("Timeline message text", () => {
  it("draws Markdown, links and emoji as elements, never markup from the message", async () => {
    let id = 0;
    const fake = await signedIn((f) => {
      id = f.seed("bob", 1);
    });
    render(Timeline);
    await app.select(id);
    await settle();
    const seq = fake.receive(
      "bob",
      "**Done** :tada: see https://example.com/x and <img src=x onerror=alert(1)> <script>alert(1)</script> javascript:alert(1)\n- `a`\n- b",
    );
    await settle();
    const text = bySeq(seq).querySelector<HTMLElement>("[data-testid=message-text]")!;
    expect(text.querySelector("strong")?.textContent).toBe("Done");
    expect(text.textContent).toContain("🎉");
    const links = [...text.querySelectorAll("a")];
    expect(links.map((a) => [a.getAttribute("href"), a.target, a.rel])).toEqual([["https://example.com/x", "_blank", "noopener noreferrer"]]);
    expect(text.querySelector("img, script")).toBeNull();
    expect(text.textContent).toContain("<img src=x onerror=alert(1)>");
    expect(text.textContent).toContain("<script>alert(1)</script> javascript:alert(1)");
    expect([...text.querySelectorAll("ul > li")].map((li) => li.textContent)).toEqual(["a", "b"]);
    expect(text.querySelector("li code")?.textContent).toBe("a");
  });
});
