#!/usr/bin/env python3
"""A straightforward Python feed pipeline, the peer Wirewatch is compared with.

One run polls every feed once, in this order:
1. fetch all feeds with httpx on a thread pool, sending If-None-Match / If-Modified-Since
   from the previous run;
2. parse each new document with feedparser (in the same threads);
3. store new items in SQLite in one transaction, deduplicated per feed by guid (else link),
   and index them in an FTS5 table (porter + unicode61);
4. match the new items against the alert rules with one FTS5 query per rule and store the
   alerts (unique per rule and item).

Prints one JSON line with what happened.
"""

import argparse
import concurrent.futures
import html
import json
import re
import sqlite3
import sys
import time

import feedparser
import httpx

TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")


def plain(text):
    return SPACE.sub(" ", html.unescape(TAG.sub(" ", text or ""))).strip()


def open_db(path):
    db = sqlite3.connect(path)
    db.executescript(
        """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, title TEXT, etag TEXT, last_modified TEXT);
        CREATE TABLE IF NOT EXISTS items (
            id INTEGER PRIMARY KEY, feed TEXT NOT NULL, key TEXT NOT NULL, link TEXT, title TEXT,
            summary TEXT, content TEXT, published TEXT, UNIQUE (feed, key));
        CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5(title, body, tokenize = 'porter unicode61');
        CREATE TABLE IF NOT EXISTS alerts (rule TEXT NOT NULL, item INTEGER NOT NULL, UNIQUE (rule, item));
        """
    )
    return db


def fetch(client, url, etag, last_modified):
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        r = client.get(url, headers=headers)
    except httpx.HTTPError as e:
        return url, "error", str(e), None, None
    if r.status_code == 304:
        return url, 304, None, etag, last_modified
    if r.status_code != 200:
        return url, r.status_code, None, etag, last_modified
    parsed = feedparser.parse(r.content, response_headers={"content-type": r.headers.get("content-type", "")})
    return url, 200, parsed, r.headers.get("etag"), r.headers.get("last-modified")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--urls", required=True)
    ap.add_argument("--rules")
    ap.add_argument("--threads", type=int, default=16)
    args = ap.parse_args()

    started = time.monotonic()
    db = open_db(args.db)
    urls = [u.strip() for u in open(args.urls) if u.strip() and not u.startswith("#")]
    known = {row[0]: (row[1], row[2]) for row in db.execute("SELECT url, etag, last_modified FROM feeds")}
    rules = []
    if args.rules:
        rules = [json.loads(line) for line in open(args.rules) if line.strip()]

    statuses = {}
    results = []
    limits = httpx.Limits(max_connections=args.threads, max_keepalive_connections=args.threads)
    with httpx.Client(limits=limits, timeout=30.0) as client:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.threads) as pool:
            futures = [pool.submit(fetch, client, u, *known.get(u, (None, None))) for u in urls]
            for f in concurrent.futures.as_completed(futures):
                results.append(f.result())

    max_before = db.execute("SELECT coalesce(max(rowid), 0) FROM items").fetchone()[0]
    new = 0
    with db:
        for url, status, parsed, etag, last_modified in results:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status not in (200, 304):
                continue
            title = parsed.feed.get("title") if parsed is not None else None
            db.execute(
                "INSERT INTO feeds (url, title, etag, last_modified) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, "
                "title = coalesce(excluded.title, feeds.title)",
                (url, title, etag, last_modified),
            )
            if parsed is None:
                continue
            for e in parsed.entries:
                key = e.get("id") or e.get("link") or e.get("title")
                content = e["content"][0]["value"] if e.get("content") else e.get("summary", "")
                cur = db.execute(
                    "INSERT OR IGNORE INTO items (feed, key, link, title, summary, content, published) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (url, key, e.get("link"), e.get("title"), e.get("summary"), content, e.get("published")),
                )
                if cur.rowcount == 1:
                    new += 1
                    db.execute(
                        "INSERT INTO items_fts (rowid, title, body) VALUES (?, ?, ?)",
                        (cur.lastrowid, plain(e.get("title")), plain(content)),
                    )
        alerts = 0
        if new:
            for rule in rules:
                cur = db.execute(
                    "INSERT OR IGNORE INTO alerts (rule, item) "
                    "SELECT ?, rowid FROM items_fts WHERE items_fts MATCH ? AND rowid > ?",
                    (rule["name"], rule["fts"], max_before),
                )
                alerts += cur.rowcount
    items = db.execute("SELECT count(*) FROM items").fetchone()[0]
    total_alerts = db.execute("SELECT count(*) FROM alerts").fetchone()[0]
    db.close()
    print(json.dumps({
        "feeds": len(urls), "statuses": statuses, "new_items": new, "new_alerts": alerts,
        "items": items, "alerts": total_alerts, "secs": time.monotonic() - started,
    }))


if __name__ == "__main__":
    sys.exit(main())
