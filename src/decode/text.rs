//! Plain text: titles and names as plain text, plain-text bodies as HTML, and the text of
//! HTML bodies (block elements and `<br>` start lines, other whitespace collapses).

use super::entities::decode_entities;
use scraper::{ElementRef, Html, Node};
use std::borrow::Cow;

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

/// The words of `s` (split at whitespace) joined by single spaces.
pub(super) fn single_spaced(s: &str) -> String {
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

/// A plain-text body: whitespace collapsed within lines, blank lines dropped.
pub(super) fn plain_text(s: &str) -> String {
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
pub(super) fn plain_to_html(s: &str) -> String {
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
pub(super) fn sanitized_text(clean: &str) -> String {
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
pub(super) fn html_text(html: &str) -> String {
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
pub(super) struct TextSink {
    pub(super) out: String,
    pending_space: bool,
    pending_break: bool,
}

impl TextSink {
    pub(super) fn text(&mut self, text: &str) {
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

    pub(super) fn line_break(&mut self) {
        self.pending_break = true;
    }
}

#[cfg(test)]
mod tests {
    use super::super::sanitize::sanitize;
    use super::*;
    use url::Url;

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
}
