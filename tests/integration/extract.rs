//! Full text: `wirewatch extract` and the fetch-and-extract path against pages served on
//! loopback, as a news site would serve them.

use crate::support::{Doc, FeedHost};
use std::process::{Command, Output};

/// A news article page with the site around it: menu, related stories, newsletter box, footer.
const ARTICLE: &str = r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Flood defences hold as river peaks in Sukkur | The Indus Daily</title>
<meta property="og:title" content="Flood defences hold as river peaks in Sukkur">
<meta property="og:image" content="https://indus.example.com/img/sukkur-barrage.jpg">
<meta name="author" content="Bilal Ahmed">
<meta property="article:published_time" content="2026-08-14T06:15:00Z">
<script>var ads = [];</script></head>
<body>
<nav><a href="/">Home</a> <a href="/sindh">Sindh</a> <a href="/national">National</a> <a href="/weather">Weather</a></nav>
<article>
<h1>Flood defences hold as river peaks in Sukkur</h1>
<p class="byline">By Bilal Ahmed</p>
<p>The Indus crested at Sukkur Barrage on Thursday night without breaching the embankments that
engineers had spent the week reinforcing, irrigation officials said.</p>
<p>Flows peaked at just over six hundred thousand cusecs shortly before midnight, the highest this
season, before easing slowly through the early hours of Friday.</p>
<div class="related"><h3>Related stories</h3><ul><li><a href="/a">Evacuations ordered in low-lying districts</a></li>
<li><a href="/b">Monsoon rains to continue, forecasters say</a></li></ul></div>
<p>Teams stationed along the left bank worked through the night to plug seepage at two points
near the barrage, and the provincial disaster authority kept boats and pumps on standby.</p>
<p>Residents of riverine villages who had moved to relief camps were told not to return until the
authorities declare the water has receded to safe levels.</p>
<div class="newsletter"><p>Sign up for our morning newsletter to get the day's headlines.</p>
<form><input type="email"><button>Subscribe</button></form></div>
<p>The next flood wave is expected at Kotri Barrage early next week, officials added.</p>
</article>
<footer><p>© 2026 The Indus Daily. All rights reserved.</p></footer>
<img src="https://stats.indus.example.com/hit.gif" width="1" height="1">
</body></html>
"##;

fn wirewatch(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    Command::new(env!("CARGO_BIN_EXE_wirewatch"))
        .args(args)
        .env("WIREWATCH_DB", dir.path().join("unused.db"))
        .env_remove("WIREWATCH_LOG")
        .output()
        .expect("run wirewatch")
}

fn html(body: &str) -> Doc {
    Doc::status(200, "text/html; charset=utf-8", body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_json_reports_the_story_of_a_served_page() {
    let host = FeedHost::default();
    host.set("/sindh/2026/08/flood-defences-hold", html(ARTICLE));
    // A short link that redirects, as sites and feed proxies do.
    host.set(
        "/s/42",
        Doc::redirect(301, "/sindh/2026/08/flood-defences-hold"),
    );
    let server = host.start().await;

    let out = wirewatch(&["extract", &server.url("/s/42"), "--json"]);
    assert!(
        out.status.success(),
        "extract failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");

    assert_eq!(
        json["url"],
        server.url("/sindh/2026/08/flood-defences-hold"),
        "the page's own address, after the redirect"
    );
    assert_eq!(
        json["title"],
        "Flood defences hold as river peaks in Sukkur"
    );
    assert_eq!(json["byline"], "Bilal Ahmed");
    assert_eq!(json["published"], "2026-08-14T06:15:00Z");
    assert_eq!(json["lang"], "en");
    assert_eq!(
        json["image"],
        "https://indus.example.com/img/sukkur-barrage.jpg"
    );

    let text = json["text"].as_str().expect("text");
    assert!(
        text.contains("The Indus crested at Sukkur Barrage"),
        "the story's first paragraph: {text}"
    );
    assert!(
        !text.contains("river peaks in Sukkur"),
        "the headline is the title, not text: {text}"
    );
    assert!(
        text.contains("\n\nFlows peaked at just over six hundred thousand cusecs"),
        "{text}"
    );
    assert!(text.ends_with("officials added."), "the story last: {text}");
    for noise in [
        "Weather",
        "Related stories",
        "Evacuations ordered",
        "newsletter",
        "All rights reserved",
    ] {
        assert!(!text.contains(noise), "{noise:?} is not story: {text}");
    }
    let words = json["words"].as_u64().expect("words");
    assert!(
        (100..200).contains(&words),
        "about 130 words of story: {words}"
    );

    let html = json["html"].as_str().expect("html");
    assert!(html.contains("<p>The Indus crested"), "{html}");
    assert!(
        !html.contains("<script") && !html.contains("hit.gif") && !html.contains("<form"),
        "{html}"
    );
    assert_eq!(host.hits("/s/42"), 1, "one request per hop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_prints_the_text_without_json() {
    let host = FeedHost::default();
    host.set("/story", html(ARTICLE));
    let server = host.start().await;
    let out = wirewatch(&["extract", &server.url("/story")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        printed.starts_with("Title:    Flood defences hold"),
        "a header first: {printed}"
    );
    assert!(printed.contains("By:       Bilal Ahmed"), "{printed}");
    assert!(
        printed.contains("\n\nThe Indus crested at Sukkur Barrage"),
        "then the text: {printed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_charset_from_the_header_is_decoded() {
    let page = ARTICLE.replace("<meta charset=\"utf-8\">", "").replace(
        "The Indus crested",
        "Caf\u{e9} owners on the \u{201c}bund\u{201d} said the Indus crested",
    );
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&page);
    let host = FeedHost::default();
    host.set(
        "/story",
        Doc {
            body: bytes.into_owned(),
            ..Doc::status(200, "text/html; charset=windows-1252", "")
        },
    );
    let server = host.start().await;
    let out = wirewatch(&["extract", &server.url("/story"), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let text = json["text"].as_str().expect("text");
    assert!(
        text.contains("Caf\u{e9} owners on the \u{201c}bund\u{201d}"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pdf_or_a_missing_page_is_one_clear_error() {
    let host = FeedHost::default();
    host.set(
        "/report.pdf",
        Doc::status(200, "application/pdf", "%PDF-1.7 ..."),
    );
    let server = host.start().await;
    for (path, says) in [("/report.pdf", "not a web page"), ("/gone", "HTTP 404")] {
        let out = wirewatch(&["extract", &server.url(path), "--json"]);
        assert!(!out.status.success(), "{path} has no article");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("wirewatch: error: ") && err.contains(says),
            "{path}: {err}"
        );
        assert!(out.stdout.is_empty(), "nothing on stdout for {path}");
    }
}

#[tokio::test]
async fn fetch_and_extract_gives_typed_errors() {
    let host = FeedHost::default();
    host.set("/shell", html("<html><head><title>Loading</title></head><body><div id=app></div><script>boot()</script></body></html>"));
    let server = host.start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let fetcher =
        wirewatch::fetch::Fetcher::new(&crate::support::test_config(dir.path())).expect("fetcher");
    let shell = wirewatch::extract::fetch_and_extract(&fetcher, &server.url("/shell")).await;
    assert_eq!(shell.expect_err("a script-only page").code(), "no_content");
    let missing = wirewatch::extract::fetch_and_extract(&fetcher, &server.url("/none")).await;
    assert_eq!(missing.expect_err("a 404").code(), "http_status");
}
