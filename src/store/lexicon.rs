//! The user's changes to the lexicon of concepts, kept apart from the shipped lexicon so an
//! update of Wirewatch brings new shipped variants without losing them.

use super::Store;
use crate::error::Result;
use crate::rules::lexicon::{Lexicon, LexiconChange};
use rusqlite::params;

impl Store {
    /// The user's changes to the shipped lexicon, in the order made.
    pub fn lexicon_changes(&self) -> Result<Vec<LexiconChange>> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT concept, variant, added FROM lexicon_changes ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(LexiconChange {
                concept: r.get(0)?,
                variant: r.get(1)?,
                added: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The lexicon rules and searches use: the shipped one with the user's changes.
    pub fn lexicon(&self) -> Result<Lexicon> {
        Ok(Lexicon::shipped().with_changes(&self.lexicon_changes()?))
    }

    /// Records a change (already checked by the caller); it replaces an earlier change of the
    /// same variant of the same concept, and comes last.
    pub fn change_lexicon(&self, change: &LexiconChange) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM lexicon_changes WHERE concept = ?1 AND variant = ?2",
            params![change.concept, change.variant],
        )?;
        tx.execute(
            "INSERT INTO lexicon_changes (concept, variant, added) VALUES (?1, ?2, ?3)",
            params![change.concept, change.variant, change.added],
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_kept_in_order_and_the_latest_of_a_variant_wins() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("w.db")).unwrap();
        assert_eq!(&store.lexicon().unwrap(), Lexicon::shipped());
        let change = |variant: &str, added: bool| LexiconChange {
            concept: "ceasefire".into(),
            variant: variant.into(),
            added,
        };
        store.change_lexicon(&change("fire pause", true)).unwrap();
        store.change_lexicon(&change("truce", false)).unwrap();
        store.change_lexicon(&change("fire pause", false)).unwrap();
        assert_eq!(
            store.lexicon_changes().unwrap(),
            vec![change("truce", false), change("fire pause", false)]
        );
        let variants: Vec<String> = store
            .lexicon()
            .unwrap()
            .variants("ceasefire")
            .unwrap()
            .iter()
            .map(|v| v.text.clone())
            .collect();
        assert!(!variants.contains(&"truce".to_string()));
        assert!(!variants.contains(&"fire pause".to_string()));
        assert!(variants.contains(&"停火".to_string()));
    }
}
