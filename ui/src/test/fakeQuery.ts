// A small implementation of the rule language for the fake backend: enough of the engine's
// behaviour (words, "phrases", OR, AND, NOT/-word, parentheses, prefix*, NEAR(a b, n), title:,
// feed:) to drive the UI in tests, with problem spans for broken queries.

import type { QueryProblem } from "../lib/bindings/QueryProblem";
import type { TermMatch } from "../lib/bindings/TermMatch";

type Tok =
  | { k: "(" | ")" | "OR" | "AND" | "NOT" | "-"; at: number; end: number }
  | { k: "term"; at: number; end: number; words: string[]; prefix: boolean; field: string | null }
  | { k: "near"; at: number; end: number; a: string; b: string; dist: number };

export type Node =
  | { k: "and" | "or"; items: Node[] }
  | { k: "not"; item: Node }
  | { k: "term"; words: string[]; prefix: boolean; field: string | null }
  | { k: "near"; a: string; b: string; dist: number };

export class QueryError extends Error {
  constructor(readonly problem: QueryProblem) {
    super(problem.message);
  }
}

const fail = (message: string, start: number, end: number): never => {
  throw new QueryError({ message, start, end });
};

function tokenize(q: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")") {
      toks.push({ k: c, at: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === "-" && i + 1 < q.length && !/\s/.test(q[i + 1])) {
      toks.push({ k: "-", at: i, end: i + 1 });
      i++;
      continue;
    }
    const start = i;
    let field: string | null = null;
    const fm = /^(\w+):/.exec(q.slice(i));
    if (fm) {
      field = fm[1].toLowerCase();
      if (field !== "title" && field !== "feed") fail(`Unknown field "${fm[1]}:" (use title: or feed:)`, i, i + fm[0].length);
      i += fm[0].length;
    }
    if (q[i] === '"') {
      const close = q.indexOf('"', i + 1);
      if (close < 0) fail("This quote is never closed", i, q.length);
      const words = q.slice(i + 1, close).toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
      if (words.length === 0) fail("Empty phrase", i, close + 1);
      toks.push({ k: "term", at: start, end: close + 1, words, prefix: false, field });
      i = close + 1;
      continue;
    }
    const nm = /^NEAR\(\s*([^\s(),]+)\s+([^\s(),]+)\s*(?:,\s*(\d+)\s*)?\)/.exec(q.slice(i));
    if (nm && !field) {
      toks.push({ k: "near", at: i, end: i + nm[0].length, a: nm[1].toLowerCase(), b: nm[2].toLowerCase(), dist: Number(nm[3] ?? 10) });
      i += nm[0].length;
      continue;
    }
    if (q.startsWith("NEAR(", i)) {
      const close = q.indexOf(")", i);
      fail("NEAR takes two words and a distance: NEAR(a b, 5)", i, close < 0 ? q.length : close + 1);
    }
    let j = i;
    while (j < q.length && !/[\s()"]/.test(q[j])) j++;
    const raw = q.slice(i, j);
    if (!field && (raw === "OR" || raw === "AND" || raw === "NOT")) {
      toks.push({ k: raw, at: i, end: j });
    } else {
      if (raw === "") fail(`Nothing after "${field}:"`, start, j);
      const prefix = raw.endsWith("*");
      const words = raw.replace(/\*+$/, "").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
      if (words.length === 0) fail(`"${raw}" is not a word`, i, j);
      toks.push({ k: "term", at: start, end: j, words, prefix, field });
    }
    i = j;
  }
  return toks;
}

/** Parses `q`; throws `QueryError` with a span when it is not valid. */
export function parse(q: string): Node {
  if (!q.trim()) fail("The query is empty", 0, q.length);
  const toks = tokenize(q);
  let p = 0;
  const peek = () => toks[p];

  function orExpr(): Node {
    const items = [andExpr()];
    while (peek()?.k === "OR") {
      const op = toks[p++];
      if (!peek() || peek().k === ")" || peek().k === "OR" || peek().k === "AND") fail("OR needs a term on both sides", op.at, op.end);
      items.push(andExpr());
    }
    return items.length === 1 ? items[0] : { k: "or", items };
  }
  function andExpr(): Node {
    const items: Node[] = [];
    for (;;) {
      const t = peek();
      if (!t || t.k === ")" || t.k === "OR") break;
      if (t.k === "AND") {
        if (items.length === 0) fail("AND needs a term on both sides", t.at, t.end);
        p++;
        const n = peek();
        if (!n || n.k === ")" || n.k === "OR" || n.k === "AND") fail("AND needs a term on both sides", t.at, t.end);
        continue;
      }
      items.push(unary());
    }
    if (items.length === 0) {
      const t = peek() ?? toks[p - 1];
      fail(t?.k === "OR" ? "OR needs a term on both sides" : "Expected a term here", t?.at ?? 0, t?.end ?? q.length);
    }
    return items.length === 1 ? items[0] : { k: "and", items };
  }
  function unary(): Node {
    const t = peek();
    if (t.k === "NOT" || t.k === "-") {
      p++;
      const n = peek();
      if (!n || n.k === ")" || n.k === "OR" || n.k === "AND") fail(`${t.k === "NOT" ? "NOT" : "-"} needs a term after it`, t.at, t.end);
      return { k: "not", item: unary() };
    }
    return primary();
  }
  function primary(): Node {
    const t = toks[p++];
    if (t.k === "(") {
      if (peek()?.k === ")") fail("Empty parentheses", t.at, toks[p].end);
      const inner = orExpr();
      if (peek()?.k !== ")") fail("This parenthesis is never closed", t.at, t.end);
      p++;
      return inner;
    }
    if (t.k === "term") return { k: "term", words: t.words, prefix: t.prefix, field: t.field };
    if (t.k === "near") return { k: "near", a: t.a, b: t.b, dist: t.dist };
    return fail("Unexpected closing parenthesis", t.at, t.end);
  }

  const node = orExpr();
  if (p < toks.length) {
    const t = toks[p];
    fail(t.k === ")" ? "Unexpected closing parenthesis" : "Unexpected token", t.at, t.end);
  }
  return node;
}

/** The problem with `q`, or null. */
export function validate(q: string): QueryProblem | null {
  try {
    parse(q);
    return null;
  } catch (e) {
    if (e instanceof QueryError) return e.problem;
    throw e;
  }
}

type Word = { w: string; start: number; end: number };
const words = (text: string): Word[] =>
  Array.from(text.matchAll(/[\p{L}\p{N}]+/gu), (m) => ({ w: m[0].toLowerCase(), start: m.index!, end: m.index! + m[0].length }));

export type Doc = { title: string; body: string; feeds: string[] };

type Hit = { field: "title" | "body"; start: number; end: number };

function termHits(n: { words: string[]; prefix: boolean }, ws: Word[], field: "title" | "body"): Hit[] {
  const hits: Hit[] = [];
  for (let i = 0; i + n.words.length <= ws.length; i++) {
    let ok = true;
    for (let j = 0; j < n.words.length; j++) {
      const last = j === n.words.length - 1;
      const w = ws[i + j].w;
      if (!(w === n.words[j] || (last && n.prefix && w.startsWith(n.words[j])))) {
        ok = false;
        break;
      }
    }
    if (ok) hits.push({ field, start: ws[i].start, end: ws[i + n.words.length - 1].end });
  }
  return hits;
}

/** Whether `doc` matches, and where (positive terms only). */
export function evaluate(node: Node, doc: Doc): { ok: boolean; matches: TermMatch[] } {
  const tw = words(doc.title);
  const bw = words(doc.body);
  const matches: TermMatch[] = [];
  const push = (hits: Hit[]) => {
    for (const h of hits) {
      const text = (h.field === "title" ? doc.title : doc.body).slice(h.start, h.end);
      if (!matches.some((m) => m.field === h.field && m.start === h.start)) matches.push({ field: h.field, text, start: h.start, end: h.end });
    }
  };
  const ev = (n: Node, record: boolean): boolean => {
    switch (n.k) {
      case "and": {
        const all = n.items.map((i) => ev(i, false));
        const ok = all.every(Boolean);
        if (ok && record) n.items.forEach((i) => ev(i, true));
        return ok;
      }
      case "or": {
        const any = n.items.map((i) => ev(i, record));
        return any.some(Boolean);
      }
      case "not":
        return !ev(n.item, false);
      case "term": {
        if (n.field === "feed") return doc.feeds.some((f) => f.toLowerCase().includes(n.words.join(" ")));
        const hits = [...termHits(n, tw, "title"), ...(n.field === "title" ? [] : termHits(n, bw, "body"))];
        if (record) push(hits);
        return hits.length > 0;
      }
      case "near": {
        const hits: Hit[] = [];
        for (const [ws, field] of [[tw, "title"], [bw, "body"]] as const) {
          const as = ws.map((w, i) => (w.w === n.a ? i : -1)).filter((i) => i >= 0);
          const bs = ws.map((w, i) => (w.w === n.b ? i : -1)).filter((i) => i >= 0);
          for (const a of as)
            for (const b of bs)
              if (Math.abs(a - b) <= n.dist) hits.push({ field, ...ws[a] }, { field, ...ws[b] });
        }
        if (record) push(hits);
        return hits.length > 0;
      }
    }
  };
  const ok = ev(node, true);
  return { ok, matches: ok ? matches.sort((a, b) => (a.field === b.field ? a.start - b.start : a.field === "title" ? -1 : 1)) : [] };
}
