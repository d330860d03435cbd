//! Fetch: the first stage of the pipeline. Downloads one feed document over HTTP(S).
//!
//! (interface only; to be implemented)

use crate::config::Config;
use crate::error::Result;
use std::time::Duration;

/// Validators from a previous fetch, sent back for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header of the last 200 response.
    pub etag: Option<String>,
    /// The `Last-Modified` header of the last 200 response.
    pub last_modified: Option<String>,
}

/// What a fetch brought back.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL the document was finally served from, after redirects.
    pub final_url: String,
    /// Set when every redirect hop was permanent (301/308): the subscription should move here.
    pub moved_permanently_to: Option<String>,
    /// The document, or `None` when the server said 304 (or sent back the validator we sent).
    pub body: Option<Body>,
    /// Validators to send next time (the old ones are kept on 304).
    pub validators: Validators,
    /// Freshness lifetime from `Cache-Control: max-age` (or `Expires`), if any.
    pub max_age: Option<Duration>,
}

/// A downloaded document.
#[derive(Debug, Clone)]
pub struct Body {
    /// The bytes, decompressed.
    pub bytes: Vec<u8>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
}

/// An HTTP client with Wirewatch's limits.
#[derive(Debug, Clone)]
pub struct Fetcher {}

impl Fetcher {
    /// A client built from `config` (timeouts, caps, User-Agent, concurrency limits).
    pub fn new(config: &Config) -> Result<Self> {
        let _ = config;
        todo!()
    }

    /// GETs `url`, conditionally when `validators` has any.
    pub async fn fetch(&self, url: &str, validators: &Validators) -> Result<Fetched> {
        let _ = (url, validators);
        todo!()
    }
}
