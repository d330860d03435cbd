//! The nouns of full text: a feed's setting, an article's status, and the full text itself.

// For the documentation's links only.
#[cfg(doc)]
use super::{Article, Field};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Whether Wirewatch fetches a feed's articles' own pages for their full text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum FullTextMode {
    /// When an entry's own text is a teaser (short, or cut off with an ellipsis): most
    /// outlets' feeds carry only a headline and a sentence or two.
    #[default]
    Auto,
    /// For every new article.
    Always,
    /// Never: the feed's own text is what is kept.
    Never,
}

impl FullTextMode {
    /// The mode as stored and typed (`auto`, `always`, `never`).
    pub fn as_str(self) -> &'static str {
        match self {
            FullTextMode::Auto => "auto",
            FullTextMode::Always => "always",
            FullTextMode::Never => "never",
        }
    }

    /// Reads `auto`, `always` or `never`.
    pub fn parse(s: &str) -> Option<FullTextMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(FullTextMode::Auto),
            "always" => Some(FullTextMode::Always),
            "never" => Some(FullTextMode::Never),
            _ => None,
        }
    }
}

/// Where an article's full text stands. Every status but `fetched` leaves the feed's own
/// summary as the article's text, with [`Article::full_text_note`] saying why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FullTextStatus {
    /// Not fetched and not to be: the feed carries the whole text, or its setting is `never`.
    #[default]
    NotNeeded,
    /// Waiting to be fetched, or to be tried again after a failure.
    Pending,
    /// Fetched and extracted: [`Article::full_text`] holds it.
    Fetched,
    /// The link leads to something that is not a web page (a PDF, an image).
    NotHtml,
    /// The page has no article text: a paywall, a login wall, a page of scripts, an index.
    NoContent,
    /// The page is larger than Wirewatch reads.
    TooLarge,
    /// The site does not allow it: robots.txt disallows the page, or HTTP 401/403.
    Blocked,
    /// The page is gone (HTTP 404 or 410).
    Gone,
    /// Fetching failed after every retry (unreachable, timeouts, server errors, redirect loops).
    Failed,
}

impl FullTextStatus {
    /// The status as stored and typed (`not_needed`, `pending`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FullTextStatus::NotNeeded => "not_needed",
            FullTextStatus::Pending => "pending",
            FullTextStatus::Fetched => "fetched",
            FullTextStatus::NotHtml => "not_html",
            FullTextStatus::NoContent => "no_content",
            FullTextStatus::TooLarge => "too_large",
            FullTextStatus::Blocked => "blocked",
            FullTextStatus::Gone => "gone",
            FullTextStatus::Failed => "failed",
        }
    }

    /// Reads a stored status; anything unknown is `not_needed`.
    pub fn parse(s: &str) -> FullTextStatus {
        match s {
            "pending" => FullTextStatus::Pending,
            "fetched" => FullTextStatus::Fetched,
            "not_html" => FullTextStatus::NotHtml,
            "no_content" => FullTextStatus::NoContent,
            "too_large" => FullTextStatus::TooLarge,
            "blocked" => FullTextStatus::Blocked,
            "gone" => FullTextStatus::Gone,
            "failed" => FullTextStatus::Failed,
            _ => FullTextStatus::NotNeeded,
        }
    }
}

/// An article's full text, extracted from its own web page and kept with it (a starred
/// article keeps it whatever the site does later).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FullText {
    /// The main content as sanitised HTML (no scripts, styles, frames or handlers; links
    /// absolute; tracking pixels removed). Remote images are left for the reader to show
    /// or not, as the user's setting says.
    pub html: String,
    /// The main content as plain text, paragraphs separated by blank lines: what is indexed
    /// and matched, and what [`Field::FullText`] offsets count in.
    pub text: String,
    /// Who wrote it, as the page names them.
    pub byline: Option<String>,
    /// When it was published, as the page says.
    pub published: Option<DateTime<Utc>>,
    /// The page's language code, as the page declares it.
    pub lang: Option<String>,
    /// The lead image's absolute URL.
    pub image: Option<String>,
    /// Words in `text`.
    pub words: u32,
    /// When the page was fetched.
    pub fetched_at: DateTime<Utc>,
}
