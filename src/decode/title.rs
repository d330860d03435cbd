//! Titles: a feed's or entry's title as the text a reader shows, by what the feed says it is
//! (Atom's `type`) or, for RSS, by how it looks, the way tolerant readers guess.

use super::entities::decode_entities;
use super::entity_names::html_entity;
use super::text::{collapse_whitespace, strip_tags};

/// What a feed says a title's text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TitleKind {
    /// Plain text (Atom `type="text"`, JSON Feed): shown as written, markup and all.
    Text,
    /// HTML (Atom `type="html"` and `"xhtml"`): tags dropped, references read once.
    Html,
    /// Unsaid (RSS): HTML if it looks like HTML, else plain text.
    Guess,
}

/// A feed or entry title as the text a reader shows, by what the feed says it is.
///
/// RSS does not say, so it is guessed the way the tolerant readers guess: text that holds an
/// end tag or a character reference, and only tags of HTML elements and references HTML
/// defines, is HTML; anything else ("Rupee <85", "&lt;br&gt; tag" after XML decoding gives
/// "<br> tag") is plain text and keeps its words. Except markup that is not prose: a tag with
/// attributes, a tag of an element that runs or embeds something (`<img src=x onerror=…>`,
/// `<script>`), or an unclosed start tag of an HTML element that wraps text (`<b>bold`) makes
/// the title HTML, so that no title carries it; a lone empty element (`<br>`) stays text.
pub(super) fn title_text(raw: &str, kind: TitleKind) -> String {
    let html = match kind {
        TitleKind::Text => false,
        TitleKind::Html => true,
        TitleKind::Guess => looks_like_html(raw) || holds_active_markup(raw),
    };
    if html {
        collapse_whitespace(&decode_entities(&strip_tags(raw)))
    } else {
        collapse_whitespace(raw)
    }
}

/// Elements that run or embed something: a title holding one of their tags is markup.
const ACTIVE_ELEMENTS: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
    "img", "video", "audio", "form", "input", "textarea", "select", "button", "link", "meta",
    "base", "template", "noscript", "marquee",
];

/// HTML elements without content: their tag alone in a title is more likely a word.
const VOID_ELEMENTS: &[&str] = &[
    "area", "br", "col", "hr", "img", "input", "keygen", "source",
];

/// Whether `s` holds a tag with attributes (`<a href=`), a tag of an [`ACTIVE_ELEMENTS`]
/// element, or a start tag of an HTML element that wraps text (`<b>`).
fn holds_active_markup(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.iter().enumerate().any(|(at, b)| {
        if *b != b'<' {
            return false;
        }
        let from = at + 1 + usize::from(bytes.get(at + 1) == Some(&b'/'));
        let len = bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if len == 0 {
            return false;
        }
        let name = s[from..from + len].to_ascii_lowercase();
        let rest = &s[from + len..];
        let attribute = rest.starts_with(|c: char| c.is_ascii_whitespace())
            && rest
                .split('>')
                .next()
                .is_some_and(|inside| inside.contains('='));
        let opening = bytes[at + 1] != b'/';
        let wraps_text = opening
            && TITLE_ELEMENTS.contains(&name.as_str())
            && !VOID_ELEMENTS.contains(&name.as_str());
        attribute || wraps_text || ACTIVE_ELEMENTS.contains(&name.as_str())
    })
}

/// HTML elements a title may hold and still read as HTML.
const TITLE_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "big",
    "blockquote",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "command",
    "datagrid",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "keygen",
    "label",
    "legend",
    "li",
    "m",
    "map",
    "menu",
    "meter",
    "multicol",
    "nav",
    "nextid",
    "noscript",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "pre",
    "progress",
    "q",
    "s",
    "samp",
    "section",
    "select",
    "small",
    "sound",
    "source",
    "spacer",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "video",
];

/// Whether untyped text reads as HTML: it has an end tag (`</b>`) or a character reference
/// (`&amp;`, `&#8217;`), every tag names an HTML element and every named reference is one
/// HTML defines.
fn looks_like_html(s: &str) -> bool {
    if !s.contains(['<', '&']) {
        return false;
    }
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let bytes = s.as_bytes();
    let mut evidence = false;
    for (at, b) in bytes.iter().enumerate() {
        match b {
            b'<' => {
                let closing = bytes.get(at + 1) == Some(&b'/');
                let from = at + 1 + usize::from(closing);
                let len = bytes[from..].iter().take_while(|b| word(b)).count();
                if len == 0 {
                    continue;
                }
                let name = s[from..from + len].to_ascii_lowercase();
                if !TITLE_ELEMENTS.contains(&name.as_str()) {
                    return false;
                }
                evidence |= closing && bytes.get(from + len) == Some(&b'>');
            }
            b'&' => {
                let numeric = bytes.get(at + 1) == Some(&b'#');
                let from = at + 1 + usize::from(numeric);
                let len = bytes[from..].iter().take_while(|b| word(b)).count();
                if len == 0 || bytes.get(from + len) != Some(&b';') {
                    continue;
                }
                if !numeric && html_entity(&s[from..from + len]).is_none() {
                    return false;
                }
                evidence = true;
            }
            _ => {}
        }
    }
    evidence
}
