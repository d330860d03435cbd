//! Coverage over time, as the engine offers it: trends of a query or a rule, sparklines of
//! every rule, spike alerts, a new rule's backfill, feed health and alert latency.
//!
//! After each poll (`Watch::after_poll`): every feed's check is recorded for its
//! health, and the offline state follows the poll's outcomes ([`crate::health::Offline`]):
//! while offline, the background loop probes one feed at a growing interval instead of
//! polling, and once a check succeeds the feeds that failed on the network are due at once.
//!
//! Spikes, in this order (see [`crate::spike`] for the method):
//! 1. [`SpikeDesk::sync`] (at start and whenever rules change) watches the rules whose spike
//!    alerts are on, seeding a rule's counts from the archive: what its query matched in its
//!    scope over the last fifteen days, as a trend would count it.
//! 2. After each poll, [`SpikeDesk::after_poll`] counts the poll's new alerts into their
//!    rules' series (by the articles' filed time), checks every watched rule, and keeps the
//!    spikes raised (`Store::add_spike`) for the caller to announce.

use crate::alert::Events;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::health::{Offline, Problem, ProblemKind};
use crate::model::{Alert, EngineEvent, FeedId, RuleId};
use crate::rules::Query;
use crate::spike::{Sensitivity, Series, SpikeWatch, Spikes, BASELINE_DAYS};
use crate::store::{
    AlertLatency, CheckRecord, FeedHealthReport, RuleTally, SpikeAlert, SpikeSettings, Store,
    Trend, TrendBucket, TrendRange, TrendSplit, DEFAULT_COOL_DOWN,
};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use ts_rs::TS;

/// Hours a new rule's backfill reaches back by default.
pub const BACKFILL_HOURS: u32 = 24;

/// What a trend counts and over which range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TrendQuery {
    /// A query in the rule language; empty: all articles (unless `rule` is given).
    #[serde(default)]
    pub query: String,
    /// A rule whose query and scope to count instead of `query`.
    #[ts(type = "number | null")]
    #[serde(default)]
    pub rule: Option<RuleId>,
    /// Articles filed at or after this time.
    pub since: DateTime<Utc>,
    /// Articles filed before this time; `None`: now.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Bucket width.
    pub by: TrendBucket,
    /// The reader's offset from UTC in seconds: days start at its midnight.
    #[serde(default)]
    pub utc_offset_secs: i32,
    /// Split the counts by folder or outlet too.
    #[serde(default)]
    pub split: Option<TrendSplit>,
}

/// A rule's recent counts, for the Rules view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleSparkline {
    /// The rule.
    #[ts(type = "number")]
    pub rule_id: RuleId,
    /// Its counts per day.
    pub trend: Trend,
}

impl Engine {
    /// Articles per hour or day matching a query or a rule over a range. Counts agree with
    /// a search of the same query (and scope) over the same range.
    pub fn trend(&self, q: &TrendQuery) -> Result<Trend> {
        let until = q.until.unwrap_or_else(|| self.now());
        let range = TrendRange {
            since: q.since,
            until,
            by: q.by,
            utc_offset_secs: q.utc_offset_secs,
        };
        match q.rule {
            Some(id) => {
                let rule = self.store().rule(id)?;
                let query = Query::parse(&rule.query).map_err(Error::InvalidQuery)?;
                self.store()
                    .trend(Some(&query), &rule.scope, &range, q.split)
            }
            None => {
                let query = if q.query.trim().is_empty() {
                    None
                } else {
                    Some(Query::parse(&q.query).map_err(Error::InvalidQuery)?)
                };
                self.store()
                    .trend(query.as_ref(), &Default::default(), &range, q.split)
            }
        }
    }

    /// Every rule's matches per day over the last `days` days (up to 90), for sparklines.
    /// Rules whose query no longer parses are left out.
    pub fn rule_sparklines(&self, days: u32, utc_offset_secs: i32) -> Result<Vec<RuleSparkline>> {
        let now = self.now();
        let range = TrendRange {
            since: now - Duration::days(i64::from(days.clamp(1, 90))),
            until: now,
            by: TrendBucket::Day,
            utc_offset_secs,
        };
        let mut out = Vec::new();
        for rule in self.store().rules()? {
            let Ok(query) = Query::parse(&rule.query) else {
                continue;
            };
            let trend = self
                .store()
                .trend(Some(&query), &rule.scope, &range, None)?;
            out.push(RuleSparkline {
                rule_id: rule.id,
                trend,
            });
        }
        Ok(out)
    }

    /// Alerts rule `id` on what it matches among the articles of the last `hours` hours
    /// (a new rule only sees articles stored after it otherwise). Returns the alerts added.
    pub fn backfill_rule(&self, id: RuleId, hours: u32) -> Result<u64> {
        let rule = self.store().rule(id)?;
        let query = Query::parse(&rule.query).map_err(Error::InvalidQuery)?;
        let now = self.now();
        let since = now - Duration::hours(i64::from(hours.clamp(1, 24 * 30)));
        let added = self
            .store()
            .backfill_alerts(id, &query, &rule.scope, since, now)?;
        if added > 0 {
            let unread = self.store().unread_alert_count()?;
            self.events().emit(EngineEvent::AlertsChanged { unread });
        }
        Ok(added)
    }

    /// The health of every feed, in feed id order.
    pub fn feed_health(&self) -> Result<Vec<FeedHealthReport>> {
        self.store().feed_health(self.now())
    }

    /// Per rule, how soon after publication its alerts of the last week came.
    pub fn alert_latency(&self) -> Result<Vec<AlertLatency>> {
        self.store().alert_latency(self.now() - Duration::days(7))
    }

    /// Every rule's spike settings.
    pub fn spike_settings(&self) -> Result<Vec<SpikeSettings>> {
        self.store().spike_settings()
    }

    /// Turns rule `id`'s spike alerts on (with a sensitivity) or off, with a cool-down in
    /// seconds (default six hours, at most a week).
    pub fn set_rule_spikes(
        &self,
        id: RuleId,
        sensitivity: Option<Sensitivity>,
        cool_down_secs: Option<i64>,
    ) -> Result<SpikeSettings> {
        let cool_down = cool_down_secs
            .map(|s| Duration::seconds(s.clamp(0, 7 * 86_400)))
            .unwrap_or(DEFAULT_COOL_DOWN);
        let settings = self.store().set_rule_spikes(id, sensitivity, cool_down)?;
        self.sync_spikes();
        self.events().emit(EngineEvent::RulesChanged);
        Ok(settings)
    }

    /// Since when every feed has failed on the network, if it has.
    pub fn offline_since(&self) -> Option<DateTime<Utc>> {
        self.watch().offline_since()
    }

    /// While offline, how long the background loop waits before its next probe.
    pub fn offline_probe_wait(&self) -> Option<std::time::Duration> {
        self.watch().probe_wait()
    }

    /// Watches the rules whose spike alerts are on (after rules or their settings change).
    pub(crate) fn sync_spikes(&self) {
        if let Err(e) = self.watch().spikes.sync(self.store(), self.now()) {
            tracing::warn!(error = %e, "could not load the rules' spike history");
        }
    }

    /// Spikes raised in the last `days` days, newest first.
    pub fn spikes(&self, days: u32) -> Result<Vec<SpikeAlert>> {
        self.store()
            .spikes(self.now() - Duration::days(i64::from(days.max(1))))
    }
}

/// What the engine keeps between polls for the picture: spike counts and the offline state.
#[derive(Debug, Default)]
pub(crate) struct Watch {
    /// The watched rules' counts.
    pub(crate) spikes: SpikeDesk,
    /// Whether every feed fails on the network.
    pub(crate) offline: Mutex<Offline>,
}

impl Watch {
    /// Since when every feed has failed on the network, if it has.
    pub(crate) fn offline_since(&self) -> Option<DateTime<Utc>> {
        self.offline
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .since()
    }

    /// While offline, how long to wait before the next probe.
    pub(crate) fn probe_wait(&self) -> Option<std::time::Duration> {
        self.offline
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .next_probe()
    }

    /// After a poll made at `now`: records its checks (`(feed, failure code and message)`
    /// per feed checked), follows the offline state, and raises the spikes of its alerts
    /// (counted as they were committed). Returns whether the machine came back online, when
    /// the caller should look at the schedule again at once.
    pub(crate) fn after_poll(
        &self,
        store: &Store,
        events: &Events,
        checks: &[(FeedId, Option<(String, String)>)],
        now: DateTime<Utc>,
    ) -> bool {
        let records: Vec<CheckRecord> = checks
            .iter()
            .map(|(feed_id, error)| CheckRecord {
                feed_id: *feed_id,
                ok: error.is_none(),
            })
            .collect();
        if let Err(e) = store.record_checks(&records, now) {
            tracing::warn!(error = %e, "could not record the poll's checks");
        }
        let outcomes: Vec<Option<ProblemKind>> = checks
            .iter()
            .map(|(_, error)| {
                error
                    .as_ref()
                    .map(|(code, message)| Problem::of(code, message, "").kind)
            })
            .collect();
        let (changed, since) = {
            let mut offline = self.offline.lock().unwrap_or_else(|p| p.into_inner());
            (offline.observe(&outcomes, now), offline.since())
        };
        let back_online = changed && since.is_none();
        if back_online {
            // What failed for want of a network is checked now, not after the back-off its
            // failures earned.
            if let Err(e) = store.due_again_after_offline(now) {
                tracing::warn!(error = %e, "could not reschedule feeds after going online");
            }
        }
        if changed {
            events.emit(EngineEvent::OfflineChanged { since });
        }
        match self.spikes.check(store, now) {
            Ok(spikes) => {
                for spike in spikes {
                    events.emit(EngineEvent::Spike { spike });
                }
            }
            Err(e) => tracing::warn!(error = %e, "spike check failed"),
        }
        back_online
    }
}

/// The watched rules' counts and cool-downs, kept between polls.
#[derive(Debug, Default)]
pub struct SpikeDesk {
    state: Mutex<DeskState>,
}

#[derive(Debug, Default)]
struct DeskState {
    spikes: Spikes,
    /// What each watched rule was seeded with: its query, scope and settings.
    seeded: HashMap<RuleId, (String, String, SpikeWatch)>,
}

impl SpikeDesk {
    /// Watches the rules whose spike alerts are on, (re)seeding those new or changed.
    pub fn sync(&self, store: &Store, now: DateTime<Utc>) -> Result<()> {
        let watches = store.spike_watches()?;
        let oldest = store.oldest_article_time()?.unwrap_or(now);
        let history_from = (now - Duration::days(BASELINE_DAYS + 1)).max(oldest);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let watched: Vec<RuleId> = watches.iter().map(|(id, _)| *id).collect();
        let gone: Vec<RuleId> = state
            .seeded
            .keys()
            .filter(|id| !watched.contains(id))
            .copied()
            .collect();
        for id in gone {
            state.spikes.unwatch(id);
            state.seeded.remove(&id);
        }
        for (id, watch) in watches {
            let rule = store.rule(id)?;
            let scope = serde_json::to_string(&rule.scope).expect("scope serialises");
            let key = (rule.query.clone(), scope, watch);
            if state.seeded.get(&id) == Some(&key) {
                continue;
            }
            let Ok(query) = Query::parse(&rule.query) else {
                continue;
            };
            let mut series = Series::new(history_from);
            for t in store.match_times(&query, &rule.scope, history_from, now)? {
                series.add(t, 1);
            }
            state.spikes.watch(id, watch, series);
            state.seeded.insert(id, key);
        }
        Ok(())
    }

    /// Counts a commit's alerts (`alerts` as kept whole, `tallies` counting them all) into
    /// their rules' series; alerts only counted are new, so filed `now`.
    pub fn count<'a>(
        &self,
        alerts: impl IntoIterator<Item = &'a Alert>,
        tallies: &[RuleTally],
        now: DateTime<Utc>,
    ) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.seeded.is_empty() {
            return;
        }
        let mut kept: HashMap<RuleId, u64> = HashMap::new();
        for alert in alerts {
            state.spikes.add(alert.rule_id, filed_time(alert));
            *kept.entry(alert.rule_id).or_default() += 1;
        }
        for tally in tallies {
            let seen = kept.get(&tally.rule_id).copied().unwrap_or(0);
            for _ in seen..tally.count {
                state.spikes.add(tally.rule_id, now);
            }
        }
    }

    /// Checks every watched rule as of `now` and returns the spikes raised, stored.
    pub fn check(&self, store: &Store, now: DateTime<Utc>) -> Result<Vec<SpikeAlert>> {
        let raised = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if state.seeded.is_empty() {
                return Ok(Vec::new());
            }
            state.spikes.check(now)
        };
        let mut out = Vec::with_capacity(raised.len());
        for spike in raised {
            let id = store.add_spike(&spike)?;
            let name = store.rule(spike.rule_id)?.name;
            out.push(SpikeAlert {
                id,
                message: spike.sentence(&name),
                rule_name: name,
                spike,
            });
        }
        Ok(out)
    }
}

/// When an alerted article was filed, as the store files it: its publication time, unless
/// that lies in the future of when it was fetched.
fn filed_time(alert: &Alert) -> DateTime<Utc> {
    let fetched = alert.article.fetched;
    match alert.article.published {
        Some(p) if p <= fetched + Duration::hours(1) => p,
        _ => fetched,
    }
}
