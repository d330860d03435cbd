//! OPML import and export against fixture files: both OPML versions, nested folders, bad
//! outlines, documents that are not OPML, oversized input, the export round trip and the
//! built-in starter pack.

use std::collections::HashSet;

use chrono::{TimeZone, Utc};
use wirewatch::error::Error;
use wirewatch::model::{Feed, FullTextMode, SkippedOutline};
use wirewatch::opml::{self, Outline};

use crate::support::fixture;

fn opml_fixture(name: &str) -> String {
    String::from_utf8(fixture(&format!("opml/{name}")))
        .unwrap_or_else(|e| panic!("fixture {name} is not UTF-8: {e}"))
}

fn parse_fixture(name: &str) -> (Vec<Outline>, Vec<SkippedOutline>) {
    opml::parse(&opml_fixture(name)).unwrap_or_else(|e| panic!("{name} should parse: {e}"))
}

/// The reason of an `InvalidOpml` error, failing the test for any other outcome.
fn invalid_reason(text: &str, what: &str) -> String {
    match opml::parse(text) {
        Err(Error::InvalidOpml { reason }) => reason,
        Err(other) => panic!("{what}: expected InvalidOpml, got {other:?}"),
        Ok((feeds, skipped)) => {
            panic!("{what}: expected InvalidOpml, got {feeds:?} and skipped {skipped:?}")
        }
    }
}

fn feed(url: &str, title: &str, site: Option<&str>, folder: Option<&str>) -> Feed {
    let t = Utc.with_ymd_and_hms(2025, 5, 10, 12, 0, 0).unwrap();
    Feed {
        id: 0,
        url: url.to_string(),
        title: title.to_string(),
        site_url: site.map(str::to_string),
        folder: folder.map(str::to_string),
        interval_override_secs: None,
        interval_secs: 900,
        last_fetched: None,
        next_check: t,
        error_count: 0,
        last_error: None,
        last_error_code: None,
        recovery_note: None,
        article_count: 0,
        unread_count: 0,
        created: t,
        full_text: Default::default(),
    }
}

#[test]
fn an_opml_1_0_flat_list_yields_every_feed_with_trimmed_titles_and_urls() {
    let (feeds, skipped) = parse_fixture("opml1-flat.opml");
    assert!(skipped.is_empty(), "nothing should be skipped: {skipped:?}");
    assert_eq!(
        feeds,
        vec![
            Outline {
                url: "https://www.dawn.com/feeds/home".into(),
                title: Some("Dawn".into()),
                site_url: Some("https://www.dawn.com/".into()),
                folder: None,
                full_text: None,
            },
            Outline {
                url: "https://feeds.bbci.co.uk/news/world/asia/rss.xml".into(),
                title: Some("BBC News - Asia".into()),
                site_url: None,
                folder: None,
                full_text: None,
            },
            Outline {
                url: "http://example.org/feed.xml?a=1&b=2".into(),
                title: Some("Tom & Jerry's <Weekly>".into()),
                site_url: Some("http://example.org/".into()),
                folder: None,
                full_text: None,
            },
        ],
        "three flat feeds, whitespace trimmed and entities decoded"
    );
}

#[test]
fn an_opml_2_0_list_files_feeds_under_their_enclosing_folders() {
    let (feeds, skipped) = parse_fixture("opml2-nested.opml");
    assert!(skipped.is_empty(), "nothing should be skipped: {skipped:?}");
    let got: Vec<(&str, Option<&str>, Option<&str>)> = feeds
        .iter()
        .map(|f| (f.url.as_str(), f.title.as_deref(), f.folder.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "https://www.aljazeera.com/xml/rss/all.xml",
                Some("Al Jazeera"),
                None
            ),
            (
                "https://www.dawn.com/feeds/home",
                Some("Dawn"),
                Some("South Asia / Pakistan")
            ),
            (
                "https://www.geo.tv/rss/1/1",
                Some("Geo News"),
                Some("South Asia / Pakistan")
            ),
            (
                "https://www.thehindu.com/news/national/feeder/default.rss",
                Some("The Hindu"),
                Some("South Asia / India")
            ),
            (
                "https://thediplomat.com/feed/",
                Some("The Diplomat"),
                Some("South Asia")
            ),
            (
                "https://example.com/untitled-folder.xml",
                Some("Untitled folder feed"),
                None
            ),
        ],
        "nested folders joined with \" / \", an untitled folder adds no level, \
         and the title attribute wins over text"
    );
}

#[test]
fn bad_outlines_are_skipped_each_with_its_reason_while_good_ones_import() {
    let (feeds, skipped) = parse_fixture("bad-outlines.opml");
    let urls: Vec<&str> = feeds.iter().map(|f| f.url.as_str()).collect();
    assert_eq!(
        urls,
        vec![
            "https://example.com/good.xml",
            "https://example.com/second.xml"
        ],
        "only the two valid, distinct feeds are imported"
    );
    assert_eq!(
        feeds[1].title, None,
        "an outline with neither title nor text has no title"
    );

    let names: Vec<&str> = skipped.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "Just a note, no feed",
            "FTP mirror",
            "Relative link",
            "Good feed again",
            "Good feed, listed twice",
            "Broken host",
            "Commented out",
        ],
        "every bad outline is reported, in document order"
    );
    let reason = |name: &str| {
        &skipped
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} should be reported"))
            .reason
    };
    assert!(
        reason("Just a note, no feed").contains("no feed URL"),
        "missing xmlUrl: {}",
        reason("Just a note, no feed")
    );
    assert!(
        reason("FTP mirror").contains("scheme") && reason("FTP mirror").contains("ftp"),
        "ftp scheme: {}",
        reason("FTP mirror")
    );
    assert!(
        reason("Relative link").contains("relative"),
        "relative URL: {}",
        reason("Relative link")
    );
    for dup in ["Good feed again", "Good feed, listed twice"] {
        assert!(
            reason(dup).contains("duplicate") && reason(dup).contains("Good feed"),
            "{dup} names the earlier outline: {}",
            reason(dup)
        );
    }
    assert!(
        reason("Broken host").contains("invalid URL"),
        "unparseable URL: {}",
        reason("Broken host")
    );
    assert!(
        reason("Commented out").contains("commented"),
        "isComment: {}",
        reason("Commented out")
    );
}

#[test]
fn a_document_missing_its_version_and_with_bad_head_metadata_still_imports() {
    let (feeds, skipped) = parse_fixture("lenient.opml");
    assert!(skipped.is_empty(), "nothing should be skipped: {skipped:?}");
    assert_eq!(feeds.len(), 1, "the one feed is read: {feeds:?}");
    assert_eq!(feeds[0].url, "https://rss.dw.com/rdf/rss-en-asia");
    assert_eq!(feeds[0].folder.as_deref(), Some("World"), "folder kept");
}

#[test]
fn a_document_without_a_head_imports() {
    let (feeds, _) = parse_fixture("no-head.opml");
    assert_eq!(feeds.len(), 1, "the one feed is read: {feeds:?}");
    assert_eq!(feeds[0].title.as_deref(), Some("France 24"));
}

#[test]
fn malformed_xml_is_refused_as_invalid_opml() {
    let reason = invalid_reason(&opml_fixture("malformed.opml"), "malformed.opml");
    assert!(
        reason.contains("well-formed"),
        "the reason says the XML is broken: {reason}"
    );
}

#[test]
fn an_html_page_is_refused_as_invalid_opml() {
    let reason = invalid_reason(&opml_fixture("web-page.html"), "web-page.html");
    assert!(
        reason.contains("HTML"),
        "the reason says it is a web page: {reason}"
    );
}

#[test]
fn an_empty_file_is_refused_as_invalid_opml() {
    let reason = invalid_reason(&opml_fixture("empty.opml"), "empty.opml");
    assert!(
        reason.contains("empty"),
        "the reason says the file is empty: {reason}"
    );
    let reason = invalid_reason(" \n\t ", "whitespace only");
    assert!(
        reason.contains("empty"),
        "whitespace only counts as empty: {reason}"
    );
}

#[test]
fn an_opml_body_without_outlines_is_refused_as_invalid_opml() {
    let reason = invalid_reason(&opml_fixture("empty-body.opml"), "empty-body.opml");
    assert!(
        reason.contains("no outlines"),
        "the reason says so: {reason}"
    );
}

#[test]
fn plain_text_and_other_xml_documents_are_refused_as_invalid_opml() {
    let reason = invalid_reason("https://www.dawn.com/feeds/home\n", "a bare URL");
    assert!(reason.contains("not an OPML document"), "{reason}");
    let reason = invalid_reason(
        r#"<?xml version="1.0"?><rss version="2.0"><channel/></rss>"#,
        "an RSS feed",
    );
    assert!(
        reason.contains("<rss>"),
        "the reason names the element found: {reason}"
    );
    let reason = invalid_reason(r#"<opml version="2.0"><head/></opml>"#, "no body");
    assert!(
        reason.contains("<body>"),
        "the reason names the missing body: {reason}"
    );
}

#[test]
fn text_larger_than_ten_megabytes_is_refused() {
    let mut text = String::from(r#"<opml version="2.0"><body><outline text="x"/>"#);
    text.push_str(&" ".repeat(opml::MAX_BYTES));
    text.push_str("</body></opml>");
    let reason = invalid_reason(&text, "oversized text");
    assert!(
        reason.contains("MB"),
        "the reason gives the limit: {reason}"
    );
}

#[test]
fn more_than_twenty_thousand_outlines_are_refused() {
    let mut text = String::from(r#"<opml version="2.0"><body>"#);
    for i in 0..=opml::MAX_OUTLINES {
        text.push_str(&format!(
            r#"<outline text="f{i}" xmlUrl="https://example.com/{i}.xml"/>"#
        ));
    }
    text.push_str("</body></opml>");
    let reason = invalid_reason(&text, "too many outlines");
    assert!(
        reason.contains("20000"),
        "the reason gives the limit: {reason}"
    );
}

#[test]
fn absurdly_deep_nesting_is_refused_instead_of_overflowing_the_stack() {
    let nested = |depth: usize| {
        let mut text = String::from(r#"<opml version="2.0"><body>"#);
        text.push_str(&r#"<outline text="f">"#.repeat(depth - 1));
        text.push_str(r#"<outline text="deep" xmlUrl="https://example.com/deep.xml"/>"#);
        text.push_str(&"</outline>".repeat(depth - 1));
        text.push_str("</body></opml>");
        text
    };
    let reason = invalid_reason(&nested(10_000), "deep nesting");
    assert!(reason.contains("nested"), "the reason says why: {reason}");

    let (feeds, _) = opml::parse(&nested(opml::MAX_DEPTH))
        .unwrap_or_else(|e| panic!("nesting at the limit should parse: {e}"));
    let folder = feeds[0].folder.as_deref().unwrap_or_default();
    assert_eq!(
        folder.split(" / ").count(),
        opml::MAX_DEPTH - 1,
        "every enclosing level is part of the folder path"
    );
}

#[test]
fn export_writes_opml_2_0_with_a_titled_head_and_folder_outlines() {
    let feeds = vec![
        feed(
            "https://www.dawn.com/feeds/home",
            "Dawn",
            Some("https://www.dawn.com/"),
            Some("Pakistan"),
        ),
        feed("https://example.com/a.xml", "Unfiled", None, None),
    ];
    let created = Utc.with_ymd_and_hms(2025, 5, 10, 8, 30, 0).unwrap();
    let xml = opml::export_with_date(&feeds, created);
    for expected in [
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<opml version="2.0">"#,
        "<title>Wirewatch subscriptions</title>",
        "<dateCreated>Sat, 10 May 2025 08:30:00 GMT</dateCreated>",
        r#"<outline text="Pakistan" title="Pakistan">"#,
        r#"<outline type="rss" text="Dawn" title="Dawn" xmlUrl="https://www.dawn.com/feeds/home" htmlUrl="https://www.dawn.com/"/>"#,
        r#"<outline type="rss" text="Unfiled" title="Unfiled" xmlUrl="https://example.com/a.xml"/>"#,
    ] {
        assert!(
            xml.contains(expected),
            "export should contain {expected}:\n{xml}"
        );
    }
    assert!(
        !opml::export(&feeds).contains("dateCreated"),
        "the undated export reads no clock"
    );
}

#[test]
fn export_then_parse_gives_back_the_same_urls_titles_and_folders() {
    let feeds = vec![
        feed(
            "https://www.dawn.com/feeds/home",
            "Dawn",
            Some("https://www.dawn.com/"),
            Some("Pakistan"),
        ),
        feed(
            "https://example.com/feed.xml?a=1&b=2",
            r#"Tom & Jerry's "<Weekly>""#,
            Some("https://example.com/"),
            Some("Q&A <Desk>"),
        ),
        feed(
            "https://www.thehindu.com/feeder/default.rss",
            "The Hindu",
            None,
            Some("India"),
        ),
        feed(
            "https://example.org/unfiled.xml",
            "Unfiled feed",
            None,
            None,
        ),
        feed(
            "https://example.org/urdu.xml",
            "ڈان نیوز — خبریں",
            None,
            Some("Pakistan"),
        ),
        feed(
            "https://example.org/nested.xml",
            "Nested",
            None,
            Some("Region / Kashmir"),
        ),
    ];
    let xml = opml::export(&feeds);
    let (parsed, skipped) =
        opml::parse(&xml).unwrap_or_else(|e| panic!("export should parse back: {e}\n{xml}"));
    assert!(
        skipped.is_empty(),
        "nothing skipped on the way back: {skipped:?}"
    );

    let key = |url: &str, title: &str, site: Option<&str>, folder: Option<&str>| {
        (
            url.to_string(),
            Some(title.to_string()),
            site.map(str::to_string),
            folder.map(str::to_string),
        )
    };
    let mut want: Vec<_> = feeds
        .iter()
        .map(|f| key(&f.url, &f.title, f.site_url.as_deref(), f.folder.as_deref()))
        .collect();
    let mut got: Vec<_> = parsed
        .iter()
        .map(|o| {
            (
                o.url.clone(),
                o.title.clone(),
                o.site_url.clone(),
                o.folder.clone(),
            )
        })
        .collect();
    want.sort();
    got.sort();
    assert_eq!(
        got, want,
        "every feed survives the round trip unchanged:\n{xml}"
    );
}

#[test]
fn the_starter_pack_parses_into_at_least_twenty_distinct_feeds_across_the_four_regions() {
    let (feeds, skipped) =
        opml::parse(opml::STARTER_PACK).unwrap_or_else(|e| panic!("starter pack: {e}"));
    assert!(
        skipped.is_empty(),
        "the starter pack skips nothing: {skipped:?}"
    );
    assert!(feeds.len() >= 20, "at least 20 feeds, got {}", feeds.len());

    let folders: HashSet<&str> = feeds.iter().filter_map(|f| f.folder.as_deref()).collect();
    for folder in [
        "Pakistan",
        "India",
        "China",
        "International",
        "Urdu",
        "Hindi",
        "Chinese",
    ] {
        assert!(
            folders.contains(folder),
            "the {folder} folder is present: {folders:?}"
        );
    }

    let mut keys = HashSet::new();
    for f in &feeds {
        assert!(
            f.url.starts_with("https://") || f.url.starts_with("http://"),
            "absolute http(s) feed URL: {}",
            f.url
        );
        assert!(f.folder.is_some(), "{} is filed in a folder", f.url);
        assert!(
            f.title.as_deref().is_some_and(|t| !t.is_empty()),
            "{} has a title",
            f.url
        );
        assert!(f.site_url.is_some(), "{} has a site URL", f.url);
        let key = wirewatch::dedup::canonical_url(&f.url).expect("canonical form");
        assert!(keys.insert(key), "{} is listed once", f.url);
    }
}

#[test]
fn the_default_rule_is_named_and_matches_ceasefire_news_from_the_region() {
    let (name, query) = opml::DEFAULT_RULE;
    assert_eq!(name, "South Asia ceasefire", "rule name");
    assert_eq!(
        query, "@ceasefire (@india OR @pakistan OR @kashmir OR @line-of-control)",
        "rule query: concepts, so it reads every script"
    );
}

#[test]
fn a_full_text_attribute_is_read_and_an_unknown_value_ignored() {
    let (feeds, skipped) = opml::parse(
        r#"<opml version="2.0"><body><outline text="News">
             <outline text="A" xmlUrl="https://a.example/feed?x=1&amp;y=2" fullText="never"/>
             <outline text="B" xmlUrl="https://b.example/feed" fullText="sometimes"/>
           </outline></body></opml>"#,
    )
    .expect("parses");
    assert!(skipped.is_empty(), "{skipped:?}");
    let modes: Vec<_> = feeds.iter().map(|f| f.full_text).collect();
    assert_eq!(
        modes,
        vec![Some(FullTextMode::Never), None],
        "a known value is kept, an unknown one ignored"
    );
}
