//! The writer's stories: what is loaded when, outlets counted, terms kept while live.

use crate::decode::DecodedEntry;
use crate::prepare::PreparedEntry;
use crate::rules::RuleSet;
use crate::store::{FeedUpdate, NewFeed, Store};
use crate::story::Placement;
use chrono::Utc;

fn entry(guid: &str, title: &str) -> PreparedEntry {
    PreparedEntry::new(DecodedEntry {
        guid: Some(guid.into()),
        title: title.into(),
        text: format!("{title}: what the envoys said in Doha on Sunday."),
        ..DecodedEntry::default()
    })
}

/// Loading the live stories costs a re-poll more than the rest of it (every feed
/// unchanged): they are read only when a transaction first has an article to place.
#[test]
fn the_story_index_is_loaded_only_when_an_article_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let now = Utc::now();
    let feed = {
        let store = Store::open(&path).unwrap();
        let feed = NewFeed {
            url: "https://news.example.org/feed".into(),
            ..NewFeed::default()
        };
        let id = store.add_feed(&feed, now, 900).unwrap().0.id;
        let update = FeedUpdate::entries(id, None, vec![entry("a", "Talks resume")], now);
        store
            .apply_poll(vec![update], &RuleSet::default(), now)
            .unwrap();
        assert!(store.stories_desk().is_loaded());
        id
    };
    let store = Store::open(&path).unwrap();
    let poll = |entries| {
        let update = FeedUpdate::entries(feed, None, entries, now);
        store
            .apply_poll(vec![update], &RuleSet::default(), now)
            .unwrap()
    };
    assert_eq!(poll(vec![entry("a", "Talks resume")]).new_articles, 0);
    assert!(
        !store.stories_desk().is_loaded(),
        "nothing new: the stories stay on disk"
    );
    assert_eq!(poll(vec![entry("b", "Border reopens")]).new_articles, 1);
    assert!(store.stories_desk().is_loaded(), "a new article loads them");
}

fn report(guid: &str, link: &str, title: &str) -> PreparedEntry {
    PreparedEntry::new(DecodedEntry {
        guid: Some(guid.into()),
        url: Some(link.into()),
        title: title.into(),
        text: "The DGMOs of India and Pakistan agreed in a hotline call at 1700 IST to \
               observe the ceasefire along the Line of Control from midnight."
            .into(),
        ..DecodedEntry::default()
    })
}

/// `(articles, outlets)` of the story of the article listed under `guid`.
fn counts(store: &Store, guid: &str) -> (i64, i64) {
    store
        .writer()
        .query_row(
            "SELECT s.articles, s.outlets FROM stories s
             JOIN articles a ON a.story_id = s.id WHERE a.guid = ?1",
            [guid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

/// A story counts each outlet once, without looking through the archive: a feed that
/// brings one of its articles again (the same link) counts, and then it is one of the
/// story's outlets, which take no second article into it.
#[test]
fn a_story_counts_each_outlet_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("w.db")).unwrap();
    let now = Utc::now();
    let [a, b, c] = ["a", "b", "c"].map(|name| {
        let feed = NewFeed {
            url: format!("https://{name}.example.org/feed"),
            ..NewFeed::default()
        };
        store.add_feed(&feed, now, 900).unwrap().0.id
    });
    let poll = |feed, entries| {
        let update = FeedUpdate::entries(feed, None, entries, now);
        store
            .apply_poll(vec![update], &RuleSet::default(), now)
            .unwrap()
    };
    let first = "https://a.example.org/ceasefire";
    poll(a, vec![report("a1", first, "DGMOs agree LoC ceasefire")]);
    assert_eq!(counts(&store, "a1"), (1, 1));
    poll(b, vec![report("b1", first, "DGMOs agree LoC ceasefire")]);
    assert_eq!(
        counts(&store, "a1"),
        (1, 2),
        "the same link through b: one more outlet"
    );
    poll(
        b,
        vec![report(
            "b2",
            "https://b.example.org/loc",
            "LoC ceasefire from midnight",
        )],
    );
    assert_eq!(
        counts(&store, "a1"),
        (1, 2),
        "b reported it already: b's second write-up is a story of its own"
    );
    assert_eq!(counts(&store, "b2"), (1, 1));
    poll(
        c,
        vec![report(
            "c1",
            "https://c.example.org/dgmo",
            "Ceasefire agreed on LoC",
        )],
    );
    assert_eq!(
        counts(&store, "a1"),
        (2, 3),
        "c joins: one more article and outlet"
    );
}

/// Past the outlets the index remembers, a join's outlet is looked up in the story's
/// articles.
#[test]
fn an_outlet_the_index_does_not_remember_is_looked_up() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("w.db")).unwrap();
    let now = Utc::now();
    let [a, b] = ["a", "b"].map(|name| {
        let feed = NewFeed {
            url: format!("https://{name}.example.org/feed"),
            ..NewFeed::default()
        };
        store.add_feed(&feed, now, 900).unwrap().0.id
    });
    let update = FeedUpdate::entries(
        a,
        None,
        vec![report("a1", "https://a.example.org/1", "Ceasefire")],
        now,
    );
    store
        .apply_poll(vec![update], &RuleSet::default(), now)
        .unwrap();
    let conn = store.writer();
    let (story, article): (i64, i64) = conn
        .query_row(
            "SELECT story_id, id FROM articles WHERE guid = 'a1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let joined = Placement {
        story,
        started: false,
        score: 0.5,
        new_outlet: false,
    };
    let outlets = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("SELECT outlets FROM stories WHERE id = ?1", [story], |r| {
            r.get(0)
        })
        .unwrap()
    };
    // Another article of feed a joins: a is one of its outlets already.
    super::record(&conn, &joined, article + 100, a, "Ceasefire, later", now).unwrap();
    assert_eq!(outlets(&conn), 1);
    // One of feed b: a new outlet.
    super::record(&conn, &joined, article + 101, b, "Ceasefire, from b", now).unwrap();
    assert_eq!(outlets(&conn), 2);
}

/// The stories whose terms the archive holds, by the guid of one of their articles.
fn with_terms(conn: &rusqlite::Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare(
            "SELECT a.guid FROM story_terms t JOIN articles a ON a.story_id = t.story_id
             ORDER BY a.guid",
        )
        .unwrap();
    let guids = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<String>>>()
        .unwrap();
    guids
}

/// Whether the story rows have a `terms` column (where schema 12 kept every story's terms).
fn rows_have_terms(store: &Store) -> bool {
    store
        .writer()
        .prepare("SELECT 1 FROM pragma_table_info('stories') WHERE name = 'terms'")
        .unwrap()
        .exists([])
        .unwrap()
}

/// Feeds `a`, `b` and `c` of a fresh store.
fn three_feeds(store: &Store, now: chrono::DateTime<Utc>) -> [i64; 3] {
    ["a", "b", "c"].map(|name| {
        let feed = NewFeed {
            url: format!("https://{name}.example.org/feed"),
            ..NewFeed::default()
        };
        store.add_feed(&feed, now, 900).unwrap().0.id
    })
}

fn poll_at(store: &Store, feed: i64, entries: Vec<PreparedEntry>, at: chrono::DateTime<Utc>) {
    let update = FeedUpdate::entries(feed, None, entries, at);
    store
        .apply_poll(vec![update], &RuleSet::default(), at)
        .unwrap();
}

/// The archive keeps the terms of the stories still taking articles, and only theirs: once
/// the index lets a story go, its terms go too, so they do not pile up with the archive.
#[test]
fn only_the_stories_still_taking_articles_keep_their_terms() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let start = Utc::now() - chrono::Duration::days(30);
    let later = start + chrono::Duration::days(10);
    {
        let store = Store::open(&path).unwrap();
        let [a, b, _] = three_feeds(&store, start);
        poll_at(&store, a, vec![entry("a1", "Talks resume in Doha")], start);
        assert_eq!(with_terms(&store.writer()), vec!["a1"]);
        poll_at(
            &store,
            b,
            vec![entry("b1", "Border reopens at Wagah")],
            later,
        );
        assert_eq!(
            with_terms(&store.writer()),
            vec!["b1"],
            "ten days on, the talks story takes no more articles and keeps no terms"
        );
        assert!(!rows_have_terms(&store), "the story rows hold no terms");
    }
    let store = Store::open(&path).unwrap();
    let mut desk = store.stories_desk();
    let index = desk.index(&store.writer()).unwrap();
    assert_eq!(index.live_stories(), 1, "a restart loads the live story");
}

/// Schema 12 kept every story's terms in its row, forever: the upgrade moves those of the
/// stories within a week of the newest to `story_terms`, copies the rows without them, and the
/// index loaded from them groups as before.
#[test]
fn an_archive_of_schema_12_keeps_the_terms_of_its_live_stories_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let start = Utc::now() - chrono::Duration::days(30);
    let later = start + chrono::Duration::days(10);
    let feeds = {
        let store = Store::open(&path).unwrap();
        let feeds = three_feeds(&store, start);
        let ceasefire = report("b1", "https://b.example.org/1", "DGMOs agree LoC ceasefire");
        poll_at(
            &store,
            feeds[0],
            vec![entry("a1", "Talks resume in Doha")],
            start,
        );
        let old: Vec<u8> = store
            .writer()
            .query_row("SELECT terms FROM story_terms", [], |r| r.get(0))
            .unwrap();
        poll_at(&store, feeds[1], vec![ceasefire], later);
        // Back to schema 12: every story's terms in its row, the old story's too.
        let conn = store.writer();
        conn.execute_batch(
            "ALTER TABLE stories ADD COLUMN terms BLOB;
             UPDATE stories SET terms = (SELECT terms FROM story_terms WHERE story_id = id);
             DROP TABLE story_terms;
             CREATE INDEX stories_live ON stories(last_update) WHERE terms IS NOT NULL;
             DROP INDEX full_text_queue_due;
             CREATE INDEX full_text_queue_by_time ON full_text_queue(next_try);
             PRAGMA user_version = 12;",
        )
        .unwrap();
        conn.execute(
            "UPDATE stories SET terms = ?1 WHERE id = (
                 SELECT story_id FROM articles WHERE guid = 'a1')",
            [old],
        )
        .unwrap();
        feeds
    };
    let store = Store::open(&path).unwrap();
    assert!(!rows_have_terms(&store), "the rows' terms are gone");
    assert_eq!(
        with_terms(&store.writer()),
        vec!["b1"],
        "only the story within a week of the newest keeps its terms"
    );
    let joining = report("c1", "https://c.example.org/1", "Ceasefire agreed on LoC");
    poll_at(&store, feeds[2], vec![joining], later);
    assert_eq!(
        counts(&store, "b1"),
        (2, 2),
        "c's report joins the moved story"
    );
}
