//! Alert: the last stage of the pipeline. Tells whoever listens what the engine did.
//!
//! Every event goes out on one broadcast channel ([`Events`]): the desktop shell forwards
//! them to the window, the CLI draws progress from them. Each time a poll commits, its new
//! alerts go out ([`announce`]) and those that ask for a notification are coalesced
//! ([`coalesce`]) so a burst of matches becomes one notification per rule — or one in all when
//! many rules fire at once — instead of a flood. Then the stories that reached the number of
//! outlets their rule asked to be told of again ([`renotifications`]): "now 12 outlets · Dawn
//! first, 14 min before Reuters".

use crate::model::{Alert, EngineEvent, Notification};
use crate::store::{PollApplied, Renotified, RuleTally};
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

/// Sends the alerts that one transaction of a poll committed, then their notifications.
pub fn announce(events: &Events, committed: PollApplied) {
    let mut notifications = coalesce(&committed.alerts, &committed.tallies);
    notifications.extend(renotifications(&committed.renotified));
    for (alert, notify) in committed.alerts {
        events.emit(EngineEvent::Alert { alert, notify });
    }
    if !notifications.is_empty() {
        events.emit(EngineEvent::Notify { notifications });
    }
}

/// Notifications for stories that reached their rule's number of outlets: one each, or one
/// in all when more than [`MAX_NOTIFICATIONS`] did at once.
pub fn renotifications(renotified: &[Renotified]) -> Vec<Notification> {
    if renotified.len() > MAX_NOTIFICATIONS {
        let body = renotified
            .iter()
            .take(HEADLINES)
            .map(|r| format!("• {} ({} outlets)", r.title, r.story.outlets))
            .collect::<Vec<_>>()
            .join("\n");
        return vec![Notification {
            title: format!("{} stories spread further", renotified.len()),
            body,
            alert_id: renotified.iter().map(|r| r.alert_id).max().unwrap_or(0),
            count: renotified.len() as u32,
        }];
    }
    renotified
        .iter()
        .map(|r| Notification {
            title: r.rule_name.clone(),
            body: format!("now {}\n{}", r.story.line(), r.title),
            alert_id: r.alert_id,
            count: 1,
        })
        .collect()
}

/// Notifications for alerts committed together: `tallies` count every alert per rule, `alerts`
/// (`(alert, rule wants notifications)`) hold at least the first few of each rule whole, for
/// headlines. Newest first.
pub fn coalesce(alerts: &[(Alert, bool)], tallies: &[RuleTally]) -> Vec<Notification> {
    let tallies: Vec<&RuleTally> = tallies.iter().filter(|t| t.notify && t.count > 0).collect();
    if tallies.len() > MAX_NOTIFICATIONS {
        let total: u64 = tallies.iter().map(|t| t.count).sum();
        let newest = tallies.iter().map(|t| t.newest).max().unwrap_or(0);
        let body = tallies
            .iter()
            .map(|t| format!("{} ({})", t.rule_name, t.count))
            .collect::<Vec<_>>()
            .join(", ");
        return vec![Notification {
            title: format!("{total} new alerts"),
            body,
            alert_id: newest,
            count: total as u32,
        }];
    }
    tallies
        .into_iter()
        .map(|t| {
            let mut kept: Vec<&Alert> = alerts
                .iter()
                .map(|(a, _)| a)
                .filter(|a| a.rule_id == t.rule_id)
                .collect();
            kept.sort_by_key(|a| std::cmp::Reverse(a.id));
            let name = t.rule_name.clone();
            match kept.first() {
                Some(only) if t.count == 1 => {
                    let source = only
                        .article
                        .feeds
                        .first()
                        .map(|f| f.title.as_str())
                        .unwrap_or("");
                    Notification {
                        title: name,
                        body: if source.is_empty() {
                            only.article.title.clone()
                        } else {
                            format!("{} — {source}", only.article.title)
                        },
                        alert_id: only.id,
                        count: 1,
                    }
                }
                _ => {
                    let mut body: Vec<String> = kept
                        .iter()
                        .take(HEADLINES)
                        .map(|a| format!("• {}", a.article.title))
                        .collect();
                    let listed = body.len() as u64;
                    if t.count > listed {
                        body.push(format!("and {} more", t.count - listed));
                    }
                    Notification {
                        title: format!("{} new alerts for {name}", t.count),
                        body: body.join("\n"),
                        alert_id: t.newest,
                        count: t.count as u32,
                    }
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArticleSummary, FeedRef};

    /// Tallies of these alerts, as the store counts them.
    fn tallies(alerts: &[(Alert, bool)]) -> Vec<RuleTally> {
        let mut out: Vec<RuleTally> = Vec::new();
        for (a, notify) in alerts {
            match out.iter_mut().find(|t| t.rule_id == a.rule_id) {
                Some(t) => {
                    t.count += 1;
                    t.kept += 1;
                    t.newest = t.newest.max(a.id);
                }
                None => out.push(RuleTally {
                    rule_id: a.rule_id,
                    rule_name: a.rule_name.clone(),
                    notify: *notify,
                    count: 1,
                    kept: 1,
                    newest: a.id,
                }),
            }
        }
        out
    }

    fn notify(alerts: &[(Alert, bool)]) -> Vec<Notification> {
        coalesce(alerts, &tallies(alerts))
    }

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
                lang: None,
            },
            matches: vec![],
            created: chrono::DateTime::UNIX_EPOCH,
            read: false,
            story: None,
        }
    }

    fn renotified(alert_id: i64, outlets: u32) -> Renotified {
        Renotified {
            alert_id,
            rule_id: 1,
            rule_name: "Ceasefire".into(),
            title: format!("Story {alert_id}"),
            story: crate::model::AlertStory {
                id: alert_id,
                outlets,
                articles: outlets,
                first_outlet: Some("Dawn".into()),
                second_outlet: Some("Reuters".into()),
                lead_secs: Some(14 * 60),
            },
        }
    }

    #[test]
    fn a_story_that_reached_its_outlets_says_how_many_and_who_was_first() {
        let n = renotifications(&[renotified(9, 12)]);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "Ceasefire");
        assert_eq!(
            n[0].body,
            "now 12 outlets · Dawn first, 14 min before Reuters\nStory 9"
        );
        assert_eq!((n[0].alert_id, n[0].count), (9, 1));
    }

    #[test]
    fn many_stories_reaching_their_outlets_at_once_make_one_notification() {
        let many: Vec<Renotified> = (1..=5).map(|i| renotified(i, 10)).collect();
        let n = renotifications(&many);
        assert_eq!(n.len(), 1, "{n:#?}");
        assert_eq!(n[0].title, "5 stories spread further");
        assert_eq!(n[0].alert_id, 5, "it opens the newest");
        assert_eq!(n[0].body.lines().count(), HEADLINES);
    }

    #[test]
    fn one_alert_names_the_story_and_its_outlet() {
        let n = notify(&[(alert(1, 1, "Ceasefire holds"), true)]);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "rule 1");
        assert_eq!(n[0].body, "Ceasefire holds — Dawn");
    }

    #[test]
    fn a_burst_for_one_rule_becomes_one_notification_pointing_at_the_newest() {
        let alerts: Vec<_> = (1..=12)
            .map(|i| (alert(i, 7, &format!("story {i}")), true))
            .collect();
        let n = notify(&alerts);
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
        let n = notify(&alerts);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "5 new alerts");
        assert!(notify(&[(alert(1, 1, "x"), false)]).is_empty());
    }

    #[test]
    fn a_burst_beyond_the_kept_alerts_is_counted_in_full() {
        // 5,000 alerts for one rule, of which the store kept the first three whole.
        let kept: Vec<_> = (1..=3)
            .map(|i| (alert(i, 7, &format!("story {i}")), true))
            .collect();
        let tally = RuleTally {
            rule_id: 7,
            rule_name: "rule 7".into(),
            notify: true,
            count: 5_000,
            kept: 3,
            newest: 5_000,
        };
        let n = coalesce(&kept, &[tally]);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "5000 new alerts for rule 7");
        assert_eq!(n[0].count, 5_000);
        assert_eq!(n[0].alert_id, 5_000, "points at the rule's last alert");
        assert_eq!(n[0].body, "• story 3\n• story 2\n• story 1\nand 4997 more");
    }
}
