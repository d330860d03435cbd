//! The archive as the window reads it: pages of articles (listing, and search through
//! [`super::search`]), rule tests, one whole article, read/starred state, retention.
//!
//! A page comes first and fast: a query alone lists at most [`LISTED_MATCHES`] matches to
//! choose its page from, and says "more than that many" beyond ([`ArticlePage::total_exact`]).
//! [`Store::article_count`] counts every match, for the window to show once the page is up.

use super::search::{parse_cursor, search, Count, LISTED_MATCHES};
use super::{ms, opt_time, time, Store};
use crate::error::{Error, Result};
use crate::model::{
    Article, ArticleId, ArticlePage, ArticleQuery, ArticleSummary, FeedId, FeedRef, Field,
    FullTextStatus, RuleId, RuleSample, RuleScope, RuleTest, TermMatch,
};
use crate::rules::{matcher, Doc, Query};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};
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

    pub(super) fn sql(&self, clauses: &mut Vec<String>, args: &mut Vec<Value>) {
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

    /// One whole article, with its full text when it has one.
    pub fn article(&self, id: ArticleId) -> Result<Article> {
        let conn = self.reader();
        let row = conn
            .query_row(
                &format!(
                    "SELECT {SUMMARY_COLUMNS}, a.guid, a.content_html, a.text, a.updated,
                            a.full_text_status, a.full_text_note
                     FROM articles a WHERE a.id = ?1"
                ),
                [id],
                |r| {
                    Ok((
                        summary_row(r, 0)?,
                        r.get::<_, Option<String>>(10)?,
                        r.get::<_, String>(11)?,
                        r.get::<_, String>(12)?,
                        r.get::<_, Option<i64>>(13)?,
                        r.get::<_, Option<String>>(14)?,
                        r.get::<_, Option<String>>(15)?,
                    ))
                },
            )
            .optional()?;
        let Some((summary, guid, content_html, text, updated, status, note)) = row else {
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
            full_text_status: status
                .as_deref()
                .map(FullTextStatus::parse)
                .unwrap_or_default(),
            full_text: super::full_text::full_text(&conn, id)?,
            full_text_note: note,
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

pub(super) fn summaries(
    conn: &Connection,
    ids: &[(ArticleId, i64)],
) -> Result<Vec<ArticleSummary>> {
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

pub(super) fn article_matches(
    conn: &Connection,
    id: ArticleId,
    query: &Query,
) -> Result<Vec<TermMatch>> {
    let Some(text) = article_text(conn, id)? else {
        return Err(Error::NotFound {
            what: "article",
            id,
        });
    };
    let feed_refs: Vec<&str> = text.feeds.iter().map(String::as_str).collect();
    let doc = Doc::new(&text.title, &text.body, &feed_refs);
    // The article is chosen already: its words are highlighted whatever its language.
    let matches = matcher::words_match(query, &doc)
        .map(|hits| doc.term_matches(&hits))
        .unwrap_or_default();
    Ok(text.split_matches(matches))
}

/// What an article is matched and indexed by: its title, its body (the feed's text, then its
/// full text when it has one) and the titles of the feeds it came through (in the order they
/// brought it).
pub(crate) struct ArticleText {
    /// The title.
    pub title: String,
    /// The feed's plain text, followed by a blank line and the full text, if any.
    pub body: String,
    /// The feeds' titles.
    pub feeds: Vec<String>,
    /// Where the full text starts in `body`, in UTF-16 code units, if it has one.
    pub full_text_from: Option<u32>,
}

impl ArticleText {
    /// `matches` made against [`ArticleText::body`], with those in its full text moved to
    /// [`Field::FullText`], counted from the full text's start.
    pub fn split_matches(&self, mut matches: Vec<TermMatch>) -> Vec<TermMatch> {
        if let Some(from) = self.full_text_from {
            for m in &mut matches {
                if m.field == Field::Body && m.start >= from {
                    m.field = Field::FullText;
                    m.start -= from;
                    m.end -= from;
                }
            }
        }
        matches
    }
}

/// Separates the feed's text from the full text in [`ArticleText::body`].
const FULL_TEXT_SEPARATOR: &str = "\n\n";

/// An article's [`ArticleText`], or `None` when there is no such article.
pub(crate) fn article_text(conn: &Connection, id: ArticleId) -> Result<Option<ArticleText>> {
    // Cached: a poll rewrites the index rows of every story a second feed brought through
    // this, one after another.
    let row: Option<(String, String, Option<String>)> = conn
        .prepare_cached(
            "SELECT a.title, a.text, a.content_html, ft.text FROM articles a
             LEFT JOIN full_texts ft ON ft.article_id = a.id WHERE a.id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get(0)?,
                super::body_text(r.get(1)?, r.get_ref(2)?.as_str()?),
                r.get(3)?,
            ))
        })
        .optional()?;
    let Some((title, mut body, full)) = row else {
        return Ok(None);
    };
    let full_text_from = full.map(|full| {
        if !body.is_empty() {
            body.push_str(FULL_TEXT_SEPARATOR);
        }
        let from = body.encode_utf16().count() as u32;
        body.push_str(&full);
        from
    });
    let mut stmt = conn.prepare_cached(
        "SELECT f.title FROM article_feeds af JOIN feeds f ON f.id = af.feed_id WHERE af.article_id = ?1 ORDER BY af.seen",
    )?;
    let feeds = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Some(ArticleText {
        title,
        body,
        feeds,
        full_text_from,
    }))
}
