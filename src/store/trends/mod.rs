//! Trends: how many articles a query (or a rule's query and scope) matched per hour or per
//! day over a range, in all and optionally split by folder or outlet.
//!
//! A trend counts exactly the articles a search over the same range lists (the same
//! `sort_time` in `[since, until)`, the same translation of the query), in this order:
//! 1. The query is translated into FTS5 as search does ([`super::search::search`]).
//! 2. An exact translation with no scope (the common case): the index lists the matching ids,
//!    and each id's time is read from the [`TimeColumn`], an in-memory copy of the archive's
//!    `(id, sort_time)` pairs; without a split, the ids are counted in their buckets as the
//!    index lists them, inside SQLite (`column::tally`). Reading a match's time from SQLite costs a seek per match
//!    (and one into the wide `articles` row, past its body, without the narrow
//!    `articles_time_by_id` index); a query matching a quarter of a million articles would
//!    spend hundreds of milliseconds on it. The column is refreshed from that index before
//!    each trend, reading only the ids added since, and tells which ids a range's articles
//!    can have, so the index is asked only about those.
//! 3. Otherwise (a scope, a translation the matcher must confirm, or no query at all):
//!    search's own path lists every match with its time.
//! 4. Each match falls in the bucket of its time. Days start at midnight of a fixed UTC
//!    offset (the caller's), hours on the hour; the first and last buckets are clipped to the
//!    range, so the counts sum to the search's count over the same range.
//! 5. With a split, each match counts once for each feed (outlet) or folder it came through
//!    (within the scope, when there is one): an article carried by two outlets shows in both.

mod column;

pub(super) use column::{register, TimeColumn};

use super::articles::Filter;
use super::search::{search, Count, IndexWords};
use super::{ms, time, Store};
use crate::error::Result;
use crate::model::{FeedId, RuleScope};
use crate::rules::{fts, Query};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

/// Buckets one trend holds at most: ten years by hour. A wider range is cut at its start.
pub const MAX_BUCKETS: i64 = 10 * 366 * 24;

/// The width of a trend's buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum TrendBucket {
    /// One hour.
    Hour,
    /// One day, from midnight at the trend's UTC offset.
    Day,
}

impl TrendBucket {
    fn millis(self) -> i64 {
        match self {
            TrendBucket::Hour => 3_600_000,
            TrendBucket::Day => 86_400_000,
        }
    }
}

/// What a trend's counts are split by, besides the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum TrendSplit {
    /// The folder of the feeds the article came through.
    Folder,
    /// The feed (outlet) the article came through.
    Outlet,
}

/// The range and bucketing of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrendRange {
    /// Articles filed at or after this time.
    pub since: DateTime<Utc>,
    /// Articles filed before this time.
    pub until: DateTime<Utc>,
    /// Bucket width.
    pub by: TrendBucket,
    /// Offset of the reader's time zone from UTC, in seconds: days start at its midnight.
    pub utc_offset_secs: i32,
}

/// One bucket of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TrendPoint {
    /// Start of the bucket (clipped to the range's start for the first one).
    pub start: DateTime<Utc>,
    /// Articles in the bucket.
    #[ts(type = "number")]
    pub count: u64,
}

/// The counts of one folder or outlet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TrendSeries {
    /// The folder's name or the outlet's title; `None` for feeds in no folder.
    pub label: Option<String>,
    /// The outlet, when split by outlet.
    #[ts(type = "number | null")]
    pub feed: Option<FeedId>,
    /// Articles in all buckets.
    #[ts(type = "number")]
    pub total: u64,
    /// One point per bucket, as in [`Trend::points`].
    pub points: Vec<TrendPoint>,
}

/// Articles per bucket over a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Trend {
    /// Bucket width.
    pub by: TrendBucket,
    /// Every bucket of the range, oldest first, empty ones included.
    pub points: Vec<TrendPoint>,
    /// Articles in all buckets.
    #[ts(type = "number")]
    pub total: u64,
    /// Per folder or outlet when asked, largest first; empty otherwise.
    pub series: Vec<TrendSeries>,
}

/// The buckets of a range: where the first starts and how wide they are.
#[derive(Debug, Clone, Copy)]
struct Grid {
    since: i64,
    until: i64,
    first: i64,
    width: i64,
    len: usize,
}

impl Grid {
    fn of(range: &TrendRange) -> Grid {
        let width = range.by.millis();
        let offset = i64::from(range.utc_offset_secs) * 1000;
        let until = ms(range.until);
        let since = ms(range.since).min(until).max(until - MAX_BUCKETS * width);
        let first = (since + offset).div_euclid(width) * width - offset;
        let len = if until > since {
            (until - first + width - 1) / width
        } else {
            0
        };
        Grid {
            since,
            until,
            first,
            width,
            len: len as usize,
        }
    }

    fn slot(&self, t: i64) -> Option<usize> {
        if t < self.since || t >= self.until {
            return None;
        }
        let after = t - self.first;
        // A trend counts up to a million matches here: a division by a constant compiles to
        // a multiplication, several times faster than dividing by a width read at run time.
        let slot = match self.width {
            3_600_000 => after / 3_600_000,
            86_400_000 => after / 86_400_000,
            width => after / width,
        };
        Some(slot as usize)
    }

    fn points(&self, counts: &[u64]) -> Vec<TrendPoint> {
        counts
            .iter()
            .enumerate()
            .map(|(i, &count)| TrendPoint {
                start: time((self.first + i as i64 * self.width).max(self.since)),
                count,
            })
            .collect()
    }
}

impl Store {
    /// Articles per bucket matching `query` (all articles when `None`) within `scope` over
    /// `range`, split by folder or outlet when asked. Counts agree with
    /// [`Store::article_count`] over the same range.
    pub fn trend(
        &self,
        query: Option<&Query>,
        scope: &RuleScope,
        range: &TrendRange,
        split: Option<TrendSplit>,
    ) -> Result<Trend> {
        let grid = Grid::of(range);
        let conn = self.reader();
        let listing = if grid.len == 0 {
            Listing::Nothing
        } else {
            listing(&conn, query, scope)
        };
        let (counts, series) = match (listing, split) {
            (Listing::Nothing, _) => (vec![0; grid.len], Vec::new()),
            // No split: the counts alone, made as the index lists the matches.
            (Listing::Index(expr), None) => {
                (column::tally(&conn, &self.times, &expr, &grid)?, Vec::new())
            }
            (listing, split) => {
                let matches = self.matches_with_times(&conn, listing, query, scope, &grid)?;
                let mut counts = vec![0u64; grid.len];
                for &(_, t) in &matches {
                    if let Some(slot) = grid.slot(t) {
                        counts[slot] += 1;
                    }
                }
                let series = match split {
                    Some(split) => split_counts(&conn, &matches, scope, split, &grid)?,
                    None => Vec::new(),
                };
                (counts, series)
            }
        };
        Ok(Trend {
            by: range.by,
            total: counts.iter().sum(),
            points: grid.points(&counts),
            series,
        })
    }

    /// The filed times of every article matching `query` within `scope` in `[since, until)`,
    /// in no particular order (a spike baseline's history).
    pub fn match_times(
        &self,
        query: &Query,
        scope: &RuleScope,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>> {
        let grid = Grid::of(&TrendRange {
            since,
            until,
            by: TrendBucket::Day,
            utc_offset_secs: 0,
        });
        if grid.len == 0 {
            return Ok(Vec::new());
        }
        let conn = self.reader();
        let listing = listing(&conn, Some(query), scope);
        let found = self.matches_with_times(&conn, listing, Some(query), scope, &grid)?;
        Ok(found.into_iter().map(|(_, t)| time(t)).collect())
    }

    /// When the oldest article of the archive was filed.
    pub fn oldest_article_time(&self) -> Result<Option<DateTime<Utc>>> {
        let t: Option<i64> =
            self.reader()
                .query_row("SELECT min(sort_time) FROM articles", [], |r| r.get(0))?;
        Ok(t.map(time))
    }

    /// Every `(id, sort_time)` matching within the grid's range, listed as `listing` says.
    fn matches_with_times(
        &self,
        conn: &Connection,
        listing: Listing,
        query: Option<&Query>,
        scope: &RuleScope,
        grid: &Grid,
    ) -> Result<Vec<(i64, i64)>> {
        match listing {
            Listing::Nothing => Ok(Vec::new()),
            Listing::Index(expr) => {
                let mut column = self.times.lock().unwrap_or_else(|p| p.into_inner());
                column.refresh(conn)?;
                // Without a bound, none is given: SQLite would check it on every match.
                let (sql, bound) = match column.ids_within(grid.since, grid.until) {
                    None => (
                        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1",
                        None,
                    ),
                    Some(ids) => (
                        "SELECT rowid FROM articles_fts
                         WHERE articles_fts MATCH ?1 AND rowid >= ?2 AND rowid <= ?3",
                        Some(ids),
                    ),
                };
                let mut stmt = conn.prepare_cached(sql)?;
                let mut rows = match bound {
                    None => stmt.query(params![expr])?,
                    Some((low, high)) => stmt.query(params![expr, low, high])?,
                };
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    let id: i64 = row.get(0)?;
                    if let Some(t) = column.time(id).filter(|&t| grid.slot(t).is_some()) {
                        out.push((id, t));
                    }
                }
                Ok(out)
            }
            Listing::Search => {
                let filter = Filter {
                    feeds: scope.feeds.clone(),
                    folders: scope.folders.clone(),
                    since: Some(time(grid.since)),
                    until: Some(time(grid.until)),
                    ..Filter::default()
                };
                Ok(search(conn, query, &filter, None, usize::MAX, Count::All)?.ids)
            }
        }
    }
}

/// Where a trend's matches come from.
enum Listing {
    /// No article can match (a word never indexed, or an empty range).
    Nothing,
    /// The full-text index alone, with this expression: an exact translation and no scope.
    Index(String),
    /// Search's own path, which checks a scope and confirms an inexact translation.
    Search,
}

/// How the matches of `query` within `scope` are listed.
fn listing(conn: &Connection, query: Option<&Query>, scope: &RuleScope) -> Listing {
    let (Some(q), true) = (query, scope.is_everywhere()) else {
        return Listing::Search;
    };
    let t = fts::translate(&q.root, &mut IndexWords(conn));
    match t.expr {
        None => Listing::Nothing,
        Some(expr) if t.exact => Listing::Index(expr),
        Some(_) => Listing::Search,
    }
}

/// The counts of each folder or outlet the matches came through.
fn split_counts(
    conn: &Connection,
    matches: &[(i64, i64)],
    scope: &RuleScope,
    split: TrendSplit,
    grid: &Grid,
) -> Result<Vec<TrendSeries>> {
    let mut feeds: HashMap<FeedId, (String, Option<String>)> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached("SELECT id, title, folder FROM feeds")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        for row in rows {
            let (id, feed) = row?;
            feeds.insert(id, feed);
        }
    }
    let in_scope = |feed: FeedId| {
        scope.is_everywhere()
            || scope.feeds.contains(&feed)
            || feeds
                .get(&feed)
                .and_then(|(_, folder)| folder.as_ref())
                .is_some_and(|f| scope.folders.contains(f))
    };
    // Key: the outlet's id, or the folder's name.
    let mut by_key: HashMap<(Option<FeedId>, Option<String>), Vec<u64>> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT feed_id FROM article_feeds INDEXED BY article_feeds_article WHERE article_id = ?1",
    )?;
    for &(id, t) in matches {
        let Some(slot) = grid.slot(t) else { continue };
        let mut seen: Vec<(Option<FeedId>, Option<String>)> = Vec::new();
        let rows = stmt.query_map([id], |r| r.get::<_, FeedId>(0))?;
        for feed in rows {
            let feed = feed?;
            if !in_scope(feed) {
                continue;
            }
            let key = match split {
                TrendSplit::Outlet => (Some(feed), None),
                TrendSplit::Folder => (None, feeds.get(&feed).and_then(|(_, f)| f.clone())),
            };
            // An article two feeds of one folder carried counts once for the folder.
            if !seen.contains(&key) {
                seen.push(key.clone());
                by_key.entry(key).or_insert_with(|| vec![0; grid.len])[slot] += 1;
            }
        }
    }
    let mut series: Vec<TrendSeries> = by_key
        .into_iter()
        .map(|((feed, folder), counts)| TrendSeries {
            label: match feed {
                Some(f) => feeds.get(&f).map(|(title, _)| title.clone()),
                None => folder,
            },
            feed,
            total: counts.iter().sum(),
            points: grid.points(&counts),
        })
        .collect();
    series.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.label.cmp(&b.label)));
    Ok(series)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::DecodedEntry;
    use crate::model::ArticleQuery;
    use crate::prepare::PreparedEntry;
    use crate::rules::RuleSet;
    use crate::store::{FeedUpdate, NewFeed};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn now() -> DateTime<Utc> {
        "2026-05-20T10:17:00Z".parse().unwrap()
    }

    /// The last `days` days up to [`now`], by day, in UTC.
    fn days_to_now(days: i64) -> TrendRange {
        TrendRange {
            since: now() - chrono::Duration::days(days),
            until: now(),
            by: TrendBucket::Day,
            utc_offset_secs: 0,
        }
    }

    /// Three outlets (two in folder "asia") with stories over the last ten days, some
    /// carried by two outlets, over a small vocabulary so queries match many.
    fn archive(dir: &std::path::Path) -> (Store, Vec<FeedId>) {
        let store = Store::open(&dir.join("w.db")).unwrap();
        let mut feeds = Vec::new();
        for (i, folder) in [Some("asia"), Some("asia"), None].into_iter().enumerate() {
            let feed = store
                .add_feed(
                    &NewFeed {
                        url: format!("https://wire{i}.example.org/feed.xml"),
                        title: Some(format!("Wire {i}")),
                        folder: folder.map(String::from),
                        ..NewFeed::default()
                    },
                    now(),
                    900,
                )
                .unwrap()
                .0
                .id;
            feeds.push(feed);
        }
        let mut rng = StdRng::seed_from_u64(22);
        let words = [
            "flood",
            "monsoon",
            "border",
            "rupee",
            "ceasefire",
            "cricket",
        ];
        for poll in 0..6 {
            let mut updates = Vec::new();
            for (f, &feed) in feeds.iter().enumerate() {
                let entries = (0..120)
                    .map(|i| {
                        // Every fifth story is shared by the next outlet too (same guid and text).
                        let k = if i % 5 == 0 && f > 0 {
                            i + (f - 1) * 1000
                        } else {
                            i + f * 1000
                        };
                        let mut rng = StdRng::seed_from_u64((poll * 10_000 + k) as u64);
                        let mut sentence = |len: usize| {
                            (0..len)
                                .map(|_| words[rng.random_range(0..words.len())])
                                .collect::<Vec<_>>()
                                .join(" ")
                        };
                        let (title, text) = (sentence(3), sentence(8));
                        let published =
                            now() - chrono::Duration::minutes(rng.random_range(0..14_400));
                        PreparedEntry::new(DecodedEntry {
                            guid: Some(format!("story-{poll}-{k}")),
                            url: Some(format!("https://news.example.org/{poll}/{k}")),
                            title,
                            text,
                            published: Some(published),
                            ..DecodedEntry::default()
                        })
                    })
                    .collect();
                updates.push(FeedUpdate::entries(feed, None, entries, now()));
            }
            store
                .apply_poll(updates, &RuleSet::default(), now())
                .unwrap();
            let _ = rng.random::<u8>();
        }
        (store, feeds)
    }

    fn count(
        store: &Store,
        query: &str,
        scope: &RuleScope,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> u64 {
        let parsed = (!query.is_empty()).then(|| Query::parse(query).unwrap());
        // Search takes one folder or a list of feeds; scopes here use one of them.
        let q = ArticleQuery {
            query: query.into(),
            feeds: scope.feeds.clone(),
            folder: scope.folders.first().cloned(),
            since: Some(since),
            until: Some(until),
            ..ArticleQuery::default()
        };
        store.article_count(&q, parsed.as_ref()).unwrap()
    }

    #[test]
    fn every_bucket_counts_what_search_counts_over_it() {
        let dir = tempfile::tempdir().unwrap();
        let (store, feeds) = archive(dir.path());
        let scopes = [
            RuleScope::default(),
            RuleScope {
                folders: vec!["asia".into()],
                feeds: vec![],
            },
            RuleScope {
                folders: vec![],
                feeds: vec![feeds[2]],
            },
        ];
        for query in [
            "",
            "flood",
            "flood monsoon",
            "\"border rupee\"",
            "rup*",
            "cricket -flood",
            "NEAR(flood border, 2)",
        ] {
            let parsed = (!query.is_empty()).then(|| Query::parse(query).unwrap());
            for scope in &scopes {
                for (by, offset) in [(TrendBucket::Day, 19_800), (TrendBucket::Hour, 0)] {
                    let range = TrendRange {
                        since: now() - chrono::Duration::days(8) - chrono::Duration::minutes(7),
                        until: now() - chrono::Duration::hours(30),
                        by,
                        utc_offset_secs: offset,
                    };
                    let trend = store.trend(parsed.as_ref(), scope, &range, None).unwrap();
                    let all = count(&store, query, scope, range.since, range.until);
                    assert!(
                        all > 0 || query.starts_with("NEAR"),
                        "{query:?} should match some"
                    );
                    assert_eq!(
                        trend.total, all,
                        "{query:?} {scope:?} {by:?}: the sum is search's count"
                    );
                    for (i, p) in trend.points.iter().enumerate() {
                        let end = trend.points.get(i + 1).map_or(range.until, |n| n.start);
                        if by == TrendBucket::Day || i % 17 == 0 {
                            assert_eq!(
                                p.count,
                                count(&store, query, scope, p.start, end),
                                "{query:?} {scope:?}: the bucket from {} counts what search finds in it",
                                p.start
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_split_counts_each_outlet_and_folder_an_article_came_through() {
        let dir = tempfile::tempdir().unwrap();
        let (store, feeds) = archive(dir.path());
        let q = Query::parse("flood").unwrap();
        let range = days_to_now(11);
        let trend = store
            .trend(
                Some(&q),
                &RuleScope::default(),
                &range,
                Some(TrendSplit::Outlet),
            )
            .unwrap();
        assert_eq!(trend.series.len(), 3, "one series per outlet");
        for (i, &feed) in feeds.iter().enumerate() {
            let s = trend.series.iter().find(|s| s.feed == Some(feed)).unwrap();
            assert_eq!(s.label.as_deref(), Some(format!("Wire {i}").as_str()));
            let scope = RuleScope {
                folders: vec![],
                feeds: vec![feed],
            };
            assert_eq!(
                s.total,
                count(&store, "flood", &scope, range.since, range.until)
            );
            assert_eq!(s.points.iter().map(|p| p.count).sum::<u64>(), s.total);
        }
        let outlets: u64 = trend.series.iter().map(|s| s.total).sum();
        assert!(
            outlets > trend.total,
            "shared stories count for each outlet"
        );
        let trend = store
            .trend(
                Some(&q),
                &RuleScope::default(),
                &range,
                Some(TrendSplit::Folder),
            )
            .unwrap();
        let asia = trend
            .series
            .iter()
            .find(|s| s.label.as_deref() == Some("asia"))
            .unwrap();
        let scope = RuleScope {
            folders: vec!["asia".into()],
            feeds: vec![],
        };
        assert_eq!(
            asia.total,
            count(&store, "flood", &scope, range.since, range.until)
        );
        assert!(
            trend.series.iter().any(|s| s.label.is_none()),
            "feeds in no folder are a series"
        );
    }

    #[test]
    fn new_and_deleted_articles_are_seen_by_the_next_trend() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = archive(dir.path());
        let q = Query::parse("flood").unwrap();
        let range = days_to_now(11);
        let before = store
            .trend(Some(&q), &RuleScope::default(), &range, None)
            .unwrap();
        let deleted = store
            .delete_older_than(now() - chrono::Duration::days(5))
            .unwrap();
        assert!(deleted > 0);
        let after = store
            .trend(Some(&q), &RuleScope::default(), &range, None)
            .unwrap();
        assert!(after.total < before.total);
        let all = count(
            &store,
            "flood",
            &RuleScope::default(),
            range.since,
            range.until,
        );
        assert_eq!(after.total, all, "deleted articles are not counted");
    }

    fn range(since: &str, until: &str, by: TrendBucket, offset: i32) -> TrendRange {
        TrendRange {
            since: since.parse().unwrap(),
            until: until.parse().unwrap(),
            by,
            utc_offset_secs: offset,
        }
    }

    #[test]
    fn days_start_at_the_readers_midnight_and_the_ends_are_clipped() {
        // UTC+5:30: midnight is 18:30 UTC the day before.
        let r = range(
            "2026-05-10T12:00:00Z",
            "2026-05-12T20:00:00Z",
            TrendBucket::Day,
            19_800,
        );
        let grid = Grid::of(&r);
        let points = grid.points(&vec![0; grid.len]);
        let starts: Vec<String> = points.iter().map(|p| p.start.to_rfc3339()).collect();
        assert_eq!(
            starts,
            [
                "2026-05-10T12:00:00+00:00",
                "2026-05-10T18:30:00+00:00",
                "2026-05-11T18:30:00+00:00",
                "2026-05-12T18:30:00+00:00",
            ],
            "the first bucket starts at the range, the others at local midnight"
        );
        let t = |s: &str| ms(s.parse::<DateTime<Utc>>().unwrap());
        assert_eq!(grid.slot(t("2026-05-10T18:29:59Z")), Some(0));
        assert_eq!(grid.slot(t("2026-05-10T18:30:00Z")), Some(1));
        assert_eq!(grid.slot(t("2026-05-12T19:59:59Z")), Some(3));
        assert_eq!(
            grid.slot(t("2026-05-12T20:00:00Z")),
            None,
            "until is exclusive"
        );
        assert_eq!(
            grid.slot(t("2026-05-10T11:59:59Z")),
            None,
            "since is inclusive"
        );
    }

    #[test]
    fn an_empty_or_reversed_range_has_no_buckets_and_a_huge_one_is_cut() {
        let r = range(
            "2026-05-10T12:00:00Z",
            "2026-05-10T12:00:00Z",
            TrendBucket::Hour,
            0,
        );
        assert_eq!(Grid::of(&r).len, 0);
        let r = range(
            "2026-05-11T12:00:00Z",
            "2026-05-10T12:00:00Z",
            TrendBucket::Hour,
            0,
        );
        assert_eq!(Grid::of(&r).len, 0);
        let r = range(
            "1900-01-01T00:00:00Z",
            "2026-05-10T12:00:00Z",
            TrendBucket::Hour,
            0,
        );
        assert_eq!(Grid::of(&r).len as i64, MAX_BUCKETS);
    }
}
