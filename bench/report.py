#!/usr/bin/env python3
"""Turns bench/run's raw measurements into the results table (Markdown, printed and written).

Inputs: raw.tsv (scenario, tool, size, run, metric, value) from the ingest scenarios and
results.jsonl (one JSON object per line) from the matching, search and desktop scenarios.
Every figure is the median over runs. Ratios are Wirewatch time / peer time: below 1 means
Wirewatch is faster; "x faster" is the inverse.
"""

import argparse
import collections
import json
import math
import os
import platform
import statistics
import subprocess
import sys

TOOLS = ["wirewatch", "wirewatch-perhost32", "python", "newsboat"]
PEERS = ["python", "newsboat"]


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    distro = "?"
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                distro = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except Exception:
            return "?"
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": mem,
        "os": f"{distro}, kernel {platform.release()}",
        "load": " ".join(open("/proc/loadavg").read().split()[:3]) if os.path.exists("/proc/loadavg") else "?",
        "rustc": version(["rustc", "--version"]),
        "newsboat": version(["newsboat", "--version"]),
        "nginx": (subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
                  if os.path.exists("/usr/sbin/nginx") else "?"),
    }


def process_name(key):
    """`name(pid)` as the desktop scenario records a process: the name alone."""
    name, _, _ = key.rpartition("(")
    return name if key.endswith(")") and name else key


def count(x):
    """A count (requests, articles, alerts): whole, with thousands separators."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{round(x):,}"


def fmt(x, digits=2):
    """A measurement: its decimals kept even when they are zeros (3.00 s is not 3 s)."""
    if x is None:
        return "–"
    if isinstance(x, float) and math.isnan(x):
        return "–"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.{digits}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--jsonl", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--meta", action="append", default=[])
    args = ap.parse_args()
    meta = dict(m.split("=", 1) for m in args.meta)

    raw = collections.defaultdict(list)  # (scenario, tool, size, metric) -> values
    sizes = []
    for line in open(args.raw):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 6:
            continue
        scen, tool, size, _run, metric, value = parts
        try:
            v = float(value)
        except ValueError:
            continue
        raw[(scen, tool, int(size), metric)].append(v)
        if int(size) not in sizes:
            sizes.append(int(size))
    sizes.sort()

    def med(scen, tool, size, metric):
        v = raw.get((scen, tool, size, metric))
        return statistics.median(v) if v else None

    def mx(scen, tool, size, metric):
        v = raw.get((scen, tool, size, metric))
        return max(v) if v else None

    rows = [json.loads(l) for l in open(args.jsonl) if l.strip().startswith("{")]
    out = []
    p = out.append
    m = machine()
    p("# Wirewatch benchmark results\n")
    p(f"- Machine: {m['cpu']}, {m['memory']} RAM; {m['os']}; load average at the end {m['load']}")
    p(f"- {m['rustc']}; {m['newsboat']}; {m['nginx']}")
    p(f"- Medians of {meta.get('runs', '?')} run(s); corpus {meta.get('items', '?')} items per feed, "
      f"{int(meta.get('corpus_bytes', 0)) / 1e6:.0f} MB for the largest feed count; {meta.get('rules', '?')} alert rules; "
      f"seed {meta.get('seed', '?')}{'; QUICK smoke run, not for comparison' if meta.get('quick') == '1' else ''}")
    p("- Ratios are Wirewatch time / peer time (below 1: Wirewatch faster); `×` is how many times faster.\n")

    items_per_feed = int(meta.get("items", 50))

    def ratio_cells(scen, size, metric="wall_s"):
        ww = med(scen, "wirewatch", size, metric)
        cells = []
        for peer in PEERS:
            pv = med(scen, peer, size, metric)
            if ww and pv:
                cells.append(f"{peer}: {ww / pv:.3f} ({pv / ww:.1f}×)")
        return "; ".join(cells) or "–"

    def ratio_table(scen, label):
        """Wirewatch's time against each peer's, one row a feed count."""
        p(f"| feeds | Wirewatch / peer ({label}) |")
        p("|---:|---|")
        for s in sizes:
            p(f"| {s} | {ratio_cells(scen, s)} |")

    p(f"## 1. Cold ingest (K = {items_per_feed}, empty database, full-text index, {meta.get('rules', '?')} rules)\n")
    p("| feeds | tool | wall s | items/s | peak RSS MiB | HTTP 200 | articles | alerts |")
    p("|---:|---|---:|---:|---:|---:|---:|---:|")
    for s in sizes:
        for t in TOOLS:
            w = med("cold", t, s, "wall_s")
            if w is None:
                continue
            p(f"| {s} | {t} | {fmt(w)} | {fmt(s * items_per_feed / w if w else None)} | "
              f"{fmt(med('cold', t, s, 'peak_mib'), 1)} | {count(med('cold', t, s, 'http_200'))} | "
              f"{count(med('cold', t, s, 'articles'))} | {count(med('cold', t, s, 'alerts'))} |")
    p("")
    ratio_table("cold", "cold")
    p("")

    p("## 2. Warm re-poll (all feeds unchanged)\n")
    p("| feeds | tool | wall s | HTTP 304 | HTTP 200 |")
    p("|---:|---|---:|---:|---:|")
    for s in sizes:
        for t in TOOLS:
            for scen, label in (("warm", t), ("reload2", f"{t} (2nd reload, unconditional)")):
                w = med(scen, t, s, "wall_s")
                if w is None:
                    continue
                p(f"| {s} | {label} | {fmt(w, 3)} | {count(med(scen, t, s, 'http_304'))} | {count(med(scen, t, s, 'http_200'))} |")
    p("")
    ratio_table("warm", "warm")
    p("")

    p("## 3. Re-download (new validators, identical bytes)\n")
    p("| feeds | tool | wall s | HTTP 200 | new articles | new alerts | duplicates |")
    p("|---:|---|---:|---:|---:|---:|---:|")
    for s in sizes:
        for t in TOOLS:
            w = med("redownload", t, s, "wall_s")
            if w is None:
                continue
            p(f"| {s} | {t} | {fmt(w, 3)} | {count(med('redownload', t, s, 'http_200'))} | "
              f"{count(mx('redownload', t, s, 'new_articles'))} | {count(mx('redownload', t, s, 'new_alerts'))} | "
              f"{count(mx('redownload', t, s, 'duplicates'))} |")
    fails = [k for k in raw if k[3] == "assert_fail"]
    p("")
    p("Duplicate check: " + ("**FAILED** for " + ", ".join(f"{k[1]} F={k[2]}" for k in fails) if fails
                             else "passed — no new articles, alerts or duplicate rows in Wirewatch after re-download."))
    p("")
    ratio_table("redownload", "re-download")
    p("")

    match = [r for r in rows if r.get("scenario") == "matching"]
    if match:
        p("## 4. Matching (`RuleSet::matching`, articles pre-tokenised)\n")
        p("| rules | articles/s | µs/article | matches/article | cost vs previous row |")
        p("|---:|---:|---:|---:|---:|")
        prev = None
        for r in match:
            growth = "–" if prev is None else f"{r['us_per_article'] / prev['us_per_article']:.2f}× for {r['rules'] / prev['rules']:.0f}× rules"
            p(f"| {r['rules']:,} | {fmt(r['articles_per_s'])} | {fmt(r['us_per_article'])} | {fmt(r['matches_per_article'])} | {growth} |")
            prev = r
        if len(match) >= 2:
            a, b = match[0], match[-1]
            slope = math.log(b["us_per_article"] / a["us_per_article"]) / math.log(b["rules"] / a["rules"])
            p(f"\nGrowth exponent (log cost / log rules, {a['rules']:,}→{b['rules']:,}): {slope:.2f} (1 = linear). "
              f"Tokenising alone: {fmt(match[0]['tokenise_articles_per_s'])} articles/s.")
        p("")

    adds = [r for r in rows if r.get("scenario") == "add_list"]
    if adds:
        p("## Adding a list of feeds (`feed add --file`: subscribe, fetch and store each)\n")
        p("| feeds | path | wall s | articles | failed |")
        p("|---:|---|---:|---:|---:|")
        labels = {"one_pass": "one concurrent poll pass", "one_by_one": "one feed after another (before)"}
        for r in adds:
            p(f"| {r['feeds']:,} | {labels.get(r['mode'], r['mode'])} | {fmt(r['wall_s'], 3)} | {count(r['articles'])} | {r['failed']} |")
        p("")

    builds = [r for r in rows if r.get("scenario") == "search_build"]
    searches = [r for r in rows if r.get("scenario") == "search"]
    if searches:
        p("## 5. Search (`Engine::articles`, first page of 50 with its total)\n")
        p("| articles | p50 ms | p95 ms | max ms | DB size MB | build s (articles/s) | build peak RSS MiB |")
        p("|---:|---:|---:|---:|---:|---:|---:|")
        for s in searches:
            b = next((x for x in builds if x["new_articles"] == s["articles"]), {})
            p(f"| {s['articles']:,} | {fmt(s['p50_ms'])} | {fmt(s['p95_ms'])} | {fmt(s['max_ms'])} | "
              f"{fmt(s['db_bytes'] / 1e6)} | {fmt(b.get('secs'))} ({fmt(b.get('articles_per_s'))}) | {fmt(b.get('peak_mib'))} |")
        p("")
        p("| articles | query | matches | total on the page | p50 ms | p95 ms | exact count p50 ms |")
        p("|---:|---|---:|---:|---:|---:|---:|")
        for r in rows:
            if r.get("scenario") == "search_query":
                q = r["query"].replace("|", "\\|") or "(latest, no query)"
                exact = r.get("total_exact", True)
                shown = f"{r['total']:,}" if exact else f"more than {r['total']:,}"
                p(f"| {r['articles']:,} | `{q}` | {r.get('matches', r['total']):,} | {shown} | {fmt(r['p50_ms'])} | "
                  f"{fmt(r['p95_ms'])} | {fmt(r.get('count_p50_ms')) if r.get('count_p50_ms') is not None else '–'} |")
        p("\nA page whose total is a bound is followed by `Engine::article_count` (the exact count the "
          "window shows next); its time is the last column.\n")

    stages = [r for r in rows if r.get("scenario") == "stages"]
    if stages:
        st = stages[-1]
        n = st["items"]
        p(f"## Where cold-ingest time goes ({st['feeds']} feeds, {n:,} items, {st['mb']:.0f} MB; one thread per stage, no HTTP)\n")
        p("| stage | s | µs/item |")
        p("|---|---:|---:|")
        for key, label in (("read_s", "read files"), ("decode_s", "`decode::decode` (parse, sanitise, text)"),
                           ("prepare_s", "`PreparedEntry::new` (tokenise, stem, hash)"),
                           ("store_no_rules_s", "`Store::apply_poll`, no rules (dedup, insert, FTS)"),
                           ("store_with_rules_s", f"`Store::apply_poll`, {st['rules']} rules ({st['alerts']:,} alerts)")):
            p(f"| {label} | {fmt(st[key])} | {fmt(st[key] * 1e6 / n)} |")
        p(f"\nMemory held by the poll before storing: {st['rss_prepared_mib']:.0f} MiB "
          f"({st['prepared_kib_per_item']:.1f} KiB per prepared item; decoded documents alone {st['rss_decoded_mib']:.0f} MiB).\n")

    ft = [r for r in rows if r.get("scenario") == "full_text"]
    if ft:
        f = ft[-1]
        p(f"## Full text in a cold poll ({f['feeds']} feeds × {f['items']} items, one feed in {f['every']} `always`)\n")
        p("| | last feed-level alert | poll done | last full text | peak RSS |")
        p("|---|---:|---:|---:|---:|")
        p(f"| baseline (all `never`) | {fmt(f['baseline_last_alert_s'])} s | {fmt(f['baseline_poll_s'])} s | – | {fmt(f['baseline_peak_mib'], 1)} MiB |")
        p(f"| with full text | {fmt(f['last_feed_alert_s'])} s | {fmt(f['poll_s'])} s | {fmt(f['last_full_text_s'])} s | {fmt(f['peak_mib'], 1)} MiB |")
        p(f"\n{f['full_texts']:,} full texts stored, {f['without_full_text']:,} without; "
          f"{f['full_text_alerts']:,} alerts raised by full texts alone.\n")

    desk = [r for r in rows if r.get("scenario") == "desktop"]
    p("## 6. Desktop\n")
    if not desk or desk[-1].get("skipped"):
        p(f"skipped: {desk[-1]['skipped'] if desk else 'not run'}\n")
    elif desk[-1].get("error"):
        p(f"error: {desk[-1]['error']}\n")
    else:
        d = desk[-1]
        p(f"Window after {d['window_s']:.2f} s, first painted list after {d['first_paint_s']:.2f} s; "
          f"idle PSS {d['idle_pss_mib']:.0f} MiB ({', '.join(f'{process_name(k)} {v} MiB' for k, v in d['processes'].items())}).\n")

    # Targets.
    big = max(sizes) if sizes else None
    p("## Targets\n")
    p("| target | measured | met |")
    p("|---|---|---|")
    def row(name, value, ok):
        p(f"| {name} | {value} | {'yes' if ok else ('**no**' if ok is not None else 'n/a')} |")
    if big:
        w = med("cold", "wirewatch", big, "wall_s")
        row(f"cold ingest {big}×{items_per_feed} < 3 s on 2 cores", f"{fmt(w)} s", w is not None and w < 3 if big == 1000 else None)
        for peer in PEERS:
            pv = med("cold", peer, big, "wall_s")
            row(f"cold ingest ≥ 10× faster than {peer}", f"{pv / w:.1f}×" if pv and w else "–",
                (pv / w >= 10) if pv and w and big == 1000 else None)
        ww = med("warm", "wirewatch", big, "wall_s")
        row(f"warm re-poll of {big} unchanged feeds < 0.5 s", f"{fmt(ww, 3)} s", ww is not None and ww < 0.5 if big == 1000 else None)
        pk = med("cold", "wirewatch", big, "peak_mib")
        row(f"peak memory during {big}×{items_per_feed} cold ingest < 150 MB", f"{fmt(pk, 1)} MiB ({pk * 1.048576:.0f} MB)" if pk else "–",
            (pk is not None and pk * 1.048576 < 150) if big == 1000 else None)
    m1000 = next((r for r in match if r["rules"] == 1000), None)
    row("matching 1,000 rules ≥ 20,000 articles/s", f"{fmt(m1000['articles_per_s'])}/s" if m1000 else "–",
        m1000["articles_per_s"] >= 20000 if m1000 else None)
    if len(match) >= 2:
        a, b = match[0], match[-1]
        slope = math.log(b["us_per_article"] / a["us_per_article"]) / math.log(b["rules"] / a["rules"])
        c, d = match[-2], match[-1]
        last = math.log(d["us_per_article"] / c["us_per_article"]) / math.log(d["rules"] / c["rules"])
        # Sub-linear means every step grows slower than the rule count, the largest one too.
        row("matching cost grows sub-linearly with rules",
            f"exponent {slope:.2f} over {a['rules']:,}→{b['rules']:,}; {last:.2f} over {c['rules']:,}→{d['rules']:,}",
            slope < 0.9 and last < 0.9)
    s1m = next((s for s in searches if s["articles"] >= 900_000), None)
    row("search p95 < 50 ms at 1,000,000 articles", f"{fmt(s1m['p95_ms'])} ms" if s1m else "not run",
        s1m["p95_ms"] < 50 if s1m else None)
    p("")

    text = "\n".join(out) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
