#!/usr/bin/env python3
"""Feed decoding agreement: Wirewatch against feedparser, the tolerant reference reader.

Usage: bench/agreement.py CORPUS [--details FILE] [--ours FILE]

CORPUS is a folder of feed documents (any depth). Every file is decoded by Wirewatch
(`wirewatch-bench decode-corpus`, built in the dev profile unless --ours gives its output)
and read by feedparser (JSON Feed, which feedparser does not read, by the few lines of
`json_feed` below), both as if served from https://corpus.example.org/<path> with no
Content-Type. A document agrees when both readers keep the same number of entries and, entry
by entry in document order, the same title (as plain text, whitespace collapsed) and the same
web link. A document Wirewatch refuses counts as zero entries. Prints a Markdown table per
top-level folder; --details writes each disagreement, one JSON line each.
"""

import argparse
import html
import html.parser
import json
import os
import re
import subprocess
import sys
import urllib.parse

import feedparser

BASE = "https://corpus.example.org/"


class _Text(html.parser.HTMLParser):
    """The text of an HTML fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def collapse(s):
    return " ".join((s or "").split())


def title_text(detail_type, value):
    """What a reader shows for a title: HTML titles as their text, others as they are."""
    if detail_type in ("text/html", "application/xhtml+xml"):
        p = _Text()
        p.feed(value or "")
        p.close()
        return collapse("".join(p.parts))
    return collapse(value)


def norm_link(link):
    """An http(s) link in a comparable form, else None."""
    if not link:
        return None
    link = link.strip()
    try:
        u = urllib.parse.urlsplit(link)
    except ValueError:
        return None
    if u.scheme.lower() not in ("http", "https") or not u.netloc:
        return None
    path = urllib.parse.quote(urllib.parse.unquote(u.path or "/"), safe="/:@!$&'()*+,;=~-._%")
    query = urllib.parse.quote(urllib.parse.unquote(u.query), safe="/:@!$&'()*+,;=?~-._%")
    host = u.netloc.lower()
    for default in (":80", ":443"):
        if host.endswith(default):
            host = host[: -len(default)]
    return urllib.parse.urlunsplit((u.scheme.lower(), host, path, query, ""))


def json_feed(data, rel):
    """JSON Feed items as a reader shows them (feedparser does not read JSON Feed): title as
    written, `url` resolved against the document's address."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except ValueError:
        return {"entries": [], "bozo": True}
    items = doc.get("items") if isinstance(doc, dict) else None
    entries = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        url = item.get("url") if isinstance(item.get("url"), str) else None
        entries.append(
            {
                "title": collapse(item.get("title") if isinstance(item.get("title"), str) else ""),
                "link": norm_link(urllib.parse.urljoin(BASE + rel, url)) if url else None,
            }
        )
    return {"entries": entries, "bozo": False}


def reference(path, rel):
    with open(path, "rb") as f:
        data = f.read()
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return json_feed(data, rel)
    d = feedparser.parse(data, response_headers={"content-location": BASE + rel})
    entries = []
    for e in d.entries:
        detail = e.get("title_detail") or {}
        entries.append(
            {
                "title": title_text(detail.get("type"), e.get("title", "")),
                "link": norm_link(e.get("link")),
            }
        )
    return {"entries": entries, "bozo": bool(d.get("bozo"))}


def ours(corpus, given):
    if given:
        lines = open(given, encoding="utf-8").read().splitlines()
    else:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        out = subprocess.run(
            ["cargo", "run", "-q", "-p", "wirewatch-bench", "--", "decode-corpus", "--dir", corpus],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        lines = out.splitlines()
    result = {}
    for line in lines:
        doc = json.loads(line)
        entries = [
            {"title": collapse(e.get("title")), "link": norm_link(e.get("link"))}
            for e in doc.get("entries", [])
        ]
        result[doc["file"]] = {
            "entries": entries,
            "error": doc.get("error"),
            "recovered": doc.get("recovered"),
            "skipped": doc.get("skipped") or [],
        }
    return result


def compare(a, b):
    """Why two readings differ, or None."""
    if len(a["entries"]) != len(b["entries"]):
        return "entry count %d vs %d" % (len(a["entries"]), len(b["entries"]))
    for i, (x, y) in enumerate(zip(a["entries"], b["entries"])):
        if x["title"] != y["title"]:
            return "entry %d title %r vs %r" % (i, x["title"], y["title"])
        if x["link"] != y["link"]:
            return "entry %d link %r vs %r" % (i, x["link"], y["link"])
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--details")
    ap.add_argument("--ours", help="decode-corpus output to use instead of running it")
    args = ap.parse_args()
    corpus = os.path.abspath(args.corpus)
    mine = ours(corpus, args.ours)
    groups = {}
    details = []
    for rel in sorted(mine):
        group = rel.split("/")[0] if "/" in rel else "."
        ref = reference(os.path.join(corpus, rel), rel)
        why = compare(mine[rel], ref)
        g = groups.setdefault(group, {"docs": 0, "agree": 0, "recovered": 0, "skipped": 0})
        g["docs"] += 1
        g["agree"] += why is None
        g["recovered"] += bool(mine[rel]["recovered"])
        g["skipped"] += len(mine[rel]["skipped"])
        if why:
            details.append({"file": rel, "why": why, "error": mine[rel]["error"]})
    print("| Corpus | Documents | Agree | Agreement | Recovered | Entries skipped |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    total = {"docs": 0, "agree": 0, "recovered": 0, "skipped": 0}
    for name, g in sorted(groups.items()):
        for k in total:
            total[k] += g[k]
        print(
            "| %s | %d | %d | %.1f%% | %d | %d |"
            % (name, g["docs"], g["agree"], 100.0 * g["agree"] / g["docs"], g["recovered"], g["skipped"])
        )
    print(
        "| **all** | %d | %d | %.1f%% | %d | %d |"
        % (
            total["docs"],
            total["agree"],
            100.0 * total["agree"] / max(total["docs"], 1),
            total["recovered"],
            total["skipped"],
        )
    )
    if args.details:
        with open(args.details, "w", encoding="utf-8") as f:
            for d in details:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
