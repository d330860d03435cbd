//! Tests of listing and searching the archive.

use super::*;
use crate::decode::DecodedEntry;
use crate::prepare::PreparedEntry;
use crate::rules::RuleSet;
use crate::store::{FeedUpdate, NewFeed};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cell::Cell;

thread_local! {
    /// Articles the index was asked about one by one.
    pub(super) static ASKED: Cell<usize> = const { Cell::new(0) };
    /// Times a bounded search listed the rest of its matches after all.
    pub(super) static LISTED_REST: Cell<usize> = const { Cell::new(0) };
}

/// An archive of `polls` × `n` articles whose ids say nothing of their times (as when
/// feeds bring their back catalogue), with ties in time, over a small vocabulary so
/// matches are many. Each poll adds a segment to the full-text index.
fn archive(dir: &std::path::Path, polls: usize, n: usize) -> Store {
    let store = Store::open(&dir.join("w.db")).unwrap();
    let now = Utc::now();
    let feed = store
        .add_feed(
            &NewFeed {
                url: "https://wire.example.org/feed.xml".into(),
                title: Some("Wire".into()),
                ..NewFeed::default()
            },
            now,
            900,
        )
        .unwrap()
        .0
        .id;
    let mut rng = StdRng::seed_from_u64(7);
    let words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
    for poll in 0..polls {
        let entries = (0..n)
            .map(|i| {
                let mut sentence = |len: usize| {
                    let picked: Vec<&str> = (0..len)
                        .map(|_| words[rng.random_range(0..words.len())])
                        .collect();
                    picked.join(" ")
                };
                let (title, text) = (sentence(3), sentence(8));
                let published = now - chrono::Duration::minutes(rng.random_range(0..400));
                PreparedEntry::new(DecodedEntry {
                    guid: Some(format!("story-{poll}-{i}")),
                    title,
                    text,
                    published: Some(published),
                    ..DecodedEntry::default()
                })
            })
            .collect();
        let update = FeedUpdate::entries(feed, None, entries, now);
        store
            .apply_poll(vec![update], &RuleSet::default(), now)
            .unwrap();
    }
    store
}

/// Every page of `query`, `limit` at a time: the ids in order, and each page's total.
fn pages(store: &Store, query: &Query, limit: usize, count: Count) -> (Vec<i64>, Vec<(u64, bool)>) {
    let conn = store.reader();
    let (mut ids, mut totals, mut cursor) = (Vec::new(), Vec::new(), None);
    loop {
        let page = search(&conn, Some(query), &Filter::default(), cursor, limit, count).unwrap();
        ids.extend(page.ids.iter().map(|(id, _)| *id));
        totals.push((page.total, page.exact));
        if !page.more {
            return (ids, totals);
        }
        let (id, t) = *page.ids.last().unwrap();
        cursor = Some((t, id));
    }
}

#[test]
fn bounded_searches_page_exactly_like_counting_every_match() {
    let dir = tempfile::tempdir().unwrap();
    let store = archive(dir.path(), 1, 2000);
    let (asked, listed_rest) = (ASKED.with(Cell::get), LISTED_REST.with(Cell::get));
    for source in [
        "alpha",
        "alpha beta",
        "gamma -delta",
        "\"alpha beta\"",
        "title:zeta",
        "alph*",
    ] {
        let query = Query::parse(source).unwrap();
        let (all, totals) = pages(&store, &query, 20, Count::All);
        let matches = all.len() as u64;
        assert!(matches > 100, "{source}: the archive is dense ({matches})");
        assert!(
            totals.iter().all(|t| *t == (matches, true)),
            "{source}: {totals:?}"
        );
        // Newest first, ties by id: the order the time index gives.
        let mut expected = store.search_ids(&query).unwrap();
        expected.sort_by_key(|id| {
            let t: i64 = store
                .reader()
                .query_row("SELECT sort_time FROM articles WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .unwrap();
            (std::cmp::Reverse(t), std::cmp::Reverse(*id))
        });
        assert_eq!(all, expected, "{source}");
        for (bound, limit) in [(1, 1), (1, 50), (2, 7), (9, 50), (40, 7), (100_000, 50)] {
            let (ids, totals) = pages(&store, &query, limit, Count::Bounded(bound));
            assert_eq!(ids, all, "{source}, bound {bound}, pages of {limit}");
            for (total, exact) in totals {
                if exact {
                    assert_eq!(total, matches, "{source}, bound {bound}");
                } else {
                    assert!(
                        total == bound as u64 && matches > total,
                        "{source}, bound {bound}"
                    );
                }
            }
        }
        let conn = store.reader();
        let only_count =
            search(&conn, Some(&query), &Filter::default(), None, 0, Count::All).unwrap();
        assert_eq!(
            (only_count.total, only_count.exact),
            (matches, true),
            "{source}"
        );
    }
    // Both ways of finding unlisted matches were taken.
    assert!(
        ASKED.with(Cell::get) > asked,
        "the index was asked about single articles"
    );
    assert!(
        LISTED_REST.with(Cell::get) > listed_rest,
        "the rest was listed when asking cost too much"
    );
}

fn segments(store: &Store) -> i64 {
    store
        .reader()
        .query_row(
            "SELECT count(DISTINCT segid) FROM articles_fts_idx",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn optimizing_merges_the_index_into_one_segment_and_finds_the_same_articles() {
    let dir = tempfile::tempdir().unwrap();
    let store = archive(dir.path(), 3, 200);
    assert_eq!(segments(&store), 3, "one segment per poll");
    let queries = [
        "alpha",
        "beta -gamma",
        "\"delta epsilon\"",
        "zet*",
        "NEAR(alpha zeta, 2)",
    ];
    let found = |store: &Store| -> Vec<Vec<i64>> {
        queries
            .iter()
            .map(|q| store.search_ids(&Query::parse(q).unwrap()).unwrap())
            .collect()
    };
    let before = found(&store);
    assert!(before.iter().all(|ids| !ids.is_empty()));
    // In small steps, each its own transaction, until done.
    assert!(store.merge_index(1).unwrap() > 1);
    assert_eq!(segments(&store), 1);
    assert_eq!(found(&store), before);
    let dir = tempfile::tempdir().unwrap();
    let store = archive(dir.path(), 3, 200);
    assert_eq!(segments(&store), 3);
    store.optimize().unwrap();
    assert_eq!(segments(&store), 1);
    assert_eq!(found(&store), before);
    // Nothing left to merge: it returns at once and changes nothing.
    store.optimize().unwrap();
    assert_eq!(segments(&store), 1);
    assert_eq!(found(&store), before);
}
