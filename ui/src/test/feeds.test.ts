import { screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { goTo, renderApp } from "./render";

describe("Feeds view", () => {
  it("lists feeds grouped by folder and makes a failing feed's error plain to see", async () => {
    const { user } = await renderApp();
    await goTo(user, "feeds");
    const folders = screen.getAllByTestId("feed-folder").map((f) => f.getAttribute("aria-label"));
    expect(folders).toEqual(["China", "India", "Pakistan", "World", "Not in a folder"]);
    const failing = screen.getAllByTestId("feed-row").find((r) => r.textContent?.includes("Reuters"))!;
    expect(failing.dataset.status).toBe("error");
    expect(within(failing).getByTestId("feed-error")).toHaveTextContent("Failed 3 times in a row");
    expect(within(failing).getByTestId("feed-error")).toHaveTextContent("www.reuters.com answered HTTP 403");
    expect(screen.getByTestId("nav-feeds-count")).toHaveTextContent("1 failing");
    const healthy = screen.getAllByTestId("feed-row").find((r) => r.textContent?.includes("Dawn"))!;
    expect(within(healthy).queryByTestId("feed-error")).toBeNull();
  });

  it("shows what decoding had to leave out of a feed's last document, not as an error", async () => {
    const { user } = await renderApp();
    await goTo(user, "feeds");
    const partial = screen.getAllByTestId("feed-row").find((r) => r.textContent?.includes("Kathmandu"))!;
    expect(partial.dataset.status).toBe("ok");
    expect(within(partial).queryByTestId("feed-error")).toBeNull();
    expect(within(partial).getByTestId("feed-recovery")).toHaveTextContent(
      "recovered: 12 entries, the document was cut at byte 48213",
    );
    const whole = screen.getAllByTestId("feed-row").find((r) => r.textContent?.includes("Dawn"))!;
    expect(within(whole).queryByTestId("feed-recovery")).toBeNull();
  });

  it("offers the feeds a web page links to, and subscribes to the one picked", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "feeds");
    await user.type(screen.getByTestId("feed-url-input"), "https://www.thehindu.com");
    await user.type(screen.getByTestId("feed-folder-input"), "India");
    await user.click(screen.getByTestId("add-feed-button"));
    const choices = await screen.findByTestId("feed-choices");
    const options = within(choices).getAllByTestId("feed-choice");
    expect(options.length).toBe(2);
    expect(choices).toHaveTextContent("The Hindu — International");
    await user.click(options[1]);
    await waitFor(() => expect(screen.getByTestId("add-feed-notice")).toHaveTextContent("Subscribed"));
    const added = fake.feeds.find((f) => f.url.includes("/international/"))!;
    expect(added.folder).toBe("India");
    await waitFor(() => expect(screen.getAllByTestId("feed-row").some((r) => r.dataset.feedId === String(added.id))).toBe(true));
    expect(screen.queryByTestId("feed-choices")).toBeNull();
  });

  it("shows the engine's message next to the URL when a feed cannot be added", async () => {
    const { user } = await renderApp();
    await goTo(user, "feeds");
    await user.type(screen.getByTestId("feed-url-input"), "https://down.unreachable.example/rss");
    await user.click(screen.getByTestId("add-feed-button"));
    expect(await screen.findByTestId("add-feed-error")).toHaveTextContent("could not reach");
    expect(screen.getByTestId("feed-url-input")).toHaveAttribute("aria-invalid", "true");
  });

  it("says so when the feed is already followed", async () => {
    const { user } = await renderApp();
    await goTo(user, "feeds");
    await user.type(screen.getByTestId("feed-url-input"), "https://www.dawn.com/feeds/home");
    await user.click(screen.getByTestId("add-feed-button"));
    expect(await screen.findByTestId("add-feed-notice")).toHaveTextContent("already follow “Dawn”");
  });

  it("removes a feed only after confirmation", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "feeds");
    const row = () => screen.getAllByTestId("feed-row").find((r) => r.textContent?.includes("Kathmandu"));
    await user.click(within(row()!).getByTestId("feed-remove"));
    expect(fake.calls.some((c) => c.cmd === "remove_feed")).toBe(false);
    await user.click(within(row()!).getByTestId("feed-remove-confirm"));
    await waitFor(() => expect(row()).toBeUndefined());
    expect(fake.feeds.some((f) => f.id === 6)).toBe(false);
  });

  it("sets a fixed polling interval or returns to adaptive", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "feeds");
    const row = screen.getAllByTestId("feed-row").find((r) => r.dataset.feedId === "1")!;
    const select = within(row).getByTestId("feed-interval") as HTMLSelectElement;
    select.value = "3600";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    await waitFor(() => expect(fake.feeds[0].interval_override_secs).toBe(3600));
    expect(fake.calls.find((c) => c.cmd === "set_feed_interval")!.args).toEqual({ id: 1, intervalSecs: 3600 });
  });

  it("imports OPML through the file dialog and reports what was skipped and why", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "feeds");
    await user.click(screen.getByTestId("opml-import"));
    const report = await screen.findByTestId("import-report");
    expect(fake.calls.find((c) => c.cmd === "import_opml")!.args).toEqual({ path: "/home/analyst/feeds.opml" });
    expect(report).toHaveTextContent("2 feeds added");
    expect(report).toHaveTextContent("1 already subscribed");
    expect(within(report).getByTestId("import-skipped")).toHaveTextContent("Weekly podcast — no feed URL");
  });

  it("exports OPML to the path chosen in the save dialog", async () => {
    const { user, fake } = await renderApp();
    fake.dialogPath = "/home/analyst/export.opml";
    await goTo(user, "feeds");
    await user.click(screen.getByTestId("opml-export"));
    await waitFor(() => expect(fake.calls.some((c) => c.cmd === "export_opml")).toBe(true));
    expect(fake.calls.find((c) => c.cmd === "export_opml")!.args).toEqual({ path: "/home/analyst/export.opml" });
  });
});

describe("First run", () => {
  it("offers the starter pack, which subscribes to South Asia feeds and adds the ceasefire rule", async () => {
    const { user, fake } = await renderApp({ firstRun: true });
    const offer = await screen.findByTestId("starter-offer");
    expect(offer).toHaveTextContent("South Asia");
    await user.click(within(offer).getByTestId("starter-pack"));
    await waitFor(() => expect(fake.feeds.length).toBe(4));
    await waitFor(() => expect(screen.queryByTestId("starter-offer")).toBeNull());
    expect(screen.getByTestId("nav-rules-count")).toHaveTextContent("1");
    await goTo(user, "feeds");
    expect(screen.getAllByTestId("feed-row").length).toBe(4);
  });

  it("can start empty, and then does not offer the pack again", async () => {
    const { user, fake } = await renderApp({ firstRun: true });
    await user.click(await screen.findByTestId("start-empty"));
    await waitFor(() => expect(fake.settings.starter_offered).toBe(true));
    expect(screen.queryByTestId("starter-offer")).toBeNull();
    expect(screen.getByTestId("alerts-empty")).toHaveTextContent("No feeds yet");
    await goTo(user, "feeds");
    expect(screen.getByTestId("feeds-empty")).toBeInTheDocument();
  });
});
