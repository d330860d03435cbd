//! Full texts as they arrive from [`crate::full_text`], a batch of pages per transaction.
//! For each page, in article order (so the index rows are rewritten in rowid order):
//! 1. it leaves the queue;
//! 2. fetched: the full text is stored beside the article (whose feed summary stays), its
//!    words recorded, the article's index row rewritten with it, its story weighed by it from
//!    now on ([`crate::story::StoryIndex::take_full_text`]), and the article matched
//!    against the rules again on its title, summary and full text (the rules saved before
//!    the article was stored, as at ingest). A rule it now matches
//!    raises its alert through the same path as at ingest ([`Applying::raise`]): once per
//!    story, so a rule that alerted on the summary, or on another outlet's article of the
//!    story, does not alert again;
//! 3. not fetched for good: its status and the sentence that says why.
//!
//! A page to try again is not written here but by [`Store::retry_pages`].

use super::{insert_words, reindex_article, AlertFacts, Applying, PollApplied};
use crate::error::Result;
use crate::model::{ArticleId, FeedId, FullText, FullTextStatus, StoryId};
use crate::rules::{Doc, Origin, RuleSet};
use crate::store::articles::{article_text, attach_feeds, summaries};
use crate::store::{ms, Store};
use crate::text::{self, Token};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::BTreeSet;

/// What became of one article's page.
#[derive(Debug, Clone)]
pub struct PageOutcome {
    /// The article.
    pub article_id: ArticleId,
    /// Its full text, or why there is none.
    pub result: PageResult,
}

/// A page's full text, or the final status that says why there is none.
#[derive(Debug, Clone)]
pub enum PageResult {
    /// Extracted.
    Fetched(Box<FullText>),
    /// No full text, for good.
    Final {
        /// Not `pending`, `fetched` or `not_needed`.
        status: FullTextStatus,
        /// Why, for people.
        note: String,
    },
}

impl Store {
    /// Stores what became of `pages` in one transaction, matching the articles whose full
    /// text arrived against `rules`, and returns the alerts raised (at most `live_alerts`
    /// kept whole, all counted).
    pub fn store_full_texts(
        &self,
        mut pages: Vec<PageOutcome>,
        rules: &RuleSet,
        now: DateTime<Utc>,
        live_alerts: usize,
    ) -> Result<PollApplied> {
        pages.sort_by_key(|p| p.article_id);
        let mut applying = Applying {
            applied: PollApplied::default(),
            live_alerts,
            tally_of: Default::default(),
            recorded: Default::default(),
            reindex: BTreeSet::new(),
        };
        let mut conn = self.writer();
        // Taken after the writer, as a poll takes them.
        let mut desk = self.stories_desk();
        let tx = conn.transaction()?;
        let written = (|| -> Result<()> {
            for page in pages {
                let id = page.article_id;
                tx.prepare_cached("DELETE FROM full_text_queue WHERE article_id = ?1")?
                    .execute([id])?;
                match page.result {
                    PageResult::Fetched(full) => {
                        if store_full_text(&tx, id, &full)? {
                            applying.applied.updated_articles += 1;
                            desk.take_full_text(&tx, id, &full.text)?;
                            match_again(&tx, id, rules, now, &mut applying)?;
                        }
                    }
                    PageResult::Final { status, note } => {
                        tx.prepare_cached(
                            "UPDATE articles SET full_text_status = ?2, full_text_note = ?3 WHERE id = ?1",
                        )?
                        .execute(params![id, status.as_str(), note])?;
                    }
                }
            }
            Ok(())
        })()
        .and_then(|()| Ok(tx.commit()?));
        if let Err(e) = written {
            // The index took full texts the archive did not keep: loaded again when next used.
            desk.forget();
            return Err(e);
        }
        drop(desk);
        drop(conn);
        Ok(applying.take_committed())
    }
}

/// Stores an article's full text, records its words and rewrites its index row. False when
/// the article is gone (deleted while its page was fetched).
fn store_full_text(tx: &Transaction, id: ArticleId, full: &FullText) -> Result<bool> {
    let updated = tx
        .prepare_cached(
            "UPDATE articles SET full_text_status = 'fetched', full_text_note = NULL WHERE id = ?1",
        )?
        .execute([id])?;
    if updated == 0 {
        return Ok(false);
    }
    tx.prepare_cached(
        "INSERT OR REPLACE INTO full_texts (article_id, html, text, byline, published, lang, image, words, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id,
        full.html,
        full.text,
        full.byline,
        full.published.map(ms),
        full.lang,
        full.image,
        full.words,
        ms(full.fetched_at)
    ])?;
    // Search expands a query's stems through the `words` table: words only the full text
    // has must be there for search to find them.
    insert_words(tx, text::tokens(&full.text).iter().map(Token::folded))?;
    reindex_article(tx, id)?;
    Ok(true)
}

/// Matches an article again, now with its full text, and raises the alerts of the rules it
/// matches that have not alerted on its story.
fn match_again(
    tx: &Transaction,
    id: ArticleId,
    rules: &RuleSet,
    now: DateTime<Utc>,
    applying: &mut Applying,
) -> Result<()> {
    if rules.is_empty() {
        return Ok(());
    }
    let Some(text) = article_text(tx, id)? else {
        return Ok(());
    };
    let Some((story, lang, fetched)) = tx
        .prepare_cached("SELECT story_id, lang, fetched FROM articles WHERE id = ?1")?
        .query_row([id], |r| {
            Ok((
                r.get::<_, Option<StoryId>>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .optional()?
    else {
        return Ok(());
    };
    // A rule sees the articles stored after it (and those its backfill offers): one saved
    // while this page was on its way does not alert on it now.
    let newer: Vec<i64> = tx
        .prepare_cached("SELECT id FROM rules WHERE created > ?1")?
        .query_map([fetched], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let story = story.unwrap_or(id);
    let mut origin = Origin {
        feeds: Vec::new(),
        folders: Vec::new(),
    };
    {
        let mut stmt = tx.prepare_cached(
            "SELECT f.id, f.folder FROM article_feeds af JOIN feeds f ON f.id = af.feed_id
             WHERE af.article_id = ?1 ORDER BY af.seen",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((r.get::<_, FeedId>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        for row in rows {
            let (feed, folder) = row?;
            origin.feeds.push(feed);
            origin.folders.extend(folder);
        }
    }
    let feed_refs: Vec<&str> = text.feeds.iter().map(String::as_str).collect();
    let doc = Doc::new(&text.title, &text.body, &feed_refs).with_lang(lang.as_deref());
    for (rule, hits) in rules.matching(&doc, &origin) {
        if newer.contains(&rule.id) {
            continue;
        }
        let matches = text.split_matches(doc.term_matches(&hits));
        let json = serde_json::to_string(&matches).expect("matches serialise");
        let facts = AlertFacts {
            rule,
            article_id: id,
            story,
            json: &json,
            matches,
            now,
        };
        applying.raise(tx, facts, || {
            let mut article = summaries(tx, &[(id, 0)])?;
            attach_feeds(tx, &mut article)?;
            Ok(article.remove(0))
        })?;
    }
    Ok(())
}
