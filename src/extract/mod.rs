//! Full text: reads an article's own web page and keeps its story, for feeds whose entries
//! carry only a headline and a teaser.
//!
//! It sits beside decode in the pipeline (fetch → decode → **full text** → prepare → store)
//! and, for one page, does in this order:
//!
//! 1. **Refuses what is not a page**: a `Content-Type` that is not HTML (PDF, images, feeds)
//!    or bytes that plainly are not markup is [`ExtractError::NotHtml`].
//! 2. **Character set** ([`charset`]): byte-order mark, HTTP charset, `<meta>` charset, then
//!    the decode stage's UTF-8 check and `chardetng` guess.
//! 3. **Boxes** that sit in a story's column without being story — captions, newsletter
//!    sign-ups, related-stories lists — are removed from the page ([`noise`]).
//! 4. **Main content** with `dom_smoothie`, a port of Mozilla's Readability, given the page's
//!    URL. It was chosen on a labelled corpus of news and article pages against three
//!    trafilatura ports (Python among them) and four other Readability ports (BENCHMARKS.md,
//!    "Full-text extraction"): the same F1 on news pages as the best of them, at five times
//!    the rate of the fastest trafilatura. It also reads the title, byline, publication time,
//!    language and lead image from JSON-LD, Open Graph and `<meta>`.
//! 5. **Byline block**: a first or last paragraph of the main content that only repeats the
//!    byline is dropped, so the reader does not show it twice ([`noise`]).
//! 6. **HTML** for the reader: the extractor's markup, sanitised by the decode stage's policy
//!    ([`crate::decode::sanitize_html`]: no scripts, styles, frames or handlers; links absolute),
//!    then tracking pixels dropped ([`pixels`]).
//! 7. **Text**: the sanitised HTML read as text, one paragraph per block, separated by a
//!    blank line; `words` counts its words. A page with no main text (a script-only shell, a
//!    login wall, an index page) is [`ExtractError::NoContent`], so the caller keeps the
//!    feed's summary and records why.
//!
//! [`fetch_and_extract`] adds the download, with the engine's polite [`Fetcher`] (per-host
//! limits, time and size caps, redirect cap, honest User-Agent); the parse runs on a blocking
//! thread, since a large page takes tens of milliseconds.

mod charset;
mod noise;
mod pixels;

pub use charset::page_text;

use crate::error::ErrorCode;
use crate::fetch::Fetcher;
use chrono::{DateTime, Utc};
use serde::Serialize;
use unicode_segmentation::UnicodeSegmentation;
use url::Url;

/// What full-text extraction found on an article page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extracted {
    /// The page's address (after redirects when fetched).
    pub url: String,
    /// The article's headline.
    pub title: Option<String>,
    /// Who wrote it, as the page names them.
    pub byline: Option<String>,
    /// When it was published, if the page says.
    pub published: Option<DateTime<Utc>>,
    /// The page's language code (`en`, `ur`, `hi`…), if it says.
    pub lang: Option<String>,
    /// The lead image's absolute URL.
    pub image: Option<String>,
    /// The main content as plain text, paragraphs separated by blank lines.
    pub text: String,
    /// The main content as sanitised HTML, without tracking pixels.
    pub html: String,
    /// Words in `text`.
    pub words: usize,
}

/// Why a page gave no full text. The article keeps its feed summary either way.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The page could not be fetched (unreachable, timeout, HTTP error, too large…).
    #[error(transparent)]
    Fetch(#[from] crate::Error),
    /// The response is not an HTML page (a PDF, an image, a feed…).
    #[error("not a web page ({content_type})")]
    NotHtml {
        /// The `Content-Type` it came with, or what the bytes looked like.
        content_type: String,
    },
    /// The page has no main text: a script-only shell, a login wall, an index of links.
    #[error("no article text on the page")]
    NoContent,
}

impl ExtractError {
    /// A stable, machine-readable code, as [`crate::Error::code`] gives for the engine's.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// This error's code, typed: one of the engine's [`ErrorCode`]s.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            ExtractError::Fetch(e) => e.error_code(),
            ExtractError::NotHtml { .. } => ErrorCode::NotHtml,
            ExtractError::NoContent => ErrorCode::NoContent,
        }
    }
}

/// Fewer words than this, not counting a repeat of the title, is no article: what is left of
/// a script-only page or a login wall is its title and a line or two ("Loading…", "Sign in
/// to continue"). The shortest news briefs run to a few dozen words.
const MIN_WORDS: usize = 15;

/// Extracts the main content of a page already decoded to text.
pub fn extract(html: &str, url: &Url) -> Result<Extracted, ExtractError> {
    let page = dom_query::Document::from(html);
    noise::remove_boxes(&page);
    let mut reader = dom_smoothie::Readability::with_document(page, Some(url.as_str()), None)
        .map_err(|_| ExtractError::NoContent)?;
    // Its failures all mean the same for the caller: no article here (nothing scored as
    // content, or more elements than it parses).
    let found = reader.parse().map_err(|_| ExtractError::NoContent)?;
    let title = Some(found.title.trim().to_owned()).filter(|t| !t.is_empty());
    let content = noise::without_byline_block(&found.content, found.byline.as_deref());
    let clean = crate::decode::sanitize_html(&content, Some(url));
    let html = pixels::without_tracking_pixels(&clean);
    // The text is read from the sanitised HTML, one paragraph per block; the extractor's own
    // text (the DOM's `textContent`) runs paragraphs together.
    let text = paragraphs(&crate::decode::stored_text(&html));
    if story_words(&text, title.as_deref()) < MIN_WORDS {
        return Err(ExtractError::NoContent);
    }
    let present = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(Extracted {
        url: url.to_string(),
        title,
        byline: present(found.byline),
        published: present(found.published_time).and_then(|p| crate::decode::parse_date(&p)),
        lang: present(found.lang),
        image: present(found.image).and_then(|href| url.join(&href).ok().map(String::from)),
        words: text.unicode_words().count(),
        text,
        html,
    })
}

/// Extracts the main content of a page as served: `content_type` is the HTTP header's.
pub fn extract_bytes(
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
) -> Result<Extracted, ExtractError> {
    if let Some(kind) = not_html(body, content_type) {
        return Err(ExtractError::NotHtml { content_type: kind });
    }
    extract(&page_text(body, content_type, url), url)
}

/// Fetches one article page with `fetcher` and extracts its main content.
pub async fn fetch_and_extract(fetcher: &Fetcher, url: &str) -> Result<Extracted, ExtractError> {
    let fetched = fetcher.fetch_page(url).await?;
    // No validators were sent, so a body-less answer is a server's mistake: nothing to read.
    let body = fetched.body.ok_or(ExtractError::NoContent)?;
    let final_url = Url::parse(&fetched.final_url).map_err(|e| crate::Error::InvalidUrl {
        url: fetched.final_url.clone(),
        reason: e.to_string(),
    })?;
    tokio::task::spawn_blocking(move || {
        extract_bytes(&body.bytes, body.content_type.as_deref(), &final_url)
    })
    .await
    .map_err(|_| crate::Error::ShuttingDown)?
}

/// Why the body is not an HTML page, if it is not: the declared type, or what its first bytes
/// are. No `Content-Type` (or a generic one) leaves the bytes to decide.
fn not_html(body: &[u8], content_type: Option<&str>) -> Option<String> {
    let declared = content_type
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|t| !t.is_empty());
    match declared.as_deref() {
        Some("text/html" | "application/xhtml+xml") => return None,
        Some("application/octet-stream" | "text/plain") | None => {}
        Some(other) => return Some(other.to_owned()),
    }
    let start = body.trim_ascii_start();
    let signatures: [(&[u8], &str); 6] = [
        (b"%PDF", "application/pdf"),
        (b"\x89PNG", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF8", "image/gif"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x1f\x8b", "application/gzip"),
    ];
    if let Some((_, kind)) = signatures
        .iter()
        .find(|(magic, _)| start.starts_with(magic))
    {
        return Some((*kind).to_owned());
    }
    // Markup starts with `<` (after a byte-order mark); a page of anything else is not one.
    let start = start.strip_prefix(b"\xef\xbb\xbf").unwrap_or(start);
    let utf16 = start.starts_with(b"\xff\xfe") || start.starts_with(b"\xfe\xff");
    (!start.is_empty() && !start.starts_with(b"<") && !utf16)
        .then(|| declared.unwrap_or_else(|| "unknown".to_owned()))
}

/// The extractor's text with one paragraph per non-empty line, separated by blank lines.
fn paragraphs(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        for (i, word) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// Words in the text's paragraphs other than those that only repeat the title.
fn story_words(text: &str, title: Option<&str>) -> usize {
    let title = title.map(str::trim).unwrap_or_default();
    text.split("\n\n")
        .filter(|p| title.is_empty() || *p != title)
        .map(|p| p.unicode_words().count())
        .sum()
}

#[cfg(test)]
mod tests;
