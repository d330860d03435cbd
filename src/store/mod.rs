//! Store: the SQLite archive of feeds, articles, rules and alerts.
//!
//! One writer connection and one reader connection, both in WAL mode, so the window can read
//! while a poll writes. A poll's results are written a few feeds per transaction
//! ([`Store::apply_poll_stream`]): readers see all of a feed's results or none of them, and a
//! crash mid-poll loses only the feeds not yet committed, which the next poll fetches again.
//!
//! - [`schema`]: the append-only migrations.
//! - `feeds`: subscriptions and their fetch state.
//! - `full_text`: articles' full texts, their status, and the queue of pages to fetch.
//! - `ingest`: storing and indexing a poll's prepared entries, and their alerts.
//! - `articles`: listing and searching the archive.
//! - `alerts`: rules and the alerts they raised.
//! - `backfill`: a new rule's alerts on what it matched in the last hours.
//! - `checks`: every check of a feed, for its health.
//! - `spikes`: rules' spike settings, the spikes raised, and alert latency.
//! - `trends`: articles per hour or day matching a query, for charts and spike baselines.
//! - `lexicon`: the user's changes to the lexicon of concepts.
//! - `stories`: where each new article is filed among stories, and the stories read back.
//! - `writeback`: a poll's writes flushed to disk in the background as it goes.

mod alerts;
mod articles;
mod backfill;
mod checks;
mod feeds;
mod full_text;
mod ingest;
mod lexicon;
pub mod schema;
mod search;
mod spikes;
mod stories;
mod trends;
mod writeback;

pub use checks::{CheckRecord, FeedHealthReport, HEALTH_DAYS, KEPT_DAYS};
pub use feeds::{FeedFetchState, NewFeed};
pub use full_text::QueuedPage;
pub use ingest::{
    FeedOutcome, FeedUpdate, PageOutcome, PageResult, PollApplied, PollStep, Renotified, RuleTally,
};
pub use spikes::{AlertLatency, SpikeAlert, SpikeSettings, DEFAULT_COOL_DOWN};
pub use trends::{
    Trend, TrendBucket, TrendPoint, TrendRange, TrendSeries, TrendSplit, MAX_BUCKETS,
};

use crate::error::{Error, Result};
use crate::model::{Settings, Stats};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Index pages (~4 KB) one step of [`Store::optimize`] merges: tens of milliseconds of work.
pub const MERGE_STEP_PAGES: i64 = 1000;

/// The archive.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// Under which epoch entries prepared for this store report their new words (see
    /// [`crate::text::tokens_noting_new`]); renewed when a poll is rolled back, since the
    /// words it reported were not kept.
    word_epoch: AtomicU64,
    /// Article times by id, for trends (read on the reader connection, after it; its
    /// `wirewatch_tally` aggregate holds it too).
    times: Arc<Mutex<trends::TimeColumn>>,
    /// The story index the writer files new articles with (taken after `writer`).
    stories: Mutex<stories::StoryDesk>,
}

/// A word-reporting epoch no store has used in this process.
fn fresh_word_epoch() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut writer = Connection::open(path).map_err(|e| not_a_database(path, e))?;
        check_ours(&writer, path)?;
        configure(&writer).map_err(|e| not_a_database(path, e))?;
        // The log is copied into the database after each poll ([`Store::checkpoint`]), not
        // inside whichever commit finds it long: a checkpoint's writes and flushes then
        // neither delay a poll's alerts nor stall the writer while decoded feeds pile up.
        writer
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(|e| not_a_database(path, e))?;
        // The writer's cache holds what a poll changes until it spills to the log: 16 MB
        // wrote a cold poll of 1000 feeds as fast as 32 MB did, and holds 16 MB less at its
        // peak. Searches read through the reader's larger cache.
        writer
            .pragma_update(None, "cache_size", -16384)
            .map_err(|e| not_a_database(path, e))?;
        migrate(&writer)?;
        ingest::refold(&mut writer)?;
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| not_a_database(path, e))?;
        configure(&reader).map_err(|e| not_a_database(path, e))?;
        let times = Arc::default();
        trends::register(&reader, &times)?;
        Ok(Store {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            word_epoch: AtomicU64::new(fresh_word_epoch()),
            times,
            stories: Mutex::new(stories::StoryDesk::default()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The language detected for an article when it was stored (`None`: not told apart).
    pub fn article_lang(&self, id: crate::model::ArticleId) -> Result<Option<String>> {
        self.reader()
            .query_row("SELECT lang FROM articles WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(Error::NotFound {
                what: "article",
                id,
            })
    }

    /// The epoch under which entries for this store report new words
    /// ([`crate::prepare::PreparedEntry::noting_words`]).
    pub fn word_epoch(&self) -> u64 {
        self.word_epoch.load(Ordering::Relaxed)
    }

    /// Forgets which words were reported: the next entries report all theirs again.
    pub(crate) fn renew_word_epoch(&self) {
        self.word_epoch.store(fresh_word_epoch(), Ordering::Relaxed);
    }

    pub(crate) fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back on
        // drop), so a poisoned lock is safe to reuse.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The writer's story index; take it after [`Store::writer`], never before.
    pub(crate) fn stories_desk(&self) -> MutexGuard<'_, stories::StoryDesk> {
        self.stories.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Settings shared by CLI and app (defaults where never set).
    pub fn settings(&self) -> Result<Settings> {
        Ok(self.saved_settings()?.unwrap_or_default())
    }

    /// Settings, if they were ever saved.
    pub fn saved_settings(&self) -> Result<Option<Settings>> {
        let conn = self.reader();
        let value: Option<String> = conn
            .query_row(
                "SELECT value FROM settings WHERE key = 'settings'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
    }

    /// Saves settings.
    pub fn set_settings(&self, settings: &Settings) -> Result<()> {
        let json = serde_json::to_string(settings).expect("settings serialise");
        self.writer().execute(
            "INSERT INTO settings(key, value) VALUES ('settings', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [json],
        )?;
        Ok(())
    }

    /// Counts for the status bar and `wirewatch stats`.
    pub fn stats(&self) -> Result<Stats> {
        let conn = self.reader();
        let one = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
        Ok(Stats {
            feeds: one("SELECT count(*) FROM feeds")?,
            failing_feeds: one("SELECT count(*) FROM feeds WHERE error_count > 0")?,
            articles: one("SELECT count(*) FROM articles")?,
            starred: one("SELECT count(*) FROM articles WHERE starred = 1")?,
            rules: one("SELECT count(*) FROM rules")?,
            alerts: one("SELECT count(*) FROM alerts")?,
            unread_alerts: one("SELECT count(*) FROM alerts WHERE read = 0")?,
            db_bytes: std::fs::metadata(&self.path)
                .map(|m| m.len() as i64)
                .unwrap_or(0)
                + std::fs::metadata(wal_path(&self.path))
                    .map(|m| m.len() as i64)
                    .unwrap_or(0),
        })
    }

    /// Checks the database file's integrity (`PRAGMA integrity_check`); `Ok(())` when sound.
    pub fn integrity_check(&self) -> Result<()> {
        let conn = self.reader();
        let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(Error::Database(format!(
                "integrity check failed: {verdict}"
            )))
        }
    }

    /// Tidies the archive for reading; meant for idle moments (the engine runs it daily).
    ///
    /// Each poll adds a segment to the full-text index, and FTS5 merges them only now and
    /// then, so a search reads and merges one list per word per segment. Here the segments
    /// are merged into one, [`MERGE_STEP_PAGES`] at a time, each step its own transaction:
    /// a poll or a click waits for one step at most, not for the whole merge. Over a million
    /// articles, searches then list their matches about 15% faster. Then SQLite refreshes its
    /// statistics and checkpoints the log.
    pub fn optimize(&self) -> Result<()> {
        self.merge_index(MERGE_STEP_PAGES)?;
        self.writer().execute_batch("PRAGMA optimize;")?;
        self.checkpoint();
        Ok(())
    }

    /// Copies what the log holds into the database as far as no reader still needs it, so
    /// the log starts over. A failure leaves the log to the next checkpoint: it is logged,
    /// not returned, since everything written is already safe in the log.
    pub(crate) fn checkpoint(&self) {
        if let Err(e) = self
            .writer()
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        {
            tracing::warn!(error = %e, "checkpoint failed");
        }
    }

    /// Merges the full-text index into one segment, `step_pages` pages per transaction.
    /// Returns the steps that merged something.
    fn merge_index(&self, step_pages: i64) -> Result<usize> {
        let mut steps = 0;
        loop {
            let conn = self.writer();
            let before = conn.total_changes();
            // A negative size: merge segments of every level, as FTS5's `optimize` does.
            conn.prepare_cached(
                "INSERT INTO articles_fts (articles_fts, rank) VALUES ('merge', ?1)",
            )?
            .execute([-step_pages])?;
            // FTS5 says it found nothing to merge by changing fewer than two rows.
            if conn.total_changes() - before < 2 {
                return Ok(steps);
            }
            steps += 1;
        }
    }
}

fn wal_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

fn not_a_database(path: &Path, e: rusqlite::Error) -> Error {
    Error::Database(format!(
        "{} is not a Wirewatch database or cannot be opened ({e})",
        path.display()
    ))
}

/// An article's plain text from its `text` and `content_html` columns: `text` is empty when
/// it is the HTML's own text ([`crate::decode::DecodedEntry::text_of_html`]).
pub(crate) fn body_text(text: String, content_html: &str) -> String {
    if text.is_empty() {
        crate::decode::stored_text(content_html)
    } else {
        text
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Migration 3 fills the `words` table with each word's stem, as `text::stem` makes it.
    conn.create_scalar_function(
        "wirewatch_stem",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8
            | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(crate::text::stem(&ctx.get::<String>(0)?)),
    )?;
    // Migration 6 detects the language of the articles stored before it.
    conn.create_scalar_function(
        "wirewatch_lang",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8
            | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(ctx
                .get::<Option<String>>(0)?
                .and_then(|t| crate::prepare::lang::detect(&t)))
        },
    )?;
    // Migration 5 lists the articles whose words fold differently since it.
    conn.create_scalar_function(
        "wirewatch_folds_anew",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8
            | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(ctx
                .get::<Option<String>>(0)?
                .is_some_and(|t| crate::text::folds_anew(&t)))
        },
    )?;
    // Reading the schema fails at once on a file that is not SQLite.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    // A new archive gets 32 KiB pages: a story with its HTML and text (3–5 KB) then fits in
    // a page instead of spilling into an overflow chain: a cold poll of 50,000 stories spends
    // half the system time writing, and the file is 12% smaller. Ignored by an existing
    // database.
    conn.pragma_update(None, "page_size", 32768)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // 32 MB of page cache (the default is 2 MB): the full-text index and the time index
    // are read and written in many places at once during a poll and a search.
    conn.pragma_update(None, "cache_size", -32768)?;
    Ok(())
}

/// Refuses a file that is not SQLite, a database of another program or one written by a
/// newer Wirewatch, before anything is written to it: `configure` switches the journal to WAL,
/// which is a change to the file that such a database's owner did not ask for.
fn check_ours(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| not_a_database(path, e))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| not_a_database(path, e))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = schema::MIGRATIONS.len() as i64;
    if version > known {
        return Err(Error::Database(format!(
            "{} was written by a newer version of Wirewatch (schema {version}, this version knows {known}); \
             update Wirewatch to open it",
            path.display()
        )));
    }
    if version == 0 {
        let foreign: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
            [],
            |r| r.get(0),
        )?;
        if foreign > 0 {
            return Err(Error::Database(format!(
                "{} is an SQLite database of another program, not a Wirewatch database",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Applies the migrations this database has not seen (after [`check_ours`]).
fn migrate(conn: &Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Milliseconds since the epoch, as stored.
pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored time.
pub(crate) fn time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// A stored optional time.
pub(crate) fn opt_time(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.map(time)
}
