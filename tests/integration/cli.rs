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
