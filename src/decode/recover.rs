//! Recovery: what a document the parser refuses, even repaired, still holds.
//!
//! Only documents that fail to parse come here, so well-formed feeds never pay for it. In
//! order:
//!
//! 1. **Scan** the document with `quick-xml`, forgiving end tags that do not match, for the
//!    byte ranges of its entries (`item`, `entry`) and the point where it stops being readable.
//!    A syntax error inside an entry loses that entry only: the scan starts again at the next
//!    entry's start tag. A document that ends with elements still open (a cut download), or a
//!    syntax error with no entry after it, is cut there.
//! 2. **Frame**: the part before the first entry (the feed's own elements, with the root's
//!    namespace declarations) followed by end tags for the elements still open there.
//! 3. **Parse** the frame alone for the feed's title and links, then each entry alone inside
//!    the frame, with `feed-rs`. An entry it refuses is tried once more with the `type` values
//!    of its text constructs made ones the parser knows (`application/xhtml+xml`, empty,
//!    MIME types where Atom wants `text`, `html` or `xhtml`); refused again, it is skipped with
//!    the parser's reason and the others are kept.
//!
//! JSON documents are not scanned: a broken JSON Feed stays an error.

use super::SkippedEntry;
use feed_rs::model::Feed;
use feed_rs::parser::Parser;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::ops::Range;

/// What recovery read from a broken document.
pub(super) struct Salvage {
    /// The feed's own elements and the entries that could be read, in document order.
    pub feed: Feed,
    /// Where the document stopped being readable, when that was before its end.
    pub cut_at: Option<usize>,
    /// Entries left out, and why.
    pub skipped: Vec<SkippedEntry>,
}

/// Reads what `text` (a document the parser refused) still holds; `None` when not even the
/// feed's own elements can be read.
pub(super) fn salvage(
    text: &str,
    parser: &Parser,
    reason: impl Fn(&feed_rs::parser::ParseFeedError) -> String,
) -> Option<Salvage> {
    if text.trim_start().starts_with('{') {
        return None;
    }
    let scan = scan(text);
    let (frame_at, open) = match &scan.frame {
        Some((at, open)) => (*at, open.as_slice()),
        None => (scan.read_to, scan.open_at_end.as_slice()),
    };
    let head = &text[..frame_at];
    let tail: String = open.iter().rev().map(|name| format!("</{name}>")).collect();
    let mut feed = parser.parse(format!("{head}{tail}").as_bytes()).ok()?;

    // Each entry is parsed inside a copy of the frame: a large frame before many small
    // entries would cost their product, so the bytes parsed are bounded by a multiple of the
    // document; entries past the bound are skipped, saying so.
    let budget = text
        .len()
        .saturating_mul(PARSE_BUDGET)
        .saturating_add(1 << 20);
    let mut parsed_bytes = 0usize;
    let mut skipped = Vec::new();
    for (k, span) in scan.spans.iter().enumerate() {
        let position = k + 1;
        if parsed_bytes > budget {
            skipped.push(SkippedEntry {
                position,
                title: None,
                reason: "not read: the document is too broken to read every entry".into(),
            });
            continue;
        }
        let entry = match span {
            Span::Complete(range) => &text[range.clone()],
            Span::Broken { start, reason } => {
                skipped.push(SkippedEntry {
                    position,
                    title: entry_title(&text[*start..]),
                    reason: reason.clone(),
                });
                continue;
            }
        };
        parsed_bytes += head.len() + entry.len();
        let parse = |entry: &str| parser.parse(format!("{head}{entry}{tail}").as_bytes());
        let parsed = match parse(entry) {
            Ok(one) => Ok(one),
            Err(first) => match known_text_types(entry) {
                Some(retyped) => parse(&retyped).map_err(|_| first),
                None => Err(first),
            },
        };
        match parsed {
            Ok(one) => feed.entries.extend(one.entries),
            Err(e) => skipped.push(SkippedEntry {
                position,
                title: entry_title(entry),
                reason: reason(&e),
            }),
        }
    }
    Some(Salvage {
        feed,
        cut_at: scan.cut_at,
        skipped,
    })
}

/// How many times its own length the recovery may parse of a document.
const PARSE_BUDGET: usize = 8;

/// One entry of the document, as the scan found it.
enum Span {
    /// Read to its end tag: these bytes.
    Complete(Range<usize>),
    /// A syntax error inside it, from `start`.
    Broken { start: usize, reason: String },
}

/// What the scan found.
struct Scan {
    /// Where the first entry starts, and the elements open there, outermost first.
    frame: Option<(usize, Vec<String>)>,
    /// The entries, in document order.
    spans: Vec<Span>,
    /// Where the document stopped being readable, if before the root's end tag.
    cut_at: Option<usize>,
    /// How far the scan read, and the elements open there (the frame of a document without
    /// entries).
    read_to: usize,
    open_at_end: Vec<String>,
}

/// Element names (without prefix) of entries.
fn is_entry(local: &[u8]) -> bool {
    local == b"item" || local == b"entry"
}

/// How deep entries sit at most: `rss/channel/item`, `feed/entry`, `rdf:RDF/item`.
const ENTRY_DEPTH: usize = 2;

fn reader(text: &str) -> Reader<&[u8]> {
    let mut reader = Reader::from_reader(text.as_bytes());
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    config.check_comments = false;
    reader
}

fn scan(text: &str) -> Scan {
    let mut scan = Scan {
        frame: None,
        spans: Vec::new(),
        cut_at: None,
        read_to: text.len(),
        open_at_end: Vec::new(),
    };
    let mut open: Vec<String> = Vec::new();
    // The entry being read: how many elements were open around it, and where it starts.
    let mut entry: Option<(usize, usize)> = None;
    let mut from = 0;
    let mut reader = reader(text);
    loop {
        let before = from + reader.buffer_position() as usize;
        let event = reader.read_event();
        let after = from + reader.buffer_position() as usize;
        match event {
            Ok(Event::Start(e)) => {
                let starts_entry = entry.is_none()
                    && !open.is_empty()
                    && open.len() <= ENTRY_DEPTH
                    && is_entry(e.local_name().as_ref());
                if starts_entry {
                    scan.frame.get_or_insert_with(|| (before, open.clone()));
                    entry = Some((open.len(), before));
                }
                open.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
            }
            Ok(Event::Empty(e)) => {
                if entry.is_none()
                    && !open.is_empty()
                    && open.len() <= ENTRY_DEPTH
                    && is_entry(e.local_name().as_ref())
                {
                    scan.frame.get_or_insert_with(|| (before, open.clone()));
                    scan.spans.push(Span::Complete(before..after));
                }
            }
            Ok(Event::End(e)) => {
                let name = e.name();
                // An end tag closes the innermost open element of its name and those inside
                // it, as in HTML; one that matches nothing open is ignored.
                let Some(at) = open.iter().rposition(|n| n.as_bytes() == name.as_ref()) else {
                    continue;
                };
                open.truncate(at);
                if let Some((depth, start)) = entry {
                    if open.len() <= depth {
                        scan.spans.push(Span::Complete(start..after));
                        entry = None;
                    }
                }
                if open.is_empty() {
                    scan.read_to = after;
                    return scan;
                }
            }
            Ok(Event::Eof) => {
                if !open.is_empty() {
                    scan.cut_at = Some(text.len());
                }
                break;
            }
            Err(e) => {
                let at = from + reader.error_position() as usize;
                // Start again at the next entry, if there is one, with the elements that
                // were open around the broken one (or around the error).
                let depth = entry.map_or(open.len(), |(depth, _)| depth);
                match next_entry_start(text, at.max(before) + 1) {
                    Some(next) if depth <= ENTRY_DEPTH && !open.is_empty() => {
                        if let Some((_, start)) = entry.take() {
                            scan.spans.push(Span::Broken {
                                start,
                                reason: e.to_string(),
                            });
                        }
                        open.truncate(depth);
                        from = next;
                        reader = self::reader(&text[from..]);
                    }
                    _ => {
                        scan.cut_at = Some(at);
                        scan.read_to = at;
                        break;
                    }
                }
            }
            Ok(_) => {}
        }
    }
    // An entry still open at the end is lost with the cut.
    if let Some((depth, start)) = entry {
        open.truncate(depth);
        scan.read_to = start;
    } else if scan.cut_at.is_some() {
        scan.read_to = scan.read_to.min(text.len());
    }
    scan.open_at_end = open;
    scan
}

/// Where the next `<item` or `<entry` start tag (any prefix) begins, at or after `from`.
fn next_entry_start(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(p) = bytes.get(at..)?.iter().position(|b| *b == b'<') {
        let start = at + p;
        let name_len = bytes[start + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.'))
            .count();
        let name = &bytes[start + 1..start + 1 + name_len];
        let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
        let ends = bytes
            .get(start + 1 + name_len)
            .is_some_and(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'));
        if is_entry(local) && ends {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

/// The text of an entry's first `<title>`, for telling a skipped entry apart.
fn entry_title(entry: &str) -> Option<String> {
    let open = entry.find("<title")?;
    let content = open + entry[open..].find('>')? + 1;
    let end = content + entry[content..].find("</title")?;
    let title = super::plain_title(&entry[content..end]);
    (!title.is_empty()).then(|| title.chars().take(80).collect())
}

/// Elements whose `type` says how their text is written (Atom text constructs and content).
const TEXT_CONSTRUCTS: &[&[u8]] = &[
    b"title",
    b"subtitle",
    b"summary",
    b"content",
    b"rights",
    b"tagline",
    b"info",
];

/// `entry` with the `type` of its text constructs made one the parser knows, or `None` when
/// nothing needed changing. Atom wants `text`, `html` or `xhtml` (or, for content, a MIME
/// type); feeds also write MIME types (`text/plain`, `application/xhtml+xml`), leave the value
/// empty, or give a MIME type to a title. Content with `src` keeps a MIME type only.
fn known_text_types(entry: &str) -> Option<String> {
    let mut reader = reader(entry);
    let mut out = String::with_capacity(entry.len() + 16);
    let mut copied = 0;
    let mut changed = false;
    loop {
        let before = reader.buffer_position() as usize;
        let (tag, empty) = match reader.read_event() {
            Ok(Event::Start(tag)) => (tag, false),
            Ok(Event::Empty(tag)) => (tag, true),
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => continue,
        };
        let after = reader.buffer_position() as usize;
        if !TEXT_CONSTRUCTS.contains(&tag.local_name().as_ref()) {
            continue;
        }
        if let Some(fixed) = retyped(&tag, empty) {
            out.push_str(&entry[copied..before]);
            out.push_str(&fixed);
            copied = after;
            changed = true;
        }
    }
    out.push_str(&entry[copied..]);
    changed.then_some(out)
}

/// A text construct's start tag with a `type` the parser takes, or `None` if its own is.
fn retyped(tag: &BytesStart<'_>, empty: bool) -> Option<String> {
    let content = tag.local_name().as_ref() == b"content";
    let mut has_src = false;
    let mut kind: Option<String> = None;
    let mut attributes = Vec::new();
    for attribute in tag.attributes().with_checks(false) {
        let attribute = attribute.ok()?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let value = String::from_utf8_lossy(&attribute.value).into_owned();
        has_src |= key == "src";
        if key == "type" {
            kind = Some(value);
        } else {
            attributes.push((key, value));
        }
    }
    let kind = kind?;
    let trimmed = kind.trim().to_ascii_lowercase();
    let mime = trimmed.split_once('/').is_some_and(|(a, b)| {
        let token = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_graphic() && c != b'/');
        token(a) && token(b.split(';').next().unwrap_or("").trim())
    });
    // `None` drops the attribute: the text is then read as plain text.
    let fixed = if has_src {
        if mime {
            return None;
        }
        None
    } else {
        match trimmed.as_str() {
            "text" | "html" | "xhtml" if kind == trimmed => return None,
            "text" | "html" | "xhtml" => Some(trimmed.as_str()),
            "text/plain" => Some("text"),
            "text/html" => Some("html"),
            t if t.ends_with("+xml") || t.ends_with("/xml") => Some("xhtml"),
            _ if content && mime => return None,
            _ => None,
        }
    };
    let name = String::from_utf8_lossy(tag.name().as_ref()).into_owned();
    let mut out = format!("<{name}");
    for (key, value) in &attributes {
        out.push_str(&format!(" {key}=\"{}\"", value.replace('"', "&quot;")));
    }
    if let Some(kind) = fixed {
        out.push_str(&format!(" type=\"{kind}\""));
    }
    out.push_str(if empty { "/>" } else { ">" });
    Some(out)
}
