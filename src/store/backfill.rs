//! Rule backfill: a rule saved now alerts on what it would have matched in the last hours.
//!
//! A rule only sees articles stored after it, so a story fetched a minute before the rule was
//! saved never alerted. Backfill, in this order:
//! 1. searches the archive for the rule's query within its scope since the given time (the
//!    search path, so exactly what a search over that range lists);
//! 2. finds each match's highlights as the matcher would have at ingest;
//! 3. stores the alerts in one transaction, skipping articles the rule already alerted on,
//!    and returns how many it added.

use super::articles::{article_matches, Filter};
use super::search::{search, Count};
use super::{ms, Store};
use crate::error::Result;
use crate::model::{RuleId, RuleScope};
use crate::rules::Query;
use chrono::{DateTime, Utc};
use rusqlite::params;

impl Store {
    /// Alerts `rule` (whose query is `query`, within `scope`) on the articles it matches
    /// filed since `since`, at `now`. Returns the alerts added.
    pub fn backfill_alerts(
        &self,
        rule: RuleId,
        query: &Query,
        scope: &RuleScope,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let found = {
            let conn = self.reader();
            let filter = Filter {
                feeds: scope.feeds.clone(),
                folders: scope.folders.clone(),
                since: Some(since),
                ..Filter::default()
            };
            let page = search(&conn, Some(query), &filter, None, usize::MAX, Count::All)?;
            let mut found = Vec::with_capacity(page.ids.len());
            for (id, _) in page.ids {
                let matches = article_matches(&conn, id, query)?;
                found.push((
                    id,
                    serde_json::to_string(&matches).expect("matches serialise"),
                ));
            }
            found
        };
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let mut added = 0;
        {
            // One alert per story, as a live poll raises them, filed under the story (with the
            // outlets it already has, so it is not notified again for them).
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO alerts (rule_id, article_id, matches, created, story_id,
                                               renotified_outlets)
                 SELECT ?1, a.id, ?3, ?4, a.story_id,
                        (SELECT r.renotify_outlets FROM rules r, stories s
                         WHERE r.id = ?1 AND s.id = a.story_id AND s.outlets >= r.renotify_outlets)
                 FROM articles a
                 WHERE a.id = ?2 AND NOT EXISTS (
                     SELECT 1 FROM alerts al WHERE al.rule_id = ?1 AND al.story_id = a.story_id)",
            )?;
            // Oldest first, so alert ids follow the stories' order as a live poll's would.
            for (id, json) in found.iter().rev() {
                added += insert.execute(params![rule, id, json, ms(now)])? as u64;
            }
        }
        tx.commit()?;
        Ok(added)
    }
}
