//! Prepare: the per-entry work between decode and store, done on the decoding threads so the
//! one writer only writes.
//!
//! For each decoded entry of a feed, in order:
//! 1. [`PreparedEntry::noting_words`] (or [`PreparedEntry::new`]) cuts title and text into
//!    tokens once ([`text::tokens`]), noting the words the store may not know yet;
//! 2. its dedup keys are made: the canonical link and the content hash ([`dedup`]);
//! 3. its folded words are joined as the full-text index stores them;
//! 4. whether its text is only a teaser is noted, for feeds set to fetch full texts
//!    when it is ([`crate::full_text::teaser`]);
//! 5. its language is detected ([`lang`]) from its title and the start of its text;
//! 6. [`PreparedEntry::match_rules`] matches it against the enabled rules as an article of
//!    its feed, keeping each matching rule's highlight spans ready to store. Whether the
//!    article is new, and so alerts, only the writer knows; which rules it would alert for
//!    does not depend on it.
//!
//! The store then classifies each entry (known, through another feed, new), writes it, and
//! records the alerts of new articles from the matches made here; an entry that was not
//! matched here (tools and tests hand entries straight to the store) is matched by
//! [`PreparedEntry::take_matches`] when its alerts are recorded.

pub mod lang;

use crate::decode::DecodedEntry;
use crate::dedup;
use crate::model::{FeedId, RuleId, TermMatch};
use crate::rules::{Doc, Origin, RuleSet};
use crate::story::Signature;
use crate::text::{self, Token};

/// An entry ready to be stored: sanitised, tokenised, hashed, and perhaps matched.
#[derive(Debug, Clone)]
pub struct PreparedEntry {
    /// The decoded entry.
    pub entry: DecodedEntry,
    /// Dedup key of its link.
    pub canonical_url: Option<String>,
    /// Hash of title and text.
    pub content_hash: String,
    /// Title tokens (emptied once matched: the writer needs them only to match).
    pub title_tokens: Vec<Token>,
    /// Body tokens (emptied once matched).
    pub body_tokens: Vec<Token>,
    /// The title's folded words, as the full-text index stores them.
    pub indexed_title: String,
    /// The body's folded words, as the full-text index stores them.
    pub indexed_body: String,
    /// Its language (ISO 639-1), if it could be told ([`lang::detect_entry`]).
    pub lang: Option<&'static str>,
    /// The rules it matches, if already matched ([`PreparedEntry::match_rules`]); the writer
    /// matches entries that were not.
    pub matched: Option<Vec<EntryMatch>>,
    /// Its words not yet reported to the store ([`PreparedEntry::noting_words`]); `None`:
    /// unknown, the writer records all of them.
    pub new_words: Option<Vec<text::NewWord>>,
    /// What story grouping compares it by ([`crate::story`]), made here so the writer only
    /// places it.
    pub signature: Signature,
    /// Whether its text is only a teaser ([`crate::full_text::teaser`]): a feed set to
    /// `auto` has its page fetched for the full text.
    pub teaser: bool,
}

/// A rule that an entry matches, and where.
#[derive(Debug, Clone)]
pub struct EntryMatch {
    /// The rule.
    pub rule_id: RuleId,
    /// The words it matched, for highlighting.
    pub matches: Vec<TermMatch>,
    /// `matches` as stored.
    pub json: String,
}

impl PreparedEntry {
    /// Does the per-entry work that needs no database.
    pub fn new(entry: DecodedEntry) -> PreparedEntry {
        let title_tokens = text::tokens(&entry.title);
        let body_tokens = text::tokens(&entry.text);
        PreparedEntry::from_tokens(entry, title_tokens, body_tokens, None, true)
    }

    /// Like [`PreparedEntry::new`], for a store whose word epoch is `epoch`
    /// ([`crate::store::Store::word_epoch`]): also notes the words that store may not know
    /// yet, so the writer records only those.
    pub fn noting_words(entry: DecodedEntry, epoch: u64) -> PreparedEntry {
        PreparedEntry::noting_words_for(entry, epoch, true)
    }

    /// Like [`PreparedEntry::noting_words`]; without `stories` (grouping is off,
    /// [`crate::Config::group_stories`]), no story signature is made.
    pub fn noting_words_for(entry: DecodedEntry, epoch: u64, stories: bool) -> PreparedEntry {
        let mut new = Vec::new();
        let title_tokens = text::tokens_noting_new(&entry.title, epoch, &mut new);
        let body_tokens = text::tokens_noting_new(&entry.text, epoch, &mut new);
        PreparedEntry::from_tokens(entry, title_tokens, body_tokens, Some(new), stories)
    }

    fn from_tokens(
        entry: DecodedEntry,
        title_tokens: Vec<Token>,
        body_tokens: Vec<Token>,
        new_words: Option<Vec<text::NewWord>>,
        stories: bool,
    ) -> PreparedEntry {
        let signature = if stories {
            Signature::new(&entry.title, &title_tokens, &entry.text, &body_tokens)
        } else {
            Signature::default()
        };
        PreparedEntry {
            signature,
            teaser: crate::full_text::teaser::is_teaser(&entry.text, body_tokens.len()),
            canonical_url: entry.url.as_deref().and_then(dedup::canonical_url),
            content_hash: dedup::content_hash(&entry.title, &entry.text),
            indexed_title: text::join_folded(&title_tokens),
            indexed_body: text::join_folded(&body_tokens),
            lang: lang::detect_entry(&entry.title, &entry.text, &title_tokens, &body_tokens),
            title_tokens,
            body_tokens,
            entry,
            matched: None,
            new_words,
        }
    }

    /// Matches the entry against `rules` as an article of `feed_id` (in `folder`), off the
    /// writer thread. `feed_tokens` are the feed title's tokens.
    pub fn match_rules(
        &mut self,
        rules: &RuleSet,
        feed_id: FeedId,
        folder: Option<&str>,
        feed_tokens: &[Token],
    ) {
        self.matched = Some(self.matches_now(rules, feed_id, folder, feed_tokens));
    }

    /// The rules the entry matches: those [`PreparedEntry::match_rules`] found, or, if it was
    /// not matched, those it matches now (arguments as there). Leaves it unmatched.
    pub fn take_matches(
        &mut self,
        rules: &RuleSet,
        feed_id: FeedId,
        folder: Option<&str>,
        feed_tokens: &[Token],
    ) -> Vec<EntryMatch> {
        match self.matched.take() {
            Some(found) => found,
            None => self.matches_now(rules, feed_id, folder, feed_tokens),
        }
    }

    /// Matches the entry, handing its tokens to the match: it is matched at most once.
    fn matches_now(
        &mut self,
        rules: &RuleSet,
        feed_id: FeedId,
        folder: Option<&str>,
        feed_tokens: &[Token],
    ) -> Vec<EntryMatch> {
        let doc = Doc::with_all_tokens(
            &self.entry.title,
            &self.entry.text,
            std::mem::take(&mut self.title_tokens),
            std::mem::take(&mut self.body_tokens),
            vec![feed_tokens.to_vec()],
        )
        .with_lang(self.lang);
        let origin = Origin {
            feeds: vec![feed_id],
            folders: folder.into_iter().map(String::from).collect(),
        };
        rules
            .matching(&doc, &origin)
            .into_iter()
            .map(|(rule, hits)| {
                let matches = doc.term_matches(&hits);
                let json = serde_json::to_string(&matches).expect("matches serialise");
                EntryMatch {
                    rule_id: rule.id,
                    matches,
                    json,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RuleScope;
    use crate::rules::{CompiledRule, Query};

    fn rules(queries: &[&str]) -> RuleSet {
        RuleSet::new(
            queries
                .iter()
                .enumerate()
                .map(|(i, s)| CompiledRule {
                    id: i as i64 + 1,
                    name: s.to_string(),
                    notify: false,
                    query: Query::parse(s).unwrap(),
                    scope: RuleScope::default(),
                })
                .collect(),
        )
    }

    fn entry(title: &str, text: &str) -> PreparedEntry {
        PreparedEntry::new(DecodedEntry {
            url: Some("https://www.example.org/story?utm_source=rss".into()),
            title: title.into(),
            text: text.into(),
            ..DecodedEntry::default()
        })
    }

    #[test]
    fn an_entry_is_keyed_and_indexed_once_prepared() {
        let p = entry(
            "Ceasefire Holds",
            "Guns fell silent along the Line of Control.",
        );
        assert_eq!(
            p.canonical_url.as_deref(),
            Some("https://example.org/story"),
            "the link's dedup key, without tracking"
        );
        assert_eq!(
            p.content_hash,
            dedup::content_hash(&p.entry.title, &p.entry.text)
        );
        assert_eq!(
            p.indexed_title, "ceasefire holds",
            "folded words, as indexed"
        );
        assert!(p.indexed_body.starts_with("guns fell silent"));
        assert!(p.matched.is_none(), "not matched until asked");
    }

    #[test]
    fn matches_made_before_are_taken_and_others_made_when_taken() {
        let set = rules(&["ceasefire", "cricket", "feed:dawn"]);
        let feed = text::tokens("Dawn");
        let mut early = entry("Ceasefire holds", "");
        early.match_rules(&set, 7, None, &feed);
        assert!(early.title_tokens.is_empty(), "tokens go to the match");
        let mut late = entry("Ceasefire holds", "");
        let ids = |m: &[EntryMatch]| m.iter().map(|m| m.rule_id).collect::<Vec<_>>();
        let taken_early = early.take_matches(&RuleSet::default(), 7, None, &[]);
        let taken_late = late.take_matches(&set, 7, None, &feed);
        assert_eq!(ids(&taken_early), vec![1, 3], "the matches made before");
        assert_eq!(
            ids(&taken_late),
            ids(&taken_early),
            "matched when taken alike"
        );
        assert_eq!(taken_late[0].matches[0].text, "Ceasefire");
        assert_eq!(
            taken_late[0].json,
            serde_json::to_string(&taken_late[0].matches).unwrap()
        );
        assert!(early.matched.is_none(), "taken, not left behind");
    }
}
