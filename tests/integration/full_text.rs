//! The full-text stage ([`wirewatch::full_text`]) against a news site served on loopback: a
//! feed of teasers, the articles' own pages, and every way a page can fail. Each article
//! keeps its feed summary whatever its page does, and says why it has no full text.

use crate::support::{rss, Doc, FeedHost, Item, TestServer};
use std::sync::Arc;
use std::time::Duration;
use wirewatch::model::{
    ArticleQuery, EngineEvent, Field, FullTextMode, FullTextStatus, RuleDraft, RuleScope,
};
use wirewatch::Engine;

/// An article page: the site's menu and footer around a story of four paragraphs, the
/// second of which holds `special` (words the feed's teaser does not have).
fn page(title: &str, special: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | The Frontier Post</title>
<meta name="author" content="Sana Mir"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>{title}</h1>
<p>Officials from both sides met in the capital on Tuesday for a second round of talks that
diplomats on each side described as frank, long and, for the first time in months, useful.</p>
<p>{special} The delegations spent most of the afternoon on the text of a joint statement,
according to two people who were in the room and spoke on condition of anonymity.</p>
<p>Neither government has published the statement, and both foreign ministries declined to say
when it would be released, though one official said it could come within days.</p>
<p>Analysts in both capitals cautioned against reading too much into a single meeting, noting
that earlier rounds had ended in similar optimism before collapsing within weeks.</p>
</article><footer>© 2026 The Frontier Post</footer></body></html>"#
    )
}

fn html(body: &str) -> Doc {
    Doc::status(200, "text/html; charset=utf-8", body)
}

/// A feed of `stories` (path on the site, title, teaser), served with their pages from
/// `host`, and an engine subscribed to it with `mode`.
struct Site {
    host: FeedHost,
    server: TestServer,
    engine: Engine,
    _dir: tempfile::TempDir,
}

impl Site {
    async fn new(stories: &[(&str, &str, &str)], mode: FullTextMode) -> Site {
        Site::with(stories, mode, |_| {}).await
    }

    async fn with(
        stories: &[(&str, &str, &str)],
        mode: FullTextMode,
        configure: impl FnOnce(&mut wirewatch::Config),
    ) -> Site {
        let host = FeedHost::default();
        let server = host.start().await;
        let dir = tempfile::tempdir().unwrap();
        let mut config = crate::support::test_config(dir.path());
        configure(&mut config);
        let engine = Engine::open(config, Arc::new(wirewatch::SystemClock)).unwrap();
        let site = Site {
            host,
            server,
            engine,
            _dir: dir,
        };
        site.serve_feed(stories);
        site.subscribe(mode);
        site
    }

    fn serve_feed(&self, stories: &[(&str, &str, &str)]) {
        let items: Vec<Item> = stories
            .iter()
            .map(|(path, title, teaser)| Item {
                link: self.server.url(path),
                ..Item::new(path.trim_start_matches('/'), title, teaser)
            })
            .collect();
        self.host
            .set("/feed.xml", Doc::feed(rss("The Frontier Post", &items)));
    }

    fn subscribe(&self, mode: FullTextMode) {
        let opml = format!(
            r#"<opml version="2.0"><head/><body><outline text="Frontier" xmlUrl="{}"/></body></opml>"#,
            self.server.url("/feed.xml")
        );
        let feed = self.engine.import_opml(&opml).unwrap().added.remove(0);
        let feed = self.engine.set_feed_full_text(feed.id, mode).unwrap();
        assert_eq!(feed.full_text, mode, "the setting is kept and returned");
    }

    /// A second outlet, "The Other Post", serving `items` at `path` on the same host: the
    /// engine is subscribed to it (not fetched yet); its feed id.
    fn add_other_outlet(&self, path: &str, items: &[Item]) -> wirewatch::model::FeedId {
        self.host.set(path, Doc::feed(rss("The Other Post", items)));
        let opml = format!(
            r#"<opml version="2.0"><head/><body><outline text="Other" xmlUrl="{}"/></body></opml>"#,
            self.server.url(path)
        );
        self.engine.import_opml(&opml).unwrap().added.remove(0).id
    }

    /// The article whose link ends with `path`.
    fn article(&self, path: &str) -> wirewatch::model::Article {
        let page = self.engine.articles(&ArticleQuery::default()).unwrap();
        let url = self.server.url(path);
        let summary = page
            .articles
            .iter()
            .find(|a| a.url.as_deref() == Some(url.as_str()))
            .unwrap_or_else(|| panic!("an article links to {path}"));
        self.engine.article(summary.id).unwrap()
    }
}

const TEASER: &str = "Officials met for a second round of talks.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teaser_gets_its_full_text_and_search_finds_words_only_the_page_has() {
    let site = Site::new(
        &[
            ("/world/talks", "Talks resume in the capital", TEASER),
            (
                "/world/border",
                "Border crossing reopens",
                "Trucks moved again.",
            ),
        ],
        FullTextMode::Auto,
    )
    .await;
    site.host.set(
        "/world/talks",
        html(&page(
            "Talks resume in the capital",
            "Hydrographers joined the talks.",
        )),
    );
    site.host.set(
        "/world/border",
        html(&page("Border crossing reopens", "Customs staff returned.")),
    );
    let polled = site.engine.poll_all().await.unwrap();
    assert_eq!(polled.new_articles, 2);
    assert_eq!(
        site.article("/world/talks").full_text_status,
        FullTextStatus::Pending,
        "a teaser's page is queued as it is stored"
    );
    assert_eq!(
        site.host.hits("/world/talks"),
        0,
        "the poll itself fetches no page"
    );

    let done = site.engine.fetch_full_texts().await.unwrap();
    assert_eq!((done.fetched, done.given_up, done.put_off), (2, 0, 0));
    let article = site.article("/world/talks");
    assert_eq!(article.full_text_status, FullTextStatus::Fetched);
    assert_eq!(article.text, TEASER, "the feed's summary is kept");
    assert_eq!(article.full_text_note, None);
    let full = article.full_text.clone().expect("the full text");
    assert!(
        full.text.starts_with("Officials from both sides met"),
        "the story, without the site around it: {}",
        full.text
    );
    assert!(!full.text.contains("Home"), "no menu: {}", full.text);
    assert!(full.html.contains("<p>"), "sanitised HTML: {}", full.html);
    assert!(full.words > 80, "{} words", full.words);
    assert_eq!(full.byline.as_deref(), Some("Sana Mir"));
    assert_eq!(
        site.host.hits("/robots.txt"),
        1,
        "robots.txt is asked once for the site, however many pages"
    );

    let found = site
        .engine
        .articles(&ArticleQuery {
            query: "hydrographer".into(),
            ..ArticleQuery::default()
        })
        .unwrap();
    assert_eq!(found.total, 1, "search finds a word only the page has");
    assert_eq!(found.articles[0].id, article.summary.id);

    let spans = site
        .engine
        .article_matches(article.summary.id, "hydrographer OR talks")
        .unwrap();
    let in_full: Vec<_> = spans
        .iter()
        .filter(|m| m.field == Field::FullText)
        .collect();
    assert!(
        !in_full.is_empty(),
        "highlights in the full text: {spans:?}"
    );
    let units: Vec<u16> = full.text.encode_utf16().collect();
    for m in in_full {
        assert_eq!(
            String::from_utf16(&units[m.start as usize..m.end as usize]).unwrap(),
            m.text,
            "a full-text span points into the full text"
        );
    }
    assert!(
        spans.iter().any(|m| m.field == Field::Title),
        "the title still highlights: {spans:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_that_only_the_full_text_matches_alerts_once_when_it_arrives() {
    let site = Site::new(
        &[("/world/talks", "Talks resume in the capital", TEASER)],
        FullTextMode::Always,
    )
    .await;
    site.host.set(
        "/world/talks",
        html(&page(
            "Talks resume in the capital",
            "Wang Yi called for a ceasefire.",
        )),
    );
    let rule = |name: &str, query: &str| RuleDraft {
        name: name.into(),
        query: query.into(),
        scope: RuleScope::default(),
        notify: true,
        muted: false,
        renotify_outlets: None,
    };
    site.engine
        .add_rule(&rule("Wang", "NEAR(Wang ceasefire, 10)"))
        .unwrap();
    site.engine.add_rule(&rule("Talks", "talks")).unwrap();

    let polled = site.engine.poll_all().await.unwrap();
    assert_eq!(polled.alerts, 1, "the summary matches the talks rule only");

    // Saved after the article was stored: like any rule, it sees only later articles.
    site.engine.add_rule(&rule("Later", "\"Wang Yi\"")).unwrap();

    let mut events = site.engine.events().subscribe();
    let done = site.engine.fetch_full_texts().await.unwrap();
    assert_eq!(done.fetched, 1);
    assert_eq!(
        done.alerts, 1,
        "the full text raises the Wang rule's alert; the talks rule alerted already, \
         and the later rule came after the article"
    );
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push(event);
    }
    let alert_at = seen
        .iter()
        .position(|e| matches!(e, EngineEvent::Alert { alert, .. } if alert.rule_name == "Wang"))
        .expect("the late alert goes out as an alert event");
    let full_text_at = seen
        .iter()
        .position(|e| {
            matches!(
                e,
                EngineEvent::FullText {
                    status: FullTextStatus::Fetched,
                    ..
                }
            )
        })
        .expect("and the article's full text is announced");
    assert!(alert_at < full_text_at, "alerts first: {seen:?}");
    if let EngineEvent::Alert { alert, .. } = &seen[alert_at] {
        assert!(
            alert.matches.iter().any(|m| m.field == Field::FullText),
            "its highlights are in the full text: {:?}",
            alert.matches
        );
    }

    // Nothing more is due; a poll of the unchanged feed raises nothing.
    assert_eq!(site.engine.fetch_full_texts().await.unwrap().alerts, 0);
    assert_eq!(site.engine.poll_all().await.unwrap().alerts, 0);
    let alerts = site.engine.alerts(&Default::default()).unwrap();
    let names: Vec<&str> = alerts.iter().map(|a| a.rule_name.as_str()).collect();
    assert_eq!(names.len(), 2, "one alert per rule: {names:?}");
    assert!(names.contains(&"Wang") && names.contains(&"Talks"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_pages_get_a_status_and_the_article_keeps_its_summary() {
    let stories: Vec<(&str, &str, &str)> = vec![
        ("/report.pdf", "Annual report", "The report is out."),
        ("/photo", "Photo of the day", "A photo."),
        ("/huge", "A very long page", "Long."),
        ("/app", "Script shell", "Loading."),
        ("/members/story", "Members only", "For members."),
        ("/paid/story", "Paywalled", "Subscribe."),
        ("/missing", "Missing", "Gone?"),
        ("/removed", "Removed", "Removed?"),
        ("/forbidden", "Forbidden", "No robots."),
        ("/loop", "Redirect loop", "Round and round."),
        ("/private/story", "Disallowed", "Robots say no."),
    ];
    let site = Site::with(&stories, FullTextMode::Always, |c| {
        c.max_page_bytes = 64 * 1024
    })
    .await;
    let h = &site.host;
    h.set(
        "/report.pdf",
        Doc::status(200, "application/pdf", "%PDF-1.7 ..."),
    );
    h.set(
        "/photo",
        Doc {
            body: b"\x89PNG\r\n\x1a\n....".to_vec(),
            ..Doc::status(200, "image/png", "")
        },
    );
    h.set("/huge", html(&page("Huge", &"word ".repeat(40_000))));
    h.set(
        "/app",
        html("<html><head><title>App</title></head><body><div id=app></div><script>boot()</script></body></html>"),
    );
    h.set(
        "/members/story",
        html(r#"<html><head><title>Sign in</title></head><body><h1>Sign in to continue</h1>
            <form><input type="email" name="u"><input type="password" name="p"><button>Sign in</button></form></body></html>"#),
    );
    h.set(
        "/paid/story",
        html(r#"<html><head><title>Subscribe</title></head><body><div class="paywall"><p>Subscribe to continue reading.</p></div></body></html>"#),
    );
    h.set("/removed", Doc::status(410, "text/html", "gone"));
    h.set("/forbidden", Doc::status(403, "text/html", "no"));
    h.set("/loop", Doc::redirect(302, "/loop2"));
    h.set("/loop2", Doc::redirect(302, "/loop"));
    h.set(
        "/robots.txt",
        Doc::status(200, "text/plain", "User-agent: *\nDisallow: /private/\n"),
    );
    h.set("/private/story", html(&page("Private", "Secret.")));

    assert_eq!(site.engine.poll_all().await.unwrap().new_articles, 11);
    let mut events = site.engine.events().subscribe();
    let done = site.engine.fetch_full_texts().await.unwrap();
    assert_eq!(
        (done.fetched, done.given_up, done.put_off),
        (0, 11, 0),
        "each is final at once: none is worth another try"
    );
    let mut announced = 0;
    while let Ok(event) = events.try_recv() {
        announced += usize::from(matches!(event, EngineEvent::FullText { .. }));
    }
    assert_eq!(announced, 11, "each article's status is announced");

    let expected = [
        ("/report.pdf", FullTextStatus::NotHtml, "a PDF"),
        ("/photo", FullTextStatus::NotHtml, "an image"),
        ("/huge", FullTextStatus::TooLarge, "larger than"),
        ("/app", FullTextStatus::NoContent, "No article text"),
        ("/members/story", FullTextStatus::NoContent, "login wall"),
        ("/paid/story", FullTextStatus::NoContent, "paywall"),
        ("/missing", FullTextStatus::Gone, "HTTP 404"),
        ("/removed", FullTextStatus::Gone, "HTTP 410"),
        ("/forbidden", FullTextStatus::Blocked, "HTTP 403"),
        ("/loop", FullTextStatus::Failed, "loop"),
        ("/private/story", FullTextStatus::Blocked, "robots.txt"),
    ];
    for (path, status, says) in expected {
        let a = site.article(path);
        assert_eq!(a.full_text_status, status, "{path}");
        assert!(a.full_text.is_none(), "{path} has no full text");
        let note = a.full_text_note.unwrap_or_default();
        assert!(
            note.contains(says) && note.ends_with("the feed's summary is shown."),
            "{path}: {note}"
        );
        let teaser = stories.iter().find(|s| s.0 == path).unwrap().2;
        assert_eq!(a.text, teaser, "{path} keeps its summary");
    }
    assert_eq!(
        h.hits("/private/story"),
        0,
        "a disallowed page is not fetched"
    );
    assert_eq!(
        h.hits("/robots.txt"),
        1,
        "robots.txt is fetched once per site"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_charsets_are_read_from_the_header_the_meta_or_the_bytes() {
    let stories = [
        ("/cp1252", "Header", "Short."),
        ("/sjis", "Meta", "Short."),
        ("/gbk", "Sniffed", "Short."),
    ];
    let site = Site::new(&stories, FullTextMode::Always).await;
    let serve =
        |path: &str, encoding: &'static encoding_rs::Encoding, content_type: &str, page: String| {
            let (bytes, _, lossy) = encoding.encode(&page);
            assert!(!lossy, "{path}: the page fits its charset");
            site.host.set(
                path,
                Doc {
                    body: bytes.into_owned(),
                    ..Doc::status(200, content_type, "")
                },
            );
        };
    let plain = |special: &str| {
        page("Story", special)
            .replace("<meta charset=\"utf-8\">", "")
            .replace('©', "(c)")
    };
    serve(
        "/cp1252",
        encoding_rs::WINDOWS_1252,
        "text/html; charset=windows-1252",
        plain("Caf\u{e9} owners on the \u{201c}bund\u{201d} waited."),
    );
    serve(
        "/sjis",
        encoding_rs::SHIFT_JIS,
        "text/html",
        plain("東京で会談が行われた。").replace("<head>", "<head><meta charset=\"shift_jis\">"),
    );
    let gbk_story = "外交部长王毅表示，双方同意继续谈判，并尽快发表联合声明。".repeat(6);
    serve("/gbk", encoding_rs::GBK, "text/html", plain(&gbk_story));
    site.engine.poll_all().await.unwrap();
    let done = site.engine.fetch_full_texts().await.unwrap();
    assert_eq!(done.fetched, 3, "{done:?}");
    for (path, expect) in [
        ("/cp1252", "Caf\u{e9} owners on the \u{201c}bund\u{201d}"),
        ("/sjis", "東京で会談が行われた。"),
        ("/gbk", "外交部长王毅表示"),
    ] {
        let full = site.article(path).full_text.expect("a full text");
        assert!(full.text.contains(expect), "{path}: {}", full.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_times_out_and_is_tried_again_later() {
    use axum::body::Body;
    let router = axum::Router::new().route(
        "/slow",
        axum::routing::get(|| async {
            let stream = futures::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Some((
                    Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"<p>more</p>")),
                    (),
                ))
            });
            axum::response::Response::builder()
                .header("content-type", "text/html")
                .body(Body::from_stream(stream))
                .unwrap()
        }),
    );
    let slow = TestServer::start(router).await;
    let site = Site::with(&[], FullTextMode::Always, |c| {
        c.request_timeout = Duration::from_secs(1)
    })
    .await;
    let items = [Item {
        link: slow.url("/slow"),
        ..Item::new("slow", "A page that never ends", "Short.")
    }];
    site.host
        .set("/feed.xml", Doc::feed(rss("The Frontier Post", &items)));
    site.engine.poll_all().await.unwrap();
    let started = std::time::Instant::now();
    let done = site.engine.fetch_full_texts().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the deadline holds"
    );
    assert_eq!(done.put_off, 1, "a timeout is worth another try");
    let page = site.engine.articles(&ArticleQuery::default()).unwrap();
    let a = site.engine.article(page.articles[0].id).unwrap();
    assert_eq!(a.full_text_status, FullTextStatus::Pending);
    let note = a.full_text_note.unwrap_or_default();
    assert!(note.contains("no answer within 1 s"), "{note}");
    assert_eq!(
        site.engine.fetch_full_texts().await.unwrap(),
        Default::default(),
        "not tried again before its back-off"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_set_to_never_fetches_no_page() {
    let site = Site::new(
        &[("/world/talks", "Talks resume", TEASER)],
        FullTextMode::Never,
    )
    .await;
    site.host
        .set("/world/talks", html(&page("Talks", "Words.")));
    site.engine.poll_all().await.unwrap();
    assert_eq!(
        site.engine.fetch_full_texts().await.unwrap(),
        Default::default()
    );
    assert_eq!(site.host.hits("/world/talks"), 0);
    assert_eq!(site.host.hits("/robots.txt"), 0);
    let a = site.article("/world/talks");
    assert_eq!(a.full_text_status, FullTextStatus::NotNeeded);
    assert_eq!((a.full_text, a.full_text_note), (None, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_fetches_teasers_and_leaves_whole_stories() {
    let whole = "A whole story in the feed. ".repeat(40);
    let site = Site::new(
        &[
            ("/teaser", "Teaser", TEASER),
            ("/whole", "Whole", &whole),
            ("/cut", "Cut off", &format!("{whole}Read more…")),
        ],
        FullTextMode::Auto,
    )
    .await;
    for path in ["/teaser", "/whole", "/cut"] {
        site.host.set(path, html(&page("Story", "Words.")));
    }
    site.engine.poll_all().await.unwrap();
    site.engine.fetch_full_texts().await.unwrap();
    assert_eq!(site.host.hits("/teaser"), 1);
    assert_eq!(site.host.hits("/whole"), 0, "a whole story needs no page");
    assert_eq!(site.host.hits("/cut"), 1, "a story cut off does");
    assert_eq!(
        site.article("/whole").full_text_status,
        FullTextStatus::NotNeeded
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_starred_article_keeps_its_full_text_when_retention_deletes_the_rest() {
    let site = Site::new(
        &[("/kept", "Kept", TEASER), ("/dropped", "Dropped", TEASER)],
        FullTextMode::Always,
    )
    .await;
    site.host.set("/kept", html(&page("Kept", "Saved words.")));
    site.host
        .set("/dropped", html(&page("Dropped", "Lost words.")));
    site.engine.poll_all().await.unwrap();
    assert_eq!(site.engine.fetch_full_texts().await.unwrap().fetched, 2);
    let kept = site.article("/kept").summary.id;
    site.engine.set_article_starred(kept, true).unwrap();
    let mut settings = site.engine.settings().unwrap();
    settings.retention_days = Some(1);
    site.engine.set_settings(&settings).unwrap();
    // The items are dated 2025: past any retention.
    assert_eq!(site.engine.apply_retention().unwrap(), 1);
    let article = site.engine.article(kept).unwrap();
    let full = article
        .full_text
        .expect("a starred article keeps its full text");
    assert!(full.text.contains("Saved words."));
    assert!(full.html.contains("Saved words."), "and its HTML");
    let found = site
        .engine
        .articles(&ArticleQuery {
            query: "lost".into(),
            ..ArticleQuery::default()
        })
        .unwrap();
    assert_eq!(
        found.total, 0,
        "the deleted article's full text left the index too"
    );
}

/// A clock the test moves by hand. Back-off and pauses are measured against the engine's
/// clock, so moving it is all a retry needs; paused tokio time would also leap ahead while a
/// request waits on the real loopback socket, by more than a back-off on a loaded machine.
#[derive(Debug)]
struct HandClock(std::sync::Mutex<chrono::DateTime<chrono::Utc>>);

impl wirewatch::Clock for HandClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self.0.lock().unwrap()
    }
}

impl HandClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += chrono::Duration::from_std(by).unwrap();
    }

    /// An engine on a fresh archive in `dir`, on a clock the test moves, set at `start`.
    fn engine(dir: &std::path::Path, start: &str) -> (Engine, Arc<HandClock>) {
        let clock = Arc::new(HandClock(std::sync::Mutex::new(start.parse().unwrap())));
        let engine = Engine::open(crate::support::test_config(dir), clock.clone()).unwrap();
        (engine, clock)
    }
}

/// Subscribes `engine` to the feed at `url`, its full text always fetched, and polls it.
async fn poll_with_full_text(engine: &Engine, title: &str, url: &str) {
    let opml = format!(
        r#"<opml version="2.0"><body><outline text="{title}" xmlUrl="{url}" fullText="always"/></body></opml>"#
    );
    engine.import_opml(&opml).unwrap();
    engine.poll_all().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_back_off_are_bounded_and_a_failing_site_is_paused() {
    let host = FeedHost::default();
    let server = host.start().await;
    let items: Vec<Item> = (0..5)
        .map(|i| Item {
            link: server.url(&format!("/down/{i}")),
            ..Item::new(&format!("down{i}"), &format!("Story {i}"), "Short.")
        })
        .collect();
    host.set("/feed.xml", Doc::feed(rss("Down", &items)));
    for i in 0..5 {
        host.set(&format!("/down/{i}"), Doc::status(500, "text/html", "down"));
    }
    let dir = tempfile::tempdir().unwrap();
    let (engine, clock) = HandClock::engine(dir.path(), "2026-05-10T12:00:00Z");
    let opml = format!(
        r#"<opml version="2.0"><head/><body><outline text="Down" xmlUrl="{}"/></body></opml>"#,
        server.url("/feed.xml")
    );
    let feed = engine.import_opml(&opml).unwrap().added.remove(0);
    engine
        .set_feed_full_text(feed.id, FullTextMode::Always)
        .unwrap();
    engine.poll_all().await.unwrap();
    let hits = || {
        (0..5)
            .map(|i| host.hits(&format!("/down/{i}")))
            .sum::<usize>()
    };

    let trips = wirewatch::full_text::SITE_TRIPS as usize;
    let first = engine.fetch_full_texts().await.unwrap();
    assert_eq!(first.put_off, 5, "every page waits for another try");
    assert!(
        (trips..=trips + 1).contains(&hits()),
        "{} failures in a row pause the site (two pages at a time): {} requests",
        trips,
        hits()
    );
    let paused = hits();
    clock.advance(wirewatch::full_text::BACKOFF[0]);
    engine.fetch_full_texts().await.unwrap();
    assert_eq!(hits(), paused, "a paused site gets no retries");

    // Pause after pause, every page gets its tries and no more, then is given up.
    let mut rounds = 0;
    while engine.next_full_text_due().unwrap().is_some() {
        rounds += 1;
        assert!(rounds < 50, "the queue empties");
        clock.advance(wirewatch::full_text::SITE_PAUSE);
        engine.fetch_full_texts().await.unwrap();
    }
    clock.advance(Duration::from_secs(24 * 3600));
    assert_eq!(engine.fetch_full_texts().await.unwrap(), Default::default());
    assert_eq!(
        hits(),
        5 * wirewatch::full_text::TRIES as usize,
        "each page is tried {} times, no more",
        wirewatch::full_text::TRIES
    );
    let page = engine.articles(&ArticleQuery::default()).unwrap();
    for summary in page.articles {
        let a = engine.article(summary.id).unwrap();
        assert_eq!(a.full_text_status, FullTextStatus::Failed);
        assert!(
            a.full_text_note
                .as_deref()
                .is_some_and(|n| n.contains("after 3 tries (HTTP 500)")),
            "{:?}",
            a.full_text_note
        );
        assert_eq!(a.text, "Short.", "the summary stays");
    }
    assert_eq!(host.hits("/robots.txt"), 1, "robots.txt once for the site");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sites_crawl_delay_spaces_its_page_fetches_up_to_a_cap() {
    let host = FeedHost::default();
    let server = host.start().await;
    let items: Vec<Item> = (0..3)
        .map(|i| {
            let path = format!("/slow/{i}");
            host.set(
                &path,
                html(&page(
                    &format!("Story {i}"),
                    "Hydrographers joined the talks.",
                )),
            );
            Item {
                link: server.url(&path),
                ..Item::new(&format!("slow{i}"), &format!("Story {i}"), "Short.")
            }
        })
        .collect();
    host.set("/feed.xml", Doc::feed(rss("Slow", &items)));
    // Ten seconds between fetches for everyone, and an hour asked of Wirewatch alone.
    host.set(
        "/robots.txt",
        Doc::status(
            200,
            "text/plain",
            "User-agent: *\nCrawl-delay: 10\n\nUser-agent: Wirewatch\nCrawl-delay: 3600\nAllow: /\n",
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let (engine, clock) = HandClock::engine(dir.path(), "2026-05-10T12:00:00Z");
    poll_with_full_text(&engine, "Slow", &server.url("/feed.xml")).await;
    let hits = || {
        (0..3)
            .map(|i| host.hits(&format!("/slow/{i}")))
            .sum::<usize>()
    };

    let first = engine.fetch_full_texts().await.unwrap();
    assert_eq!(hits(), 1, "one page, then the site's gap");
    assert_eq!((first.fetched, first.put_off), (1, 2), "{first:?}");
    clock.advance(Duration::from_secs(29));
    engine.fetch_full_texts().await.unwrap();
    assert_eq!(hits(), 1, "the gap holds until it ends");
    clock.advance(Duration::from_secs(1));
    engine.fetch_full_texts().await.unwrap();
    assert_eq!(hits(), 2, "an hour asked for is kept to thirty seconds");
    clock.advance(wirewatch::full_text::robots::MAX_CRAWL_DELAY);
    engine.fetch_full_texts().await.unwrap();
    assert_eq!(hits(), 3);
    let page = engine.articles(&ArticleQuery::default()).unwrap();
    for summary in page.articles {
        let a = engine.article(summary.id).unwrap();
        assert_eq!(
            a.full_text_status,
            FullTextStatus::Fetched,
            "waiting for a turn is no failed try"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_the_pages_queued_together_the_newest_article_s_comes_first() {
    // A site that takes one page at a time: the newest report's full text is the one a
    // monitor wants first, whatever order the writer stored the feed's entries in.
    let host = FeedHost::default();
    let server = host.start().await;
    let times = [
        "Sat, 10 May 2025 11:00:00 +0000",
        "Sat, 10 May 2025 10:00:00 +0000",
        "Sat, 10 May 2025 09:00:00 +0000",
    ];
    let items: Vec<Item> = times
        .iter()
        .enumerate()
        .map(|(i, published)| {
            let path = format!("/report/{i}");
            host.set(
                &path,
                html(&page(
                    &format!("Report {i}"),
                    "Hydrographers joined the talks.",
                )),
            );
            Item {
                link: server.url(&path),
                published: published.to_string(),
                ..Item::new(&format!("report{i}"), &format!("Report {i}"), "Short.")
            }
        })
        .collect();
    // The feed lists its newest first, as feeds do.
    host.set("/feed.xml", Doc::feed(rss("Reports", &items)));
    host.set(
        "/robots.txt",
        Doc::status(200, "text/plain", "User-agent: *\nCrawl-delay: 10\n"),
    );
    let dir = tempfile::tempdir().unwrap();
    let (engine, clock) = HandClock::engine(dir.path(), "2025-05-10T12:00:00Z");
    poll_with_full_text(&engine, "Reports", &server.url("/feed.xml")).await;
    let fetched = || {
        (0..3)
            .map(|i| host.hits(&format!("/report/{i}")))
            .collect::<Vec<usize>>()
    };
    engine.fetch_full_texts().await.unwrap();
    assert_eq!(fetched(), [1, 0, 0], "the newest report's page first");
    clock.advance(Duration::from_secs(10));
    engine.fetch_full_texts().await.unwrap();
    assert_eq!(fetched(), [1, 1, 0], "then the next newest");
}

#[tokio::test]
async fn the_starter_pack_leaves_every_feed_to_decide_by_its_entries() {
    let dir = tempfile::tempdir().unwrap();
    let engine = crate::support::engine(dir.path());
    engine.add_starter_pack().unwrap();
    let feeds = engine.feeds().unwrap();
    assert!(feeds.len() > 20);
    assert!(
        feeds.iter().all(|f| f.full_text == FullTextMode::Auto),
        "teasers get their page, whole stories do not (see full_text::teaser)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_sets_a_feeds_full_text_and_lists_it() {
    let host = FeedHost::default();
    host.set("/feed.xml", Doc::feed(rss("Frontier", &[])));
    let server = host.start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wirewatch"))
            .args(args)
            .env("WIREWATCH_DB", &db)
            .env_remove("WIREWATCH_LOG")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let url = server.url("/feed.xml");
    let opml = dir.path().join("f.opml");
    std::fs::write(
        &opml,
        format!(
            r#"<opml version="2.0"><head/><body><outline text="F" xmlUrl="{url}"/></body></opml>"#
        ),
    )
    .unwrap();
    run(&["import", opml.to_str().unwrap()]);
    let listed: serde_json::Value =
        serde_json::from_str(&run(&["feed", "list", "--json"])).unwrap();
    assert_eq!(listed[0]["full_text"], "auto", "the default");
    let set = run(&["feed", "set", &url, "--full-text", "never"]);
    assert!(set.contains("full text never"), "{set}");
    let set: serde_json::Value = serde_json::from_str(&run(&[
        "feed",
        "set",
        "1",
        "--full-text",
        "always",
        "--json",
    ]))
    .unwrap();
    assert_eq!(set["full_text"], "always", "by id too");
    let listed: serde_json::Value =
        serde_json::from_str(&run(&["feed", "list", "--json"])).unwrap();
    assert_eq!(listed[0]["full_text"], "always");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_that_alerted_on_one_outlets_summary_does_not_alert_again_on_anothers_page() {
    // Two outlets carry one story; the first's summary names the ceasefire, the second's
    // does not, but its page does.
    let story = "India and Pakistan agreed to hold the ceasefire along the Line of Control, \
                 military officials from both sides said after a hotline call on Monday.";
    let site = Site::new(
        &[(
            "/first/story",
            "Ceasefire holds along the Line of Control",
            story,
        )],
        FullTextMode::Never,
    )
    .await;
    site.engine
        .add_rule(&RuleDraft {
            name: "Ceasefire".into(),
            query: "ceasefire".into(),
            scope: RuleScope::default(),
            notify: true,
            muted: false,
            renotify_outlets: None,
        })
        .unwrap();
    assert_eq!(site.engine.poll_all().await.unwrap().alerts, 1);

    let second = story.replace("the ceasefire", "the truce agreement");
    let items = [Item {
        link: site.server.url("/second/story"),
        ..Item::new("second", "Truce holds along the Line of Control", &second)
    }];
    site.host.set(
        "/second/story",
        html(&page("Truce holds", "The ceasefire was agreed on Monday.")),
    );
    let other = site.add_other_outlet("/second.xml", &items);
    site.engine
        .set_feed_full_text(other, FullTextMode::Always)
        .unwrap();
    assert_eq!(
        site.engine.poll_feeds(&[other]).await.unwrap().alerts,
        0,
        "the second outlet's own text does not match"
    );
    let first = site.article("/first/story").summary.id;
    let second = site.article("/second/story").summary.id;
    assert_eq!(
        site.engine.story_of_article(first).unwrap().id,
        site.engine.story_of_article(second).unwrap().id,
        "the premise: one story through two outlets"
    );

    let done = site.engine.fetch_full_texts().await.unwrap();
    assert_eq!(done.fetched, 1);
    assert_eq!(
        site.engine
            .article_matches(second, "ceasefire")
            .unwrap()
            .iter()
            .filter(|m| m.field == Field::FullText)
            .count(),
        1,
        "the second outlet's page matches the rule"
    );
    assert_eq!(done.alerts, 0, "but its story alerted already");
    assert_eq!(site.engine.alerts(&Default::default()).unwrap().len(), 1);
}

#[tokio::test]
async fn an_article_page_is_asked_for_as_html_and_a_feed_as_a_feed() {
    let accepts = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let router = axum::Router::new().fallback({
        let accepts = accepts.clone();
        move |headers: axum::http::HeaderMap| {
            let accepts = accepts.clone();
            async move {
                let accept = headers
                    .get(axum::http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                accepts.lock().unwrap().push(accept);
                "ok"
            }
        }
    });
    let server = TestServer::start(router).await;
    let dir = tempfile::tempdir().unwrap();
    let fetcher = wirewatch::fetch::Fetcher::new(&crate::support::test_config(dir.path())).unwrap();
    fetcher.fetch_page(&server.url("/page")).await.unwrap();
    fetcher
        .fetch(&server.url("/feed"), &Default::default())
        .await
        .unwrap();
    let accepts = accepts.lock().unwrap().clone();
    assert!(accepts[0].starts_with("text/html"), "{}", accepts[0]);
    assert!(
        accepts[1].starts_with("application/rss+xml"),
        "{}",
        accepts[1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_loop_fetches_pages_after_each_poll_by_itself() {
    let site = Site::new(
        &[("/world/talks", "Talks resume in the capital", TEASER)],
        FullTextMode::Auto,
    )
    .await;
    site.host.set(
        "/world/talks",
        html(&page(
            "Talks resume in the capital",
            "Hydrographers joined.",
        )),
    );
    let mut events = site.engine.events().subscribe();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn({
        let (engine, shutdown) = (site.engine.clone(), shutdown.clone());
        async move { engine.run(shutdown).await }
    });
    let arrived = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Ok(EngineEvent::FullText { status, .. }) = events.recv().await {
                return status;
            }
        }
    })
    .await
    .expect("the full text arrives without being asked for");
    assert_eq!(arrived, FullTextStatus::Fetched);
    assert!(site.article("/world/talks").full_text.is_some());
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(20), running)
        .await
        .expect("both loops stop on shutdown")
        .unwrap()
        .unwrap();
}

/// Regression: alerts raised when a full text arrives were left out of the spike counts, so a
/// surge seen only in articles' bodies never spiked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_raised_by_full_texts_count_towards_a_spike() {
    use chrono::{Duration as Days, Utc};
    use wirewatch::spike::Sensitivity;
    let ago = |minutes: i64| (Utc::now() - Days::minutes(minutes)).to_rfc2822();
    let site = Site::new(&[], FullTextMode::Always).await;
    // Two weeks of about three ceasefire stories in this hour of each day, from a feed whose
    // own text is enough.
    let mut history = Vec::new();
    for day in 1..=14 {
        for k in 0..3 {
            history.push(Item {
                published: ago(day * 24 * 60 + 10 + k * 7),
                ..Item::new(
                    &format!("h{day}-{k}"),
                    &format!("Ceasefire monitors report from sector {day}-{k}"),
                    "Reported by our correspondents.",
                )
            });
        }
    }
    site.host
        .set("/history.xml", Doc::feed(rss("Archive", &history)));
    let opml = format!(
        r#"<opml version="2.0"><body><outline text="Archive" xmlUrl="{}" fullText="never"/></body></opml>"#,
        site.server.url("/history.xml")
    );
    site.engine.import_opml(&opml).unwrap();
    site.engine.poll_all().await.unwrap();
    let rule = site
        .engine
        .add_rule(&RuleDraft {
            name: "South Asia ceasefire".into(),
            query: "ceasefire".into(),
            scope: RuleScope::default(),
            notify: true,
            muted: false,
            renotify_outlets: None,
        })
        .unwrap();
    site.engine
        .set_rule_spikes(rule.id, Some(Sensitivity::Medium), None)
        .unwrap();

    // Thirty teasers in the last half hour whose pages alone name the ceasefire.
    let burst: Vec<Item> = (0..30)
        .map(|k| {
            let path = format!("/world/sector-{k}");
            site.host.set(
                &path,
                html(&page(
                    &format!("Shelling resumes in sector {k}"),
                    "The ceasefire collapsed overnight.",
                )),
            );
            Item {
                link: site.server.url(&path),
                published: ago(1 + k),
                ..Item::new(
                    &format!("b{k}"),
                    &format!("Shelling resumes in sector {k}"),
                    "Trucks moved.",
                )
            }
        })
        .collect();
    site.host
        .set("/feed.xml", Doc::feed(rss("The Frontier Post", &burst)));
    let polled = site.engine.poll_all().await.unwrap();
    assert_eq!(polled.alerts, 0, "the teasers do not match");
    let done = site.engine.fetch_full_texts().await.unwrap();
    assert_eq!(done.alerts, 30, "every page matches");

    let mut events = site.engine.events().subscribe();
    site.engine.poll_all().await.unwrap();
    let spikes: Vec<_> = std::iter::from_fn(|| events.try_recv().ok())
        .filter_map(|e| match e {
            EngineEvent::Spike { spike } => Some(spike),
            _ => None,
        })
        .collect();
    assert_eq!(
        spikes.len(),
        1,
        "the late alerts make the surge: {spikes:?}"
    );
    assert_eq!(
        spikes[0].message,
        "South Asia ceasefire: 30 stories in the last hour, usually about 3"
    );
}

/// A story placed from one outlet's teaser is weighed by that article's page once it is read
/// in full: another outlet that reports the event later, in words only the page had, joins the
/// story. Without the page (the feed set to `never`) it starts a story of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_text_lets_a_later_outlet_join_a_story_placed_from_a_teaser() {
    let details = "Foreign Minister Ishaq Dar and Amir Khan Muttaqi agreed on a joint commission \
                   for the Torkham and Chaman crossings, shut since 12 October; Majed al-Ansari \
                   said the next round in Doha is set for 14 June.";
    for read_in_full in [false, true] {
        let mode = if read_in_full {
            FullTextMode::Always
        } else {
            FullTextMode::Never
        };
        let site = Site::new(
            &[(
                "/doha/talks",
                "Talks resume in Doha",
                "Envoys met on Sunday.",
            )],
            mode,
        )
        .await;
        site.host
            .set("/doha/talks", html(&page("Talks resume in Doha", details)));
        site.engine.poll_all().await.unwrap();
        if read_in_full {
            assert_eq!(site.engine.fetch_full_texts().await.unwrap().fetched, 1);
        }

        let later = "Ishaq Dar and Amir Khan Muttaqi agreed a commission for the Torkham and \
                     Chaman crossings, shut since 12 October; Majed al-Ansari said the next \
                     round is on 14 June.";
        let items = [Item {
            link: site.server.url("/other/commission"),
            ..Item::new(
                "commission",
                "Dar and Muttaqi agree Torkham and Chaman commission",
                later,
            )
        }];
        let other = site.add_other_outlet("/other.xml", &items);
        site.engine.poll_feeds(&[other]).await.unwrap();

        let first = site.article("/doha/talks").summary.id;
        let second = site.article("/other/commission").summary.id;
        let (a, b) = (
            site.engine.story_of_article(first).unwrap(),
            site.engine.story_of_article(second).unwrap(),
        );
        assert_eq!(
            a.id == b.id,
            read_in_full,
            "read in full {read_in_full}: one story for both outlets only with the page"
        );
        if read_in_full {
            assert_eq!(b.outlets.len(), 2, "the story names both outlets: {b:?}");
        }
    }
}
