//! Settings the engine runs with, passed in by its caller (CLI or desktop shell).
//!
//! Defaults are chosen for a desktop user watching a few hundred feeds; every bound is a
//! field so tests and power users can tighten or loosen it.

use std::path::PathBuf;
use std::time::Duration;

/// Shortest interval between two checks of one feed by default (`Config::min_interval`,
/// `Settings::min_interval_secs`).
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// Longest interval between two checks of one feed by default.
pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// No setting may bring a feed's checks closer than this: a publisher polled more often
/// than once a minute is being hammered, whatever its feed says.
pub const SHORTEST_ALLOWED_INTERVAL: Duration = Duration::from_secs(60);

/// Engine configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The SQLite database file.
    pub db_path: PathBuf,
    /// Shortest interval between two checks of one feed.
    pub min_interval: Duration,
    /// Longest interval between two checks of one feed (a feed's own hints and error
    /// back-off reach it; see `freshness_interval` for the adaptive interval).
    pub max_interval: Duration,
    /// Longest adaptive interval between two checks of a feed that works: how late a quiet
    /// feed's next story can be seen at worst, unless the feed's `<ttl>` or `Cache-Control`
    /// ask for longer.
    pub freshness_interval: Duration,
    /// Interval for a feed we know nothing about yet.
    pub default_interval: Duration,
    /// First back-off after an error; doubles with each consecutive error up to `max_interval`.
    pub error_backoff: Duration,
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub request_timeout: Duration,
    /// Largest body accepted, counted both on the wire and after decompression.
    pub max_body_bytes: u64,
    /// Largest article page read for its full text, counted like `max_body_bytes`.
    pub max_page_bytes: u64,
    /// Most redirects followed for one request.
    pub max_redirects: usize,
    /// Requests in flight at once, in all.
    pub max_concurrent_requests: usize,
    /// Requests in flight at once to one host.
    pub max_requests_per_host: usize,
    /// Most entries taken from one feed document (the newest first in document order).
    pub max_entries_per_feed: usize,
    /// The User-Agent header.
    pub user_agent: String,
    /// Articles older than this many days are deleted, unless starred or alerted. `None` keeps all.
    pub retention_days: Option<u32>,
    /// Alerts of one poll sent whole to listeners, at most. A bigger burst (the first poll of
    /// a large subscription list) is counted in the poll's summary and notifications, and the
    /// window reloads its lists instead of taking tens of thousands of events.
    pub live_alerts_per_poll: usize,
    /// Whether new articles are grouped into stories (on). Off, no signature is made on the
    /// decoding threads and each new article is a story of its own, so a rule alerts once
    /// per article: what the benchmark compares grouping against (`wirewatch-bench poll
    /// --no-grouping`).
    pub group_stories: bool,
}

impl Config {
    /// Defaults for a database at `db_path`.
    pub fn new(db_path: impl Into<PathBuf>) -> Self {
        Config {
            db_path: db_path.into(),
            min_interval: DEFAULT_MIN_INTERVAL,
            max_interval: DEFAULT_MAX_INTERVAL,
            // A check of an unchanged feed is a 304 of a few hundred bytes: checking a
            // thousand quiet feeds twice an hour costs little, a story a day late costs much.
            freshness_interval: Duration::from_secs(30 * 60),
            default_interval: Duration::from_secs(15 * 60),
            error_backoff: Duration::from_secs(5 * 60),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 16 * 1024 * 1024,
            // News pages weigh 0.2–2 MB of HTML, inline scripts and data included; a page
            // bigger than this is not an article worth its memory.
            max_page_bytes: 5 * 1024 * 1024,
            max_redirects: 5,
            max_concurrent_requests: 32,
            max_requests_per_host: 2,
            max_entries_per_feed: 5_000,
            user_agent: default_user_agent(),
            retention_days: None,
            live_alerts_per_poll: 1_000,
            group_stories: true,
        }
    }
}

/// `Wirewatch/<version> (+<repository>)`: honest, so publishers can tell who fetches them.
pub fn default_user_agent() -> String {
    format!(
        "Wirewatch/{} (+{}; feed monitor)",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// The database used when neither `--db` nor `WIREWATCH_DB` says otherwise: the platform's
/// data directory (`~/.local/share/wirewatch/wirewatch.db` on Linux), shared by CLI and app.
pub fn default_db_path() -> PathBuf {
    directories::ProjectDirs::from("org", "Wirewatch", "wirewatch")
        .map(|d| d.data_dir().join("wirewatch.db"))
        .unwrap_or_else(|| PathBuf::from("wirewatch.db"))
}
