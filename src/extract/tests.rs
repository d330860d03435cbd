//! Extraction of pages written for these tests: a news article with the furniture of a real
//! news site around it, and pages that have no article at all.

use super::*;

/// A news article as a newspaper's site serves it: navigation, breadcrumbs, a byline, a lead
/// photo with its caption, a "related stories" block and a newsletter box inside the story's
/// column, share buttons, a tracking pixel, a most-read list and a footer.
const NEWS_PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Ceasefire talks resume in Doha as envoys meet | The Frontier Post</title>
<meta property="og:title" content="Ceasefire talks resume in Doha as envoys meet">
<meta property="og:image" content="/images/2026/12/doha-talks.jpg">
<meta name="author" content="Amina Qureshi">
<meta property="article:published_time" content="2026-12-06T09:30:00+05:00">
<script type="application/ld+json">
{"@context":"https://schema.org","@type":"NewsArticle","headline":"Ceasefire talks resume in Doha as envoys meet",
 "datePublished":"2026-12-06T09:30:00+05:00","author":{"@type":"Person","name":"Amina Qureshi"},
 "image":"https://frontier.example.com/images/2026/12/doha-talks.jpg"}
</script>
<script>window.dataLayer = [{"section": "world"}];</script>
<style>.nav{display:flex}</style>
</head>
<body>
<header class="site-header">
  <nav class="main-nav"><ul>
    <li><a href="/">Home</a></li><li><a href="/pakistan">Pakistan</a></li><li><a href="/world">World</a></li>
    <li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li><li><a href="/opinion">Opinion</a></li>
  </ul></nav>
  <div class="breaking-ticker">Breaking: Markets close higher for the third day running</div>
</header>
<main>
<div class="breadcrumbs"><a href="/">Home</a> › <a href="/world">World</a></div>
<article class="story">
  <h1 class="story-title">Ceasefire talks resume in Doha as envoys meet</h1>
  <div class="byline">By <a href="/authors/amina-qureshi" rel="author">Amina Qureshi</a>
    · <time datetime="2026-12-06T09:30:00+05:00">December 6, 2026</time></div>
  <div class="share-bar"><a href="https://twitter.com/share">Share on X</a> <a href="https://facebook.com/share">Share on Facebook</a> <a href="#">Copy link</a></div>
  <figure class="lead-image">
    <img src="/images/2026/12/doha-talks.jpg" alt="Envoys at the talks" width="1200" height="675">
    <figcaption>Envoys arrive for the first round of talks at a hotel in Doha.</figcaption>
  </figure>
  <div class="story-body">
    <p>Envoys from both sides met in Doha on Saturday for the first direct ceasefire talks in
    almost a year, with mediators saying the sessions would continue through the weekend.</p>
    <p>Foreign Minister Ishaq Dar told reporters at the airport that his delegation had come
    with a clear mandate to secure a lasting truce along the border and the return of
    displaced families before the winter sets in.</p>
    <p>Qatari officials, who have hosted several rounds of indirect contacts since the spring,
    described the atmosphere in the first session as serious and businesslike, and said both
    delegations had agreed on an agenda for the coming days.</p>
    <aside class="related-stories">
      <h3>Related stories</h3>
      <ul>
        <li><a href="/world/2026/11/border-clashes">Border clashes displace thousands in the north</a></li>
        <li><a href="/world/2026/10/mediators">Mediators press for talks after months of stalemate</a></li>
        <li><a href="/world/2026/09/envoy">New envoy named to lead the negotiating team</a></li>
      </ul>
    </aside>
    <p>The talks follow weeks of shelling that killed dozens of civilians and forced thousands
    of families from villages on both sides of the frontier, according to aid agencies working
    in the area.</p>
    <p>Analysts in Islamabad cautioned that earlier rounds had broken down over the sequencing
    of troop withdrawals, and that any agreement would need guarantees from regional powers to
    hold.</p>
    <div class="newsletter-signup">
      <h4>Get the morning briefing</h4>
      <p>Sign up for our newsletter and get the day's top stories in your inbox every morning.</p>
      <form action="/subscribe"><input type="email" placeholder="Your email"><button>Subscribe</button></form>
    </div>
    <p>A second session is scheduled for Sunday morning, when the delegations are expected to
    discuss a monitoring mechanism and a timetable for prisoner exchanges.</p>
  </div>
  <img src="https://pixel.example-analytics.com/collect?id=story-99123" width="1" height="1" alt="">
  <div class="tags">Tags: <a href="/tags/doha">Doha</a> <a href="/tags/ceasefire">ceasefire</a></div>
</article>
<section class="most-read">
  <h2>Most read</h2>
  <ol>
    <li><a href="/a">Petrol price cut by Rs5 from Monday</a></li>
    <li><a href="/b">Heavy fog disrupts flights at Lahore airport</a></li>
    <li><a href="/c">Cricket board names squad for the home series</a></li>
  </ol>
</section>
</main>
<footer class="site-footer">
  <p>© 2026 The Frontier Post. All rights reserved.</p>
  <ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li><li><a href="/privacy">Privacy policy</a></li></ul>
</footer>
<script>trackPageView();</script>
</body>
</html>
"##;

fn url() -> Url {
    Url::parse("https://frontier.example.com/world/2026/12/ceasefire-talks-doha").expect("valid")
}

fn news() -> Extracted {
    extract(NEWS_PAGE, &url()).expect("the news page has an article")
}

#[test]
fn the_story_paragraphs_are_kept_in_order() {
    let page = news();
    let first = page
        .text
        .find("Envoys from both sides met in Doha")
        .expect("first paragraph");
    let dar = page
        .text
        .find("Ishaq Dar told reporters")
        .expect("second paragraph");
    let last = page
        .text
        .find("prisoner exchanges")
        .expect("last paragraph");
    assert!(
        first < dar && dar < last,
        "paragraphs in page order:\n{}",
        page.text
    );
    for middle in [
        "businesslike",
        "weeks of shelling",
        "sequencing of troop withdrawals",
    ] {
        assert!(
            page.text.contains(middle),
            "{middle:?} is story text:\n{}",
            page.text
        );
    }
}

#[test]
fn navigation_lists_and_the_footer_are_dropped() {
    let text = news().text;
    for noise in [
        "Business",
        "Breaking: Markets",
        "Most read",
        "Petrol price cut",
        "All rights reserved",
        "Privacy policy",
        "Share on Facebook",
    ] {
        assert!(
            !text.contains(noise),
            "{noise:?} is page furniture, not story:\n{text}"
        );
    }
}

#[test]
fn related_stories_and_the_newsletter_box_inside_the_story_are_dropped() {
    let text = news().text;
    for noise in [
        "Related stories",
        "Border clashes displace",
        "Sign up for our newsletter",
        "Subscribe",
    ] {
        assert!(
            !text.contains(noise),
            "{noise:?} sits in the story column but is not story:\n{text}"
        );
    }
}

#[test]
fn paragraphs_are_separated_by_blank_lines() {
    let text = news().text;
    let paragraphs: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(
        paragraphs.len(),
        6,
        "the six paragraphs of the story: {paragraphs:#?}"
    );
    assert!(
        paragraphs
            .iter()
            .all(|p| !p.contains('\n') && p.trim() == *p),
        "{paragraphs:#?}"
    );
}

#[test]
fn the_metadata_comes_from_the_page() {
    let page = news();
    assert_eq!(
        page.title.as_deref(),
        Some("Ceasefire talks resume in Doha as envoys meet")
    );
    assert_eq!(page.byline.as_deref(), Some("Amina Qureshi"));
    let published = page.published.expect("the page says when it was published");
    assert_eq!(
        published.date_naive().to_string(),
        "2026-12-06",
        "publication day"
    );
    assert_eq!(page.lang.as_deref(), Some("en"));
    assert_eq!(
        page.image.as_deref(),
        Some("https://frontier.example.com/images/2026/12/doha-talks.jpg"),
        "the lead image, absolute"
    );
    assert_eq!(page.url, url().as_str());
}

#[test]
fn the_words_count_the_text() {
    let page = news();
    assert_eq!(page.words, page.text.unicode_words().count());
    assert!(
        (180..400).contains(&page.words),
        "about 250 words of story: {}",
        page.words
    );
}

#[test]
fn the_html_is_sanitised_and_has_no_tracking_pixel() {
    let html = news().html;
    assert!(
        html.contains("Envoys from both sides met in Doha"),
        "{html}"
    );
    for banned in [
        "<script",
        "trackPageView",
        "<style",
        "<form",
        "<input",
        "onclick",
        "example-analytics",
    ] {
        assert!(
            !html.contains(banned),
            "{banned:?} must not reach the reader:\n{html}"
        );
    }
}

#[test]
fn bytes_in_a_legacy_charset_from_the_meta_are_decoded() {
    let page = NEWS_PAGE
        .replace(
            "<meta charset=\"utf-8\">",
            "<meta charset=\"windows-1252\">",
        )
        .replace(
            "Envoys from both sides",
            "Envoys from both sides \u{2014} caf\u{e9} talks \u{2014}",
        );
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&page);
    let found = extract_bytes(&bytes, Some("text/html"), &url()).expect("an article");
    assert!(
        found
            .text
            .contains("Envoys from both sides \u{2014} caf\u{e9} talks"),
        "{}",
        found.text
    );
}

#[test]
fn a_pdf_is_not_html_whatever_the_header_says() {
    let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj";
    let err = extract_bytes(pdf, None, &url()).expect_err("a PDF is no page");
    assert_eq!(err.code(), "not_html");
    let err = extract_bytes(pdf, Some("application/pdf"), &url()).expect_err("declared PDF");
    assert!(
        matches!(err, ExtractError::NotHtml { ref content_type } if content_type == "application/pdf")
    );
    let err = extract_bytes(b"<p>x</p>", Some("image/jpeg"), &url()).expect_err("declared image");
    assert_eq!(err.code(), "not_html");
}

#[test]
fn a_script_only_page_has_no_content() {
    let shell = r#"<!DOCTYPE html><html><head><title>Loading…</title>
        <script src="/app.js"></script></head><body><div id="root"></div>
        <script>window.__STATE__ = {"story": 99123};</script></body></html>"#;
    let err = extract(shell, &url()).expect_err("nothing to read");
    assert_eq!(err.code(), "no_content");
}

#[test]
fn the_json_has_the_documented_fields() {
    let json: serde_json::Value = serde_json::to_string(&news())
        .and_then(|s| serde_json::from_str(&s))
        .expect("JSON");
    let keys: Vec<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "url",
        "title",
        "byline",
        "published",
        "lang",
        "image",
        "text",
        "html",
        "words",
    ] {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }
    assert_eq!(keys.len(), 9, "no other field: {keys:?}");
}

/// A page laid out as Dawn's are: the byline is declared in `<meta>` and JSON-LD, and the story
/// body opens with a paragraph that says it again.
const BYLINE_IN_BODY_PAGE: &str = r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Dar meets envoys in Doha - Newspaper - Frontier</title>
<meta name="author" content="Baqir Sajjad Syed">
<script type="application/ld+json">
{"@context":"https://schema.org","@type":"NewsArticle","headline":"Dar meets envoys in Doha",
 "author":{"@type":"Person","name":"Baqir Sajjad Syed"}}
</script></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h2 class="story__title">Dar meets envoys in Doha</h2>
<div class="story__content">
<p>By Baqir Sajjad Syed</p>
<p>ISLAMABAD: Foreign Minister Ishaq Dar met the envoys of both sides in Doha on Saturday and
said his delegation had come with a clear mandate to secure a lasting truce along the border.</p>
<p>Officials said the talks would continue through the weekend, with a second round planned
for the coming week once both delegations have consulted their capitals.</p>
</div></article>
<footer>© Frontier</footer></body></html>"##;

#[test]
fn a_body_paragraph_that_repeats_the_byline_is_not_shown_twice() {
    let page = extract(BYLINE_IN_BODY_PAGE, &url()).expect("an article");
    assert_eq!(
        page.byline.as_deref(),
        Some("Baqir Sajjad Syed"),
        "byline read"
    );
    assert!(
        page.text.starts_with("ISLAMABAD: Foreign Minister"),
        "the text starts with the story, not the byline again: {:?}",
        page.text
    );
    assert!(
        !page.html.contains("By Baqir"),
        "nor does the HTML: {}",
        page.html
    );
    assert!(
        page.text.contains("second round planned"),
        "the story is whole"
    );
}
