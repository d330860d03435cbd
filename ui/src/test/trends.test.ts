// The picture in the window: the Trends view, sparklines and latency in Rules, spike and
// backfill options when saving a rule, feed health in Feeds, and the offline banner.

import { screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TrendQuery } from "../lib/bindings/TrendQuery";
import { goTo, renderApp } from "./render";

// uPlot draws on a canvas, which the test DOM has not: a stand-in keeps what it was given
// and lets a test say which bar the cursor is on.
// The cursor's `top` is given as a count: the stand-in's `posToVal` reads it as one.
type PlotOptions = { series: { label?: string; fill?: string }[] };
const plots = vi.hoisted(
  () => [] as { opts: PlotOptions; data: number[][]; over: HTMLDivElement; cursor: { idx: number | null; top: number | null } }[],
);
vi.mock("uplot", () => {
  class Plot {
    static paths = { bars: () => () => null };
    opts: PlotOptions;
    data: number[][];
    over: HTMLDivElement;
    cursor = { idx: null as number | null, top: null as number | null };
    constructor(opts: PlotOptions, data: number[][], host: HTMLElement) {
      this.opts = opts;
      this.data = data;
      this.over = document.createElement("div");
      this.over.dataset.testid = "plot-over";
      host.appendChild(this.over);
      plots.push(this);
    }
    setData(data: number[][]) {
      this.data = data;
    }
    posToVal(pos: number) {
      return pos;
    }
    setSize() {}
    destroy() {
      this.over.remove();
    }
  }
  return { default: Plot };
});

// The fake engine's stories are dated around this moment.
const NOW = Date.parse("2025-11-28T12:00:00Z");

beforeEach(() => {
  plots.length = 0;
  vi.useFakeTimers({ toFake: ["Date"], now: NOW });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("Trends view", () => {
  it("charts a query's articles per hour and lists a clicked bar's articles", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "trends");
    await user.type(screen.getByTestId("trend-query"), "ceasefire");
    await user.selectOptions(screen.getByTestId("trend-range"), "24h");
    await user.click(screen.getByTestId("trend-draw"));
    await waitFor(() => expect(screen.getByTestId("trend-chart")).toBeInTheDocument());
    const call = fake.calls.find((c) => c.cmd === "trend")!;
    expect(call.args.query).toMatchObject({ query: "ceasefire", by: "hour", rule: null });
    const plot = plots.at(-1)!;
    const counts = plot.data[1];
    expect(counts).toHaveLength(24);
    const total = counts.reduce((a, b) => a + b, 0);
    const ceasefire = fake.articles.filter((a) => /ceasefire/i.test(a.title + a.text)).length;
    expect(total).toBe(ceasefire);
    // Click the busiest bar: its articles are listed.
    const busiest = counts.indexOf(Math.max(...counts));
    plot.cursor.idx = busiest;
    await user.click(screen.getByTestId("plot-over"));
    const listed = await screen.findByTestId("trend-bar-articles");
    await waitFor(() => expect(within(listed).getAllByRole("listitem")).toHaveLength(counts[busiest]));
  });

  it("charts a rule by its own query", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "trends");
    await user.selectOptions(screen.getByLabelText("Count"), "rule");
    await user.selectOptions(await screen.findByTestId("trend-rule"), "2");
    await user.click(screen.getByTestId("trend-draw"));
    await waitFor(() => expect(screen.getByTestId("trend-chart")).toBeInTheDocument());
    expect(fake.calls.find((c) => c.cmd === "trend")!.args.query).toMatchObject({ rule: 2, by: "day" });
  });
});

describe("Trends split by folder or outlet", () => {
  it("stacks the outlets' bars with a legend, and a clicked segment lists that outlet's articles", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "trends");
    await user.selectOptions(screen.getByTestId("trend-range"), "30d");
    await user.selectOptions(screen.getByTestId("trend-split"), "outlet");
    await user.click(screen.getByTestId("trend-draw"));
    const legend = await screen.findByTestId("trend-legend");
    const call = fake.calls.find((c) => c.cmd === "trend")!;
    expect(call.args.query).toMatchObject({ split: "outlet", by: "day" });
    const trend = fake.trend(call.args.query as TrendQuery);
    expect(trend.series.length).toBeGreaterThan(1);
    const shown = trend.series.slice(0, 8);
    // One stacked series per outlet (the fake has few), the topmost first: the whole bar.
    const plot = plots.at(-1)!;
    expect(plot.data).toHaveLength(shown.length + 1);
    const perBar = trend.points.map((_, i) => shown.reduce((n, s) => n + s.points[i].count, 0));
    expect(plot.data[1]).toEqual(perBar);
    const bottom = plot.data.at(-1)!;
    expect(bottom).toEqual(shown[0].points.map((p) => p.count));
    // The legend names each segment with its total, in the colours' order.
    const rows = within(legend).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.textContent?.trim())).toEqual(shown.map((s) => `${s.label}${s.total}`));
    const labels = plot.opts.series.slice(1).map((s) => s.label).reverse();
    expect(labels).toEqual(shown.map((s) => s.label));
    // Click the bottom segment of a bar where the largest outlet has articles.
    const largest = shown[0];
    const i = largest.points.findIndex((p) => p.count > 0);
    plot.cursor.idx = i;
    plot.cursor.top = 0;
    await user.click(screen.getByTestId("plot-over"));
    const listed = await screen.findByTestId("trend-bar-articles");
    expect(within(listed).getByRole("heading").textContent).toContain(`of ${largest.label}`);
    await waitFor(() => expect(within(listed).getAllByRole("listitem")).toHaveLength(largest.points[i].count));
    for (const item of within(listed).getAllByRole("listitem")) expect(item.textContent).toContain(largest.label!);
    const search = fake.calls.filter((c) => c.cmd === "search_articles").at(-1)!;
    expect(search.args.query).toMatchObject({ feeds: [largest.feed], folder: null });
  });

  it("stacks folders; a click above a bar's stack lists the whole bar", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "trends");
    await user.selectOptions(screen.getByTestId("trend-range"), "30d");
    await user.selectOptions(screen.getByTestId("trend-split"), "folder");
    await user.click(screen.getByTestId("trend-draw"));
    const legend = await screen.findByTestId("trend-legend");
    expect(within(legend).getByRole("columnheader", { name: "Folder" })).toBeInTheDocument();
    const trend = fake.trend(fake.calls.find((c) => c.cmd === "trend")!.args.query as TrendQuery);
    const plot = plots.at(-1)!;
    const i = trend.points.findIndex((p) => p.count > 0);
    plot.cursor.idx = i;
    plot.cursor.top = trend.points[i].count + 1000;
    await user.click(screen.getByTestId("plot-over"));
    const listed = await screen.findByTestId("trend-bar-articles");
    await waitFor(() => expect(within(listed).getAllByRole("listitem")).toHaveLength(trend.points[i].count));
    // A folder's segment lists the articles of the feeds filed in it.
    const folder = trend.series.find((s) => s.label !== null && s.points[i].count > 0)!;
    plot.cursor.top = trend.series.slice(0, trend.series.indexOf(folder)).reduce((n, s) => n + s.points[i].count, 0);
    await user.click(screen.getByTestId("plot-over"));
    await waitFor(() => expect(within(listed).getByRole("heading").textContent).toContain(`of ${folder.label}`));
    const inFolder = fake.feeds.filter((f) => f.folder === folder.label).map((f) => f.id);
    const search = fake.calls.filter((c) => c.cmd === "search_articles").at(-1)!;
    expect(search.args.query).toMatchObject({ feeds: inFolder });
    await waitFor(() => expect(within(listed).getAllByRole("listitem")).toHaveLength(folder.points[i].count));
  });
});

describe("Rules view over time", () => {
  it("shows each rule's sparkline and measured alert latency", async () => {
    const { user } = await renderApp();
    await goTo(user, "rules");
    const rows = screen.getAllByTestId("rule-row");
    await waitFor(() => expect(within(rows[0]).getByTestId("sparkline")).toBeInTheDocument());
    expect(within(rows[0]).getByTestId("rule-latency")).toHaveTextContent("alerted 7 min after publication (median); 95% within 25 min");
  });

  it("saves a new rule with spike alerts and backfills the last day's matches", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "rules");
    await user.click(screen.getByTestId("new-rule"));
    await user.type(screen.getByTestId("rule-name-input"), "Ceasefire anywhere");
    await user.type(screen.getByTestId("rule-query-input"), "ceasefire");
    await user.selectOptions(screen.getByTestId("rule-spike-sensitivity"), "high");
    await user.selectOptions(await screen.findByTestId("rule-spike-cool-down"), String(3 * 3600));
    expect(screen.getByTestId("rule-backfill")).toBeChecked();
    await waitFor(() => expect(screen.getByTestId("rule-save")).toBeEnabled());
    await user.click(screen.getByTestId("rule-save"));
    const saved = fake.rules.find((r) => r.name === "Ceasefire anywhere")!;
    await waitFor(() => expect(fake.spikeSettings.get(saved.id)).toEqual({ rule_id: saved.id, sensitivity: "high", cool_down_secs: 10800 }));
    const backfilled = fake.alerts.filter((a) => a.rule_id === saved.id).length;
    expect(backfilled).toBeGreaterThan(0);
    expect(await screen.findByText(`Saved “Ceasefire anywhere”; ${backfilled} alerts from the last 24 hours.`)).toBeInTheDocument();
  });

  it("does not backfill when asked not to", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "rules");
    await user.click(screen.getByTestId("new-rule"));
    await user.type(screen.getByTestId("rule-name-input"), "Quiet");
    await user.type(screen.getByTestId("rule-query-input"), "ceasefire");
    await user.click(screen.getByTestId("rule-backfill"));
    await waitFor(() => expect(screen.getByTestId("rule-save")).toBeEnabled());
    await user.click(screen.getByTestId("rule-save"));
    await screen.findByText("Saved “Quiet”.");
    expect(fake.calls.some((c) => c.cmd === "backfill_rule")).toBe(false);
    expect(fake.calls.some((c) => c.cmd === "set_rule_spikes")).toBe(false);
  });
});

describe("Feed health and offline", () => {
  it("explains a failing feed in plain words and says which one went silent", async () => {
    const { user } = await renderApp();
    await goTo(user, "feeds");
    const failing = screen.getAllByTestId("feed-row").find((r) => r.dataset.feedId === "5")!;
    await waitFor(() => expect(within(failing).getByTestId("feed-problem")).toHaveTextContent("HTTP 403: the site refuses automated readers"));
    expect(within(failing).getByTestId("feed-error")).toHaveTextContent("www.reuters.com answered HTTP 403");
    const silent = screen.getAllByTestId("feed-row").find((r) => r.dataset.feedId === "6")!;
    expect(within(silent).getByTestId("feed-silent")).toHaveTextContent("usually publishes every 1 d");
    expect(within(silent).queryByTestId("feed-error")).toBeNull();
  });

  it("shows one offline banner instead of an error per feed, and tries again on demand", async () => {
    const { user, fake } = await renderApp();
    expect(screen.queryByTestId("offline-banner")).toBeNull();
    fake.offline = new Date(NOW - 10 * 60_000).toISOString();
    await fake.emit({ type: "poll_finished", summary: { feeds: 6, not_modified: 0, failed: 6, new_articles: 0, updated_articles: 0, alerts: 0, elapsed_ms: 20 } });
    const banner = await screen.findByTestId("offline-banner");
    expect(banner).toHaveTextContent("You're offline.");
    fake.offline = null;
    await user.click(screen.getByTestId("offline-retry"));
    await waitFor(() => expect(screen.queryByTestId("offline-banner")).toBeNull());
    expect(fake.calls.some((c) => c.cmd === "refresh_all")).toBe(true);
  });
});

describe("spike alerts", () => {
  it("lists a spike in the Alerts view as it arrives", async () => {
    const { fake } = await renderApp();
    const spike = {
      id: 1,
      rule_name: "South Asia ceasefire",
      message: "South Asia ceasefire: 34 stories in the last hour, usually about 3",
      spike: { rule_id: 1, latest: 34, usual: 3, at: new Date(NOW).toISOString() },
    };
    await fake.emit({ type: "spike", spike });
    const list = await screen.findByTestId("spike-list");
    expect(list).toHaveTextContent("South Asia ceasefire: 34 stories in the last hour, usually about 3");
    expect(screen.getByTestId("live-region")).toHaveTextContent("34 stories in the last hour");
  });
});
