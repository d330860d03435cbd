//! Finding the feeds a web page advertises, and telling pages from feeds. The pages are the
//! fixtures under `tests/fixtures/pages/`.

use crate::support::fixture;
use wirewatch::discover::{discover, looks_like_html};
use wirewatch::model::DiscoveredFeed;

fn feed(url: &str, title: Option<&str>, kind: &str) -> DiscoveredFeed {
    DiscoveredFeed {
        url: url.to_string(),
        title: title.map(String::from),
        kind: kind.to_string(),
    }
}

#[test]
fn a_page_with_one_feed_yields_it_with_its_title_and_type() {
    let feeds = discover(
        &fixture("pages/page-one-feed.html"),
        Some("text/html; charset=utf-8"),
        "https://southasiawire.example.com/",
    );
    assert_eq!(
        feeds,
        vec![feed(
            "https://southasiawire.example.com/feed.xml",
            Some("South Asia Wire – Top Stories"),
            "application/rss+xml"
        )],
        "only the RSS alternate; hreflang alternates, canonical and stylesheets are not feeds"
    );
}

#[test]
fn several_feeds_come_in_page_order_without_duplicates_or_non_feed_alternates() {
    let feeds = discover(
        &fixture("pages/page-several-feeds.html"),
        Some("text/html"),
        "https://frontier.example.com/kashmir/index.html",
    );
    assert_eq!(
        feeds,
        vec![
            feed("https://frontier.example.com/feeds/all.rss", Some("Frontier Review: all stories"), "application/rss+xml"),
            feed("https://frontier.example.com/kashmir/feeds/kashmir.atom", Some("Frontier Review: Kashmir"), "application/atom+xml"),
            feed("https://frontier.example.com/feeds/all.json", Some("Frontier Review (JSON Feed)"), "application/feed+json"),
            feed("https://frontier.example.com/feeds/comments.rss", Some("Comments"), "application/rss+xml"),
            feed("https://frontier.example.com/feeds/legacy.rdf", None, "application/rdf+xml"),
            feed("https://frontier.example.com/feeds/ladakh.atom", Some("Frontier Review: Ladakh"), "application/atom+xml"),
        ],
        "rel is a case-insensitive token list, types are normalised, the absolute duplicate of all.rss, \
         REST-API JSON, hreflang, stylesheet, text/html and javascript: alternates are left out"
    );
}

#[test]
fn relative_hrefs_resolve_against_the_base_href_and_the_page_url() {
    let feeds = discover(
        &fixture("pages/page-base-href.html"),
        None,
        "https://indus-markets.example.com/markets/today.html",
    );
    let urls: Vec<&str> = feeds.iter().map(|f| f.url.as_str()).collect();
    assert_eq!(
        urls,
        vec![
            "https://indus-markets.example.com/mirror/south-asia/feed.xml",
            "https://indus-markets.example.com/mirror/atom/markets.xml",
            "https://cdn.example.net/feeds/markets.rss",
            "http://indus-markets.example.com/legacy.rss",
        ],
        "first <base href> (itself relative to the page) is the base; protocol-relative and feed: hrefs are absolute"
    );
    assert_eq!(
        feeds[0].title.as_deref(),
        Some("Markets (RSS)"),
        "title kept"
    );
}

#[test]
fn a_page_without_feeds_yields_nothing() {
    let feeds = discover(
        &fixture("pages/page-no-feed.html"),
        Some("text/html"),
        "http://harbour.example.net/about",
    );
    assert!(
        feeds.is_empty(),
        "no feeds, not even from escaped markup in the text: {feeds:?}"
    );
}

#[test]
fn a_windows_1252_page_declared_by_meta_gives_titles_with_the_right_quotes() {
    let feeds = discover(
        &fixture("pages/page-windows-1252-meta.html"),
        Some("text/html"),
        "https://bazaar.example.com/",
    );
    assert_eq!(
        feeds,
        vec![feed(
            "https://bazaar.example.com/feed",
            Some("Lahore Bazaar Notes – “Prices & People”"),
            "application/rss+xml"
        )],
        "charset from <meta http-equiv>"
    );
}

#[test]
fn a_feed_document_advertises_no_feeds() {
    let feeds = discover(
        &fixture("feeds/rss2-utf8.xml"),
        Some("application/rss+xml"),
        "https://southasiawire.example.com/feed.xml",
    );
    assert!(
        feeds.is_empty(),
        "a feed is not a page that links to feeds: {feeds:?}"
    );
}

#[test]
fn web_pages_look_like_html_by_content_type_or_by_markup() {
    let page = fixture("pages/page-one-feed.html");
    assert!(
        looks_like_html(&page, Some("text/html; charset=utf-8")),
        "text/html page"
    );
    assert!(
        looks_like_html(&page, None),
        "<!DOCTYPE html> without a content type"
    );
    assert!(
        looks_like_html(&page, Some("application/rss+xml")),
        "markup wins over a wrong feed type"
    );
    assert!(
        looks_like_html(
            b"\n  <html><body>Maintenance</body></html>",
            Some("application/xml")
        ),
        "<html> first"
    );
    assert!(
        looks_like_html(b"<head><title>x</title></head>", None),
        "<head> first"
    );
    assert!(looks_like_html(b"<body>x</body>", None), "<body> first");
    assert!(
        looks_like_html(b"<?xml version=\"1.0\"?>\n<!-- page -->\n<html xmlns=\"http://www.w3.org/1999/xhtml\"></html>", None),
        "XHTML after a declaration and a comment"
    );
    assert!(
        looks_like_html(b"Service unavailable", Some("text/html")),
        "text/html with no markup"
    );
}

#[test]
fn feeds_never_look_like_html_even_when_served_as_text_html() {
    for name in [
        "feeds/rss2-utf8.xml",
        "feeds/rss091.xml",
        "feeds/rss1-rdf.xml",
        "feeds/atom1-xml-base.xml",
        "feeds/atom03.xml",
        "feeds/jsonfeed-1.1.json",
        "feeds/rss2-utf-16le-bom.xml",
        "feeds/rss2-junk-before-declaration.xml",
        "feeds/rss2-hostile-html.xml",
    ] {
        assert!(
            !looks_like_html(&fixture(name), Some("text/html; charset=utf-8")),
            "{name} served as text/html is a feed"
        );
    }
    assert!(!looks_like_html(b"<rss version=\"2.0\"><channel><description>&lt;html&gt;</description></channel></rss>", None), "escaped html in a feed");
    assert!(
        !looks_like_html(b"Service unavailable", Some("text/plain")),
        "plain text is not HTML"
    );
}
