//! Listing and searching the archive, reading one article, read/starred state, retention.
//!
//! Search runs the query through the full-text index ([`crate::rules::fts`]). For queries the
//! index answers exactly, SQLite counts and pages; for the rest (`NEAR` over feed titles,
//! very wide `NEAR`s) every candidate is checked by the same matcher that raises alerts, so
//! search and alerts always agree.
//!
//! A page comes first and fast: a query alone lists at most [`LISTED_MATCHES`] matches to
//! choose its page from, and says "more than that many" beyond ([`ArticlePage::total_exact`]).
//! [`Store::article_count`] counts every match, for the window to show once the page is up.

use super::{ms, opt_time, time, Store};
use crate::error::{Error, Result};
use crate::model::{
    Article, ArticleId, ArticlePage, ArticleQuery, ArticleSummary, FeedId, FeedRef, RuleId,
    RuleSample, RuleScope, RuleTest, TermMatch,
};
use crate::rules::{fts, matcher, Doc, Query};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use std::collections::{BTreeSet, HashMap};

const SUMMARY_COLUMNS: &str =
    "a.id, a.url, a.title, a.author, a.snippet, a.published, a.fetched, a.read, a.starred, a.lang";

pub(super) fn summary_row(r: &Row, offset: usize) -> rusqlite::Result<ArticleSummary> {
    Ok(ArticleSummary {
        id: r.get(offset)?,
        feeds: Vec::new(),
        url: r.get(offset + 1)?,
        title: r.get(offset + 2)?,
        author: r.get(offset + 3)?,
        snippet: r.get(offset + 4)?,
        published: opt_time(r.get(offset + 5)?),
        fetched: time(r.get(offset + 6)?),
        read: r.get(offset + 7)?,
        starred: r.get(offset + 8)?,
        lang: r.get(offset + 9)?,
    })
}

/// Fills in the feeds each article came through.
pub(super) fn attach_feeds(conn: &Connection, articles: &mut [ArticleSummary]) -> Result<()> {
    if articles.is_empty() {
        return Ok(());
    }
    let ids: BTreeSet<ArticleId> = articles.iter().map(|a| a.id).collect();
    let ids: Vec<String> = ids.iter().map(ArticleId::to_string).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT af.article_id, f.id, f.title FROM article_feeds af JOIN feeds f ON f.id = af.feed_id
         WHERE af.article_id IN ({}) ORDER BY af.seen, f.id",
        ids.join(",")
    ))?;
    let mut by_article: HashMap<ArticleId, Vec<FeedRef>> = HashMap::new();
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            FeedRef {
                id: r.get(1)?,
                title: r.get(2)?,
            },
        ))
    })?;
    for row in rows {
        let (article, feed) = row?;
        by_article.entry(article).or_default().push(feed);
    }
    // Not `remove`: a list of alerts holds an article once per rule it matched.
    for a in articles {
        a.feeds = by_article.get(&a.id).cloned().unwrap_or_default();
    }
    Ok(())
}

/// The index's words, from the `words` table (every word the writer indexed).
struct IndexWords<'c>(&'c Connection);

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

/// Narrowing conditions shared by search, rule tests and listings.
#[derive(Debug, Default, Clone)]
pub(super) struct Filter {
    /// Articles from any of these feeds or folders (both empty: all).
    pub feeds: Vec<FeedId>,
    pub folders: Vec<String>,
    pub rule: Option<RuleId>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub starred: bool,
    pub unread: bool,
    /// Only articles in this language (ISO 639-1).
    pub lang: Option<String>,
}

impl Filter {
    fn of(q: &ArticleQuery) -> Filter {
        Filter {
            feeds: q.feeds.clone(),
            folders: q.folder.iter().cloned().collect(),
            rule: q.rule,
            since: q.since,
            until: q.until,
            starred: q.starred,
            unread: q.unread,
            lang: q.lang.clone(),
        }
    }

    fn sql(&self, clauses: &mut Vec<String>, args: &mut Vec<Value>) {
        if !self.feeds.is_empty() || !self.folders.is_empty() {
            let mut any = Vec::new();
            if !self.feeds.is_empty() {
                let list: Vec<String> = self.feeds.iter().map(|f| f.to_string()).collect();
                any.push(format!("af.feed_id IN ({})", list.join(",")));
            }
            if !self.folders.is_empty() {
                let marks = vec!["?"; self.folders.len()].join(",");
                any.push(format!("f.folder IN ({marks})"));
                args.extend(self.folders.iter().cloned().map(Value::Text));
            }
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM article_feeds af JOIN feeds f ON f.id = af.feed_id
                         WHERE af.article_id = a.id AND ({}))",
                any.join(" OR ")
            ));
        }
        if let Some(rule) = self.rule {
            clauses.push(
                "EXISTS (SELECT 1 FROM alerts al WHERE al.article_id = a.id AND al.rule_id = ?)"
                    .into(),
            );
            args.push(Value::Integer(rule));
        }
        if let Some(since) = self.since {
            clauses.push("a.sort_time >= ?".into());
            args.push(Value::Integer(ms(since)));
        }
        if let Some(until) = self.until {
            clauses.push("a.sort_time < ?".into());
            args.push(Value::Integer(ms(until)));
        }
        if self.starred {
            clauses.push("a.starred = 1".into());
        }
        if self.unread {
            clauses.push("a.read = 0".into());
        }
        if let Some(lang) = &self.lang {
            clauses.push("a.lang = ?".into());
            args.push(Value::Text(lang.trim().to_lowercase()));
        }
    }
}

fn parse_cursor(cursor: &str) -> Result<(i64, i64)> {
    cursor
        .split_once(':')
        .and_then(|(t, id)| Some((t.parse().ok()?, id.parse().ok()?)))
        .ok_or_else(|| Error::InvalidRule(format!("invalid page cursor {cursor:?}")))
}

/// One page of a search: the articles, the cursor after them, and the total.
struct Page {
    ids: Vec<(ArticleId, i64)>,
    more: bool,
    total: u64,
    /// Whether `total` counts every match, or is a bound that more match.
    exact: bool,
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
enum Count {
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

impl Store {
    /// A page of articles, newest first, matching `q` (its `query` already parsed as `parsed`).
    pub fn articles(&self, q: &ArticleQuery, parsed: Option<&Query>) -> Result<ArticlePage> {
        let filter = Filter::of(q);
        let limit = if q.limit == 0 { 50 } else { q.limit.min(500) } as usize;
        let cursor = q.cursor.as_deref().map(parse_cursor).transpose()?;
        let conn = self.reader();
        let page = search(
            &conn,
            parsed,
            &filter,
            cursor,
            limit,
            Count::Bounded(LISTED_MATCHES),
        )?;
        let mut articles = summaries(&conn, &page.ids)?;
        attach_feeds(&conn, &mut articles)?;
        let next_cursor = if page.more {
            page.ids.last().map(|(id, t)| format!("{t}:{id}"))
        } else {
            None
        };
        Ok(ArticlePage {
            articles,
            next_cursor,
            total: page.total,
            total_exact: page.exact,
        })
    }

    /// How many articles match `q` in all (its cursor and page size aside): the exact figure
    /// when a page's total was only a bound.
    pub fn article_count(&self, q: &ArticleQuery, parsed: Option<&Query>) -> Result<u64> {
        let conn = self.reader();
        Ok(search(&conn, parsed, &Filter::of(q), None, 0, Count::All)?.total)
    }

    /// What `query` would have matched since `since` within `scope`, with up to `samples`
    /// of the newest matches and their highlights.
    pub fn rule_test(
        &self,
        query: &Query,
        scope: &RuleScope,
        since: DateTime<Utc>,
        days: u32,
        samples: usize,
    ) -> Result<RuleTest> {
        let filter = Filter {
            feeds: scope.feeds.clone(),
            folders: scope.folders.clone(),
            since: Some(since),
            ..Filter::default()
        };
        let conn = self.reader();
        let page = search(&conn, Some(query), &filter, None, samples, Count::All)?;
        let mut articles = summaries(&conn, &page.ids)?;
        attach_feeds(&conn, &mut articles)?;
        let mut out = Vec::new();
        for article in articles {
            let matches = article_matches(&conn, article.id, query)?;
            out.push(RuleSample { article, matches });
        }
        Ok(RuleTest {
            count: page.total,
            days,
            samples: out,
        })
    }

    /// Every article id matching `query` (for tests and tools; unpaged).
    pub fn search_ids(&self, query: &Query) -> Result<Vec<ArticleId>> {
        let conn = self.reader();
        let page = search(
            &conn,
            Some(query),
            &Filter::default(),
            None,
            usize::MAX,
            Count::All,
        )?;
        Ok(page.ids.into_iter().map(|(id, _)| id).collect())
    }

    /// One whole article.
    pub fn article(&self, id: ArticleId) -> Result<Article> {
        let conn = self.reader();
        let row = conn
            .query_row(
                &format!("SELECT {SUMMARY_COLUMNS}, a.guid, a.content_html, a.text, a.updated FROM articles a WHERE a.id = ?1"),
                [id],
                |r| {
                    Ok((
                        summary_row(r, 0)?,
                        r.get::<_, Option<String>>(10)?,
                        r.get::<_, String>(11)?,
                        r.get::<_, String>(12)?,
                        r.get::<_, Option<i64>>(13)?,
                    ))
                },
            )
            .optional()?;
        let Some((summary, guid, content_html, text, updated)) = row else {
            return Err(Error::NotFound {
                what: "article",
                id,
            });
        };
        let mut list = [summary];
        attach_feeds(&conn, &mut list)?;
        let [summary] = list;
        Ok(Article {
            summary,
            guid,
            text: super::body_text(text, &content_html),
            content_html,
            updated: opt_time(updated),
        })
    }

    /// Where `query` matches article `id`, for highlighting (empty when it does not).
    pub fn article_matches(&self, id: ArticleId, query: &Query) -> Result<Vec<TermMatch>> {
        article_matches(&self.reader(), id, query)
    }

    /// Marks an article read or unread.
    pub fn set_article_read(&self, id: ArticleId, read: bool) -> Result<()> {
        self.set_article_flag("UPDATE articles SET read = ?2 WHERE id = ?1", id, read)
    }

    /// Stars (saves) or unstars an article.
    pub fn set_article_starred(&self, id: ArticleId, starred: bool) -> Result<()> {
        self.set_article_flag(
            "UPDATE articles SET starred = ?2 WHERE id = ?1",
            id,
            starred,
        )
    }

    fn set_article_flag(&self, sql: &str, id: ArticleId, value: bool) -> Result<()> {
        if self.writer().execute(sql, params![id, value])? == 0 {
            return Err(Error::NotFound {
                what: "article",
                id,
            });
        }
        Ok(())
    }

    /// Deletes articles filed before `cutoff`, except starred ones and ones that raised an
    /// alert. Returns how many were deleted.
    pub fn delete_older_than(&self, cutoff: DateTime<Utc>) -> Result<u64> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let doomed = "SELECT id FROM articles WHERE sort_time < ?1 AND starred = 0
                      AND NOT EXISTS (SELECT 1 FROM alerts al WHERE al.article_id = articles.id)";
        tx.execute(
            &format!("DELETE FROM articles_fts WHERE rowid IN ({doomed})"),
            [ms(cutoff)],
        )?;
        let n = tx.execute(
            &format!("DELETE FROM articles WHERE id IN ({doomed})"),
            [ms(cutoff)],
        )?;
        tx.commit()?;
        Ok(n as u64)
    }
}

fn summaries(conn: &Connection, ids: &[(ArticleId, i64)]) -> Result<Vec<ArticleSummary>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(|(id, _)| id.to_string()).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM articles a WHERE a.id IN ({})",
        list.join(",")
    ))?;
    let mut by_id: HashMap<ArticleId, ArticleSummary> = stmt
        .query_map([], |r| summary_row(r, 0))?
        .map(|r| r.map(|s| (s.id, s)))
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids.iter().filter_map(|(id, _)| by_id.remove(id)).collect())
}

fn article_matches(conn: &Connection, id: ArticleId, query: &Query) -> Result<Vec<TermMatch>> {
    let Some((title, body, feeds)) = article_text(conn, id)? else {
        return Err(Error::NotFound {
            what: "article",
            id,
        });
    };
    let feed_refs: Vec<&str> = feeds.iter().map(String::as_str).collect();
    let doc = Doc::new(&title, &body, &feed_refs);
    // The article is chosen already: its words are highlighted whatever its language.
    Ok(matcher::words_match(query, &doc)
        .map(|hits| doc.term_matches(&hits))
        .unwrap_or_default())
}

/// An article's title, plain text and the titles of the feeds it came through (in the order
/// they brought it): what it is matched and indexed by.
pub(super) fn article_text(
    conn: &Connection,
    id: ArticleId,
) -> Result<Option<(String, String, Vec<String>)>> {
    // Cached: a poll rewrites the index rows of every story a second feed brought through
    // this, one after another.
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT title, text, content_html FROM articles WHERE id = ?1")?
        .query_row([id], |r| {
            Ok((
                r.get(0)?,
                super::body_text(r.get(1)?, r.get_ref(2)?.as_str()?),
            ))
        })
        .optional()?;
    let Some((title, body)) = row else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT f.title FROM article_feeds af JOIN feeds f ON f.id = af.feed_id WHERE af.article_id = ?1 ORDER BY af.seen",
    )?;
    let feeds = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Some((title, body, feeds)))
}

/// Ids (with sort times) of one page of matching articles, newest first.
fn search(
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
            if let Some((title, body, feeds)) = article_text(conn, id)? {
                let feed_refs: Vec<&str> = feeds.iter().map(String::as_str).collect();
                // The language filter is in the SQL already.
                if matcher::words_match(q, &Doc::new(&title, &body, &feed_refs)).is_some() {
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
mod tests;
