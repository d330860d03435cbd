//! The background loop on paused tokio time: hours of polling run in moments, and each feed
//! is checked on its own schedule.

use crate::support::{rss, Doc, FeedHost, Item, TestServer};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use wirewatch::{Engine, TokioClock};

/// Serves feeds from a runtime on its own thread, so the test's paused clock does not stop
/// the server. Returns the host, the server and the thread's shutdown sender.
fn server_on_its_own_thread(host: FeedHost) -> (TestServer, std::sync::mpsc::Sender<()>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let server = host.start().await;
            tx.send(server).unwrap();
            tokio::task::spawn_blocking(move || stop_rx.recv())
                .await
                .ok();
        });
    });
    (rx.recv().unwrap(), stop_tx)
}

/// The items' links lead off this machine: the loop's full-text stage must not follow them.
fn never_full_text(engine: &Engine) {
    for feed in engine.feeds().unwrap() {
        engine
            .set_feed_full_text(feed.id, wirewatch::model::FullTextMode::Never)
            .unwrap();
    }
}

fn items(every: chrono::Duration, now: chrono::DateTime<chrono::Utc>, prefix: &str) -> Vec<Item> {
    (0..10)
        .map(|i| {
            let mut item = Item::new(
                &format!("{prefix}{i}"),
                &format!("{prefix} story {i}"),
                "text",
            );
            item.published = (now - every * i).to_rfc2822();
            item
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn each_feed_is_polled_on_its_own_schedule_and_errors_back_off() {
    let start: chrono::DateTime<chrono::Utc> = "2026-05-10T12:00:00Z".parse().unwrap();
    let host = FeedHost::default();
    host.set(
        "/hourly.xml",
        Doc::feed(rss(
            "Hourly",
            &items(chrono::Duration::hours(1), start, "h"),
        )),
    );
    host.set(
        "/daily.xml",
        Doc::feed(rss("Daily", &items(chrono::Duration::days(1), start, "d"))),
    );
    host.set("/broken.xml", Doc::status(500, "text/plain", "down"));
    let (server, stop_server) = server_on_its_own_thread(host.clone());

    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::support::test_config(dir.path());
    // Virtual seconds pass while a request waits on the real network: generous timeouts keep
    // that from looking like a slow server.
    config.connect_timeout = Duration::from_secs(600);
    config.request_timeout = Duration::from_secs(600);
    // The adaptive intervals alone: no freshness bound below them.
    config.freshness_interval = config.max_interval;
    let engine = Engine::open(config, Arc::new(TokioClock::starting_at(start))).unwrap();
    let opml = format!(
        r#"<opml version="2.0"><head/><body>
           <outline text="Hourly" xmlUrl="{}"/><outline text="Daily" xmlUrl="{}"/><outline text="Broken" xmlUrl="{}"/>
           </body></opml>"#,
        server.url("/hourly.xml"),
        server.url("/daily.xml"),
        server.url("/broken.xml")
    );
    assert_eq!(engine.import_opml(&opml).unwrap().added.len(), 3);
    never_full_text(&engine);

    // While the loop waits on the network, paused time would leap to the next timer; a
    // one-second ticker keeps those leaps small next to intervals of minutes.
    let ticker = tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let shutdown = CancellationToken::new();
    let running = tokio::spawn({
        let engine = engine.clone();
        let shutdown = shutdown.clone();
        async move { engine.run(shutdown).await }
    });
    tokio::time::sleep(Duration::from_secs(3 * 3600)).await;

    let hourly = host.hits("/hourly.xml");
    let daily = host.hits("/daily.xml");
    let broken = host.hits("/broken.xml");
    // Hourly publishing → checked after 30 minutes; each 304 after that stretches the interval
    // by a fifth (36, 43, 52 min): checks at about 0, 30, 66, 109, 161 min (±10% jitter).
    assert!(
        (4..=6).contains(&hourly),
        "hourly feed fetched {hourly} times"
    );
    // Daily publishing → interval of 12 h: only the first check falls in these 3 hours.
    assert_eq!(daily, 1, "daily feed fetched {daily} times");
    // Errors back off 5, 10, 20, 40, 80 minutes: checks at about 0, 5, 15, 35, 75, 155 min.
    assert!(
        (5..=6).contains(&broken),
        "failing feed fetched {broken} times"
    );
    let feeds = engine.feeds().unwrap();
    let failing = feeds.iter().find(|f| f.title == "Broken").unwrap();
    assert_eq!(
        failing.error_count as usize, broken,
        "every failure is counted and stays visible"
    );
    assert!(
        failing.next_check > engine.now(),
        "the failing feed is still scheduled"
    );

    // Paused: nothing more is fetched.
    engine.set_paused(true).unwrap();
    let before = host.hits("/hourly.xml");
    tokio::time::sleep(Duration::from_secs(2 * 3600)).await;
    assert_eq!(host.hits("/hourly.xml"), before, "no polling while paused");

    // Resumed and refreshed: the loop wakes at once.
    engine.set_paused(false).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        host.hits("/hourly.xml") > before,
        "resuming polls the feeds that came due"
    );

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(60), running)
        .await
        .expect("the loop stops promptly on shutdown")
        .unwrap()
        .unwrap();
    ticker.abort();
    drop(server);
    let _ = stop_server.send(());
}

#[tokio::test(start_paused = true)]
async fn a_quiet_feed_is_checked_at_least_every_half_hour_by_default() {
    let start: chrono::DateTime<chrono::Utc> = "2026-05-10T12:00:00Z".parse().unwrap();
    let host = FeedHost::default();
    host.set(
        "/daily.xml",
        Doc::feed(rss("Daily", &items(chrono::Duration::days(1), start, "d"))),
    );
    let (server, stop_server) = server_on_its_own_thread(host.clone());
    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::support::test_config(dir.path());
    config.connect_timeout = Duration::from_secs(600);
    config.request_timeout = Duration::from_secs(600);
    let engine = Engine::open(config, Arc::new(TokioClock::starting_at(start))).unwrap();
    let opml = format!(
        r#"<opml version="2.0"><head/><body><outline text="Daily" xmlUrl="{}"/></body></opml>"#,
        server.url("/daily.xml")
    );
    assert_eq!(engine.import_opml(&opml).unwrap().added.len(), 1);
    never_full_text(&engine);
    let ticker = tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let shutdown = CancellationToken::new();
    let running = tokio::spawn({
        let engine = engine.clone();
        let shutdown = shutdown.clone();
        async move { engine.run(shutdown).await }
    });
    tokio::time::sleep(Duration::from_secs(3 * 3600)).await;
    // Daily publishing would wait 12 h; bounded, checks come about every 30 min (±10%).
    let daily = host.hits("/daily.xml");
    assert!(
        (6..=7).contains(&daily),
        "a daily feed checked {daily} times in 3 hours"
    );
    let feed = &engine.feeds().unwrap()[0];
    assert_eq!(feed.interval_secs, 1800, "the interval shown is the bound");
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(60), running)
        .await
        .expect("the loop stops promptly on shutdown")
        .unwrap()
        .unwrap();
    ticker.abort();
    drop(server);
    let _ = stop_server.send(());
}
