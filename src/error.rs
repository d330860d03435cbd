//! Typed errors of the engine, each with a stable code.
//!
//! The code (`Error::code`) is what the desktop UI and `--json` consumers switch on; the
//! `Display` text is the sentence shown to people. Codes never change once released; add new
//! variants rather than reusing a code for something else.

use crate::model::QueryProblem;

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
            Error::InvalidConcept(_) => "invalid_concept",
            Error::NotFound { .. } => "not_found",
            Error::Database(_) => "database",
            Error::Sqlite(_) => "database",
            Error::Io { .. } => "io",
            Error::ShuttingDown => "shutting_down",
        }
    }
}

/// Engine result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
