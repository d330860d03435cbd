import { screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { renderApp } from "./render";

const rows = () => screen.getAllByTestId("alert-row");

describe("Stories", () => {
  it("an alert row says how many outlets reported its story and who was first", async () => {
    const { fake } = await renderApp();
    await waitFor(() => expect(rows().length).toBe(fake.alerts.length));
    const withStory = rows().filter((r) => within(r).queryByTestId("alert-story"));
    expect(withStory.length).toBeGreaterThan(0);
    const line = within(withStory[0]).getByTestId("alert-story");
    expect(line).toHaveTextContent("3 outlets · Dawn first, 14 min before Reuters");
    expect(line).toHaveAttribute("aria-expanded", "false");
  });

  it("expanding an alert's story lists each outlet once, first to report first", async () => {
    const { fake, user } = await renderApp();
    await waitFor(() => expect(rows().length).toBe(fake.alerts.length));
    const row = rows().find((r) => within(r).queryByTestId("alert-story"))!;
    await user.click(within(row).getByTestId("alert-story"));
    await waitFor(() => expect(within(row).getAllByTestId("story-outlet").length).toBe(3));
    const outlets = within(row)
      .getAllByTestId("story-outlet")
      .map((li) => li.textContent ?? "");
    expect(outlets[0]).toContain("Dawn");
    expect(outlets[1]).toContain("Reuters");
    expect(outlets[2]).toContain("NDTV");
    expect(fake.calls.some((c) => c.cmd === "get_story" && c.args.id === 900)).toBe(true);
  });

  it("the reader shows who else reported the story, and an article can leave it", async () => {
    const { fake, user } = await renderApp();
    await waitFor(() => expect(rows().length).toBe(fake.alerts.length));
    const row = rows().find((r) => within(r).queryByTestId("alert-story"))!;
    await user.click(row.querySelector(".row-main") as HTMLElement);
    const reader = await screen.findByTestId("reader");
    const also = await within(reader).findByTestId("story-outlets");
    expect(also).toHaveTextContent("Also reported by");
    const listed = within(also).getAllByTestId("story-outlet").map((li) => li.textContent ?? "");
    expect(listed.length).toBe(2);
    expect(listed.join(" ")).not.toContain("Dawn ·");

    await user.click(within(also).getByTestId("detach-from-story"));
    await waitFor(() => expect(within(reader).queryByTestId("story-outlets")).toBeNull());
    expect(fake.calls.some((c) => c.cmd === "detach_from_story")).toBe(true);
  });
});
