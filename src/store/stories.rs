//! Stories in the archive: where the writer files each new article, and what callers read.
//!
//! Writing, for each new article of a poll (on the writer, inside the poll's transaction):
//! 1. a [`crate::story::Placer`] puts its signature into the in-memory [`StoryIndex`] (loaded
//!    from the archive on the first poll: the stories still taking articles and the
//!    vocabulary, [`StoryDesk::placing`]), on a thread beside the writer;
//! 2. the article row is written with that story id;
//! 3. [`record`] writes the story row: created with the article as its first, or updated
//!    (last update, counts); at the end of the transaction, [`StoryDesk::write_terms`] writes
//!    the terms of each story changed, once, in `story_terms`, and drops those of the stories
//!    the index let go of: the table holds only the stories still taking articles.
//! 4. Before a poll's last commit, [`StoryDesk::end_poll`] lets go of the stories too old to
//!    take more articles (and their terms) and writes the vocabulary.
//!
//! A transaction that rolls back leaves the in-memory index ahead of the archive; the index
//! is then dropped and loaded again ([`StoryDesk::forget`]), so they never disagree for long.
//!
//! Reading: [`Store::stories`] lists stories with their outlets and articles;
//! [`Store::detach_from_story`] takes an article out of its story for good.

use super::{ms, opt_time, time, Store};
use crate::error::{Error, Result};
use crate::model::{
    AlertStory, ArticleId, ArticleStory, FeedId, Story, StoryArticle, StoryId, StoryQuery,
};
use crate::story::{LiveStory, Placement, Placer, Settings, Signature, StoryIndex};
use crate::text;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use std::collections::HashMap;
use std::thread::Scope;

/// The writer's story index, loaded on first use.
#[derive(Debug)]
pub(crate) struct StoryDesk {
    index: Option<StoryIndex>,
    /// Off ([`crate::Config::group_stories`]): each new article starts a story of its own.
    grouping: bool,
}

impl Default for StoryDesk {
    fn default() -> StoryDesk {
        StoryDesk {
            index: None,
            grouping: true,
        }
    }
}

impl StoryDesk {
    /// The index, loaded from the archive if it is not in memory.
    fn index(&mut self, conn: &Connection) -> Result<&mut StoryIndex> {
        if self.index.is_none() {
            self.index = Some(load_index(conn, Settings::default())?);
        }
        Ok(self.index.as_mut().expect("loaded above"))
    }

    /// The index to place this transaction's new articles with, loaded if need be, and
    /// whether grouping is on.
    pub(crate) fn placing(&mut self, conn: &Connection) -> Result<(&mut StoryIndex, bool)> {
        let grouping = self.grouping;
        Ok((self.index(conn)?, grouping))
    }

    /// Turns grouping on or off for the articles stored from now on.
    pub(crate) fn set_grouping(&mut self, on: bool) {
        self.grouping = on;
    }

    /// Writes the terms of the stories a transaction started or added to, as the index
    /// holds them now: once per story and transaction, rather than once per article. A story
    /// no longer in memory (evicted) keeps none: it takes no more articles. So do the stories
    /// the index let go of meanwhile.
    pub(crate) fn write_terms(&mut self, conn: &Connection, stories: &[StoryId]) -> Result<()> {
        if stories.is_empty() && self.index.is_none() {
            return Ok(()); // and the index need not be loaded
        }
        let index = self.index(conn)?;
        let mut write = conn.prepare_cached(
            "INSERT INTO story_terms (story_id, terms) VALUES (?1, ?2)
             ON CONFLICT(story_id) DO UPDATE SET terms = excluded.terms",
        )?;
        let mut gone = index.take_evicted();
        for &id in stories {
            match index.story(id) {
                Some(story) => {
                    write.execute(params![id, story.terms_bytes()])?;
                }
                None => gone.push(id),
            }
        }
        drop_terms(conn, &gone)
    }

    /// An article's full text arrived: its story, if it is in one still taking articles (and
    /// the user did not take it out), is weighed by the full text from now on
    /// ([`StoryIndex::take_full_text`]) and its terms written again. With grouping off,
    /// nothing.
    pub(crate) fn take_full_text(
        &mut self,
        conn: &Connection,
        article_id: ArticleId,
        full_text: &str,
    ) -> Result<()> {
        if !self.grouping {
            return Ok(());
        }
        let row: Option<(String, String, Option<StoryId>, bool)> = conn
            .prepare_cached(
                "SELECT title, text, content_html, story_id, story_detached FROM articles WHERE id = ?1",
            )?
            .query_row([article_id], |r| {
                Ok((
                    r.get(0)?,
                    super::body_text(r.get(1)?, r.get_ref(2)?.as_str()?),
                    r.get(3)?,
                    r.get(4)?,
                ))
            })
            .optional()?;
        let Some((title, summary, Some(story), false)) = row else {
            return Ok(());
        };
        let signature =
            |body: &str| Signature::new(&title, &text::tokens(&title), body, &text::tokens(body));
        let (summary, full) = (signature(&summary), signature(full_text));
        if self.index(conn)?.take_full_text(story, &summary, &full) {
            self.write_terms(conn, &[story])?;
        }
        Ok(())
    }

    /// Closes a poll, if the index is loaded: evicts the stories too old to take more
    /// articles ([`StoryIndex::end_poll`]), drops their terms and writes the vocabulary.
    pub(crate) fn end_poll(&mut self, conn: &Connection) -> Result<()> {
        let Some(index) = &mut self.index else {
            return Ok(());
        };
        drop_terms(conn, &index.end_poll())?;
        conn.prepare_cached(
            "INSERT INTO story_vocabulary (id, bytes) VALUES (1, ?1)
             ON CONFLICT(id) DO UPDATE SET bytes = excluded.bytes",
        )?
        .execute([index.vocabulary_bytes()])?;
        Ok(())
    }

    /// Whether the index is in memory.
    #[cfg(test)]
    pub(crate) fn is_loaded(&self) -> bool {
        self.index.is_some()
    }

    /// Drops the in-memory index (after a rollback); the next placement loads it again.
    pub(crate) fn forget(&mut self) {
        self.index = None;
    }

    /// A story id no story has, for an article taken out of its story.
    fn reserve_id(&mut self, conn: &Connection) -> Result<StoryId> {
        Ok(self.index(conn)?.reserve_id())
    }
}

/// Where a transaction's new articles are filed in stories: the index is loaded, and the
/// placing thread started ([`Placer::beside`]), when the first new article comes (or a stored
/// one comes through one more feed, an outlet its story must know), so a poll that brings
/// none (most re-polls: every feed unchanged) does not read the live stories.
pub(crate) struct Filing<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    desk: Option<&'scope mut StoryDesk>,
    placer: Option<Placer<'scope>>,
}

impl<'scope, 'env> Filing<'scope, 'env> {
    /// Files with `desk`'s index, placing on a thread of `scope`.
    pub(crate) fn new(scope: &'scope Scope<'scope, 'env>, desk: &'scope mut StoryDesk) -> Self {
        Filing {
            scope,
            desk: Some(desk),
            placer: None,
        }
    }

    /// The placer, made on first use: the index loaded from `conn` if need be, and placing
    /// beside the writer when grouping is on, in turn otherwise.
    pub(crate) fn placer(&mut self, conn: &Connection) -> Result<&mut Placer<'scope>> {
        if self.placer.is_none() {
            let desk = self
                .desk
                .take()
                .ok_or_else(|| Error::Database("the story index could not be loaded".into()))?;
            let (index, grouping) = StoryDesk::placing(desk, conn)?;
            self.placer = Some(if grouping {
                Placer::beside(self.scope, index)
            } else {
                Placer::alone(index)
            });
        }
        Ok(self.placer.as_mut().expect("made above"))
    }

    /// Waits for the placing thread; the stories it started or added to.
    pub(crate) fn finish(self) -> Vec<StoryId> {
        self.placer.map(Placer::finish).unwrap_or_default()
    }
}

/// Deletes the terms of `stories`, which take no more articles.
fn drop_terms(conn: &Connection, stories: &[StoryId]) -> Result<()> {
    let mut stmt = conn.prepare_cached("DELETE FROM story_terms WHERE story_id = ?1")?;
    for &id in stories {
        stmt.execute([id])?;
    }
    Ok(())
}

/// Writes the story row of an article just stored with `placement`'s story id: a story it
/// started, or the one it joined (its last update, counts, and its first article when this one
/// is earlier). Its terms follow at the end of the transaction ([`StoryDesk::write_terms`]).
pub(crate) fn record(
    conn: &Connection,
    placement: &Placement,
    article_id: ArticleId,
    feed_id: FeedId,
    title: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    if placement.started {
        conn.prepare_cached(
            "INSERT INTO stories (id, title, first_article, first_feed, first_seen, last_update,
                                  articles, outlets)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1, 1)",
        )?
        .execute(params![placement.story, title, article_id, feed_id, ms(at)])?;
    } else {
        // An article earlier than the story's first (feeds bring stories late) becomes its
        // first.
        conn.prepare_cached(
            "UPDATE stories SET
                 first_article = CASE WHEN ?2 < first_seen THEN ?3 ELSE first_article END,
                 first_feed = CASE WHEN ?2 < first_seen THEN ?4 ELSE first_feed END,
                 title = CASE WHEN ?2 < first_seen THEN ?5 ELSE title END,
                 first_seen = min(first_seen, ?2),
                 last_update = max(last_update, ?2),
                 articles = articles + 1,
                 -- One more outlet: the index knows this feed is new to the story (?6), or,
                 -- past the outlets it remembers, unless this feed already brought one of the
                 -- story's articles. CASE looks only then, through the story's articles (about
                 -- one per outlet), not the feed's, which grow with the archive.
                 outlets = outlets + CASE WHEN ?6 THEN 1 ELSE NOT EXISTS (
                     SELECT 1 FROM articles a CROSS JOIN article_feeds af
                     WHERE a.story_id = ?1 AND a.id <> ?3
                       AND af.feed_id = ?4 AND af.article_id = a.id) END
             WHERE id = ?1",
        )?
        .execute(params![
            placement.story,
            ms(at),
            article_id,
            feed_id,
            title,
            placement.new_outlet
        ])?;
    }
    Ok(())
}

/// Recounts a story's outlets (an article joined, or came through one more feed).
pub(crate) fn count_outlets(conn: &Connection, story: StoryId) -> Result<()> {
    conn.prepare_cached(
        "UPDATE stories SET outlets = max(1, (
             SELECT count(DISTINCT af.feed_id) FROM articles a
             JOIN article_feeds af ON af.article_id = a.id WHERE a.story_id = ?1))
         WHERE id = ?1",
    )?
    .execute([story])?;
    Ok(())
}

/// The story index as the archive left it: the vocabulary and the stories still taking
/// articles (those updated within the window of the newest).
fn load_index(conn: &Connection, settings: Settings) -> Result<StoryIndex> {
    let vocabulary: Option<Vec<u8>> = conn
        .query_row("SELECT bytes FROM story_vocabulary WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    let (max_id, newest): (Option<i64>, Option<i64>) = conn.query_row(
        "SELECT (SELECT max(id) FROM stories),
                (SELECT max(s.last_update) FROM story_terms t JOIN stories s ON s.id = t.story_id)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut stories = Vec::new();
    if let Some(newest) = newest {
        let horizon = newest - settings.keep.max(settings.window).num_milliseconds();
        // Terms the index would not load (left by a transaction rolled back after it evicted
        // their story) are let go of here.
        conn.execute(
            "DELETE FROM story_terms WHERE story_id IN (
                 SELECT t.story_id FROM story_terms t JOIN stories s ON s.id = t.story_id
                 WHERE s.last_update < ?1)",
            [horizon],
        )?;
        let mut stmt = conn.prepare(
            "SELECT s.id, s.first_seen, s.last_update, s.articles, t.terms
             FROM story_terms t JOIN stories s ON s.id = t.story_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, Vec<u8>>(4)?,
            ))
        })?;
        for row in rows {
            let (id, first, last, articles, terms) = row?;
            // A row whose terms cannot be read takes no more articles; the rest still do.
            if let Ok(story) = LiveStory::from_parts(id, time(first), time(last), articles, &terms)
            {
                stories.push(story);
            }
        }
    }
    let next_id = max_id.unwrap_or(0) + 1;
    StoryIndex::from_parts(settings, vocabulary.as_deref(), stories.clone(), next_id)
        .or_else(|_| StoryIndex::from_parts(settings, None, stories, next_id))
        .map_err(|e| Error::Database(e.to_string()))
}

impl Store {
    /// Turns story grouping on or off for the articles stored from now on
    /// ([`crate::Config::group_stories`]).
    pub fn set_story_grouping(&self, on: bool) {
        self.stories_desk().set_grouping(on);
    }

    /// Stories, most recently updated first, each with its outlets and articles.
    pub fn stories(&self, q: &StoryQuery) -> Result<Vec<Story>> {
        let mut clauses = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        if let Some(rule) = q.rule {
            clauses.push(
                "EXISTS (SELECT 1 FROM alerts al WHERE al.story_id = s.id AND al.rule_id = ?)",
            );
            args.push(Value::Integer(rule));
        }
        if let Some(since) = q.since {
            clauses.push("s.last_update >= ?");
            args.push(Value::Integer(ms(since)));
        }
        if q.min_articles > 1 {
            clauses.push("s.articles >= ?");
            args.push(Value::Integer(i64::from(q.min_articles)));
        }
        let limit = if q.limit == 0 { 100 } else { q.limit.min(1000) };
        args.push(Value::Integer(i64::from(limit)));
        let where_ = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let conn = self.reader();
        let mut stmt = conn.prepare(&format!(
            "SELECT s.id, s.title, s.first_seen, s.last_update FROM stories s
             {where_} ORDER BY s.last_update DESC, s.id DESC LIMIT ?"
        ))?;
        let heads = stmt
            .query_map(params_from_iter(args.iter()), |r| {
                Ok(Story {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    first_seen: time(r.get(2)?),
                    last_update: time(r.get(3)?),
                    outlets: Vec::new(),
                    articles: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(heads.len());
        for mut story in heads {
            story.articles = story_articles(&conn, story.id)?;
            story.outlets = outlets_in_order(&story.articles);
            out.push(story);
        }
        Ok(out)
    }

    /// One story.
    pub fn story(&self, id: StoryId) -> Result<Story> {
        let conn = self.reader();
        let mut story = conn
            .query_row(
                "SELECT id, title, first_seen, last_update FROM stories WHERE id = ?1",
                [id],
                |r| {
                    Ok(Story {
                        id: r.get(0)?,
                        title: r.get(1)?,
                        first_seen: time(r.get(2)?),
                        last_update: time(r.get(3)?),
                        outlets: Vec::new(),
                        articles: Vec::new(),
                    })
                },
            )
            .optional()?
            .ok_or(Error::NotFound { what: "story", id })?;
        story.articles = story_articles(&conn, id)?;
        story.outlets = outlets_in_order(&story.articles);
        Ok(story)
    }

    /// The story an article belongs to.
    pub fn story_of_article(&self, article_id: ArticleId) -> Result<Story> {
        let id: Option<StoryId> = self
            .reader()
            .query_row(
                "SELECT story_id FROM articles WHERE id = ?1",
                [article_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(Error::NotFound {
                what: "article",
                id: article_id,
            })?;
        match id {
            Some(id) => self.story(id),
            None => Err(Error::NotFound {
                what: "story",
                id: article_id,
            }),
        }
    }

    /// The stories of these articles (for a list grouped by story), in the order given;
    /// articles that no longer exist are left out.
    pub fn article_stories(&self, ids: &[ArticleId]) -> Result<Vec<ArticleStory>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT s.id, s.title, f.title, s.outlets, s.articles
             FROM articles a JOIN stories s ON s.id = a.story_id
             LEFT JOIN feeds f ON f.id = s.first_feed
             WHERE a.id = ?1",
        )?;
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            let row = stmt
                .query_row([id], |r| {
                    Ok(ArticleStory {
                        article_id: id,
                        story_id: r.get(0)?,
                        title: r.get(1)?,
                        first_outlet: r.get(2)?,
                        outlets: r.get(3)?,
                        articles: r.get(4)?,
                    })
                })
                .optional()?;
            out.extend(row);
        }
        Ok(out)
    }

    /// What alert rows show of their stories, by story id.
    pub(crate) fn alert_stories(
        conn: &Connection,
        ids: impl IntoIterator<Item = StoryId>,
    ) -> Result<HashMap<StoryId, AlertStory>> {
        let mut out = HashMap::new();
        for id in ids {
            if out.contains_key(&id) {
                continue;
            }
            let articles = story_articles(conn, id)?;
            if articles.is_empty() {
                continue;
            }
            out.insert(id, alert_story(id, &articles));
        }
        Ok(out)
    }

    /// Takes an article out of its story into one of its own, for good: it is never grouped
    /// again. Alerts it raised move with it. Returns the new story's id.
    pub fn detach_from_story(&self, article_id: ArticleId) -> Result<StoryId> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let (old, title, sort_time, feed): (Option<StoryId>, String, i64, Option<FeedId>) = tx
            .query_row(
                "SELECT a.story_id, a.title, a.sort_time,
                        (SELECT af.feed_id FROM article_feeds af WHERE af.article_id = a.id
                         ORDER BY af.seen LIMIT 1)
                 FROM articles a WHERE a.id = ?1",
                [article_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?
            .ok_or(Error::NotFound {
                what: "article",
                id: article_id,
            })?;
        let new = self.stories_desk().reserve_id(&tx)?;
        tx.execute(
            "INSERT INTO stories (id, title, first_article, first_feed, first_seen, last_update, articles, outlets)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1, 1)",
            params![new, title, article_id, feed, sort_time],
        )?;
        tx.execute(
            "UPDATE articles SET story_id = ?2, story_detached = 1 WHERE id = ?1",
            params![article_id, new],
        )?;
        tx.execute(
            "UPDATE alerts SET story_id = ?2 WHERE article_id = ?1",
            params![article_id, new],
        )?;
        count_outlets(&tx, new)?;
        if let Some(old) = old {
            refresh_story(&tx, old)?;
        }
        tx.commit()?;
        Ok(new)
    }
}

/// Recomputes a story's first article, counts and times from its articles (one left).
fn refresh_story(conn: &Connection, id: StoryId) -> Result<()> {
    let first: Option<(ArticleId, String, i64)> = conn
        .query_row(
            "SELECT id, title, sort_time FROM articles WHERE story_id = ?1 ORDER BY sort_time, id LIMIT 1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((first_article, title, first_seen)) = first else {
        conn.execute("DELETE FROM stories WHERE id = ?1", [id])?;
        return Ok(());
    };
    conn.execute(
        "UPDATE stories SET first_article = ?2, title = ?3, first_seen = ?4,
             first_feed = (SELECT af.feed_id FROM article_feeds af WHERE af.article_id = ?2 ORDER BY af.seen LIMIT 1),
             last_update = (SELECT max(sort_time) FROM articles WHERE story_id = ?1),
             articles = (SELECT count(*) FROM articles WHERE story_id = ?1)
         WHERE id = ?1",
        params![id, first_article, title, first_seen],
    )?;
    count_outlets(conn, id)
}

/// A story's articles, first reported first, each with the feed it came through first.
fn story_articles(conn: &Connection, story: StoryId) -> Result<Vec<StoryArticle>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.url, a.title, a.published, a.sort_time,
                (SELECT f.title FROM article_feeds af JOIN feeds f ON f.id = af.feed_id
                 WHERE af.article_id = a.id ORDER BY af.seen, af.feed_id LIMIT 1)
         FROM articles a WHERE a.story_id = ?1 ORDER BY a.sort_time, a.id",
    )?;
    let rows = stmt.query_map([story], |r| {
        Ok(StoryArticle {
            id: r.get(0)?,
            link: r.get(1)?,
            title: r.get(2)?,
            published: opt_time(r.get(3)?),
            seen: time(r.get(4)?),
            feed: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Outlets in the order they first reported.
fn outlets_in_order(articles: &[StoryArticle]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in articles {
        if !a.feed.is_empty() && !out.contains(&a.feed) {
            out.push(a.feed.clone());
        }
    }
    out
}

fn alert_story(id: StoryId, articles: &[StoryArticle]) -> AlertStory {
    let outlets = outlets_in_order(articles);
    let first_time = |outlet: &str| articles.iter().find(|a| a.feed == outlet).map(|a| a.seen);
    let lead_secs = match (outlets.first(), outlets.get(1)) {
        (Some(a), Some(b)) => match (first_time(a), first_time(b)) {
            (Some(ta), Some(tb)) => Some((tb - ta).num_seconds()),
            _ => None,
        },
        _ => None,
    };
    AlertStory {
        id,
        outlets: outlets.len().max(1) as u32,
        articles: articles.len() as u32,
        first_outlet: outlets.first().cloned(),
        second_outlet: outlets.get(1).cloned(),
        lead_secs,
    }
}

#[cfg(test)]
#[path = "stories_tests.rs"]
mod tests;
