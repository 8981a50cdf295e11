import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../../lib/i18n";
import { app } from "../../lib/state.svelte";
import { LINK_IMAGE_URL, type FakeBackend } from "../../../tests/fake-backend";
import { settle, signedIn } from "../../../tests/helpers";
import Timeline from "../timeline/Timeline.svelte";
import LinkCard from "./LinkCard.svelte";
import { cardOf, hostOf, pictureOf } from "./links";

// A link's card under a text (the server fetched the page of its first link): the picture it
// drew, the title (else the host) opening the page in the system's browser, the description,
// the host; none on a deleted message; it comes a moment after the message, as a change.

/** Bob's conversation holding `texts` (oldest first), open in the timeline. */
async function open(texts: string[], prepare?: (fake: FakeBackend, id: number) => void) {
  let id = 0;
  const fake = await signedIn((f) => {
    id = f.seed("bob", texts.length, { stepMs: 60_000, text: (i) => texts[i] });
    prepare?.(f, id);
  });
  render(Timeline);
  await app.select(id);
  await settle();
  return { fake, id };
}

const cards = () => screen.queryAllByTestId("link-card");
const bubble = (seq: number) => screen.getAllByTestId("message").find((m) => m.dataset.seq === String(seq))!;

afterEach(() => {
  setLocale("en");
});

describe("a link's card", () => {
  it("shows the picture, the title as a link opening the page, the description and the host", async () => {
    const { fake } = await open(["Plan for next quarter: https://wiki.example.com/spaces/team/q3-planning"]);
    const card = within(bubble(1)).getByTestId("link-card");
    expect(card.getAttribute("role")).toBe("group");
    expect(card.getAttribute("aria-label")).toBe("Link preview: Q3 planning");
    const img = within(card).getByTestId("link-card-image") as HTMLImageElement;
    expect(img.getAttribute("src")).toBe(LINK_IMAGE_URL);
    // Decorative: the title says what the page is.
    expect(img.getAttribute("alt")).toBe("");
    expect([img.getAttribute("width"), img.getAttribute("height")]).toEqual(["64", "64"]);
    const title = within(card).getByRole("link", { name: "Q3 planning" });
    expect(title.getAttribute("href")).toBe("https://wiki.example.com/spaces/team/q3-planning");
    expect(within(card).getByTestId("link-card-description").textContent).toContain("Goals, owners and dates");
    expect(within(card).getByTestId("link-card-host").textContent).toBe("wiki.example.com");
    // A click opens the page in the system's browser, as a link in the text does, not here.
    const click = new MouseEvent("click", { bubbles: true, cancelable: true });
    title.dispatchEvent(click);
    expect(click.defaultPrevented).toBe(true);
    await settle();
    expect(fake.callsOf("openLink")).toEqual([["https://wiki.example.com/spaces/team/q3-planning"]]);
    setLocale("fr");
    await settle();
    expect(within(bubble(1)).getByTestId("link-card").getAttribute("aria-label")).toBe("Aperçu du lien : Q3 planning");
  });

  it("goes without a picture, and names the page by its host when it has no title", async () => {
    await open(["Notes: https://news.example.org/2025/release", "And https://www.bare.example.net/page?x=1."]);
    const withTitle = within(bubble(1)).getByTestId("link-card");
    expect(within(withTitle).queryByRole("img")).toBeNull();
    expect(withTitle.querySelector("img")).toBeNull();
    expect(within(withTitle).getByRole("link").textContent).toBe("Release notes");
    expect(within(withTitle).getByTestId("link-card-host").textContent).toBe("news.example.org");
    const untitled = within(bubble(2)).getByTestId("link-card");
    expect(untitled.querySelector("img")).toBeNull();
    expect(within(untitled).getByRole("link", { name: "bare.example.net" }).getAttribute("href")).toBe("https://www.bare.example.net/page?x=1");
    expect(within(untitled).getByTestId("link-card-description").textContent).toBe("A page without a title.");
    expect(untitled.getAttribute("aria-label")).toBe("Link preview: bare.example.net");
  });

  it("is not shown for a link the server made no card of, nor on a deleted message", async () => {
    const { fake, id } = await open(["https://unknown.example.com/x", "See https://wiki.example.com/q3"]);
    expect(within(bubble(1)).queryByTestId("link-card")).toBeNull();
    expect(within(bubble(2)).getByTestId("link-card")).toBeTruthy();
    fake.deleteBy(id, 2);
    await settle();
    expect(bubble(2).dataset.deleted).toBe("true");
    expect(cards()).toEqual([]);
    // Even were the card still on it.
    expect(cardOf({ deleted: true, preview: { url: "https://wiki.example.com/q3", title: "Q3 planning" } })).toBeNull();
  });

  it("comes a moment after the message, as a change of it, and goes with an edit that changes the link", async () => {
    const { fake, id } = await open(["Hello"]);
    const seq = fake.receive("bob", "Have a look: https://wiki.example.com/q3");
    await settle();
    expect(within(bubble(seq)).queryByTestId("link-card")).toBeNull();
    await vi.waitFor(() => expect(within(bubble(seq)).getByTestId("link-card")).toBeTruthy());
    // The same link edited around: the card stays; another link: it goes, and the other's comes.
    fake.editBy(id, seq, "Have a look at this: https://wiki.example.com/q3");
    await settle();
    expect(within(bubble(seq)).getByTestId("link-card")).toBeTruthy();
    fake.editBy(id, seq, "Rather https://news.example.org/notes");
    await settle();
    expect(within(bubble(seq)).queryByTestId("link-card")).toBeNull();
    await vi.waitFor(() => expect(within(bubble(seq)).getByRole("link", { name: "Release notes" })).toBeTruthy());
  });

  it("comes for one's own message too", async () => {
    await open(["Hello"]);
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: "The plan: https://wiki.example.com/q3" } });
    await fireEvent.keyDown(box, { key: "Enter" });
    await vi.waitFor(() => expect(cards()).toHaveLength(1));
    expect(cards()[0].closest("[data-testid=message]")?.getAttribute("data-mine")).toBe("true");
  });

  it("clamps a long description to three lines, drawn alone", () => {
    const long = "word ".repeat(200).trim();
    render(LinkCard, { props: { card: { url: "https://wiki.example.com/long", title: "Long", description: long } } });
    const description = screen.getByTestId("link-card-description");
    expect(description.textContent).toBe(long);
    expect(description.className).toContain("description");
  });
});

describe("what the UI reads of a card", () => {
  it("names the host without www., else the address", () => {
    expect(hostOf("https://www.example.com/a/b")).toBe("example.com");
    expect(hostOf("http://wiki.example.com:8080/x")).toBe("wiki.example.com");
    expect(hostOf("not a url")).toBe("not a url");
  });

  it("takes only a picture the server drew", () => {
    expect(pictureOf({ url: "https://a.example", image: LINK_IMAGE_URL })).toBe(LINK_IMAGE_URL);
    expect(pictureOf({ url: "https://a.example", image: "https://tracker.example/pixel.png" })).toBeNull();
    expect(pictureOf({ url: "https://a.example", image: "data:image/svg+xml;base64,PHN2Zz4=" })).toBeNull();
    expect(pictureOf({ url: "https://a.example" })).toBeNull();
  });

  it("shows a card on a living text only", () => {
    const preview = { url: "https://wiki.example.com/q3", title: "Q3 planning" };
    expect(cardOf({ preview })).toEqual(preview);
    expect(cardOf({ kind: "text", preview })).toEqual(preview);
    expect(cardOf({ kind: "joined", preview })).toBeNull();
    expect(cardOf({ preview: null })).toBeNull();
    expect(cardOf({})).toBeNull();
  });
});
