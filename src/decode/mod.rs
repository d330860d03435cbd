//! Decode: the second stage. Turns the bytes of a feed document into clean entries.
//!
//! Feeds in the wild are messy, so this stage reads what a tolerant reader reads. In order:
//!
//! 1. **Character set.** The byte-order mark wins, then the `charset` of the HTTP
//!    `Content-Type`, then the XML declaration's `encoding`; a declared UTF-8 that is not valid
//!    UTF-8 is disbelieved, and with nothing credible left the encoding is guessed with
//!    `chardetng`. The body is converted to UTF-8 with `encoding_rs` and the XML declaration is
//!    rewritten to say UTF-8, so the parser does not decode a second time.
//! 2. **Legacy Atom.** Atom 0.3 is mapped onto Atom 1.0 names (namespace, `issued`, `modified`,
//!    `tagline`, MIME-style `type` values) because the parser only knows Atom 1.0.
//! 3. **Parse** with `feed-rs` (RSS 0.9x/1.0/2.0, Atom, JSON Feed), with the feed URL as the
//!    base for `xml:base`, an id generator that leaves missing ids empty (so `guid` can be `None`)
//!    and [`parse_date`] for timestamps.
//! 4. **Recovery.** When the parser rejects the document: an HTML page is `NotAFeed`; anything
//!    else is repaired (junk before the root dropped, HTML-only entities replaced, stray `&`
//!    and `<` escaped, characters XML forbids removed, an `<rss>` root without a version or
//!    channel given them; a JSON Feed's envelope: version, title, `authors`) and parsed again.
//!    If that fails too, [`recover`] reads the entries one by one: every complete entry is
//!    kept, an unreadable one is skipped with the parser's reason ([`DecodedFeed::skipped`]),
//!    and a document that stops being readable before its end is kept up to there
//!    ([`DecodedFeed::recovered`]). A document without its feed elements or a single readable
//!    entry is `InvalidFeed`, with the parser's reason.
//! 5. **Entries**, in document order: plain-text title, absolute link (the last alternate page),
//!    the feed's own id, the fullest body sanitised with `ammonia`, its plain text and snippet,
//!    author and dates.
//!
//! The steps live in their own modules: [`charset`], [`legacy`], [`repair`] (with
//! [`entities`], the one reader of character references), [`recover`], [`entries`], [`title`],
//! [`text`], [`sanitize`] and [`date`].
//!
//! This runs on every poll of every feed, so the common path avoids copies: a UTF-8 body is
//! borrowed, the repair pass only runs after a failure, plain strings skip the HTML parser,
//! bodies of plain paragraphs, emphasis and links skip the sanitiser's (its output for them is
//! written directly), and the sanitiser is configured once per process.

mod charset;
mod date;
mod entities;
mod entity_names;
mod entries;
mod legacy;
mod recover;
mod repair;
mod sanitize;
mod text;
mod title;

pub use date::parse_date;
pub use text::{plain_title, stored_text};

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::time::Duration;
use url::Url;

/// A feed document, decoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodedFeed {
    /// The feed's title, plain text.
    pub title: Option<String>,
    /// The web site the feed belongs to (absolute URL).
    pub site_url: Option<String>,
    /// RSS `<ttl>`, if given.
    pub ttl: Option<Duration>,
    /// Entries in document order.
    pub entries: Vec<DecodedEntry>,
    /// Set when the document stopped being readable before its end (a cut download, a
    /// syntax error past the last entry): the entries before that point are kept.
    pub recovered: Option<Recovered>,
    /// Entries left out because they could not be read, with the reason.
    pub skipped: Vec<SkippedEntry>,
}

/// What was kept of a document that stopped being readable before its end.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Recovered {
    /// Entries kept.
    pub entries: usize,
    /// The byte at which the document stops being readable (its length, for a document cut
    /// short; else the position in the document read as UTF-8).
    pub cut_at: usize,
}

/// An entry left out of a document, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SkippedEntry {
    /// Its place among the document's entries, from 1.
    pub position: usize,
    /// Its title, if one could be read, for telling it apart.
    pub title: Option<String>,
    /// Why it could not be read (the parser's reason).
    pub reason: String,
}

impl DecodedFeed {
    /// One line saying what decoding had to leave out ("recovered: 12 entries, the document
    /// was cut at byte 48213; skipped 1 entry: #3 (unsupported content type foo)"), or `None`
    /// when the document was read whole. Stored with the feed and shown in the Feeds view.
    pub fn recovery_note(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(r) = &self.recovered {
            parts.push(format!(
                "recovered: {} {}, the document was cut at byte {}",
                r.entries,
                if r.entries == 1 { "entry" } else { "entries" },
                r.cut_at
            ));
        }
        if !self.skipped.is_empty() {
            let listed: Vec<String> = self
                .skipped
                .iter()
                .take(3)
                .map(|s| format!("#{} ({})", s.position, s.reason))
                .collect();
            let more = self.skipped.len().saturating_sub(listed.len());
            parts.push(format!(
                "skipped {} {}: {}{}",
                self.skipped.len(),
                if self.skipped.len() == 1 {
                    "entry"
                } else {
                    "entries"
                },
                listed.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// One entry of a feed, cleaned up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodedEntry {
    /// The feed's id for the entry (RSS guid, Atom id, JSON Feed id), if it gave one.
    pub guid: Option<String>,
    /// Absolute link to the story, resolved against `xml:base` and the feed URL.
    pub url: Option<String>,
    /// Plain-text title, read as the feed says (Atom `text` as written, HTML as its text, RSS
    /// guessed), whitespace collapsed. When the feed gives no title,
    /// the start of the text stands in, so lists never show an empty line.
    pub title: String,
    /// Whether `title` is the start of the text standing in for a title the feed did not
    /// give (the feed's own title, then, is empty).
    pub title_from_text: bool,
    /// Author name, if any.
    pub author: Option<String>,
    /// Sanitised HTML of the fullest body the feed gives (content, else summary).
    pub content_html: String,
    /// Plain text of summary and content, for search and matching. Blocks are separated by
    /// line breaks; the summary is left out when the content repeats it.
    pub text: String,
    /// Plain-text summary (at most ~300 characters), for lists.
    pub snippet: String,
    /// Whether `text` is exactly [`stored_text`] of `content_html` (the HTML body's own text,
    /// no summary beside it), so the archive need not keep both.
    pub text_of_html: bool,
    /// Publication time, if the feed gives one we can read (Atom entries with only
    /// `<updated>` use that).
    pub published: Option<DateTime<Utc>>,
    /// Last update time, if the feed gives one.
    pub updated: Option<DateTime<Utc>>,
}

/// Longest snippet, in characters, before the ellipsis.
pub const SNIPPET_CHARS: usize = 300;

/// Longest stand-in title, in characters, for entries the feed leaves untitled.
const FALLBACK_TITLE_CHARS: usize = 100;

/// How far into a document the declaration and root element are looked for, in bytes.
const HEAD_BYTES: usize = 4096;

/// Decodes a feed document served from `feed_url` with the given `Content-Type`.
///
/// Errors: an empty body is `InvalidFeed("empty document")`, an HTML page is
/// `NotAFeed { html: true }`, and a document the parser rejects even after repair is
/// `InvalidFeed` with the parser's reason. Unreadable dates, links or ids never fail the feed.
pub fn decode(body: &[u8], content_type: Option<&str>, feed_url: &str) -> Result<DecodedFeed> {
    decode_limited(body, content_type, feed_url, usize::MAX)
}

/// [`decode`], keeping only the first `max_entries` entries in document order.
///
/// The cap applies before entries are sanitised and converted, so a document listing
/// hundreds of thousands of entries costs the parse, not that many sanitiser runs.
pub fn decode_limited(
    body: &[u8],
    content_type: Option<&str>,
    feed_url: &str,
    max_entries: usize,
) -> Result<DecodedFeed> {
    let base = Url::parse(feed_url).ok();
    let text = charset::to_utf8(body, content_type, base.as_ref());
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Err(Error::InvalidFeed {
            reason: "empty document".into(),
        });
    }
    let text = charset::normalise_declaration(text);
    let text = legacy::upgrade_legacy_atom(text);
    let text = legacy::upgrade_legacy_rss(text);
    let rdf = head(&text).contains("RDF");
    let (text, mut ids) = if rdf {
        legacy::entry_ids(text, true)
    } else {
        (text, None)
    };

    let parser = feed_parser(base.as_ref());
    let (mut feed, recovered, skipped) = match parser.parse(text.as_bytes()) {
        Ok(feed) => (feed, None, Vec::new()),
        Err(_) if crate::discover::looks_like_html(text.as_bytes(), content_type) => {
            return Err(Error::NotAFeed {
                url: feed_url.to_string(),
                html: true,
            });
        }
        Err(_) => {
            let repaired = match text.trim_start_matches('\u{feff}').trim_start() {
                json if json.starts_with('{') => {
                    repair::repair_json(json).unwrap_or_else(|| text.to_string())
                }
                _ => repair::repair(&text),
            };
            match parser.parse(repaired.as_bytes()) {
                Ok(feed) => (feed, None, Vec::new()),
                Err(e) => {
                    let invalid = || Error::InvalidFeed {
                        reason: parse_error_reason(&e),
                    };
                    let salvage = recover::salvage(&repaired, &parser, parse_error_reason)
                        .ok_or_else(invalid)?;
                    // No entry read: the parser's own reason says more than "recovered: 0".
                    if salvage.feed.entries.is_empty() {
                        return Err(invalid());
                    }
                    let recovered = salvage.cut_at.map(|at| Recovered {
                        entries: salvage.feed.entries.len(),
                        // A document cut short is cut at its own length, in the bytes served.
                        cut_at: if at >= repaired.len() { body.len() } else { at },
                    });
                    (salvage.feed, recovered, salvage.skipped)
                }
            }
        }
    };
    // RSS 2.0 items without a guid may have a Dublin Core identifier the parser does not read;
    // only then is the document read for it.
    let without_ids = feed.entries.iter().any(|e| e.id.trim().is_empty());
    if !rdf && without_ids && head(&text).contains("purl.org/dc/elements") {
        ids = legacy::entry_ids(Cow::Borrowed(&text), false).1;
    }
    if let Some(ids) = ids.filter(|ids| ids.len() == feed.entries.len()) {
        for (entry, id) in feed.entries.iter_mut().zip(ids) {
            if let (true, Some(id)) = (entry.id.trim().is_empty(), id) {
                entry.id = id;
            }
        }
    }
    feed.entries.truncate(max_entries);
    let mut doc = entries::convert(feed, base.as_ref());
    doc.recovered = recovered;
    doc.skipped = skipped;
    Ok(doc)
}

/// A `feed-rs` parser set up for Wirewatch.
fn feed_parser(base: Option<&Url>) -> feed_rs::parser::Parser {
    feed_rs::parser::Builder::new()
        .base_uri(base.map(Url::as_str))
        // feed-rs invents ids (hashes, UUIDs) for entries without one; an empty id tells us
        // the feed gave none, so `guid` can honestly be `None` and dedup can use other keys.
        .id_generator(|_, _, _| String::new())
        .timestamp_parser(parse_date)
        // Sanitising is ours (ammonia with our policy), not the parser's.
        .sanitize_content(false)
        .build()
}

/// A sentence from the parser's error.
fn parse_error_reason(e: &feed_rs::parser::ParseFeedError) -> String {
    use feed_rs::parser::{ParseErrorKind, ParseFeedError};
    match e {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            "no RSS, Atom or JSON Feed root element".to_string()
        }
        other => other.to_string(),
    }
}

/// The first [`HEAD_BYTES`] of `text` (or a little less, to end between characters), where
/// declarations and the root element are looked for. Searching it with `str::contains` uses
/// the standard library's fast substring search.
fn head(text: &str) -> &str {
    let mut end = text.len().min(HEAD_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A document's bytes as UTF-8 text, read as step 1 reads a feed: byte-order mark, `charset`
/// of `content_type`, a credible declaration, valid UTF-8, then `chardetng` (with the URL's
/// top-level domain as a hint). Borrowed when the bytes already are UTF-8. The full-text
/// stage reads article pages with it.
pub fn document_text<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    url: Option<&Url>,
) -> std::borrow::Cow<'a, str> {
    charset::to_utf8(body, content_type, url)
}

/// An HTML fragment sanitised with the policy of feed bodies, relative URLs resolved against
/// `base` (dropped without one). The full-text stage cleans article pages with it.
pub fn sanitize_html(html: &str, base: Option<&Url>) -> String {
    sanitize::sanitize(html, base.cloned())
}
