//! Hostile servers: one loopback server with one endpoint per misbehaviour (silence, a byte a
//! second, endless and bombed bodies, redirect loops, rate limits, flapping errors, lies about
//! the content type, pages and garbage instead of feeds, absurd documents, lying guids, dates
//! from the future), all polled together with well-behaved feeds in one `poll_all`.
//!
//! Every feed is first served in a good version and stored; then the server turns hostile.
//! After each hostile poll: the poll ended within its bounds, each feed either shows a clear
//! error or was ingested sensibly, memory stayed bounded, the good feeds were ingested and
//! nothing stored before was lost.

use crate::support::{rss, Item, TestServer};
use axum::body::{Body, Bytes};
use axum::http::{header, Response};
use axum::Router;
use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wirewatch::model::{ArticleQuery, Feed};

/// The misbehaving endpoints, by path (without the leading slash).
const HOSTILE: &[&str] = &[
    "never",
    "dribble",
    "endless",
    "gzip-bomb",
    "loop",
    "moved",
    "too-many-requests",
    "unavailable",
    "alternate",
    "wrong-type",
    "html",
    "empty",
    "invalid-xml",
    "huge",
    "big-entry",
    "dup-guids",
    "changing-guids",
    "future",
];

/// Well-behaved feeds polled alongside.
const GOOD: &[&str] = &["good-a", "good-b"];

/// Limits for the test: small enough that every cap is reached within a second or two.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
const MAX_BODY: u64 = 8 * 1024 * 1024;
const MAX_ENTRIES: usize = 300;
const HUGE_ENTRIES: usize = 100_000;
const RETRY_AFTER_SECS: i64 = 3600;
const RETRY_AFTER_DATE_SECS: i64 = 7200;
/// A poll of all feeds must finish within this, decoding the huge feed included.
const POLL_BOUND: Duration = Duration::from_secs(60);
/// Growth of resident memory allowed over the hostile polls (the body cap is 8 MB; parsing a
/// document of 100,000 entries costs about a hundred megabytes while it lasts).
const RSS_GROWTH_CAP_KB: u64 = 600 * 1024;

#[derive(Clone)]
struct Hostile {
    hostile: Arc<AtomicBool>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    bomb: Arc<Vec<u8>>,
    huge: Arc<String>,
}

fn item(name: &str, i: usize, hours_ago: i64) -> Item {
    let mut item = Item::new(
        &format!("{name}-{i}"),
        &format!("{name} story {i}"),
        &format!("Text of story {i} from the {name} desk."),
    );
    item.published = (chrono::Utc::now() - chrono::Duration::hours(hours_ago)).to_rfc2822();
    item
}

/// The well-behaved version of a feed: two stories.
fn good_version(name: &str) -> String {
    rss(name, &[item(name, 0, 2), item(name, 1, 3)])
}

fn gzip_bomb() -> Vec<u8> {
    // 64 MB of zeros: about 64 KB on the wire, eight times the body cap once inflated.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        encoder.write_all(&zeros).expect("gzip");
    }
    encoder.finish().expect("finish gzip")
}

/// A valid RSS document of `n` tiny entries (about 40 bytes each).
fn huge_feed(n: usize) -> String {
    let mut out = String::with_capacity(n * 48 + 200);
    out.push_str(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>huge</title>\
         <link>https://news.example.org/</link><description>d</description>\n",
    );
    for i in 0..n {
        out.push_str(&format!(
            "<item><guid>h{i}</guid><title>H{i}</title></item>\n"
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

fn respond(status: u16, headers: &[(header::HeaderName, String)], body: Body) -> Response<Body> {
    let mut builder = Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    builder.body(body).expect("response")
}

fn feed_response(body: String) -> Response<Body> {
    respond(
        200,
        &[(header::CONTENT_TYPE, "application/rss+xml".into())],
        Body::from(body),
    )
}

fn http_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

impl Hostile {
    fn new() -> Hostile {
        Hostile {
            hostile: Arc::new(AtomicBool::new(false)),
            hits: Arc::default(),
            bomb: Arc::new(gzip_bomb()),
            huge: Arc::new(huge_feed(HUGE_ENTRIES)),
        }
    }

    async fn start(&self) -> TestServer {
        let state = self.clone();
        let router = Router::new().fallback(move |req: axum::extract::Request| {
            let state = state.clone();
            async move { state.answer(req.uri().path().trim_start_matches('/')).await }
        });
        TestServer::start(router).await
    }

    /// Counts the request and returns its 0-based number for this path.
    fn hit(&self, path: &str) -> usize {
        let mut hits = self.hits.lock().unwrap();
        let n = hits.entry(path.to_string()).or_default();
        *n += 1;
        *n - 1
    }

    async fn answer(&self, path: &str) -> Response<Body> {
        let n = self.hit(path);
        if path == "moved-new" {
            let mut items: Vec<Item> = (0..2).map(|i| item("moved", i, 2 + i as i64)).collect();
            items.push(item("moved", 2, 1));
            return feed_response(rss("moved", &items));
        }
        if path == "loop-b" {
            return respond(302, &[(header::LOCATION, "/loop".into())], Body::empty());
        }
        if GOOD.contains(&path) {
            // Good feeds gain two stories once the other feeds turn hostile, and two more on
            // each later poll.
            let mut items: Vec<Item> = (0..2).map(|i| item(path, i, 2 + i as i64)).collect();
            if self.hostile.load(Ordering::SeqCst) {
                let extra = 2 * n.min(3);
                items.extend((2..2 + extra).map(|i| item(path, i, 0)));
            }
            return feed_response(rss(path, &items));
        }
        if !self.hostile.load(Ordering::SeqCst) || !HOSTILE.contains(&path) {
            return if HOSTILE.contains(&path) {
                feed_response(good_version(path))
            } else {
                respond(404, &[], Body::from("not found"))
            };
        }
        let rss_type = || (header::CONTENT_TYPE, "application/rss+xml".to_string());
        match path {
            "never" => {
                tokio::time::sleep(Duration::from_secs(600)).await;
                respond(204, &[], Body::empty())
            }
            "dribble" => {
                let drip = futures::stream::unfold(0u64, |i| async move {
                    if i > 0 {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    Some((Ok::<_, Infallible>(Bytes::from_static(b"<")), i + 1))
                });
                respond(200, &[rss_type()], Body::from_stream(drip))
            }
            "endless" => {
                let chunk = Bytes::from("<item><title>again</title></item>\n".repeat(2048));
                let flood =
                    futures::stream::repeat_with(move || Ok::<_, Infallible>(chunk.clone()));
                respond(200, &[rss_type()], Body::from_stream(flood))
            }
            "gzip-bomb" => respond(
                200,
                &[rss_type(), (header::CONTENT_ENCODING, "gzip".into())],
                Body::from(self.bomb.as_ref().clone()),
            ),
            "loop" => respond(302, &[(header::LOCATION, "/loop-b".into())], Body::empty()),
            "moved" => respond(
                301,
                &[(header::LOCATION, "/moved-new".into())],
                Body::empty(),
            ),
            "too-many-requests" => respond(
                429,
                &[(header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())],
                Body::from("slow down"),
            ),
            "unavailable" => respond(
                503,
                &[(
                    header::RETRY_AFTER,
                    http_date(
                        chrono::Utc::now() + chrono::Duration::seconds(RETRY_AFTER_DATE_SECS),
                    ),
                )],
                Body::from("maintenance"),
            ),
            "alternate" => {
                if n % 2 == 1 {
                    respond(500, &[], Body::from("internal error"))
                } else {
                    let items: Vec<Item> = (0..2 + n).map(|i| item(path, i, 1)).collect();
                    feed_response(rss(path, &items))
                }
            }
            "wrong-type" => {
                let items: Vec<Item> = (0..3).map(|i| item(path, i, 1)).collect();
                respond(
                    200,
                    &[(header::CONTENT_TYPE, "text/html; charset=utf-8".into())],
                    Body::from(rss(path, &items)),
                )
            }
            "html" => respond(
                200,
                &[(header::CONTENT_TYPE, "text/html".into())],
                Body::from(
                    "<!doctype html><html><head><title>Moved on</title></head>\
                     <body><p>We have no feed any more.</p></body></html>",
                ),
            ),
            "empty" => respond(200, &[rss_type()], Body::empty()),
            "invalid-xml" => respond(
                200,
                &[rss_type()],
                Body::from("<rss><channel><title>x</title><item><title>unclosed <b"),
            ),
            "huge" => feed_response(self.huge.as_ref().clone()),
            "big-entry" => {
                // 20 MB in one description, sent in chunks without a Content-Length so only
                // the running count can stop it.
                let head = Bytes::from(
                    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>big-entry</title>\
                     <item><title>Big</title><description>",
                );
                let filler = Bytes::from("lorem ipsum ".repeat(8192));
                let chunks = 20 * 1024 * 1024 / filler.len();
                let tail = Bytes::from("</description></item></channel></rss>");
                let stream = futures::stream::iter(
                    std::iter::once(head)
                        .chain(std::iter::repeat_n(filler, chunks))
                        .chain(std::iter::once(tail))
                        .map(Ok::<_, Infallible>),
                );
                respond(200, &[rss_type()], Body::from_stream(stream))
            }
            "dup-guids" => {
                // Three entries claiming the guid of a stored story, three sharing a new one.
                let mut items = Vec::new();
                for k in 0..3 {
                    let mut old = item(path, 0, 2);
                    old.title = format!("dup-guids rewrite {k}");
                    old.link = format!("https://news.example.org/dup/old-{k}");
                    items.push(old);
                    let mut new = item(path, 10, 1);
                    new.title = format!("dup-guids newcomer {k}");
                    new.link = format!("https://news.example.org/dup/new-{k}");
                    items.push(new);
                }
                feed_response(rss(path, &items))
            }
            "changing-guids" => {
                let items: Vec<Item> = (0..2)
                    .map(|i| {
                        let mut it = item(path, i, 2 + i as i64);
                        it.guid = format!("urn:fresh:{n}:{i}");
                        it
                    })
                    .collect();
                feed_response(rss(path, &items))
            }
            "future" => {
                let items: Vec<Item> = (0..3)
                    .map(|i| {
                        let mut it = item(path, 10 + i, 0);
                        it.published = format!("Thu, 0{} Jan 2099 10:00:00 +0000", i + 1);
                        it
                    })
                    .collect();
                feed_response(rss(path, &items))
            }
            other => unreachable!("no hostile behaviour for {other}"),
        }
    }
}

fn opml(server: &TestServer, names: &[&str]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\"?><opml version=\"2.0\"><head><title>hostile</title></head><body>\n",
    );
    for name in names {
        out.push_str(&format!(
            "<outline type=\"rss\" text=\"{name}\" xmlUrl=\"{}\"/>\n",
            server.url(&format!("/{name}"))
        ));
    }
    out.push_str("</body></opml>\n");
    out
}

/// Resident memory of this process, in kB.
fn vm_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

fn feeds_by_title(engine: &wirewatch::Engine) -> HashMap<String, Feed> {
    engine
        .feeds()
        .unwrap()
        .into_iter()
        .map(|f| (f.title.clone(), f))
        .collect()
}

fn hostile_config(dir: &std::path::Path) -> wirewatch::Config {
    let mut config = crate::support::test_config(dir);
    config.connect_timeout = Duration::from_secs(1);
    config.request_timeout = REQUEST_TIMEOUT;
    config.max_body_bytes = MAX_BODY;
    config.max_entries_per_feed = MAX_ENTRIES;
    // Every endpoint lives on one host; let them all be fetched at once.
    config.max_requests_per_host = 32;
    config
}

/// Per-feed guids are unique, and no (feed, article) pair is listed twice.
fn assert_no_duplicates(db: &std::path::Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let dups: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT feed_id, guid FROM article_feeds WHERE guid IS NOT NULL
             GROUP BY feed_id, guid HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dups, 0, "a guid is stored twice for one feed");
}

async fn bounded_poll(engine: &wirewatch::Engine) -> (wirewatch::model::PollSummary, Duration) {
    let started = Instant::now();
    let summary = tokio::time::timeout(POLL_BOUND, engine.poll_all())
        .await
        .expect("the poll finishes within its bounds, whatever the servers do")
        .expect("the poll itself succeeds");
    (summary, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_fail_clearly_or_are_ingested_sensibly_without_harming_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let host = Hostile::new();
    let server = host.start().await;
    let engine =
        wirewatch::Engine::open(hostile_config(dir.path()), Arc::new(wirewatch::SystemClock))
            .unwrap();
    let all: Vec<&str> = HOSTILE.iter().chain(GOOD).copied().collect();
    let report = engine.import_opml(&opml(&server, &all)).unwrap();
    assert_eq!(report.added.len(), all.len(), "{report:?}");

    // Round 0: every feed behaves and is stored.
    let (summary, _) = bounded_poll(&engine).await;
    assert_eq!(summary.failed, 0, "{summary:?}");
    let before = feeds_by_title(&engine);
    for name in &all {
        assert_eq!(before[*name].article_count, 2, "{name} was stored");
    }
    let stored_before = engine.stats().unwrap().articles;
    assert_eq!(stored_before, 2 * all.len() as i64);

    // Round 1: the server turns hostile.
    host.hostile.store(true, Ordering::SeqCst);
    let rss_before = vm_rss_kb();
    let polled_at = chrono::Utc::now();
    let (summary, elapsed) = bounded_poll(&engine).await;
    eprintln!("hostile poll 1 took {elapsed:?}: {summary:?}");
    let after = feeds_by_title(&engine);
    let expect_error = |name: &str, code: &str| {
        let f = &after[name];
        assert_eq!(
            f.last_error_code.as_deref(),
            Some(code),
            "{name}: {:?}",
            f.last_error
        );
        let message = f.last_error.as_deref().unwrap_or_default();
        assert!(
            message.len() > 10 && message.contains(' '),
            "{name}: the error is a sentence, got {message:?}"
        );
        assert_eq!(f.error_count, 1, "{name}");
        assert!(f.next_check > polled_at, "{name} is retried later");
    };
    expect_error("never", "timeout");
    expect_error("dribble", "timeout");
    expect_error("endless", "too_large");
    expect_error("gzip-bomb", "too_large");
    expect_error("loop", "too_many_redirects");
    expect_error("too-many-requests", "retry_later");
    expect_error("unavailable", "retry_later");
    expect_error("alternate", "http_status");
    expect_error("html", "not_a_feed");
    expect_error("empty", "invalid_feed");
    expect_error("invalid-xml", "invalid_feed");
    expect_error("big-entry", "too_large");
    assert!(after["never"]
        .last_error
        .as_deref()
        .unwrap()
        .contains("2 s"));

    // Retry-After pushes the next check at least that far (seconds and HTTP-date forms).
    let wait = |name: &str| (after[name].next_check - polled_at).num_seconds();
    assert!(
        wait("too-many-requests") >= RETRY_AFTER_SECS - 1,
        "429 Retry-After {RETRY_AFTER_SECS}s, next check in {}s",
        wait("too-many-requests")
    );
    assert!(
        wait("unavailable") >= RETRY_AFTER_DATE_SECS - 5,
        "503 Retry-After date, next check in {}s",
        wait("unavailable")
    );

    // Feeds that were ingested, sensibly.
    for name in [
        "wrong-type",
        "huge",
        "dup-guids",
        "changing-guids",
        "future",
    ] {
        assert_eq!(
            after[name].error_count, 0,
            "{name}: {:?}",
            after[name].last_error
        );
    }
    assert_eq!(
        after["wrong-type"].article_count, 3,
        "a feed served as text/html is still read"
    );
    assert_eq!(
        after["huge"].article_count,
        2 + MAX_ENTRIES as i64,
        "100,000 entries are cut to the cap"
    );
    assert_eq!(
        after["dup-guids"].article_count, 3,
        "repeated guids: one new story, the old one updated in place"
    );
    assert_eq!(
        after["changing-guids"].article_count, 2,
        "new guids on known links are the same stories"
    );
    assert_eq!(after["future"].article_count, 5);
    let moved = &after["moved"];
    assert_eq!(
        moved.url,
        server.url("/moved-new"),
        "301 moves the subscription"
    );
    assert_eq!((moved.article_count, moved.error_count), (3, 0));
    for name in GOOD {
        assert_eq!(after[*name].article_count, 4, "{name} was ingested");
        assert_eq!(after[*name].error_count, 0);
    }
    assert!(
        elapsed < REQUEST_TIMEOUT * 15,
        "one slow server does not hold up the poll: {elapsed:?}"
    );

    // Round 2: the alternating feed recovers, the changing guids change again.
    let (summary, elapsed) = bounded_poll(&engine).await;
    eprintln!("hostile poll 2 took {elapsed:?}: {summary:?}");
    let again = feeds_by_title(&engine);
    assert_eq!(
        again["alternate"].error_count, 0,
        "the flapping feed recovers"
    );
    assert_eq!(again["alternate"].article_count, 4);
    assert_eq!(
        again["changing-guids"].article_count, 2,
        "still no duplicates"
    );
    assert_eq!(again["dup-guids"].article_count, 3);
    assert_eq!(
        again["never"].error_count, 2,
        "errors are counted, not forgotten"
    );
    let rss_after = vm_rss_kb();
    assert!(
        rss_after.saturating_sub(rss_before) < RSS_GROWTH_CAP_KB,
        "resident memory grew from {rss_before} kB to {rss_after} kB"
    );

    // Nothing stored before was lost.
    for name in &all {
        let now = again
            .values()
            .find(|f| f.id == before[*name].id)
            .expect("no feed was dropped");
        assert!(
            now.article_count >= before[*name].article_count,
            "{name} lost articles"
        );
    }
    assert!(engine.stats().unwrap().articles >= stored_before);
    assert_no_duplicates(&engine.config().db_path);

    // Stories dated in 2099 are filed when they were seen, so they never sort above stories
    // published later.
    let conn = rusqlite::Connection::open(&engine.config().db_path).unwrap();
    let future_id = again["future"].id;
    let mut stmt = conn
        .prepare(
            "SELECT a.published, a.sort_time, a.fetched FROM articles a
             JOIN article_feeds af ON af.article_id = a.id
             WHERE af.feed_id = ?1 AND a.published > ?2",
        )
        .unwrap();
    let rows: Vec<(i64, i64, i64)> = stmt
        .query_map([future_id, chrono::Utc::now().timestamp_millis()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 3, "the future dates are kept as published");
    for (published, sort_time, fetched) in rows {
        assert!(published > sort_time, "not sorted by its future date");
        assert!(sort_time <= fetched, "filed at the time it was seen");
    }
    let newest = engine.articles(&ArticleQuery::default()).unwrap().articles;
    assert!(
        newest[0].feeds.iter().all(|f| f.id != future_id),
        "a story from 2099 is not the newest: {:?}",
        newest[0]
    );
    drop(server);
}

#[test]
fn the_entry_cap_applies_before_entries_are_converted() {
    // Regression: the cap used to be applied after every entry had been sanitised and
    // converted, so a feed of 100,000 entries cost 100,000 sanitiser runs to keep 300.
    let doc = huge_feed(20_000);
    let started = Instant::now();
    let capped =
        wirewatch::decode::decode_limited(doc.as_bytes(), None, "https://example.org/", 10)
            .unwrap();
    let capped_time = started.elapsed();
    assert_eq!(capped.entries.len(), 10);
    assert_eq!(
        capped.entries[9].title, "H9",
        "the first entries in document order"
    );
    let started = Instant::now();
    let full = wirewatch::decode::decode(doc.as_bytes(), None, "https://example.org/").unwrap();
    let full_time = started.elapsed();
    assert_eq!(full.entries.len(), 20_000);
    eprintln!("capped decode {capped_time:?}, full decode {full_time:?}");
}

// ---------------------------------------------------------------------------------------------
// Hostile content
// ---------------------------------------------------------------------------------------------

/// Why `html` could run script, load a frame, restyle the page or link to a non-web URL;
/// `None` when it could not. On top of the fuzz targets' structural check (shared, so the two
/// cannot drift apart), the hostile fixture must not leave even the text of its payloads.
fn html_problem(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    for needle in [
        "<script",
        "javascript:",
        "vbscript:",
        "data:",
        "expression(",
        "<body",
        "<html",
        "<head",
    ] {
        if lower.contains(needle) {
            return Some(format!("{needle:?} survived"));
        }
    }
    crate::fuzz_replay::targets::html_problem(html)
}

fn assert_safe_html(html: &str, context: &str) {
    if let Some(problem) = html_problem(html) {
        panic!("{context}: {problem} in {html}");
    }
}

/// Why `text` is not plain text: something a careless view could take for a tag, or an
/// entity still waiting to be decoded.
fn text_problem(text: &str) -> Option<String> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied().unwrap_or(' ');
        if c == '<' && (next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?')) {
            return Some("markup".into());
        }
    }
    (text.contains("&lt;") || text.contains("&#")).then(|| "still encoded".into())
}

fn assert_plain_text(text: &str, context: &str) {
    if let Some(problem) = text_problem(text) {
        panic!("{context}: {text:?} contains {problem}");
    }
}

fn assert_web_url(url: Option<&str>, context: &str) {
    if let Some(url) = url {
        assert!(
            url.starts_with("http://") || url.starts_with("https://"),
            "{context}: {url:?} is not an http(s) URL"
        );
    }
}

#[test]
fn the_sanitiser_oracle_catches_what_it_should() {
    // The checks below are only as good as their power to fail; make sure they do.
    for (bad, why) in [
        ("<script>x</script>", "\"<script\""),
        ("<p onclick=\"x\">a</p>", "onclick"),
        (
            "<a href=\"vbscript:x\" rel=\"noopener noreferrer\">a</a>",
            "vbscript",
        ),
        (
            "<a href=\"ftp://e.example/\" rel=\"noopener noreferrer\">a</a>",
            "not an http",
        ),
        ("<a href=\"https://e.example/\">no rel</a>", "noopener"),
        ("<p style=\"color:red\">a</p>", "style"),
        ("<iframe src=\"https://e.example/\"></iframe>", "<iframe>"),
        ("<svg><circle r=\"1\"/></svg>", "<svg>"),
        ("<img src=\"data:image/png;base64,AA==\">", "data:"),
    ] {
        let problem = html_problem(bad).unwrap_or_default();
        assert!(
            problem.contains(why),
            "{bad:?}: expected {why}, got {problem:?}"
        );
    }
    assert_eq!(
        html_problem(
            "<p>ok <a href=\"https://e.example/x?a=1:2\" rel=\"noopener noreferrer\">x</a> \
             <a href=\"mailto:desk@e.example\" rel=\"noopener noreferrer\">m</a> \
             <img src=\"/rel:ative.png\"></p>"
        ),
        None
    );
    assert!(text_problem("a <b>c</b>").is_some());
    assert!(text_problem("AT&amp;T &#39;").is_some());
    assert_eq!(text_problem("a < b, <3 and 5<6 & more"), None);
}

/// guid, url, canonical_url, title, snippet, content_html of a stored article.
type StoredRow = (
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

#[tokio::test]
async fn hostile_content_is_neutralised_before_it_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let host = crate::support::FeedHost::default();
    let fixture = crate::support::fixture("feeds/hostile-xss.xml");
    host.set(
        "/xss.xml",
        crate::support::Doc {
            status: 200,
            content_type: "application/rss+xml".into(),
            body: fixture.clone(),
            etag: None,
            location: None,
        },
    );
    let server = host.start().await;
    let engine = crate::support::engine(dir.path());
    let added = engine
        .add_feed(&server.url("/xss.xml"), None)
        .await
        .unwrap();
    let wirewatch::model::AddFeedOutcome::Added { feed } = added else {
        panic!("the feed is added: {added:?}")
    };
    assert_eq!(feed.article_count, 7, "every item is stored, defused");
    assert_plain_text(&feed.title, "feed title");
    assert!(feed.title.contains("Border Desk"), "{:?}", feed.title);
    assert_web_url(feed.site_url.as_deref(), "feed site");

    // What the reader gets through the engine...
    let page = engine
        .articles(&ArticleQuery {
            limit: 100,
            ..ArticleQuery::default()
        })
        .unwrap();
    assert_eq!(page.articles.len(), 7);
    for summary in &page.articles {
        let article = engine.article(summary.id).unwrap();
        let context = format!("article {:?}", article.guid);
        assert_safe_html(&article.content_html, &context);
        assert_plain_text(&article.summary.title, &context);
        assert_plain_text(&article.summary.snippet, &context);
        assert_web_url(article.summary.url.as_deref(), &context);
        assert!(
            !article.summary.title.is_empty(),
            "{context}: a title is kept"
        );
    }
    // ...and what is stored, read straight from the database.
    let conn = rusqlite::Connection::open(&engine.config().db_path).unwrap();
    let mut stmt = conn
        .prepare("SELECT guid, url, canonical_url, title, snippet, content_html FROM articles")
        .unwrap();
    let rows: Vec<StoredRow> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let by_guid: HashMap<&str, _> = rows.iter().map(|r| (r.0.as_str(), r)).collect();
    for (guid, url, canonical, title, snippet, html) in &rows {
        assert_safe_html(html, guid);
        assert_plain_text(title, guid);
        assert_plain_text(snippet, guid);
        assert_web_url(url.as_deref(), guid);
        assert_web_url(canonical.as_deref(), guid);
    }
    // Non-web links are dropped, not kept in some disarmed form.
    for guid in ["xss-script", "xss-urls", "xss-svg-css"] {
        assert_eq!(by_guid[guid].1, None, "{guid}: the link is dropped");
    }
    // The harmless parts survive sanitising.
    assert!(by_guid["xss-script"]
        .5
        .contains("Both sides agreed to meet again."));
    assert!(by_guid["xss-urls"]
        .5
        .contains("href=\"https://news.example.com/fine\""));
    assert!(
        by_guid["xss-meta-base-form"]
            .5
            .contains("href=\"https://news.example.com/2025/05/13/relative\""),
        "a relative link resolves against the story, not an injected <base>: {}",
        by_guid["xss-meta-base-form"].5
    );
    assert!(by_guid["xss-svg-css"]
        .5
        .contains("The talks will resume on Monday."));
    assert!(by_guid["xss-broken"].5.contains("The story ends here."));
    assert_eq!(
        by_guid["xss-broken"].3, "Broken & unclosed markup bold forever",
        "markup in a title becomes its text"
    );

    // Decoding alone gives the same guarantees (the fuzz target checks this on random input).
    let doc = wirewatch::decode::decode(
        &fixture,
        Some("application/rss+xml"),
        "https://news.example.com/feed.xml",
    )
    .unwrap();
    for entry in &doc.entries {
        assert_safe_html(&entry.content_html, "decoded");
        assert_plain_text(&entry.title, "decoded");
        assert_web_url(entry.url.as_deref(), "decoded");
    }
    drop(server);
}

#[test]
fn raw_text_elements_in_a_body_leave_no_tags_in_the_plain_text() {
    // Regression: <title>, <xmp> and <plaintext> hold markup as text; the sanitiser unwrapped
    // them, so their "<script>..." came out as literal tags in the text and snippet.
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><item>\
        <title>Raw text</title><description><![CDATA[<p>Before.</p>\
        <title><script>alert('title')</script></title>\
        <xmp><img src=x onerror=alert('xmp')></xmp>\
        <p>After.</p><plaintext><script>alert('plaintext')</script>]]></description>\
        </item></channel></rss>";
    let doc = wirewatch::decode::decode(feed.as_bytes(), None, "https://example.org/").unwrap();
    let entry = &doc.entries[0];
    for (field, value) in [
        ("text", &entry.text),
        ("snippet", &entry.snippet),
        ("content_html", &entry.content_html),
    ] {
        assert!(
            !value.contains("alert") && !value.contains("<script") && !value.contains("<img"),
            "{field}: {value:?}"
        );
    }
    assert!(entry.text.contains("Before.") && entry.text.contains("After."));
}
