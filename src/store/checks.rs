//! Feed checks and health: every check of a feed is remembered for a fortnight, so the
//! window can say how often a feed fails and since when, and whether it has gone silent.
//!
//! 1. After each poll's writes, [`Store::record_checks`] adds one row per feed checked
//!    (success or failure).
//! 2. [`Store::feed_health`] reads, per feed, its checks of the last [`HEALTH_DAYS`] days,
//!    the times of its newest articles and when it last brought one, and weighs them
//!    ([`crate::health::assess`]); a failing feed's stored error is explained
//!    ([`crate::health::Problem::of`]).
//! 3. Daily maintenance drops checks older than [`KEPT_DAYS`] days
//!    ([`Store::forget_checks_before`]).

use super::{ms, time, Store};
use crate::error::Result;
use crate::health::{assess, Check, FeedHealth, Problem, Record};
use crate::model::FeedId;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Days of checks that make a feed's recent error rate.
pub const HEALTH_DAYS: i64 = 7;
/// Days of checks kept; "probably dead" needs a failure streak's start within them.
pub const KEPT_DAYS: i64 = 14;

/// One check to remember.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckRecord {
    /// The feed.
    pub feed_id: FeedId,
    /// Whether it succeeded (200 or 304).
    pub ok: bool,
}

/// A feed's health with its last failure explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FeedHealthReport {
    /// The feed.
    #[ts(type = "number")]
    pub feed_id: FeedId,
    /// The verdict and its figures.
    pub health: FeedHealth,
    /// The last failure, explained, while the feed fails.
    pub problem: Option<Problem>,
}

impl Store {
    /// Remembers a poll's checks, made at `at`.
    pub fn record_checks(&self, checks: &[CheckRecord], at: DateTime<Utc>) -> Result<()> {
        if checks.is_empty() {
            return Ok(());
        }
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        {
            // A feed checked twice in one millisecond (a manual refresh racing the loop)
            // keeps its last outcome.
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO feed_checks (feed_id, at, ok) VALUES (?1, ?2, ?3)",
            )?;
            for c in checks {
                stmt.execute(params![c.feed_id, ms(at), c.ok])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The feed to probe while offline: the one that last succeeded, likeliest to work as
    /// soon as the network does.
    pub fn probe_feed(&self) -> Result<Option<FeedId>> {
        Ok(self
            .reader()
            .query_row(
                "SELECT id FROM feeds ORDER BY last_fetched IS NULL, last_fetched DESC, id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Makes every feed whose last check failed on the network due at `now`: back online,
    /// they are checked at once rather than after the back-off their failures earned.
    pub fn due_again_after_offline(&self, now: DateTime<Utc>) -> Result<u64> {
        let n = self.writer().execute(
            "UPDATE feeds SET next_check = ?1
             WHERE error_count > 0 AND last_error_code IN ('unreachable', 'timeout')
               AND next_check > ?1",
            [ms(now)],
        )?;
        Ok(n as u64)
    }

    /// Forgets checks made before `cutoff`. Returns how many.
    pub fn forget_checks_before(&self, cutoff: DateTime<Utc>) -> Result<u64> {
        let n = self
            .writer()
            .execute("DELETE FROM feed_checks WHERE at < ?1", [ms(cutoff)])?;
        Ok(n as u64)
    }

    /// The health of every feed as of `now`, in feed id order.
    pub fn feed_health(&self, now: DateTime<Utc>) -> Result<Vec<FeedHealthReport>> {
        let conn = self.reader();
        let mut feeds = conn.prepare_cached(
            "SELECT id, url, created, last_error_code, last_error FROM feeds ORDER BY id",
        )?;
        let feeds = feeds
            .query_map([], |r| {
                Ok((
                    r.get::<_, FeedId>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut checks = conn.prepare_cached(
            "SELECT at, ok FROM feed_checks WHERE feed_id = ?1 AND at >= ?2 ORDER BY at",
        )?;
        // The feed's newest articles by id (ids follow arrival), through the primary key.
        let mut newest = conn.prepare_cached(
            "SELECT a.sort_time, af.seen FROM article_feeds af
             JOIN articles a INDEXED BY articles_time_by_id ON a.id = af.article_id
             WHERE af.feed_id = ?1 ORDER BY af.article_id DESC LIMIT 20",
        )?;
        let since = ms(now - Duration::days(HEALTH_DAYS));
        let streak_since = ms(now - Duration::days(KEPT_DAYS));
        let mut out = Vec::with_capacity(feeds.len());
        for (id, url, created, code, message) in feeds {
            let all: Vec<Check> = checks
                .query_map(params![id, streak_since], |r| {
                    Ok(Check {
                        at: time(r.get(0)?),
                        ok: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let (published, seen): (Vec<DateTime<Utc>>, Vec<i64>) = newest
                .query_map([id], |r| Ok((time(r.get(0)?), r.get::<_, i64>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .into_iter()
                .unzip();
            let mut health = assess(
                &Record {
                    checks: all.clone(),
                    published,
                    last_new_article: seen.iter().max().map(|&t| time(t)),
                    subscribed: Some(time(created)),
                },
                now,
            );
            // The error rate is the last week's; the failure streak may reach further back.
            let recent: Vec<&Check> = all.iter().filter(|c| ms(c.at) >= since).collect();
            health.error_rate = (!recent.is_empty())
                .then(|| recent.iter().filter(|c| !c.ok).count() as f64 / recent.len() as f64);
            let problem = match (&code, &message) {
                (Some(code), Some(message)) => Some(Problem::of(code, message, &url)),
                _ => None,
            };
            out.push(FeedHealthReport {
                feed_id: id,
                health,
                problem,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::HealthState;
    use crate::store::NewFeed;

    fn t(h: i64) -> DateTime<Utc> {
        "2026-05-10T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::hours(h)
    }

    #[test]
    fn checks_make_a_failing_feed_with_its_rate_and_its_problem_explained() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("w.db")).unwrap();
        let feed = store
            .add_feed(
                &NewFeed {
                    url: "https://www.eastasiaforum.org/feed/".into(),
                    ..NewFeed::default()
                },
                t(0),
                900,
            )
            .unwrap()
            .0
            .id;
        for h in 0..30 {
            let ok = h < 24;
            store
                .record_checks(&[CheckRecord { feed_id: feed, ok }], t(h))
                .unwrap();
        }
        store
            .writer()
            .execute(
                "UPDATE feeds SET error_count = 6, last_error_code = 'unreachable',
                 last_error = 'could not reach https://www.eastasiaforum.org/feed/: dns error: failed to lookup address information' WHERE id = ?1",
                [feed],
            )
            .unwrap();
        let report = store.feed_health(t(30)).unwrap();
        assert_eq!(report.len(), 1);
        let r = &report[0];
        assert_eq!(r.health.state, HealthState::Failing);
        assert_eq!(r.health.failing_since, Some(t(24)));
        assert!(
            (r.health.error_rate.unwrap() - 0.2).abs() < 1e-9,
            "6 of 30 checks failed"
        );
        assert_eq!(
            r.problem.as_ref().unwrap().headline,
            "Can't find the server eastasiaforum.org"
        );
        assert_eq!(store.forget_checks_before(t(10)).unwrap(), 10);
        store.remove_feed(feed).unwrap();
        assert!(store.feed_health(t(30)).unwrap().is_empty());
    }
}
