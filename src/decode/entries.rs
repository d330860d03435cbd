//! Entries: turns the parser's model (`feed-rs`) into Wirewatch's, in document order.
//!
//! For each entry: the id the feed gave, the absolute link (rel=alternate first), the
//! fullest body sanitised (content, else summary), the plain text of summary and content
//! without repeats, a snippet, a plain-text title, author and dates.

use super::sanitize::{sanitize, simple_clean};
use super::text::{
    html_text, plain_text, plain_title, plain_to_html, sanitized_text, single_spaced,
};
use super::{DecodedEntry, DecodedFeed, FALLBACK_TITLE_CHARS, SNIPPET_CHARS};
use feed_rs::model::{Entry, Feed, FeedType, Link};
use std::time::Duration;
use url::Url;

/// Turns the parser's model into Wirewatch's.
pub(super) fn convert(feed: Feed, base: Option<&Url>) -> DecodedFeed {
    let site_url = feed
        .links
        .iter()
        .find(|l| is_alternate(l))
        .and_then(|l| absolute_http_url(&l.href, base))
        .map(String::from);
    let feed_author = match feed.feed_type {
        FeedType::Atom => feed.authors.first().and_then(person_name),
        _ => None,
    };
    let entries = feed
        .entries
        .iter()
        .map(|entry| convert_entry(entry, &feed.feed_type, base, feed_author.as_deref()))
        .collect();
    DecodedFeed {
        title: feed
            .title
            .as_ref()
            .map(|t| plain_title(&t.content))
            .filter(|t| !t.is_empty()),
        site_url,
        ttl: feed
            .ttl
            .map(|minutes| Duration::from_secs(u64::from(minutes) * 60)),
        entries,
    }
}

/// Cleans one entry.
fn convert_entry(
    entry: &Entry,
    feed_type: &FeedType,
    base: Option<&Url>,
    feed_author: Option<&str>,
) -> DecodedEntry {
    let guid = Some(entry.id.trim())
        .filter(|id| !id.is_empty())
        .map(String::from);
    let link = entry_url(entry, guid.as_deref(), feed_type, base);

    // Only Atom and JSON Feed say reliably that a text is plain; RSS "text" is HTML in practice.
    let typed_plain = matches!(feed_type, FeedType::Atom | FeedType::JSON);
    let summary = entry
        .summary
        .as_ref()
        .map(|t| {
            (
                t.content.as_str(),
                typed_plain && t.content_type.as_str() == "text/plain",
            )
        })
        .filter(|(s, _)| !s.trim().is_empty());
    let content = entry
        .content
        .as_ref()
        .and_then(|c| {
            let body = c.body.as_deref()?;
            Some((body, typed_plain && c.content_type.as_str() == "text/plain"))
        })
        .filter(|(s, _)| !s.trim().is_empty());
    // The fullest body: the content, unless the summary is the longer of the two.
    let (body, other, body_is_content) = match (content, summary) {
        (Some(c), Some(s)) if s.0.len() > c.0.len() => (Some(s), Some(c), false),
        (Some(c), s) => (Some(c), s, true),
        (None, s) => (s, None, false),
    };

    // Relative URLs in the body resolve against the story's own address (or the content's
    // xml:base, itself relative to the story), falling back to the feed's.
    let url = link.as_ref().map(|u| u.as_str().to_owned());
    let page = link.or_else(|| base.cloned());
    let body_base = match (entry.base.as_deref(), page) {
        (Some(xml_base), Some(page)) => page.join(xml_base).ok().or(Some(page)),
        (_, page) => page,
    };

    let body_is_html = matches!(body, Some((_, false)));
    let (content_html, body_text) = match body {
        Some((html, false)) => {
            let trimmed = |clean: String| match clean.trim() {
                t if t.len() == clean.len() => clean,
                t => t.to_owned(),
            };
            match simple_clean(html) {
                Some((clean, text)) => (trimmed(clean), text),
                None => {
                    let clean = trimmed(sanitize(html, body_base));
                    let text = sanitized_text(&clean);
                    (clean, text)
                }
            }
        }
        Some((plain, true)) => (plain_to_html(plain), plain_text(plain)),
        None => (String::new(), String::new()),
    };
    let other_text = match other {
        Some((html, false)) => html_text(html),
        Some((plain, true)) => plain_text(plain),
        None => String::new(),
    };
    // Summary first, then content, each once.
    let (text, text_of_html) = if body_is_content {
        let (text, kept) = join_texts(other_text, body_text);
        (text, body_is_html && kept == Kept::Second)
    } else {
        let (text, kept) = join_texts(body_text, other_text);
        (text, body_is_html && kept == Kept::First)
    };

    let snippet = truncate_words(&text, SNIPPET_CHARS);
    let mut title = entry
        .title
        .as_ref()
        .map(|t| plain_title(&t.content))
        .unwrap_or_default();
    if title.is_empty() {
        title = truncate_words(&text, FALLBACK_TITLE_CHARS);
    }

    // feed-rs copies an RSS item's pubDate into `updated`; RSS has no update time of its own.
    let updated = match feed_type {
        FeedType::RSS0 | FeedType::RSS2 => None,
        _ => entry.updated,
    };
    let author = entry
        .authors
        .first()
        .and_then(person_name)
        .or_else(|| feed_author.map(String::from));

    DecodedEntry {
        guid,
        url,
        title,
        author,
        content_html,
        text,
        snippet,
        text_of_html,
        published: entry.published.or(updated),
        updated,
    }
}

/// Whether a link is the "alternate" (the page itself): Atom's default, and RSS/JSON links,
/// which carry no rel.
fn is_alternate(link: &Link) -> bool {
    link.rel.as_deref().is_none_or(|rel| {
        rel.split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("alternate"))
    })
}

/// The story's address: the first alternate link, else the first link that is not about the
/// feed machinery, else an RSS guid that is itself a web address (RSS's `isPermaLink`).
fn entry_url(
    entry: &Entry,
    guid: Option<&str>,
    feed_type: &FeedType,
    base: Option<&Url>,
) -> Option<Url> {
    let candidate = entry
        .links
        .iter()
        .find(|l| is_alternate(l))
        .or_else(|| {
            entry.links.iter().find(|l| {
                !l.rel.as_deref().is_some_and(|rel| {
                    ["self", "edit", "enclosure", "replies", "license", "hub"]
                        .iter()
                        .any(|r| rel.eq_ignore_ascii_case(r))
                })
            })
        })
        .and_then(|l| absolute_http_url(&l.href, base));
    candidate.or_else(|| {
        let guid = guid?;
        let rss = matches!(feed_type, FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2);
        (rss && (guid.starts_with("http://") || guid.starts_with("https://")))
            .then(|| absolute_http_url(guid, None))
            .flatten()
    })
}

/// `href` as an absolute http(s) URL, resolved against `base` when relative.
fn absolute_http_url(href: &str, base: Option<&Url>) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = match Url::parse(href) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(href).ok()?,
        Err(_) => return None,
    };
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// A person's display name. RSS `<author>` holds an e-mail address, often with the name in
/// parentheses ("desk@example.com (Lahore Desk)"); feed-rs files it under the name "author".
fn person_name(person: &feed_rs::model::Person) -> Option<String> {
    let placeholder = matches!(
        person.name.as_str(),
        "author" | "unknown" | "managingEditor" | "webMaster"
    );
    let raw = match (&person.email, placeholder) {
        (Some(email), true) => match (email.find('('), email.rfind(')')) {
            (Some(open), Some(close)) if open < close => &email[open + 1..close],
            _ => email.as_str(),
        },
        (None, true) => return None,
        (_, false) => person.name.as_str(),
    };
    Some(plain_title(raw)).filter(|n| !n.is_empty())
}

/// Joins the summary's and the content's text, leaving one out when the other repeats it
/// (feeds often send the first paragraph as the summary, sometimes with a trailing "…").
fn join_texts(first: String, second: String) -> (String, Kept) {
    if first.is_empty() {
        return (second, Kept::Second);
    }
    if second.is_empty() {
        return (first, Kept::First);
    }
    let key = |s: &str| -> String {
        let s = s
            .trim_end()
            .trim_end_matches(['…', '.', ']', '[', ' '])
            .trim_end_matches("Read more")
            .trim_end();
        single_spaced(s)
    };
    // Usually the summary is the start of the content: one comparison decides, mostly
    // without respacing the content (a text that starts with the single-spaced key also
    // contains it once respaced).
    let first_key = key(&first);
    if second.starts_with(&first_key) || single_spaced(&second).contains(&first_key) {
        return (second, Kept::Second);
    }
    if single_spaced(&first).contains(&key(&second)) {
        return (first, Kept::First);
    }
    let mut joined = first;
    joined.push('\n');
    joined.push_str(&second);
    (joined, Kept::Both)
}

/// Which texts [`join_texts`] kept.
#[derive(Debug, PartialEq, Eq)]
enum Kept {
    First,
    Second,
    Both,
}

/// Cuts `text` to at most `max` characters at a word boundary, adding an ellipsis when cut.
/// Whitespace (line breaks included) is collapsed to single spaces.
fn truncate_words(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4) + 3);
    let mut chars = 0;
    let mut cut = false;
    for word in text.split_whitespace() {
        let gap = usize::from(!out.is_empty());
        let len = word.chars().count();
        if chars + gap + len > max {
            cut = true;
            if chars < max / 2 {
                // A very long word, or text without spaces (Chinese, Japanese): cutting at a
                // word boundary would leave too little, so cut inside it.
                if gap == 1 {
                    out.push(' ');
                    chars += 1;
                }
                out.extend(word.chars().take(max - chars));
            }
            break;
        }
        if gap == 1 {
            out.push(' ');
        }
        out.push_str(word);
        chars += gap + len;
    }
    if cut {
        let kept = out
            .trim_end_matches([',', ';', ':', '-', '–', '—', ' '])
            .len();
        out.truncate(kept);
        out.push('…');
    }
    out
}
