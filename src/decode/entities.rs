//! Character references: the one parser of `&name;`, `&#123;` and `&#x7B;` and what they
//! mean. Repair, plain-text decoding and the sanitiser's fast path all read references
//! through [`parse_reference`], each deciding which characters it takes.

use super::entity_names::html_entity;
use super::repair::is_xml_char;
use encoding_rs::WINDOWS_1252;
use std::borrow::Cow;

/// A character or entity reference.
pub(super) enum Reference<'a> {
    /// `&name;`
    Named(&'a str),
    /// `&#123;` or `&#x7B;`
    Numeric(u32),
}

/// Parses the reference at the start of `s` (which begins with `&`), with its length in bytes.
/// Only terminated references count: `&nbsp` without `;` is treated as text.
pub(super) fn parse_reference(s: &str) -> Option<(Reference<'_>, usize)> {
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
pub(super) fn numeric_char(code: u32) -> Option<char> {
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
pub(super) fn decode_entities(s: &str) -> Cow<'_, str> {
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
