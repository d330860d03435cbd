// Highlighting matched terms in plain text.
//
// Offsets from the engine are UTF-16 code units, which is what JavaScript strings index by, so
// they slice titles directly. Snippets and reader HTML are not the text the offsets point into;
// there the matched words are found again by text.

import type { Field } from "./bindings/Field";
import type { TermMatch } from "./bindings/TermMatch";

/** A half-open span of a string. */
export type Span = { start: number; end: number };
/** A run of text, highlighted or not. */
export type Segment = { text: string; mark: boolean };

/** Sorts, clamps and merges overlapping spans. */
export function mergeSpans(spans: Span[], length: number): Span[] {
  const sorted = spans
    .map((s) => ({ start: Math.max(0, s.start), end: Math.min(length, s.end) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/** Splits `text` into plain and highlighted runs. */
export function segments(text: string, spans: Span[]): Segment[] {
  const merged = mergeSpans(spans, text.length);
  const out: Segment[] = [];
  let at = 0;
  for (const s of merged) {
    if (s.start > at) out.push({ text: text.slice(at, s.start), mark: false });
    out.push({ text: text.slice(s.start, s.end), mark: true });
    at = s.end;
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at), mark: false });
  return out;
}

/** The spans of the matches in one field, checked against the text they claim to cover. */
export function spansFor(matches: TermMatch[], field: Field, text: string): Span[] {
  return matches
    .filter((m) => m.field === field)
    .filter((m) => m.end <= text.length && text.slice(m.start, m.end).toLowerCase() === m.text.toLowerCase())
    .map((m) => ({ start: m.start, end: m.end }));
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * Every occurrence of any of `needles` in `text`, ignoring case, as whole words (so "war"
 * does not light up inside "Howard", nor "of" inside "officials").
 */
export function findTexts(text: string, needles: Iterable<string>): Span[] {
  const hay = text.toLowerCase();
  const spans: Span[] = [];
  for (const raw of new Set(Array.from(needles, (n) => n.trim().toLowerCase()))) {
    if (!raw) continue;
    let from = 0;
    for (;;) {
      const i = hay.indexOf(raw, from);
      if (i < 0) break;
      const end = i + raw.length;
      const startsWord = i === 0 || !WORD_CHAR.test(hay[i - 1]);
      const endsWord = end >= hay.length || !WORD_CHAR.test(hay[end]);
      if (startsWord && endsWord) spans.push({ start: i, end });
      from = i + raw.length;
    }
  }
  return spans;
}

/** The distinct matched texts, to find again in snippets and bodies. */
export function matchedTexts(matches: TermMatch[]): string[] {
  return [...new Set(matches.map((m) => m.text.toLowerCase()))];
}

/**
 * The plain words and phrases of a query, for highlighting search results: operators,
 * negated terms, field prefixes and NEAR distances dropped; `prefix*` gives its stem.
 */
export function queryTerms(query: string): string[] {
  const terms: string[] = [];
  const re = /(-?)(?:(\w+):)?(?:"([^"]*)"?|([^\s()"]+))/gu;
  let negateNext = false;
  for (const m of query.matchAll(re)) {
    const [, minus, , phrase, word] = m;
    if (word && /^(AND|OR)$/.test(word)) continue;
    if (word === "NOT") {
      negateNext = true;
      continue;
    }
    const negated = minus === "-" || negateNext;
    negateNext = false;
    if (negated) continue;
    if (phrase !== undefined) {
      if (phrase.trim()) terms.push(phrase.trim());
      continue;
    }
    if (!word) continue;
    const near = /^NEAR$/i.test(word);
    if (near || /^\d+$/.test(word) || word === ",") continue;
    const stem = word.replace(/\*+$/, "").replace(/[,]+$/, "");
    if (stem) terms.push(stem);
  }
  return terms;
}
