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
