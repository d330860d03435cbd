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
    /// A concept name or variant for the lexicon is not acceptable; nothing was saved.
    #[error("invalid concept: {0}")]
    InvalidConcept(#[from] crate::rules::lexicon::LexiconProblem),
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
        self.error_code().as_str()
    }

    /// This error's code, typed.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Error::InvalidUrl { .. } => ErrorCode::InvalidUrl,
            Error::Unreachable { .. } => ErrorCode::Unreachable,
            Error::Timeout { .. } => ErrorCode::Timeout,
            Error::HttpStatus { .. } => ErrorCode::HttpStatus,
            Error::RetryLater { .. } => ErrorCode::RetryLater,
            Error::TooManyRedirects { .. } => ErrorCode::TooManyRedirects,
            Error::TooLarge { .. } => ErrorCode::TooLarge,
            Error::NotAFeed { .. } => ErrorCode::NotAFeed,
            Error::InvalidFeed { .. } => ErrorCode::InvalidFeed,
            Error::InvalidOpml { .. } => ErrorCode::InvalidOpml,
            Error::InvalidQuery(_) => ErrorCode::InvalidQuery,
            Error::InvalidRule(_) => ErrorCode::InvalidRule,
            Error::InvalidSettings(_) => ErrorCode::InvalidSettings,
            Error::InvalidConcept(_) => ErrorCode::InvalidConcept,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Database(_) | Error::Sqlite(_) => ErrorCode::Database,
            // `OpenLink` was released as "io" by the desktop shell before it was a variant.
            Error::Io { .. } | Error::OpenLink { .. } => ErrorCode::Io,
            Error::DecoderFailed => ErrorCode::DecoderFailed,
            Error::Autostart { .. } => ErrorCode::Autostart,
            Error::ShuttingDown => ErrorCode::ShuttingDown,
        }
    }
}

/// The stable codes of [`Error`]: what the UI (through its generated bindings) and `--json`
/// consumers switch on. Serialised in snake case, as [`ErrorCode::as_str`] spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// See [`Error::InvalidUrl`].
    InvalidUrl,
    /// See [`Error::Unreachable`].
    Unreachable,
    /// See [`Error::Timeout`].
    Timeout,
    /// See [`Error::HttpStatus`].
    HttpStatus,
    /// See [`Error::RetryLater`].
    RetryLater,
    /// See [`Error::TooManyRedirects`].
    TooManyRedirects,
    /// See [`Error::TooLarge`].
    TooLarge,
    /// See [`Error::NotAFeed`].
    NotAFeed,
    /// See [`Error::InvalidFeed`].
    InvalidFeed,
    /// See [`Error::InvalidOpml`].
    InvalidOpml,
    /// See [`Error::InvalidQuery`].
    InvalidQuery,
    /// See [`Error::InvalidRule`].
    InvalidRule,
    /// See [`Error::InvalidSettings`].
    InvalidSettings,
    /// See [`Error::InvalidConcept`].
    InvalidConcept,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::Database`] and [`Error::Sqlite`].
    Database,
    /// See [`Error::Io`] and [`Error::OpenLink`].
    Io,
    /// See [`Error::DecoderFailed`].
    DecoderFailed,
    /// See [`Error::Autostart`].
    Autostart,
    /// See [`Error::ShuttingDown`].
    ShuttingDown,
    /// An article's link leads to something that is not a web page
    /// ([`crate::extract::ExtractError::NotHtml`]).
    NotHtml,
    /// An article's page has no article text ([`crate::extract::ExtractError::NoContent`]).
    NoContent,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: [ErrorCode; 22] = [
        ErrorCode::InvalidUrl,
        ErrorCode::Unreachable,
        ErrorCode::Timeout,
        ErrorCode::HttpStatus,
        ErrorCode::RetryLater,
        ErrorCode::TooManyRedirects,
        ErrorCode::TooLarge,
        ErrorCode::NotAFeed,
        ErrorCode::InvalidFeed,
        ErrorCode::InvalidOpml,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidRule,
        ErrorCode::InvalidSettings,
        ErrorCode::InvalidConcept,
        ErrorCode::NotFound,
        ErrorCode::Database,
        ErrorCode::Io,
        ErrorCode::DecoderFailed,
        ErrorCode::Autostart,
        ErrorCode::ShuttingDown,
        ErrorCode::NotHtml,
        ErrorCode::NoContent,
    ];

    /// The code as text.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidUrl => "invalid_url",
            ErrorCode::Unreachable => "unreachable",
            ErrorCode::Timeout => "timeout",
            ErrorCode::HttpStatus => "http_status",
            ErrorCode::RetryLater => "retry_later",
            ErrorCode::TooManyRedirects => "too_many_redirects",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::NotAFeed => "not_a_feed",
            ErrorCode::InvalidFeed => "invalid_feed",
            ErrorCode::InvalidOpml => "invalid_opml",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidRule => "invalid_rule",
            ErrorCode::InvalidSettings => "invalid_settings",
            ErrorCode::InvalidConcept => "invalid_concept",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Database => "database",
            ErrorCode::Io => "io",
            ErrorCode::DecoderFailed => "decoder_failed",
            ErrorCode::Autostart => "autostart",
            ErrorCode::ShuttingDown => "shutting_down",
            ErrorCode::NotHtml => "not_html",
            ErrorCode::NoContent => "no_content",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_is_spelled_alike_in_rust_and_in_the_bindings() {
        for code in ErrorCode::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str()),
                "the UI receives the code it is typed with"
            );
        }
        let distinct: std::collections::HashSet<&str> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(distinct.len(), ErrorCode::ALL.len(), "no two codes alike");
    }
}
