//! Typed errors of the engine, each with a stable code.
//!
//! The code (`Error::code`) is what the desktop UI and `--json` consumers switch on; the
//! `Display` text is the sentence shown to people. Codes never change once released; add new
//! variants rather than reusing a code for something else.

use crate::model::QueryProblem;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Everything that can go wrong inside the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The URL could not be parsed or is not http(s).
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// What the user gave.
        url: String,
        /// Why it is not acceptable.
        reason: String,
    },
    /// The host could not be reached (DNS, refused connection, TLS).
    #[error("could not reach {url}: {reason}")]
    Unreachable {
        /// The URL requested.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The request took longer than allowed.
    #[error("{url} did not answer within {secs} s")]
    Timeout {
        /// The URL requested.
        url: String,
        /// The limit that was hit.
        secs: u64,
    },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}")]
    HttpStatus {
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The server asked us to come back later (429/503 with or without `Retry-After`).
    #[error("{url} asked to retry later (HTTP {status})")]
    RetryLater {
        /// The URL requested.
        url: String,
        /// 429 or 503.
        status: u16,
        /// Seconds the server asked us to wait, if it said.
        retry_after_secs: Option<u64>,
    },
    /// More redirects than allowed, or a loop.
    #[error("{url} redirected too many times")]
    TooManyRedirects {
        /// The URL requested.
        url: String,
    },
    /// The body exceeded the size cap (compressed or decompressed).
    #[error("{url} sent more than {limit} bytes")]
    TooLarge {
        /// The URL requested.
        url: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// The document is a web page with no feed, or not a feed at all.
    #[error("{url} is not a feed{}", if *.html { " (it is a web page that links to no feed)" } else { "" })]
    NotAFeed {
        /// The URL requested.
        url: String,
        /// Whether it was an HTML page.
        html: bool,
    },
    /// The feed could not be parsed even by the tolerant path.
    #[error("could not read the feed: {reason}")]
    InvalidFeed {
        /// What the parser said.
        reason: String,
    },
    /// An OPML document could not be read.
    #[error("could not read the OPML file: {reason}")]
    InvalidOpml {
        /// What the parser said.
        reason: String,
    },
    /// A rule or search query is not valid; nothing was saved.
    #[error("invalid query: {} (at {}..{})", .0.message, .0.start, .0.end)]
    InvalidQuery(QueryProblem),
    /// A rule field other than the query is not acceptable (empty name, unknown feed).
    #[error("invalid rule: {0}")]
    InvalidRule(String),
    /// Settings that cannot be applied (an interval out of bounds); nothing was saved.
    #[error("invalid settings: {0}")]
    InvalidSettings(String),
    /// No such feed, article, rule or alert.
    #[error("{what} {id} does not exist")]
    NotFound {
        /// "feed", "article", "rule" or "alert".
        what: &'static str,
        /// The id asked for.
        id: i64,
    },
    /// The database file is not a Wirewatch database, is corrupt, or is from a newer version.
    #[error("cannot open the database: {0}")]
    Database(String),
    /// An SQLite error while the database was open.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Decoding a document failed unexpectedly (the decoder panicked); the feed is tried
    /// again at its next check, and other feeds are not affected.
    #[error("decoding the document failed unexpectedly")]
    DecoderFailed,
    /// Starting at login could not be turned on or off (the settings themselves were saved).
    #[error("The settings were saved, but starting at login could not be changed: {reason}")]
    Autostart {
        /// What the system said.
        reason: String,
    },
    /// A link could not be handed to the system's browser.
    #[error("could not open {url}: {reason}")]
    OpenLink {
        /// The link.
        url: String,
        /// What the system said.
        reason: String,
    },
    /// The engine is shutting down.
    #[error("Wirewatch is shutting down")]
    ShuttingDown,
}

impl Error {
    /// A stable, machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidUrl { .. } => "invalid_url",
            Error::Unreachable { .. } => "unreachable",
            Error::Timeout { .. } => "timeout",
            Error::HttpStatus { .. } => "http_status",
            Error::RetryLater { .. } => "retry_later",
            Error::TooManyRedirects { .. } => "too_many_redirects",
            Error::TooLarge { .. } => "too_large",
            Error::NotAFeed { .. } => "not_a_feed",
            Error::InvalidFeed { .. } => "invalid_feed",
            Error::InvalidOpml { .. } => "invalid_opml",
            Error::InvalidQuery(_) => "invalid_query",
            Error::InvalidRule(_) => "invalid_rule",
            Error::InvalidSettings(_) => "invalid_settings",
            Error::NotFound { .. } => "not_found",
            Error::Database(_) => "database",
            Error::Sqlite(_) => "database",
            Error::Io { .. } => "io",
            Error::DecoderFailed => "decoder_failed",
            Error::Autostart { .. } => "autostart",
            // Released as "io" by the desktop shell before it was a variant.
            Error::OpenLink { .. } => "io",
            Error::ShuttingDown => "shutting_down",
        }
    }
}

/// An error as the desktop UI receives it: a stable code to switch on, a sentence to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    /// Stable code (`invalid_query`, `unreachable`, ...; see [`Error::code`]).
    pub code: String,
    /// Sentence for people.
    pub message: String,
    /// For `invalid_query`: where in the query.
    pub problem: Option<QueryProblem>,
}

impl From<&Error> for ErrorPayload {
    fn from(e: &Error) -> Self {
        ErrorPayload {
            code: e.code().to_string(),
            message: e.to_string(),
            problem: match e {
                Error::InvalidQuery(p) => Some(p.clone()),
                _ => None,
            },
        }
    }
}

impl From<Error> for ErrorPayload {
    fn from(e: Error) -> Self {
        ErrorPayload::from(&e)
    }
}

/// Engine result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
