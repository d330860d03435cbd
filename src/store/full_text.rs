//! Full texts in the archive: each article's status and note, the text itself
//! ([`crate::model::FullText`], a table of its own beside `articles`), and the queue of
//! articles waiting for their page.

use super::{ms, opt_time, time, Store};
use crate::error::Result;
use crate::model::{ArticleId, FullText};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

/// The full text stored for article `id`, if any.
pub(super) fn full_text(conn: &Connection, id: ArticleId) -> Result<Option<FullText>> {
    Ok(conn
        .prepare_cached(
            "SELECT html, text, byline, published, lang, image, words, fetched_at
             FROM full_texts WHERE article_id = ?1",
        )?
        .query_row([id], |r| {
            Ok(FullText {
                html: r.get(0)?,
                text: r.get(1)?,
                byline: r.get(2)?,
                published: opt_time(r.get(3)?),
                lang: r.get(4)?,
                image: r.get(5)?,
                words: r.get(6)?,
                fetched_at: time(r.get(7)?),
            })
        })
        .optional()?)
}

/// An article waiting in the queue for its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedPage {
    /// The article.
    pub article_id: ArticleId,
    /// Its link.
    pub url: String,
    /// Tries made so far.
    pub attempts: u32,
}

impl Store {
    /// Up to `limit` queued pages due at `now`, longest waiting first; of those due at the
    /// same moment, the last stored first: so a feed's newest entry's page comes before its
    /// older ones' (the writer stores a feed's new entries oldest first).
    pub fn due_pages(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<QueuedPage>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT article_id, url, attempts FROM full_text_queue WHERE next_try <= ?1
             ORDER BY next_try, article_id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![ms(now), limit as i64], |r| {
            Ok(QueuedPage {
                article_id: r.get(0)?,
                url: r.get(1)?,
                attempts: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the next queued page is due, if any is queued.
    pub fn next_page_due(&self) -> Result<Option<DateTime<Utc>>> {
        let next: Option<i64> =
            self.reader()
                .query_row("SELECT min(next_try) FROM full_text_queue", [], |r| {
                    r.get(0)
                })?;
        Ok(opt_time(next))
    }

    /// Puts off queued pages, in one transaction: each `(article, attempts, next_try, note)`
    /// waits until `next_try`, having made `attempts` tries; `note` says why, for people
    /// (`None` leaves the article's note as it is).
    pub fn retry_pages(
        &self,
        pages: &[(ArticleId, u32, DateTime<Utc>, Option<String>)],
    ) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        for (article_id, attempts, next_try, note) in pages {
            tx.prepare_cached(
                "UPDATE full_text_queue SET attempts = ?2, next_try = ?3 WHERE article_id = ?1",
            )?
            .execute(params![article_id, attempts, ms(*next_try)])?;
            if let Some(note) = note {
                tx.prepare_cached("UPDATE articles SET full_text_note = ?2 WHERE id = ?1")?
                    .execute(params![article_id, note])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
