//! The real app, driven as a person would: subscribe, write a rule, get alerted live, search,
//! star, quit and come back — and hostile content that must not run.

use std::time::Duration;
use wirewatch_e2e::{rss, App, FeedServer, Story};

const RSS: &str = "application/rss+xml; charset=utf-8";

fn pakistan_desk(with_news: bool) -> String {
    let mut stories = vec![
        Story {
            id: "pk-markets",
            title: "Karachi stocks close higher as the rupee steadies",
            body: "<p>The benchmark index gained 1.2 per cent on Tuesday as the rupee held its ground against the dollar.</p>",
            hours_ago: 5,
        },
        Story {
            id: "pk-indus",
            title: "Islamabad hosts technical talks on sharing the Indus waters",
            body: "<p>Engineers from both countries met to review flows on the western rivers.</p>",
            hours_ago: 9,
        },
    ];
    if with_news {
        stories.insert(
            0,
            Story {
                id: "pk-loc",
                title: "Pakistan and India agree to extend the ceasefire along the Line of Control",
                body: "<p>Military officials said on Sunday that both sides would keep the ceasefire after a week without shelling in Kashmir.</p><p>Villagers near the Line of Control returned to their fields.</p>",
                hours_ago: 0,
            },
        );
    }
    rss("Indus Herald", &stories)
}

fn india_desk() -> String {
    rss(
        "Delhi Courier",
        &[
            Story {
                id: "in-monsoon",
                title: "Monsoon reaches Kerala two days early",
                body: "<p>The weather office said rains would cover the southern peninsula within a week.</p>",
                hours_ago: 3,
            },
            Story {
                id: "in-cricket",
                title: "Mumbai chase down 190 in a last-over thriller",
                body: "<p>A six off the final ball sealed the match at the Wankhede.</p>",
                hours_ago: 7,
            },
        ],
    )
}

fn asia_desk(with_news: bool) -> String {
    let mut stories = vec![Story {
        id: "as-rice",
        title: "Rice exports from Punjab rise on strong Gulf demand",
        body: "<p>Traders reported firm orders for basmati ahead of the season.</p>",
        hours_ago: 11,
    }];
    if with_news {
        stories.insert(
            0,
            Story {
                id: "as-china",
                title: "China backs an early ceasefire between Pakistan and India",
                body: "<p>Beijing's foreign minister said China supports a lasting ceasefire and is ready to play a constructive role.</p>",
                hours_ago: 1,
            },
        );
    }
    rss("Asia Desk", &stories)
}

async fn add_feed(app: &App, url: &str, title: &str) {
    app.type_into("feed-url-input", url).await;
    app.click("add-feed-button").await;
    app.find_text("feed-row", title).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_is_alerted_live_searches_stars_and_finds_the_star_after_a_restart() {
    let server = FeedServer::start().await;
    server.set("/pk.xml", RSS, pakistan_desk(false));
    server.set("/in.xml", RSS, india_desk());
    server.set("/asia.xml", RSS, asia_desk(false));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e2e.db");

    let app = App::launch(&db).await;
    app.find("starter-offer").await;
    app.screenshot("first-run").await;
    app.click("start-empty").await;

    app.click("nav-feeds").await;
    add_feed(&app, &server.url("/pk.xml"), "Indus Herald").await;
    add_feed(&app, &server.url("/in.xml"), "Delhi Courier").await;
    add_feed(&app, &server.url("/asia.xml"), "Asia Desk").await;

    // An invalid rule shows its error where it was typed and cannot be saved.
    app.click("nav-rules").await;
    app.click("new-rule").await;
    app.type_into("rule-name-input", "Broken").await;
    app.type_into("rule-query-input", "ceasefire AND (India OR Pakistan")
        .await;
    let error = app.find("query-error").await;
    assert!(
        error.text().await.unwrap().contains("never closed"),
        "the error says why"
    );
    let save = app.find("rule-save").await;
    app.until("save is disabled", || async {
        save.prop("disabled").await.ok().flatten().as_deref() == Some("true")
    })
    .await;
    app.screenshot("rule-error").await;
    app.click("rule-cancel").await;
    assert!(app.all("rule-row").await.is_empty(), "nothing was saved");

    app.click("new-rule").await;
    app.type_into("rule-name-input", "South Asia ceasefire")
        .await;
    app.type_into(
        "rule-query-input",
        "(ceasefire OR truce OR \"cease fire\") AND (India OR Pakistan OR Kashmir OR \"Line of Control\")",
    )
    .await;
    app.find("query-ok").await;
    app.find("rule-preview-count").await;
    let save = app.find("rule-save").await;
    app.until("save is enabled", || async {
        save.prop("disabled").await.ok().flatten().as_deref() != Some("true")
    })
    .await;
    app.click_el(&save).await;
    app.find_text("rule-row", "South Asia ceasefire").await;
    app.screenshot("rules").await;

    // News breaks: the alert appears in the open inbox without a reload.
    app.click("nav-alerts").await;
    app.find("alerts-empty").await;
    server.set("/pk.xml", RSS, pakistan_desk(true));
    server.set("/asia.xml", RSS, asia_desk(true));
    app.click("refresh-all").await;
    app.find_text("alert-row", "Line of Control").await;
    app.find_text("alert-row", "China backs an early ceasefire")
        .await;
    assert_eq!(
        app.all("alert-row").await.len(),
        2,
        "one alert per matching story"
    );
    app.find("unread-badge").await;
    app.screenshot("alerts").await;

    // Search finds it; star it in the reader.
    app.click("nav-articles").await;
    app.type_into("search-input", "\"line of control\" ceasefire")
        .await;
    let row = app.find_text("article-row", "Line of Control").await;
    app.until("the search narrows to the story", || async {
        app.all("article-row").await.len() == 1
    })
    .await;
    app.click_el(&row).await;
    app.find("reader").await;
    let title = app.find("reader-title").await.text().await.unwrap();
    assert!(title.contains("Line of Control"), "{title}");
    app.click("reader-star").await;
    let star = app.find("reader-star").await;
    app.until("the star is on", || async {
        star.attr("aria-pressed").await.ok().flatten().as_deref() == Some("true")
    })
    .await;
    app.screenshot("reader").await;
    app.click("nav-feeds").await;
    app.find_text("feed-row", "Asia Desk").await;
    app.screenshot("feeds").await;
    app.quit().await;

    // Relaunch on the same database: the star is still there.
    let app = App::launch(&db).await;
    app.click("nav-articles").await;
    app.click("filter-starred").await;
    let row = app.find_text("article-row", "Line of Control").await;
    app.until("only the starred story is listed", || async {
        app.all("article-row").await.len() == 1
    })
    .await;
    app.click_el(&row).await;
    let star = app.find("reader-star").await;
    assert_eq!(
        star.attr("aria-pressed").await.unwrap().as_deref(),
        Some("true"),
        "still starred"
    );
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_content_runs_no_script_and_loads_nothing_remote() {
    let server = FeedServer::start().await;
    let remote = |p: &str| server.url(p);
    let vectors = [
        format!("<p>Text</p><script>window.__xss=1</script><img src=\"{}\">", remote("/pixel.gif")),
        "<img src=\"x\" onerror=\"window.__xss=2\"><a href=\"javascript:window.__xss=3\">click</a>".to_string(),
        "<svg onload=\"window.__xss=4\"><script>window.__xss=5</script></svg>".to_string(),
        "<iframe srcdoc=\"&lt;script&gt;parent.__xss=6&lt;/script&gt;\"></iframe><div style=\"background:url(javascript:window.__xss=7)\">x</div>".to_string(),
        "<object data=\"data:text/html,&lt;script&gt;parent.__xss=8&lt;/script&gt;\"></object><meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__xss=9\">".to_string(),
        "<base href=\"javascript:window.__xss=10//\"><form action=\"javascript:window.__xss=11\"><button>go</button></form><img src=x onerror=window.__xss=12".to_string(),
        format!(
            "<a href=\"jav&#x09;ascript:window.__xss=13\">t</a><script src=\"{}\"></script><link rel=\"stylesheet\" href=\"{}\">",
            remote("/evil.js"),
            remote("/evil.css")
        ),
    ];
    let titles: Vec<String> = (0..vectors.len())
        .map(|i| format!("<img src=x onerror=window.__xss=20>Hostile story {i}"))
        .collect();
    let stories: Vec<Story> = vectors
        .iter()
        .zip(&titles)
        .enumerate()
        .map(|(i, (body, title))| Story {
            id: Box::leak(format!("x{i}").into_boxed_str()),
            title,
            body,
            hours_ago: i as i64,
        })
        .collect();
    server.set("/hostile.xml", RSS, rss("Hostile", &stories));
    server.set("/pixel.gif", "image/gif", b"GIF89a".to_vec());

    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(&dir.path().join("hostile.db")).await;
    app.click("start-empty").await;
    app.click("nav-feeds").await;
    add_feed(&app, &server.url("/hostile.xml"), "Hostile").await;
    app.click("nav-articles").await;
    app.find_text("article-row", "Hostile story 0").await;
    for i in 0..vectors.len() {
        let row = app
            .find_text("article-row", &format!("Hostile story {i}"))
            .await;
        app.click_el(&row).await;
        let wanted = format!("Hostile story {i}");
        app.until("the reader shows the story", || async {
            app.find("reader-title")
                .await
                .text()
                .await
                .unwrap_or_default()
                .contains(&wanted)
        })
        .await;
        let body = app.find("reader-body").await;
        let html = body.html(true).await.unwrap();
        for forbidden in [
            "<script",
            "<iframe",
            "<object",
            "onerror",
            "onload",
            "javascript:",
            "<form",
            "<base",
        ] {
            assert!(
                !html.to_lowercase().contains(forbidden),
                "story {i}: {forbidden} reached the page: {html}"
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            app.js("return window.__xss === undefined;").await,
            serde_json::Value::Bool(true),
            "story {i} ran script"
        );
    }
    let title = app.find("reader-title").await.text().await.unwrap();
    assert!(
        title.contains("Hostile story") && !title.contains('<'),
        "titles are plain text: {title}"
    );
    assert_eq!(
        server.hits("/evil.js") + server.hits("/evil.css"),
        0,
        "no remote script or style was fetched"
    );
    // Open the story with the remote image: it is held back until the user agrees.
    let row = app.find_text("article-row", "Hostile story 0").await;
    app.click_el(&row).await;
    app.find("image-consent").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        server.hits("/pixel.gif"),
        0,
        "no remote image loaded without consent"
    );
    app.quit().await;
}
