//! Thin adapters over the extractor's output for what news pages add around a story.
//!
//! Each one is kept only because it raised F1 on the labelled corpus (BENCHMARKS.md,
//! "Full-text extraction", where the before and after are given):
//!
//! 1. **Before extraction**, [`remove_boxes`] takes out of the page the boxes that sit inside
//!    a story's column without being story: photo captions (`figcaption`), newsletter sign-up
//!    boxes and "related stories" lists, found by element and class. On the news pages of the
//!    corpus, F1 went from 0.949 to 0.956 (mean) and 0.973 to 0.981 (median); captions did
//!    most of it, related lists and newsletter boxes +0.001 each. Broader matches (any
//!    element whose class mentions "subscribe", "author" or "related") emptied whole pages
//!    whose `<body>` carried such a class, and lowered F1.
//! 2. **After extraction**, [`without_repeats`]: a heading or paragraph at the top of the
//!    content that repeats the title or the byline (both reported on their own) is dropped;
//!    Readability leaves a byline in when the page's metadata named the author already. It works on the sanitiser's output,
//!    a regular language (lowercase tags, double-quoted attributes), so nothing is parsed
//!    again.

use std::borrow::Cow;

/// Boxes inside a story's column that are not story. Element names keep the matches off the
/// page's `<body>`, `<main>` and `<article>`, whose classes often name the section.
const BOXES: &str = "figcaption, \
    div[class*=\"newsletter\"], section[class*=\"newsletter\"], aside[class*=\"newsletter\"], \
    form[class*=\"newsletter\"], \
    aside[class*=\"related\"], section[class*=\"related\"], ul[class*=\"related\"], \
    div[class*=\"related-\"], div[class~=\"related\"]";

/// Removes captions, newsletter boxes and related-stories lists from a parsed page.
pub fn remove_boxes(page: &dom_query::Document) {
    page.select(BOXES).remove();
}

/// How far into the content a headline is looked for: past a wrapper or two, before the text.
const HEADLINE_WINDOW: usize = 2048;

/// The content without its leading blocks (headings and paragraphs, before any other text)
/// that only repeat the title or the byline.
pub fn without_repeats<'a>(
    html: &'a str,
    title: Option<&str>,
    byline: Option<&str>,
) -> Cow<'a, str> {
    let mut repeats: Vec<String> = Vec::new();
    if let Some(title) = title {
        repeats.push(comparable(title));
    }
    if let Some(byline) = byline {
        repeats.push(comparable(byline));
        repeats.push(comparable(&format!("by {byline}")));
    }
    repeats.retain(|r| !r.is_empty());
    let mut html = Cow::Borrowed(html);
    // Headline, then byline (or the other way round): two leading blocks at most.
    for _ in 0..2 {
        let Some((start, end)) = leading_block(&html) else {
            break;
        };
        if !repeats.contains(&comparable(&crate::decode::stored_text(&html[start..end]))) {
            break;
        }
        html = Cow::Owned(format!("{}{}", &html[..start], &html[end..]));
    }
    html
}

/// The byte range of the first heading or paragraph, when no text comes before it.
fn leading_block(html: &str) -> Option<(usize, usize)> {
    let window = &html[..floor_boundary(html, HEADLINE_WINDOW)];
    let start = ["<h1", "<h2", "<h3", "<p>", "<p "]
        .iter()
        .filter_map(|tag| window.find(tag))
        .min()?;
    // Only markup (wrappers) may come before it; text there means it is not leading.
    if !crate::decode::stored_text(&window[..start])
        .trim()
        .is_empty()
    {
        return None;
    }
    let name = if html[start + 1..].starts_with('p') {
        "p"
    } else {
        &html[start + 1..start + 3]
    };
    let close = format!("</{name}>");
    let len = html[start..].find(&close)?;
    Some((start, start + len + close.len()))
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
    fn captions_newsletter_boxes_and_related_lists_are_removed_and_the_story_kept() {
        let page = dom_query::Document::from(
            "<body class=\"related-topics newsletter-page\"><article class=\"story\">\
             <figure><img src=\"a.jpg\"><figcaption>Envoys arrive.</figcaption></figure>\
             <p>Talks resumed.</p><aside class=\"related-stories\"><a href=\"/x\">Older</a></aside>\
             <div class=\"newsletter-signup\">Sign up</div><div class=\"related\">More</div>\
             <p>They end on Sunday.</p></article></body>",
        );
        remove_boxes(&page);
        let text = page.select("body").text();
        assert_eq!(
            text.as_ref(),
            "Talks resumed.They end on Sunday.",
            "only the story is left"
        );
        assert!(page.select("img").exists(), "the photo itself stays");
    }

    #[test]
    fn a_leading_heading_that_repeats_the_title_is_dropped() {
        let html =
            "<div><h1>Flood defences hold — as river peaks</h1><p>The Indus crested.</p></div>";
        let out = without_repeats(html, Some("Flood defences hold as river peaks"), None);
        assert_eq!(out, "<div><p>The Indus crested.</p></div>");
    }

    #[test]
    fn a_leading_byline_goes_with_the_headline_but_not_one_inside_the_text() {
        let html = "<h1>Floods</h1><p>By Bilal Ahmed</p><p>The river rose.</p>";
        let out = without_repeats(html, Some("Floods"), Some("Bilal Ahmed"));
        assert_eq!(out, "<p>The river rose.</p>");
        let later = "<p>The river rose.</p><p>By Bilal Ahmed</p>";
        assert_eq!(
            without_repeats(later, Some("Floods"), Some("Bilal Ahmed")),
            later
        );
    }

    #[test]
    fn a_different_heading_or_a_subhead_after_text_stays() {
        let other = "<h1>Live updates</h1><p>Text.</p>";
        assert_eq!(
            without_repeats(other, Some("Flood defences hold"), None),
            other
        );
        let subhead = "<p>Intro.</p><h2>Flood defences hold</h2><p>More.</p>";
        assert_eq!(
            without_repeats(subhead, Some("Flood defences hold"), None),
            subhead
        );
        assert_eq!(without_repeats(other, None, None), other);
    }
}
