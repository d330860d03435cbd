//! Subscriptions and their fetch state (validators, schedule, errors).

use super::{ms, opt_time, time, Store};
use crate::dedup;
use crate::error::{Error, Result};
use crate::model::{Feed, FeedId, FullTextMode};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

/// A subscription to create.
#[derive(Debug, Clone, Default)]
pub struct NewFeed {
    /// Feed URL (absolute http/https).
    pub url: String,
    /// Title, when known (from OPML); otherwise the host until the first fetch.
    pub title: Option<String>,
    /// Web site, when known.
    pub site_url: Option<String>,
    /// Folder.
    pub folder: Option<String>,
}

/// What the poller needs to fetch a feed and schedule the next check.
#[derive(Debug, Clone)]
pub struct FeedFetchState {
    /// Row id.
    pub id: FeedId,
    /// URL to fetch.
    pub url: String,
    /// Current title.
    pub title: String,
    /// Folder, for rule scopes.
    pub folder: Option<String>,
    /// Validators of the last 200.
    pub etag: Option<String>,
    /// Validators of the last 200.
    pub last_modified: Option<String>,
    /// Hash of the last body decoded, to skip decoding an unchanged body.
    pub body_hash: Option<String>,
    /// User's fixed interval, seconds.
    pub interval_override_secs: Option<i64>,
    /// Current adaptive interval, seconds.
    pub interval_secs: i64,
    /// Consecutive errors so far.
    pub error_count: i64,
}

const FEED_COLUMNS: &str = "f.id, f.url, f.title, f.site_url, f.folder, f.interval_override_secs, \
     f.interval_secs, f.last_fetched, f.next_check, f.error_count, f.last_error, f.last_error_code, f.created, \
     f.recovery_note, (SELECT count(*) FROM article_feeds af WHERE af.feed_id = f.id), \
     (SELECT count(*) FROM article_feeds af JOIN articles a ON a.id = af.article_id \
        WHERE af.feed_id = f.id AND a.read = 0), f.full_text";

fn feed_row(r: &Row) -> rusqlite::Result<Feed> {
    Ok(Feed {
        id: r.get(0)?,
        url: r.get(1)?,
        title: r.get(2)?,
        site_url: r.get(3)?,
        folder: r.get(4)?,
        interval_override_secs: r.get(5)?,
        interval_secs: r.get(6)?,
        last_fetched: opt_time(r.get(7)?),
        next_check: time(r.get(8)?),
        error_count: r.get(9)?,
        last_error: r.get(10)?,
        last_error_code: r.get(11)?,
        created: time(r.get(12)?),
        recovery_note: r.get(13)?,
        article_count: r.get(14)?,
        unread_count: r.get(15)?,
        full_text: FullTextMode::parse(r.get_ref(16)?.as_str()?).unwrap_or_default(),
    })
}

fn state_row(r: &Row) -> rusqlite::Result<FeedFetchState> {
    Ok(FeedFetchState {
        id: r.get(0)?,
        url: r.get(1)?,
        title: r.get(2)?,
        folder: r.get(3)?,
        etag: r.get(4)?,
        last_modified: r.get(5)?,
        body_hash: r.get(6)?,
        interval_override_secs: r.get(7)?,
        interval_secs: r.get(8)?,
        error_count: r.get(9)?,
    })
}

const STATE_COLUMNS: &str = "id, url, title, folder, etag, last_modified, body_hash, \
     interval_override_secs, interval_secs, error_count";

/// The host of a URL, as a title until the feed names itself.
fn host_title(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_string())
        })
        .unwrap_or_else(|| url.to_string())
}

impl Store {
    /// Subscribes to `feed`, due at once. Returns the feed and whether it was new; an existing
    /// subscription (same URL up to http/https, `www.`, tracking parameters) is returned as is.
    pub fn add_feed(
        &self,
        feed: &NewFeed,
        now: DateTime<Utc>,
        interval_secs: i64,
    ) -> Result<(Feed, bool)> {
        let key = dedup::canonical_url(&feed.url).ok_or_else(|| Error::InvalidUrl {
            url: feed.url.clone(),
            reason: "only http and https feeds can be followed".into(),
        })?;
        let inserted = {
            let conn = self.writer();
            conn.execute(
                "INSERT INTO feeds (url, url_key, title, site_url, folder, interval_secs, next_check, created)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
                 ON CONFLICT(url_key) DO NOTHING",
                params![
                    feed.url,
                    key,
                    feed.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| host_title(&feed.url)),
                    feed.site_url,
                    feed.folder.as_deref().map(str::trim).filter(|f| !f.is_empty()),
                    interval_secs,
                    ms(now),
                ],
            )?
        };
        let id: FeedId =
            self.reader()
                .query_row("SELECT id FROM feeds WHERE url_key = ?1", [&key], |r| {
                    r.get(0)
                })?;
        Ok((self.feed(id)?, inserted == 1))
    }

    /// The subscription for this URL (up to http/https, `www.` and tracking parameters).
    pub fn feed_by_url(&self, url: &str) -> Result<Option<Feed>> {
        let Some(key) = dedup::canonical_url(url) else {
            return Ok(None);
        };
        let id: Option<FeedId> = self
            .reader()
            .query_row("SELECT id FROM feeds WHERE url_key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?;
        id.map(|id| self.feed(id)).transpose()
    }

    /// One feed.
    pub fn feed(&self, id: FeedId) -> Result<Feed> {
        self.reader()
            .query_row(
                &format!("SELECT {FEED_COLUMNS} FROM feeds f WHERE f.id = ?1"),
                [id],
                feed_row,
            )
            .optional()?
            .ok_or(Error::NotFound { what: "feed", id })
    }

    /// All feeds, by folder then title.
    pub fn feeds(&self) -> Result<Vec<Feed>> {
        let conn = self.reader();
        let mut stmt = conn.prepare(&format!(
            "SELECT {FEED_COLUMNS} FROM feeds f ORDER BY f.folder IS NOT NULL, f.folder COLLATE NOCASE, f.title COLLATE NOCASE"
        ))?;
        let rows = stmt.query_map([], feed_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Folder names in use.
    pub fn folders(&self) -> Result<Vec<String>> {
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT DISTINCT folder FROM feeds WHERE folder IS NOT NULL ORDER BY folder COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Unsubscribes. Articles only this feed brought are deleted too, unless starred or
    /// alerted: what the user kept stays.
    pub fn remove_feed(&self, id: FeedId) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let orphans = "SELECT af.article_id FROM article_feeds af
             WHERE af.feed_id = ?1
               AND NOT EXISTS (SELECT 1 FROM article_feeds o WHERE o.article_id = af.article_id AND o.feed_id != ?1)
               AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = af.article_id AND a.starred = 1)
               AND NOT EXISTS (SELECT 1 FROM alerts al WHERE al.article_id = af.article_id)";
        tx.execute(
            &format!("DELETE FROM articles_fts WHERE rowid IN ({orphans})"),
            [id],
        )?;
        tx.execute(
            &format!("DELETE FROM articles WHERE id IN ({orphans})"),
            [id],
        )?;
        let n = tx.execute("DELETE FROM feeds WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(Error::NotFound { what: "feed", id });
        }
        tx.commit()?;
        Ok(())
    }

    /// Files a feed in a folder (`None`: no folder).
    pub fn set_feed_folder(&self, id: FeedId, folder: Option<&str>) -> Result<()> {
        let folder = folder.map(str::trim).filter(|f| !f.is_empty());
        let n = self.writer().execute(
            "UPDATE feeds SET folder = ?2 WHERE id = ?1",
            params![id, folder],
        )?;
        if n == 0 {
            return Err(Error::NotFound { what: "feed", id });
        }
        Ok(())
    }

    /// Sets whether a feed's new articles get their full text fetched. Articles already
    /// stored keep their status.
    pub fn set_feed_full_text(&self, id: FeedId, mode: FullTextMode) -> Result<()> {
        let n = self.writer().execute(
            "UPDATE feeds SET full_text = ?2 WHERE id = ?1",
            params![id, mode.as_str()],
        )?;
        if n == 0 {
            return Err(Error::NotFound { what: "feed", id });
        }
        Ok(())
    }

    /// Fixes a feed's polling interval (`None`: adaptive again). The next check moves so the
    /// new interval applies from the last fetch.
    pub fn set_feed_interval(
        &self,
        id: FeedId,
        secs: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if let Some(s) = secs {
            if s < 60 {
                return Err(Error::InvalidRule(format!(
                    "a feed's interval must be at least 60 seconds, not {s}"
                )));
            }
        }
        let conn = self.writer();
        let n = conn.execute(
            "UPDATE feeds SET interval_override_secs = ?2,
                 interval_secs = coalesce(?2, interval_secs),
                 next_check = CASE WHEN ?2 IS NULL OR error_count > 0 THEN next_check
                                   ELSE max(?3, coalesce(last_fetched, ?3) + ?2 * 1000) END
             WHERE id = ?1",
            params![id, secs, ms(now)],
        )?;
        if n == 0 {
            return Err(Error::NotFound { what: "feed", id });
        }
        Ok(())
    }

    /// Feeds whose next check is due at `now`, soonest first.
    pub fn due_feeds(&self, now: DateTime<Utc>) -> Result<Vec<FeedFetchState>> {
        let conn = self.reader();
        let mut stmt = conn.prepare(&format!(
            "SELECT {STATE_COLUMNS} FROM feeds WHERE next_check <= ?1 ORDER BY next_check"
        ))?;
        let rows = stmt.query_map([ms(now)], state_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Fetch state of the given feeds, or of all feeds.
    pub fn fetch_states(&self, ids: Option<&[FeedId]>) -> Result<Vec<FeedFetchState>> {
        let conn = self.reader();
        let mut stmt = conn.prepare(&format!("SELECT {STATE_COLUMNS} FROM feeds ORDER BY id"))?;
        let rows = stmt.query_map([], state_row)?;
        let all: Vec<FeedFetchState> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(match ids {
            None => all,
            Some(ids) => {
                for id in ids {
                    if !all.iter().any(|f| f.id == *id) {
                        return Err(Error::NotFound {
                            what: "feed",
                            id: *id,
                        });
                    }
                }
                all.into_iter().filter(|f| ids.contains(&f.id)).collect()
            }
        })
    }

    /// When the next feed is due, if any feed exists.
    pub fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let t: Option<i64> =
            self.reader()
                .query_row("SELECT min(next_check) FROM feeds", [], |r| r.get(0))?;
        Ok(t.map(time))
    }
}
