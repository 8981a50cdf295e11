import { render } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import { setLocale } from "../../lib/i18n";
import { settle } from "../../../tests/helpers";
import Help from "./Help.svelte";

describe("the Help window", () => {
  afterEach(() => setLocale("en"));

  it("shows the user guide with its sections and the ticks table", () => {
    const { container, getByRole } = render(Help);
    expect(getByRole("heading", { level: 1 }).textContent).toBe("Confer user guide");
    const sections = [...container.querySelectorAll("h2")].map((h) => h.textContent);
    expect(sections).toContain("Signing in");
    expect(container.querySelector("table th")?.textContent).toBe("Ticks");
    // Bold words are bold, not asterisks.
    expect(container.textContent).not.toContain("**");
  });

  it("shows the guide in French when the UI speaks French, and switches with the language", async () => {
    setLocale("fr");
    const { container, getByRole, getByTestId } = render(Help);
    expect(getByTestId("user-guide").getAttribute("lang")).toBe("fr");
    expect(getByRole("heading", { level: 1 }).textContent).toBe("Guide de l'utilisateur de Confer");
    const sections = [...container.querySelectorAll("h2")].map((h) => h.textContent);
    expect(sections).toEqual([
      "Se connecter",
      "Discussions et groupes",
      "Présence et statuts",
      "Favoris",
      "Personnes",
      "Salles virtuelles et réunions",
      "Paramètres, Aide et À propos",
      "Clavier",
      "Alias",
    ]);
    expect([...container.querySelectorAll("table th")].map((th) => th.textContent)).toEqual(["Coches", "Signification"]);
    expect(container.textContent).toContain("Ctrl+Maj+F");
    expect(container.textContent).not.toContain("Sign in");
    expect(container.textContent).not.toContain("**");

    setLocale("en");
    await settle();
    expect(getByTestId("user-guide").getAttribute("lang")).toBe("en");
    expect(getByRole("heading", { level: 1 }).textContent).toBe("Confer user guide");
  });
});
