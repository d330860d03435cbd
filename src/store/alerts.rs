//! Alert rules and the alerts they raised, with read/unread state.

use super::articles::{attach_feeds, summary_row};
use super::{ms, time, Store};
use crate::error::{Error, Result};
use crate::model::{Alert, AlertId, AlertQuery, AlertStory, Rule, RuleDraft, RuleId, RuleScope};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, Row};

const RULE_COLUMNS: &str = "r.id, r.name, r.query, r.scope, r.notify, r.muted, r.created, \
     (SELECT count(*) FROM alerts al WHERE al.rule_id = r.id), \
     (SELECT count(*) FROM alerts al WHERE al.rule_id = r.id AND al.read = 0), \
     r.renotify_outlets";

fn rule_row(r: &Row) -> rusqlite::Result<Rule> {
    let scope: String = r.get(3)?;
    Ok(Rule {
        id: r.get(0)?,
        name: r.get(1)?,
        query: r.get(2)?,
        scope: serde_json::from_str::<RuleScope>(&scope).unwrap_or_default(),
        notify: r.get(4)?,
        muted: r.get(5)?,
        created: time(r.get(6)?),
        alert_count: r.get(7)?,
        unread_count: r.get(8)?,
        renotify_outlets: r.get(9)?,
        problem: None,
    })
}

impl Store {
    /// Saves a new rule (its query already validated by the caller).
    pub fn add_rule(&self, draft: &RuleDraft, now: DateTime<Utc>) -> Result<Rule> {
        let id = {
            let conn = self.writer();
            conn.execute(
                "INSERT INTO rules (name, query, scope, notify, muted, created, renotify_outlets)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    draft.name.trim(),
                    draft.query.trim(),
                    serde_json::to_string(&draft.scope).expect("scope serialises"),
                    draft.notify,
                    draft.muted,
                    ms(now),
                    draft.renotify_outlets
                ],
            )?;
            conn.last_insert_rowid()
        };
        self.rule(id)
    }

    /// Replaces a rule's name, query, scope and flags. Alerts it raised stay.
    pub fn update_rule(&self, id: RuleId, draft: &RuleDraft) -> Result<Rule> {
        let n = self.writer().execute(
            "UPDATE rules SET name = ?2, query = ?3, scope = ?4, notify = ?5, muted = ?6,
                              renotify_outlets = ?7 WHERE id = ?1",
            params![
                id,
                draft.name.trim(),
                draft.query.trim(),
                serde_json::to_string(&draft.scope).expect("scope serialises"),
                draft.notify,
                draft.muted,
                draft.renotify_outlets
            ],
        )?;
        if n == 0 {
            return Err(Error::NotFound { what: "rule", id });
        }
        self.rule(id)
    }

    /// Deletes a rule and its alerts.
    pub fn remove_rule(&self, id: RuleId) -> Result<()> {
        let n = self
            .writer()
            .execute("DELETE FROM rules WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(Error::NotFound { what: "rule", id });
        }
        Ok(())
    }

    /// One rule.
    pub fn rule(&self, id: RuleId) -> Result<Rule> {
        self.reader()
            .query_row(
                &format!("SELECT {RULE_COLUMNS} FROM rules r WHERE r.id = ?1"),
                [id],
                rule_row,
            )
            .optional()?
            .ok_or(Error::NotFound { what: "rule", id })
    }

    /// All rules, in the order they were made.
    pub fn rules(&self) -> Result<Vec<Rule>> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare(&format!("SELECT {RULE_COLUMNS} FROM rules r ORDER BY r.id"))?;
        let rows = stmt.query_map([], rule_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Alerts, newest first.
    pub fn alerts(&self, q: &AlertQuery) -> Result<Vec<Alert>> {
        let mut clauses = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        if let Some(rule) = q.rule {
            clauses.push("al.rule_id = ?");
            args.push(Value::Integer(rule));
        }
        if q.unread {
            clauses.push("al.read = 0");
        }
        if let Some(before) = q.before {
            clauses.push("al.id < ?");
            args.push(Value::Integer(before));
        }
        let limit = if q.limit == 0 { 100 } else { q.limit.min(1000) };
        args.push(Value::Integer(limit as i64));
        let where_ = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let conn = self.reader();
        let mut stmt = conn.prepare(&format!(
            "SELECT al.id, al.rule_id, r.name, al.matches, al.created, al.read,
                    a.id, a.url, a.title, a.author, a.snippet, a.published, a.fetched, a.read, a.starred,
                    a.lang, al.story_id
             FROM alerts al JOIN rules r ON r.id = al.rule_id JOIN articles a ON a.id = al.article_id
             {where_} ORDER BY al.id DESC LIMIT ?"
        ))?;
        let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
            let matches: String = r.get(3)?;
            Ok(Alert {
                id: r.get(0)?,
                rule_id: r.get(1)?,
                rule_name: r.get(2)?,
                matches: serde_json::from_str(&matches).unwrap_or_default(),
                created: time(r.get(4)?),
                read: r.get(5)?,
                article: summary_row(r, 6)?,
                story: r.get::<_, Option<i64>>(16)?.map(|id| {
                    Box::new(AlertStory {
                        id,
                        outlets: 1,
                        articles: 1,
                        first_outlet: None,
                        second_outlet: None,
                        lead_secs: None,
                    })
                }),
            })
        })?;
        let mut alerts: Vec<Alert> = rows.collect::<rusqlite::Result<_>>()?;
        let stories = Store::alert_stories(
            &conn,
            alerts.iter().filter_map(|a| a.story.as_ref().map(|s| s.id)),
        )?;
        for alert in &mut alerts {
            if let Some(story) = alert.story.as_ref().and_then(|s| stories.get(&s.id)) {
                alert.story = Some(Box::new(story.clone()));
            }
        }
        let mut summaries: Vec<_> = alerts.iter().map(|a| a.article.clone()).collect();
        attach_feeds(&conn, &mut summaries)?;
        for (alert, summary) in alerts.iter_mut().zip(summaries) {
            alert.article = summary;
        }
        Ok(alerts)
    }

    /// Marks one alert read or unread.
    pub fn set_alert_read(&self, id: AlertId, read: bool) -> Result<()> {
        let n = self.writer().execute(
            "UPDATE alerts SET read = ?2 WHERE id = ?1",
            params![id, read],
        )?;
        if n == 0 {
            return Err(Error::NotFound { what: "alert", id });
        }
        Ok(())
    }

    /// Marks every alert (of one rule, or all) read; returns how many changed.
    pub fn mark_alerts_read(&self, rule: Option<RuleId>) -> Result<u64> {
        let n = self.writer().execute(
            "UPDATE alerts SET read = 1 WHERE read = 0 AND (?1 IS NULL OR rule_id = ?1)",
            [rule],
        )?;
        Ok(n as u64)
    }

    /// Unread alerts in all.
    pub fn unread_alert_count(&self) -> Result<i64> {
        Ok(self
            .reader()
            .query_row("SELECT count(*) FROM alerts WHERE read = 0", [], |r| {
                r.get(0)
            })?)
    }
}
