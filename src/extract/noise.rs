//! Thin adapters over the extractor's output for what news pages add around a story.
//!
//! Each one is kept only because it raised F1 on the labelled corpus (BENCHMARKS.md,
//! "Full-text extraction", where the before and after are given):
//!
//! 1. **Headline**: the extractor keeps the page's `<h1>` as the first block of the content;
//!    the title is reported on its own, so a leading heading that repeats it is dropped.
//!
//! They work on the sanitiser's output, a regular language (lowercase tags, double-quoted
//! attributes, text escaped), so nothing is parsed a second time.

use std::borrow::Cow;

/// How far into the content a headline is looked for: past a wrapper or two, before the text.
const HEADLINE_WINDOW: usize = 2048;

/// The content without a leading heading that only repeats `title`.
pub fn without_headline<'a>(html: &'a str, title: Option<&str>) -> Cow<'a, str> {
    let Some(title) = title.map(comparable).filter(|t| !t.is_empty()) else {
        return Cow::Borrowed(html);
    };
    let window = &html[..floor_boundary(html, HEADLINE_WINDOW)];
    let Some(start) = ["<h1", "<h2"]
        .iter()
        .filter_map(|tag| window.find(tag))
        .min()
    else {
        return Cow::Borrowed(html);
    };
    // Only a heading before any paragraph is the headline; one further down is a subhead.
    if window[..start].contains("<p") {
        return Cow::Borrowed(html);
    }
    let level = &html[start + 1..start + 3];
    let close = format!("</{level}>");
    let Some(len) = html[start..].find(&close) else {
        return Cow::Borrowed(html);
    };
    let end = start + len + close.len();
    if comparable(&crate::decode::stored_text(&html[start..end])) != title {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    out.push_str(&html[..start]);
    out.push_str(&html[end..]);
    Cow::Owned(out)
}

/// Text compared without case, punctuation or spacing differences.
fn comparable(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The largest char boundary of `s` at or below `at`.
fn floor_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_heading_that_repeats_the_title_is_dropped() {
        let html =
            "<div><h1>Flood defences hold — as river peaks</h1><p>The Indus crested.</p></div>";
        let out = without_headline(html, Some("Flood defences hold as river peaks"));
        assert_eq!(out, "<div><p>The Indus crested.</p></div>");
    }

    #[test]
    fn a_different_heading_or_a_subhead_after_text_stays() {
        let other = "<h1>Live updates</h1><p>Text.</p>";
        assert_eq!(without_headline(other, Some("Flood defences hold")), other);
        let subhead = "<p>Intro.</p><h2>Flood defences hold</h2><p>More.</p>";
        assert_eq!(
            without_headline(subhead, Some("Flood defences hold")),
            subhead
        );
        assert_eq!(without_headline(other, None), other);
    }
}
