//! Alert: the last stage of the pipeline. Tells whoever listens what the engine did.
//!
//! Every event goes out on one broadcast channel ([`Events`]): the desktop shell forwards
//! them to the window, the CLI draws progress from them. After each poll the alerts that ask
//! for a notification are coalesced ([`coalesce`]) so a burst of matches becomes one
//! notification per rule — or one in all when many rules fire at once — instead of a flood.

use crate::model::{Alert, EngineEvent, Notification};
use tokio::sync::broadcast;

/// Headlines listed in a coalesced notification's body.
const HEADLINES: usize = 3;
/// More rules than this firing in one poll make a single notification.
const MAX_NOTIFICATIONS: usize = 3;

/// The engine's event channel.
#[derive(Debug, Clone)]
pub struct Events {
    tx: broadcast::Sender<EngineEvent>,
}

impl Default for Events {
    fn default() -> Self {
        // Large enough for a poll's worth of alerts while a slow window catches up; a lagging
        // receiver is told how many it missed and can reload.
        let (tx, _) = broadcast::channel(4096);
        Events { tx }
    }
}

impl Events {
    /// A new receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.tx.subscribe()
    }

    /// Sends an event; nobody listening is fine.
    pub fn emit(&self, event: EngineEvent) {
        let _ = self.tx.send(event);
    }
}

/// Notifications for one poll's alerts (`(alert, rule wants notifications)`), newest first.
pub fn coalesce(alerts: &[(Alert, bool)]) -> Vec<Notification> {
    // Group by rule, keeping the order in which rules first fired.
    let mut groups: Vec<(i64, String, Vec<&Alert>)> = Vec::new();
    for (alert, notify) in alerts {
        if !notify {
            continue;
        }
        match groups.iter_mut().find(|(id, _, _)| *id == alert.rule_id) {
            Some((_, _, list)) => list.push(alert),
            None => groups.push((alert.rule_id, alert.rule_name.clone(), vec![alert])),
        }
    }
    for (_, _, list) in &mut groups {
        list.sort_by_key(|a| std::cmp::Reverse(a.id));
    }
    if groups.len() > MAX_NOTIFICATIONS {
        let total: usize = groups.iter().map(|(_, _, l)| l.len()).sum();
        let newest = groups
            .iter()
            .flat_map(|(_, _, l)| l.iter())
            .max_by_key(|a| a.id);
        let body = groups
            .iter()
            .map(|(_, name, l)| format!("{name} ({})", l.len()))
            .collect::<Vec<_>>()
            .join(", ");
        return vec![Notification {
            title: format!("{total} new alerts"),
            body,
            alert_id: newest.map_or(0, |a| a.id),
            count: total as u32,
        }];
    }
    groups
        .into_iter()
        .map(|(_, name, list)| {
            let newest = list[0];
            if list.len() == 1 {
                let source = newest
                    .article
                    .feeds
                    .first()
                    .map(|f| f.title.as_str())
                    .unwrap_or("");
                Notification {
                    title: name,
                    body: if source.is_empty() {
                        newest.article.title.clone()
                    } else {
                        format!("{} — {source}", newest.article.title)
                    },
                    alert_id: newest.id,
                    count: 1,
                }
            } else {
                let mut body: Vec<String> = list
                    .iter()
                    .take(HEADLINES)
                    .map(|a| format!("• {}", a.article.title))
                    .collect();
                if list.len() > HEADLINES {
                    body.push(format!("and {} more", list.len() - HEADLINES));
                }
                Notification {
                    title: format!("{} new alerts for {name}", list.len()),
                    body: body.join("\n"),
                    alert_id: newest.id,
                    count: list.len() as u32,
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArticleSummary, FeedRef};

    fn alert(id: i64, rule: i64, title: &str) -> Alert {
        Alert {
            id,
            rule_id: rule,
            rule_name: format!("rule {rule}"),
            article: ArticleSummary {
                id,
                feeds: vec![FeedRef {
                    id: 1,
                    title: "Dawn".into(),
                }],
                url: None,
                title: title.into(),
                author: None,
                snippet: String::new(),
                published: None,
                fetched: chrono::DateTime::UNIX_EPOCH,
                read: false,
                starred: false,
            },
            matches: vec![],
            created: chrono::DateTime::UNIX_EPOCH,
            read: false,
        }
    }

    #[test]
    fn one_alert_names_the_story_and_its_outlet() {
        let n = coalesce(&[(alert(1, 1, "Ceasefire holds"), true)]);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "rule 1");
        assert_eq!(n[0].body, "Ceasefire holds — Dawn");
    }

    #[test]
    fn a_burst_for_one_rule_becomes_one_notification_pointing_at_the_newest() {
        let alerts: Vec<_> = (1..=12)
            .map(|i| (alert(i, 7, &format!("story {i}")), true))
            .collect();
        let n = coalesce(&alerts);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "12 new alerts for rule 7");
        assert_eq!(n[0].alert_id, 12);
        assert!(
            n[0].body
                .starts_with("• story 12\n• story 11\n• story 10\nand 9 more"),
            "{}",
            n[0].body
        );
    }

    #[test]
    fn many_rules_at_once_make_a_single_notification_and_silent_rules_none() {
        let alerts: Vec<_> = (1..=5).map(|r| (alert(r, r, "x"), true)).collect();
        let n = coalesce(&alerts);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "5 new alerts");
        assert!(coalesce(&[(alert(1, 1, "x"), false)]).is_empty());
    }
}
