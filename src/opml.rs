//! OPML import and export, and the built-in starter pack.
//!
//! (interface only; to be implemented)

use crate::error::Result;
use crate::model::{Feed, SkippedOutline};

/// A feed outline read from an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The feed URL (`xmlUrl`), absolute.
    pub url: String,
    /// Its title (`title` or `text`), if any.
    pub title: Option<String>,
    /// The web site (`htmlUrl`), if any.
    pub site_url: Option<String>,
    /// The folder: the title of the enclosing outline, if nested.
    pub folder: Option<String>,
}

/// Feeds in an OPML 1.0/2.0 document, and the outlines that were skipped with why.
pub fn parse(text: &str) -> Result<(Vec<Outline>, Vec<SkippedOutline>)> {
    let _ = text;
    todo!()
}

/// An OPML 2.0 document listing `feeds`, grouped by folder.
pub fn export(feeds: &[Feed]) -> String {
    let _ = feeds;
    todo!()
}

/// The starter pack: South Asia news feeds as OPML.
pub const STARTER_PACK: &str = "";

/// The default rule offered with the starter pack: (name, query).
pub const DEFAULT_RULE: (&str, &str) = ("", "");
