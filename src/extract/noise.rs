//! A thin adapter for what news pages put inside a story's column without it being story.
//!
//! [`remove_boxes`] takes out of the page, before extraction, photo captions (`figcaption`),
//! newsletter sign-up boxes and "related stories" lists, found by element and class. On the
//! news pages of the corpus (BENCHMARKS.md, "Full-text extraction"), F1 went from 0.949 to
//! 0.956 (mean) and 0.973 to 0.981 (median); captions did most of it, related lists and
//! newsletter boxes +0.001 each. Broader matches (any element whose class mentions
//! "subscribe", "signup", "author" or "byline") emptied pages whose `<body>` carried such a
//! class, and lowered F1. Dropping a leading paragraph that repeats the title or byline after
//! extraction was first left out on those figures: it changed three news pages (+0.031,
//! +0.002, −0.002), +0.0002 on the mean.
//!
//! [`without_byline_block`] brings the byline half of it back for the reader, not for F1: it runs after extraction, on the main content alone: when its first
//! or last text block is the byline the page also declares ("By Baqir Sajjad Syed" on Dawn,
//! "Reporting by …; Editing by …" under a wire story), that block goes, so the reader does not
//! show the byline twice. It is deliberately narrow so that story text is never lost: a block
//! goes only when it equals the extracted byline once both are normalised, or when it is a
//! short "By …" / "Reporting by …" line whose every other word reads as a name; and never
//! when it is the content's only block. On the corpus's 181 news pages it changes 11: nine
//! lose a byline line and gain F1 (+0.002 to +0.006 each), two lose a credit line their label
//! keeps ("Staff Reports", "© Reuters", −0.001 and −0.002); the mean stays 0.956.

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

/// Elements that hold a block of text in the extractor's output. A block is one of these
/// with none of them inside it.
const BLOCKS: &str =
    "p, div, address, h1, h2, h3, h4, h5, h6, li, blockquote, section, header, footer";

/// A byline line is short: a few names and their connectors. Longer lines are story.
const MAX_BYLINE_WORDS: usize = 12;

/// How a byline line opens, lowercased, longest first so "reporting by" wins over "by".
const BYLINE_OPENINGS: [&str; 5] = ["reporting by", "written by", "words by", "story by", "by"];

/// Lowercase words that may sit between names in a byline ("and", "Editing by", "al-", "van").
const NAME_JOINERS: [&str; 16] = [
    "and", "&", "by", "de", "del", "da", "di", "van", "von", "der", "al", "bin", "ibn", "ul", "ud",
    "la",
];

/// The main content `html` without a leading or trailing block that only repeats the byline.
/// Returns `html` unchanged when there is nothing to drop.
pub fn without_byline_block(html: &str, byline: Option<&str>) -> String {
    let doc = dom_query::Document::fragment(html);
    let blocks: Vec<_> = doc
        .select(BLOCKS)
        .iter()
        .filter(|block| !block.select(BLOCKS).exists() && !block.text().trim().is_empty())
        .collect();
    if blocks.len() < 2 {
        return html.to_owned();
    }
    let mut dropped = false;
    for block in [blocks.first(), blocks.last()].into_iter().flatten() {
        if is_byline(&block.text(), byline) {
            block.remove();
            dropped = true;
        }
    }
    if dropped {
        doc.html_root().inner_html().to_string()
    } else {
        html.to_owned()
    }
}

/// Whether a block's text is a byline: the page's own byline again, or a short "By …" line of
/// names.
fn is_byline(text: &str, byline: Option<&str>) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() || words.len() > MAX_BYLINE_WORDS {
        return false;
    }
    let block = normalised(text);
    if byline
        .map(normalised)
        .is_some_and(|b| !b.is_empty() && b == block)
    {
        return true;
    }
    let lower = words.join(" ").to_lowercase();
    let Some(opening) = BYLINE_OPENINGS
        .iter()
        .find(|o| lower.starts_with(&format!("{o} ")))
    else {
        return false;
    };
    let names = &words[opening.split(' ').count()..];
    !names.is_empty() && names.iter().all(|w| name_like(w))
}

/// A word of a name: it starts with a capital letter (after any opening punctuation), or is
/// one of the small words that join names.
fn name_like(word: &str) -> bool {
    let bare = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '&');
    let Some(first) = bare.chars().next() else {
        // Punctuation alone ("|", "·", "—") between names.
        return !word.chars().any(char::is_alphanumeric);
    };
    let joiner = NAME_JOINERS.contains(&bare.to_lowercase().as_str());
    // A sentence's end inside the line ("By Sunday. Talks…") is not a byline.
    let ends_sentence = word.ends_with(['!', '?']);
    (first.is_uppercase() || joiner) && !ends_sentence
}

/// Lowercase words of letters and digits, without a leading "by", joined by single spaces.
fn normalised(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let start = usize::from(words.first().is_some_and(|w| w == "by"));
    words[start..].join(" ")
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
    fn a_leading_by_line_that_repeats_the_byline_is_dropped() {
        let html = "<div><p>By Baqir Sajjad Syed</p><p>Talks resumed in Doha on Saturday.</p>\
                    <p>They end on Sunday.</p></div>";
        let out = without_byline_block(html, Some("Baqir Sajjad Syed"));
        assert!(!out.contains("Baqir"), "the byline block goes: {out}");
        assert!(
            out.contains("Talks resumed") && out.contains("They end"),
            "story stays"
        );
    }

    #[test]
    fn a_trailing_reporting_by_line_is_dropped_without_a_declared_byline() {
        let html = "<div><p>Talks resumed in Doha on Saturday.</p>\
                    <p>Reporting by Amina Qureshi; Editing by John van der Berg</p></div>";
        let out = without_byline_block(html, None);
        assert!(!out.contains("Reporting"), "the credit line goes: {out}");
        assert!(out.contains("Talks resumed"), "story stays");
    }

    #[test]
    fn story_sentences_that_start_with_by_are_kept() {
        for first in [
            "By Sunday, the talks had ended.",
            "By then the envoys had left Doha without an agreement on the border.",
            "By Baqir Sajjad Syed and the rest of the delegation, the offer was refused.",
        ] {
            let html = format!("<div><p>{first}</p><p>They end on Sunday.</p></div>");
            assert_eq!(
                without_byline_block(&html, Some("Amina Qureshi")),
                html,
                "{first:?} is story, not a byline"
            );
        }
    }

    #[test]
    fn the_only_block_is_never_dropped() {
        let html = "<p>By Amina Qureshi</p>";
        assert_eq!(without_byline_block(html, Some("Amina Qureshi")), html);
    }
}
