//! Upgrading keeps the user's data: a database written at an older schema is migrated when the
//! current engine opens it, and every feed, rule, article, alert and star survives.

use wirewatch::model::{AlertQuery, ArticleQuery};
use wirewatch::store::schema::MIGRATIONS;

/// A copy of the schema-1 archive fixture as `dir`'s database, where the engine looks for it.
fn schema_1_copy(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("wirewatch.db");
    std::fs::copy(
        crate::support::fixture_path("db/wirewatch-schema-1.db"),
        &db,
    )
    .unwrap();
    db
}

#[test]
fn a_database_from_schema_1_is_migrated_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let db = schema_1_copy(dir.path());
    let before: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(before, 1, "the fixture is an old database");

    let engine = crate::support::engine(dir.path());
    let after: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, MIGRATIONS.len() as i64, "every migration ran");
    engine
        .integrity_check()
        .expect("the migrated database is sound");

    let stats = engine.stats().unwrap();
    assert_eq!(
        (
            stats.feeds,
            stats.articles,
            stats.rules,
            stats.alerts,
            stats.starred
        ),
        (1, 3, 1, 2, 1),
        "feeds, articles, rules, alerts and stars survive: {stats:?}"
    );
    let feed = &engine.feeds().unwrap()[0];
    assert_eq!(
        (feed.title.as_str(), feed.folder.as_deref()),
        ("Upgrade Desk", Some("Pakistan"))
    );
    let alerts = engine.alerts(&AlertQuery::default()).unwrap();
    assert!(
        alerts.iter().all(|a| !a.matches.is_empty()),
        "alerts keep their highlights"
    );
    for (query, hits) in [
        ("ceasefire", 1),
        ("truce", 1),
        ("\"line of control\"", 1),
        ("rupee", 1),
    ] {
        let page = engine
            .articles(&ArticleQuery {
                query: query.into(),
                ..ArticleQuery::default()
            })
            .unwrap();
        assert_eq!(page.total, hits, "search for {query} after the upgrade");
    }
    let starred = engine
        .articles(&ArticleQuery {
            starred: true,
            ..ArticleQuery::default()
        })
        .unwrap();
    assert_eq!(
        starred.articles[0].title,
        "Karachi markets close higher as the rupee steadies"
    );
    assert_eq!(
        feed.full_text,
        wirewatch::model::FullTextMode::Auto,
        "an old feed takes the default full-text setting"
    );
    let article = engine.article(starred.articles[0].id).unwrap();
    assert_eq!(
        (
            article.full_text_status,
            article.full_text,
            article.full_text_note
        ),
        (wirewatch::model::FullTextStatus::NotNeeded, None, None),
        "an article stored before full text has none, and needs none"
    );
}

/// New archives use 32 KiB pages, which hold whole articles (a story with its HTML and text
/// is 3–5 KB) without overflow chains; an existing archive keeps the page size it was made
/// with, since changing it would mean rewriting the whole file.
#[test]
fn new_archives_use_large_pages_and_old_ones_keep_theirs() {
    let page_size = |db: &std::path::Path| -> i64 {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap()
    };
    let fresh = tempfile::tempdir().unwrap();
    drop(crate::support::engine(fresh.path()));
    assert_eq!(page_size(&fresh.path().join("wirewatch.db")), 32_768);

    let old = tempfile::tempdir().unwrap();
    let db = schema_1_copy(old.path());
    let before = page_size(&db);
    let engine = crate::support::engine(old.path());
    engine.integrity_check().unwrap();
    drop(engine);
    assert_eq!(page_size(&db), before);
    assert_ne!(before, 32_768, "the fixture was made with the old default");
}

/// An archive written before folding knew Urdu's Arabic-keyboard letters and Hindi's nukta
/// (schema 4) indexed such words apart and had no languages: opening it rewrites the index
/// rows of those articles, with their words, and detects every article's language.
#[test]
fn an_archive_from_schema_4_is_refolded_and_given_languages() {
    use wirewatch::rules::Query;
    use wirewatch::store::{FeedUpdate, NewFeed, Store};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let now = chrono::Utc::now();
    let stories = [
        ("ur", "پاكستان اور بھارت میں جنگ بندي"),
        ("hi", "कश्मीर में सीज़फ़ायर का उल्लंघन"),
        ("en", "Markets close higher as the rupee steadies"),
    ];
    {
        let store = Store::open(&db).unwrap();
        let feed = NewFeed {
            url: "https://press.example.org/feed.xml".into(),
            title: Some("Press".into()),
            ..NewFeed::default()
        };
        let feed_id = store.add_feed(&feed, now, 900).unwrap().0.id;
        let entries = stories
            .iter()
            .map(|(lang, title)| {
                wirewatch::prepare::PreparedEntry::new(wirewatch::decode::DecodedEntry {
                    guid: Some((*lang).into()),
                    title: (*title).into(),
                    ..Default::default()
                })
            })
            .collect();
        store
            .apply_poll(
                vec![FeedUpdate::entries(feed_id, None, entries, now)],
                &Default::default(),
                now,
            )
            .unwrap();
    }
    // What schema 4 had written: the words folded as it folded them, and no languages.
    let old_fold = |title: &str| -> String {
        use unicode_normalization::UnicodeNormalization;
        title.nfkd().collect::<String>()
    };
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        for (id, (_, title)) in (1..).zip(&stories) {
            conn.execute("DELETE FROM articles_fts WHERE rowid = ?1", [id])
                .unwrap();
            conn.execute(
                "INSERT INTO articles_fts (rowid, title, body, feed) VALUES (?1, ?2, '', 'press')",
                rusqlite::params![id, old_fold(title).to_lowercase()],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO rules (name, query, scope, notify, muted, created)
             VALUES ('Rupee', 'rupee', '{}', 1, 0, 0)",
            [],
        )
        .unwrap();
        conn.execute_batch(
            "DROP TABLE refold_pending; DROP INDEX articles_lang;
             ALTER TABLE articles DROP COLUMN lang; ALTER TABLE feeds DROP COLUMN recovery_note;
             DROP INDEX articles_time_by_id; DROP TABLE feed_checks; DROP TABLE spikes;
             ALTER TABLE rules DROP COLUMN spike_sensitivity;
             ALTER TABLE rules DROP COLUMN spike_cool_down_secs;
             DROP INDEX articles_by_story; DROP INDEX alerts_by_story;
             DROP TABLE stories; DROP TABLE story_vocabulary;
             ALTER TABLE articles DROP COLUMN story_id;
             ALTER TABLE articles DROP COLUMN story_detached;
             ALTER TABLE alerts DROP COLUMN story_id;
             DROP TABLE full_texts; DROP TABLE full_text_queue;
             ALTER TABLE feeds DROP COLUMN full_text;
             ALTER TABLE articles DROP COLUMN full_text_status;
             ALTER TABLE articles DROP COLUMN full_text_note;
             ALTER TABLE rules DROP COLUMN renotify_outlets;
             ALTER TABLE alerts DROP COLUMN renotified_outlets;
             DROP TABLE story_terms;
             PRAGMA user_version = 4;",
        )
        .unwrap();
        let found: Option<i64> = conn
            .query_row(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH '\"پاکستان\"'",
                [],
                |r| r.get(0),
            )
            .ok();
        assert_eq!(
            found, None,
            "the old index knows only the Arabic-keyboard spelling"
        );
    }

    let store = Store::open(&db).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, MIGRATIONS.len() as i64);
    for (query, id) in [
        ("پاکستان", 1),
        ("\"جنگ بندی\"", 1),
        ("सीजफायर", 2),
        ("rupee", 3),
    ] {
        let found = store.search_ids(&Query::parse(query).unwrap()).unwrap();
        assert_eq!(found, vec![id], "{query} after the upgrade");
    }
    for (id, (lang, _)) in (1..).zip(&stories) {
        assert_eq!(store.article_lang(id).unwrap().as_deref(), Some(*lang));
    }
    let pending: i64 = conn
        .query_row("SELECT count(*) FROM refold_pending", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pending, 0, "the rows were rewritten once");
    let renotify: Vec<Option<i64>> = conn
        .prepare("SELECT renotify_outlets FROM rules")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        renotify,
        vec![None],
        "a rule from before notifies once per story, as it did"
    );
    store.integrity_check().unwrap();
}
