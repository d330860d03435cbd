#!/usr/bin/env python3
"""Run Python trafilatura over a corpus folder, as `extract-candidates` runs the Rust crates.

Usage: trafilatura_run.py CORPUS OUT
Reads CORPUS/X.html (and X.url), writes the extracted text to OUT/X.txt, and prints the pages
per second of extraction alone (files are read before the clock starts). Default options, plain
text output, one process: the same conditions as the Rust candidates.
"""
import pathlib
import sys
import time

import trafilatura


def main():
    corpus, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    pages = []
    for path in sorted(corpus.glob("*.html")):
        url_file = path.with_suffix(".url")
        url = url_file.read_text().strip() if url_file.exists() else None
        pages.append((path.stem, path.read_bytes().decode("utf-8", "replace"), url or None))
    texts, failures = [], 0
    start = time.perf_counter()
    for _, html, url in pages:
        try:
            text = trafilatura.extract(html, url=url) or ""
        except Exception:  # noqa: BLE001 - a failed page scores zero, like in the Rust runner
            text, failures = "", failures + 1
        texts.append(text)
    elapsed = time.perf_counter() - start
    for (name, _, _), text in zip(pages, texts):
        (out / f"{name}.txt").write_text(text, encoding="utf-8")
    rate = len(pages) / elapsed
    print(f"trafilatura {trafilatura.__version__}: {len(pages)} pages in {elapsed:.2f} s, "
          f"{rate:.1f} pages/s, {failures} failed")


if __name__ == "__main__":
    main()
