//! Decode: the second stage. Turns the bytes of a feed document into clean entries.
//!
//! (interface only; to be implemented)

use crate::error::Result;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// A feed document, decoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodedFeed {
    /// The feed's title, plain text.
    pub title: Option<String>,
    /// The web site the feed belongs to (absolute URL).
    pub site_url: Option<String>,
    /// RSS `<ttl>`, if given.
    pub ttl: Option<Duration>,
    /// Entries in document order.
    pub entries: Vec<DecodedEntry>,
}

/// One entry of a feed, cleaned up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodedEntry {
    /// The feed's id for the entry (RSS guid, Atom id, JSON Feed id), if it gave one.
    pub guid: Option<String>,
    /// Absolute link to the story, resolved against `xml:base` and the feed URL.
    pub url: Option<String>,
    /// Plain-text title, entities decoded, whitespace collapsed.
    pub title: String,
    /// Author name, if any.
    pub author: Option<String>,
    /// Sanitised HTML of the fullest body the feed gives (content, else summary).
    pub content_html: String,
    /// Plain text of summary and content, for search and matching.
    pub text: String,
    /// Plain-text summary (at most ~300 characters), for lists.
    pub snippet: String,
    /// Publication time, if the feed gives one we can read.
    pub published: Option<DateTime<Utc>>,
    /// Last update time, if the feed gives one.
    pub updated: Option<DateTime<Utc>>,
}

/// Decodes a feed document served from `feed_url` with the given `Content-Type`.
pub fn decode(body: &[u8], content_type: Option<&str>, feed_url: &str) -> Result<DecodedFeed> {
    let _ = (body, content_type, feed_url);
    todo!()
}
