//! Repair of documents the parser refused: junk before the root dropped, HTML-only entities
//! replaced, stray `&` escaped, characters XML forbids removed. Runs only after a failed
//! parse, so well-formed feeds never pay for it.

use super::entities::{numeric_char, parse_reference, Reference};
use super::entity_names::html_entity;
use super::{find, HEAD_BYTES};

/// Repairs the usual ways feeds are not well-formed XML: junk before the root (BOMs, blank
/// lines, PHP warnings), HTML entities XML does not define, `&` and `<` that start no entity
/// or tag, and control characters XML forbids. CDATA sections and comments are copied as they
/// are, apart from forbidden characters.
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
            // `<` that starts no tag ("a < b", "<3"): escape it.
            b'<' if !bytes.get(i + 1).is_some_and(|n| {
                n.is_ascii_alphabetic()
                    || matches!(n, b'/' | b'!' | b'?' | b'_' | b':')
                    || *n >= 0x80
            }) =>
            {
                out.push_str(&src[copied..i]);
                out.push_str("&lt;");
                i += 1;
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
    rss_version(&mut out);
    out
}

/// Repairs a JSON Feed the parser refused for its envelope: a `version` it does not know
/// (`http://` rather than `https://`, missing, another number) becomes 1.1, a missing or
/// non-text feed `title` becomes empty, and an item's `authors` given as one object becomes
/// a list of it. `None` when the text is not a JSON object.
pub(super) fn repair_json(text: &str) -> Option<String> {
    use serde_json::Value;
    let mut doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
    let feed = doc.as_object_mut()?;
    let known = feed
        .get("version")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("https://jsonfeed.org/version/1"));
    if !known {
        feed.insert("version".into(), "https://jsonfeed.org/version/1.1".into());
    }
    if !feed.get("title").is_some_and(Value::is_string) {
        feed.insert("title".into(), "".into());
    }
    if let Some(items) = feed.get_mut("items").and_then(Value::as_array_mut) {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(author) = item.get("authors").filter(|a| a.is_object()).cloned() {
                item.insert("authors".into(), Value::Array(vec![author]));
            }
        }
    }
    serde_json::to_string(&doc).ok()
}

/// Gives an `<rss>` root without a version, or with one the parser does not dispatch on
/// (`0.90`, `0.93`, `0.94`, `2.0.1`, `2`), version 2.0: RSS 0.9x and 2.0 are read alike, and
/// the parser otherwise finds no feed root.
fn rss_version(doc: &mut String) {
    let head = &doc.as_bytes()[..doc.len().min(HEAD_BYTES)];
    let Some(open) = find(head, b"<rss") else {
        return;
    };
    if !head
        .get(open + 4)
        .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>')
    {
        return;
    }
    let Some(close) = head[open..]
        .iter()
        .position(|b| *b == b'>')
        .map(|p| open + p)
    else {
        return;
    };
    let tag = &doc[open..close];
    let version = tag.find("version").and_then(|at| {
        let rest = &tag[at + "version".len()..];
        let rest_trimmed = rest.trim_start().strip_prefix('=')?.trim_start();
        let quote = rest_trimmed
            .chars()
            .next()
            .filter(|q| *q == '"' || *q == '\'')?;
        let value_at = tag.len() - rest_trimmed.len() + 1;
        let len = tag[value_at..].find(quote)?;
        Some((
            open + at,
            open + value_at + len + 1,
            &tag[value_at..value_at + len],
        ))
    });
    match version {
        Some((_, _, "2.0" | "0.91" | "0.92")) => {}
        Some((from, to, _)) => doc.replace_range(from..to, "version=\"2.0\""),
        None => doc.insert_str(open + 4, " version=\"2.0\""),
    }
    // Items straight under the root, with no channel around them, get one.
    if !doc.contains("<channel") {
        if let (Some(start), Some(end)) = (
            doc[open..].find('>').map(|p| open + p + 1),
            doc.rfind("</rss>"),
        ) {
            if start <= end {
                doc.insert_str(end, "</channel>");
                doc.insert_str(start, "<channel>");
            }
        }
    }
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
