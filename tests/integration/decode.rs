//! Decoding feed documents: formats, character sets, recovery from ill-formed XML, links,
//! dates, ids, titles and sanitised bodies. The documents are the fixtures under
//! `tests/fixtures/feeds/` (see the README there).

use crate::support::fixture;
use chrono::{DateTime, TimeZone, Utc};
use std::time::Duration;
use wirewatch::decode::{decode, parse_date, stored_text, DecodedFeed};
use wirewatch::error::Error;

/// Decodes a fixture that must decode.
fn decode_fixture(name: &str, content_type: Option<&str>, feed_url: &str) -> DecodedFeed {
    decode(&fixture(name), content_type, feed_url)
        .unwrap_or_else(|e| panic!("{name} should decode: {e}"))
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .expect("valid test date")
}

fn titles(feed: &DecodedFeed) -> Vec<&str> {
    feed.entries.iter().map(|e| e.title.as_str()).collect()
}

#[test]
fn rss2_entries_come_out_in_document_order_with_links_guids_and_dates() {
    let feed = decode_fixture(
        "feeds/rss2-utf8.xml",
        Some("application/rss+xml"),
        "https://southasiawire.example.com/feed.xml",
    );
    assert_eq!(
        feed.title.as_deref(),
        Some("South Asia Wire — Top Stories"),
        "feed title"
    );
    assert_eq!(
        feed.site_url.as_deref(),
        Some("https://southasiawire.example.com/"),
        "site URL is the channel link, not atom:link rel=self"
    );
    let guids: Vec<_> = feed.entries.iter().map(|e| e.guid.as_deref()).collect();
    assert_eq!(
        guids,
        vec![
            Some("saw-2025-0511-001"),
            Some("saw-2025-0511-002"),
            Some("saw-2025-0511-003"),
            Some("saw-2025-0511-004"),
            Some("saw-2025-0512-005"),
        ],
        "all entries, in document order, with the feed's own guids"
    );
    let first = &feed.entries[0];
    assert_eq!(
        first.url.as_deref(),
        Some("https://southasiawire.example.com/2025/05/11/loc-ceasefire-holds"),
        "entry link"
    );
    assert_eq!(first.published, Some(utc(2025, 5, 11, 8, 15, 0)), "pubDate");
    assert_eq!(first.updated, None, "RSS gives no update time of its own");
    assert_eq!(
        first.author.as_deref(),
        Some("Ayesha Siddiqui"),
        "dc:creator is the author"
    );
    let last = &feed.entries[4];
    assert_eq!(
        last.published,
        Some(utc(2025, 5, 12, 6, 40, 0)),
        "+0500 offset converted to UTC"
    );
    assert_eq!(
        last.author.as_deref(),
        Some("Markets Desk"),
        "the name in parentheses of an RSS <author> e-mail"
    );
}

#[test]
fn urdu_hindi_and_chinese_titles_round_trip_unchanged() {
    let feed = decode_fixture(
        "feeds/rss2-utf8.xml",
        None,
        "https://southasiawire.example.com/feed.xml",
    );
    assert_eq!(
        feed.entries[1].title, "لائن آف کنٹرول پر جنگ بندی برقرار رکھنے پر اتفاق",
        "Urdu title"
    );
    assert_eq!(
        feed.entries[1].text, "دونوں ممالک کے فوجی حکام نے ہاٹ لائن پر بات چیت کی۔",
        "Urdu description"
    );
    assert_eq!(
        feed.entries[2].title, "नियंत्रण रेखा पर संघर्ष विराम जारी रखने पर सहमति",
        "Hindi title"
    );
    assert_eq!(
        feed.entries[3].title, "中方欢迎印巴双方维持停火",
        "Chinese title"
    );
}

#[test]
fn ttl_is_read_in_minutes() {
    let feed = decode_fixture(
        "feeds/rss2-utf8.xml",
        None,
        "https://southasiawire.example.com/feed.xml",
    );
    assert_eq!(
        feed.ttl,
        Some(Duration::from_secs(15 * 60)),
        "<ttl>15</ttl> is fifteen minutes"
    );
    let atom = decode_fixture(
        "feeds/atom1-xml-base.xml",
        None,
        "https://frontier.example.com/south-asia/atom.xml",
    );
    assert_eq!(atom.ttl, None, "Atom has no ttl");
}

#[test]
fn iso_8859_1_declared_in_the_xml_declaration_is_converted_to_utf8() {
    let feed = decode_fixture(
        "feeds/rss2-iso-8859-1.xml",
        Some("application/rss+xml"),
        "https://valley.example.org/feed",
    );
    assert_eq!(
        titles(&feed),
        vec![
            "Dal Lake café owners count the return of tourists",
            "Jammu swelters at 41° as pre-monsoon heat builds",
            "Saffron growers in Pampore eye £ exports after a good harvest",
        ],
        "Latin-1 titles"
    );
    assert_eq!(
        feed.entries[0].text,
        "Shikara operators say bookings are back to about ½ of last year's level.",
        "Latin-1 description"
    );
    assert_eq!(
        feed.entries[1].text,
        "Doctors advise staying indoors between noon and 4 p.m. «It is early for this,» one said.",
        "guillemets"
    );
}

#[test]
fn undeclared_windows_1252_is_detected_and_curly_quotes_come_out_right() {
    let feed = decode_fixture(
        "feeds/rss2-windows-1252-undeclared.xml",
        Some("application/rss+xml"),
        "https://bazaar.example.com/feed",
    );
    assert_eq!(
        titles(&feed),
        vec![
            "“We want trade, not headlines,” says Anarkali cloth merchant",
            "Pakistan’s central bank holds its policy rate — analysts expected a cut",
            "Cricket: Lahore Qalandars’ ‘home’ final moves to Karachi",
        ],
        "curly quotes, apostrophes and dashes from windows-1252 bytes"
    );
    assert!(
        feed.entries[1]
            .text
            .starts_with("The decision surprised some brokers… “The bank is being careful,”"),
        "ellipsis and quotes in the description: {:?}",
        feed.entries[1].text
    );
    assert_no_mojibake(&feed);
}

/// No replacement characters and no UTF-8-read-as-Latin-1 sequences in titles or text.
fn assert_no_mojibake(feed: &DecodedFeed) {
    for e in &feed.entries {
        for s in [&e.title, &e.text] {
            assert!(
                !s.contains('\u{FFFD}') && !s.contains("â€"),
                "mojibake in {s:?}"
            );
        }
    }
}

#[test]
fn utf16_with_a_byte_order_mark_is_decoded() {
    let feed = decode_fixture(
        "feeds/rss2-utf-16le-bom.xml",
        Some("application/rss+xml"),
        "https://bengal-monitor.example.net/rss",
    );
    assert_eq!(
        feed.title.as_deref(),
        Some("Bay of Bengal Monitor"),
        "feed title"
    );
    assert_eq!(
        titles(&feed),
        vec![
            "ঢাকা–কলকাতা রেল যোগাযোগ আবার চালু",
            "Dhaka–Kolkata passenger trains resume after a two-week pause"
        ],
        "Bengali and English titles"
    );
    assert_eq!(
        feed.entries[0].published,
        Some(utc(2025, 5, 10, 3, 0, 0)),
        "date read from UTF-16 text"
    );
}

#[test]
fn gbk_declared_only_by_the_http_header_is_decoded() {
    let feed = decode_fixture(
        "feeds/rss2-gbk-header-only.xml",
        Some("text/xml; charset=GB2312"),
        "https://nanya.example.com/rss",
    );
    assert_eq!(feed.title.as_deref(), Some("南亚观察"), "feed title");
    assert_eq!(
        titles(&feed),
        vec!["外交部：中方密切关注印巴局势", "中巴经济走廊多个项目复工"],
        "Chinese titles"
    );
    assert_eq!(
        feed.entries[1].text, "瓜达尔港的工人已经返回工地。",
        "Chinese description"
    );
}

#[test]
fn a_wrong_utf8_header_gives_way_to_the_xml_declaration() {
    // The server says UTF-8 but the document is Latin-1 and says so itself.
    let feed = decode_fixture(
        "feeds/rss2-iso-8859-1.xml",
        Some("application/xml; charset=\"utf-8\""),
        "https://valley.example.org/feed",
    );
    assert_eq!(
        feed.entries[0].title, "Dal Lake café owners count the return of tourists",
        "é from the declared ISO-8859-1"
    );
}

#[test]
fn the_http_charset_wins_over_the_xml_declaration() {
    let body = encoding_bytes_latin1(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Valley</title>\
         <item><title>Gulmarg ski season ends with a café party</title></item></channel></rss>",
    );
    let feed = decode(
        &body,
        Some("application/rss+xml; charset=ISO-8859-1"),
        "https://valley.example.org/feed",
    )
    .expect("decodes");
    assert_eq!(
        feed.entries[0].title, "Gulmarg ski season ends with a café party",
        "header charset used"
    );
}

fn encoding_bytes_latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("Latin-1 text"))
        .collect()
}

#[test]
fn rss_091_is_read_and_its_entries_have_no_guid_or_date() {
    let feed = decode_fixture(
        "feeds/rss091.xml",
        Some("text/xml"),
        "http://harbour.example.net/rss.xml",
    );
    assert_eq!(
        feed.title.as_deref(),
        Some("Colombo Harbour Notes"),
        "feed title"
    );
    assert_eq!(
        feed.site_url.as_deref(),
        Some("http://harbour.example.net/"),
        "site URL"
    );
    assert_eq!(
        titles(&feed),
        vec![
            "Container traffic at Colombo rises for a third month",
            "Tea auction prices steady ahead of monsoon"
        ],
        "both items"
    );
    assert_eq!(
        feed.entries[0].url.as_deref(),
        Some("http://harbour.example.net/2025/05/container-traffic.html"),
        "link"
    );
    assert!(
        feed.entries.iter().all(|e| e.guid.is_none()),
        "RSS 0.91 items have no guid, and none is invented"
    );
    assert!(
        feed.entries.iter().all(|e| e.published.is_none()),
        "RSS 0.91 items have no date"
    );
}

#[test]
fn rss_1_rdf_is_read_with_dublin_core_dates_and_creators() {
    let feed = decode_fixture(
        "feeds/rss1-rdf.xml",
        Some("application/rdf+xml"),
        "https://ledger.example.org/rss",
    );
    assert_eq!(
        feed.title.as_deref(),
        Some("Kathmandu Ledger"),
        "channel title"
    );
    assert_eq!(
        titles(&feed),
        vec![
            "Nepal and India resume talks on the transit treaty",
            "Remittances reach a new monthly high"
        ],
        "items in order"
    );
    let first = &feed.entries[0];
    assert_eq!(
        first.url.as_deref(),
        Some("https://ledger.example.org/2025/05/10/transit-talks"),
        "link"
    );
    assert_eq!(
        first.published,
        Some(utc(2025, 5, 10, 8, 45, 0)),
        "dc:date at Nepal's +05:45"
    );
    assert_eq!(
        first.author.as_deref(),
        Some("Binod Shrestha"),
        "dc:creator"
    );
    assert_eq!(
        first.text, "Officials met in Kathmandu for the first time in a year.",
        "description"
    );
}

#[test]
fn atom_links_resolve_against_xml_base_and_prefer_rel_alternate() {
    let feed = decode_fixture(
        "feeds/atom1-xml-base.xml",
        Some("application/atom+xml"),
        "https://frontier.example.com/south-asia/atom.xml",
    );
    assert_eq!(
        feed.site_url.as_deref(),
        Some("https://frontier.example.com/south-asia/"),
        "feed link ./ against xml:base"
    );
    let urls: Vec<_> = feed.entries.iter().map(|e| e.url.as_deref()).collect();
    assert_eq!(
        urls,
        vec![
            Some("https://frontier.example.com/south-asia/2025/05/11/poonch-second-night"),
            Some("https://frontier.example.com/archive/2025/05/10/us-statement"),
            Some("https://frontier.example.com/south-asia/2025/05/10/beijing-constructive-role"),
        ],
        "relative links resolved against the feed's and the entry's xml:base; rel=alternate chosen over related"
    );
    assert_eq!(
        feed.entries[0].guid.as_deref(),
        Some("tag:frontier.example.com,2025-05-11:poonch-second-night"),
        "Atom id is the guid"
    );
}

#[test]
fn atom_content_urls_resolve_against_the_entry_link() {
    let feed = decode_fixture(
        "feeds/atom1-xml-base.xml",
        None,
        "https://frontier.example.com/south-asia/atom.xml",
    );
    let html = &feed.entries[0].content_html;
    assert!(
        html.contains(r#"<img src="https://frontier.example.com/south-asia/2025/05/11/images/poonch-market.jpg" alt="Poonch market">"#),
        "relative image made absolute: {html}"
    );
    assert!(
        html.contains(r#"<a href="https://frontier.example.com/india/2025/05/10/hotline-talks" rel="noopener noreferrer">hotline talks</a>"#),
        "root-relative link made absolute with rel=noopener: {html}"
    );
}

#[test]
fn atom_titles_dates_and_authors_are_read() {
    let feed = decode_fixture(
        "feeds/atom1-xml-base.xml",
        None,
        "https://frontier.example.com/south-asia/atom.xml",
    );
    assert_eq!(
        feed.title.as_deref(),
        Some("Frontier Review: South Asia"),
        "feed title"
    );
    let first = &feed.entries[0];
    assert_eq!(
        first.title, "Ceasefire holds for a second night in Poonch",
        "type=html title as plain text"
    );
    assert_eq!(
        first.published,
        Some(utc(2025, 5, 11, 0, 30, 0)),
        "published"
    );
    assert_eq!(first.updated, Some(utc(2025, 5, 11, 2, 0, 0)), "updated");
    assert_eq!(first.author.as_deref(), Some("Rohan Mehta"), "entry author");
    let second = &feed.entries[1];
    assert_eq!(
        second.published,
        Some(utc(2025, 5, 10, 22, 10, 0)),
        "an entry with only <updated> is dated by it"
    );
    assert_eq!(
        second.author.as_deref(),
        Some("Frontier Review Desk"),
        "an entry without author inherits the feed's"
    );
    assert_eq!(second.text, "The State Department said it welcomed the ceasefire and encouraged direct talks.\nSee the full text.", "xhtml content");
    assert_eq!(
        feed.entries[2].title, "Beijing says it is ready to play a \"constructive role\"",
        "quotes kept"
    );
}

#[test]
fn legacy_atom_03_is_read_like_atom_1() {
    let feed = decode_fixture(
        "feeds/atom03.xml",
        Some("application/atom+xml"),
        "https://thimphu.example.net/atom.xml",
    );
    assert_eq!(
        feed.title.as_deref(),
        Some("Thimphu & Beyond"),
        "escaped-mode title, entities decoded once per layer"
    );
    assert_eq!(
        feed.site_url.as_deref(),
        Some("https://thimphu.example.net/"),
        "site URL"
    );
    assert_eq!(
        titles(&feed),
        vec![
            "Bhutan's hydropower exports to India climb",
            "Road to Samdrup Jongkhar reopens after landslide"
        ],
        "both entries"
    );
    let first = &feed.entries[0];
    assert_eq!(
        first.guid.as_deref(),
        Some("tag:thimphu.example.net,2025:hydropower-exports"),
        "id"
    );
    assert_eq!(
        first.url.as_deref(),
        Some("https://thimphu.example.net/2025/05/hydropower-exports"),
        "link"
    );
    assert_eq!(
        first.published,
        Some(utc(2025, 5, 8, 3, 0, 0)),
        "<issued> is the publication time"
    );
    assert_eq!(
        first.updated,
        Some(utc(2025, 5, 8, 10, 0, 0)),
        "<modified> is the update time"
    );
    assert_eq!(
        first.author.as_deref(),
        Some("Karma Wangchuk"),
        "feed author inherited"
    );
    assert_eq!(
        first.text, "Electricity sales rose as new plants came online.\nMost of the power goes to West Bengal and Assam.",
        "summary repeated by the content appears once"
    );
    assert_eq!(
        feed.entries[1].text, "Trucks carrying goods to Assam are moving again.",
        "application/xhtml+xml content"
    );
}

#[test]
fn json_feed_1_1_entries_are_parsed_with_relative_urls_resolved() {
    let feed = decode_fixture(
        "feeds/jsonfeed-1.1.json",
        Some("application/feed+json"),
        "https://indus-markets.example.com/feed.json",
    );
    assert_eq!(
        feed.title.as_deref(),
        Some("Indus Markets Brief"),
        "feed title"
    );
    assert_eq!(
        feed.site_url.as_deref(),
        Some("https://indus-markets.example.com/"),
        "home_page_url"
    );
    assert_eq!(
        titles(&feed),
        vec![
            "KSE-100 rallies as the ceasefire holds",
            "Rupee steady in interbank trade",
            "Cotton prices ease in Multan"
        ],
        "items in order"
    );
    let first = &feed.entries[0];
    assert_eq!(first.guid.as_deref(), Some("imb-2025-05-12-kse"), "JSON id");
    assert_eq!(
        first.published,
        Some(utc(2025, 5, 12, 11, 5, 0)),
        "date_published"
    );
    assert_eq!(
        first.updated,
        Some(utc(2025, 5, 12, 12, 0, 0)),
        "date_modified"
    );
    assert_eq!(first.author.as_deref(), Some("Sana Qureshi"), "item author");
    assert_eq!(
        first.text, "Stocks posted their best day in years.\nCement and banking shares led the gains, with foreign buyers returning.",
        "summary not repeated"
    );
    assert_eq!(
        feed.entries[1].url.as_deref(),
        Some("https://indus-markets.example.com/2025/05/12/rupee-steady"),
        "relative url resolved against the feed URL"
    );
    assert_eq!(
        feed.entries[2].url.as_deref(),
        Some("https://indus-markets.example.com/2025/05/11/cotton-prices"),
        "url preferred over external_url"
    );
}

#[test]
fn json_feed_plain_text_becomes_escaped_paragraphs() {
    let feed = decode_fixture(
        "feeds/jsonfeed-1.1.json",
        None,
        "https://indus-markets.example.com/feed.json",
    );
    let rupee = &feed.entries[1];
    assert_eq!(
        rupee.content_html,
        "<p>Dealers said demand for dollars from importers was modest.</p><p>The currency closed little changed for a third session.</p>",
        "content_text as paragraphs"
    );
    assert_eq!(
        rupee.text, "Dealers said demand for dollars from importers was modest.\nThe currency closed little changed for a third session.",
        "plain text keeps the paragraph break"
    );
    assert_eq!(
        feed.entries[2].text, "Ginners said arrivals were ahead of last year & prices softened.",
        "entities decoded in text"
    );
}

#[test]
fn undefined_entities_stray_ampersands_and_control_characters_are_recovered_with_all_entries() {
    let feed = decode_fixture(
        "feeds/rss2-html-entities-stray-amp.xml",
        Some("application/rss+xml"),
        "https://transit.example.com/feed",
    );
    assert_eq!(
        feed.title.as_deref(),
        Some("Border Trade & Transit Weekly"),
        "&nbsp; in the feed title"
    );
    assert_eq!(
        titles(&feed),
        vec![
            "Wagah crossing reopens for Afghan transit trucks — but not for Indian goods",
            "Salt & spice traders in Amritsar count losses",
            "Café owners in Peshawar welcome Torkham reopening",
            "Kabul–Peshawar bus service to resume at 100% capacity © TW",
        ],
        "every entry recovered, HTML entities turned into characters"
    );
    assert_eq!(
        feed.entries[0].url.as_deref(),
        Some("https://transit.example.com/story?id=101&section=borders"),
        "stray & in a link kept as a query separator"
    );
    assert_eq!(
        feed.entries[0].text, "Customs officials’ new rules apply from Monday…",
        "&rsquo; and &hellip;"
    );
    assert_eq!(
        feed.entries[1].text,
        "Dry fruit from Kabul is stuck at the border, traders say. Prices have doubled.",
        "control character dropped"
    );
    assert_eq!(
        feed.entries[2].text, "“Business will come back,” one owner said.",
        "curly quotes, trailing control characters dropped"
    );
    assert_eq!(
        feed.entries[3].text,
        "Operators said tickets go on sale on Friday & seats are limited – “first come, first served”.",
        "&#150; read as the windows-1252 dash it means"
    );
    assert_eq!(
        feed.entries[3].published,
        Some(utc(2025, 5, 13, 8, 0, 0)),
        "dates survive recovery"
    );
}

#[test]
fn junk_before_the_xml_declaration_is_ignored_even_when_served_as_html() {
    let feed = decode_fixture(
        "feeds/rss2-junk-before-declaration.xml",
        Some("text/html; charset=UTF-8"),
        "https://brief.example.org/feed.php",
    );
    assert_eq!(
        feed.title.as_deref(),
        Some("Islamabad Evening Brief"),
        "feed title"
    );
    assert_eq!(
        titles(&feed),
        vec![
            "National Assembly passes resolution backing ceasefire talks",
            "Opposition calls for briefing on water treaty"
        ],
        "both items after the PHP notice"
    );
}

#[test]
fn odd_dates_are_read_and_unreadable_ones_are_none() {
    let feed = decode_fixture(
        "feeds/rss2-odd-dates.xml",
        None,
        "https://dates.example.com/rss",
    );
    let ten_utc = Some(utc(2025, 5, 11, 10, 0, 0));
    let expected = [
        ten_utc,                          // 2025-05-11 10:00:00
        ten_utc,                          // 2025-05-11T10:00:00
        Some(utc(2025, 5, 11, 4, 30, 0)), // IST
        Some(utc(2025, 5, 11, 5, 0, 0)),  // PKT
        Some(utc(2025, 5, 11, 4, 30, 0)), // no weekday, +0530
        ten_utc,                          // wrong weekday
        ten_utc,                          // two-digit year
        Some(utc(2025, 5, 11, 0, 0, 0)),  // 11 May 2025
        Some(utc(2025, 5, 11, 0, 0, 0)),  // May 11, 2025
        ten_utc,                          // May 11, 2025 3:30 PM IST
        Some(utc(2025, 5, 11, 4, 15, 0)), // NPT
        Some(utc(2025, 5, 11, 5, 0, 0)),  // +0500
        Some(utc(2025, 5, 11, 4, 30, 0)), // GMT+5:30
        None,                             // yesterday evening
        None,                             // empty
    ];
    assert_eq!(
        feed.entries.len(),
        expected.len(),
        "every item decoded, unreadable dates included"
    );
    for (entry, want) in feed.entries.iter().zip(expected) {
        assert_eq!(entry.published, want, "{}", entry.title);
    }
}

#[test]
fn parse_date_reads_common_odd_formats() {
    let cases = [
        ("2025-05-11T10:00:00Z", Some(utc(2025, 5, 11, 10, 0, 0))),
        (
            "Sun, 11 May 2025 10:00:00 +0000",
            Some(utc(2025, 5, 11, 10, 0, 0)),
        ),
        (
            "Sun, 11 May 2025 10:00:00 UTC",
            Some(utc(2025, 5, 11, 10, 0, 0)),
        ),
        (
            "Sun, 11 May 2025 10:00:00 -0000",
            Some(utc(2025, 5, 11, 10, 0, 0)),
        ),
        (
            "Sun, 11 May 2025 9:05 IST",
            Some(utc(2025, 5, 11, 3, 35, 0)),
        ),
        (
            "11 September 2024 20:00:00 +0000",
            Some(utc(2024, 9, 11, 20, 0, 0)),
        ),
        ("2025-05-11", Some(utc(2025, 5, 11, 0, 0, 0))),
        ("2025/05/11 10:00", Some(utc(2025, 5, 11, 10, 0, 0))),
        (
            "2025-05-11 10:00:00.123 +05:00",
            Some(utc(2025, 5, 11, 5, 0, 0)),
        ),
        ("11 May 99", Some(utc(1999, 5, 11, 0, 0, 0))),
        ("May 11th, 2025 12:15 AM", Some(utc(2025, 5, 11, 0, 15, 0))),
        ("mer, 14 mai 2025", None),
        ("31 Feb 2025", None),
        ("2025-13-01", None),
        ("11/05/2025", None),
        ("not a date", None),
    ];
    for (raw, want) in cases {
        assert_eq!(parse_date(raw), want, "{raw:?}");
    }
}

#[test]
fn entries_without_guid_have_none_and_permalink_guids_give_links() {
    let feed = decode_fixture(
        "feeds/rss2-no-guid.xml",
        None,
        "https://sindh-local.example.com/rss",
    );
    let guids: Vec<_> = feed.entries.iter().map(|e| e.guid.as_deref()).collect();
    assert_eq!(
        guids,
        vec![
            None,
            Some("https://sindh-local.example.com/2025/05/hyderabad-mangoes"),
            None,
            None
        ],
        "no invented ids; an empty guid is no guid"
    );
    assert_eq!(
        feed.entries[1].url.as_deref(),
        Some("https://sindh-local.example.com/2025/05/hyderabad-mangoes"),
        "a permalink guid is the link when there is no <link>"
    );
    let untitled = &feed.entries[3];
    assert_eq!(untitled.url, None, "no link at all");
    assert_eq!(
        untitled.title, "Power cuts of up to eight hours a day were reported in rural Sindh on Thursday, residents said.",
        "an untitled entry takes the start of its text as title"
    );
}

#[test]
fn html_in_titles_is_stripped_and_double_encoded_entities_are_decoded() {
    let feed = decode_fixture(
        "feeds/rss2-html-titles.xml",
        None,
        "https://deccan.example.org/rss",
    );
    assert_eq!(
        feed.title.as_deref(),
        Some("Deccan Daily"),
        "feed title without <b>"
    );
    assert_eq!(
        titles(&feed),
        vec![
            "Breaking: Ceasefire talks resume in Islamabad",
            "Analysis — What the hotline call means",
            "Trade & transit: Wagah opens for Afghan goods",
            "Pakistan’s T20 squad named for the Sri Lanka tour",
            "Kashmir: snow melts early",
            "Rupee <85 per dollar for the first time since March",
            "Cricket: Sunrisers beat Royals by 6 wickets",
        ],
        "plain-text titles"
    );
}

#[test]
fn hostile_markup_is_removed_from_content_html() {
    let feed = decode_fixture(
        "feeds/rss2-hostile-html.xml",
        None,
        "https://news.example.com/rss",
    );
    let e = &feed.entries[0];
    let html = e.content_html.to_ascii_lowercase();
    for banned in [
        "<script",
        "document.cookie",
        "onerror",
        "onclick",
        "style=",
        "<style",
        "display: none",
        "<iframe",
        "frame fallback",
        "<form",
        "<input",
        "<button",
        "sign in",
        "<object",
        "<embed",
        "javascript:",
        "vbscript:",
        "data:text",
        "target=",
        "class=",
    ] {
        assert!(
            !html.contains(banned),
            "{banned:?} must not survive sanitising: {}",
            e.content_html
        );
    }
    assert!(
        e.content_html.contains(r#"<img src="https://news.example.com/media/2025/05/ministers.jpg" alt="The two foreign ministers">"#),
        "image kept, made absolute, without handlers or style: {}",
        e.content_html
    );
    assert!(
        e.content_html.contains(r#"<a href="https://news.example.com/2025/05/13/joint-statement" rel="noopener noreferrer">joint statement</a>"#),
        "relative link resolved against the entry link: {}",
        e.content_html
    );
    assert!(
        e.content_html.contains(
            r#"<a href="mailto:desk@news.example.com" rel="noopener noreferrer">the desk</a>"#
        ),
        "mailto kept: {}",
        e.content_html
    );
    assert!(
        !e.text.contains("document"),
        "script text is not part of the text: {:?}",
        e.text
    );
    assert!(
        e.text.starts_with(
            "The two ministers spoke for forty minutes. Watch live.\nRead the joint statement"
        ),
        "text: {:?}",
        e.text
    );
}

#[test]
fn text_holds_summary_and_content_once_and_the_snippet_is_cut_at_a_word() {
    let long_content: String = (1..=60)
        .map(|n| format!("Sentence {n} about the talks."))
        .collect::<Vec<_>>()
        .join(" ");
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>
<item><title>Repeated</title><description>Sentence 1 about the talks. Sentence 2 about…</description>
<content:encoded><![CDATA[<p>{long_content}</p>]]></content:encoded></item>
<item><title>Different</title><description>A short standfirst.</description>
<content:encoded><![CDATA[<h2>Heading</h2><p>First paragraph.</p><ul><li>One</li><li>Two</li></ul>]]></content:encoded></item>
</channel></rss>"#
    );
    let feed = decode(body.as_bytes(), None, "https://talks.example.com/rss").expect("decodes");
    let repeated = &feed.entries[0];
    assert_eq!(
        repeated.text, long_content,
        "a summary the content starts with is not repeated"
    );
    assert!(
        repeated.snippet.ends_with('…'),
        "cut snippet ends with an ellipsis: {:?}",
        repeated.snippet
    );
    assert!(
        repeated.snippet.chars().count() <= 301,
        "snippet at most ~300 characters: {}",
        repeated.snippet.chars().count()
    );
    let without_ellipsis = repeated.snippet.trim_end_matches('…');
    assert!(
        long_content.starts_with(without_ellipsis),
        "snippet is a prefix of the text"
    );
    assert!(
        long_content[without_ellipsis.len()..].starts_with(' '),
        "snippet cut at a word boundary: {:?}",
        repeated.snippet
    );
    assert!(
        repeated.text_of_html && stored_text(&repeated.content_html) == repeated.text,
        "the text is the HTML's own, so the archive keeps the HTML alone"
    );
    let different = &feed.entries[1];
    assert_eq!(
        different.text, "A short standfirst.\nHeading\nFirst paragraph.\nOne\nTwo",
        "summary then content, blocks on their own lines"
    );
    assert!(
        !different.text_of_html,
        "a standfirst the HTML does not hold keeps the text whole"
    );
    assert_eq!(
        different.snippet, "A short standfirst. Heading First paragraph. One Two",
        "snippet on one line"
    );
}

#[test]
fn an_html_page_is_not_a_feed() {
    let err = decode(
        &fixture("pages/page-one-feed.html"),
        Some("text/html; charset=utf-8"),
        "https://southasiawire.example.com/",
    )
    .expect_err("a web page is not a feed");
    assert!(
        matches!(&err, Error::NotAFeed { url, html: true } if url == "https://southasiawire.example.com/"),
        "NotAFeed with html=true, got {err:?}"
    );
    let err = decode(
        &fixture("pages/page-no-feed.html"),
        Some("application/xml"),
        "http://harbour.example.net/about",
    )
    .expect_err("a page served with a feed content type is still a page");
    assert!(
        matches!(err, Error::NotAFeed { html: true, .. }),
        "recognised by its markup, got {err:?}"
    );
}

#[test]
fn an_xml_feed_served_as_html_is_still_decoded() {
    let feed = decode_fixture(
        "feeds/rss2-utf8.xml",
        Some("text/html"),
        "https://southasiawire.example.com/feed.xml",
    );
    assert_eq!(
        feed.entries.len(),
        5,
        "all entries of an RSS feed served as text/html"
    );
}

#[test]
fn garbage_is_an_invalid_feed() {
    let err = decode(
        &fixture("feeds/garbage.txt"),
        Some("text/plain"),
        "https://transit.example.com/feed",
    )
    .expect_err("not a feed");
    assert!(
        matches!(&err, Error::InvalidFeed { reason } if !reason.is_empty()),
        "InvalidFeed with a reason, got {err:?}"
    );

    let broken = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Cut off</title><item><title>Half</item>";
    let err =
        decode(broken, None, "https://transit.example.com/feed").expect_err("mismatched tags");
    assert!(
        matches!(&err, Error::InvalidFeed { reason } if !reason.is_empty()),
        "InvalidFeed with the parser's reason, got {err:?}"
    );

    let err = decode(
        &[0xFF, 0x00, 0x13, 0x88, 0x01, 0x02],
        None,
        "https://transit.example.com/feed",
    )
    .expect_err("binary");
    assert!(
        matches!(err, Error::InvalidFeed { .. }),
        "binary is InvalidFeed, got {err:?}"
    );
}

#[test]
fn an_empty_body_is_an_invalid_feed_saying_empty_document() {
    for body in [&b""[..], b"  \r\n\t ", b"\xEF\xBB\xBF\n"] {
        let err = decode(
            body,
            Some("application/rss+xml"),
            "https://transit.example.com/feed",
        )
        .expect_err("empty");
        assert!(
            matches!(&err, Error::InvalidFeed { reason } if reason == "empty document"),
            "{body:?} gives InvalidFeed(\"empty document\"), got {err:?}"
        );
    }
}

#[test]
fn text_is_marked_as_the_htmls_own_only_where_the_html_gives_it_back() {
    let dir = crate::support::fixture_path("feeds");
    let (mut marked, mut kept) = (0, 0);
    for file in std::fs::read_dir(&dir).expect("fixture feeds") {
        let path = file.expect("entry").path();
        let Ok(feed) = decode(
            &std::fs::read(&path).expect("readable"),
            None,
            "https://fixtures.example.org/feed",
        ) else {
            continue;
        };
        for e in &feed.entries {
            if e.text_of_html {
                marked += 1;
                assert_eq!(
                    stored_text(&e.content_html),
                    e.text,
                    "{}: {:?}",
                    path.display(),
                    e.title
                );
            } else {
                kept += 1;
            }
        }
    }
    assert!(
        marked > 10 && kept > 3,
        "fixtures cover both ({marked} marked, {kept} kept)"
    );
}

// ---------------------------------------------------------------------------------------------
// Tolerant decoding: what a forgiving reader reads, and what a broken document still holds.
// ---------------------------------------------------------------------------------------------

fn ids(feed: &DecodedFeed) -> Vec<Option<&str>> {
    feed.entries.iter().map(|e| e.guid.as_deref()).collect()
}

fn links(feed: &DecodedFeed) -> Vec<Option<&str>> {
    feed.entries.iter().map(|e| e.url.as_deref()).collect()
}

#[test]
fn a_document_cut_mid_entry_keeps_the_entries_before_the_cut_and_says_where() {
    let body = fixture("feeds/rss2-truncated.xml");
    let feed = decode(&body, None, "https://ledger.example.com/feed").expect("recovered");
    assert_eq!(feed.title.as_deref(), Some("Lahore Ledger"));
    assert_eq!(
        titles(&feed),
        vec![
            "Textile exports rise for a third month",
            "KSE-100 closes at a record high",
            "Rupee steady against the dollar",
        ],
        "every complete entry, none invented from the cut one"
    );
    let recovered = feed.recovered.as_ref().expect("marked as recovered");
    assert_eq!(recovered.entries, 3);
    assert_eq!(recovered.cut_at, body.len(), "cut where the download ended");
    assert!(feed.skipped.is_empty());
    assert_eq!(
        feed.recovery_note().as_deref(),
        Some(
            format!(
                "recovered: 3 entries, the document was cut at byte {}",
                body.len()
            )
            .as_str()
        )
    );

    // The same document whole is read without a note.
    let whole = [
        &body[..],
        b"</title><link>https://ledger.example.com/w</link></item></channel></rss>",
    ]
    .concat();
    let whole = decode(&whole, None, "https://ledger.example.com/feed").unwrap();
    assert_eq!(whole.entries.len(), 4);
    assert_eq!(whole.recovered, None);
    assert_eq!(whole.recovery_note(), None);
}

#[test]
fn one_unreadable_entry_is_skipped_with_a_reason_and_the_others_kept() {
    let feed = decode_fixture(
        "feeds/atom1-entry-problems.xml",
        None,
        "https://bulletin.example.net/atom.xml",
    );
    assert_eq!(
        titles(&feed),
        vec![
            "Border crossing at Torkham reopens",
            "Wheat prices ease in Kandahar",
            "Cricket board names new selectors",
            "Afghani < 70 per dollar for the first time",
        ],
        "application/xhtml+xml content, an empty type, MIME-typed text constructs and a bare `<` read"
    );
    assert!(
        feed.entries[0].content_html.contains("<b>for miles</b>"),
        "xhtml content kept as markup: {}",
        feed.entries[0].content_html
    );
    assert!(feed.entries[1].text.contains("Flour fell by a tenth"));
    assert_eq!(feed.recovered, None, "the document was not cut");
    assert_eq!(feed.skipped.len(), 1);
    let skipped = &feed.skipped[0];
    assert_eq!(skipped.position, 3);
    assert_eq!(
        skipped.title.as_deref(),
        Some("Content both linked and inline")
    );
    assert!(
        skipped.reason.contains("content"),
        "the parser's reason: {}",
        skipped.reason
    );
    let note = feed.recovery_note().expect("a note for the Feeds view");
    assert!(note.starts_with("skipped 1 entry: #3 ("), "{note}");
}

#[test]
fn an_rss_root_without_a_version_is_read_as_rss() {
    let feed = decode_fixture(
        "feeds/rss-no-version.xml",
        None,
        "https://dispatch.example.org/rss",
    );
    assert_eq!(feed.title.as_deref(), Some("Dhaka Dispatch"));
    assert_eq!(ids(&feed), vec![Some("dispatch-101"), Some("dispatch-102")]);
    assert_eq!(feed.recovery_note(), None);
    // Versions the parser does not dispatch on are read the same way.
    for version in ["0.90", "0.93", "0.94", "2.0.1", "2"] {
        let doc = String::from_utf8(fixture("feeds/rss-no-version.xml"))
            .unwrap()
            .replace("<rss>", &format!("<rss version=\"{version}\">"));
        let feed = decode(doc.as_bytes(), None, "https://dispatch.example.org/rss")
            .unwrap_or_else(|e| panic!("version {version}: {e}"));
        assert_eq!(feed.entries.len(), 2, "version {version}");
    }
}

#[test]
fn rss_090_keeps_its_channel_title_and_items() {
    let feed = decode_fixture(
        "feeds/rss090.rdf",
        None,
        "https://chronicle.example.com/rdf",
    );
    assert_eq!(feed.title.as_deref(), Some("Colombo Chronicle"));
    assert_eq!(
        titles(&feed),
        vec![
            "Tea auction prices firm",
            "Port city draws new investors",
            "Monsoon arrives early in the south",
        ]
    );
    assert_eq!(
        links(&feed)[0],
        Some("https://chronicle.example.com/tea-auction")
    );
}

#[test]
fn rdf_items_without_a_link_are_kept_with_rdf_about_or_dc_identifier_as_their_id() {
    let feed = decode_fixture(
        "feeds/rss1-rdf-about-no-link.xml",
        None,
        "https://asia.example.de/rdf",
    );
    assert_eq!(
        titles(&feed),
        vec![
            "Myanmar junta extends emergency rule",
            "Nepal and India sign a power deal",
            "Bhutan opens a new border town",
        ]
    );
    assert_eq!(
        ids(&feed),
        vec![
            Some("https://asia.example.de/a/1001"),
            Some("https://asia.example.de/a/1002"),
            Some("urn:asia-desk:1003"),
        ],
        "rdf:about, and dc:identifier where given"
    );
    assert_eq!(
        links(&feed),
        vec![None, Some("https://asia.example.de/a/1002.html"), None],
        "no link is made up; the placeholder is not a web address"
    );
    // The existing RDF fixture, whose items have links, gets rdf:about ids too.
    let feed = decode_fixture("feeds/rss1-rdf.xml", None, "https://example.org/rdf");
    assert!(
        feed.entries.iter().all(|e| e.guid.is_some()),
        "{:?}",
        ids(&feed)
    );
}

#[test]
fn an_rss_guid_stays_the_id_and_dc_identifier_stands_in_for_a_missing_one() {
    let feed = decode_fixture(
        "feeds/rss2-dc-identifier.xml",
        None,
        "https://courier.example.com/rss",
    );
    assert_eq!(
        ids(&feed),
        vec![Some("courier-guid-1"), Some("courier-dc-2")]
    );
}

#[test]
fn atom_text_constructs_are_read_as_their_type_says() {
    let feed = decode_fixture(
        "feeds/atom1-text-constructs.xml",
        None,
        "https://meaning.example.com/atom",
    );
    assert_eq!(
        feed.title.as_deref(),
        Some("Markup &amp; Meaning"),
        "type=text: the feed's title as written"
    );
    assert_eq!(
        titles(&feed),
        vec![
            "History of the <blink> tag",
            "&amp;",
            "a &amp; b",
            "Karachi port & rail link",
            "Lahore smog season ends early",
            "Untyped <tags> are text",
        ],
        "text is text (even in CDATA), html is escaped HTML, xhtml is inline markup, no type is text"
    );
}

#[test]
fn escaped_markup_in_rss_titles_keeps_its_words_and_html_titles_lose_their_tags() {
    let feed = decode_fixture(
        "feeds/rss2-escaped-titles.xml",
        None,
        "https://webdesk.example.net/rss",
    );
    assert_eq!(
        titles(&feed),
        vec![
            "<br> tag",
            "<CDATA> tag",
            "Bold move by the central bank",
            "Rates & rupees",
            "Nice <gorilla> what's he weigh?",
        ]
    );
}

#[test]
fn an_untitled_item_is_shown_by_its_text_and_marked_so() {
    let feed = decode_fixture(
        "feeds/rss092-untitled.xml",
        None,
        "https://notes.example.org/rss",
    );
    let untitled = &feed.entries[0];
    assert!(untitled.title_from_text, "the feed gave no title");
    assert_eq!(
        untitled.title, "Indus water levels at Kotri barrage rose overnight after rain upstream.",
        "the start of the text stands in for lists"
    );
    let titled = &feed.entries[1];
    assert!(!titled.title_from_text);
    assert_eq!(titled.title, "Hyderabad schools reopen");
}

#[test]
fn undeclared_east_asian_and_cyrillic_charsets_are_detected() {
    for (file, first) in [
        (
            "feeds/rss2-euc-jp-undeclared.xml",
            "日本の輸出が三か月連続で増加",
        ),
        (
            "feeds/rss2-euc-kr-undeclared.xml",
            "한국 수출이 석 달 연속 증가했다",
        ),
        ("feeds/rss2-gb2312-undeclared.xml", "中国出口连续三个月增长"),
        (
            "feeds/rss2-koi8-r-undeclared.xml",
            "Экспорт России растёт третий месяц подряд",
        ),
    ] {
        // No charset from HTTP, none in the XML declaration, no BOM; a host without a
        // country domain gives the detector no hint either.
        let body = fixture(file);
        assert!(!String::from_utf8_lossy(&body[..60]).contains("encoding"));
        let feed = decode(&body, None, "http://127.0.0.1:8080/feed.xml")
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(feed.entries.len(), 3, "{file}");
        assert_eq!(feed.entries[0].title, first, "{file}");
    }
}

#[tokio::test]
async fn a_recovered_feed_is_stored_with_its_note_and_the_note_goes_when_it_reads_whole() {
    use crate::support::{Doc, FeedHost};
    let dir = tempfile::tempdir().unwrap();
    let host = FeedHost::default();
    let cut = String::from_utf8(fixture("feeds/rss2-truncated.xml")).unwrap();
    host.set("/ledger.xml", Doc::feed(cut.clone()));
    let server = host.start().await;
    let engine = crate::support::engine(dir.path());
    engine
        .add_feed(&server.url("/ledger.xml"), None)
        .await
        .expect("a recovered feed can be added");
    engine.poll_all().await.unwrap();
    let feed = &engine.feeds().unwrap()[0];
    assert_eq!(feed.error_count, 0, "not an error: {:?}", feed.last_error);
    assert_eq!(feed.article_count, 3);
    assert_eq!(
        feed.recovery_note.as_deref(),
        Some(
            format!(
                "recovered: 3 entries, the document was cut at byte {}",
                cut.len()
            )
            .as_str()
        )
    );

    let whole =
        format!("{cut}</title><link>https://ledger.example.com/w</link></item></channel></rss>");
    host.set("/ledger.xml", Doc::feed(whole));
    engine.poll_all().await.unwrap();
    let feed = &engine.feeds().unwrap()[0];
    assert_eq!(feed.article_count, 4);
    assert_eq!(feed.recovery_note, None);
}

#[test]
fn a_loosely_written_json_feed_1_0_and_an_rss_without_channel_are_read() {
    let feed = decode_fixture(
        "feeds/jsonfeed-1.0-loose.json",
        Some("application/json"),
        "https://thimphu.example.org/feed.json",
    );
    assert_eq!(
        titles(&feed),
        vec![
            "Punakha Dzong restoration finished",
            "Hydropower exports to India rise",
        ]
    );
    assert_eq!(feed.entries[0].author.as_deref(), Some("Pema Wangmo"));
    assert_eq!(ids(&feed), vec![Some("thimphu-1"), Some("thimphu-2")]);

    let feed = decode_fixture(
        "feeds/rss-no-channel.xml",
        None,
        "https://atoll.example.net/rss",
    );
    assert_eq!(
        links(&feed),
        vec![
            Some("https://atoll.example.net/runway"),
            Some("https://atoll.example.net/reef"),
        ]
    );
}

#[test]
fn recovering_a_broken_document_costs_a_bounded_multiple_of_its_size() {
    // A large channel before thousands of small entries, cut short: each entry is parsed
    // inside a copy of the channel, so reading all of them would cost their product.
    let mut doc =
        String::from("<rss version=\"2.0\"><channel><title>Big frame</title><description>");
    doc.push_str(&"x".repeat(200_000));
    doc.push_str("</description>");
    for i in 0..2_000 {
        doc.push_str(&format!(
            "<item><title>t{i}</title><link>https://example.org/{i}</link></item>"
        ));
    }
    doc.push_str("<item><title>cut");
    let feed = decode(doc.as_bytes(), None, "https://example.org/feed").expect("recovered");
    assert!(!feed.entries.is_empty());
    assert!(
        feed.entries.len() < 2_000,
        "{} entries read",
        feed.entries.len()
    );
    assert_eq!(
        feed.entries[0].title, "t0",
        "the first entries are the ones read"
    );
    assert_eq!(feed.entries.len() + feed.skipped.len(), 2_000);
    assert!(feed
        .skipped
        .iter()
        .all(|s| s.reason.starts_with("not read")));
    assert!(feed.recovered.is_some());
}

#[test]
fn of_several_atom_alternates_the_last_web_page_is_the_link() {
    let feed = decode_fixture(
        "feeds/atom1-several-alternates.xml",
        None,
        "https://review.example.com/atom.xml",
    );
    assert_eq!(
        links(&feed),
        vec![
            Some("https://review.example.com/budget"),
            Some("https://review.example.com/ur/finance-bill"),
            Some("https://review.example.com/only.pdf"),
            Some("https://review.example.com/id-as-link"),
        ]
    );
}
