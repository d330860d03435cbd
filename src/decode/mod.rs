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
//!    escaped, characters XML forbids removed) and parsed again. Only if that fails too is it
//!    `InvalidFeed`, with the parser's reason.
//! 5. **Entries**, in document order: plain-text title, absolute link (rel=alternate first),
//!    the feed's own id, the fullest body sanitised with `ammonia`, its plain text and snippet,
//!    author and dates.
//!
//! The steps live in their own modules: [`charset`], [`legacy`], [`repair`] (with
//! [`entities`], the one reader of character references), [`entries`], [`text`],
//! [`sanitize`] and [`date`].
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
mod repair;
mod sanitize;
mod text;

pub use date::parse_date;
pub use text::{plain_title, stored_text};

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
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
}

/// One entry of a feed, cleaned up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodedEntry {
    /// The feed's id for the entry (RSS guid, Atom id, JSON Feed id), if it gave one.
    pub guid: Option<String>,
    /// Absolute link to the story, resolved against `xml:base` and the feed URL.
    pub url: Option<String>,
    /// Plain-text title, entities decoded, whitespace collapsed. When the feed gives no title,
    /// the start of the text stands in, so lists never show an empty line.
    pub title: String,
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

    let parser = feed_parser(base.as_ref());
    let mut feed = match parser.parse(text.as_bytes()) {
        Ok(feed) => feed,
        Err(_) if crate::discover::looks_like_html(text.as_bytes(), content_type) => {
            return Err(Error::NotAFeed {
                url: feed_url.to_string(),
                html: true,
            });
        }
        Err(_) => {
            let repaired = repair::repair(&text);
            parser
                .parse(repaired.as_bytes())
                .map_err(|e| Error::InvalidFeed {
                    reason: parse_error_reason(&e),
                })?
        }
    };
    feed.entries.truncate(max_entries);
    Ok(entries::convert(feed, base.as_ref()))
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

/// Position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
