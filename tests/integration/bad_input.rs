//! Bad input from the user: addresses that are not feeds, repeated subscriptions, broken
//! queries and OPML files, and database files that are not ours to open. Each is refused with
//! a stable code and a sentence, and what was stored before is neither lost nor changed.

use crate::support::{rss, Doc, FeedHost, Item};
use std::path::{Path, PathBuf};
use wirewatch::model::{AddFeedOutcome, ArticleQuery, RuleDraft, RuleScope};
use wirewatch::{Engine, Error};

/// A message people can read: several words, not a debug dump.
fn assert_sentence(e: &Error) {
    let msg = e.to_string();
    assert!(
        msg.split_whitespace().count() >= 4,
        "{}: the message should be a sentence, got {msg:?}",
        e.code()
    );
    assert!(
        !msg.contains("Error {") && !msg.contains("SqliteFailure") && !msg.contains("Some("),
        "{}: the message should not be a debug dump: {msg:?}",
        e.code()
    );
}

/// Counts of every table that holds user data.
fn counts(db: &Path) -> Vec<(String, i64)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open read-only");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%' AND name NOT LIKE '%vocab%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let n = conn
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect()
}

fn story(id: &str, title: &str) -> Item {
    Item::new(
        id,
        title,
        "Officials in Islamabad said talks would resume on Monday.",
    )
}

/// An engine with one feed of two stories and one rule, and the server that feeds it.
async fn stocked(dir: &Path) -> (Engine, FeedHost, crate::support::TestServer) {
    let host = FeedHost::default();
    host.set(
        "/feed.xml",
        Doc::feed(rss(
            "Desk",
            &[story("a", "Talks resume"), story("b", "Budget passed")],
        )),
    );
    host.set(
        "/page.html",
        Doc::status(
            200,
            "text/html; charset=utf-8",
            "<!doctype html><html><head><title>About us</title></head><body><p>No feeds here.</p></body></html>",
        ),
    );
    let server = host.start().await;
    let engine = crate::support::engine(dir);
    engine
        .add_feed(&server.url("/feed.xml"), None)
        .await
        .unwrap();
    engine
        .add_rule(&RuleDraft {
            name: "Talks".into(),
            query: "talks".into(),
            scope: RuleScope::default(),
            notify: true,
            muted: false,
            renotify_outlets: None,
        })
        .unwrap();
    (engine, host, server)
}

#[tokio::test]
async fn addresses_that_are_not_feeds_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _host, server) = stocked(dir.path()).await;
    let db = engine.config().db_path.clone();
    let before = counts(&db);
    let feeds_before = engine.feeds().unwrap();

    for url in [
        "",
        "   ",
        "not a url at all",
        "http://",
        "ftp://example.org/feed.xml",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/xml,<rss/>",
        "http://exa mple.org/feed",
    ] {
        let err = engine.add_feed(url, None).await.expect_err(url);
        assert_eq!(err.code(), "invalid_url", "{url:?}: {err}");
        assert_sentence(&err);
    }
    let err = engine
        .add_feed(&server.url("/page.html"), None)
        .await
        .expect_err("a page without feeds");
    assert_eq!(err.code(), "not_a_feed", "{err}");
    assert_sentence(&err);
    assert!(err.to_string().contains("web page"), "{err}");

    // The same subscription again, as pasted in other spellings: nothing is added or changed.
    let url = server.url("/feed.xml");
    for again in [
        url.clone(),
        format!("  {url}  "),
        format!("feed:{url}"),
        url.replace("http://", "https://"),
    ] {
        let outcome = engine.add_feed(&again, Some("Elsewhere")).await;
        match outcome {
            Ok(AddFeedOutcome::Exists { feed }) => assert_eq!(feed.id, feeds_before[0].id),
            other => panic!("{again:?}: expected Exists, got {other:?}"),
        }
    }
    assert_eq!(
        engine.feeds().unwrap(),
        feeds_before,
        "the feed is unchanged"
    );
    assert_eq!(counts(&db), before, "nothing was stored or removed");
}

#[tokio::test]
async fn invalid_queries_are_refused_with_where_and_save_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _host, _server) = stocked(dir.path()).await;
    let db = engine.config().db_path.clone();
    let before = counts(&db);
    let rules_before = engine.rules().unwrap();
    for query in [
        "",
        "   ",
        "(",
        "talks AND",
        "talks OR (budget",
        "\"unclosed phrase",
        "()",
        "NEAR(talks",
        "title:",
        "NOT",
    ] {
        let draft = RuleDraft {
            name: "Broken".into(),
            query: query.into(),
            scope: RuleScope::default(),
            notify: true,
            muted: false,
            renotify_outlets: None,
        };
        let err = engine.add_rule(&draft).expect_err(query);
        assert_eq!(err.code(), "invalid_query", "{query:?}: {err}");
        assert_sentence(&err);
        let Error::InvalidQuery(problem) = &err else {
            unreachable!()
        };
        assert!(
            problem.start <= problem.end && problem.end as usize <= query.chars().count(),
            "{query:?}: the span {problem:?} is inside the query"
        );
        let err = engine
            .update_rule(rules_before[0].id, &draft)
            .expect_err(query);
        assert_eq!(err.code(), "invalid_query");
        if !query.trim().is_empty() {
            let err = engine
                .articles(&ArticleQuery {
                    query: query.into(),
                    ..ArticleQuery::default()
                })
                .expect_err(query);
            assert_eq!(err.code(), "invalid_query");
        }
    }
    let err = engine
        .add_rule(&RuleDraft {
            name: "  ".into(),
            query: "talks".into(),
            scope: RuleScope::default(),
            notify: true,
            muted: false,
            renotify_outlets: None,
        })
        .expect_err("a rule without a name");
    assert_eq!(err.code(), "invalid_rule");
    assert_sentence(&err);
    assert_eq!(engine.rules().unwrap(), rules_before, "no rule changed");
    assert_eq!(counts(&db), before);
}

#[test]
fn settings_out_of_bounds_are_refused_with_their_own_code_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = crate::support::engine(dir.path());
    let before = engine.settings().unwrap();
    for (min, max) in [(30, 3600), (600, 300)] {
        let mut settings = before.clone();
        settings.min_interval_secs = min;
        settings.max_interval_secs = max;
        let err = engine
            .set_settings(&settings)
            .expect_err("intervals out of bounds");
        assert_eq!(
            err.code(),
            "invalid_settings",
            "a settings error is not a rule error: {err}"
        );
        assert_sentence(&err);
    }
    assert_eq!(engine.settings().unwrap(), before, "nothing was saved");
}

#[tokio::test]
async fn malformed_and_huge_opml_files_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _host, server) = stocked(dir.path()).await;
    let db = engine.config().db_path.clone();
    let before = counts(&db);

    let outline = format!(
        "<outline type=\"rss\" text=\"x\" xmlUrl=\"{}\"/>\n",
        server.url("/other.xml")
    );
    let huge = format!(
        "<?xml version=\"1.0\"?><opml version=\"2.0\"><head/><body>{}</body></opml>",
        outline.repeat(11 * 1024 * 1024 / outline.len())
    );
    assert!(huge.len() > 10 * 1024 * 1024);
    let deep = format!(
        "<opml version=\"2.0\"><body>{}{}</body></opml>",
        "<outline text=\"f\">".repeat(10_000),
        "</outline>".repeat(10_000)
    );
    let many = format!(
        "<opml version=\"2.0\"><body>{}</body></opml>",
        (0..25_000)
            .map(|i| format!("<outline xmlUrl=\"https://example.org/{i}.xml\"/>"))
            .collect::<String>()
    );
    let cases = [
        ("empty", String::new()),
        ("whitespace", "  \n ".to_string()),
        ("binary", "\u{0}\u{1}\u{2}PK\u{3}\u{4}garbage".to_string()),
        (
            "html",
            "<!doctype html><html><body>not opml</body></html>".to_string(),
        ),
        ("unclosed", format!("<opml version=\"2.0\"><body>{outline}")),
        (
            "other xml",
            "<rss version=\"2.0\"><channel/></rss>".to_string(),
        ),
        ("huge", huge),
        ("deep", deep),
        ("many", many),
    ];
    for (name, text) in &cases {
        let err = engine.import_opml(text).expect_err(name);
        assert_eq!(err.code(), "invalid_opml", "{name}: {err}");
        assert_sentence(&err);
        assert!(err.to_string().len() < 400, "{name}: a short message");
    }
    assert_eq!(counts(&db), before, "a refused import changes nothing");
}

/// A database of ours with a feed, stories and a rule, closed again.
async fn stocked_db(dir: &Path) -> PathBuf {
    let (engine, _host, _server) = stocked(dir).await;
    let db = engine.config().db_path.clone();
    drop(engine);
    // Fold the WAL into the main file so the file alone is the database.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(conn);
    db
}

fn open_error(path: &Path) -> Error {
    let config = crate::support::test_config(path.parent().unwrap());
    let config = wirewatch::Config {
        db_path: path.to_path_buf(),
        ..config
    };
    Engine::open(config, std::sync::Arc::new(wirewatch::SystemClock))
        .expect_err("the file is refused")
}

fn sidecars_absent(path: &Path) {
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        assert!(
            !Path::new(&p).exists(),
            "opening {} left {suffix} behind",
            path.display()
        );
    }
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    // Seeded noise: not SQLite, whatever the first bytes.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&path, &bytes).unwrap();
    let err = open_error(&path);
    assert_eq!(err.code(), "database", "{err}");
    assert_sentence(&err);
    assert!(
        err.to_string().contains("not a Wirewatch database"),
        "{err}"
    );
    assert!(
        std::fs::read(&path).unwrap() == bytes,
        "the file is untouched"
    );
    sidecars_absent(&path);

    // Text that happens to be a small file, and an empty file (which SQLite treats as new).
    let text = dir.path().join("readme.db");
    std::fs::write(&text, "This is not a database.\n").unwrap();
    let err = open_error(&text);
    assert_eq!(err.code(), "database", "{err}");
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "This is not a database.\n"
    );
}

#[test]
fn the_cli_says_in_one_line_that_a_file_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.db");
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7 + 3) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wirewatch"))
        .arg("--db")
        .arg(&path)
        .arg("stats")
        .output()
        .expect("run wirewatch");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("wirewatch: error: cannot open the database:")
            && stderr.contains("not a Wirewatch database"),
        "{stderr}"
    );
    assert!(std::fs::read(&path).unwrap() == bytes);
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = stocked_db(dir.path()).await;
    let newer = dir.path().join("newer.db");
    std::fs::copy(&db, &newer).unwrap();
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
    }
    let before = counts(&newer);
    let bytes = std::fs::read(&newer).unwrap();
    let err = open_error(&newer);
    assert_eq!(err.code(), "database", "{err}");
    assert_sentence(&err);
    assert!(err.to_string().contains("newer version"), "{err}");
    assert_eq!(counts(&newer), before, "every row is still there");
    assert!(
        std::fs::read(&newer).unwrap() == bytes,
        "the newer version's file is not modified (not even its journal mode)"
    );
    sidecars_absent(&newer);
}

#[test]
fn another_programs_sqlite_database_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("places.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE bookmarks (id INTEGER PRIMARY KEY, url TEXT NOT NULL, title TEXT);
             INSERT INTO bookmarks (url, title) VALUES ('https://example.org/', 'Example');
             INSERT INTO bookmarks (url, title) VALUES ('https://example.net/', 'Another');",
        )
        .unwrap();
    }
    let before = counts(&path);
    let bytes = std::fs::read(&path).unwrap();
    let err = open_error(&path);
    assert_eq!(err.code(), "database", "{err}");
    assert_sentence(&err);
    assert!(err.to_string().contains("another program"), "{err}");
    assert_eq!(counts(&path), before);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        mode, "delete",
        "the other program's journal mode is not switched to WAL"
    );
    drop(conn);
    assert!(
        std::fs::read(&path).unwrap() == bytes,
        "its file is untouched"
    );
    sidecars_absent(&path);
}

#[tokio::test]
async fn a_refused_open_leaves_our_own_database_usable() {
    // Refusals are decided before anything is written, so a good database opened right after
    // a bad one works as before.
    let dir = tempfile::tempdir().unwrap();
    let db = stocked_db(dir.path()).await;
    let before = counts(&db);
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"SQLite format 3\0but not really").unwrap();
    assert_eq!(open_error(&junk).code(), "database");
    let config = wirewatch::Config {
        db_path: db.clone(),
        ..crate::support::test_config(dir.path())
    };
    let engine = Engine::open(config, std::sync::Arc::new(wirewatch::SystemClock)).unwrap();
    engine.integrity_check().unwrap();
    assert_eq!(engine.stats().unwrap().articles, 2);
    drop(engine);
    assert_eq!(counts(&db), before);
}
