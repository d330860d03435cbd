//! The fetch stage against real HTTP servers on 127.0.0.1: conditional GET, decompression,
//! size caps, deadlines, redirects, retry hints, freshness and concurrency limits.

use crate::support::TestServer;
use axum::body::Body as AxumBody;
use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::convert::Infallible;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wirewatch::config::Config;
use wirewatch::error::Error;
use wirewatch::fetch::{Fetched, Fetcher, Validators};

const FEED: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>\
    <item><title>Story</title></item></channel></rss>";

/// Limits small enough that caps and deadlines are reached in well under a second.
fn config() -> Config {
    let mut config = Config::new("unused.db");
    config.connect_timeout = Duration::from_secs(2);
    config.request_timeout = Duration::from_secs(3);
    config.max_body_bytes = 64 * 1024;
    config
}

fn fetcher(config: &Config) -> Fetcher {
    Fetcher::new(config).expect("build the fetcher")
}

async fn fetch(config: &Config, url: &str) -> Result<Fetched, Error> {
    fetcher(config).fetch(url, &Validators::default()).await
}

fn body_text(fetched: &Fetched) -> String {
    let body = fetched
        .body
        .as_ref()
        .expect("a 200 answer should carry a body");
    String::from_utf8(body.bytes.clone()).expect("the body should be UTF-8")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("finish gzip")
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("deflate");
    encoder.finish().expect("finish deflate")
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        writer.write_all(data).expect("brotli");
    }
    out
}

fn encoded(encoding: &'static str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_ENCODING, encoding),
            (header::CONTENT_TYPE, "application/rss+xml"),
        ],
        bytes,
    )
        .into_response()
}

fn redirect(status: StatusCode, location: &str) -> Response {
    (status, [(header::LOCATION, location.to_owned())]).into_response()
}

/// Counts requests in flight on the server and remembers the most seen at once.
#[derive(Clone, Default)]
struct Gauge {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
}

impl Gauge {
    fn router(&self) -> Router {
        let gauge = self.clone();
        Router::new().route(
            "/feed/{n}",
            get(move || {
                let gauge = gauge.clone();
                async move {
                    let in_flight = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
                    gauge.max.fetch_max(in_flight, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    gauge.now.fetch_sub(1, Ordering::SeqCst);
                    FEED
                }
            }),
        )
    }

    /// Runs 8 fetches at once from clones of one fetcher (as polling tasks would).
    async fn run_eight(&self, config: &Config) {
        let server = TestServer::start(self.router()).await;
        let fetcher = fetcher(config);
        let tasks: Vec<_> = (0..8)
            .map(|n| {
                let fetcher = fetcher.clone();
                let url = server.url(&format!("/feed/{n}"));
                tokio::spawn(async move { fetcher.fetch(&url, &Validators::default()).await })
            })
            .collect();
        for task in tasks {
            let fetched = task.await.expect("fetch task should not panic");
            assert!(fetched.is_ok(), "every fetch should succeed: {fetched:?}");
        }
    }
}

// ---- conditional GET ----

#[tokio::test]
async fn a_304_to_if_none_match_has_no_body_and_keeps_the_old_validators() {
    let router = Router::new().route(
        "/feed",
        get(|headers: HeaderMap| async move {
            if headers
                .get(header::IF_NONE_MATCH)
                .is_some_and(|v| v == "\"v1\"")
            {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            ([(header::ETAG, "\"v1\"")], FEED).into_response()
        }),
    );
    let server = TestServer::start(router).await;
    let fetcher = fetcher(&config());

    let first = fetcher
        .fetch(&server.url("/feed"), &Validators::default())
        .await
        .expect("first fetch");
    assert_eq!(
        body_text(&first),
        FEED,
        "the first fetch downloads the feed"
    );
    assert_eq!(
        first.validators.etag.as_deref(),
        Some("\"v1\""),
        "the ETag is kept for next time"
    );

    let second = fetcher
        .fetch(&server.url("/feed"), &first.validators)
        .await
        .expect("second fetch");
    assert!(second.body.is_none(), "a 304 carries no body");
    assert_eq!(
        second.validators, first.validators,
        "a 304 keeps the validators we sent"
    );
}

#[tokio::test]
async fn a_304_to_if_modified_since_has_no_body_and_keeps_the_old_validators() {
    const STAMP: &str = "Wed, 21 Oct 2015 07:28:00 GMT";
    let router = Router::new().route(
        "/feed",
        get(|headers: HeaderMap| async move {
            if headers
                .get(header::IF_MODIFIED_SINCE)
                .is_some_and(|v| v == STAMP)
            {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            ([(header::LAST_MODIFIED, STAMP)], FEED).into_response()
        }),
    );
    let server = TestServer::start(router).await;
    let sent = Validators {
        etag: None,
        last_modified: Some(STAMP.to_owned()),
    };

    let fetched = fetcher(&config())
        .fetch(&server.url("/feed"), &sent)
        .await
        .expect("conditional fetch");

    assert!(fetched.body.is_none(), "a 304 carries no body");
    assert_eq!(
        fetched.validators, sent,
        "a 304 keeps the validators we sent"
    );
}

#[tokio::test]
async fn a_200_carrying_the_etag_we_sent_is_treated_as_not_modified() {
    // A server that ignores If-None-Match and always sends the full document.
    let router = Router::new().route(
        "/feed",
        get(|| async { ([(header::ETAG, "\"v1\"")], FEED) }),
    );
    let server = TestServer::start(router).await;
    let sent = Validators {
        etag: Some("\"v1\"".to_owned()),
        last_modified: None,
    };

    let fetched = fetcher(&config())
        .fetch(&server.url("/feed"), &sent)
        .await
        .expect("fetch");

    assert!(
        fetched.body.is_none(),
        "an unchanged ETag means the document is unchanged"
    );
    assert_eq!(fetched.validators, sent, "the validators are kept");
}

#[tokio::test]
async fn a_200_brings_the_body_its_content_type_and_fresh_validators() {
    let router = Router::new().route(
        "/feed",
        get(|| async {
            (
                [
                    (header::CONTENT_TYPE, "application/rss+xml; charset=utf-8"),
                    (header::ETAG, "W/\"v2\""),
                    (header::LAST_MODIFIED, "Wed, 21 Oct 2015 07:28:00 GMT"),
                ],
                FEED,
            )
        }),
    );
    let server = TestServer::start(router).await;
    let old = Validators {
        etag: Some("\"v1\"".to_owned()),
        last_modified: None,
    };

    let fetched = fetcher(&config())
        .fetch(&server.url("/feed"), &old)
        .await
        .expect("fetch");

    assert_eq!(body_text(&fetched), FEED, "the document is returned");
    let body = fetched.body.as_ref().expect("body");
    assert_eq!(
        body.content_type.as_deref(),
        Some("application/rss+xml; charset=utf-8"),
        "the Content-Type is passed on for charset detection"
    );
    assert_eq!(
        fetched.validators,
        Validators {
            etag: Some("W/\"v2\"".to_owned()),
            last_modified: Some("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
        },
        "the new validators replace the old ones"
    );
    assert_eq!(
        fetched.final_url,
        server.url("/feed"),
        "no redirect, same URL"
    );
    assert_eq!(
        fetched.moved_permanently_to, None,
        "no redirect, nothing moved"
    );
}

// ---- decompression ----

#[tokio::test]
async fn a_gzip_body_is_decompressed() {
    let router = Router::new().route(
        "/feed",
        get(|| async { encoded("gzip", gzip(FEED.as_bytes())) }),
    );
    let server = TestServer::start(router).await;

    let fetched = fetch(&config(), &server.url("/feed")).await.expect("fetch");

    assert_eq!(body_text(&fetched), FEED, "gzip is undone");
}

#[tokio::test]
async fn a_brotli_body_is_decompressed() {
    let router = Router::new().route(
        "/feed",
        get(|| async { encoded("br", brotli(FEED.as_bytes())) }),
    );
    let server = TestServer::start(router).await;

    let fetched = fetch(&config(), &server.url("/feed")).await.expect("fetch");

    assert_eq!(body_text(&fetched), FEED, "brotli is undone");
}

#[tokio::test]
async fn a_deflate_body_is_decompressed() {
    let router = Router::new().route(
        "/feed",
        get(|| async { encoded("deflate", zlib(FEED.as_bytes())) }),
    );
    let server = TestServer::start(router).await;

    let fetched = fetch(&config(), &server.url("/feed")).await.expect("fetch");

    assert_eq!(body_text(&fetched), FEED, "deflate is undone");
}

// ---- size caps ----

#[tokio::test]
async fn a_body_of_exactly_the_cap_is_accepted() {
    let config = config();
    let size = usize::try_from(config.max_body_bytes).expect("cap fits in memory");
    let router = Router::new().route("/feed", get(move || async move { vec![b'a'; size] }));
    let server = TestServer::start(router).await;

    let fetched = fetch(&config, &server.url("/feed")).await.expect("fetch");

    let body = fetched.body.expect("body");
    assert_eq!(body.bytes.len(), size, "a body at the cap is whole");
}

#[tokio::test]
async fn a_content_length_over_the_cap_is_refused_before_the_body_arrives() {
    // Announces a gigabyte and then sends nothing: only an early refusal answers quickly,
    // waiting for the body would run into the deadline instead.
    let router = Router::new().route(
        "/feed",
        get(|| async {
            let never = futures::stream::pending::<Result<Vec<u8>, Infallible>>();
            (
                [(header::CONTENT_LENGTH, "1000000000")],
                AxumBody::from_stream(never),
            )
        }),
    );
    let server = TestServer::start(router).await;
    let config = config();
    let started = Instant::now();

    let result = fetch(&config, &server.url("/feed")).await;

    assert!(
        matches!(result, Err(Error::TooLarge { limit, .. }) if limit == config.max_body_bytes),
        "an announced length over the cap is TooLarge: {result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused from the header, without waiting for the body"
    );
}

#[tokio::test]
async fn an_endless_chunked_body_is_stopped_at_the_cap() {
    let router = Router::new().route(
        "/feed",
        get(|| async {
            let endless =
                futures::stream::repeat_with(|| Ok::<_, Infallible>(vec![b'a'; 8 * 1024]));
            AxumBody::from_stream(endless)
        }),
    );
    let server = TestServer::start(router).await;

    let result = fetch(&config(), &server.url("/feed")).await;

    assert!(
        matches!(result, Err(Error::TooLarge { .. })),
        "a body without end is cut off at the cap: {result:?}"
    );
}

#[tokio::test]
async fn a_gzip_bomb_is_stopped_at_the_cap() {
    let config = config();
    // 16 MiB of zeros squeeze into a few KiB: small on the wire, 256 times the cap inflated.
    let bomb = gzip(&vec![0u8; 16 * 1024 * 1024]);
    assert!(
        (bomb.len() as u64) < config.max_body_bytes,
        "the compressed bomb ({} bytes) must fit under the cap for this test to mean anything",
        bomb.len()
    );
    let router = Router::new().route(
        "/feed",
        get(move || {
            let bomb = bomb.clone();
            async move { encoded("gzip", bomb) }
        }),
    );
    let server = TestServer::start(router).await;

    let result = fetch(&config, &server.url("/feed")).await;

    assert!(
        matches!(result, Err(Error::TooLarge { .. })),
        "the decompressed size is capped too: {result:?}"
    );
}

// ---- deadlines and unreachable hosts ----

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let router = Router::new().route(
        "/feed",
        get(|| async {
            std::future::pending::<()>().await;
            "never"
        }),
    );
    let server = TestServer::start(router).await;
    let mut config = config();
    config.request_timeout = Duration::from_millis(300);
    let started = Instant::now();

    let result = fetch(&config, &server.url("/feed")).await;

    assert!(
        matches!(result, Err(Error::Timeout { .. })),
        "no answer is a Timeout: {result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the deadline is honoured promptly"
    );
}

#[tokio::test]
async fn a_server_trickling_one_byte_at_a_time_hits_the_total_deadline() {
    // Each byte arrives well within the deadline, so only a deadline over the whole body
    // (not an idle timeout) stops this; forty bytes would take ten seconds.
    let router = Router::new().route(
        "/feed",
        get(|| async {
            let trickle = futures::stream::unfold(0, |sent| async move {
                if sent == 40 {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
                Some((Ok::<_, Infallible>(vec![b'x']), sent + 1))
            });
            AxumBody::from_stream(trickle)
        }),
    );
    let server = TestServer::start(router).await;
    let mut config = config();
    config.request_timeout = Duration::from_secs(1);
    let started = Instant::now();

    let result = fetch(&config, &server.url("/feed")).await;

    assert!(
        matches!(result, Err(Error::Timeout { secs: 1, .. })),
        "a trickling body is a Timeout: {result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "stopped at the deadline, not when the body ends"
    );
}

#[tokio::test]
async fn a_refused_connection_is_unreachable() {
    // A port that was free a moment ago and has nobody listening on it now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);

    let result = fetch(&config(), &format!("http://{addr}/feed")).await;

    assert!(
        matches!(result, Err(Error::Unreachable { .. })),
        "a refused connection is Unreachable: {result:?}"
    );
}

// ---- URLs and redirects ----

#[tokio::test]
async fn urls_that_are_not_http_are_invalid() {
    for url in [
        "ftp://example.com/feed.xml",
        "file:///etc/passwd",
        "not a url",
    ] {
        let result = fetch(&config(), url).await;
        assert!(
            matches!(result, Err(Error::InvalidUrl { .. })),
            "{url} should be InvalidUrl: {result:?}"
        );
    }
}

#[tokio::test]
async fn a_redirect_to_a_non_http_scheme_is_an_invalid_url() {
    let router = Router::new().route(
        "/feed",
        get(|| async { redirect(StatusCode::FOUND, "ftp://example.com/feed.xml") }),
    );
    let server = TestServer::start(router).await;

    let result = fetch(&config(), &server.url("/feed")).await;

    assert!(
        matches!(&result, Err(Error::InvalidUrl { url, .. }) if url.starts_with("ftp:")),
        "the redirect target is refused and named: {result:?}"
    );
}

#[tokio::test]
async fn a_redirect_loop_is_too_many_redirects_and_is_caught_on_the_first_repeat() {
    let hits = Arc::new(AtomicUsize::new(0));
    let (hits_a, hits_b) = (hits.clone(), hits.clone());
    let router = Router::new()
        .route(
            "/a",
            get(move || async move {
                hits_a.fetch_add(1, Ordering::SeqCst);
                redirect(StatusCode::FOUND, "/b")
            }),
        )
        .route(
            "/b",
            get(move || async move {
                hits_b.fetch_add(1, Ordering::SeqCst);
                redirect(StatusCode::FOUND, "/a")
            }),
        );
    let server = TestServer::start(router).await;
    let mut config = config();
    config.max_redirects = 20;

    let result = fetch(&config, &server.url("/a")).await;

    assert!(
        matches!(result, Err(Error::TooManyRedirects { .. })),
        "a loop is TooManyRedirects: {result:?}"
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "the loop is seen when /a comes round again, long before the cap"
    );
}

/// `/hop/n` redirects to `/hop/n+1` until `n` reaches `end`, which serves the feed.
fn chain_router(end: u32) -> Router {
    Router::new().route(
        "/hop/{n}",
        get(move |Path(n): Path<u32>| async move {
            if n >= end {
                FEED.into_response()
            } else {
                redirect(StatusCode::FOUND, &format!("/hop/{}", n + 1))
            }
        }),
    )
}

#[tokio::test]
async fn a_chain_longer_than_max_redirects_is_too_many_redirects() {
    let server = TestServer::start(chain_router(4)).await;
    let mut config = config();
    config.max_redirects = 3;

    let result = fetch(&config, &server.url("/hop/0")).await;

    assert!(
        matches!(result, Err(Error::TooManyRedirects { .. })),
        "four redirects with a limit of three fail: {result:?}"
    );
}

#[tokio::test]
async fn a_chain_of_exactly_max_redirects_is_followed() {
    let server = TestServer::start(chain_router(3)).await;
    let mut config = config();
    config.max_redirects = 3;

    let fetched = fetch(&config, &server.url("/hop/0"))
        .await
        .expect("three redirects are allowed");

    assert_eq!(
        fetched.final_url,
        server.url("/hop/3"),
        "the chain is followed to its end"
    );
    assert_eq!(body_text(&fetched), FEED, "the final document is returned");
}

#[tokio::test]
async fn a_chain_of_permanent_redirects_reports_where_the_feed_moved() {
    let router = Router::new()
        .route(
            "/old",
            get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "/middle") }),
        )
        .route(
            "/middle",
            get(|| async { redirect(StatusCode::PERMANENT_REDIRECT, "/new") }),
        )
        .route("/new", get(|| async { FEED }));
    let server = TestServer::start(router).await;

    let fetched = fetch(&config(), &server.url("/old")).await.expect("fetch");

    assert_eq!(
        fetched.final_url,
        server.url("/new"),
        "the final URL is the end of the chain"
    );
    assert_eq!(
        fetched.moved_permanently_to.as_deref(),
        Some(server.url("/new").as_str()),
        "301 then 308: the subscription should move"
    );
}

#[tokio::test]
async fn a_temporary_redirect_in_the_chain_means_the_feed_has_not_moved() {
    let router = Router::new()
        .route(
            "/old",
            get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "/middle") }),
        )
        .route(
            "/middle",
            get(|| async { redirect(StatusCode::FOUND, "/new") }),
        )
        .route("/new", get(|| async { FEED }));
    let server = TestServer::start(router).await;

    let fetched = fetch(&config(), &server.url("/old")).await.expect("fetch");

    assert_eq!(
        fetched.final_url,
        server.url("/new"),
        "the chain is still followed"
    );
    assert_eq!(
        fetched.moved_permanently_to, None,
        "a 302 hop means the move is not permanent"
    );
}

#[tokio::test]
async fn a_relative_location_is_resolved_against_the_current_url() {
    let router = Router::new()
        .route(
            "/news/old.xml",
            get(|| async { redirect(StatusCode::FOUND, "current.xml?lang=en") }),
        )
        .route("/news/current.xml", get(|| async { FEED }));
    let server = TestServer::start(router).await;

    let fetched = fetch(&config(), &server.url("/news/old.xml"))
        .await
        .expect("fetch");

    assert_eq!(
        fetched.final_url,
        server.url("/news/current.xml?lang=en"),
        "the Location is relative to the directory of the redirecting URL"
    );
    assert_eq!(
        body_text(&fetched),
        FEED,
        "the resolved URL is the one fetched"
    );
}

// ---- error statuses ----

#[tokio::test]
async fn a_429_with_retry_after_in_seconds_asks_to_retry_later() {
    let router = Router::new().route(
        "/feed",
        get(|| async {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "120")],
            )
        }),
    );
    let server = TestServer::start(router).await;

    let result = fetch(&config(), &server.url("/feed")).await;

    assert!(
        matches!(
            result,
            Err(Error::RetryLater {
                status: 429,
                retry_after_secs: Some(120),
                ..
            })
        ),
        "429 is RetryLater after 120 s: {result:?}"
    );
}

#[tokio::test]
async fn a_503_with_an_http_date_retry_after_is_measured_from_the_date_header() {
    // Both dates are in 2015: the wait must come from the server's clock, not ours.
    let router = Router::new().route(
        "/feed",
        get(|| async {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [
                    (header::DATE, "Wed, 21 Oct 2015 07:28:00 GMT"),
                    (header::RETRY_AFTER, "Wed, 21 Oct 2015 07:29:30 GMT"),
                ],
            )
        }),
    );
    let server = TestServer::start(router).await;

    let result = fetch(&config(), &server.url("/feed")).await;

    assert!(
        matches!(
            result,
            Err(Error::RetryLater {
                status: 503,
                retry_after_secs: Some(90),
                ..
            })
        ),
        "503 is RetryLater after 90 s: {result:?}"
    );
}

#[tokio::test]
async fn a_404_is_an_http_status_error() {
    let server = TestServer::start(Router::new()).await;

    let result = fetch(&config(), &server.url("/missing")).await;

    assert!(
        matches!(result, Err(Error::HttpStatus { status: 404, .. })),
        "404 is HttpStatus: {result:?}"
    );
}

// ---- request headers and freshness ----

#[tokio::test]
async fn the_user_agent_names_wirewatch_and_accept_prefers_feeds_and_compression() {
    let router = Router::new().route(
        "/echo",
        get(|headers: HeaderMap| async move {
            let get = |name| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            format!(
                "{}\n{}\n{}",
                get(header::USER_AGENT),
                get(header::ACCEPT),
                get(header::ACCEPT_ENCODING)
            )
        }),
    );
    let server = TestServer::start(router).await;

    let fetched = fetch(&config(), &server.url("/echo")).await.expect("fetch");

    let text = body_text(&fetched);
    let mut lines = text.lines();
    let (agent, accept, encodings) = (
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
    );
    assert!(
        agent.contains("Wirewatch/"),
        "the User-Agent says who we are: {agent}"
    );
    assert!(
        accept.starts_with("application/rss+xml"),
        "feed types come first in Accept: {accept}"
    );
    for encoding in ["gzip", "br", "deflate"] {
        assert!(
            encodings.contains(encoding),
            "{encoding} is offered in Accept-Encoding: {encodings}"
        );
    }
}

#[tokio::test]
async fn cache_control_max_age_sets_the_freshness_lifetime() {
    let router = Router::new().route(
        "/feed",
        get(|| async {
            (
                [
                    (header::CACHE_CONTROL, "public, max-age=600"),
                    (header::EXPIRES, "Thu, 01 Jan 1970 00:00:00 GMT"),
                ],
                FEED,
            )
        }),
    );
    let server = TestServer::start(router).await;

    let fetched = fetch(&config(), &server.url("/feed")).await.expect("fetch");

    assert_eq!(
        fetched.max_age,
        Some(Duration::from_secs(600)),
        "max-age wins over Expires"
    );
}

#[tokio::test]
async fn expires_is_measured_from_the_date_header() {
    let router = Router::new().route(
        "/feed",
        get(|| async {
            (
                [
                    (header::DATE, "Wed, 21 Oct 2015 07:28:00 GMT"),
                    (header::EXPIRES, "Wed, 21 Oct 2015 08:28:00 GMT"),
                ],
                FEED,
            )
        }),
    );
    let server = TestServer::start(router).await;

    let fetched = fetch(&config(), &server.url("/feed")).await.expect("fetch");

    assert_eq!(
        fetched.max_age,
        Some(Duration::from_secs(3600)),
        "Expires one hour after Date is an hour of freshness"
    );
}

// ---- concurrency ----

#[tokio::test]
async fn no_more_than_max_requests_per_host_reach_one_host_at_once() {
    let mut config = config();
    config.max_requests_per_host = 2;
    config.max_concurrent_requests = 32;
    let gauge = Gauge::default();

    gauge.run_eight(&config).await;

    assert_eq!(
        gauge.max.load(Ordering::SeqCst),
        2,
        "eight fetches to one host run two at a time"
    );
}

#[tokio::test]
async fn no_more_than_max_concurrent_requests_are_in_flight_in_all() {
    let mut config = config();
    config.max_requests_per_host = 8;
    config.max_concurrent_requests = 3;
    let gauge = Gauge::default();

    gauge.run_eight(&config).await;

    assert_eq!(
        gauge.max.load(Ordering::SeqCst),
        3,
        "the global limit applies when the host limit does not bite"
    );
}

/// A clock stopped at one instant.
#[derive(Debug)]
struct StoppedClock(chrono::DateTime<chrono::Utc>);

impl wirewatch::clock::Clock for StoppedClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0
    }
}

#[tokio::test]
async fn a_retry_after_date_without_a_date_header_is_measured_from_the_injected_clock() {
    // axum always sends `Date`, so this server writes its answer by hand, without one.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.expect("read the request");
            assert!(n > 0, "the client closed before sending its request");
            request.extend_from_slice(&buf[..n]);
        }
        let answer = "HTTP/1.1 503 Service Unavailable\r\n\
            Retry-After: Wed, 21 Oct 2015 07:30:00 GMT\r\n\
            Content-Length: 0\r\nConnection: close\r\n\r\n";
        socket
            .write_all(answer.as_bytes())
            .await
            .expect("write the answer");
    });
    // Two minutes before the Retry-After date; the system clock is years past it.
    let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
        .expect("a date")
        .with_timezone(&chrono::Utc);
    let fetcher = Fetcher::with_clock(&config(), Arc::new(StoppedClock(now))).expect("fetcher");

    let result = fetcher
        .fetch(&format!("http://{addr}/feed"), &Validators::default())
        .await;
    server.await.expect("the server answered");

    assert!(
        matches!(
            result,
            Err(Error::RetryLater {
                status: 503,
                retry_after_secs: Some(120),
                ..
            })
        ),
        "the wait is measured from the injected clock (120 s), not the system's (0 s): {result:?}"
    );
}
