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
//! This runs on every poll of every feed, so the common path avoids copies: a UTF-8 body is
//! borrowed, the repair pass only runs after a failure, plain strings skip the HTML parser,
//! bodies of plain paragraphs, emphasis and links skip the sanitiser's (its output for them is
//! written directly), and the sanitiser is configured once per process.

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use feed_rs::model::{Entry, Feed, FeedType, Link};
use scraper::{ElementRef, Html, Node};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::OnceLock;
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
    let text = to_utf8(body, content_type, base.as_ref());
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Err(Error::InvalidFeed {
            reason: "empty document".into(),
        });
    }
    let text = normalise_declaration(text);
    let text = upgrade_legacy_atom(text);

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
            let repaired = repair(&text);
            parser
                .parse(repaired.as_bytes())
                .map_err(|e| Error::InvalidFeed {
                    reason: parse_error_reason(&e),
                })?
        }
    };
    feed.entries.truncate(max_entries);
    Ok(convert(feed, base.as_ref()))
}

// ---------------------------------------------------------------------------------------------
// 1. Character set
// ---------------------------------------------------------------------------------------------

/// Converts the body to UTF-8, borrowing it when it already is.
fn to_utf8<'a>(body: &'a [u8], content_type: Option<&str>, url: Option<&Url>) -> Cow<'a, str> {
    let (encoding, bom_len) = match Encoding::for_bom(body) {
        Some((encoding, len)) => (encoding, len),
        None => (sniff_encoding(body, content_type, url), 0),
    };
    // The BOM (if any) is already accounted for; decoding without BOM handling keeps a
    // borrowed `Cow` for valid UTF-8, which is the common case.
    encoding.decode_without_bom_handling(&body[bom_len..]).0
}

/// Picks the encoding of a body without a byte-order mark.
fn sniff_encoding(body: &[u8], content_type: Option<&str>, url: Option<&Url>) -> &'static Encoding {
    let mut utf8_valid: Option<bool> = None;
    let mut is_utf8 =
        |body: &[u8]| *utf8_valid.get_or_insert_with(|| std::str::from_utf8(body).is_ok());

    let header = content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label_no_replacement(label.as_bytes()));
    // UTF-16 without a BOM still shows its first ASCII characters with NUL bytes beside them.
    let utf16 = match body {
        [b'<', 0, b'?', 0, ..] | [b'<', 0, _, 0, ..] => Some(UTF_16LE),
        [0, b'<', 0, b'?', ..] | [0, b'<', 0, _, ..] => Some(UTF_16BE),
        _ => None,
    };
    let declared = xml_declared_label(body).and_then(Encoding::for_label_no_replacement);

    for candidate in [header, utf16, declared].into_iter().flatten() {
        if candidate == UTF_16LE || candidate == UTF_16BE {
            // A UTF-16 label on bytes that are plainly 8-bit (the declaration itself was
            // readable as ASCII) is a lie; only believe it when the bytes look like UTF-16.
            if utf16 == Some(candidate) {
                return candidate;
            }
            continue;
        }
        if candidate == UTF_8 && !is_utf8(body) {
            // Servers and templates claim UTF-8 by default; the bytes decide.
            continue;
        }
        return candidate;
    }
    if is_utf8(body) {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(body, true);
    let tld = url
        .and_then(|u| u.host_str())
        .and_then(|host| host.rsplit('.').next())
        .filter(|tld| !tld.is_empty() && tld.bytes().all(|b| b.is_ascii_lowercase()));
    detector.guess(tld.map(str::as_bytes), false)
}

/// The `charset` parameter of a `Content-Type` value, unquoted.
fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
            .filter(|v| !v.is_empty())
    })
}

/// The byte range of the XML declaration's `encoding` value (without quotes), if there is one
/// near the start of the document.
fn declaration_encoding_range(bytes: &[u8]) -> Option<(usize, usize)> {
    let head = &bytes[..bytes.len().min(HEAD_BYTES)];
    let start = find(head, b"<?xml")?;
    let end = start + find(&head[start..], b"?>")?;
    let decl = &head[start..end];
    let mut at = find(decl, b"encoding")? + b"encoding".len();
    while decl.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    if decl.get(at) != Some(&b'=') {
        return None;
    }
    at += 1;
    while decl.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    let quote = *decl.get(at).filter(|q| **q == b'"' || **q == b'\'')?;
    let value_start = at + 1;
    let value_len = decl[value_start..].iter().position(|b| *b == quote)?;
    Some((start + value_start, start + value_start + value_len))
}

/// The XML declaration's `encoding` label, read as ASCII.
fn xml_declared_label(body: &[u8]) -> Option<&[u8]> {
    declaration_encoding_range(body).map(|(from, to)| body[from..to].trim_ascii())
}

/// Makes the XML declaration (if any) say UTF-8, since the text now is; otherwise the parser
/// would decode the UTF-8 bytes a second time as the original encoding.
fn normalise_declaration(text: Cow<'_, str>) -> Cow<'_, str> {
    match declaration_encoding_range(text.as_bytes()) {
        Some((from, to)) if !text[from..to].trim().eq_ignore_ascii_case("utf-8") => {
            let mut fixed = String::with_capacity(text.len());
            fixed.push_str(&text[..from]);
            fixed.push_str("UTF-8");
            fixed.push_str(&text[to..]);
            Cow::Owned(fixed)
        }
        _ => text,
    }
}

/// Position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// 2. Legacy Atom
// ---------------------------------------------------------------------------------------------

/// The Atom 0.3 namespace.
const ATOM_03_NS: &str = "http://purl.org/atom/ns#";

/// Rewrites an Atom 0.3 document into Atom 1.0 names. `feed-rs` only recognises the Atom 1.0
/// namespace, so without this an Atom 0.3 feed parses "successfully" with no entries.
fn upgrade_legacy_atom(text: Cow<'_, str>) -> Cow<'_, str> {
    let head = &text.as_bytes()[..text.len().min(HEAD_BYTES)];
    if find(head, ATOM_03_NS.as_bytes()).is_none() {
        return text;
    }
    const RENAMES: &[(&str, &str)] = &[
        (ATOM_03_NS, "http://www.w3.org/2005/Atom"),
        ("<issued>", "<published>"),
        ("</issued>", "</published>"),
        ("<modified>", "<updated>"),
        ("</modified>", "</updated>"),
        ("<tagline", "<subtitle"),
        ("</tagline>", "</subtitle>"),
        // Atom 0.3 text constructs carry MIME types; Atom 1.0 (and feed-rs) want keywords.
        ("type=\"text/plain\"", "type=\"text\""),
        ("type=\"application/xhtml+xml\"", "type=\"xhtml\""),
    ];
    let mut out = text.into_owned();
    for (from, to) in RENAMES {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    Cow::Owned(out)
}

// ---------------------------------------------------------------------------------------------
// 3. Parse
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 4. Recovery
// ---------------------------------------------------------------------------------------------

/// Repairs the usual ways feeds are not well-formed XML: junk before the root (BOMs, blank
/// lines, PHP warnings), HTML entities XML does not define, `&` that starts no entity, and
/// control characters XML forbids. CDATA sections and comments are copied as they are, apart
/// from forbidden characters.
fn repair(text: &str) -> String {
    let src = &text[root_start(text)..];
    let bytes = src.as_bytes();
    let mut out = String::with_capacity(src.len() + src.len() / 32);
    let mut copied = 0; // bytes of `src` already handled
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'&' => {
                out.push_str(&src[copied..i]);
                i += repair_reference(&src[i..], &mut out);
                copied = i;
            }
            b'<' if bytes[i..].starts_with(b"<![CDATA[") || bytes[i..].starts_with(b"<!--") => {
                let close: &[u8] = if bytes[i + 2] == b'[' { b"]]>" } else { b"-->" };
                let end = find(&bytes[i..], close).map_or(bytes.len(), |p| i + p + close.len());
                out.push_str(&src[copied..i]);
                push_without_forbidden(&src[i..end], &mut out);
                i = end;
                copied = i;
            }
            b if is_forbidden_byte(b) => {
                out.push_str(&src[copied..i]);
                i += 1;
                copied = i;
            }
            // U+FFFE and U+FFFF (EF BF BE / EF BF BF) are not XML characters either.
            0xEF if bytes.get(i + 1) == Some(&0xBF)
                && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) =>
            {
                out.push_str(&src[copied..i]);
                i += 3;
                copied = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&src[copied..]);
    out
}

/// Where the document proper starts: the XML declaration, else the first feed root element,
/// else the first `<` or `{`.
fn root_start(text: &str) -> usize {
    let bytes = text.as_bytes();
    let head = &bytes[..bytes.len().min(HEAD_BYTES)];
    if let Some(p) = find(head, b"<?xml") {
        return p;
    }
    [&b"<rss"[..], b"<feed", b"<rdf:RDF", b"<RDF"]
        .iter()
        .filter_map(|root| find(head, root))
        .min()
        .or_else(|| bytes.iter().position(|b| *b == b'<' || *b == b'{'))
        .unwrap_or(0)
}

/// Control characters XML 1.0 does not allow (all but tab, line feed and carriage return).
fn is_forbidden_byte(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')
}

/// Whether XML 1.0 allows `c` in a document (control characters other than tab, line feed
/// and carriage return, and the non-characters U+FFFE and U+FFFF, are not allowed).
fn is_xml_char(c: char) -> bool {
    !(matches!(c, '\u{FFFE}' | '\u{FFFF}') || c.is_ascii() && is_forbidden_byte(c as u8))
}

/// Copies `s` without the characters XML forbids.
fn push_without_forbidden(s: &str, out: &mut String) {
    out.extend(s.chars().filter(|c| is_xml_char(*c)));
}

/// Repairs the reference starting at `s` (which begins with `&`), appending the result to
/// `out`; returns how many bytes of `s` it consumed.
fn repair_reference(s: &str, out: &mut String) -> usize {
    let Some((reference, len)) = parse_reference(s) else {
        // `&` that starts no reference: escape it ("AT&T", "?a=1&b=2").
        out.push_str("&amp;");
        return 1;
    };
    match reference {
        Reference::Named("amp" | "lt" | "gt" | "quot" | "apos") => {
            out.push_str(&s[..len]);
        }
        Reference::Named(name) => match html_entity(name) {
            Some(c) => push_xml_char(c, out),
            // Unknown names are kept visibly rather than guessed at.
            None => {
                out.push_str("&amp;");
                out.push_str(&s[1..len]);
            }
        },
        // A reference to a character XML forbids is dropped.
        Reference::Numeric(code) => {
            if let Some(c) = numeric_char(code) {
                push_xml_char(c, out);
            }
        }
    }
    len
}

/// Appends `c`, escaping the characters that are markup in XML.
fn push_xml_char(c: char, out: &mut String) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        c if is_xml_char(c) => out.push(c),
        _ => {}
    }
}

/// A character or entity reference.
enum Reference<'a> {
    /// `&name;`
    Named(&'a str),
    /// `&#123;` or `&#x7B;`
    Numeric(u32),
}

/// Parses the reference at the start of `s` (which begins with `&`), with its length in bytes.
/// Only terminated references count: `&nbsp` without `;` is treated as text.
fn parse_reference(s: &str) -> Option<(Reference<'_>, usize)> {
    let bytes = s.as_bytes();
    if bytes.get(1) == Some(&b'#') {
        let (digits_at, radix) = match bytes.get(2) {
            Some(b'x' | b'X') => (3, 16),
            _ => (2, 10),
        };
        let digits = bytes[digits_at..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit() && (radix == 16 || b.is_ascii_digit()))
            .count();
        let end = digits_at + digits;
        if digits == 0 || digits > 8 || bytes.get(end) != Some(&b';') {
            return None;
        }
        let code = u32::from_str_radix(&s[digits_at..end], radix).ok()?;
        return Some((Reference::Numeric(code), end + 1));
    }
    let name_len = bytes[1..]
        .iter()
        .enumerate()
        .take_while(|(k, b)| b.is_ascii_alphabetic() || (*k > 0 && b.is_ascii_digit()))
        .count();
    let end = 1 + name_len;
    if name_len == 0 || name_len > 32 || bytes.get(end) != Some(&b';') {
        return None;
    }
    Some((Reference::Named(&s[1..end]), end + 1))
}

/// The character a numeric reference means. References to 128–159 are windows-1252 bytes in
/// practice (`&#146;` for a curly apostrophe), so they are read as such.
fn numeric_char(code: u32) -> Option<char> {
    if (0x80..=0x9F).contains(&code) {
        let byte = [code as u8];
        return WINDOWS_1252
            .decode_without_bom_handling(&byte)
            .0
            .chars()
            .next()
            .filter(|c| !c.is_control());
    }
    char::from_u32(code).filter(|c| is_xml_char(*c))
}

/// Replaces character and entity references in plain text (`&amp;` → `&`, `&rsquo;` → `’`).
/// Unknown or unterminated references are left as they are.
fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = parse_reference(rest).and_then(|(reference, len)| {
            let c = match reference {
                Reference::Named(name) => html_entity(name),
                Reference::Numeric(code) => numeric_char(code),
            };
            c.map(|c| (c, len))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

// ---------------------------------------------------------------------------------------------
// 5. Entries
// ---------------------------------------------------------------------------------------------

/// Turns the parser's model into Wirewatch's.
fn convert(feed: Feed, base: Option<&Url>) -> DecodedFeed {
    let site_url = feed
        .links
        .iter()
        .find(|l| is_alternate(l))
        .and_then(|l| absolute_http_url(&l.href, base))
        .map(String::from);
    let feed_author = match feed.feed_type {
        FeedType::Atom => feed.authors.first().and_then(person_name),
        _ => None,
    };
    let entries = feed
        .entries
        .iter()
        .map(|entry| convert_entry(entry, &feed.feed_type, base, feed_author.as_deref()))
        .collect();
    DecodedFeed {
        title: feed
            .title
            .as_ref()
            .map(|t| plain_title(&t.content))
            .filter(|t| !t.is_empty()),
        site_url,
        ttl: feed
            .ttl
            .map(|minutes| Duration::from_secs(u64::from(minutes) * 60)),
        entries,
    }
}

/// Cleans one entry.
fn convert_entry(
    entry: &Entry,
    feed_type: &FeedType,
    base: Option<&Url>,
    feed_author: Option<&str>,
) -> DecodedEntry {
    let guid = Some(entry.id.trim())
        .filter(|id| !id.is_empty())
        .map(String::from);
    let link = entry_url(entry, guid.as_deref(), feed_type, base);

    // Only Atom and JSON Feed say reliably that a text is plain; RSS "text" is HTML in practice.
    let typed_plain = matches!(feed_type, FeedType::Atom | FeedType::JSON);
    let summary = entry
        .summary
        .as_ref()
        .map(|t| {
            (
                t.content.as_str(),
                typed_plain && t.content_type.as_str() == "text/plain",
            )
        })
        .filter(|(s, _)| !s.trim().is_empty());
    let content = entry
        .content
        .as_ref()
        .and_then(|c| {
            let body = c.body.as_deref()?;
            Some((body, typed_plain && c.content_type.as_str() == "text/plain"))
        })
        .filter(|(s, _)| !s.trim().is_empty());
    // The fullest body: the content, unless the summary is the longer of the two.
    let (body, other, body_is_content) = match (content, summary) {
        (Some(c), Some(s)) if s.0.len() > c.0.len() => (Some(s), Some(c), false),
        (Some(c), s) => (Some(c), s, true),
        (None, s) => (s, None, false),
    };

    // Relative URLs in the body resolve against the story's own address (or the content's
    // xml:base, itself relative to the story), falling back to the feed's.
    let url = link.as_ref().map(|u| u.as_str().to_owned());
    let page = link.or_else(|| base.cloned());
    let body_base = match (entry.base.as_deref(), page) {
        (Some(xml_base), Some(page)) => page.join(xml_base).ok().or(Some(page)),
        (_, page) => page,
    };

    let body_is_html = matches!(body, Some((_, false)));
    let (content_html, body_text) = match body {
        Some((html, false)) => {
            let trimmed = |clean: String| match clean.trim() {
                t if t.len() == clean.len() => clean,
                t => t.to_owned(),
            };
            match simple_clean(html) {
                Some((clean, text)) => (trimmed(clean), text),
                None => {
                    let clean = trimmed(sanitize(html, body_base));
                    let text = sanitized_text(&clean);
                    (clean, text)
                }
            }
        }
        Some((plain, true)) => (plain_to_html(plain), plain_text(plain)),
        None => (String::new(), String::new()),
    };
    let other_text = match other {
        Some((html, false)) => html_text(html),
        Some((plain, true)) => plain_text(plain),
        None => String::new(),
    };
    // Summary first, then content, each once.
    let (text, text_of_html) = if body_is_content {
        let (text, kept) = join_texts(other_text, body_text);
        (text, body_is_html && kept == Kept::Second)
    } else {
        let (text, kept) = join_texts(body_text, other_text);
        (text, body_is_html && kept == Kept::First)
    };

    let snippet = truncate_words(&text, SNIPPET_CHARS);
    let mut title = entry
        .title
        .as_ref()
        .map(|t| plain_title(&t.content))
        .unwrap_or_default();
    if title.is_empty() {
        title = truncate_words(&text, FALLBACK_TITLE_CHARS);
    }

    // feed-rs copies an RSS item's pubDate into `updated`; RSS has no update time of its own.
    let updated = match feed_type {
        FeedType::RSS0 | FeedType::RSS2 => None,
        _ => entry.updated,
    };
    let author = entry
        .authors
        .first()
        .and_then(person_name)
        .or_else(|| feed_author.map(String::from));

    DecodedEntry {
        guid,
        url,
        title,
        author,
        content_html,
        text,
        snippet,
        text_of_html,
        published: entry.published.or(updated),
        updated,
    }
}

/// Whether a link is the "alternate" (the page itself): Atom's default, and RSS/JSON links,
/// which carry no rel.
fn is_alternate(link: &Link) -> bool {
    link.rel.as_deref().is_none_or(|rel| {
        rel.split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("alternate"))
    })
}

/// The story's address: the first alternate link, else the first link that is not about the
/// feed machinery, else an RSS guid that is itself a web address (RSS's `isPermaLink`).
fn entry_url(
    entry: &Entry,
    guid: Option<&str>,
    feed_type: &FeedType,
    base: Option<&Url>,
) -> Option<Url> {
    let candidate = entry
        .links
        .iter()
        .find(|l| is_alternate(l))
        .or_else(|| {
            entry.links.iter().find(|l| {
                !l.rel.as_deref().is_some_and(|rel| {
                    ["self", "edit", "enclosure", "replies", "license", "hub"]
                        .iter()
                        .any(|r| rel.eq_ignore_ascii_case(r))
                })
            })
        })
        .and_then(|l| absolute_http_url(&l.href, base));
    candidate.or_else(|| {
        let guid = guid?;
        let rss = matches!(feed_type, FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2);
        (rss && (guid.starts_with("http://") || guid.starts_with("https://")))
            .then(|| absolute_http_url(guid, None))
            .flatten()
    })
}

/// `href` as an absolute http(s) URL, resolved against `base` when relative.
fn absolute_http_url(href: &str, base: Option<&Url>) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = match Url::parse(href) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(href).ok()?,
        Err(_) => return None,
    };
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// A person's display name. RSS `<author>` holds an e-mail address, often with the name in
/// parentheses ("desk@example.com (Lahore Desk)"); feed-rs files it under the name "author".
fn person_name(person: &feed_rs::model::Person) -> Option<String> {
    let placeholder = matches!(
        person.name.as_str(),
        "author" | "unknown" | "managingEditor" | "webMaster"
    );
    let raw = match (&person.email, placeholder) {
        (Some(email), true) => match (email.find('('), email.rfind(')')) {
            (Some(open), Some(close)) if open < close => &email[open + 1..close],
            _ => email.as_str(),
        },
        (None, true) => return None,
        (_, false) => person.name.as_str(),
    };
    Some(plain_title(raw)).filter(|n| !n.is_empty())
}

/// Joins the summary's and the content's text, leaving one out when the other repeats it
/// (feeds often send the first paragraph as the summary, sometimes with a trailing "…").
fn join_texts(first: String, second: String) -> (String, Kept) {
    if first.is_empty() {
        return (second, Kept::Second);
    }
    if second.is_empty() {
        return (first, Kept::First);
    }
    let key = |s: &str| -> String {
        let s = s
            .trim_end()
            .trim_end_matches(['…', '.', ']', '[', ' '])
            .trim_end_matches("Read more")
            .trim_end();
        single_spaced(s)
    };
    // Usually the summary is the start of the content: one comparison decides, mostly
    // without respacing the content (a text that starts with the single-spaced key also
    // contains it once respaced).
    let first_key = key(&first);
    if second.starts_with(&first_key) || single_spaced(&second).contains(&first_key) {
        return (second, Kept::Second);
    }
    if single_spaced(&first).contains(&key(&second)) {
        return (first, Kept::First);
    }
    let mut joined = first;
    joined.push('\n');
    joined.push_str(&second);
    (joined, Kept::Both)
}

/// Which texts [`join_texts`] kept.
#[derive(Debug, PartialEq, Eq)]
enum Kept {
    First,
    Second,
    Both,
}

/// The words of `s` (split at whitespace) joined by single spaces.
fn single_spaced(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    if s.is_ascii() {
        for word in s.split_ascii_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        // `split_ascii_whitespace` leaves U+000B (a Unicode space) inside words.
        if !out.contains('\u{b}') {
            return out;
        }
        out.clear();
    }
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Cuts `text` to at most `max` characters at a word boundary, adding an ellipsis when cut.
/// Whitespace (line breaks included) is collapsed to single spaces.
fn truncate_words(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4) + 3);
    let mut chars = 0;
    let mut cut = false;
    for word in text.split_whitespace() {
        let gap = usize::from(!out.is_empty());
        let len = word.chars().count();
        if chars + gap + len > max {
            cut = true;
            if chars < max / 2 {
                // A very long word, or text without spaces (Chinese, Japanese): cutting at a
                // word boundary would leave too little, so cut inside it.
                if gap == 1 {
                    out.push(' ');
                    chars += 1;
                }
                out.extend(word.chars().take(max - chars));
            }
            break;
        }
        if gap == 1 {
            out.push(' ');
        }
        out.push_str(word);
        chars += gap + len;
    }
    if cut {
        let kept = out
            .trim_end_matches([',', ';', ':', '-', '–', '—', ' '])
            .len();
        out.truncate(kept);
        out.push('…');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Plain text
// ---------------------------------------------------------------------------------------------

/// A title (or name) as plain text: tags stripped, references decoded, whitespace collapsed.
/// Feeds double-encode ("&amp;amp;", "&lt;b&gt;" inside CDATA), so stripping and decoding
/// repeat while they still change something, twice at most.
pub fn plain_title(raw: &str) -> String {
    let mut text = Cow::Borrowed(raw);
    for _ in 0..3 {
        if !text.contains(['<', '&']) {
            break;
        }
        let stripped = strip_tags(&text);
        let decoded = decode_entities(&stripped).into_owned();
        if decoded == *text {
            break;
        }
        text = Cow::Owned(decoded);
    }
    collapse_whitespace(&text)
}

/// Removes things that look like tags (`<b>`, `</a>`, `<!-- -->`, `<?php ?>`); a `<` not
/// followed by a letter, `/`, `!` or `?` is text ("a < b", "<3"). CDATA markers are dropped
/// and their contents kept.
fn strip_tags(s: &str) -> Cow<'_, str> {
    if !s.contains('<') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(inner) = rest.strip_prefix("<![CDATA[") {
            let end = inner.find("]]>").unwrap_or(inner.len());
            out.push_str(&inner[..end]);
            rest = inner.get(end + 3..).unwrap_or("");
            continue;
        }
        let tag_like = rest[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        match rest.find('>') {
            Some(close) if tag_like => {
                // Line-breaking tags separate words ("Talks<br>resume"); inline ones do not
                // ("<b>Breaking</b>:").
                let name = rest[1..close]
                    .trim_start_matches('/')
                    .split(|c: char| c.is_ascii_whitespace() || c == '/')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if name == "br" || BLOCK_ELEMENTS.contains(&name.as_str()) {
                    out.push(' ');
                }
                rest = &rest[close + 1..];
            }
            _ => {
                out.push('<');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Collapses runs of whitespace to one space and trims; drops control characters and
/// byte-order marks.
fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else if !c.is_control() && c != '\u{feff}' {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// A plain-text body: whitespace collapsed within lines, blank lines dropped.
fn plain_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.lines() {
        let line = collapse_whitespace(line);
        if !line.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&line);
        }
    }
    out
}

/// A plain-text body as HTML: escaped, one paragraph per blank-line-separated block.
fn plain_to_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for para in s.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        out.push_str("<p>");
        for (k, line) in para.lines().enumerate() {
            if k > 0 {
                out.push_str("<br>");
            }
            for c in line.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    c if c.is_control() && c != '\t' => {}
                    c => out.push(c),
                }
            }
        }
        out.push_str("</p>");
    }
    out
}

/// Elements whose text is not part of the story.
const SKIPPED_ELEMENTS: &[&str] = &[
    "script", "style", "template", "noscript", "iframe", "object", "embed", "head", "title",
    "select", "button", "textarea",
];

/// Elements that start a new line of text.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// The plain text of an entry's stored `content_html`: what [`DecodedEntry::text`] is when
/// [`DecodedEntry::text_of_html`] is set. The store keeps such text empty and reads it back
/// through this function.
pub fn stored_text(content_html: &str) -> String {
    sanitized_text(content_html)
}

/// [`html_text`] of HTML that [`sanitize`] wrote, without parsing it a second time.
///
/// The sanitizer's serializer writes a small, regular language: tags with double-quoted
/// attributes, text with only `&amp;`, `&nbsp;`, `&lt;` and `&gt;` escaped, no comments,
/// and no element whose content is skipped. Read as that, the text comes out as the parser
/// would give it; anything outside that language is handed to [`html_text`].
fn sanitized_text(clean: &str) -> String {
    if !clean.contains(['<', '&']) {
        return plain_text(clean);
    }
    serialized_text(clean).unwrap_or_else(|| html_text(clean))
}

fn serialized_text(html: &str) -> Option<String> {
    let mut sink = TextSink::default();
    let mut rest = html;
    while !rest.is_empty() {
        let at = rest.find(['<', '&']).unwrap_or(rest.len());
        sink.text(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix('&') {
            let (text, len) = [
                ("amp;", "&"),
                ("nbsp;", "\u{a0}"),
                ("lt;", "<"),
                ("gt;", ">"),
            ]
            .into_iter()
            .find(|(name, _)| after.starts_with(name))
            .map(|(name, text)| (text, name.len()))?;
            sink.text(text);
            rest = &after[len..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let (closing, after) = match after.strip_prefix('/') {
                Some(a) => (true, a),
                None => (false, after),
            };
            let name_len = after
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(after.len());
            let name = &after[..name_len];
            if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
                return None;
            }
            let mut tail = &after[name_len..];
            // Attributes: ` name="value"`, the value free of `"` (written as `&quot;`).
            loop {
                tail = tail.trim_start_matches(' ');
                if let Some(t) = tail.strip_prefix('>') {
                    tail = t;
                    break;
                }
                if closing {
                    return None;
                }
                let eq = tail.find('=')?;
                if eq == 0 || tail[..eq].contains([' ', '>', '"', '<']) {
                    return None;
                }
                let value = tail[eq + 1..].strip_prefix('"')?;
                let end = value.find('"')?;
                tail = &value[end + 1..];
            }
            if SKIPPED_ELEMENTS.contains(&name) {
                return None;
            }
            if name == "br" || BLOCK_ELEMENTS.contains(&name) {
                sink.line_break();
            }
            rest = tail;
        }
    }
    Some(sink.out)
}

/// The plain text of an HTML fragment: block elements and `<br>` start new lines, other
/// whitespace collapses to single spaces, scripts and styles say nothing.
fn html_text(html: &str) -> String {
    if !html.contains(['<', '&']) {
        return plain_text(html);
    }
    let fragment = Html::parse_fragment(html);
    let mut sink = TextSink::default();
    // An explicit stack rather than recursion: feed bodies can nest deeply enough to matter.
    enum Step<'a> {
        Enter(ElementRef<'a>),
        Text(&'a str),
        Leave(bool),
    }
    let mut stack = vec![Step::Enter(fragment.root_element())];
    while let Some(step) = stack.pop() {
        match step {
            Step::Text(text) => sink.text(text),
            Step::Leave(block) => {
                if block {
                    sink.line_break();
                }
            }
            Step::Enter(element) => {
                let name = element.value().name();
                if SKIPPED_ELEMENTS.contains(&name) {
                    continue;
                }
                if name == "br" {
                    sink.line_break();
                    continue;
                }
                let block = BLOCK_ELEMENTS.contains(&name);
                if block {
                    sink.line_break();
                }
                stack.push(Step::Leave(block));
                for child in element.children().rev() {
                    match child.value() {
                        Node::Text(text) => stack.push(Step::Text(text)),
                        Node::Element(_) => stack.extend(ElementRef::wrap(child).map(Step::Enter)),
                        _ => {}
                    }
                }
            }
        }
    }
    sink.out
}

/// Accumulates text with collapsed whitespace and line breaks between blocks.
#[derive(Default)]
struct TextSink {
    out: String,
    pending_space: bool,
    pending_break: bool,
}

impl TextSink {
    fn text(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_graphic() {
                // Most text is runs of printable ASCII words with single spaces between them,
                // which come out as they are: copied a run at a time.
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_graphic()
                        || (bytes[i] == b' ' && bytes.get(i + 1).is_some_and(u8::is_ascii_graphic)))
                {
                    i += 1;
                }
                self.before_visible();
                self.out.push_str(&text[start..i]);
            } else if b.is_ascii() {
                // ASCII whitespace (as `char::is_whitespace` counts it), else a control.
                if matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
                    self.pending_space = true;
                }
                i += 1;
            } else {
                let c = text[i..].chars().next().expect("a char starts here");
                i += c.len_utf8();
                if c.is_whitespace() {
                    self.pending_space = true;
                } else if !c.is_control() && c != '\u{feff}' {
                    self.before_visible();
                    self.out.push(c);
                }
            }
        }
    }

    /// The separator owed before the next visible character.
    fn before_visible(&mut self) {
        if !self.out.is_empty() {
            if self.pending_break {
                self.out.push('\n');
            } else if self.pending_space {
                self.out.push(' ');
            }
        }
        self.pending_space = false;
        self.pending_break = false;
    }

    fn line_break(&mut self) {
        self.pending_break = true;
    }
}

// ---------------------------------------------------------------------------------------------
// Sanitising
// ---------------------------------------------------------------------------------------------

thread_local! {
    /// The base for relative URLs of the body being sanitised. The sanitiser is built once per
    /// process, so the per-entry base travels beside it; `sanitize` sets and clears it around
    /// each (synchronous) call on this thread.
    static BODY_BASE: RefCell<Option<Url>> = const { RefCell::new(None) };
}

/// The HTML policy for bodies: ammonia's defaults (no script, style, iframe, object, embed or
/// form; no event handlers or `style` attributes), URL schemes limited to http, https and
/// mailto, relative URLs resolved, `rel="noopener noreferrer"` on links.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static SANITIZER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    SANITIZER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .url_relative(ammonia::UrlRelative::Custom(Box::new(resolve_relative)))
            .link_rel(Some("noopener noreferrer"))
            // Urdu and other right-to-left text needs its direction.
            .add_generic_attributes(["dir"])
            // Dropped along with what they contain, not just unwrapped.
            .add_clean_content_tags([
                "iframe", "noembed", "noframes", "noscript", "template", "textarea", "select",
                "button",
            ])
            // Raw-text elements hold markup as text, which unwrapped would come out as
            // literal tags in the plain text and snippet.
            .add_clean_content_tags(["title", "xmp", "plaintext"]);
        builder
    })
}

/// Resolves a relative URL in a body against the current body's base; without one the URL
/// is dropped rather than left pointing nowhere.
fn resolve_relative(url: &str) -> Option<Cow<'_, str>> {
    BODY_BASE.with(|base| {
        let base = base.borrow();
        let joined = base.as_ref()?.join(url).ok()?;
        matches!(joined.scheme(), "http" | "https").then(|| Cow::Owned(joined.into()))
    })
}

/// Sanitises a body, resolving relative URLs against `base`.
fn sanitize(html: &str, base: Option<Url>) -> String {
    BODY_BASE.with(|cell| *cell.borrow_mut() = base);
    let clean = sanitizer().clean(html).to_string();
    BODY_BASE.with(|cell| cell.borrow_mut().take());
    clean
}

/// What [`sanitize`] makes of a body written in a small, common part of HTML, found without
/// building a tree: paragraphs, line breaks, bold and italic, links to absolute web addresses,
/// and text with the usual character references. With it, the plain text that
/// [`sanitized_text`] reads from that output (trimmed), made in the same pass. `None` for
/// anything else, which goes to the sanitiser.
///
/// Parsing and re-serialising took most of the sanitiser's time, a twentieth of a cold poll's
/// CPU, for bodies like these, where it changes nothing but how characters are escaped and
/// the `rel` of links. The language is kept narrow enough that the tree builder would build
/// exactly the elements written: every element closed in the order opened, no paragraph or
/// link inside another, no attribute but a link's `href`. A test holds the output to the
/// sanitiser's on every combination of the pieces it accepts and of many it refuses.
fn simple_clean(html: &str) -> Option<(String, String)> {
    /// The elements taken, as written and as the serialiser writes them back.
    const ELEMENTS: &[&str] = &["p", "b", "i", "em", "strong", "a"];
    // The parser drops a leading byte-order mark.
    if html.starts_with('\u{feff}') {
        return None;
    }
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut text = TextSink::default();
    // Whether `out` has markup or references: without, its text is read as plain text.
    let mut marked = false;
    // Open elements, innermost last; the language nests them at most a few deep.
    let mut open: Vec<&str> = Vec::new();
    let bytes = html.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // Bytes that stand for themselves: most of a body.
        if b >= 0x20 && !matches!(b, b'<' | b'>' | b'&' | 0x7f | 0xc2) || matches!(b, b'\t' | b'\n')
        {
            i += 1;
            continue;
        }
        out.push_str(&html[copied..i]);
        text.text(&html[copied..i]);
        match b {
            b'<' => {
                marked = true;
                let rest = &html[i + 1..];
                let end = rest.find('>')?;
                let tag = &rest[..end];
                i += end + 2;
                if tag == "br" || tag == "br/" || tag == "br /" {
                    out.push_str("<br>");
                    text.line_break();
                } else if let Some(name) = tag.strip_prefix('/') {
                    // Only the innermost open element may close.
                    if open.last() != Some(&name) {
                        return None;
                    }
                    open.pop();
                    if name == "p" {
                        text.line_break();
                    }
                    out.push_str("</");
                    out.push_str(name);
                    out.push('>');
                } else {
                    let (name, href) = match tag.split_once(' ') {
                        Some(("a", attribute)) => ("a", Some(link_target(attribute)?)),
                        Some(_) => return None,
                        None => (tag, None),
                    };
                    let name = *ELEMENTS.iter().find(|e| **e == name)?;
                    // A paragraph only at the top (the tree builder closes one opened inside
                    // another), and no element inside one of its own kind (a link in a link
                    // is moved out).
                    if (name == "p" && !open.is_empty()) || open.contains(&name) || open.len() > 4 {
                        return None;
                    }
                    open.push(name);
                    if name == "p" {
                        text.line_break();
                    }
                    match href {
                        Some(href) => {
                            out.push_str("<a href=\"");
                            out.push_str(href);
                            out.push_str("\" rel=\"noopener noreferrer\">");
                        }
                        None => {
                            out.push('<');
                            out.push_str(name);
                            out.push('>');
                        }
                    }
                }
            }
            b'&' => {
                let (c, len) = character_reference(&html[i + 1..])?;
                marked |= escape_text_char(c, &mut out);
                text.text(c.encode_utf8(&mut [0; 4]));
                i += 1 + len;
            }
            b'>' => {
                out.push_str("&gt;");
                text.text(">");
                marked = true;
                i += 1;
            }
            0xc2 => match bytes.get(i + 1) {
                Some(0xa0) => {
                    out.push_str("&nbsp;");
                    text.text("\u{a0}");
                    marked = true;
                    i += 2;
                }
                // C1 controls: the parser's handling of them is its own business.
                Some(0x80..=0x9f) => return None,
                _ => {
                    out.push_str(&html[i..i + 2]);
                    text.text(&html[i..i + 2]);
                    i += 2;
                }
            },
            // Carriage returns, NUL and other controls: the parser rewrites or drops them.
            _ => return None,
        }
        copied = i;
    }
    if !open.is_empty() {
        return None;
    }
    out.push_str(&html[copied..]);
    if !marked {
        // What `sanitized_text` does with text free of markup.
        let text = plain_text(&out);
        return Some((out, text));
    }
    text.text(&html[copied..]);
    Some((out, text.out))
}

/// The web address of a link's attributes, when they are exactly `href="…"` with an absolute
/// http(s) address free of characters that would need escaping or resolving.
fn link_target(attribute: &str) -> Option<&str> {
    let href = attribute.strip_prefix("href=\"")?.strip_suffix('"')?;
    let safe = href
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$'()*+,;=%".contains(&b));
    let absolute = href.starts_with("https://") || href.starts_with("http://");
    (safe && absolute && Url::parse(href).is_ok()).then_some(href)
}

/// The character a reference at the start of `after` (the text just past `&`) stands for,
/// and the length of the reference; `None` for the references left to the parser. A `&`
/// before white space is itself.
fn character_reference(after: &str) -> Option<(char, usize)> {
    if after.starts_with([' ', '\n', '\t']) {
        return Some(('&', 0));
    }
    for (name, c) in [
        ("amp;", '&'),
        ("lt;", '<'),
        ("gt;", '>'),
        ("quot;", '"'),
        ("apos;", '\''),
        ("nbsp;", '\u{a0}'),
    ] {
        if after.starts_with(name) {
            return Some((c, name.len()));
        }
    }
    let number = after.strip_prefix('#')?;
    let (digits, radix, prefix) = match number.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16, 2),
        None => (number, 10, 1),
    };
    let len = digits.find(';')?;
    // Digits only: `from_str_radix` would also take a sign, which the parser does not.
    if len == 0 || len > 7 || !digits[..len].bytes().all(|b| char::from(b).is_digit(radix)) {
        return None;
    }
    let value = u32::from_str_radix(&digits[..len], radix).ok()?;
    // Controls, C1 controls (read as Windows-1252), surrogates and noncharacters are the
    // parser's business.
    let plain = matches!(value, 0x09 | 0x0a | 0x20..=0x7e | 0xa0..=0xfdcf | 0xfdf0..=0x10_ffff)
        && value & 0xfffe != 0xfffe;
    let c = char::from_u32(value).filter(|_| plain)?;
    Some((c, prefix + len + 1))
}

/// Writes a character of text as the serialiser does; whether it wrote a reference.
fn escape_text_char(c: char, out: &mut String) -> bool {
    let reference = match c {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '\u{a0}' => "&nbsp;",
        c => {
            out.push(c);
            return false;
        }
    };
    out.push_str(reference);
    true
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

/// Reads a feed timestamp: RFC 3339 and RFC 2822 first, then the odd formats seen in the wild:
/// `2025-05-11 10:00:00`, `2025-05-11T10:00:00` (no zone: UTC), named zones (`IST`, `PKT`,
/// ...), a missing or wrong weekday, two-digit years, `11 May 2025`, `May 11, 2025`,
/// `GMT+5:30`. Returns `None` for anything it cannot read.
pub fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.to_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.to_utc());
    }
    if s.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && s.as_bytes()
            .get(4)
            .is_some_and(|b| matches!(b, b'-' | b'/'))
    {
        parse_iso_like(s)
    } else {
        parse_words(s)
    }
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space, a time, and a zone.
fn parse_iso_like(s: &str) -> Option<DateTime<Utc>> {
    let (year, rest) = take_number(s, 4, 4)?;
    let rest = rest.strip_prefix(['-', '/'])?;
    let (month, rest) = take_number(rest, 1, 2)?;
    let rest = rest.strip_prefix(['-', '/'])?;
    let (day, rest) = take_number(rest, 1, 2)?;
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let rest = rest.trim_start_matches(['T', 't', ' ']);
    let (time, rest) = if rest.is_empty() {
        (NaiveTime::MIN, rest)
    } else {
        parse_clock(rest)?
    };
    let offset_minutes = zone_minutes(rest.trim())?;
    finish(date, time, offset_minutes)
}

/// Word-based dates: `Sun, 11 May 2025 10:00:00 PKT`, `May 11, 2025 3:30 PM IST`,
/// `11 May 25`, `Thursday, 8 May 2025 09:15 GMT+5:30`.
fn parse_words(s: &str) -> Option<DateTime<Utc>> {
    let mut month = None;
    let mut year = None;
    let mut numbers: [Option<u32>; 2] = [None, None];
    let mut time = None;
    let mut pm = None;
    let mut offset = 0;
    for token in s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        let token = token.trim_matches(|c| c == '(' || c == ')' || c == '.');
        let first = token.chars().next()?;
        if first.is_ascii_digit() && token.contains(':') {
            let (clock, rest) = parse_clock(token)?;
            time = Some(clock);
            match rest.to_ascii_lowercase().as_str() {
                "" => {}
                "am" => pm = Some(false),
                "pm" => pm = Some(true),
                zone => offset = zone_minutes(zone)?,
            }
        } else if first.is_ascii_digit() {
            let digits = token.bytes().take_while(u8::is_ascii_digit).count();
            let suffix = &token[digits..];
            if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") {
                return None;
            }
            let n: u32 = token[..digits].parse().ok()?;
            if digits == 4 {
                year = Some(n as i32);
            } else if numbers[0].is_none() {
                numbers[0] = Some(n);
            } else if numbers[1].is_none() {
                numbers[1] = Some(n);
            } else {
                return None;
            }
        } else if first == '+' || first == '-' {
            offset = zone_minutes(token)?;
        } else {
            let lower = token.to_ascii_lowercase();
            if let Some(m) = month_number(&lower) {
                month = Some(m);
            } else if lower == "am" || lower == "pm" {
                pm = Some(lower == "pm");
            } else if let Some(minutes) = zone_minutes(&lower) {
                offset = minutes;
            }
            // Anything else (weekdays in any language, "at", "on") carries no date.
        }
    }
    let day = numbers[0]?;
    let year = match (year, numbers[1]) {
        (Some(y), None) => y,
        // RFC 5322's rule for two-digit years.
        (None, Some(y)) if y < 50 => 2000 + y as i32,
        (None, Some(y)) if y < 100 => 1900 + y as i32,
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year, month?, day)?;
    let mut time = time.unwrap_or(NaiveTime::MIN);
    if let Some(pm) = pm {
        use chrono::Timelike;
        let hour = time.hour() % 12 + if pm { 12 } else { 0 };
        time = time.with_hour(hour)?;
    }
    finish(date, time, offset)
}

/// Leading digits of `s` (between `min` and `max` of them) as a number, and the rest.
fn take_number(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let digits = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if digits < min {
        return None;
    }
    Some((s[..digits].parse().ok()?, &s[digits..]))
}

/// `H:MM`, `HH:MM:SS` or `HH:MM:SS.fff` at the start of `s`, and the rest. Hour 24 is read as
/// midnight of the same day and second 60 as 59, as feeds mean them.
fn parse_clock(s: &str) -> Option<(NaiveTime, &str)> {
    let (hour, rest) = take_number(s, 1, 2)?;
    let (minute, mut rest) = take_number(rest.strip_prefix(':')?, 2, 2)?;
    let mut second = 0;
    if let Some(after) = rest.strip_prefix(':') {
        let (sec, after) = take_number(after, 2, 2)?;
        second = sec.min(59);
        rest = after;
        if let Some(fraction) = rest.strip_prefix(['.', ',']) {
            rest = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
        }
    }
    let time = NaiveTime::from_hms_opt(hour % 24, minute, second)?;
    Some((time, rest))
}

/// A date and wall-clock time at a UTC offset (minutes east), as UTC.
fn finish(date: NaiveDate, time: NaiveTime, offset_minutes: i32) -> Option<DateTime<Utc>> {
    let local = date.and_time(time);
    let utc = local.checked_sub_signed(chrono::TimeDelta::minutes(i64::from(offset_minutes)))?;
    Some(utc.and_utc())
}

/// English month names and abbreviations (`may`, `sept`, `january`).
fn month_number(lower: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if lower.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            m.starts_with(lower) || (lower.len() == 4 && lower == "sept" && *m == "september")
        })
        .map(|i| i as u32 + 1)
}

/// A zone as minutes east of UTC: empty (UTC), `Z`, `+05:30`, `+0530`, `+05`, `GMT+5:30`,
/// or a name. Names cover the zones of the region Wirewatch follows plus the common ones;
/// ambiguous names take the meaning RFC 822 or the region gives them (`IST` is India).
fn zone_minutes(zone: &str) -> Option<i32> {
    let zone = zone.trim();
    if zone.is_empty() {
        return Some(0);
    }
    let lower = zone.to_ascii_lowercase();
    for prefix in ["gmt", "utc", "ut"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return numeric_offset(rest);
            }
        }
    }
    if zone.starts_with(['+', '-']) {
        return numeric_offset(zone);
    }
    let hours_minutes = |h: i32, m: i32| Some(h * 60 + m);
    match lower.as_str() {
        "z" | "ut" | "utc" | "gmt" | "wet" => hours_minutes(0, 0),
        "ist" | "slst" => hours_minutes(5, 30), // India, Sri Lanka
        "pkt" | "uzt" | "mvt" | "tjt" | "yekt" => hours_minutes(5, 0), // Pakistan, Maldives, Central Asia
        "npt" => hours_minutes(5, 45),                                 // Nepal
        "bdt" | "btt" | "almt" => hours_minutes(6, 0),                 // Bangladesh, Bhutan, Almaty
        "mmt" => hours_minutes(6, 30),                                 // Myanmar
        "ict" | "wib" => hours_minutes(7, 0),
        "cst8" | "bjt" | "hkt" | "sgt" | "pht" | "awst" | "myt" => hours_minutes(8, 0), // China, Hong Kong, ...
        "jst" | "kst" => hours_minutes(9, 0),
        "aest" => hours_minutes(10, 0),
        "aedt" => hours_minutes(11, 0),
        "aft" => hours_minutes(4, 30), // Afghanistan
        "irst" => hours_minutes(3, 30),
        "gst" | "amt" => hours_minutes(4, 0), // Gulf
        "msk" | "ast" | "eat" | "trt" | "eest" => hours_minutes(3, 0),
        "cest" | "eet" | "sast" => hours_minutes(2, 0),
        "cet" | "bst" | "wat" | "west" => hours_minutes(1, 0),
        "edt" => hours_minutes(-4, 0),
        "est" | "cdt" => hours_minutes(-5, 0),
        "cst" | "mdt" => hours_minutes(-6, 0),
        "mst" | "pdt" => hours_minutes(-7, 0),
        "pst" | "akdt" => hours_minutes(-8, 0),
        "akst" | "hdt" => hours_minutes(-9, 0),
        "hst" => hours_minutes(-10, 0),
        _ => None,
    }
}

/// `+05:30`, `+0530`, `+05`, `+5:30`, `-4` as minutes east of UTC.
fn numeric_offset(s: &str) -> Option<i32> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = &s[1..];
    let (hours, minutes) = match body.split_once(':') {
        Some((h, m)) => (h, m),
        // Cut only between characters: a non-ASCII byte here is no digit, and is refused below.
        None if body.len() == 4 => body.split_at_checked(2)?,
        None if body.len() <= 2 => (body, "0"),
        None => return None,
    };
    if hours.is_empty()
        || !hours.bytes().all(|b| b.is_ascii_digit())
        || !minutes.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours <= 14 && minutes < 60).then_some(sign * (hours * 60 + minutes))
}

// ---------------------------------------------------------------------------------------------
// HTML entities
// ---------------------------------------------------------------------------------------------

/// The character an HTML named entity stands for: the HTML 4 set (Latin-1, symbols, Greek,
/// typography) plus the HTML 5 names feeds commonly use. XML's own five are included so
/// plain-text decoding can use the same table.
fn html_entity(name: &str) -> Option<char> {
    let code = match name {
        "amp" => 0x26,
        "lt" => 0x3C,
        "gt" => 0x3E,
        "quot" => 0x22,
        "apos" => 0x27,
        "nbsp" => 0x00A0,
        "iexcl" => 0x00A1,
        "cent" => 0x00A2,
        "pound" => 0x00A3,
        "curren" => 0x00A4,
        "yen" => 0x00A5,
        "brvbar" => 0x00A6,
        "sect" => 0x00A7,
        "uml" => 0x00A8,
        "copy" => 0x00A9,
        "ordf" => 0x00AA,
        "laquo" => 0x00AB,
        "not" => 0x00AC,
        "shy" => 0x00AD,
        "reg" => 0x00AE,
        "macr" => 0x00AF,
        "deg" => 0x00B0,
        "plusmn" => 0x00B1,
        "sup2" => 0x00B2,
        "sup3" => 0x00B3,
        "acute" => 0x00B4,
        "micro" => 0x00B5,
        "para" => 0x00B6,
        "middot" => 0x00B7,
        "cedil" => 0x00B8,
        "sup1" => 0x00B9,
        "ordm" => 0x00BA,
        "raquo" => 0x00BB,
        "frac14" => 0x00BC,
        "frac12" => 0x00BD,
        "frac34" => 0x00BE,
        "iquest" => 0x00BF,
        "Agrave" => 0x00C0,
        "Aacute" => 0x00C1,
        "Acirc" => 0x00C2,
        "Atilde" => 0x00C3,
        "Auml" => 0x00C4,
        "Aring" => 0x00C5,
        "AElig" => 0x00C6,
        "Ccedil" => 0x00C7,
        "Egrave" => 0x00C8,
        "Eacute" => 0x00C9,
        "Ecirc" => 0x00CA,
        "Euml" => 0x00CB,
        "Igrave" => 0x00CC,
        "Iacute" => 0x00CD,
        "Icirc" => 0x00CE,
        "Iuml" => 0x00CF,
        "ETH" => 0x00D0,
        "Ntilde" => 0x00D1,
        "Ograve" => 0x00D2,
        "Oacute" => 0x00D3,
        "Ocirc" => 0x00D4,
        "Otilde" => 0x00D5,
        "Ouml" => 0x00D6,
        "times" => 0x00D7,
        "Oslash" => 0x00D8,
        "Ugrave" => 0x00D9,
        "Uacute" => 0x00DA,
        "Ucirc" => 0x00DB,
        "Uuml" => 0x00DC,
        "Yacute" => 0x00DD,
        "THORN" => 0x00DE,
        "szlig" => 0x00DF,
        "agrave" => 0x00E0,
        "aacute" => 0x00E1,
        "acirc" => 0x00E2,
        "atilde" => 0x00E3,
        "auml" => 0x00E4,
        "aring" => 0x00E5,
        "aelig" => 0x00E6,
        "ccedil" => 0x00E7,
        "egrave" => 0x00E8,
        "eacute" => 0x00E9,
        "ecirc" => 0x00EA,
        "euml" => 0x00EB,
        "igrave" => 0x00EC,
        "iacute" => 0x00ED,
        "icirc" => 0x00EE,
        "iuml" => 0x00EF,
        "eth" => 0x00F0,
        "ntilde" => 0x00F1,
        "ograve" => 0x00F2,
        "oacute" => 0x00F3,
        "ocirc" => 0x00F4,
        "otilde" => 0x00F5,
        "ouml" => 0x00F6,
        "divide" => 0x00F7,
        "oslash" => 0x00F8,
        "ugrave" => 0x00F9,
        "uacute" => 0x00FA,
        "ucirc" => 0x00FB,
        "uuml" => 0x00FC,
        "yacute" => 0x00FD,
        "thorn" => 0x00FE,
        "yuml" => 0x00FF,
        "Alpha" => 0x0391,
        "Beta" => 0x0392,
        "Gamma" => 0x0393,
        "Delta" => 0x0394,
        "Epsilon" => 0x0395,
        "Zeta" => 0x0396,
        "Eta" => 0x0397,
        "Theta" => 0x0398,
        "Iota" => 0x0399,
        "Kappa" => 0x039A,
        "Lambda" => 0x039B,
        "Mu" => 0x039C,
        "Nu" => 0x039D,
        "Xi" => 0x039E,
        "Omicron" => 0x039F,
        "Pi" => 0x03A0,
        "Rho" => 0x03A1,
        "Sigma" => 0x03A3,
        "Tau" => 0x03A4,
        "Upsilon" => 0x03A5,
        "Phi" => 0x03A6,
        "Chi" => 0x03A7,
        "Psi" => 0x03A8,
        "Omega" => 0x03A9,
        "alpha" => 0x03B1,
        "beta" => 0x03B2,
        "gamma" => 0x03B3,
        "delta" => 0x03B4,
        "epsilon" => 0x03B5,
        "zeta" => 0x03B6,
        "eta" => 0x03B7,
        "theta" => 0x03B8,
        "iota" => 0x03B9,
        "kappa" => 0x03BA,
        "lambda" => 0x03BB,
        "mu" => 0x03BC,
        "nu" => 0x03BD,
        "xi" => 0x03BE,
        "omicron" => 0x03BF,
        "pi" => 0x03C0,
        "rho" => 0x03C1,
        "sigmaf" => 0x03C2,
        "sigma" => 0x03C3,
        "tau" => 0x03C4,
        "upsilon" => 0x03C5,
        "phi" => 0x03C6,
        "chi" => 0x03C7,
        "psi" => 0x03C8,
        "omega" => 0x03C9,
        "fnof" => 0x0192,
        "thetasym" => 0x03D1,
        "upsih" => 0x03D2,
        "piv" => 0x03D6,
        "bull" => 0x2022,
        "hellip" => 0x2026,
        "prime" => 0x2032,
        "Prime" => 0x2033,
        "oline" => 0x203E,
        "frasl" => 0x2044,
        "weierp" => 0x2118,
        "image" => 0x2111,
        "real" => 0x211C,
        "trade" => 0x2122,
        "alefsym" => 0x2135,
        "larr" => 0x2190,
        "uarr" => 0x2191,
        "rarr" => 0x2192,
        "darr" => 0x2193,
        "harr" => 0x2194,
        "crarr" => 0x21B5,
        "lArr" => 0x21D0,
        "uArr" => 0x21D1,
        "rArr" => 0x21D2,
        "dArr" => 0x21D3,
        "hArr" => 0x21D4,
        "forall" => 0x2200,
        "part" => 0x2202,
        "exist" => 0x2203,
        "empty" => 0x2205,
        "nabla" => 0x2207,
        "isin" => 0x2208,
        "notin" => 0x2209,
        "ni" => 0x220B,
        "prod" => 0x220F,
        "sum" => 0x2211,
        "minus" => 0x2212,
        "lowast" => 0x2217,
        "radic" => 0x221A,
        "prop" => 0x221D,
        "infin" => 0x221E,
        "ang" => 0x2220,
        "and" => 0x2227,
        "or" => 0x2228,
        "cap" => 0x2229,
        "cup" => 0x222A,
        "int" => 0x222B,
        "there4" => 0x2234,
        "sim" => 0x223C,
        "cong" => 0x2245,
        "asymp" => 0x2248,
        "ne" => 0x2260,
        "equiv" => 0x2261,
        "le" => 0x2264,
        "ge" => 0x2265,
        "sub" => 0x2282,
        "sup" => 0x2283,
        "nsub" => 0x2284,
        "sube" => 0x2286,
        "supe" => 0x2287,
        "oplus" => 0x2295,
        "otimes" => 0x2297,
        "perp" => 0x22A5,
        "sdot" => 0x22C5,
        "lceil" => 0x2308,
        "rceil" => 0x2309,
        "lfloor" => 0x230A,
        "rfloor" => 0x230B,
        "lang" => 0x2329,
        "rang" => 0x232A,
        "loz" => 0x25CA,
        "spades" => 0x2660,
        "clubs" => 0x2663,
        "hearts" => 0x2665,
        "diams" => 0x2666,
        "OElig" => 0x0152,
        "oelig" => 0x0153,
        "Scaron" => 0x0160,
        "scaron" => 0x0161,
        "Yuml" => 0x0178,
        "circ" => 0x02C6,
        "tilde" => 0x02DC,
        "ensp" => 0x2002,
        "emsp" => 0x2003,
        "thinsp" => 0x2009,
        "zwnj" => 0x200C,
        "zwj" => 0x200D,
        "lrm" => 0x200E,
        "rlm" => 0x200F,
        "ndash" => 0x2013,
        "mdash" => 0x2014,
        "lsquo" => 0x2018,
        "rsquo" => 0x2019,
        "sbquo" => 0x201A,
        "ldquo" => 0x201C,
        "rdquo" => 0x201D,
        "bdquo" => 0x201E,
        "dagger" => 0x2020,
        "Dagger" => 0x2021,
        "permil" => 0x2030,
        "lsaquo" => 0x2039,
        "rsaquo" => 0x203A,
        "euro" => 0x20AC,
        "hyphen" => 0x2010,
        "horbar" => 0x2015,
        "nbhy" => 0x2011,
        "numsp" => 0x2007,
        "puncsp" => 0x2008,
        "hairsp" => 0x200A,
        "ZeroWidthSpace" => 0x200B,
        "NoBreak" => 0x2060,
        "Tab" => 0x0009,
        "NewLine" => 0x000A,
        "half" => 0x00BD,
        "bullet" => 0x2022,
        "star" => 0x2606,
        "starf" => 0x2605,
        "check" => 0x2713,
        "cross" => 0x2717,
        "rsquor" => 0x2019,
        "rdquor" => 0x201D,
        "lsquor" => 0x201A,
        "ldquor" => 0x201E,
        "commat" => 0x0040,
        "num" => 0x0023,
        "dollar" => 0x0024,
        "percnt" => 0x0025,
        "lpar" => 0x0028,
        "rpar" => 0x0029,
        "ast" => 0x002A,
        "plus" => 0x002B,
        "comma" => 0x002C,
        "period" => 0x002E,
        "sol" => 0x002F,
        "colon" => 0x003A,
        "semi" => 0x003B,
        "equals" => 0x003D,
        "quest" => 0x003F,
        "lsqb" => 0x005B,
        "bsol" => 0x005C,
        "rsqb" => 0x005D,
        "lowbar" => 0x005F,
        "grave" => 0x0060,
        "lcub" => 0x007B,
        "verbar" => 0x007C,
        "rcub" => 0x007D,
        "excl" => 0x0021,
        _ => return None,
    };
    char::from_u32(code)
}

// ---------------------------------------------------------------------------------------------
// For the full-text stage
// ---------------------------------------------------------------------------------------------

/// A document's bytes as UTF-8 text, read as step 1 of this module reads a feed: byte-order
/// mark, `charset` of `content_type`, a credible declaration, valid UTF-8, then `chardetng`
/// (with the URL's top-level domain as a hint). Borrowed when the bytes already are UTF-8.
pub fn document_text<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    url: Option<&Url>,
) -> Cow<'a, str> {
    to_utf8(body, content_type, url)
}

/// An HTML fragment sanitised with the policy of feed bodies, relative URLs resolved against
/// `base` (dropped without one).
pub fn sanitize_html(html: &str, base: Option<&Url>) -> String {
    sanitize(html, base.cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bodies as feeds write them, and the awkward cases: entities, quotes and angle brackets
    /// in attributes, tables, lists, `pre`, right-to-left text, removed elements, bad nesting.
    const BODIES: &[&str] = &[
        "<p>Islamabad &amp; New Delhi agreed.</p><p>Talks resume <b>Monday</b>.</p>",
        "Plain text with\nline breaks &amp; an ampersand",
        "<div dir=\"rtl\">پاکستان اور بھارت</div><br>भारत&nbsp;पाकिस्तान",
        "<a href=\"/story?a=1&b=2\" title=\"x > y < z &quot;q&quot;\">link</a> after",
        "<img src=\"https://e.org/a.png\" alt=\"a > b\"> caption",
        "<table><tr><td>one</td><td>two</td></tr></table>tail",
        "<ul><li>first<li>second</ul><ol><li>third</ol>",
        "<pre>\n  code\n   block</pre><hr>after rule",
        "<script>alert(1)</script><style>p{}</style>visible<noscript>no</noscript>",
        "<p>unclosed <b>bold <i>both</p> after",
        "<iframe src=\"x\">inside</iframe><textarea>t</textarea><select><option>o</select>",
        "a &lt;b&gt; c &#169; &copy; &eacute; &unknown; & alone",
        "<h2>Head</h2>text<blockquote>quote</blockquote><figure><figcaption>cap</figcaption></figure>",
        "<p>\u{feff}zero\u{200b}width\u{7}bell</p>",
        "<svg><title>t</title><text>svg text</text></svg><math><mi>x</mi></math>",
        "<object data=\"x\"><embed src=\"y\">fallback</object><head><title>T</title></head>",
        "<p title='single \"quoted\"'>s</p><p class=a>unquoted</p>",
        "<!-- comment --><![CDATA[cdata]]><?php echo 1 ?>",
        "<dl><dt>term<dd>definition</dl><details><summary>more</summary>hidden</details>",
        "",
        "   ",
    ];

    #[test]
    fn sanitized_html_reads_as_the_parser_reads_it() {
        let mut fast = 0;
        for body in BODIES {
            let clean = sanitize(body, Url::parse("https://news.example.org/s/1").ok());
            let want = html_text(&clean);
            assert_eq!(sanitized_text(&clean), want, "{body:?} -> {clean:?}");
            fast += usize::from(serialized_text(&clean).is_some());
        }
        assert!(
            fast >= BODIES.len() - 3,
            "the fast path reads most bodies ({fast})"
        );
    }

    /// What `TextSink::text` must do, one character at a time.
    fn sink_reference(chunks: &[&str]) -> String {
        let (mut out, mut space) = (String::new(), false);
        for c in chunks.concat().chars() {
            if c.is_whitespace() {
                space = true;
            } else if !c.is_control() && c != '\u{feff}' {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn the_text_sink_keeps_visible_characters_and_collapses_the_rest() {
        const PIECES: &[&str] = &[
            "a",
            "Zz",
            "9",
            "~",
            " ",
            "\t",
            "\n",
            "\u{b}",
            "\u{c}",
            "\r",
            "\u{0}",
            "\u{1f}",
            "\u{7f}",
            "\u{85}",
            "\u{a0}",
            "\u{2003}",
            "\u{3000}",
            "\u{feff}",
            "\u{200b}",
            "é",
            "پاکستان",
            "भारत",
            "中国",
            "\u{9f}",
            "!?",
            "\u{1c}",
        ];
        let mut state = 0x0123_4567_89ab_cdefu64;
        for _ in 0..5_000 {
            let mut chunks = Vec::new();
            for _ in 0..(state % 12) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                chunks.push(PIECES[(state % PIECES.len() as u64) as usize]);
            }
            state = state.wrapping_add(0x9e37_79b9);
            let mut sink = TextSink::default();
            for chunk in &chunks {
                sink.text(chunk);
            }
            assert_eq!(sink.out, sink_reference(&chunks), "{chunks:?}");
            assert_eq!(
                single_spaced(&chunks.concat()),
                chunks
                    .concat()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                "{chunks:?}"
            );
        }
    }

    #[test]
    fn generated_html_reads_alike_both_ways() {
        // Deterministic random fragments from pieces that stress nesting and escaping.
        const PIECES: &[&str] = &[
            "<p>",
            "</p>",
            "<div>",
            "</div>",
            "<b>",
            "</b>",
            "<br>",
            "<li>",
            "<ul>",
            "</ul>",
            "<table>",
            "<td>",
            "<tr>",
            "</table>",
            "<pre>",
            "</pre>",
            "<a href=\"/x?a=1&amp;b\">",
            "</a>",
            "<img alt=\"<>\">",
            "<span title=\"&quot;\">",
            "</span>",
            "&amp;",
            "&lt;",
            "&gt;",
            "&nbsp;",
            "&eacute;",
            " ",
            "\n",
            "\t",
            "word",
            "Wort",
            "كلمة",
            "शब्द",
            "<h3>",
            "</h3>",
            "<script>",
            "</script>",
            "<hr>",
            "<blockquote>",
            "</blockquote>",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3_000 {
            let len = (next() % 30) as usize;
            let body: String = (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            let clean = sanitize(&body, None);
            assert_eq!(
                sanitized_text(&clean),
                html_text(&clean),
                "{body:?} -> {clean:?}"
            );
        }
    }

    #[test]
    fn simple_bodies_come_out_as_the_sanitiser_writes_them() {
        // What the fast path reads, what it must refuse, and what sits at its edges.
        const PIECES: &[&str] = &[
            "<p>",
            "</p>",
            "<br>",
            "<br/>",
            "<br />",
            "<b>",
            "</b>",
            "<i>",
            "</i>",
            "<em>",
            "</em>",
            "<strong>",
            "</strong>",
            "<a href=\"https://news.example.org/s?id=1\">",
            "<a href=\"http://e.org/a(b)\">",
            "</a>",
            "word",
            " ",
            "\n",
            "\t",
            "&amp;",
            "&lt;",
            "&gt;",
            "&quot;",
            "&apos;",
            "&nbsp;",
            "&#39;",
            "&#x27;",
            "&#X41;",
            "&#10;",
            "&#9;",
            "&#8217;",
            "&#x1F600;",
            "\"",
            "'",
            ">",
            "é",
            "\u{a0}",
            "中",
            "\u{2028}",
            "\u{fdd0}",
            "\u{ffff}",
            // Refused: the sanitiser decides.
            "<",
            "&",
            "& ",
            "&foo;",
            "&amp",
            "&copy;",
            "&#0;",
            "&#13;",
            "&#128;",
            "&#150;",
            "&#xD800;",
            "&#x110000;",
            "&#xFFFE;",
            "&#12345678;",
            "&#+65;",
            "&#x-41;",
            "\r",
            "\u{0}",
            "\u{c}",
            "\u{7f}",
            "\u{85}",
            "\u{feff}",
            "<P>",
            "<p class=\"x\">",
            "<div>",
            "</div>",
            "<script>",
            "</script>",
            "<!-- c -->",
            "<a href=\"/relative\">",
            "<a href=\"javascript:alert(1)\">",
            "<a href=\"https://e.org/?a=1&amp;b=2\">",
            "<a href=\"https://e.org/ x\">",
            "<a name=\"x\">",
            "<a  href=\"https://e.org/\">",
            "<br>>",
            "<b/>",
            "</br>",
            "<ul>",
            "<li>",
            "<pre>",
            "<img src=\"https://e.org/i.png\">",
        ];
        let mut fast = 0;
        let mut check = |body: &str| {
            if let Some((out, text)) = simple_clean(body) {
                assert_eq!(out, sanitize(body, None), "for {body:?}");
                assert_eq!(text, sanitized_text(out.trim()), "text of {body:?}");
                fast += 1;
            }
        };
        // Every body of up to two pieces...
        for a in PIECES {
            check(a);
            for b in PIECES {
                check(&format!("{a}{b}"));
            }
        }
        // ...then whole bodies: paragraphs of text with elements nested in them, and some
        // with one piece of any kind put in anywhere.
        const TEXT: &[&str] = &[
            "word", " ", "\n", "\t", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#8217;", "\"",
            ">", "é", "\u{a0}", "&nbsp;", "中", "& ",
        ];
        const INLINE: &[&str] = &[
            "b",
            "i",
            "em",
            "strong",
            "a href=\"https://news.example.org/s?id=1\"",
        ];
        struct Random(u64);
        impl Random {
            fn below(&mut self, n: usize) -> usize {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                (self.0 % n as u64) as usize
            }
        }
        fn inline(r: &mut Random, depth: usize, out: &mut String) {
            for _ in 0..r.below(5) {
                match r.below(8) {
                    0 if depth < 3 => {
                        let open = INLINE[r.below(INLINE.len())];
                        let name = open.split(' ').next().unwrap_or(open);
                        out.push_str(&format!("<{open}>"));
                        inline(r, depth + 1, out);
                        out.push_str(&format!("</{name}>"));
                    }
                    1 => out.push_str(["<br>", "<br/>", "<br />"][r.below(3)]),
                    // Refused: a paragraph inside anything.
                    2 if depth < 3 && r.below(3) == 0 => {
                        out.push_str("<p>");
                        inline(r, depth + 1, out);
                        out.push_str("</p>");
                    }
                    _ => out.push_str(TEXT[r.below(TEXT.len())]),
                }
            }
        }
        let mut r = Random(0x2545_f491_4f6c_dd1d);
        let mut body = String::new();
        for _ in 0..20_000 {
            body.clear();
            for _ in 0..r.below(4) {
                if r.below(3) > 0 {
                    body.push_str("<p>");
                    inline(&mut r, 0, &mut body);
                    body.push_str("</p>");
                } else {
                    inline(&mut r, 0, &mut body);
                }
                body.push_str(["", "\n", " "][r.below(3)]);
            }
            if r.below(3) == 0 {
                let mut at = r.below(body.len() + 1);
                while !body.is_char_boundary(at) {
                    at -= 1;
                }
                body.insert_str(at, PIECES[r.below(PIECES.len())]);
            }
            check(&body);
        }
        // Whole bodies as feeds write them.
        check("<p>India &amp; Pakistan agreed to a ceasefire, &quot;effective at once&quot;.</p>\n<p>Talks resume <b>Monday</b> in <a href=\"https://news.example.org/talks\">Geneva</a>.</p>");
        assert!(fast > 12_000, "the fast path read {fast} bodies");
    }
}
