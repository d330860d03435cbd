//! The `wirewatch` command line, run as a user would run it, against a loopback feed server.

use crate::support::{rss, Doc, FeedHost, Item};
use std::path::Path;
use std::process::{Command, Output};

fn wirewatch(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirewatch"))
        .args(args)
        .env("WIREWATCH_DB", db)
        .env_remove("WIREWATCH_LOG")
        .output()
        .expect("run wirewatch")
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = wirewatch(db, args);
    assert!(
        out.status.success(),
        "wirewatch {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(db: &Path, args: &[&str]) -> serde_json::Value {
    let text = ok(db, args);
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("wirewatch {args:?} printed no JSON ({e}): {text}"))
}

fn failure(db: &Path, args: &[&str]) -> String {
    let out = wirewatch(db, args);
    assert!(!out.status.success(), "wirewatch {args:?} should fail");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("wirewatch: error: "),
        "one clear line: {err}"
    );
    err
}

fn stories() -> Vec<Item> {
    let now = chrono::Utc::now().to_rfc2822();
    let mut items = vec![
        Item::new(
            "c1",
            "Pakistan and India extend the ceasefire for talks in Geneva",
            "Diplomats said the ceasefire would hold while negotiators meet.",
        ),
        Item::new(
            "m1",
            "Karachi markets close higher",
            "Shares rose on the day.",
        ),
    ];
    for item in &mut items {
        item.published = now.clone();
    }
    items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_subscribes_adds_a_rule_polls_and_reads_alerts() {
    let host = FeedHost::default();
    host.set("/desk.xml", Doc::feed(rss("Desk", &stories())));
    let server = host.start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let url = server.url("/desk.xml");

    let out = ok(&db, &["feed", "add", &url]);
    assert!(out.contains("Added Desk"), "{out}");
    let again = ok(&db, &["feed", "add", &url]);
    assert!(
        again.contains("Already subscribed"),
        "adding twice is a no-op with a message: {again}"
    );

    let err = failure(
        &db,
        &["rule", "add", "Broken", "ceasefire AND (India OR Pakistan"],
    );
    assert!(err.contains("never closed"), "{err}");
    assert_eq!(
        json(&db, &["rule", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing saved"
    );

    ok(
        &db,
        &[
            "rule",
            "add",
            "South Asia ceasefire",
            "ceasefire (India OR Pakistan)",
        ],
    );
    let test = json(&db, &["rule", "test", "ceasefire", "--json"]);
    assert_eq!(test["count"], 1, "{test}");

    // Alerts come from articles that arrive after the rule exists.
    host.set(
        "/desk.xml",
        Doc::feed(rss(
            "Desk",
            &[Item::new(
                "c2",
                "Kashmir ceasefire holds as India and Pakistan talk",
                "Calm along the border.",
            )],
        )),
    );
    let nothing_due = json(&db, &["poll", "--once", "--json"]);
    assert_eq!(
        nothing_due["feeds"], 0,
        "the feed was just fetched, so nothing is due: {nothing_due}"
    );
    let summary = json(&db, &["poll", "--all", "--json"]);
    assert_eq!(
        (summary["new_articles"].as_u64(), summary["alerts"].as_u64()),
        (Some(1), Some(1)),
        "{summary}"
    );
    let alerts = json(&db, &["alerts", "--json"]);
    assert_eq!(alerts.as_array().unwrap().len(), 1);
    assert_eq!(alerts[0]["rule_name"], "South Asia ceasefire");
    let unchanged = json(&db, &["poll", "--all", "--json"]);
    assert_eq!(
        unchanged["not_modified"], 1,
        "a second poll is conditional: {unchanged}"
    );

    let found = json(&db, &["search", "ceasefire", "--json"]);
    assert_eq!(found["total"], 2);
    let stats = json(&db, &["stats", "--json"]);
    assert_eq!(
        (
            stats["feeds"].as_i64(),
            stats["articles"].as_i64(),
            stats["alerts"].as_i64()
        ),
        (Some(1), Some(3), Some(1))
    );
    let opml = ok(&db, &["export"]);
    assert!(opml.contains(&url) && opml.contains("<opml"), "{opml}");
    let listed = json(&db, &["feed", "list", "--json"]);
    assert_eq!(listed[0]["title"], "Desk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspect_prints_how_a_feed_is_read_as_json_in_document_order() {
    let host = FeedHost::default();
    let mut items = stories();
    items[0].published = "Sat, 10 May 2025 09:30:00 +0000".into();
    items[1].published = "not a date".into();
    host.set("/desk.xml", Doc::feed(rss("Desk &amp; Co", &items)));
    let server = host.start().await;
    let dir = tempfile::tempdir().unwrap();
    let v = json(
        &dir.path().join("unused.db"),
        &["inspect", &server.url("/desk.xml")],
    );
    assert_eq!(v["title"], "Desk & Co", "entities decoded in titles");
    assert_eq!(v["link"], "https://news.example.org/");
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["title"], items[0].title);
    assert_eq!(entries[0]["link"], items[0].link);
    assert_eq!(entries[0]["id"], items[0].guid);
    assert_eq!(entries[0]["published"], "2025-05-10T09:30:00+00:00");
    assert_eq!(
        entries[1]["published"],
        serde_json::Value::Null,
        "unreadable dates are null"
    );
    assert!(
        !dir.path().join("unused.db").exists(),
        "inspect touches no database"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_add_reads_a_file_and_reports_each_failure_on_one_line() {
    let host = FeedHost::default();
    host.set("/desk.xml", Doc::feed(rss("Desk", &stories())));
    let server = host.start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let list = dir.path().join("feeds.txt");
    std::fs::write(
        &list,
        format!(
            "# my feeds\n{}\n\n{}\n",
            server.url("/desk.xml"),
            server.url("/missing.xml")
        ),
    )
    .unwrap();
    let out = wirewatch(
        &db,
        &[
            "feed",
            "add",
            "--file",
            list.to_str().unwrap(),
            "--folder",
            "Pakistan",
        ],
    );
    assert!(
        !out.status.success(),
        "one feed failed, so the command fails"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/missing.xml") && stderr.contains("404"),
        "{stderr}"
    );
    let listed = json(&db, &["feed", "list", "--json"]);
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "the good feed was still added"
    );
    assert_eq!(listed[0]["folder"], "Pakistan");
    let err = failure(
        &db,
        &["import", dir.path().join("nope.opml").to_str().unwrap()],
    );
    assert!(err.contains("nope.opml"), "{err}");
    std::fs::write(
        dir.path().join("junk.db"),
        b"this is not a database at all, just text",
    )
    .unwrap();
    let err = failure(&dir.path().join("junk.db"), &["stats"]);
    assert!(err.contains("not a Wirewatch database"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspect_prints_recovered_and_skipped_entries() {
    let host = FeedHost::default();
    let cut = crate::support::fixture("feeds/rss2-truncated.xml");
    let cut_len = cut.len();
    host.set("/cut.xml", Doc::feed(String::from_utf8(cut).unwrap()));
    host.set(
        "/problems.xml",
        Doc::feed(
            String::from_utf8(crate::support::fixture("feeds/atom1-entry-problems.xml")).unwrap(),
        ),
    );
    let server = host.start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.db");

    let v = json(&db, &["inspect", &server.url("/cut.xml")]);
    assert_eq!(v["entries"].as_array().unwrap().len(), 3);
    assert_eq!(v["recovered"]["entries"], 3);
    assert_eq!(v["recovered"]["cut_at"], cut_len);
    assert_eq!(
        v["note"],
        format!("recovered: 3 entries, the document was cut at byte {cut_len}")
    );

    let v = json(&db, &["inspect", &server.url("/problems.xml")]);
    assert_eq!(v["entries"].as_array().unwrap().len(), 4);
    assert_eq!(v["recovered"], serde_json::Value::Null);
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["position"], 3);
    assert_eq!(skipped[0]["title"], "Content both linked and inline");
    assert!(skipped[0]["reason"].as_str().unwrap().contains("content"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trend_prints_start_and_count_as_search_counts_and_a_new_rule_backfills() {
    let host = FeedHost::default();
    host.set("/desk.xml", Doc::feed(rss("Desk", &stories())));
    let server = host.start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    ok(&db, &["feed", "add", &server.url("/desk.xml")]);

    let trend = json(&db, &["trend", "ceasefire", "--by", "hour", "--json"]);
    let points = trend.as_array().expect("[{start, count}]");
    assert_eq!(points.len(), 25, "a day by hour, the first bucket clipped");
    let total: u64 = points.iter().map(|p| p["count"].as_u64().unwrap()).sum();
    let search = json(&db, &["search", "ceasefire", "--json"]);
    assert_eq!(total, search["total"].as_u64().unwrap(), "{trend}");
    assert!(points.iter().all(|p| p["start"].is_string()));

    let out = ok(
        &db,
        &["rule", "add", "Ceasefire", "ceasefire", "--backfill"],
    );
    assert!(out.contains("1 alerts from the last 24 hours"), "{out}");
    let by_rule = json(
        &db,
        &[
            "trend",
            "--rule",
            "Ceasefire",
            "--by",
            "day",
            "--since",
            "7d",
            "--json",
        ],
    );
    let total: u64 = by_rule
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1);
    let err = failure(&db, &["trend", "--rule", "Nothing", "--json"]);
    assert!(err.contains("no rule is named"), "{err}");
}

/// `wirewatch stories --json` after one poll of three outlets: one story for the event they
/// all reported, in the shape scripts read; `--rule` keeps the stories a rule alerted on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stories_lists_each_event_once_with_its_outlets_and_articles() {
    let now = chrono::Utc::now();
    let host = FeedHost::default();
    let reports = [
        ("dawn", "Rain havoc: 37 killed as floods sweep Sukkur, Larkana",
         "At least 37 people were killed after torrential monsoon rain lashed upper Sindh, the PDMA said. Sukkur received 212 millimetres in 24 hours."),
        ("geo", "Monsoon floods kill 37 in Sindh; army called in for rescue",
         "Army troops were deployed in Larkana and Sukkur as the death toll from floods rose to 37 after 212mm of rain fell on Sukkur."),
        ("tribune", "Sukkur drowns under record rain, PDMA confirms 37 deaths",
         "The PDMA confirmed 37 deaths across upper Sindh as record rainfall of 212 mm left Sukkur and Larkana under water."),
    ];
    let mut feeds = Vec::new();
    for (i, (outlet, title, body)) in reports.iter().enumerate() {
        let mut flood = Item::new(&format!("{outlet}-flood"), title, body);
        flood.link = format!("https://{outlet}.example.org/flood");
        flood.published = (now - chrono::Duration::minutes(30 - 10 * i as i64)).to_rfc2822();
        let (other_title, other_body) = [
            (
                "Cricket board names a former captain as chief selector",
                "The board named him to lead its panel.",
            ),
            (
                "Karachi stocks close higher on banking gains",
                "The index rose 1.2 percent as banks led.",
            ),
            (
                "Lahore book fair opens with 300 stalls",
                "Publishers from twelve cities took part.",
            ),
        ][i];
        let mut other = Item::new(&format!("{outlet}-other"), other_title, other_body);
        other.link = format!("https://{outlet}.example.org/other");
        other.published = now.to_rfc2822();
        host.set(
            &format!("/{outlet}.xml"),
            Doc::feed(rss(outlet, &[flood, other])),
        );
        feeds.push(*outlet);
    }
    let server = host.start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    ok(&db, &["rule", "add", "Floods", "floods OR flood"]);
    for outlet in &feeds {
        ok(
            &db,
            &["feed", "add", &server.url(&format!("/{outlet}.xml"))],
        );
    }

    let stories = json(&db, &["stories", "--json"]);
    let list = stories.as_array().expect("a list");
    let flood: Vec<&serde_json::Value> = list
        .iter()
        .filter(|s| {
            s["articles"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["link"].as_str().unwrap().ends_with("/flood"))
        })
        .collect();
    assert_eq!(
        flood.len(),
        1,
        "the three reports make one story: {stories:#}"
    );
    let story = flood[0];
    for key in ["id", "title", "first_seen", "outlets", "articles"] {
        assert!(story.get(key).is_some(), "a story has `{key}`: {story:#}");
    }
    assert_eq!(
        story["outlets"],
        serde_json::json!(["dawn", "geo", "tribune"]),
        "first to report first"
    );
    assert_eq!(story["articles"].as_array().unwrap().len(), 3);
    for key in ["id", "link", "title", "feed", "published"] {
        assert!(
            story["articles"][0].get(key).is_some(),
            "an article has `{key}`"
        );
    }
    assert_eq!(
        list.len(),
        4,
        "each outlet's other item is a story of its own: {stories:#}"
    );

    let alerted = json(
        &db,
        &["stories", "--rule", "Floods", "--since", "2h", "--json"],
    );
    assert_eq!(alerted.as_array().unwrap().len(), 1, "{alerted:#}");
    assert_eq!(alerted[0]["id"], story["id"]);
    let alerts = json(&db, &["alerts", "--json"]);
    assert_eq!(
        alerts.as_array().unwrap().len(),
        1,
        "one alert for the story: {alerts:#}"
    );
    assert_eq!(
        alerts[0]["story"]["id"], story["id"],
        "alerts carry the story id"
    );
    failure(&db, &["stories", "--rule", "No such rule"]);
}

#[test]
fn concept_list_add_and_remove_change_the_lexicon_rules_use() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");

    let listed = json(&db, &["concept", "list", "--json"]);
    let concepts = listed.as_array().expect("a list of concepts");
    let ceasefire = concepts
        .iter()
        .find(|c| c["name"] == "ceasefire")
        .expect("the shipped @ceasefire");
    let texts: Vec<&str> = ceasefire["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["text"].as_str().unwrap())
        .collect();
    for shipped in ["ceasefire", "جنگ بندی", "संघर्ष विराम", "停火"]
    {
        assert!(texts.contains(&shipped), "{shipped} in {texts:?}");
    }
    let table = ok(&db, &["concept", "list"]);
    assert!(table.contains("@ceasefire"), "{table}");
    assert!(table.contains("停火 [zh]"), "{table}");

    // A new concept: rules may name it once it has a spelling, and not after the last goes.
    failure(&db, &["rule", "add", "Glacier", "@siachen"]);
    let added = ok(&db, &["concept", "add", "@Siachen", "سیاچن"]);
    assert!(added.contains("@siachen"), "{added}");
    let table = ok(&db, &["concept", "list"]);
    assert!(table.contains("سیاچن *"), "the user's own, marked: {table}");
    let listed = json(&db, &["concept", "list", "--json"]);
    let siachen = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "siachen")
        .expect("the new concept");
    assert_eq!(siachen["variants"][0]["text"], "سیاچن");
    assert_eq!(siachen["variants"][0]["shipped"], false);
    ok(&db, &["rule", "add", "Glacier", "@siachen"]);

    ok(&db, &["concept", "remove", "siachen", "سیاچن"]);
    let listed = json(&db, &["concept", "list", "--json"]);
    assert!(
        !listed
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "siachen"),
        "a concept without spellings is gone"
    );

    // A shipped spelling can be removed too.
    ok(&db, &["concept", "remove", "ceasefire", "truce"]);
    let listed = json(&db, &["concept", "list", "--json"]);
    let ceasefire = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "ceasefire")
        .unwrap();
    assert!(!ceasefire["variants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["text"] == "truce"));

    let err = failure(&db, &["concept", "add", "Line Of Control", "LoC"]);
    assert!(err.contains("concept"), "{err}");
}

#[test]
fn spike_alerts_and_a_feeds_fixed_interval_are_set_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    ok(
        &db,
        &["rule", "add", "Ceasefire", "ceasefire (India OR Pakistan)"],
    );
    let on = json(
        &db,
        &[
            "rule",
            "spikes",
            "1",
            "--sensitivity",
            "high",
            "--cool-down",
            "2h",
            "--json",
        ],
    );
    assert_eq!(on["sensitivity"], "high", "{on}");
    assert_eq!(on["cool_down_secs"], 7200, "{on}");
    let said = ok(&db, &["rule", "spikes", "1", "--sensitivity", "low"]);
    assert_eq!(
        said.trim(),
        "Spike alerts for rule 1 (Ceasefire): low sensitivity, quiet for 6 h after each.",
        "without --cool-down, the default six hours"
    );
    let off = json(
        &db,
        &["rule", "spikes", "1", "--sensitivity", "off", "--json"],
    );
    assert!(off["sensitivity"].is_null(), "{off}");
    let err = failure(&db, &["rule", "spikes", "9", "--sensitivity", "high"]);
    assert!(err.contains('9'), "a rule that does not exist: {err}");
    assert!(
        !wirewatch(&db, &["rule", "spikes", "1", "--sensitivity", "extreme"])
            .status
            .success(),
        "only off, low, medium and high"
    );

    // A subscription from OPML (nothing is fetched), given a priority interval and back.
    let opml = dir.path().join("subs.opml");
    std::fs::write(
        &opml,
        r#"<opml version="2.0"><body><outline text="UN News" type="rss" xmlUrl="https://news.example.org/feed.xml"/></body></opml>"#,
    )
    .unwrap();
    ok(&db, &["import", opml.to_str().unwrap()]);
    let said = ok(
        &db,
        &[
            "feed",
            "interval",
            "https://news.example.org/feed.xml",
            "--every",
            "5m",
        ],
    );
    assert_eq!(said.trim(), "UN News is checked every 5 min now.");
    let listed = json(&db, &["feed", "list", "--json"]);
    assert_eq!(listed[0]["interval_override_secs"], 300, "{listed}");
    let err = failure(&db, &["feed", "interval", "1", "--every", "30s"]);
    assert!(err.contains("60 seconds"), "{err}");
    ok(&db, &["feed", "interval", "1", "--adaptive"]);
    let listed = json(&db, &["feed", "list", "--json"]);
    assert!(listed[0]["interval_override_secs"].is_null(), "{listed}");
    assert!(
        !wirewatch(&db, &["feed", "interval", "1"]).status.success(),
        "either --every or --adaptive"
    );
}

#[test]
fn rule_add_and_edit_set_when_a_rule_notifies_again_and_rule_list_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let added = json(
        &db,
        &[
            "rule",
            "add",
            "Nepal",
            "Nepal",
            "--renotify-at",
            "5",
            "--json",
        ],
    );
    assert_eq!(added["renotify_outlets"], 5);
    let id = added["id"].as_i64().unwrap().to_string();
    let listed = json(&db, &["rule", "list", "--json"]);
    assert_eq!(listed[0]["renotify_outlets"], 5, "rules --json shows it");
    assert!(ok(&db, &["rule", "list"]).contains("(again at 5 outlets)"));
    let edited = json(&db, &["rule", "edit", &id, "--renotify-at", "12", "--json"]);
    assert_eq!(edited["renotify_outlets"], 12);
    assert_eq!(edited["query"], "Nepal", "what is not given is kept");
    let off = json(&db, &["rule", "edit", &id, "--no-renotify", "--json"]);
    assert_eq!(off["renotify_outlets"], serde_json::Value::Null);
    let refused = failure(&db, &["rule", "edit", &id, "--renotify-at", "1"]);
    assert!(refused.contains("2 outlets or more"), "{refused}");
}

#[test]
fn opml_export_then_import_into_a_fresh_database_keeps_each_feeds_full_text_setting() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("first.db"), dir.path().join("second.db"));
    let list = dir.path().join("list.opml");
    std::fs::write(
        &list,
        r#"<opml version="2.0"><head/><body>
             <outline text="A" xmlUrl="http://127.0.0.1:9/a.xml"/>
             <outline text="B" xmlUrl="http://127.0.0.1:9/b.xml"/>
             <outline text="C" xmlUrl="http://127.0.0.1:9/c.xml"/>
           </body></opml>"#,
    )
    .unwrap();
    ok(&first, &["import", list.to_str().unwrap()]);
    ok(
        &first,
        &[
            "feed",
            "set",
            "http://127.0.0.1:9/a.xml",
            "--full-text",
            "always",
        ],
    );
    ok(
        &first,
        &[
            "feed",
            "set",
            "http://127.0.0.1:9/b.xml",
            "--full-text",
            "never",
        ],
    );
    let exported = dir.path().join("exported.opml");
    ok(&first, &["export", exported.to_str().unwrap()]);
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(
        text.contains(r#"fullText="always""#) && text.contains(r#"fullText="never""#),
        "the settings are written: {text}"
    );
    assert!(
        !text.contains(r#"fullText="auto""#),
        "auto, the default, is not: {text}"
    );

    ok(&second, &["import", exported.to_str().unwrap()]);
    let feeds = json(&second, &["feed", "list", "--json"]);
    let modes: Vec<(String, String)> = feeds
        .as_array()
        .expect("a list")
        .iter()
        .map(|f| {
            (
                f["url"].as_str().unwrap().to_owned(),
                f["full_text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (url, mode) in [("a", "always"), ("b", "never"), ("c", "auto")] {
        let url = format!("http://127.0.0.1:9/{url}.xml");
        assert!(
            modes.contains(&(url.clone(), mode.to_owned())),
            "{url} is {mode} after the round trip: {modes:?}"
        );
    }
}
