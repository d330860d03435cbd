//! Runs one candidate article extractor over a corpus folder and writes what it extracted.
//!
//! `extract-candidates NAME CORPUS OUT` reads every `CORPUS/X.html` (and `X.url`), extracts its
//! main text with the candidate `NAME`, writes it to `OUT/X.txt`, and prints the pages per
//! second of the extraction alone (files are read before the clock starts). `extract-eval
//! score` then compares `OUT` with the expected texts.
//!
//! Extractors that return plain text (the trafilatura ports) are scored on it; Readability
//! ports return the article's HTML, whose text is taken with one shared function (a paragraph
//! per block element), because their DOM `textContent` glues paragraphs together.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

const CANDIDATES: &[&str] = &[
    "rs-trafilatura",
    "rs-trafilatura-article",
    "trafilatura-rs",
    "dom_smoothie",
    "dom_smoothie-noise",
    "legible",
    "readabilityrs",
    "llm_readability",
    "readability",
];

struct Page {
    name: String,
    html: String,
    url: url::Url,
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, corpus, out] = args.as_slice() else {
        bail!(
            "usage: extract-candidates NAME CORPUS OUT (NAME: {})",
            CANDIDATES.join(", ")
        );
    };
    if !CANDIDATES.contains(&name.as_str()) {
        bail!("unknown candidate {name}; one of {}", CANDIDATES.join(", "));
    }
    let pages = read_corpus(Path::new(corpus))?;
    std::fs::create_dir_all(out)?;
    let mut texts = Vec::with_capacity(pages.len());
    let mut failures = 0;
    let start = Instant::now();
    for page in &pages {
        let text = extract(name, page).unwrap_or_else(|_| {
            failures += 1;
            String::new()
        });
        texts.push(text);
    }
    let elapsed = start.elapsed().as_secs_f64();
    for (page, text) in pages.iter().zip(&texts) {
        std::fs::write(PathBuf::from(out).join(format!("{}.txt", page.name)), text)?;
    }
    println!(
        "{name}: {} pages in {elapsed:.2} s, {:.1} pages/s, {failures} failed",
        pages.len(),
        pages.len() as f64 / elapsed
    );
    Ok(())
}

fn read_corpus(dir: &Path) -> Result<Vec<Page>> {
    let mut pages = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&path)?;
        let url = std::fs::read_to_string(path.with_extension("url")).unwrap_or_default();
        let url = url::Url::parse(url.trim())
            .unwrap_or_else(|_| url::Url::parse("http://localhost/").expect("valid"));
        pages.push(Page {
            name,
            html: String::from_utf8_lossy(&bytes).into_owned(),
            url,
        });
    }
    Ok(pages)
}

fn extract(name: &str, page: &Page) -> Result<String> {
    let url = page.url.as_str();
    Ok(match name {
        "rs-trafilatura" => {
            let options = rs_trafilatura::Options {
                url: Some(url.to_owned()),
                ..rs_trafilatura::Options::default()
            };
            rs_trafilatura::extract_with_options(&page.html, &options)?.content_text
        }
        // Told the page is an article, as a feed entry's link is: no page-type classifier.
        "rs-trafilatura-article" => {
            let options = rs_trafilatura::Options {
                url: Some(url.to_owned()),
                page_type: Some(rs_trafilatura::page_type::PageType::Article),
                ..rs_trafilatura::Options::default()
            };
            rs_trafilatura::extract_with_options(&page.html, &options)?.content_text
        }
        "trafilatura-rs" => {
            trafilatura::extract(&page.html, &trafilatura::Options::default())?.content_text
        }
        "dom_smoothie" => {
            let mut r = dom_smoothie::Readability::new(page.html.as_str(), Some(url), None)?;
            html_text(&r.parse()?.content)
        }
        // Elements matching the CSS selectors of `NOISE_SELECTORS` removed first: how the
        // thin adapters of Wirewatch's extract stage were tried, one group at a time.
        "dom_smoothie-noise" => {
            let doc = dom_query::Document::from(page.html.as_str());
            let selectors = std::env::var("NOISE_SELECTORS").unwrap_or_default();
            if !selectors.trim().is_empty() {
                doc.select(&selectors).remove();
            }
            let mut r = dom_smoothie::Readability::with_document(doc, Some(url), None)?;
            html_text(&r.parse()?.content)
        }
        "legible" => html_text(&legible::parse(&page.html, Some(url), None)?.content),
        "readabilityrs" => {
            let r = readabilityrs::Readability::new(&page.html, Some(url), None)?;
            html_text(&r.parse().and_then(|a| a.content).unwrap_or_default())
        }
        "llm_readability" => {
            let mut input = page.html.as_bytes();
            html_text(&llm_readability::extractor::extract(&mut input, &page.url)?.content)
        }
        "readability" => {
            let mut input = page.html.as_bytes();
            html_text(&readability::extractor::extract(&mut input, &page.url)?.content)
        }
        _ => unreachable!("checked in main"),
    })
}

/// The text of an HTML fragment, a paragraph per block element.
fn html_text(html: &str) -> String {
    use scraper::node::Node;
    const BLOCKS: &[&str] = &[
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "tr",
        "td",
        "th",
        "figure",
        "figcaption",
        "br",
        "hr",
        "main",
        "nav",
        "form",
    ];
    let doc = scraper::Html::parse_fragment(html);
    let mut paragraphs = vec![String::new()];
    let mut stack = vec![(doc.tree.root(), false)];
    while let Some((node, closing)) = stack.pop() {
        match node.value() {
            Node::Text(t) if !closing => paragraphs.last_mut().expect("one").push_str(t),
            Node::Element(e) => {
                let block = BLOCKS.contains(&e.name());
                if block {
                    paragraphs.push(String::new());
                }
                if closing || matches!(e.name(), "script" | "style" | "noscript") {
                    continue;
                }
                stack.push((node, true));
                for child in node.children().rev() {
                    stack.push((child, false));
                }
            }
            _ if !closing => {
                stack.push((node, true));
                for child in node.children().rev() {
                    stack.push((child, false));
                }
            }
            _ => {}
        }
    }
    paragraphs
        .iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}
