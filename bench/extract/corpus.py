#!/usr/bin/env python3
"""Lay out a labelled extraction corpus the way `extract-eval` reads it.

Each page becomes three files in the output folder:
  NAME.html  the page as served (bytes untouched),
  NAME.txt   the expected main text, paragraphs separated by blank lines,
  NAME.url   the page's address (extractors resolve links and read the site from it).

Two public labelled sets are understood (neither is part of this repository):
  --readability DIR   the test pages of mozilla/readability (test/test-pages/*/source.html and
                      expected.html); the expected text is the text of expected.html.
  --aeb DIR           scrapinghub/article-extraction-benchmark (html/*.html.gz and
                      ground-truth.json, whose articleBody is the expected text).

Usage: corpus.py OUT [--readability DIR] [--aeb DIR]
Standard library only, so it runs anywhere Python 3 does.
"""
import argparse
import gzip
import json
import pathlib
from html.parser import HTMLParser

# Elements that end a paragraph of text, as a reader would see it.
BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "aside", "blockquote", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr",
    "td", "th", "figure", "figcaption", "br", "hr", "main", "nav", "form",
}
SKIPPED = {"script", "style", "noscript", "template"}


class Text(HTMLParser):
    """The visible text of an HTML fragment, one paragraph per block element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs = [[]]
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skip += 1
        elif tag in BLOCKS:
            self.paragraphs.append([])

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCKS:
            self.paragraphs.append([])

    def handle_data(self, data):
        if not self.skip:
            self.paragraphs[-1].append(data)

    def text(self):
        out = (" ".join("".join(p).split()) for p in self.paragraphs)
        return "\n\n".join(p for p in out if p)


def html_text(html):
    parser = Text()
    parser.feed(html)
    parser.close()
    return parser.text()


def readability(src, out):
    count = 0
    for case in sorted(pathlib.Path(src).glob("*/")):
        source, expected = case / "source.html", case / "expected.html"
        if not (source.exists() and expected.exists()):
            continue
        name = "readability-" + case.name
        (out / f"{name}.html").write_bytes(source.read_bytes())
        text = html_text(expected.read_text(encoding="utf-8", errors="replace"))
        (out / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        # The suite serves every page from this fake host.
        (out / f"{name}.url").write_text("http://fakehost/test/page.html\n", encoding="utf-8")
        count += 1
    return count


def aeb(src, out):
    src = pathlib.Path(src)
    truth = json.loads((src / "ground-truth.json").read_text(encoding="utf-8"))
    count = 0
    for key, item in sorted(truth.items()):
        page = src / "html" / f"{key}.html.gz"
        if not page.exists():
            continue
        name = "aeb-" + key[:16]
        (out / f"{name}.html").write_bytes(gzip.decompress(page.read_bytes()))
        body = "\n\n".join(p.strip() for p in item["articleBody"].split("\n") if p.strip())
        (out / f"{name}.txt").write_text(body + "\n", encoding="utf-8")
        (out / f"{name}.url").write_text(item.get("url", "") + "\n", encoding="utf-8")
        count += 1
    return count


def main():
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("out")
    args.add_argument("--readability")
    args.add_argument("--aeb")
    opts = args.parse_args()
    out = pathlib.Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    if opts.readability:
        print(f"readability: {readability(opts.readability, out)} pages")
    if opts.aeb:
        print(f"aeb: {aeb(opts.aeb, out)} pages")


if __name__ == "__main__":
    main()
