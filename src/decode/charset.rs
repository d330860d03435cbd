//! Character set: which encoding a feed document is in, and the document as UTF-8.
//!
//! In order: the byte-order mark wins, then the `charset` of the HTTP `Content-Type`, then
//! the XML declaration's `encoding`; a declared UTF-8 that is not valid UTF-8 is disbelieved,
//! and with nothing credible left the encoding is guessed with `chardetng`. The body is
//! converted with `encoding_rs` and the declaration rewritten to say UTF-8, so the parser does
//! not decode a second time.

use super::{find, HEAD_BYTES};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
use std::borrow::Cow;
use url::Url;

/// Converts the body to UTF-8, borrowing it when it already is.
pub(super) fn to_utf8<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    url: Option<&Url>,
) -> Cow<'a, str> {
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
pub(super) fn normalise_declaration(text: Cow<'_, str>) -> Cow<'_, str> {
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
