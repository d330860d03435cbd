//! Full texts in the archive: each article's status and note, the text itself
//! ([`crate::model::FullText`], a table of its own beside `articles`), and the queue of
//! articles waiting for their page.

use super::opt_time;
use super::time;
use crate::error::Result;
use crate::model::{ArticleId, FullText};
use rusqlite::{Connection, OptionalExtension};

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
