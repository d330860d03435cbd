//! Sanitising: bodies pass `ammonia` with Wirewatch's policy, configured once per process;
//! bodies in a small common part of HTML take a fast path that writes what the sanitiser
//! would, without building a tree.

use super::entities::{parse_reference, Reference};
use super::text::{plain_text, TextSink};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::OnceLock;
use url::Url;

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
pub(super) fn sanitize(html: &str, base: Option<Url>) -> String {
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
pub(super) fn simple_clean(html: &str) -> Option<(String, String)> {
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
                let (c, len) = character_reference(&html[i..])?;
                marked |= escape_text_char(c, &mut out);
                text.text(c.encode_utf8(&mut [0; 4]));
                i += len;
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

/// The character a reference at the start of `s` (which begins with `&`) stands for, and the
/// reference's length; `None` for the references left to the parser. A `&` before white
/// space is itself.
fn character_reference(s: &str) -> Option<(char, usize)> {
    if s[1..].starts_with([' ', '\n', '\t']) {
        return Some(('&', 1));
    }
    let (reference, len) = parse_reference(s)?;
    let c = match reference {
        Reference::Named(name) => match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{a0}',
            _ => return None,
        },
        Reference::Numeric(value) => {
            // `&#` or `&#x`, at most seven digits, `;`.
            let hex = matches!(s.as_bytes()[2], b'x' | b'X');
            if len > 7 + 3 + usize::from(hex) {
                return None;
            }
            // Controls, C1 controls (read as Windows-1252), surrogates and noncharacters are
            // the parser's business.
            let plain = matches!(value, 0x09 | 0x0a | 0x20..=0x7e | 0xa0..=0xfdcf | 0xfdf0..=0x10_ffff)
                && value & 0xfffe != 0xfffe;
            char::from_u32(value).filter(|_| plain)?
        }
    };
    Some((c, len))
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

#[cfg(test)]
mod tests {
    use super::super::text::sanitized_text;
    use super::*;

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
