import { screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { goTo, renderApp } from "./render";

describe("App shell", () => {
  it("shows poll progress from engine events without blocking the window", async () => {
    const { fake } = await renderApp();
    expect(screen.queryByTestId("poll-progress")).toBeNull();
    await fake.emit({ type: "poll_started", feeds: 6 });
    await fake.emit({ type: "poll_progress", done: 3, total: 6, feed_id: 2 });
    const bar = await screen.findByTestId("poll-progress");
    await waitFor(() => expect(bar).toHaveAttribute("aria-valuenow", "50"));
    expect(screen.getByTestId("poll-status")).toHaveTextContent("Checking feeds… 3/6");
    // The views stay usable while polling.
    expect(screen.getByTestId("nav-feeds")).toBeEnabled();
    await fake.emit({
      type: "poll_finished",
      summary: { feeds: 6, not_modified: 2, failed: 1, new_articles: 7, updated_articles: 0, alerts: 1, elapsed_ms: 900 },
    });
    await waitFor(() => expect(screen.queryByTestId("poll-progress")).toBeNull());
    expect(screen.getByTestId("poll-status")).toHaveTextContent("7 new articles");
    expect(screen.getByTestId("poll-status")).toHaveTextContent("1 failed");
  });

  it("marks a feed as failing when a feed_error event arrives", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "feeds");
    await fake.emit({ type: "feed_error", feed_id: 1, code: "timeout", message: "www.dawn.com did not answer within 30 s" });
    await waitFor(() => expect(screen.getAllByTestId("feed-error").some((e) => e.textContent?.includes("did not answer"))).toBe(true));
  });

  it("pauses and resumes monitoring, with a visible indicator", async () => {
    const { user, fake } = await renderApp();
    expect(screen.queryByTestId("paused-indicator")).toBeNull();
    await user.click(screen.getByTestId("pause-toggle"));
    await waitFor(() => expect(screen.getByTestId("paused-indicator")).toBeInTheDocument());
    expect(fake.settings.paused).toBe(true);
    // The engine may also report it (tray menu).
    await fake.emit({ type: "monitoring_changed", paused: false });
    await waitFor(() => expect(screen.queryByTestId("paused-indicator")).toBeNull());
  });

  it("refresh all runs a poll and reports it in the status bar", async () => {
    const { user, fake } = await renderApp();
    await user.click(screen.getByTestId("refresh-all"));
    await waitFor(() => expect(screen.getByTestId("poll-status")).toHaveTextContent("4 new articles"));
    expect(fake.calls.some((c) => c.cmd === "refresh_all")).toBe(true);
  });

  it("shows stats in the status bar", async () => {
    const { fake } = await renderApp();
    const stats = screen.getByTestId("stats");
    expect(stats).toHaveTextContent(`${fake.feeds.length} feeds`);
    expect(stats).toHaveTextContent("1 failing");
    expect(stats).toHaveTextContent(`${fake.articles.length} articles`);
  });

  it("saves settings and shows the engine's refusal by the form", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "settings");
    await user.click(screen.getByTestId("settings-start-at-login"));
    await user.click(screen.getByTestId("settings-save"));
    await waitFor(() => expect(fake.settings.start_at_login).toBe(true));

    const min = screen.getByTestId("settings-min-interval");
    await user.clear(min);
    await user.type(min, "600");
    expect(screen.getByTestId("settings-save")).toBeDisabled();
    expect(screen.getByTestId("settings-form")).toHaveTextContent("must not be shorter");
  });
});
