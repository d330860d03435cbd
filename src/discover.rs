//! Discover: finds the feeds a web page links to (`<link rel="alternate">`).
//!
//! When the user adds a URL that turns out to be a web page, the engine looks for the feeds
//! the page advertises. In order:
//!
//! 1. The page's bytes become text: byte-order mark, then the `Content-Type` charset, then a
//!    `<meta charset>` near the top, then UTF-8 if valid, else a guess by `chardetng`.
//! 2. The page is parsed as HTML (`scraper`, so broken markup reads as browsers read it).
//! 3. The base for relative addresses is the first `<base href>` (itself relative to the page
//!    URL), else the page URL.
//! 4. Every `<link>` whose `rel` (a space-separated, case-insensitive list) contains
//!    `alternate` and whose `type` is a feed type (RSS, Atom, RDF, JSON Feed) is kept, in page
//!    order, resolved to an absolute http(s) URL, once per URL.
//!
//! [`looks_like_html`] tells the decoder (and the engine) whether a body is a web page rather
//! than a feed, without parsing it.

use crate::model::DiscoveredFeed;
use encoding_rs::{Encoding, UTF_8};
use scraper::{Html, Selector};
use std::borrow::Cow;
use std::sync::OnceLock;
use url::Url;

/// Media types that announce a feed. `application/json` alone is left out on purpose: sites
/// use it for their REST APIs (`/wp-json/...`), not for JSON Feed.
const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/x-rss+xml",
    "application/x-atom+xml",
    "application/x.atom+xml",
    "application/rss+rdf",
    "text/xml",
    "application/xml",
    "text/rss+xml",
    "text/atom+xml",
];

/// How much of a page is examined for a `<meta charset>` or for its first markup, in bytes.
const PRESCAN_BYTES: usize = 2048;

/// Feeds advertised by the HTML page at `page_url`, in page order, without duplicates.
pub fn discover(html: &[u8], content_type: Option<&str>, page_url: &str) -> Vec<DiscoveredFeed> {
    let text = page_text(html, content_type);
    let document = Html::parse_document(&text);
    let page = Url::parse(page_url).ok();

    static BASE: OnceLock<Selector> = OnceLock::new();
    static LINKS: OnceLock<Selector> = OnceLock::new();
    let base_selector = BASE.get_or_init(|| Selector::parse("base[href]").expect("valid selector"));
    let link_selector =
        LINKS.get_or_init(|| Selector::parse("link[href]").expect("valid selector"));

    // Only the first <base href> counts, as in browsers.
    let base = document
        .select(base_selector)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| resolve(href, page.as_ref()))
        .or(page);

    let mut feeds: Vec<DiscoveredFeed> = Vec::new();
    for link in document.select(link_selector) {
        let element = link.value();
        let is_alternate = element.attr("rel").is_some_and(|rel| {
            rel.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate"))
        });
        if !is_alternate {
            continue;
        }
        let Some(kind) = element.attr("type").and_then(feed_type) else {
            continue;
        };
        let Some(url) = element
            .attr("href")
            .and_then(|href| resolve(href, base.as_ref()))
        else {
            continue;
        };
        let url = String::from(url);
        if feeds.iter().any(|f| f.url == url) {
            continue;
        }
        let title = element
            .attr("title")
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|t| !t.is_empty());
        feeds.push(DiscoveredFeed { url, title, kind });
    }
    feeds
}

/// Whether these bytes look like an HTML page rather than a feed.
///
/// The body decides first: a feed root (`<rss`, `<feed`, `<rdf:RDF`) or a JSON object before
/// any HTML marker means a feed, even when the server calls it `text/html`; a first markup of
/// `<!doctype html`, `<html`, `<head>` or `<body>` means a page. Otherwise the content type
/// decides (`text/html`, `application/xhtml+xml`).
pub fn looks_like_html(body: &[u8], content_type: Option<&str>) -> bool {
    let head = lowercase_ascii_head(body);
    let feed_at = ["<rss", "<feed", "<rdf:rdf", "<rdf "]
        .iter()
        .filter_map(|root| find_tag(&head, root))
        .min();
    let html_at = ["<!doctype html", "<html", "<head", "<body"]
        .iter()
        .filter_map(|marker| find_tag(&head, marker))
        .min();
    match (feed_at, html_at) {
        (Some(feed), Some(html)) => return html < feed,
        (Some(_), None) => return false,
        (None, Some(html)) => {
            // A page whose first markup is one of the markers; a marker after other markup
            // (`<p>` inside a feed description, say) decides nothing on its own.
            let first_markup = first_markup(&head);
            if first_markup.is_none_or(|first| first >= html) {
                return true;
            }
        }
        (None, None) => {}
    }
    if head.trim_start().starts_with(['{', '[']) {
        return false;
    }
    content_type.is_some_and(|ct| {
        let essence = ct.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("text/html")
            || essence.eq_ignore_ascii_case("application/xhtml+xml")
    })
}

/// The first bytes of `body` as lowercase ASCII text, with a byte-order mark and the NUL
/// bytes of UTF-16 removed (so UTF-16 bodies are recognised too) and non-ASCII bytes replaced.
fn lowercase_ascii_head(body: &[u8]) -> String {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    body.iter()
        .take(PRESCAN_BYTES)
        .filter(|b| **b != 0 && **b != 0xFE && **b != 0xFF)
        .map(|b| {
            if b.is_ascii() {
                b.to_ascii_lowercase() as char
            } else {
                '?'
            }
        })
        .collect()
}

/// Position of `tag` in `head` where it is a whole tag name (followed by whitespace, `>`,
/// `/` or the end), so `<feedburner:info>` is not `<feed`.
fn find_tag(head: &str, tag: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = head[from..].find(tag) {
        let at = from + at;
        let next = head[at + tag.len()..].chars().next();
        if tag.ends_with(' ')
            || next.is_none_or(|c| c.is_ascii_whitespace() || c == '>' || c == '/')
        {
            return Some(at);
        }
        from = at + tag.len();
    }
    None
}

/// Position of the first markup that is not an XML declaration, processing instruction,
/// comment or non-HTML doctype.
fn first_markup(head: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = head[from..].find('<') {
        let at = from + at;
        let rest = &head[at..];
        let skip_to = if rest.starts_with("<?") {
            rest.find("?>").map(|e| e + 2)
        } else if rest.starts_with("<!--") {
            rest.find("-->").map(|e| e + 3)
        } else if rest.starts_with("<!doctype") && !rest.starts_with("<!doctype html") {
            rest.find('>').map(|e| e + 1)
        } else {
            return Some(at);
        };
        from = at + skip_to?;
    }
    None
}

/// The media type, lowercased and without parameters, if it is a feed type.
fn feed_type(declared: &str) -> Option<String> {
    let essence = declared.split(';').next()?.trim().to_ascii_lowercase();
    FEED_TYPES.contains(&essence.as_str()).then_some(essence)
}

/// `href` resolved against `base` as an absolute http(s) URL; `feed:` URLs (an old convention
/// for "open in a feed reader") are unwrapped.
fn resolve(href: &str, base: Option<&Url>) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let href = match href.get(..5) {
        Some(scheme) if scheme.eq_ignore_ascii_case("feed:") => {
            let inner = &href[5..];
            if inner.starts_with("//") {
                Cow::Owned(format!("http:{inner}"))
            } else {
                Cow::Borrowed(inner)
            }
        }
        _ => Cow::Borrowed(href),
    };
    let url = match Url::parse(&href) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(&href).ok()?,
        Err(_) => return None,
    };
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// The page's bytes as text.
fn page_text<'a>(html: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    if let Some((encoding, bom)) = Encoding::for_bom(html) {
        return encoding.decode_without_bom_handling(&html[bom..]).0;
    }
    let declared = content_type
        .and_then(|ct| {
            ct.split(';').skip(1).find_map(|p| {
                let (name, value) = p.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("charset")
                    .then(|| value.trim().trim_matches(['"', '\'']))
            })
        })
        .and_then(|label| Encoding::for_label_no_replacement(label.as_bytes()))
        .or_else(|| meta_charset(html));
    let valid_utf8 = std::str::from_utf8(html).is_ok();
    let encoding = match declared {
        // UTF-16 cannot be declared from inside an ASCII-compatible page.
        Some(e) if !e.is_ascii_compatible() => UTF_8,
        Some(e) if e == UTF_8 && !valid_utf8 => guess(html),
        Some(e) => e,
        None if valid_utf8 => UTF_8,
        None => guess(html),
    };
    encoding.decode_without_bom_handling(html).0
}

/// The encoding a `<meta charset="...">` or `<meta http-equiv content="...; charset=...">`
/// near the top of the page declares.
fn meta_charset(html: &[u8]) -> Option<&'static Encoding> {
    let head = lowercase_ascii_head(html);
    let at = head.find("charset=")? + "charset=".len();
    let value = head[at..].trim_start_matches(['"', '\'', ' ']);
    let end = value
        .find(|c: char| {
            c == '"' || c == '\'' || c == ';' || c == '>' || c == '/' || c.is_ascii_whitespace()
        })
        .unwrap_or(value.len());
    Encoding::for_label_no_replacement(&value.as_bytes()[..end])
}

/// The encoding `chardetng` guesses for bytes that are not UTF-8.
fn guess(html: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(html, true);
    detector.guess(None, false)
}
