//! Repair of documents the parser refused: junk before the root dropped, HTML-only entities
//! replaced, stray `&` escaped, characters XML forbids removed. Runs only after a failed
//! parse, so well-formed feeds never pay for it.

use super::entities::{numeric_char, parse_reference, Reference};
use super::entity_names::html_entity;
use super::{find, HEAD_BYTES};

/// Repairs the usual ways feeds are not well-formed XML: junk before the root (BOMs, blank
/// lines, PHP warnings), HTML entities XML does not define, `&` that starts no entity, and
/// control characters XML forbids. CDATA sections and comments are copied as they are, apart
/// from forbidden characters.
pub(super) fn repair(text: &str) -> String {
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
pub(super) fn is_xml_char(c: char) -> bool {
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
