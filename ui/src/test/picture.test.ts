// The pieces that show the picture: trend chart, sparkline, offline banner, feed health.

import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { FeedHealth } from "../lib/bindings/FeedHealth";
import type { Problem } from "../lib/bindings/Problem";
import type { Trend } from "../lib/bindings/Trend";
import FeedHealthNote from "../lib/components/FeedHealthNote.svelte";
import OfflineBanner from "../lib/components/OfflineBanner.svelte";
import Sparkline from "../lib/components/Sparkline.svelte";
import TrendChart from "../lib/components/TrendChart.svelte";
import { barRange, chartColumns, segmentAt, segments, stackedColumns } from "../lib/trend";

// uPlot draws on a canvas, which the test DOM has not: a stand-in records what it is given.
const plots = vi.hoisted(() => [] as FakePlot[]);
type FakePlot = { opts: { series: unknown[] }; data: number[][]; over: HTMLDivElement; cursor: { idx: number | null }; destroyed: boolean };
vi.mock("uplot", () => {
  class Plot {
    static paths = { bars: () => () => null };
    opts: unknown;
    data: number[][];
    over: HTMLDivElement;
    cursor = { idx: null as number | null };
    destroyed = false;
    constructor(opts: unknown, data: number[][], host: HTMLElement) {
      this.opts = opts;
      this.data = data;
      this.over = document.createElement("div");
      this.over.dataset.testid = "plot-over";
      host.appendChild(this.over);
      plots.push(this as unknown as FakePlot);
    }
    setData(data: number[][]) {
      this.data = data;
    }
    setSize() {}
    destroy() {
      this.destroyed = true;
    }
  }
  return { default: Plot };
});

const trend: Trend = {
  by: "day",
  total: 9,
  series: [],
  points: [
    { start: "2026-12-04T10:00:00.000Z", count: 1 },
    { start: "2026-12-05T00:00:00.000Z", count: 5 },
    { start: "2026-12-06T00:00:00.000Z", count: 3 },
  ],
};

describe("trend chart", () => {
  it("hands uPlot the bucket starts and counts", () => {
    const secs = (iso: string) => Date.parse(iso) / 1000;
    expect(chartColumns(trend)).toEqual([
      [secs("2026-12-04T10:00:00Z"), secs("2026-12-05T00:00:00Z"), secs("2026-12-06T00:00:00Z")],
      [1, 5, 3],
    ]);
  });

  it("turns a bar back into the range a search lists, the last one cut at the trend's end", () => {
    expect(barRange(trend, 0)).toEqual({ since: "2026-12-04T10:00:00.000Z", until: "2026-12-05T00:00:00.000Z" });
    expect(barRange(trend, 2, "2026-12-06T15:30:00.000Z")).toEqual({ since: "2026-12-06T00:00:00.000Z", until: "2026-12-06T15:30:00.000Z" });
    expect(barRange(trend, 2)).toEqual({ since: "2026-12-06T00:00:00.000Z", until: "2026-12-07T00:00:00.000Z" });
    expect(barRange(trend, 3)).toBeNull();
  });

  it("asks for the clicked bar's articles and draws with bars", async () => {
    plots.length = 0;
    const onpick = vi.fn();
    const user = userEvent.setup();
    render(TrendChart, { props: { trend, until: "2026-12-06T15:30:00.000Z", onpick } });
    expect(plots).toHaveLength(1);
    expect(plots[0].data[1]).toEqual([1, 5, 3]);
    plots[0].cursor.idx = 1;
    await user.click(screen.getByTestId("plot-over"));
    expect(onpick).toHaveBeenCalledWith({ since: "2026-12-05T00:00:00.000Z", until: "2026-12-06T00:00:00.000Z", count: 5 });
    expect(screen.getByTestId("trend-chart")).toHaveTextContent("9 articles");
  });
});

describe("split trend", () => {
  const at = (counts: number[]) => counts.map((count, i) => ({ start: trend.points[i].start, count }));
  const outlet = (label: string, feed: number, counts: number[]) => ({
    label,
    feed,
    total: counts.reduce((a, b) => a + b, 0),
    points: at(counts),
  });
  const split: Trend = {
    ...trend,
    series: [outlet("Dawn", 1, [1, 3, 2]), outlet("Reuters", 2, [0, 2, 1]), outlet("Xinhua", 3, [1, 0, 0])],
  };

  it("stacks the segments, topmost first, and finds the segment a click fell in", () => {
    const segs = segments(split);
    expect(segs.map((s) => [s.label, s.total])).toEqual([["Dawn", 6], ["Reuters", 3], ["Xinhua", 1]]);
    const [xs, ...tops] = stackedColumns(split, segs);
    expect(xs).toEqual(chartColumns(trend)[0]);
    expect(tops).toEqual([[2, 5, 3], [1, 5, 3], [1, 3, 2]]);
    expect([0, 0.5, 1, 1.5].map((y) => segmentAt(segs, 0, y))).toEqual([0, 0, 2, 2]);
    expect([2.9, 3, 4.9, 5].map((y) => segmentAt(segs, 1, y))).toEqual([0, 1, 1, null]);
  });

  it("sums the outlets beyond the largest into one segment", () => {
    const segs = segments(split, 2);
    expect(segs.map((s) => [s.label, s.total, s.counts])).toEqual([["Dawn", 6, [1, 3, 2]], ["2 others", 4, [1, 2, 1]]]);
    expect(segs[1].series.map((s) => s.feed)).toEqual([2, 3]);
  });
});

describe("sparkline", () => {
  it("draws a rule's counts and says them in words", () => {
    plots.length = 0;
    render(Sparkline, { props: { trend } });
    expect(plots[0].data[1]).toEqual([1, 5, 3]);
    expect(screen.getByTestId("sparkline")).toHaveAttribute("aria-label", "9 articles over the last 3 days");
  });
});

describe("offline banner", () => {
  it("says offline once and offers to try now", async () => {
    const onretry = vi.fn();
    const user = userEvent.setup();
    render(OfflineBanner, { props: { since: new Date(Date.now() - 10.5 * 60_000).toISOString(), onretry } });
    expect(screen.getByRole("alert")).toHaveTextContent("You're offline.");
    expect(screen.getByRole("alert")).toHaveTextContent("10 min");
    await user.click(screen.getByTestId("offline-retry"));
    expect(onretry).toHaveBeenCalledOnce();
  });
});

describe("feed health", () => {
  const healthy: FeedHealth = {
    state: "healthy",
    usual_gap_secs: 7200,
    last_new_article: new Date(Date.now() - 30 * 60_000).toISOString(),
    error_rate: 0,
    failing_since: null,
  };
  const problem: Problem = {
    kind: "no_server",
    headline: "Can't find the server eastasiaforum.org",
    hint: "Check the address for typos.",
    detail: "could not reach https://www.eastasiaforum.org/feed/: dns error",
  };

  it("says how a healthy feed publishes", () => {
    render(FeedHealthNote, { props: { health: healthy } });
    expect(screen.getByTestId("feed-health")).toHaveTextContent("Publishes about every 2 h");
    expect(screen.queryByTestId("error-rate")).toBeNull();
  });

  it("shows a failure's headline and hint, with the technical detail folded away", () => {
    const failing: FeedHealth = { ...healthy, state: "failing", error_rate: 0.25, failing_since: new Date().toISOString() };
    render(FeedHealthNote, { props: { health: failing, problem } });
    expect(screen.getByTestId("problem-headline")).toHaveTextContent("Can't find the server eastasiaforum.org");
    expect(screen.getByTestId("problem-detail").closest("details")).not.toHaveAttribute("open");
    expect(screen.getByTestId("error-rate")).toHaveTextContent("25% of this week's checks failed");
    expect(screen.queryByTestId("probably-dead")).toBeNull();
  });

  it("suggests a feed failing for days is probably dead", () => {
    render(FeedHealthNote, { props: { health: { ...healthy, state: "probably_dead", error_rate: 1 }, problem } });
    expect(screen.getByTestId("probably-dead")).toBeInTheDocument();
  });

  it("shows a silent feed apart from errors", () => {
    render(FeedHealthNote, { props: { health: { ...healthy, state: "silent" } } });
    expect(screen.getByTestId("feed-silent")).toHaveTextContent("usually publishes every 2 h");
    expect(screen.queryByTestId("problem-headline")).toBeNull();
  });
});
