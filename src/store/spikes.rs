//! Rules over time: spike alert settings, the spikes raised, and each rule's measured alert
//! latency (from an article's publication to its alert).
//!
//! - A rule's spike alerts are off until the user picks a sensitivity
//!   ([`Store::set_rule_spikes`]); [`Store::spike_watches`] lists the rules watched.
//! - Raised spikes are kept ([`Store::add_spike`], [`Store::spikes`]), like alerts.
//! - [`Store::alert_latency`] measures, per rule, how long after publication its alerts of
//!   the last week were raised. Only articles published after the rule existed and after the
//!   feed that brought them was subscribed count: a week-old story found by a new feed's
//!   first check, or matched by a rule saved today, says nothing of how fast Wirewatch is.

use super::{ms, time, Store};
use crate::error::{Error, Result};
use crate::model::RuleId;
use crate::spike::{Sensitivity, Spike, SpikeWatch};
use chrono::{DateTime, Duration, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// Cool-down of a rule's spike alerts unless the user sets another.
pub const DEFAULT_COOL_DOWN: Duration = Duration::hours(6);

/// A rule's spike alert settings, as the window edits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SpikeSettings {
    /// The rule.
    #[ts(type = "number")]
    pub rule_id: RuleId,
    /// How readily it spikes; `None`: no spike alerts.
    pub sensitivity: Option<Sensitivity>,
    /// Quiet time after a spike, in seconds.
    #[ts(type = "number")]
    pub cool_down_secs: i64,
}

/// A spike that was raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SpikeAlert {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// The rule's name.
    pub rule_name: String,
    /// The sentence shown: "South Asia ceasefire: 34 stories in the last hour, usually about 3".
    pub message: String,
    /// What was measured.
    pub spike: Spike,
}

/// How soon a rule's alerts followed publication over the last week.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AlertLatency {
    /// The rule.
    #[ts(type = "number")]
    pub rule_id: RuleId,
    /// Alerts measured.
    #[ts(type = "number")]
    pub alerts: u64,
    /// Median seconds from publication to alert.
    #[ts(type = "number")]
    pub median_secs: i64,
    /// 95th percentile, seconds.
    #[ts(type = "number")]
    pub p95_secs: i64,
}

impl Store {
    /// Turns a rule's spike alerts on (with a sensitivity) or off (`None`).
    pub fn set_rule_spikes(
        &self,
        rule: RuleId,
        sensitivity: Option<Sensitivity>,
        cool_down: Duration,
    ) -> Result<SpikeSettings> {
        let n = self.writer().execute(
            "UPDATE rules SET spike_sensitivity = ?2, spike_cool_down_secs = ?3 WHERE id = ?1",
            params![
                rule,
                sensitivity.map(Sensitivity::as_str),
                cool_down.num_seconds().max(0)
            ],
        )?;
        if n == 0 {
            return Err(Error::NotFound {
                what: "rule",
                id: rule,
            });
        }
        Ok(SpikeSettings {
            rule_id: rule,
            sensitivity,
            cool_down_secs: cool_down.num_seconds().max(0),
        })
    }

    /// Every rule's spike settings, in rule id order.
    pub fn spike_settings(&self) -> Result<Vec<SpikeSettings>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, spike_sensitivity, spike_cool_down_secs FROM rules ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SpikeSettings {
                rule_id: r.get(0)?,
                sensitivity: r
                    .get::<_, Option<String>>(1)?
                    .as_deref()
                    .and_then(Sensitivity::parse),
                cool_down_secs: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The rules with spike alerts on (and not muted), with their settings.
    pub fn spike_watches(&self) -> Result<Vec<(RuleId, SpikeWatch)>> {
        let muted: Vec<RuleId> = {
            let conn = self.reader();
            let mut stmt = conn.prepare_cached("SELECT id FROM rules WHERE muted = 1")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        Ok(self
            .spike_settings()?
            .into_iter()
            .filter(|s| !muted.contains(&s.rule_id))
            .filter_map(|s| {
                Some((
                    s.rule_id,
                    SpikeWatch {
                        sensitivity: s.sensitivity?,
                        cool_down: Duration::seconds(s.cool_down_secs),
                    },
                ))
            })
            .collect())
    }

    /// Keeps a raised spike. Returns its id.
    pub fn add_spike(&self, spike: &Spike) -> Result<i64> {
        let conn = self.writer();
        conn.execute(
            "INSERT INTO spikes (rule_id, at, latest, usual) VALUES (?1, ?2, ?3, ?4)",
            params![spike.rule_id, ms(spike.at), spike.latest, spike.usual],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Spikes raised since `since`, newest first.
    pub fn spikes(&self, since: DateTime<Utc>) -> Result<Vec<SpikeAlert>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT s.id, r.name, s.rule_id, s.latest, s.usual, s.at FROM spikes s
             JOIN rules r ON r.id = s.rule_id WHERE s.at >= ?1 ORDER BY s.at DESC, s.id DESC",
        )?;
        let rows = stmt.query_map([ms(since)], |r| {
            let spike = Spike {
                rule_id: r.get(2)?,
                latest: r.get(3)?,
                usual: r.get(4)?,
                at: time(r.get(5)?),
            };
            let rule_name: String = r.get(1)?;
            Ok(SpikeAlert {
                id: r.get(0)?,
                message: spike.sentence(&rule_name),
                rule_name,
                spike,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Per rule, how soon after publication its alerts raised since `since` came, in rule
    /// id order (rules with no measurable alert are left out).
    pub fn alert_latency(&self, since: DateTime<Utc>) -> Result<Vec<AlertLatency>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT al.rule_id, al.created - a.published FROM alerts al
             JOIN articles a ON a.id = al.article_id
             JOIN rules r ON r.id = al.rule_id
             WHERE al.created >= ?1 AND a.published IS NOT NULL
               AND a.published <= al.created AND a.published >= r.created
               AND a.published >= (SELECT min(f.created) FROM article_feeds af
                                   JOIN feeds f ON f.id = af.feed_id WHERE af.article_id = a.id)",
        )?;
        let mut by_rule: BTreeMap<RuleId, Vec<i64>> = BTreeMap::new();
        let rows = stmt.query_map([ms(since)], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (rule, delay_ms) = row?;
            by_rule.entry(rule).or_default().push(delay_ms);
        }
        Ok(by_rule
            .into_iter()
            .map(|(rule_id, mut delays)| {
                delays.sort_unstable();
                let at = |p: f64| delays[((delays.len() - 1) as f64 * p).round() as usize] / 1000;
                AlertLatency {
                    rule_id,
                    alerts: delays.len() as u64,
                    median_secs: at(0.5),
                    p95_secs: at(0.95),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::DecodedEntry;
    use crate::model::{RuleDraft, RuleScope};
    use crate::prepare::PreparedEntry;
    use crate::rules::{CompiledRule, RuleSet};
    use crate::store::{FeedUpdate, NewFeed};

    fn t(m: i64) -> DateTime<Utc> {
        "2026-05-10T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(m)
    }

    #[test]
    fn spike_settings_are_kept_and_spikes_read_as_sentences() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("w.db")).unwrap();
        let rule = store
            .add_rule(
                &RuleDraft {
                    name: "South Asia ceasefire".into(),
                    query: "ceasefire".into(),
                    scope: RuleScope::default(),
                    notify: true,
                    muted: false,
                    renotify_outlets: None,
                },
                t(0),
            )
            .unwrap();
        assert!(store.spike_watches().unwrap().is_empty(), "off by default");
        store
            .set_rule_spikes(rule.id, Some(Sensitivity::High), Duration::hours(2))
            .unwrap();
        let watches = store.spike_watches().unwrap();
        assert_eq!(watches.len(), 1);
        assert_eq!(watches[0].1.sensitivity, Sensitivity::High);
        assert_eq!(watches[0].1.cool_down, Duration::hours(2));
        store
            .add_spike(&Spike {
                rule_id: rule.id,
                latest: 34,
                usual: 3.0,
                at: t(60),
            })
            .unwrap();
        let spikes = store.spikes(t(0)).unwrap();
        assert_eq!(
            spikes[0].message,
            "South Asia ceasefire: 34 stories in the last hour, usually about 3"
        );
        store
            .set_rule_spikes(rule.id, None, DEFAULT_COOL_DOWN)
            .unwrap();
        assert!(store.spike_watches().unwrap().is_empty());
        assert!(matches!(
            store.set_rule_spikes(999, None, DEFAULT_COOL_DOWN),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn latency_counts_stories_published_after_the_rule_and_the_subscription() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("w.db")).unwrap();
        let feed = store
            .add_feed(
                &NewFeed {
                    url: "https://wire.example.org/feed.xml".into(),
                    ..NewFeed::default()
                },
                t(0),
                900,
            )
            .unwrap()
            .0
            .id;
        let draft = RuleDraft {
            name: "Floods".into(),
            query: "flood".into(),
            scope: RuleScope::default(),
            notify: true,
            muted: false,
            renotify_outlets: None,
        };
        let rule = store.add_rule(&draft, t(0)).unwrap();
        let set = RuleSet::new(vec![CompiledRule {
            id: rule.id,
            name: rule.name.clone(),
            notify: true,
            query: crate::rules::Query::parse("flood").unwrap(),
            scope: rule.scope.clone(),
        }]);
        // Published 1, 2, ... 20 minutes before the poll that stored them; and one story
        // from before the subscription, which says nothing of latency.
        let poll = t(600);
        let mut entries: Vec<PreparedEntry> = (1..=20)
            .map(|m| {
                PreparedEntry::new(DecodedEntry {
                    guid: Some(format!("s{m}")),
                    title: format!("flood report {m}"),
                    text: "water".into(),
                    published: Some(poll - Duration::minutes(m)),
                    ..DecodedEntry::default()
                })
            })
            .collect();
        entries.push(PreparedEntry::new(DecodedEntry {
            guid: Some("old".into()),
            title: "flood archive".into(),
            text: "water".into(),
            published: Some(t(-3000)),
            ..DecodedEntry::default()
        }));
        store
            .apply_poll(
                vec![FeedUpdate::entries(feed, None, entries, poll)],
                &set,
                poll,
            )
            .unwrap();
        let latency = store.alert_latency(t(0)).unwrap();
        assert_eq!(latency.len(), 1);
        assert_eq!(
            latency[0].alerts, 20,
            "the story older than the subscription is left out"
        );
        assert_eq!(
            latency[0].median_secs,
            11 * 60,
            "median of 1..=20 minutes (rounded up)"
        );
        assert_eq!(latency[0].p95_secs, 19 * 60);
    }
}
