// Turning an engine trend into what the chart draws, and a bar back into a time range.

import type { Trend } from "./bindings/Trend";

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
