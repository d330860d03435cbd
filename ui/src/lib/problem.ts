// Query problems from the engine count characters (Unicode scalar values); the input and its
// underline index by UTF-16 code units. These convert between the two.

import type { QueryProblem } from "./bindings/QueryProblem";

/** The problem's span in UTF-16 units of `query`, clamped to it. */
export function problemSpan(query: string, problem: QueryProblem): { start: number; end: number } {
  const chars = Array.from(query);
  const toUnits = (n: number) => chars.slice(0, Math.max(0, Math.min(n, chars.length))).join("").length;
  const start = toUnits(problem.start);
  const end = Math.max(start, toUnits(problem.end));
  return { start, end };
}
