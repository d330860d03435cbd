//! Crash safety: the real `wirewatch` binary is killed with SIGKILL at random moments while it
//! polls, over and over, and after every kill the archive must be sound (integrity check),
//! complete (nothing committed is lost), and free of duplicates (no story or alert twice).
//! A last, uninterrupted poll then finishes the work exactly once. Separately, the window's
//! reads while the engine writes never fail.

use crate::support::TestServer;
use axum::body::Body;
use axum::http::{header, Response};
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wirewatch::model::{AlertQuery, ArticleQuery, RuleDraft, RuleScope};
use wirewatch::store::Store;

const FEEDS: usize = 8;
/// Stories each feed lists at once.
const WINDOW: usize = 8;
/// Stories each feed gains per generation (one generation per run of the binary).
const STEP: usize = 2;
const KILLS: usize = 60;
/// The binary is killed after a random delay below this many milliseconds.
const MAX_DELAY_MS: u64 = 150;
/// Generation number that means "serve every story ever served" (the final poll).
const FINAL: usize = usize::MAX;

/// Every `CEASEFIRE_EVERY`-th story matches the rule.
const CEASEFIRE_EVERY: usize = 4;

fn story_title(feed: usize, k: usize) -> String {
    if k % CEASEFIRE_EVERY == 0 {
        format!("Feed {feed} story {k}: ceasefire holds along the border")
    } else {
        format!("Feed {feed} story {k}: markets close higher")
    }
}

/// Feed `feed` at generation `generation`: a sliding window of stories, newest first.
fn feed_document(feed: usize, generation: usize) -> String {
    let range = if generation == FINAL {
        0..KILLS * STEP + WINDOW
    } else {
        generation * STEP..generation * STEP + WINDOW
    };
    let mut out = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Crash feed {feed}</title>\
         <link>https://crash.example.org/{feed}/</link><description>d</description>\n"
    );
    for k in range.rev() {
        let minutes = 100_000 - k as i64;
        let published = (chrono::Utc::now() - chrono::Duration::minutes(minutes)).to_rfc2822();
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">crash-{feed}-{k}</guid><title>{}</title>\
             <link>https://crash.example.org/{feed}/{k}</link><pubDate>{published}</pubDate>\
             <description>Story {k} of feed {feed}, told at some length so that the body is \
             tokenised and indexed like a real one.</description></item>\n",
            story_title(feed, k)
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

async fn start_server(generation: Arc<AtomicUsize>) -> TestServer {
    let router = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let generation = generation.clone();
        async move {
            let feed: Option<usize> = req
                .uri()
                .path()
                .strip_prefix("/feed/")
                .and_then(|n| n.parse().ok());
            match feed {
                Some(feed) => Response::builder()
                    .header(header::CONTENT_TYPE, "application/rss+xml")
                    .body(Body::from(feed_document(
                        feed,
                        generation.load(Ordering::SeqCst),
                    )))
                    .unwrap(),
                None => Response::builder().status(404).body(Body::empty()).unwrap(),
            }
        }
    });
    TestServer::start(router).await
}

/// Article and alert counts, after checking soundness and uniqueness.
fn check_archive(db: &Path) -> (i64, i64) {
    let store = Store::open(db).expect("the archive opens after a kill");
    store
        .integrity_check()
        .expect("the archive is sound after a kill");
    let stats = store.stats().unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(db).unwrap();
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        one("SELECT count(*) FROM (SELECT guid FROM articles GROUP BY guid HAVING count(*) > 1)"),
        0,
        "a story is stored twice"
    );
    assert_eq!(
        one(
            "SELECT count(*) FROM (SELECT feed_id, guid FROM article_feeds
             GROUP BY feed_id, guid HAVING count(*) > 1)"
        ),
        0,
        "a feed lists a story twice"
    );
    assert_eq!(
        one("SELECT count(*) FROM article_feeds"),
        stats.articles,
        "every story came through exactly one feed"
    );
    // A rule alerts once per story: outlets reporting one event share its alert.
    let matching =
        one("SELECT count(DISTINCT story_id) FROM articles WHERE title LIKE '%ceasefire%'");
    assert_eq!(
        stats.alerts, matching,
        "each matching story has exactly one alert, stored with it"
    );
    assert_eq!(
        one("SELECT count(*) FROM articles_fts"),
        stats.articles,
        "every story is indexed once"
    );
    (stats.articles, stats.alerts)
}

fn wirewatch(db: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wirewatch"));
    command
        .arg("--db")
        .arg(db)
        .args(["poll", "--all", "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_cli_at_random_moments_never_corrupts_loses_or_duplicates() {
    let seed: u64 = std::env::var("WIREWATCH_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2025);
    eprintln!("crash test seed {seed} (set WIREWATCH_CRASH_SEED to replay)");
    let dir = tempfile::tempdir().unwrap();
    let generation = Arc::new(AtomicUsize::new(0));
    let server = start_server(generation.clone()).await;
    let db = dir.path().join("wirewatch.db");
    {
        let engine = crate::support::engine(dir.path());
        let outlines: String = (0..FEEDS)
            .map(|f| {
                format!(
                    "<outline type=\"rss\" text=\"Crash feed {f}\" xmlUrl=\"{}\"/>",
                    server.url(&format!("/feed/{f}"))
                )
            })
            .collect();
        let report = engine
            .import_opml(&format!(
                "<opml version=\"2.0\"><body>{outlines}</body></opml>"
            ))
            .unwrap();
        assert_eq!(report.added.len(), FEEDS);
        engine
            .add_rule(&RuleDraft {
                name: "Ceasefire".into(),
                query: "ceasefire".into(),
                scope: RuleScope::default(),
                notify: false,
                muted: false,
                renotify_outlets: None,
            })
            .unwrap();
    }

    let db_for_loop = db.clone();
    let generation_for_loop = generation.clone();
    let (interrupted, finished, grew) = tokio::task::spawn_blocking(move || {
        let db = db_for_loop;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let (mut interrupted, mut finished) = (0, 0);
        let mut grew = 0;
        // One run left to finish sets the range of delays, so that on a slow machine too
        // some runs are cut short at every stage and some commit.
        generation_for_loop.store(0, Ordering::SeqCst);
        let timed = Instant::now();
        assert!(wirewatch(&db).status().unwrap().success());
        let one_run = timed.elapsed().as_millis() as u64;
        let max_delay = MAX_DELAY_MS.max(one_run * 3 / 2);
        eprintln!("one uninterrupted run takes {one_run} ms; kills come within {max_delay} ms");
        let mut last = check_archive(&db);
        for kill in 1..=KILLS {
            generation_for_loop.store(kill, Ordering::SeqCst);
            let mut child = wirewatch(&db).spawn().expect("start wirewatch");
            std::thread::sleep(Duration::from_millis(rng.random_range(0..max_delay)));
            match child.try_wait().expect("poll the child") {
                Some(_) => finished += 1,
                None => {
                    // SIGKILL: no destructor, no rollback, no checkpoint.
                    child.kill().expect("kill wirewatch");
                    interrupted += 1;
                }
            }
            child.wait().expect("reap wirewatch");
            let now = check_archive(&db);
            assert!(
                now.0 >= last.0 && now.1 >= last.1,
                "after kill {kill}: counts went from {last:?} to {now:?}"
            );
            if now.0 > last.0 {
                grew += 1;
            }
            last = now;
        }
        eprintln!("the archive grew after {grew} of {KILLS} kills, to {last:?}");
        (interrupted, finished, grew)
    })
    .await
    .unwrap();
    eprintln!("{interrupted} runs killed mid-way, {finished} finished before the kill");
    assert!(
        interrupted >= KILLS / 4,
        "many runs should be cut short: {interrupted} of {KILLS}"
    );
    assert!(
        grew >= 3,
        "some runs should commit between kills: {grew} of {KILLS}"
    );

    // A complete poll finishes the work: every story ever served, each exactly once.
    generation.store(FINAL, Ordering::SeqCst);
    let started = Instant::now();
    let db_final = db.clone();
    let status = tokio::task::spawn_blocking(move || wirewatch(&db_final).status())
        .await
        .unwrap()
        .expect("run wirewatch");
    assert!(status.success(), "the final poll succeeds: {status}");
    eprintln!("final poll took {:?}", started.elapsed());
    let (articles, alerts) = check_archive(&db);
    let per_feed = KILLS * STEP + WINDOW;
    assert_eq!(articles, (FEEDS * per_feed) as i64, "every story, once");
    let matching = (0..per_feed).filter(|k| k % CEASEFIRE_EVERY == 0).count();
    // Feeds tell story k in the same words, so their reports may make one story, which
    // alerts once (check_archive counted one alert per matching story).
    assert!(
        (matching as i64..=(FEEDS * matching) as i64).contains(&alerts),
        "every alert, once: {alerts} alerts for {matching} stories in {FEEDS} feeds"
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_reads_without_error_while_the_engine_writes() {
    let dir = tempfile::tempdir().unwrap();
    let generation = Arc::new(AtomicUsize::new(0));
    let server = start_server(generation.clone()).await;
    let engine = crate::support::engine(dir.path());
    engine
        .add_rule(&RuleDraft {
            name: "Ceasefire".into(),
            query: "ceasefire".into(),
            scope: RuleScope::default(),
            notify: true,
            muted: false,
            renotify_outlets: None,
        })
        .unwrap();
    for f in 0..4 {
        engine
            .add_feed(&server.url(&format!("/feed/{f}")), None)
            .await
            .unwrap();
    }
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let engine = engine.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut reads = 0u64;
            let mut last_total = 0;
            while !stop.load(Ordering::Relaxed) {
                let stats = engine.stats().expect("stats while polling");
                let all = engine
                    .articles(&ArticleQuery::default())
                    .expect("the article list while polling");
                assert!(all.total >= last_total, "the list never shrinks");
                last_total = all.total;
                let found = engine
                    .articles(&ArticleQuery {
                        query: "ceasefire OR markets".into(),
                        ..ArticleQuery::default()
                    })
                    .expect("search while polling");
                if let Some(first) = found.articles.first() {
                    let article = engine.article(first.id).expect("open an article");
                    assert!(!article.content_html.is_empty());
                }
                engine
                    .alerts(&AlertQuery::default())
                    .expect("alerts while polling");
                assert!(stats.articles >= 0);
                reads += 1;
            }
            reads
        })
    };
    for round in 1..=6 {
        generation.store(round, Ordering::SeqCst);
        engine.poll_all().await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let reads = reader.join().expect("the reader never failed");
    assert!(reads > 0);
    assert_eq!(
        engine.stats().unwrap().articles,
        (4 * (6 * STEP + WINDOW)) as i64
    );
    drop(server);
}
