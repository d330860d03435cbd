//! What each fuzz target does with one input, and the properties it checks.
//!
//! The same functions run under cargo-fuzz (`fuzz_targets/*.rs`) and, without any fuzzing
//! toolchain, as plain tests in the engine's integration suite, which replays the corpus in
//! `corpus/<target>/` and a bounded stream of seeded random mutations of it.
//!
//! Every function panics when a property fails; a panic is what a fuzzer reports as a crash.

use rusqlite::Connection;
use std::cell::RefCell;
use wirewatch::rules::{fts, matcher, Doc, Query};

/// Content types the decode target chooses from with the input's first byte.
const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("application/rss+xml"),
    Some("application/atom+xml; charset=utf-8"),
    Some("application/feed+json"),
    Some("text/xml; charset=windows-1252"),
    Some("text/html"),
    Some("text/plain; charset=utf-16"),
    Some("application/octet-stream"),
];

/// Elements that must not survive sanitising: they run script, load or submit elsewhere,
/// change the document, or hide markup from the sanitiser's view.
pub const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "textarea", "select", "meta", "base", "link", "svg", "math", "template", "noscript",
    "title", "isindex", "marquee", "video", "audio",
];

/// Attributes holding a URL that could be followed or loaded.
pub const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "xlink:href",
    "background",
    "poster",
    "cite",
    "longdesc",
    "lowsrc",
    "dynsrc",
    "data",
];

/// Decodes `data[1..]` as a feed served with the content type `data[0]` picks, and checks
/// what comes out: sanitised bodies, web-only links, the entry cap, text read back from HTML.
pub fn decode(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[pick as usize % CONTENT_TYPES.len()];
    let url = "https://fuzz.example.org/feeds/feed.xml";
    let Ok(doc) = wirewatch::decode::decode(body, content_type, url) else {
        return;
    };
    check_url(doc.site_url.as_deref());
    for entry in &doc.entries {
        check_html(&entry.content_html);
        check_url(entry.url.as_deref());
        assert!(
            entry.snippet.chars().count() <= wirewatch::decode::SNIPPET_CHARS + 3,
            "snippet too long"
        );
        // The archive keeps such text empty and reads it back from the HTML.
        if entry.text_of_html {
            assert_eq!(
                wirewatch::decode::stored_text(&entry.content_html),
                entry.text,
                "text marked as the HTML's own differs from it"
            );
        }
    }
    let cap = pick as usize % 4;
    let capped = wirewatch::decode::decode_limited(body, content_type, url, cap)
        .expect("a document that decodes also decodes with a cap");
    assert_eq!(
        capped.entries.as_slice(),
        &doc.entries[..doc.entries.len().min(cap)],
        "the cap keeps the first entries, unchanged"
    );
}

/// Wraps `data` as the HTML body of a feed entry and checks that sanitising leaves nothing
/// that runs script, loads frames, restyles the page or links outside the web.
pub fn sanitize(data: &[u8]) {
    let html = String::from_utf8_lossy(data);
    let escaped = html
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let feed = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>t</title>\
         <item><title>{escaped}</title><link>https://fuzz.example.org/story</link>\
         <description>{escaped}</description></item></channel></rss>"
    );
    let Ok(doc) = wirewatch::decode::decode(feed.as_bytes(), None, "https://fuzz.example.org/")
    else {
        // Characters XML forbids can make even the escaped document unreadable.
        return;
    };
    for entry in &doc.entries {
        check_html(&entry.content_html);
        check_url(entry.url.as_deref());
    }
}

/// Reads `data` as a feed timestamp: whatever date it accepts reads back the same when
/// written as RFC 3339 (module `decode/date.rs`).
pub fn date(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    let Some(date) = wirewatch::decode::parse_date(&raw) else {
        return;
    };
    let written = date.to_rfc3339();
    // RFC 3339 has four-digit years only.
    if written.as_bytes().get(4) != Some(&b'-') {
        return;
    }
    assert_eq!(
        wirewatch::decode::parse_date(&written),
        Some(date),
        "{raw:?} read as {written}, which does not read back"
    );
}

/// Reads `data` as a feed's title (module `decode/text.rs`, with the character references of
/// `decode/entities.rs`): the result is one line of visible text, single-spaced, and stable
/// (a plain title reads as itself).
pub fn title(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    let title = wirewatch::decode::plain_title(&raw);
    assert_eq!(title.trim(), title, "title not trimmed: {title:?}");
    assert!(!title.contains("  "), "double space in {title:?}");
    assert!(
        !title.chars().any(|c| c.is_control()),
        "control character in {title:?}"
    );
    if !title.contains(['<', '&']) {
        assert_eq!(wirewatch::decode::plain_title(&title), title, "not stable");
    }
}

/// Each stem has two words; a short prefix has two, a longer one too many to list, so both
/// of its translations meet SQLite.
struct FuzzWords;

impl fts::Vocabulary for FuzzWords {
    fn with_stem(&mut self, stem: &str) -> Vec<String> {
        vec![stem.to_string(), format!("{stem}s")]
    }

    fn with_prefix(&mut self, prefix: &str, _most: usize) -> Option<Vec<String>> {
        (prefix.len() < 4).then(|| vec![prefix.to_string(), format!("{prefix}es")])
    }
}

/// Parses `data` as a query; a valid one is translated to FTS5 (which SQLite must accept)
/// and matched against a document built from the query's own words.
pub fn query(data: &[u8]) {
    let source = String::from_utf8_lossy(data);
    let Ok(query) = Query::parse(&source) else {
        return;
    };
    let reparsed = Query::parse(&query.source).expect("a valid query parses again");
    assert_eq!(reparsed, query, "parsing is deterministic");
    let translation = fts::translate(&query.root, &mut FuzzWords);
    if let Some(expr) = &translation.expr {
        FTS.with(|conn| {
            let conn = conn.borrow();
            let mut stmt = conn
                .prepare_cached("SELECT count(*) FROM t WHERE t MATCH ?1")
                .expect("prepare");
            let result: rusqlite::Result<i64> = stmt.query_row([expr], |r| r.get(0));
            if let Err(e) = result {
                panic!("SQLite rejects the translation of {source:?}: {expr:?}: {e}");
            }
        });
    }
    let text: String = source
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ')
        .collect();
    let doc = Doc::new(&text, &source, &[text.as_str()]);
    let _ = matcher::matches(&query, &doc);
}

/// Parses `data` as OPML; whatever it accepts is absolute http(s) and within the limits.
pub fn opml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok((outlines, _skipped)) = wirewatch::opml::parse(&text) else {
        return;
    };
    assert!(outlines.len() <= wirewatch::opml::MAX_OUTLINES);
    for o in &outlines {
        assert!(
            o.url.starts_with("http://") || o.url.starts_with("https://"),
            "an outline with a non-web URL was accepted: {:?}",
            o.url
        );
        check_url(o.site_url.as_deref());
    }
}

thread_local! {
    /// An FTS5 table shaped like the archive's, to check translations against.
    static FTS: RefCell<Connection> = RefCell::new({
        let conn = Connection::open_in_memory().expect("in-memory SQLite");
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(title, body, feed, content = '',
                 contentless_delete = 1,
                 tokenize = \"unicode61 remove_diacritics 0 categories 'L* N* Co M*'\");
             INSERT INTO t (rowid, title, body, feed) VALUES (1, 'talks resume', 'ceasefire', 'wire');",
        )
        .expect("create the FTS5 table");
        conn
    });
}

/// Panics unless `url` is absent or an absolute http(s) URL.
pub fn check_url(url: Option<&str>) {
    if let Some(url) = url {
        assert!(
            url.starts_with("http://") || url.starts_with("https://"),
            "a non-web URL survived: {url:?}"
        );
    }
}

/// Panics if sanitised `html` holds a script, an event handler, a style, a forbidden element,
/// a URL that is not http(s) or mailto, or a link without `rel="noopener noreferrer"`.
pub fn check_html(html: &str) {
    if let Some(problem) = html_problem(html) {
        panic!("{problem}: {html}");
    }
}

/// What in sanitised `html` could run script, load or submit elsewhere, restyle the page or
/// link to a non-web URL; `None` when nothing could.
pub fn html_problem(html: &str) -> Option<String> {
    if html.to_ascii_lowercase().contains("<script") {
        return Some("a script survived".into());
    }
    let fragment = scraper::Html::parse_fragment(html);
    for node in fragment.tree.nodes() {
        let Some(element) = node.value().as_element() else {
            continue;
        };
        let name = element.name();
        if FORBIDDEN_ELEMENTS.contains(&name) {
            return Some(format!("<{name}> survived"));
        }
        for (attr, value) in element.attrs() {
            let attr = attr.to_ascii_lowercase();
            if attr.starts_with("on")
                || matches!(attr.as_str(), "style" | "srcdoc" | "formaction" | "action")
            {
                return Some(format!("attribute {attr}={value:?} survived"));
            }
            if URL_ATTRIBUTES.contains(&attr.as_str()) && !safe_url(value) {
                return Some(format!("{attr}={value:?} is not an http(s) or mailto URL"));
            }
        }
        if name == "a" && element.attr("href").is_some() {
            let rel = element.attr("rel").unwrap_or_default();
            if !(rel.contains("noopener") && rel.contains("noreferrer")) {
                return Some("a link without rel=\"noopener noreferrer\"".into());
            }
        }
    }
    None
}

/// Whether a URL attribute value is http(s), mailto or scheme-less.
fn safe_url(value: &str) -> bool {
    let v: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    match (v.find(':'), v.find(['/', '?', '#'])) {
        (Some(colon), Some(slash)) if slash < colon => true,
        (Some(colon), _) => matches!(&v[..colon], "http" | "https" | "mailto"),
        (None, _) => true,
    }
}
