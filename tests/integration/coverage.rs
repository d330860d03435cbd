//! Coverage over time through the engine: trends that agree with search, a new rule's
//! backfill, spike alerts, and feed health after real fetches.

use crate::support::{rss, Doc, FeedHost, Item};
use chrono::{Duration, Utc};
use wirewatch::coverage::TrendQuery;
use wirewatch::health::{HealthState, ProblemKind};
use wirewatch::model::{AlertQuery, ArticleQuery, EngineEvent, RuleDraft, RuleScope};
use wirewatch::spike::Sensitivity;
use wirewatch::store::TrendBucket;

fn item(id: &str, title: &str, minutes_ago: i64) -> Item {
    Item {
        published: (Utc::now() - Duration::minutes(minutes_ago)).to_rfc2822(),
        ..Item::new(id, title, "Reported by our correspondents.")
    }
}

fn rule(name: &str, query: &str) -> RuleDraft {
    RuleDraft {
        name: name.into(),
        query: query.into(),
        scope: RuleScope::default(),
        notify: true,
        muted: false,
        renotify_outlets: None,
    }
}

#[tokio::test]
async fn a_rules_trend_counts_what_search_finds_and_backfill_alerts_the_last_day() {
    let dir = tempfile::tempdir().unwrap();
    let host = FeedHost::default();
    host.set(
        "/desk.xml",
        Doc::feed(rss(
            "Desk",
            &[
                item("a", "Ceasefire holds along the border", 120),
                item("b", "Talks on the ceasefire resume", 300),
                item("c", "Ceasefire agreed after a week of shelling", 30 * 60),
                item("d", "Cricket: a record chase in Lahore", 60),
            ],
        )),
    );
    let server = host.start().await;
    let engine = crate::support::engine(dir.path());
    engine
        .add_feed(&server.url("/desk.xml"), None)
        .await
        .unwrap();
    // Saved a moment after the stories came in: it saw none of them.
    let saved = engine.add_rule(&rule("Ceasefire", "ceasefire")).unwrap();
    let alerts = |engine: &wirewatch::Engine| {
        engine
            .alerts(&AlertQuery {
                rule: Some(saved.id),
                ..AlertQuery::default()
            })
            .unwrap()
    };
    assert!(
        alerts(&engine).is_empty(),
        "a new rule sees only later stories"
    );

    let since = Utc::now() - Duration::days(3);
    let trend = engine
        .trend(&TrendQuery {
            query: String::new(),
            rule: Some(saved.id),
            since,
            until: None,
            by: TrendBucket::Hour,
            utc_offset_secs: 0,
            split: None,
        })
        .unwrap();
    let searched = engine
        .article_count(&ArticleQuery {
            query: "ceasefire".into(),
            since: Some(since),
            ..ArticleQuery::default()
        })
        .unwrap();
    assert_eq!(trend.total, 3, "three ceasefire stories in three days");
    assert_eq!(trend.total, searched, "the trend counts what search finds");
    assert_eq!(
        trend.points.len(),
        72 + 1,
        "hourly buckets, the first clipped"
    );

    assert_eq!(
        engine.backfill_rule(saved.id, 24).unwrap(),
        2,
        "the two of the last day"
    );
    let titles: Vec<String> = alerts(&engine)
        .into_iter()
        .map(|a| a.article.title)
        .collect();
    assert!(titles.iter().all(|t| !t.contains("a week")), "{titles:?}");
    assert_eq!(
        engine.backfill_rule(saved.id, 24).unwrap(),
        0,
        "never twice"
    );
}

#[tokio::test]
async fn a_surge_over_the_same_hour_of_past_days_raises_one_spike_alert() {
    let dir = tempfile::tempdir().unwrap();
    let host = FeedHost::default();
    // Two weeks of about three ceasefire stories in this hour of each day.
    let mut history = Vec::new();
    for day in 1..=14 {
        for k in 0..3 {
            let ago = day * 24 * 60 + 10 + k * 7;
            history.push(item(
                &format!("h{day}-{k}"),
                &format!("Ceasefire monitors report from sector {day}-{k}"),
                ago,
            ));
        }
    }
    host.set("/history.xml", Doc::feed(rss("Archive", &history)));
    let burst: Vec<Item> = (0..30)
        .map(|k| {
            item(
                &format!("b{k}"),
                &format!("Ceasefire collapses as shelling resumes in sector {k}"),
                1 + k,
            )
        })
        .collect();
    host.set("/wire.xml", Doc::feed(rss("Wire", &burst)));
    let server = host.start().await;
    let engine = crate::support::engine(dir.path());
    engine
        .add_feed(&server.url("/history.xml"), None)
        .await
        .unwrap();
    let saved = engine
        .add_rule(&rule("South Asia ceasefire", "ceasefire"))
        .unwrap();
    engine
        .set_rule_spikes(saved.id, Some(Sensitivity::Medium), None)
        .unwrap();
    let mut events = engine.events().subscribe();
    engine.poll_all().await.unwrap();
    assert!(
        engine.spikes(1).unwrap().is_empty(),
        "an ordinary hour is no spike"
    );

    engine
        .add_feed(&server.url("/wire.xml"), None)
        .await
        .unwrap();
    let alerts = engine
        .alerts(&AlertQuery {
            rule: Some(saved.id),
            limit: 1000,
            ..AlertQuery::default()
        })
        .unwrap();
    assert_eq!(alerts.len(), 30);
    let spikes: Vec<_> = std::iter::from_fn(|| events.try_recv().ok())
        .filter_map(|e| match e {
            EngineEvent::Spike { spike } => Some(spike),
            _ => None,
        })
        .collect();
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert_eq!(
        spikes[0].message,
        "South Asia ceasefire: 30 stories in the last hour, usually about 3"
    );
    engine.poll_all().await.unwrap();
    assert!(
        !std::iter::from_fn(|| events.try_recv().ok())
            .any(|e| matches!(e, EngineEvent::Spike { .. })),
        "one alert per cool-down"
    );
    assert_eq!(engine.spikes(1).unwrap().len(), 1, "the spike is kept");
}

#[tokio::test]
async fn failing_feeds_read_as_plain_failures_with_their_health() {
    let dir = tempfile::tempdir().unwrap();
    let host = FeedHost::default();
    host.set(
        "/desk.xml",
        Doc::status(403, "text/html", "<h1>Forbidden</h1>"),
    );
    let server = host.start().await;
    // A port nothing listens on: connections to it are refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused_url = format!("http://{}/feed.xml", closed.local_addr().unwrap());
    drop(closed);
    let engine = crate::support::engine(dir.path());
    let opml = format!(
        r#"<opml version="2.0"><head/><body><outline text="Desk" xmlUrl="{}"/><outline text="Gone" xmlUrl="{}"/></body></opml>"#,
        server.url("/desk.xml"),
        refused_url
    );
    assert_eq!(engine.import_opml(&opml).unwrap().added.len(), 2);
    engine.poll_all().await.unwrap();
    let feeds = engine.feeds().unwrap();
    // The poll recorded each feed's check.
    let health = engine.feed_health().unwrap();
    let problem = |title: &str| {
        let id = feeds.iter().find(|f| f.title == title).unwrap().id;
        let report = health.iter().find(|h| h.feed_id == id).unwrap();
        assert_eq!(report.health.state, HealthState::Failing);
        assert_eq!(report.health.error_rate, Some(1.0));
        report.problem.clone().expect("the failure is explained")
    };
    let desk = problem("Desk");
    assert_eq!(desk.kind, ProblemKind::Refuses);
    assert_eq!(
        desk.headline,
        "HTTP 403: the site refuses automated readers"
    );
    let gone = problem("Gone");
    assert_eq!(gone.kind, ProblemKind::Refused, "{gone:?}");
    assert_eq!(gone.headline, "The server refused the connection");
    assert!(
        gone.detail.contains("127.0.0.1"),
        "the detail keeps the URL"
    );
}

#[tokio::test]
async fn every_feed_failing_on_the_network_is_offline_until_a_probe_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let host = FeedHost::default();
    for path in ["/a.xml", "/b.xml", "/c.xml"] {
        host.set(path, Doc::feed(rss("Desk", &[item(path, "Ceasefire", 30)])));
    }
    // A port that refuses connections now and serves the feeds later.
    let server = host.start().await;
    let addr = server.addr();
    drop(server);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let engine = crate::support::engine(dir.path());
    let opml = format!(
        r#"<opml version="2.0"><head/><body><outline text="A" xmlUrl="http://{addr}/a.xml"/><outline text="B" xmlUrl="http://{addr}/b.xml"/><outline text="C" xmlUrl="http://{addr}/c.xml"/></body></opml>"#
    );
    assert_eq!(engine.import_opml(&opml).unwrap().added.len(), 3);
    let mut events = engine.events().subscribe();
    let summary = engine.poll_all().await.unwrap();
    assert_eq!(summary.failed, 3);
    let since = engine.offline_since().expect("every feed refused: offline");
    let offline_event = std::iter::from_fn(|| events.try_recv().ok())
        .any(|e| matches!(e, EngineEvent::OfflineChanged { since: Some(t) } if t == since));
    assert!(offline_event, "the window is told once");
    assert_eq!(
        engine.offline_probe_wait(),
        Some(wirewatch::health::OFFLINE_PROBE_FIRST),
        "polling backs off to probes"
    );

    let _back = host.start_on(addr).await;
    let probe = engine.feeds().unwrap()[0].id;
    engine.poll_feeds(&[probe]).await.unwrap();
    assert_eq!(engine.offline_since(), None, "one success is back online");
    let online_event = std::iter::from_fn(|| events.try_recv().ok())
        .any(|e| matches!(e, EngineEvent::OfflineChanged { since: None }));
    assert!(online_event);
    let now = engine.now();
    let due = engine
        .feeds()
        .unwrap()
        .into_iter()
        .filter(|f| f.id != probe && f.next_check <= now)
        .count();
    assert_eq!(
        due, 2,
        "the other feeds are due at once, not after their back-off"
    );
}
