//! Search: the ids of one page of matching articles, newest first, and how they are counted.
//!
//! The query runs through the full-text index ([`crate::rules::fts`]). For queries the
//! index answers exactly, SQLite counts and pages; for the rest (`NEAR` over feed titles,
//! very wide `NEAR`s) every candidate is checked by the same matcher that raises alerts, so
//! search and alerts always agree.

use super::articles::{article_text, Filter};
use crate::error::{Error, Result};
use crate::model::ArticleId;
use crate::rules::{fts, matcher, Doc, Query};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection};

/// The index's words, from the `words` table (every word the writer indexed).
pub(super) struct IndexWords<'c>(pub(super) &'c Connection);

impl fts::Vocabulary for IndexWords<'_> {
    fn with_stem(&mut self, stem: &str) -> Vec<String> {
        let Ok(mut stmt) = self
            .0
            .prepare_cached("SELECT word FROM words WHERE stem = ?1")
        else {
            return Vec::new();
        };
        stmt.query_map([stem], |r| r.get::<_, String>(0))
            .map(|rows| rows.flatten().collect())
            .unwrap_or_default()
    }

    fn with_prefix(&mut self, prefix: &str, most: usize) -> Option<Vec<String>> {
        // The words from `prefix` up to `prefix` followed by the last code point sort
        // together, bytewise, and are exactly those that start with it: no indexed word holds
        // U+10FFFF (a noncharacter, which the tokenizer drops).
        let mut stmt = self
            .0
            .prepare_cached("SELECT word FROM words WHERE word >= ?1 AND word < ?2 LIMIT ?3")
            .ok()?;
        let words: Vec<String> = stmt
            .query_map(
                params![prefix, format!("{prefix}\u{10FFFF}"), most as i64 + 1],
                |r| r.get::<_, String>(0),
            )
            .ok()?
            .collect::<rusqlite::Result<_>>()
            .ok()?;
        (words.len() <= most).then_some(words)
    }
}

pub(super) fn parse_cursor(cursor: &str) -> Result<(i64, i64)> {
    cursor
        .split_once(':')
        .and_then(|(t, id)| Some((t.parse().ok()?, id.parse().ok()?)))
        .ok_or_else(|| Error::InvalidRule(format!("invalid page cursor {cursor:?}")))
}

/// One page of a search: the articles, the cursor after them, and the total.
pub(super) struct Page {
    /// Ids and sort times, newest first.
    pub ids: Vec<(ArticleId, i64)>,
    /// Whether more match after this page.
    pub more: bool,
    /// Matches in all, or the bound.
    pub total: u64,
    /// Whether `total` counts every match, or is a bound that more match.
    pub exact: bool,
}

impl Page {
    fn empty() -> Page {
        Page {
            ids: Vec::new(),
            more: false,
            total: 0,
            exact: true,
        }
    }
}

/// How a search counts its matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Count {
    /// Every one.
    All,
    /// Up to this many when the query alone decides (no other filter); beyond, the total is
    /// this bound. [`Store::articles`] uses [`LISTED_MATCHES`].
    Bounded(usize),
}

/// Matches a query alone lists before choosing its page, at most. Enumerating a match costs
/// about 0.3 µs (FTS5 decoding its position lists, one row through SQLite): a query matching a
/// quarter of a million-article archive would spend 70 ms listing them all, most of it only
/// to count them. Beyond the bound, the page is found among the listed matches and, for older
/// candidates, by asking the index about each one (~30 µs); see [`search_index_only`].
pub const LISTED_MATCHES: usize = 20_000;

/// Ids (with sort times) of one page of matching articles, newest first.
pub(super) fn search(
    conn: &Connection,
    query: Option<&Query>,
    filter: &Filter,
    cursor: Option<(i64, i64)>,
    limit: usize,
    count: Count,
) -> Result<Page> {
    let mut clauses = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let mut verify = None;
    let mut fts_expr = None;
    if let Some(q) = query {
        let t = fts::translate(&q.root, &mut IndexWords(conn));
        let Some(expr) = t.expr else {
            return Ok(Page::empty());
        };
        clauses.push("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)".into());
        args.push(Value::Text(expr.clone()));
        fts_expr = Some((expr, t.prefix));
        if !t.exact {
            verify = Some(q);
        }
        if let Some(langs) = &q.langs {
            // The stored language, as the matcher reads it off the prepared entry.
            clauses.push(format!("a.lang IN ({})", vec!["?"; langs.len()].join(", ")));
            args.extend(langs.iter().map(|l| Value::Text(l.clone())));
        }
    }
    let only_query = clauses.len() == 1 && verify.is_none();
    filter.sql(&mut clauses, &mut args);
    let only_query = only_query && clauses.len() == 1;
    let where_all = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };

    if let Some(q) = verify {
        // Inexact translation: check every candidate with the matcher.
        let candidates = id_times(
            &mut conn.prepare(&format!(
                "SELECT a.id, a.sort_time FROM articles a {where_all} ORDER BY a.sort_time DESC, a.id DESC"
            ))?,
            &args,
        )?;
        let mut matching = Vec::new();
        for (id, t) in candidates {
            if let Some(text) = article_text(conn, id)? {
                let feed_refs: Vec<&str> = text.feeds.iter().map(String::as_str).collect();
                let doc = Doc::new(&text.title, &text.body, &feed_refs);
                if matcher::words_match(q, &doc).is_some() {
                    matching.push((id, t));
                }
            }
        }
        let total = matching.len() as u64;
        let after: Vec<(i64, i64)> = matching
            .into_iter()
            .filter(|&(id, t)| cursor.is_none_or(|(ct, cid)| t < ct || (t == ct && id < cid)))
            .collect();
        let more = after.len() > limit;
        return Ok(Page {
            ids: after.into_iter().take(limit).collect(),
            more,
            total,
            exact: true,
        });
    }

    if let (Some((expr, prefix)), true) = (&fts_expr, only_query) {
        let count = if *prefix { Count::All } else { count };
        return search_index_only(conn, expr, cursor, limit, count);
    }

    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM articles a {where_all}"),
        params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    if let Some((t, id)) = cursor {
        clauses.push("(a.sort_time < ? OR (a.sort_time = ? AND a.id < ?))".into());
        args.extend([Value::Integer(t), Value::Integer(t), Value::Integer(id)]);
    }
    let where_page = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let fetch = limit.saturating_add(1).min(i64::MAX as usize) as i64;
    args.push(Value::Integer(fetch));
    let mut ids = id_times(
        &mut conn.prepare(&format!(
            "SELECT a.id, a.sort_time FROM articles a {where_page} ORDER BY a.sort_time DESC, a.id DESC LIMIT ?"
        ))?,
        &args,
    )?;
    let more = ids.len() > limit;
    ids.truncate(limit);
    Ok(Page {
        ids,
        more,
        total: total as u64,
        exact: true,
    })
}

/// The `(id, sort_time)` rows a statement selects with `args`.
fn id_times(stmt: &mut rusqlite::Statement, args: &[Value]) -> Result<Vec<(i64, i64)>> {
    Ok(stmt
        .query_map(params_from_iter(args.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// The ids a full-text statement selects with `args`.
fn rowids(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<Vec<i64>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_map(args, |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// A page of an exact full-text query without other filters. The index lists the matching
/// ids, newest stored first; then the cheaper of two plans finds the page:
/// - many matches: walk the time index from the newest article down, keeping the matches,
///   and stop once the page is full (rows walked ≈ page size × articles / matches);
/// - few matches: look up each match's time and sort them (work ≈ matches).
///
/// With [`Count::Bounded`] it lists at most that many; when more match, the walk asks
/// the index about each candidate older than the listed ones, and the total is the bound.
/// Every match above the lowest listed id is listed, so where ids follow arrival, as they do
/// in a live archive, the first pages rarely need to ask.
fn search_index_only(
    conn: &Connection,
    expr: &str,
    cursor: Option<(i64, i64)>,
    limit: usize,
    count: Count,
) -> Result<Page> {
    if limit == 0 && count == Count::All {
        // Only the count: SQLite counts faster than it hands every id over.
        let total: i64 = conn
            .prepare_cached("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?1")?
            .query_row([expr], |r| r.get(0))?;
        return Ok(Page {
            total: total as u64,
            ..Page::empty()
        });
    }
    let listed = match count {
        Count::All => usize::MAX,
        Count::Bounded(n) => n,
    };
    let mut matching = if listed == usize::MAX {
        rowids(
            conn,
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1",
            params![expr],
        )?
    } else {
        // Newest stored first: where ids follow arrival, the likeliest to be on the page.
        rowids(
            conn,
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
            params![expr, listed.saturating_add(1) as i64],
        )?
    };
    let mut complete = matching.len() <= listed;
    // The index returns ids in rowid order, one way or the other: sorting costs one pass then.
    matching.sort_unstable();
    if matching.is_empty() {
        return Ok(Page::empty());
    }
    // Every match at or above `floor` is listed; below it, only the index knows.
    let mut floor = if complete { i64::MIN } else { matching[0] };
    let articles: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM articles", [], |r| {
        r.get(0)
    })?;
    let fetch = limit.saturating_add(1);
    // Asking the index about one article costs about as much as listing 100 to 150 matches
    // (measured over a million articles; 150 here errs towards listing, which also gives the
    // exact count). Guessing from the share of ids the listed matches span how many are
    // unlisted, and how many candidates the walk will find below `floor`, ask only if that
    // costs less than listing the rest; and stop asking, and list the rest after all (and
    // count them), once the asks have cost that much (ids need not be spread evenly).
    let mut asks_left = if complete {
        0
    } else {
        let top = matching[matching.len() - 1];
        let share = (top - floor + 1) as f64 / top.max(1) as f64;
        let matches = matching.len() as f64 / share;
        let budget = (matches - matching.len() as f64) / 150.0;
        let asks = fetch as f64 * (articles as f64 / matches) * (1.0 - share);
        if asks < budget {
            budget as usize
        } else {
            0
        }
    };
    // A time-index row costs far less than a lookup of one article's time (a seek into
    // the wide `articles` table). Unlisted matches rule the lookups out.
    let walk = (fetch as f64) * (articles as f64 / matching.len() as f64);
    let lookups = matching.len() as f64 * 30.0;
    let mut ids: Vec<(i64, i64)> = Vec::new();
    if walk < lookups || !complete {
        let (sql, args): (&str, Vec<i64>) = match cursor {
            None => (
                "SELECT id, sort_time FROM articles INDEXED BY articles_by_time
                 ORDER BY sort_time DESC, id DESC",
                vec![],
            ),
            Some((t, id)) => (
                "SELECT id, sort_time FROM articles INDEXED BY articles_by_time
                 WHERE sort_time <= ?1 AND (sort_time < ?1 OR id < ?2)
                 ORDER BY sort_time DESC, id DESC",
                vec![t, id],
            ),
        };
        let mut ask = conn.prepare_cached(
            "SELECT 1 FROM articles_fts WHERE articles_fts MATCH ?1 AND rowid = ?2",
        )?;
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            if id < floor && asks_left == 0 {
                #[cfg(test)]
                tests::LISTED_REST.with(|n| n.set(n.get() + 1));
                let mut all = rowids(
                    conn,
                    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1 AND rowid < ?2",
                    params![expr, floor],
                )?;
                all.sort_unstable();
                all.append(&mut matching);
                matching = all;
                floor = i64::MIN;
                complete = true;
            }
            let hit = if id >= floor {
                matching.binary_search(&id).is_ok()
            } else {
                asks_left -= 1;
                #[cfg(test)]
                tests::ASKED.with(|n| n.set(n.get() + 1));
                ask.exists(params![expr, id])?
            };
            if hit {
                ids.push((id, row.get(1)?));
                if ids.len() >= fetch {
                    break;
                }
            }
        }
    } else {
        let mut args = vec![Value::Text(expr.to_string())];
        let mut sql = String::from(
            "SELECT a.id, a.sort_time FROM articles a
             WHERE a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)",
        );
        if let Some((t, id)) = cursor {
            sql.push_str(" AND (a.sort_time < ? OR (a.sort_time = ? AND a.id < ?))");
            args.extend([Value::Integer(t), Value::Integer(t), Value::Integer(id)]);
        }
        sql.push_str(" ORDER BY a.sort_time DESC, a.id DESC LIMIT ?");
        args.push(Value::Integer(fetch.min(i64::MAX as usize) as i64));
        let mut stmt = conn.prepare_cached(&sql)?;
        ids = id_times(&mut stmt, &args)?;
    }
    let more = ids.len() > limit;
    ids.truncate(limit);
    let (total, exact) = if complete {
        (matching.len() as u64, true)
    } else {
        (listed as u64, false)
    };
    Ok(Page {
        ids,
        more,
        total,
        exact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::DecodedEntry;
    use crate::prepare::PreparedEntry;
    use crate::rules::RuleSet;
    use crate::store::Store;
    use crate::store::{FeedUpdate, NewFeed};
    use chrono::Utc;
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
    fn pages(
        store: &Store,
        query: &Query,
        limit: usize,
        count: Count,
    ) -> (Vec<i64>, Vec<(u64, bool)>) {
        let conn = store.reader();
        let (mut ids, mut totals, mut cursor) = (Vec::new(), Vec::new(), None);
        loop {
            let page =
                search(&conn, Some(query), &Filter::default(), cursor, limit, count).unwrap();
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
}
