import { screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { goTo, renderApp } from "./render";

function concept(name: string): HTMLElement {
  const found = screen.getAllByTestId("concept").find((c) => c.dataset.concept === name);
  if (!found) throw new Error(`no concept @${name}`);
  return found;
}

const spellings = (name: string) => within(concept(name)).getAllByTestId("variant").map((v) => v.querySelector("span")!.textContent);

describe("Lexicon panel", () => {
  it("lists each concept with its spellings across scripts and their languages", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "settings");
    const panel = await screen.findByTestId("lexicon-panel");
    await waitFor(() => expect(within(panel).getAllByTestId("concept").length).toBe(fake.concepts.length));
    expect(spellings("ceasefire")).toEqual(["ceasefire", "truce", "جنگ بندی", "संघर्ष विराम", "停火"]);
    const urdu = within(concept("ceasefire")).getAllByTestId("variant")[2];
    expect(within(urdu).getByTestId("lang-tag")).toHaveTextContent("UR");
    expect(urdu.querySelector("span")).toHaveAttribute("dir", "auto");
  });

  it("adds a spelling to a concept and removes it again", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "settings");
    await screen.findAllByTestId("concept");
    await user.type(screen.getByTestId("lexicon-name"), "@Ceasefire");
    await user.type(screen.getByTestId("lexicon-variant"), "fire pause");
    await user.click(screen.getByTestId("lexicon-submit"));
    await waitFor(() => expect(spellings("ceasefire")).toContain("fire pause"));
    expect(fake.calls.find((c) => c.cmd === "add_concept_variant")!.args).toEqual({ concept: "ceasefire", variant: "fire pause" });
    const added = within(concept("ceasefire")).getAllByTestId("variant").find((v) => v.textContent!.includes("fire pause"))!;
    expect(added).toHaveTextContent("yours");
    expect(screen.getByTestId("lexicon-variant")).toHaveValue("");

    await user.click(within(added).getByTestId("variant-remove"));
    await waitFor(() => expect(spellings("ceasefire")).not.toContain("fire pause"));
    expect(fake.calls.find((c) => c.cmd === "remove_concept_variant")!.args).toEqual({ concept: "ceasefire", variant: "fire pause" });
    expect(fake.concepts.find((c) => c.name === "ceasefire")!.variants.map((v) => v.text)).not.toContain("fire pause");
  });

  it("adds a new concept, and drops it once its last spelling is removed", async () => {
    const { user } = await renderApp();
    await goTo(user, "settings");
    await screen.findAllByTestId("concept");
    await user.type(screen.getByTestId("lexicon-name"), "siachen");
    await user.type(screen.getByTestId("lexicon-variant"), "سیاچن");
    await user.click(screen.getByTestId("lexicon-submit"));
    await waitFor(() => expect(spellings("siachen")).toEqual(["سیاچن"]));
    await user.click(within(concept("siachen")).getByTestId("variant-remove"));
    await waitFor(() => expect(screen.getAllByTestId("concept").some((c) => c.dataset.concept === "siachen")).toBe(false));
  });

  it("shows the engine's refusal of a bad name inline and keeps what was typed", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "settings");
    await screen.findAllByTestId("concept");
    await user.type(screen.getByTestId("lexicon-name"), "line of control");
    await user.type(screen.getByTestId("lexicon-variant"), "LoC");
    await user.click(screen.getByTestId("lexicon-submit"));
    expect(await screen.findByTestId("lexicon-error")).toHaveTextContent("invalid concept name");
    expect(screen.getByTestId("lexicon-variant")).toHaveValue("LoC");
    expect(fake.concepts.some((c) => c.name.includes("line"))).toBe(false);
  });
});
