//! OPML import and export, and the built-in starter pack.
//!
//! OPML is how feed readers hand subscription lists to each other, so it is how analysts
//! bring their existing feeds into Wirewatch and take them out again. Files in the wild are
//! written by many tools of varying care: some omit the `version` attribute or the `<head>`,
//! nest folders several levels deep, repeat a feed, or list `ftp://` and relative links. So
//! [`parse`] reads what it can with the `opml` crate, repairs the few things that crate is
//! stricter about than real files are, and reports every outline it did not take together
//! with the reason, instead of failing the whole import for one bad line. A document that is
//! not OPML at all (an HTML page, broken XML, an empty file) is refused with a sentence that
//! says so.
//!
//! [`export`] writes OPML 2.0 with feeds grouped in one folder outline per folder, which every
//! mainstream reader understands, and which [`parse`] reads back to the same feeds. A feed
//! whose full-text setting is not `auto` carries it in a [`FULL_TEXT_ATTR`] attribute, which
//! other readers ignore and [`parse`] reads back (an unknown value is ignored too).
//!
//! [`STARTER_PACK`] is the curated list of South Asia news feeds offered on first run, and
//! [`DEFAULT_RULE`] the alert rule offered with it.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use url::{ParseError, Url};

use crate::dedup::canonical_url;
use crate::error::{Error, Result};
use crate::model::{Feed, FullTextMode, SkippedOutline};

/// The largest OPML document [`parse`] accepts, in bytes. Real subscription lists are a few
/// hundred kilobytes at most; anything bigger is a mistake or an attack on memory.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The most `<outline>` elements [`parse`] accepts (folders and feeds together).
pub const MAX_OUTLINES: usize = 20_000;

/// The deepest nesting of outlines [`parse`] accepts. Readers use one or two levels; the
/// limit exists because parsing recurses once per level and must not exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// What folder paths are joined with when outlines are nested more than one level deep.
pub const FOLDER_SEPARATOR: &str = " / ";

/// The title written into the `<head>` of exported documents.
pub const EXPORT_TITLE: &str = "Wirewatch subscriptions";

/// The outline attribute that carries a feed's full-text setting (`always` or `never`; `auto`,
/// the default, is not written). The `opml` crate keeps only the attributes the OPML spec
/// names, so [`parse`] reads this one in a pass of its own.
pub const FULL_TEXT_ATTR: &str = "fullText";

/// A feed outline read from an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The feed URL (`xmlUrl`), absolute.
    pub url: String,
    /// Its title (`title` or `text`), if any.
    pub title: Option<String>,
    /// The web site (`htmlUrl`), if any.
    pub site_url: Option<String>,
    /// The folder: the title of the enclosing outline, if nested.
    pub folder: Option<String>,
    /// The full-text setting the file gives it ([`FULL_TEXT_ATTR`]), if a known one.
    pub full_text: Option<FullTextMode>,
}

/// Feeds in an OPML 1.0/2.0 document, and the outlines that were skipped with why.
///
/// Feeds come back in document order. An outline without `xmlUrl` that contains other
/// outlines is a folder: its title (or text) becomes the `folder` of the feeds inside it,
/// with nested folder names joined by `" / "`. Outlines are skipped, each with a reason, when
/// they have no `xmlUrl` and are not folders, when the URL is not an absolute http(s) URL,
/// when they are commented out (`isComment="true"`), or when they repeat a feed listed
/// earlier in the same file (compared by [`canonical_url`]).
///
/// # Errors
///
/// [`Error::InvalidOpml`] when the text is empty, is not XML, is XML but not OPML (an HTML
/// page, say), has no `<body>` or no outlines, or is absurdly large (more than
/// [`MAX_BYTES`] bytes, [`MAX_OUTLINES`] outlines or [`MAX_DEPTH`] levels of nesting).
pub fn parse(text: &str) -> Result<(Vec<Outline>, Vec<SkippedOutline>)> {
    if text.len() > MAX_BYTES {
        return Err(invalid(format!(
            "the file is {} bytes; OPML files larger than {} MB are not accepted",
            text.len(),
            MAX_BYTES / (1024 * 1024)
        )));
    }
    // A byte order mark may start a file saved by Windows tools; it is not part of the XML.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(invalid("the file is empty".to_string()));
    }

    let shape = Shape::of(text);
    match shape.root.as_deref() {
        None => {
            return Err(invalid(
                "this is not an OPML document: it contains no XML elements".to_string(),
            ))
        }
        Some(root) if root.eq_ignore_ascii_case("html") => {
            return Err(invalid(
                "this is a web page (HTML), not an OPML document".to_string(),
            ))
        }
        Some(root) if root != "opml" => {
            return Err(invalid(format!(
                "this is not an OPML document: its top element is <{root}>, not <opml>"
            )))
        }
        Some(_) => {}
    }
    if shape.outlines > MAX_OUTLINES {
        return Err(invalid(format!(
            "the file has {} outlines; at most {MAX_OUTLINES} are accepted",
            shape.outlines
        )));
    }
    if shape.max_depth > MAX_DEPTH {
        return Err(invalid(format!(
            "outlines are nested {} levels deep; at most {MAX_DEPTH} are accepted",
            shape.max_depth
        )));
    }

    let document = read_document(text, &shape)?;
    let mut collector = Collector {
        full_text: full_text_settings(text),
        ..Collector::default()
    };
    let mut folders = Vec::new();
    collector.walk(&document.body.outlines, &mut folders);
    Ok((collector.feeds, collector.skipped))
}

/// Runs the `opml` crate, and once more on a repaired copy when it balks: the crate insists
/// on a known `version` and on well-typed `<head>` metadata (a numeric `windowTop`, say),
/// and real files miss both without harm, since neither carries anything an import needs.
/// When the repaired copy fails too, its error is the one reported, as it names what is
/// really wrong rather than the missing version.
fn read_document(text: &str, shape: &Shape) -> Result<::opml::OPML> {
    if !shape.has_body {
        return Err(invalid(
            "the document has no <body> element, so it lists no feeds".to_string(),
        ));
    }
    match ::opml::OPML::from_str(text) {
        Ok(doc) => Ok(doc),
        Err(::opml::Error::UnsupportedVersion(_) | ::opml::Error::XmlError(_)) => {
            ::opml::OPML::from_str(&shape.repaired(text)).map_err(describe)
        }
        Err(e) => Err(describe(e)),
    }
}

/// The `opml` crate's error as a sentence for people.
fn describe(e: ::opml::Error) -> Error {
    let reason = match e {
        ::opml::Error::BodyHasNoOutlines => "the OPML body lists no outlines".to_string(),
        ::opml::Error::UnsupportedVersion(v) => format!("unsupported OPML version {v:?}"),
        ::opml::Error::XmlError(x) => format!("the file is not well-formed OPML ({x})"),
        ::opml::Error::IoError(io) => format!("the file could not be read ({io})"),
    };
    invalid(reason)
}

fn invalid(reason: String) -> Error {
    Error::InvalidOpml { reason }
}

/// Feeds and skipped outlines gathered while walking the outline tree.
#[derive(Default)]
struct Collector {
    feeds: Vec<Outline>,
    skipped: Vec<SkippedOutline>,
    /// Canonical URL → how the first outline with it was named, for duplicate reports.
    seen: HashMap<String, String>,
    /// Canonical URL → the full-text setting its outline carries.
    full_text: HashMap<String, FullTextMode>,
}

impl Collector {
    fn walk(&mut self, outlines: &[::opml::Outline], folders: &mut Vec<String>) {
        for o in outlines {
            let name = outline_name(o);
            if o.is_comment == Some(true) {
                // By the OPML spec everything beneath a commented outline is commented too.
                self.skip(name.unwrap_or_else(untitled), "commented out in the file");
                continue;
            }
            match o
                .xml_url
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
            {
                Some(raw) => {
                    self.feed(raw, name.clone(), o, folders);
                    // A feed with children is unusual; read them as if it were also a folder
                    // rather than dropping them silently.
                    if !o.outlines.is_empty() {
                        self.walk_into(&o.outlines, name, folders);
                    }
                }
                None if !o.outlines.is_empty() => self.walk_into(&o.outlines, name, folders),
                None => self.skip(
                    name.unwrap_or_else(untitled),
                    "no feed URL (xmlUrl) and not a folder",
                ),
            }
        }
    }

    fn walk_into(
        &mut self,
        outlines: &[::opml::Outline],
        folder: Option<String>,
        folders: &mut Vec<String>,
    ) {
        // An untitled folder adds no level: its feeds stay in the enclosing folder.
        let pushed = folder.map(|f| folders.push(f)).is_some();
        self.walk(outlines, folders);
        if pushed {
            folders.pop();
        }
    }

    fn feed(&mut self, raw: &str, title: Option<String>, o: &::opml::Outline, folders: &[String]) {
        let shown = title.clone().unwrap_or_else(|| raw.to_string());
        let url = match Url::parse(raw) {
            Ok(u) => u,
            Err(ParseError::RelativeUrlWithoutBase) => {
                return self.skip(
                    shown,
                    &format!(
                        "relative URL {raw:?}; a feed URL must be absolute, like https://example.com/feed"
                    ),
                )
            }
            Err(e) => return self.skip(shown, &format!("invalid URL {raw:?}: {e}")),
        };
        if !matches!(url.scheme(), "http" | "https") {
            return self.skip(
                shown,
                &format!(
                    "unsupported URL scheme {:?}; only http and https feeds can be polled",
                    url.scheme()
                ),
            );
        }
        let url = url.to_string();
        let key = canonical_url(&url).unwrap_or_else(|| url.clone());
        if let Some(first) = self.seen.get(&key) {
            let reason = format!("duplicate of an earlier outline in this file ({first})");
            return self.skip(shown, &reason);
        }
        let full_text = self.full_text.get(&key).copied();
        self.seen.insert(key, shown);

        let site_url = o
            .html_url
            .as_deref()
            .and_then(|s| Url::parse(s.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(String::from);
        self.feeds.push(Outline {
            url,
            title,
            site_url,
            folder: (!folders.is_empty()).then(|| folders.join(FOLDER_SEPARATOR)),
            full_text,
        });
    }

    fn skip(&mut self, name: String, reason: &str) {
        self.skipped.push(SkippedOutline {
            name,
            reason: reason.to_string(),
        });
    }
}

/// Canonical feed URL → full-text setting, for every outline with an `xmlUrl` and a known
/// [`FULL_TEXT_ATTR`] value. The first outline of a URL wins, as in [`parse`]; a file the
/// scan cannot finish keeps what it read before the fault.
fn full_text_settings(text: &str) -> HashMap<String, FullTextMode> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = false;
    reader.config_mut().allow_unmatched_ends = true;
    let mut settings = HashMap::new();
    loop {
        let tag = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(Event::Start(tag) | Event::Empty(tag))
                if tag.local_name().as_ref() == b"outline" =>
            {
                tag
            }
            Ok(_) => continue,
        };
        let (mut url, mut mode) = (None, None);
        for attr in tag.attributes().with_checks(false).flatten() {
            let Ok(value) = attr.decoded_and_normalized_value(Default::default(), reader.decoder())
            else {
                continue;
            };
            match attr.key.as_ref() {
                b"xmlUrl" => url = Url::parse(value.trim()).ok().map(String::from),
                key if key == FULL_TEXT_ATTR.as_bytes() => mode = FullTextMode::parse(&value),
                _ => {}
            }
        }
        if let (Some(url), Some(mode)) = (url, mode) {
            let key = canonical_url(&url).unwrap_or(url);
            settings.entry(key).or_insert(mode);
        }
    }
    settings
}

/// The outline's `title`, else its `text`, with whitespace collapsed; `None` when both are blank.
fn outline_name(o: &::opml::Outline) -> Option<String> {
    [o.title.as_deref(), Some(o.text.as_str())]
        .into_iter()
        .flatten()
        .map(collapse_whitespace)
        .find(|s| !s.is_empty())
}

fn untitled() -> String {
    "(untitled outline)".to_string()
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a quick scan of the raw text tells before the real parser runs: which element is at
/// the top, how many outlines there are and how deep they nest, and where the root start tag
/// and the `<head>` are (for the repair). Comments, CDATA, processing instructions and the
/// doctype are skipped, so an `<outline` mentioned in a comment does not count.
#[derive(Debug, Default)]
struct Shape {
    root: Option<String>,
    /// Byte range of the root element's start tag, and whether it is self-closing.
    root_tag: Option<(usize, usize, bool)>,
    /// Byte range of the first `<head>` element, start tag to end tag inclusive.
    head: Option<(usize, usize)>,
    /// Whether a `<body>` element appears at all.
    has_body: bool,
    outlines: usize,
    max_depth: usize,
}

impl Shape {
    fn of(text: &str) -> Shape {
        let mut shape = Shape::default();
        let bytes = text.as_bytes();
        let mut depth = 0usize;
        let mut head_start = None;
        let mut i = 0;
        while let Some(off) = text[i..].find('<') {
            let start = i + off;
            let rest = &text[start..];
            let (end, kind) = if rest.starts_with("<!--") {
                (skip_past(text, start, "-->"), Tag::Other)
            } else if rest.starts_with("<![CDATA[") {
                (skip_past(text, start, "]]>"), Tag::Other)
            } else if rest.starts_with("<?") {
                (skip_past(text, start, "?>"), Tag::Other)
            } else if rest.starts_with("<!") {
                (skip_declaration(bytes, start), Tag::Other)
            } else if let Some(name) = rest.strip_prefix("</") {
                (tag_end(bytes, start), Tag::Close(element_name(name)))
            } else {
                let end = tag_end(bytes, start);
                let self_closing = text[..end].ends_with("/>");
                (end, Tag::Open(element_name(&rest[1..]), self_closing))
            };
            match kind {
                Tag::Open(name, self_closing) if !name.is_empty() => {
                    if shape.root.is_none() {
                        shape.root = Some(name.to_string());
                        shape.root_tag = Some((start, end, self_closing));
                    }
                    if name == "head" && shape.head.is_none() && head_start.is_none() {
                        if self_closing {
                            shape.head = Some((start, end));
                        } else {
                            head_start = Some(start);
                        }
                    }
                    if name == "body" {
                        shape.has_body = true;
                    }
                    if name == "outline" {
                        shape.outlines += 1;
                        if !self_closing {
                            depth += 1;
                            shape.max_depth = shape.max_depth.max(depth);
                        } else {
                            shape.max_depth = shape.max_depth.max(depth + 1);
                        }
                    }
                }
                Tag::Close(name) => {
                    if name == "outline" {
                        depth = depth.saturating_sub(1);
                    } else if name == "head" {
                        if let Some(s) = head_start.take() {
                            shape.head = Some((s, end));
                        }
                    }
                }
                _ => {}
            }
            i = end.max(start + 1);
            if i >= text.len() {
                break;
            }
        }
        shape
    }

    /// The text with the root start tag replaced by a plain `<opml version="2.0">` and the
    /// `<head>` removed.
    fn repaired(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 32);
        let mut pos = 0;
        if let Some((start, end, self_closing)) = self.root_tag {
            out.push_str(&text[..start]);
            out.push_str(if self_closing {
                r#"<opml version="2.0"/>"#
            } else {
                r#"<opml version="2.0">"#
            });
            pos = end;
        }
        match self.head {
            Some((start, end)) if start >= pos => {
                out.push_str(&text[pos..start]);
                out.push_str(&text[end..]);
            }
            _ => out.push_str(&text[pos..]),
        }
        out
    }
}

enum Tag<'a> {
    Open(&'a str, bool),
    Close(&'a str),
    Other,
}

/// The element name at the start of `s` (after `<` or `</`).
fn element_name(s: &str) -> &str {
    let end = s
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(s.len());
    &s[..end]
}

/// Index just past `terminator` searched from `from`, or the end of the text.
fn skip_past(text: &str, from: usize, terminator: &str) -> usize {
    text[from..]
        .find(terminator)
        .map_or(text.len(), |off| from + off + terminator.len())
}

/// Index just past the `>` that ends the tag starting at `from`, ignoring `>` inside quotes.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(from + 1) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    bytes.len()
}

/// Index just past a `<!DOCTYPE ...>` declaration, including an internal `[...]` subset.
fn skip_declaration(bytes: &[u8], from: usize) -> usize {
    let mut nesting = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        match b {
            b'<' => nesting += 1,
            b'>' => {
                nesting = nesting.saturating_sub(1);
                if nesting == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    bytes.len()
}

/// An OPML 2.0 document listing `feeds`, grouped by folder.
///
/// Feeds without a folder come first, then one folder outline per folder in the order the
/// folders first appear in `feeds`. The head carries no `dateCreated`, so the output depends
/// on `feeds` alone; use [`export_with_date`] to stamp it.
pub fn export(feeds: &[Feed]) -> String {
    render(feeds, None)
}

/// Like [`export`], with `<dateCreated>` set to `created` (RFC 822, as OPML requires).
///
/// The time is a parameter rather than read from the clock here so that callers decide
/// what "now" is and exports stay reproducible in tests.
pub fn export_with_date(feeds: &[Feed], created: DateTime<Utc>) -> String {
    render(feeds, Some(created))
}

fn render(feeds: &[Feed], created: Option<DateTime<Utc>>) -> String {
    let mut unfiled = Vec::new();
    let mut folders: Vec<(&str, Vec<&Feed>)> = Vec::new();
    for feed in feeds {
        match feed
            .folder
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
        {
            None => unfiled.push(feed),
            Some(name) => match folders.iter_mut().find(|(n, _)| *n == name) {
                Some((_, list)) => list.push(feed),
                None => folders.push((name, vec![feed])),
            },
        }
    }

    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<opml version=\"2.0\">\n  <head>\n");
    let _ = writeln!(out, "    <title>{}</title>", escape(EXPORT_TITLE));
    if let Some(t) = created {
        let date = t.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let _ = writeln!(out, "    <dateCreated>{date}</dateCreated>");
    }
    out.push_str("  </head>\n  <body>\n");
    for feed in unfiled {
        write_feed(&mut out, feed, "    ");
    }
    for (name, list) in folders {
        let name = escape(name);
        let _ = writeln!(out, "    <outline text=\"{name}\" title=\"{name}\">");
        for feed in list {
            write_feed(&mut out, feed, "      ");
        }
        out.push_str("    </outline>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

fn write_feed(out: &mut String, feed: &Feed, indent: &str) {
    // OPML requires `text`; a feed never fetched may have an empty title, so fall back to
    // the URL rather than write an outline readers would show blank.
    let title = if feed.title.trim().is_empty() {
        &feed.url
    } else {
        &feed.title
    };
    let title = escape(title);
    let _ = write!(
        out,
        "{indent}<outline type=\"rss\" text=\"{title}\" title=\"{title}\" xmlUrl=\"{}\"",
        escape(&feed.url)
    );
    if let Some(site) = feed.site_url.as_deref().filter(|s| !s.trim().is_empty()) {
        let _ = write!(out, " htmlUrl=\"{}\"", escape(site));
    }
    if feed.full_text != FullTextMode::Auto {
        let _ = write!(out, " {FULL_TEXT_ATTR}=\"{}\"", feed.full_text.as_str());
    }
    out.push_str("/>\n");
}

/// `s` escaped for XML text and attribute values. Tabs and line breaks become character
/// references so attribute normalisation cannot turn them into spaces, and characters XML 1.0
/// cannot represent at all (most C0 controls, U+FFFE, U+FFFF) are dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => {
                out.push(c)
            }
            _ => {}
        }
    }
    out
}

/// The starter pack: South Asia news feeds as OPML.
///
/// Pakistani, Indian and Chinese outlets in their own folders, so an analyst can scope a rule
/// to one side's press, their Urdu, Hindi and Chinese press in a folder per language, plus
/// international wires and analysis. Offered once, on first run.
pub const STARTER_PACK: &str = include_str!("../assets/starter-pack.opml");

/// The default rule offered with the starter pack: (name, query). Its concepts
/// ([`crate::rules::lexicon`]) cover English, Urdu, Hindi and Chinese spellings, so it alerts on
/// ceasefire stories from every folder of the pack.
pub const DEFAULT_RULE: (&str, &str) = (
    "South Asia ceasefire",
    "@ceasefire (@india OR @pakistan OR @kashmir OR @line-of-control)",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_finds_root_outlines_and_depth_but_ignores_comments() {
        let text = r#"<?xml version="1.0"?>
<!DOCTYPE opml [ <!ENTITY x "y"> ]>
<!-- <outline text="not counted"> -->
<opml version="2.0"><head><title>a > b</title></head><body>
<outline text="Folder"><outline text="A" xmlUrl="https://a.example/?x=1&amp;y=>"/></outline>
</body></opml>"#;
        let shape = Shape::of(text);
        assert_eq!(shape.root.as_deref(), Some("opml"), "root element");
        assert_eq!(shape.outlines, 2, "outlines outside comments");
        assert_eq!(
            shape.max_depth, 2,
            "a feed inside a folder is two levels deep"
        );
        let (start, end) = shape.head.expect("head found");
        assert!(text[start..end].starts_with("<head>") && text[start..end].ends_with("</head>"));
    }

    #[test]
    fn the_repair_sets_a_version_and_drops_the_head() {
        let text =
            r#"<opml xmlns:x="urn:x"><head><windowTop>high</windowTop></head><body/></opml>"#;
        let repaired = Shape::of(text).repaired(text);
        assert_eq!(repaired, r#"<opml version="2.0"><body/></opml>"#);
    }

    #[test]
    fn escaping_covers_markup_quotes_and_control_characters() {
        assert_eq!(
            escape("a&b<c>\"d'\te\nf\u{1}g"),
            "a&amp;b&lt;c&gt;&quot;d&apos;&#9;e&#10;fg",
            "markup escaped, tab/newline as references, U+0001 dropped"
        );
    }

    #[test]
    fn the_default_rule_is_the_ceasefire_query() {
        assert_eq!(DEFAULT_RULE.0, "South Asia ceasefire");
        assert!(
            DEFAULT_RULE.1.contains("@line-of-control"),
            "{}",
            DEFAULT_RULE.1
        );
    }
}
