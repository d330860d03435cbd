//! The character set of an article page.
//!
//! Web pages declare their encoding where feeds do not: in a `<meta charset>` or a
//! `<meta http-equiv="Content-Type">` near the top. The order follows the HTML standard:
//! the byte-order mark, then the HTTP `Content-Type` charset, then the page's `<meta>` (unless
//! the bytes are valid UTF-8 with non-ASCII in them, which a legacy encoding's rarely are);
//! with none of them, valid UTF-8 is UTF-8 and anything else is guessed with `chardetng`. All but
//! the `<meta>` prescan is the decode stage's own reading ([`crate::decode::document_text`]),
//! which also disbelieves a declared UTF-8 that the bytes are not.

use crate::decode::document_text;
use std::borrow::Cow;
use url::Url;

/// How far into the page a `<meta>` charset is looked for. The standard says 1024 bytes;
/// news pages often put scripts and preload hints first, so a little more is read.
const PRESCAN_BYTES: usize = 8 * 1024;

/// The page's bytes as UTF-8 text, borrowed when they already are.
pub fn page_text<'a>(body: &'a [u8], content_type: Option<&str>, url: &Url) -> Cow<'a, str> {
    let header_has_charset =
        content_type.is_some_and(|t| t.to_ascii_lowercase().contains("charset"));
    // Bytes that are valid UTF-8 with non-ASCII in them are UTF-8 whatever the `<meta>` says:
    // a legacy encoding's text is almost never valid UTF-8 by accident, while pages re-saved
    // as UTF-8 that kept their old declaration are common.
    let meta = meta_charset(body).filter(|_| !header_has_charset);
    let meta = meta.filter(|_| body.is_ascii() || std::str::from_utf8(body).is_err());
    match meta {
        // The page's own declaration goes where decode reads a header's, so it ranks below
        // the byte-order mark and above guessing, and a false UTF-8 is still disbelieved.
        Some(label) => document_text(
            body,
            Some(&format!("text/html; charset={label}")),
            Some(url),
        ),
        None => document_text(body, content_type, Some(url)),
    }
}

/// The charset label of the first `<meta>` near the top of the page that declares one.
fn meta_charset(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(PRESCAN_BYTES)];
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let start = from + at + b"<meta".len();
        let end = start
            + lower[start..]
                .iter()
                .position(|b| *b == b'>')
                .unwrap_or(lower.len() - start);
        let tag = &lower[start..end];
        // `charset=` covers both forms: the attribute and the parameter inside `content`.
        if let Some(pos) = find(tag, b"charset") {
            let rest = &tag[pos + b"charset".len()..];
            let rest = rest
                .trim_ascii_start()
                .strip_prefix(b"=")?
                .trim_ascii_start();
            let rest = rest
                .strip_prefix(b"\"")
                .or_else(|| rest.strip_prefix(b"'"))
                .unwrap_or(rest);
            let len = rest
                .iter()
                .position(|b| {
                    matches!(b, b'"' | b'\'' | b';' | b'/' | b'>') || b.is_ascii_whitespace()
                })
                .unwrap_or(rest.len());
            let label = std::str::from_utf8(&rest[..len]).ok()?;
            if encoding_rs::Encoding::for_label_no_replacement(label.as_bytes()).is_some() {
                return Some(label.to_owned());
            }
        }
        from = end;
    }
    None
}

/// Position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://news.example.com/story").expect("valid")
    }

    #[test]
    fn a_meta_charset_decodes_a_windows_1252_page() {
        let page = b"<html><head><meta charset=\"windows-1252\"></head><body>caf\xe9 \x93quoted\x94</body></html>";
        let text = page_text(page, Some("text/html"), &url());
        assert!(
            text.contains("caf\u{e9} \u{201c}quoted\u{201d}"),
            "decoded as windows-1252: {text}"
        );
    }

    #[test]
    fn an_http_equiv_content_type_declares_shift_jis() {
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("<p>日本語の記事</p>");
        let mut page =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">".to_vec();
        page.extend_from_slice(&bytes);
        assert!(page_text(&page, None, &url()).contains("日本語の記事"));
    }

    #[test]
    fn the_header_charset_outranks_the_meta() {
        let (bytes, _, _) = encoding_rs::GBK.encode("<meta charset=\"utf-8\"><p>新闻报道</p>");
        let text = page_text(&bytes, Some("text/html; charset=GBK"), &url());
        assert!(text.contains("新闻报道"), "the header said GBK: {text}");
    }

    #[test]
    fn a_false_utf8_meta_is_disbelieved_and_the_bytes_guessed() {
        let page = b"<meta charset=utf-8><p>Le caf\xe9 est ferm\xe9 depuis l'\xe9t\xe9 dernier \xe0 Paris.</p>";
        let text = page_text(page, None, &url());
        assert!(
            text.contains("caf\u{e9} est ferm\u{e9}"),
            "guessed as a Latin encoding: {text}"
        );
    }

    #[test]
    fn valid_utf8_outranks_a_legacy_meta() {
        let page = "<meta charset=\"gb2312\"><p>谷歌在2014年收购的人工智能公司</p>".as_bytes();
        let text = page_text(page, Some("text/html"), &url());
        assert!(text.contains("谷歌在2014年收购"), "read as UTF-8: {text}");
    }

    #[test]
    fn a_utf8_page_without_declaration_is_borrowed() {
        let page = "<p>Ceasefire talks in Doha — día uno</p>".as_bytes();
        assert!(matches!(page_text(page, None, &url()), Cow::Borrowed(_)));
    }
}
