//! Full text in the real app: a feed that gives only teasers has its articles read from their
//! own pages, the reader shows the full article with a switch back to the summary, a page
//! behind a login wall says so, and the per-feed setting is saved.

use wirewatch_e2e::{App, FeedServer};

const RSS: &str = "application/rss+xml; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// An RSS feed of two teasers whose links lead to pages on `server`.
fn teasers(server: &FeedServer) -> String {
    let item = |id: &str, title: &str, teaser: &str| {
        format!(
            "<item><guid isPermaLink=\"false\">{id}</guid><title>{title}</title>\
             <link>{}</link><description>{teaser}</description></item>",
            server.url(&format!("/news/{id}.html"))
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
         <title>Frontier Brief</title><link>{}</link><description>Teasers</description>{}{}\
         </channel></rss>",
        server.url("/"),
        item(
            "talks",
            "Hotline talks set for Friday",
            "Officers will speak again..."
        ),
        item(
            "budget",
            "Senate committee hears budget plans",
            "Members asked about allocations..."
        ),
    )
}

const ARTICLE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Hotline talks set for Friday</title><meta name=\"author\" content=\"Baqir Sajjad Syed\"></head>\
<body><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav><main><article>\
<h1>Hotline talks set for Friday</h1>\
<p>Officers of both armies will speak again on Friday over the hotline between the directors general of military operations, the third call in a month.</p>\
<p>Foreign Minister Ishaq Dar told the Senate that the understanding along the Line of Control had held, and that both sides had agreed to keep the channel open every week.</p>\
<p>In the Neelum valley, teachers said schools shut by shelling last year had reopened, and families were repairing homes that had stood empty since the summer.</p>\
</article></main><script>window.__page_script = 1</script></body></html>";

const LOGIN_WALL: &str = "<!doctype html><html><head><title>Sign in</title></head><body>\
<h1>Subscribers only</h1><form action=\"/login\" method=\"post\">\
<input type=\"email\" name=\"email\"><input type=\"password\" name=\"password\"><button>Sign in</button>\
</form></body></html>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teaser_is_read_in_full_and_a_login_wall_is_named() {
    let server = FeedServer::start().await;
    server.set("/brief.xml", RSS, teasers(&server));
    server.set("/news/talks.html", HTML, ARTICLE);
    server.set("/news/budget.html", HTML, LOGIN_WALL);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("full-text.db");
    let app = App::launch(&db).await;
    app.click("start-empty").await;
    app.click("nav-feeds").await;
    app.type_into("feed-url-input", &server.url("/brief.xml"))
        .await;
    app.click("add-feed-button").await;
    app.find_text("feed-row", "Frontier Brief").await;
    let mode = app.find("feed-full-text").await;
    assert_eq!(
        mode.prop("value").await.unwrap().as_deref(),
        Some("auto"),
        "a new feed's full text is on Auto"
    );

    app.click("nav-articles").await;
    let row = app
        .find_text("article-row", "Hotline talks set for Friday")
        .await;
    app.click_el(&row).await;
    // The page is fetched after the poll stored the teaser: the reader follows live.
    let body = app.find("reader-body").await;
    app.until("the reader shows the full article", || async {
        body.text()
            .await
            .unwrap_or_default()
            .contains("Neelum valley")
    })
    .await;
    let meta = app
        .find("reader-full-text-meta")
        .await
        .text()
        .await
        .unwrap();
    assert!(meta.contains("words"), "words and reading time: {meta}");
    assert_eq!(
        app.js("return window.__page_script === undefined;").await,
        serde_json::Value::Bool(true),
        "the page's own script never ran"
    );
    app.screenshot("reader-full-text").await;
    app.click("reader-show-summary").await;
    app.until("the reader shows the feed's summary", || async {
        let text = body.text().await.unwrap_or_default();
        text.contains("Officers will speak again") && !text.contains("Neelum valley")
    })
    .await;

    let row = app
        .find_text("article-row", "Senate committee hears budget plans")
        .await;
    app.click_el(&row).await;
    let status = app.find_text("reader-full-text-status", "login wall").await;
    let line = status.text().await.unwrap();
    assert!(
        line.contains("showing the feed's summary"),
        "the summary stays: {line}"
    );
    app.find_text("reader-body", "Members asked about allocations")
        .await;

    // The per-feed setting is saved by the engine: the app reads it back after a restart.
    app.click("nav-feeds").await;
    app.js(
        "const s = document.querySelector('[data-testid=\"feed-full-text\"]');
         s.value = 'never'; s.dispatchEvent(new Event('change', { bubbles: true })); return null;",
    )
    .await;
    let mode = app.find("feed-full-text").await;
    app.until("the setting is saved", || async {
        mode.prop("disabled").await.ok().flatten().as_deref() != Some("true")
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    app.quit().await;

    let app = App::launch(&db).await;
    app.click("nav-feeds").await;
    app.find_text("feed-row", "Frontier Brief").await;
    let mode = app.find("feed-full-text").await;
    assert_eq!(
        mode.prop("value").await.unwrap().as_deref(),
        Some("never"),
        "the feed's full text stays Never after a restart"
    );
    app.quit().await;
}
