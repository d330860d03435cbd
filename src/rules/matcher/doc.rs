//! The per-article word index: an article cut into tokens once, and the ways its words are
//! found.
//!
//! A [`Doc`] answers its first lookups by scanning arrays of its tokens' hashes
//! ([`FieldKeys`]); once it has answered many, it builds an index of its words by hash
//! ([`DocIndex`], for terms and phrases) and, for prefixes, a list of its distinct words
//! sorted by text. Each is built at most once, on first need. It also turns the hits of a
//! match into highlight spans ([`Doc::term_matches`]).

use super::super::query::Scope;
use crate::model::{Field, TermMatch};
use crate::text::{self, Token, Word};
use std::cell::{Cell, OnceCell};

/// An article cut into tokens, ready to be matched against any number of queries.
#[derive(Debug, Clone)]
pub struct Doc<'a> {
    title: &'a str,
    body: &'a str,
    title_tokens: Vec<Token>,
    body_tokens: Vec<Token>,
    feed_tokens: Vec<Vec<Token>>,
    /// Where each word occurs, built once enough term lookups were made by scanning.
    index: OnceCell<DocIndex>,
    /// Term lookups answered by scanning the tokens so far.
    scans: Cell<u32>,
    /// The distinct words sorted by text, for prefixes, built once enough prefixes were
    /// scanned for; `None` inside when two of its words share a hash, so prefixes scan.
    words: OnceCell<Option<Vec<WordRun>>>,
    /// Prefix lookups answered by scanning the tokens so far.
    prefix_scans: Cell<u32>,
    /// What scans compare, per field, made on first use.
    scanned: OnceCell<Vec<FieldKeys>>,
}

/// What a scan compares of each token of one field, side by side. Reading these arrays
/// instead of following every token to its word halved the instructions spent evaluating
/// rules; matching 1,000 rules went from about 35,000 to 37,000 articles/s.
#[derive(Debug, Clone, Default)]
pub(super) struct FieldKeys {
    pub(super) stems: Vec<u64>,
    pub(super) folded: Vec<u64>,
    /// First byte of each folded word (never empty).
    pub(super) first_bytes: Vec<u8>,
}

impl FieldKeys {
    fn new(toks: &[Token]) -> FieldKeys {
        FieldKeys {
            stems: toks.iter().map(|t| t.word.stem_hash).collect(),
            folded: toks.iter().map(|t| t.word.folded_hash).collect(),
            first_bytes: toks
                .iter()
                .map(|t| t.folded().as_bytes().first().copied().unwrap_or(0))
                .collect(),
        }
    }
}

/// Calls `f` with the position of each element of `list` equal to `key`, in order. Eight at a
/// time into a bit mask: the compiler compares them in a few vector instructions.
pub(super) fn each_equal<T: Copy + PartialEq>(list: &[T], key: T, mut f: impl FnMut(usize)) {
    let mut chunks = list.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut mask = 0u32;
        for (j, &x) in chunk.iter().enumerate() {
            mask |= u32::from(x == key) << j;
        }
        while mask != 0 {
            f(base + mask.trailing_zeros() as usize);
            mask &= mask - 1;
        }
        base += 8;
    }
    for (j, &x) in chunks.remainder().iter().enumerate() {
        if x == key {
            f(base + j);
        }
    }
}

/// One distinct word of a doc: its occurrences, `DocIndex::folded.list[lo..hi]` (the first of
/// them gives its text).
#[derive(Debug, Clone, Copy)]
pub(super) struct WordRun {
    pub(super) lo: u32,
    pub(super) hi: u32,
}

/// Prefix lookups a doc with an index answers by scanning its tokens before it sorts its
/// words by text. A scan compares a byte per token; sorting costs as much as dozens of
/// scans. With 10,000 rules an article evaluates many prefixes and sorting took matching
/// from about 320 to 240 µs per article; at 16 instead of 40, 1,000 rules lost what 40 gains
/// there (40 to 34 µs).
const PREFIX_SCANS_BEFORE_SORT: u32 = 40;

/// Term lookups a doc answers by scanning its tokens before it builds its index: a scan
/// compares one hash per token, in order, so dozens of scans cost less than indexing every
/// word of an article (most articles wake only a few rules); many more do not. With 100
/// rules, 64 instead of 12 halved the cost per article (16 to 9 µs); beyond 64, nothing.
const SCANS_BEFORE_INDEX: u32 = 64;

/// Positions of every stem and folded word of a doc, so a term is looked up instead of
/// scanned for.
#[derive(Debug, Clone)]
pub(super) struct DocIndex {
    pub(super) stems: Occurrences,
    pub(super) folded: Occurrences,
}

impl DocIndex {
    fn new(doc: &Doc) -> DocIndex {
        let n = doc.title_tokens.len()
            + doc.body_tokens.len()
            + doc.feed_tokens.iter().map(Vec::len).sum::<usize>();
        let mut stems = Vec::with_capacity(n);
        let mut folded = Vec::with_capacity(n);
        for (field, toks) in doc.field_lists() {
            for (i, t) in toks.iter().enumerate() {
                stems.push((t.word.stem_hash, field, i as u32));
                folded.push((t.word.folded_hash, field, i as u32));
            }
        }
        DocIndex {
            stems: Occurrences::group(&stems),
            folded: Occurrences::group(&folded),
        }
    }
}

/// Occurrences `(hash of the word, field, position)` of a doc's words, grouped by hash: the
/// occurrences of one hash are contiguous and in field, then text order (the order a scan
/// finds them), and a table finds a hash's group. Hashes can collide: every occurrence
/// found is checked against the token.
///
/// Grouping is a counting sort over an open-addressing table that fits in the first-level
/// cache; sorting the occurrences by hash took as long as evaluating 1,000 rules.
#[derive(Debug, Clone)]
pub(super) struct Occurrences {
    pub(super) list: Vec<(u64, u32, u32)>,
    /// `(hash, lo, hi)`: the group `list[lo..hi]`, at the hash's slot or the first free one
    /// after it; `hi == 0` marks a free slot. A power of two longer than `list`, so a slot is
    /// always free; an article repeats enough words to keep it about half full or less.
    table: Vec<(u64, u32, u32)>,
}

impl Occurrences {
    /// `keys` grouped; the groups follow each other in the order their hashes first occur.
    fn group(keys: &[(u64, u32, u32)]) -> Occurrences {
        let mask = (keys.len() + 1).next_power_of_two().max(8) - 1;
        let mut table = vec![(0, 0, 0); mask + 1];
        let mut slots = Vec::with_capacity(keys.len());
        let mut first_seen = Vec::new();
        // First the size of each group, in the table's `hi`...
        for &(hash, _, _) in keys {
            let mut slot = Self::slot(hash, mask);
            loop {
                let entry = &mut table[slot];
                if entry.2 == 0 {
                    *entry = (hash, 0, 1);
                    first_seen.push(slot);
                    break;
                }
                if entry.0 == hash {
                    entry.2 += 1;
                    break;
                }
                slot = (slot + 1) & mask;
            }
            slots.push(slot);
        }
        // ...then where each group starts, in both `lo` and `hi`...
        let mut start = 0;
        for &slot in &first_seen {
            let entry = &mut table[slot];
            let len = entry.2;
            (entry.1, entry.2) = (start, start);
            start += len;
        }
        // ...and `hi` moves past each occurrence put in its group.
        let mut list = vec![(0, 0, 0); keys.len()];
        for (&key, &slot) in keys.iter().zip(&slots) {
            let entry = &mut table[slot];
            list[entry.2 as usize] = key;
            entry.2 += 1;
        }
        Occurrences { list, table }
    }

    fn slot(hash: u64, mask: usize) -> usize {
        (hash ^ (hash >> 32)) as usize & mask
    }

    /// The occurrences of `hash`, in field and text order.
    pub(super) fn lookup(&self, hash: u64) -> &[(u64, u32, u32)] {
        let mask = self.table.len() - 1;
        let mut slot = Self::slot(hash, mask);
        loop {
            let (h, lo, hi) = self.table[slot];
            if hi == 0 {
                return &[];
            }
            if h == hash {
                return &self.list[lo as usize..hi as usize];
            }
            slot = (slot + 1) & mask;
        }
    }
}

impl<'a> Doc<'a> {
    /// Tokenises an article's title, body and the titles of the feeds it came through.
    pub fn new(title: &'a str, body: &'a str, feed_titles: &[&str]) -> Doc<'a> {
        Doc {
            title,
            body,
            title_tokens: text::tokens(title),
            body_tokens: text::tokens(body),
            feed_tokens: feed_titles.iter().map(|t| text::tokens(t)).collect(),
            index: OnceCell::new(),
            scans: Cell::new(0),
            words: OnceCell::new(),
            prefix_scans: Cell::new(0),
            scanned: OnceCell::new(),
        }
    }

    /// Like [`Doc::new`] with tokens already made (the ingest path makes them once for
    /// indexing and matching both).
    pub fn with_tokens(
        title: &'a str,
        body: &'a str,
        title_tokens: Vec<Token>,
        body_tokens: Vec<Token>,
        feed_titles: &[&str],
    ) -> Doc<'a> {
        Self::with_all_tokens(
            title,
            body,
            title_tokens,
            body_tokens,
            feed_titles.iter().map(|t| text::tokens(t)).collect(),
        )
    }

    /// Like [`Doc::with_tokens`] with the feed titles' tokens made too (once per feed, not
    /// once per article, on ingest).
    pub fn with_all_tokens(
        title: &'a str,
        body: &'a str,
        title_tokens: Vec<Token>,
        body_tokens: Vec<Token>,
        feed_tokens: Vec<Vec<Token>>,
    ) -> Doc<'a> {
        Doc {
            title,
            body,
            title_tokens,
            body_tokens,
            feed_tokens,
            index: OnceCell::new(),
            scans: Cell::new(0),
            words: OnceCell::new(),
            prefix_scans: Cell::new(0),
            scanned: OnceCell::new(),
        }
    }

    /// Every token list with its field number: 0 title, 1 body, 2.. feed titles.
    pub(super) fn field_lists(&self) -> impl Iterator<Item = (u32, &[Token])> {
        [(0, &self.title_tokens[..]), (1, &self.body_tokens[..])]
            .into_iter()
            .chain(
                self.feed_tokens
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (i as u32 + 2, &t[..])),
            )
    }

    pub(super) fn field(&self, field: u32) -> (Where, &[Token]) {
        match field {
            0 => (Where::Title, &self.title_tokens),
            1 => (Where::Body, &self.body_tokens),
            n => (Where::Feed, &self.feed_tokens[n as usize - 2]),
        }
    }

    pub(super) fn index(&self) -> &DocIndex {
        self.index.get_or_init(|| DocIndex::new(self))
    }

    /// What scans compare, per field number.
    pub(super) fn keys(&self) -> &[FieldKeys] {
        self.scanned
            .get_or_init(|| self.field_lists().map(|(_, t)| FieldKeys::new(t)).collect())
    }

    /// The index, when using it pays: already built, or enough lookups were scans.
    pub(super) fn index_for_lookup(&self) -> Option<&DocIndex> {
        if let Some(index) = self.index.get() {
            return Some(index);
        }
        let scans = self.scans.get();
        if scans < SCANS_BEFORE_INDEX {
            self.scans.set(scans + 1);
            return None;
        }
        Some(self.index())
    }

    /// The distinct words sorted by text, when a prefix is better looked up there than
    /// scanned for: the index exists and enough prefixes were scanned for already.
    pub(super) fn words_for_prefix(&self) -> Option<(&DocIndex, &[WordRun])> {
        let index = self.index.get()?;
        if self.words.get().is_none() {
            let scans = self.prefix_scans.get();
            if scans < PREFIX_SCANS_BEFORE_SORT {
                self.prefix_scans.set(scans + 1);
                return None;
            }
        }
        let words = self.words.get_or_init(|| self.sorted_words(index));
        Some((index, words.as_deref()?))
    }

    /// One [`WordRun`] per distinct word of `index`, sorted by text; `None` if two
    /// different words share a hash (their occurrences would interleave in one run).
    fn sorted_words(&self, index: &DocIndex) -> Option<Vec<WordRun>> {
        let list = &index.folded.list;
        let mut runs = Vec::new();
        let mut lo = 0;
        while lo < list.len() {
            let (hash, field, pos) = list[lo];
            let first = self.word_at(field, pos);
            let mut hi = lo + 1;
            while hi < list.len() && list[hi].0 == hash {
                let other = self.word_at(list[hi].1, list[hi].2);
                if !std::sync::Arc::ptr_eq(first, other) && first.folded != other.folded {
                    return None;
                }
                hi += 1;
            }
            runs.push(WordRun {
                lo: lo as u32,
                hi: hi as u32,
            });
            lo = hi;
        }
        runs.sort_unstable_by(|a, b| self.run_text(index, a).cmp(self.run_text(index, b)));
        Some(runs)
    }

    fn word_at(&self, field: u32, pos: u32) -> &std::sync::Arc<Word> {
        &self.field(field).1[pos as usize].word
    }

    pub(super) fn run_text(&self, index: &DocIndex, run: &WordRun) -> &str {
        let (_, field, pos) = index.folded.list[run.lo as usize];
        &self.word_at(field, pos).folded
    }

    /// Title tokens.
    pub fn title_tokens(&self) -> &[Token] {
        &self.title_tokens
    }

    /// Body tokens.
    pub fn body_tokens(&self) -> &[Token] {
        &self.body_tokens
    }

    /// Feed-title tokens, one list per feed.
    pub fn feed_tokens(&self) -> &[Vec<Token>] {
        &self.feed_tokens
    }

    /// The token lists a scope looks in, in field order. An iterator, not a list: every term
    /// a rule evaluates asks for it.
    pub(super) fn fields(&self, scope: Scope) -> impl Iterator<Item = (Where, &[Token])> {
        let none: &[Vec<Token>] = &[];
        let (title, body, feeds) = match scope {
            Scope::Any => (
                Some(&self.title_tokens[..]),
                Some(&self.body_tokens[..]),
                none,
            ),
            Scope::Title => (Some(&self.title_tokens[..]), None, none),
            Scope::Body => (None, Some(&self.body_tokens[..]), none),
            Scope::Feed => (None, None, &self.feed_tokens[..]),
        };
        title
            .map(|t| (Where::Title, t))
            .into_iter()
            .chain(body.map(|b| (Where::Body, b)))
            .chain(feeds.iter().map(|t| (Where::Feed, &t[..])))
    }

    /// Turns hits into highlight spans (UTF-16 offsets), sorted, without duplicates.
    pub fn term_matches(&self, hits: &[Hit]) -> Vec<TermMatch> {
        // (in body, start byte, end byte): titles first, then text order.
        let mut spans: Vec<(bool, usize, usize)> = Vec::new();
        for hit in hits {
            let (body, tokens) = match hit.at {
                Where::Title => (false, &self.title_tokens),
                Where::Body => (true, &self.body_tokens),
                Where::Feed => continue,
            };
            spans.extend(
                tokens[hit.first..hit.last + 1]
                    .iter()
                    .map(|t| (body, t.start, t.end)),
            );
        }
        spans.sort_unstable();
        spans.dedup();
        // One pass over each field, counting UTF-16 units as it goes.
        let mut out = Vec::with_capacity(spans.len());
        let mut at: Option<bool> = None;
        let (mut byte, mut unit) = (0usize, 0u32);
        for (body, start, end) in spans {
            let (field, text) = if body {
                (Field::Body, self.body)
            } else {
                (Field::Title, self.title)
            };
            if at != Some(body) || start < byte {
                at = Some(body);
                byte = 0;
                unit = 0;
            }
            unit += utf16_len(&text[byte..start]);
            let start16 = unit;
            unit += utf16_len(&text[start..end]);
            byte = end;
            out.push(TermMatch {
                field,
                text: text[start..end].to_string(),
                start: start16,
                end: unit,
            });
        }
        out
    }
}

fn utf16_len(s: &str) -> u32 {
    if s.is_ascii() {
        s.len() as u32
    } else {
        s.encode_utf16().count() as u32
    }
}

/// Which token list a hit is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// The title.
    Title,
    /// The body.
    Body,
    /// A feed title.
    Feed,
}

/// Tokens `first..=last` of one field made a query match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// The field.
    pub at: Where,
    /// First token index.
    pub first: usize,
    /// Last token index (inclusive).
    pub last: usize,
}

#[cfg(test)]
mod tests {
    use super::super::eval::matches;
    use super::*;
    use crate::rules::Query;

    fn q(s: &str) -> Query {
        Query::parse(s).unwrap()
    }

    #[test]
    fn scanning_and_the_index_find_the_same_hits() {
        let queries = [
            "ceasefire",
            "ceasefire India",
            "\"cease fire\" OR truce",
            "title:pakistan",
            "NEAR(wang ceasefire, 5)",
            "feed:dawn talks",
            "talks -cricket",
            "\"the ceasefire\"",
            "cease*",
            "tal* OR indi*",
            "title:pak* ceasefire",
            "feed:da*",
        ];
        let fresh = || {
            Doc::new(
                "India and Pakistan agree to a ceasefire; the ceasefire holds",
                "Wang Yi welcomed the ceasefire after talks. A cease fire, then a truce: \
                 the ceasefire held and talks went on in India.",
                &["Dawn talks"],
            )
        };
        for s in queries {
            let scanned = fresh();
            let indexed = fresh();
            // Its words sorted by text too, for prefixes.
            indexed
                .words
                .get_or_init(|| indexed.sorted_words(indexed.index()));
            assert!(scanned.index.get().is_none() && indexed.index.get().is_some());
            assert!(matches!(indexed.words.get(), Some(Some(_))));
            let (a, b) = (matches(&q(s), &scanned), matches(&q(s), &indexed));
            assert!(a.is_some(), "{s} matches");
            assert_eq!(a, b, "{s}");
            assert!(scanned.index.get().is_none(), "{s}: answered by scanning");
        }
    }

    #[test]
    fn occurrences_are_grouped_by_hash_in_their_order() {
        // Hashes that share their low bits land on one slot and probe past each other; 63
        // distinct hashes fill all but one of 64 slots.
        let cases = [
            (0usize, 1u64, 11u64),
            (1, 1, 11),
            (7, 3, 11),
            (40, 5, 11),
            (300, 17, 11),
            (64, 1 << 40, 11),
            (63, 1, 63),
            (63, 1 << 40, 63),
        ];
        for (len, spread, kinds) in cases {
            let keys: Vec<(u64, u32, u32)> = (0..len as u64)
                .map(|i| ((i * 8 + 3) % kinds * spread, (i % 3) as u32, i as u32))
                .collect();
            let grouped = Occurrences::group(&keys);
            let mut seen = Vec::new();
            for (j, &(hash, _, _)) in grouped.list.iter().enumerate() {
                if j == 0 || grouped.list[j - 1].0 != hash {
                    assert!(!seen.contains(&hash), "{hash} in one group");
                    seen.push(hash);
                }
            }
            for hash in (0..=kinds).map(|h| h * spread) {
                let want: Vec<_> = keys.iter().filter(|k| k.0 == hash).copied().collect();
                assert_eq!(grouped.lookup(hash), &want[..], "{hash} of {len}");
            }
        }
    }

    #[test]
    fn each_equal_finds_every_position_in_order() {
        for len in 0..40u64 {
            let list: Vec<u64> = (0..len).map(|i| (i * 7 + len) % 3).collect();
            for key in 0..4 {
                let mut found = Vec::new();
                each_equal(&list, key, |i| found.push(i));
                let want: Vec<usize> = (0..list.len()).filter(|&i| list[i] == key).collect();
                assert_eq!(found, want, "{key} in {list:?}");
            }
        }
    }
}
