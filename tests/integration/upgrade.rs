//! Upgrading keeps the user's data: a database written at an older schema is migrated when the
//! current engine opens it, and every feed, rule, article, alert and star survives.

use wirewatch::model::{AlertQuery, ArticleQuery};
use wirewatch::store::schema::MIGRATIONS;

#[test]
fn a_database_from_schema_1_is_migrated_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wirewatch.db");
    std::fs::copy(
        crate::support::fixture_path("db/wirewatch-schema-1.db"),
        &db,
    )
    .unwrap();
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
        .store()
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
