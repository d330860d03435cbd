// Turning an engine trend into what the chart draws, and a bar back into a time range.

import type { Trend } from "./bindings/Trend";
import type { TrendSeries } from "./bindings/TrendSeries";

const WIDTH_MS = { hour: 3600_000, day: 86400_000 } as const;

/** uPlot's columns: bucket starts in seconds, then the counts. */
export function chartColumns(trend: Trend): [number[], number[]] {
  return [trend.points.map((p) => Date.parse(p.start) / 1000), trend.points.map((p) => p.count)];
}

/**
 * The time range of the `i`-th bar, as a search asks for it: from its start to the next
 * bar's, or for the last bar one bucket on, cut at the trend's own end `until` when given.
 */
export function barRange(trend: Trend, i: number, until?: string): { since: string; until: string } | null {
  const point = trend.points[i];
  if (!point) return null;
  const next = trend.points[i + 1];
  if (next) return { since: point.start, until: next.start };
  let end = Date.parse(point.start) + WIDTH_MS[trend.by];
  if (until) end = Math.min(end, Date.parse(until));
  return { since: point.start, until: new Date(end).toISOString() };
}

/** Segments a split chart stacks at most: the largest series, then one for the rest. */
export const MOST_SEGMENTS = 8;

/** One segment of a split trend's bars: a folder or outlet, or the rest summed. */
export type Segment = {
  label: string;
  total: number;
  /** Articles per bucket, as in `Trend.points`. */
  counts: number[];
  /** The engine's series it stands for (several for the rest). */
  series: TrendSeries[];
};

/**
 * A split trend's segments, largest first: every series when they are few, else the
 * `most - 1` largest and one for the others, so the colours stay apart.
 */
export function segments(trend: Trend, most = MOST_SEGMENTS): Segment[] {
  const all = trend.series;
  const shown = all.length > most ? all.slice(0, most - 1) : all;
  const rest = all.slice(shown.length);
  const segs: Segment[] = shown.map((s) => ({
    label: s.label ?? "No folder",
    total: s.total,
    counts: s.points.map((p) => p.count),
    series: [s],
  }));
  if (rest.length) {
    segs.push({
      label: `${rest.length} others`,
      total: rest.reduce((sum, s) => sum + s.total, 0),
      counts: trend.points.map((_, i) => rest.reduce((sum, s) => sum + (s.points[i]?.count ?? 0), 0)),
      series: rest,
    });
  }
  return segs;
}

/**
 * uPlot's columns for stacked bars: the bucket starts, then each segment's top (the running
 * sum of it and those below), topmost first. uPlot draws series in order, so each lower
 * segment is drawn over the taller bar before it and shows only its own part.
 */
export function stackedColumns(trend: Trend, segs: Segment[]): number[][] {
  const xs = trend.points.map((p) => Date.parse(p.start) / 1000);
  const tops: number[][] = [];
  let running = trend.points.map(() => 0);
  for (const seg of segs) {
    running = running.map((n, i) => n + (seg.counts[i] ?? 0));
    tops.push(running);
  }
  return [xs, ...tops.reverse()];
}

/** The segment of bar `i` that holds the count `y` (where a click fell), or null above the bar. */
export function segmentAt(segs: Segment[], i: number, y: number): number | null {
  let running = 0;
  for (let k = 0; k < segs.length; k++) {
    running += segs[k].counts[i] ?? 0;
    if (y < running) return k;
  }
  return null;
}

/** Colours of the segments, bottom first (Okabe and Ito's set, told apart with colour blindness). */
export const SEGMENT_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#777777"];
