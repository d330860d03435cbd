//! Matching queries against one article in memory, and many rules at once.
//!
//! For each new article, in this order:
//! 1. [`Doc::new`] cuts title, body and feed titles into tokens once.
//! 2. [`RuleSet::matching`] collects candidate rules: every rule names at least one word its
//!    matches must contain (its *anchors*), so only rules anchored on a word of the article
//!    are looked at, plus the few that cannot be anchored. Cost grows with the article, not
//!    with the number of rules; a small Bloom filter of the anchors spares most words their
//!    map lookups.
//! 3. Each candidate's scope (feeds, folders) is checked, then its query is evaluated, and the
//!    words that made it match are kept as [`Hit`]s for highlighting. A doc answers its first
//!    lookups by scanning arrays of its tokens' hashes; once it has answered many, it builds
//!    an index of its words by hash (terms, phrases) and, for prefixes, a list of them sorted
//!    by text.

use super::query::{Node, Query, Scope};
use crate::model::{FeedId, Field, RuleScope, TermMatch};
use crate::text::{self, word_hash, Token, Word};
use std::cell::{Cell, OnceCell};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

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
struct FieldKeys {
    stems: Vec<u64>,
    folded: Vec<u64>,
    /// First byte of each folded word (never empty).
    first_bytes: Vec<u8>,
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
fn each_equal<T: Copy + PartialEq>(list: &[T], key: T, mut f: impl FnMut(usize)) {
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
struct WordRun {
    lo: u32,
    hi: u32,
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

/// Rule sets this large wake their candidates from a doc's index rather than its tokens.
const WAKE_FROM_INDEX_AT: usize = 1_000;

/// Positions of every stem and folded word of a doc, so a term is looked up instead of
/// scanned for.
#[derive(Debug, Clone)]
struct DocIndex {
    stems: Occurrences,
    folded: Occurrences,
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
struct Occurrences {
    list: Vec<(u64, u32, u32)>,
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
    fn lookup(&self, hash: u64) -> &[(u64, u32, u32)] {
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

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type ByHash = HashMap<u64, Vec<u32>, BuildHasherDefault<IdHasher>>;

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
    fn field_lists(&self) -> impl Iterator<Item = (u32, &[Token])> {
        [(0, &self.title_tokens[..]), (1, &self.body_tokens[..])]
            .into_iter()
            .chain(
                self.feed_tokens
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (i as u32 + 2, &t[..])),
            )
    }

    fn field(&self, field: u32) -> (Where, &[Token]) {
        match field {
            0 => (Where::Title, &self.title_tokens),
            1 => (Where::Body, &self.body_tokens),
            n => (Where::Feed, &self.feed_tokens[n as usize - 2]),
        }
    }

    fn index(&self) -> &DocIndex {
        self.index.get_or_init(|| DocIndex::new(self))
    }

    /// What scans compare, per field number.
    fn keys(&self) -> &[FieldKeys] {
        self.scanned
            .get_or_init(|| self.field_lists().map(|(_, t)| FieldKeys::new(t)).collect())
    }

    /// The index, when using it pays: already built, or enough lookups were scans.
    fn index_for_lookup(&self) -> Option<&DocIndex> {
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
    fn words_for_prefix(&self) -> Option<(&DocIndex, &[WordRun])> {
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

    fn run_text(&self, index: &DocIndex, run: &WordRun) -> &str {
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
    fn fields(&self, scope: Scope) -> impl Iterator<Item = (Where, &[Token])> {
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

/// Whether `query` matches `doc`; the hits when it does.
pub fn matches(query: &Query, doc: &Doc) -> Option<Vec<Hit>> {
    let mut hits = Vec::new();
    eval(&query.root, doc, &mut hits).then_some(hits)
}

/// Whether tokens' stems are one query word, reading each distinct word's stem once: the
/// tokens of one spelling share their [`Word`] ([`text::tokens`]), so once one of them is
/// found equal, the others are known by address.
struct SameStem<'q> {
    want: &'q str,
    /// The address of a word whose stem was found equal to `want`. Only compared, never
    /// read: the doc being matched holds that word for as long as this lives.
    equal: Cell<*const Word>,
}

impl<'q> SameStem<'q> {
    fn new(want: &'q str) -> SameStem<'q> {
        SameStem {
            want,
            equal: Cell::new(std::ptr::null()),
        }
    }

    fn of(&self, word: &std::sync::Arc<Word>) -> bool {
        let at = std::sync::Arc::as_ptr(word);
        if at == self.equal.get() {
            return true;
        }
        let same = word.stem() == self.want;
        if same {
            self.equal.set(at);
        }
        same
    }
}

fn eval(node: &Node, doc: &Doc, hits: &mut Vec<Hit>) -> bool {
    match node {
        Node::Term { stem, hash, scope } => {
            let hash = *hash;
            let is_stem = SameStem::new(stem);
            match doc.index_for_lookup() {
                Some(index) => {
                    let list = index.stems.lookup(hash);
                    indexed(doc, *scope, hits, list, 1, |toks, i| {
                        is_stem.of(&toks[i].word)
                    })
                }
                None => scan(doc, *scope, hits, 1, Key::Stem(hash), |toks, i| {
                    is_stem.of(&toks[i].word)
                }),
            }
        }
        Node::Prefix { prefix, scope } => {
            if let Some((index, words)) = doc.words_for_prefix() {
                return prefixed(doc, index, words, prefix, *scope, hits);
            }
            // Most words differ in their first byte: comparing it inline spares a call to
            // compare strings for almost every token scanned.
            let Some(&first) = prefix.as_bytes().first() else {
                return false;
            };
            scan(doc, *scope, hits, 1, Key::FirstByte(first), |toks, i| {
                toks[i].folded().starts_with(prefix.as_str())
            })
        }
        Node::Phrase { words, hash, scope } => {
            if words.is_empty() {
                return false;
            }
            let hash = *hash;
            let at = |toks: &[Token], i: usize| {
                words.iter().zip(&toks[i..]).all(|(w, t)| t.folded() == w)
            };
            match doc.index_for_lookup() {
                Some(index) => {
                    let list = index.folded.lookup(hash);
                    indexed(doc, *scope, hits, list, words.len(), at)
                }
                None => scan(doc, *scope, hits, words.len(), Key::Folded(hash), at),
            }
        }
        Node::Near {
            stems,
            distance,
            scope,
        } => {
            let mut found = false;
            for (at, toks) in doc.fields(*scope) {
                if let Some(members) = near_window(toks, stems, *distance) {
                    found = true;
                    for i in members {
                        hits.push(Hit {
                            at,
                            first: i,
                            last: i,
                        });
                    }
                }
            }
            found
        }
        Node::And(items) => {
            // Hits of the members count only if every member matches.
            let mark = hits.len();
            for item in items {
                if !eval(item, doc, hits) {
                    hits.truncate(mark);
                    return false;
                }
            }
            true
        }
        Node::Or(items) => {
            let mut any = false;
            for item in items {
                any |= eval(item, doc, hits);
            }
            any
        }
        Node::Not(inner) => {
            let mark = hits.len();
            let found = eval(inner, doc, hits);
            hits.truncate(mark);
            !found
        }
    }
}

/// A prefix looked up in the doc's words sorted by text, where the words starting with it
/// are one run. Hits come in field, then text order, as a scan finds them.
fn prefixed(
    doc: &Doc,
    index: &DocIndex,
    words: &[WordRun],
    prefix: &str,
    scope: Scope,
    hits: &mut Vec<Hit>,
) -> bool {
    let start = words.partition_point(|w| doc.run_text(index, w) < prefix);
    let mut found: Vec<(u32, u32)> = Vec::new();
    for w in words[start..]
        .iter()
        .take_while(|w| doc.run_text(index, w).starts_with(prefix))
    {
        found.extend(
            index.folded.list[w.lo as usize..w.hi as usize]
                .iter()
                .filter(|e| in_fields(scope, e.1))
                .map(|e| (e.1, e.2)),
        );
    }
    found.sort_unstable();
    for &(field, pos) in &found {
        let i = pos as usize;
        hits.push(Hit {
            at: doc.field(field).0,
            first: i,
            last: i,
        });
    }
    !found.is_empty()
}

fn in_fields(scope: Scope, field: u32) -> bool {
    match scope {
        Scope::Any => field < 2,
        Scope::Title => field == 0,
        Scope::Body => field == 1,
        Scope::Feed => field >= 2,
    }
}

/// Like [`leaf`], trying only the positions the doc's index lists for the run's first word.
fn indexed(
    doc: &Doc,
    scope: Scope,
    hits: &mut Vec<Hit>,
    list: &[(u64, u32, u32)],
    width: usize,
    at: impl Fn(&[Token], usize) -> bool,
) -> bool {
    let mut found = false;
    for &(_, field, pos) in list {
        if !in_fields(scope, field) {
            continue;
        }
        let (where_, toks) = doc.field(field);
        let i = pos as usize;
        if i + width <= toks.len() && at(toks, i) {
            found = true;
            hits.push(Hit {
                at: where_,
                first: i,
                last: i + width - 1,
            });
        }
    }
    found
}

/// What [`scan`] looks for first in each token.
#[derive(Clone, Copy)]
enum Key {
    Stem(u64),
    Folded(u64),
    FirstByte(u8),
}

/// Matches a run of `width` tokens satisfying `at` in each field of `scope`, trying only the
/// positions whose first token has `key`.
fn scan(
    doc: &Doc,
    scope: Scope,
    hits: &mut Vec<Hit>,
    width: usize,
    key: Key,
    at: impl Fn(&[Token], usize) -> bool,
) -> bool {
    let keys = doc.keys();
    let mut found = false;
    for (field, toks) in doc.field_lists() {
        if !in_fields(scope, field) || toks.len() < width {
            continue;
        }
        let (place, _) = doc.field(field);
        let keys = &keys[field as usize];
        let last = toks.len() - width;
        let mut hit = |i: usize| {
            if at(toks, i) {
                found = true;
                hits.push(Hit {
                    at: place,
                    first: i,
                    last: i + width - 1,
                });
            }
        };
        match key {
            Key::Stem(h) => each_equal(&keys.stems[..=last], h, &mut hit),
            Key::Folded(h) => each_equal(&keys.folded[..=last], h, &mut hit),
            Key::FirstByte(b) => each_equal(&keys.first_bytes[..=last], b, &mut hit),
        }
    }
    found
}

/// The tightest window holding every stem, if at most `distance` tokens lie between its
/// first and last member: the position of one occurrence of each stem.
fn near_window(toks: &[Token], stems: &[String], distance: u32) -> Option<Vec<usize>> {
    // Positions of every wanted stem, in text order: (position, which stem).
    let occurrences: Vec<(usize, usize)> = toks
        .iter()
        .enumerate()
        .filter_map(|(i, t)| stems.iter().position(|s| s == t.stem()).map(|k| (i, k)))
        .collect();
    let k = stems.len();
    let mut count = vec![0usize; k];
    let mut covered = 0;
    let mut best: Option<(usize, usize)> = None;
    let mut lo = 0;
    for hi in 0..occurrences.len() {
        let (_, kh) = occurrences[hi];
        if count[kh] == 0 {
            covered += 1;
        }
        count[kh] += 1;
        while covered == k {
            let span = occurrences[hi].0 - occurrences[lo].0;
            if best.is_none_or(|(a, b)| span < occurrences[b].0 - occurrences[a].0) {
                best = Some((lo, hi));
            }
            let (_, kl) = occurrences[lo];
            count[kl] -= 1;
            if count[kl] == 0 {
                covered -= 1;
            }
            lo += 1;
        }
    }
    let (a, b) = best?;
    let (first, last) = (occurrences[a].0, occurrences[b].0);
    // Stems are distinct and a token has one stem, so `last > first`.
    if last - first - 1 > distance as usize {
        return None;
    }
    // One position per stem: the first occurrence of each inside the window.
    let mut members = Vec::with_capacity(k);
    let mut seen = vec![false; k];
    for &(pos, which) in &occurrences[a..=b] {
        if !seen[which] {
            seen[which] = true;
            members.push(pos);
        }
    }
    Some(members)
}

/// A word that every match of a query contains, used to skip rules that cannot match.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Anchor {
    Stem(String),
    Folded(String),
    Prefix(String),
}

/// Anchors of a node: a set of words at least one of which every match contains, or `None`
/// when the node can match without any particular word (a negation).
fn anchors(node: &Node) -> Option<Vec<Anchor>> {
    match node {
        Node::Term { stem, .. } => Some(vec![Anchor::Stem(stem.clone())]),
        Node::Prefix { prefix, .. } => Some(vec![Anchor::Prefix(prefix.clone())]),
        Node::Phrase { words, .. } => {
            let w = words.iter().min_by_key(|w| word_cost(w))?;
            Some(vec![Anchor::Folded(w.clone())])
        }
        Node::Near { stems, .. } => Some(vec![Anchor::Stem(
            stems.iter().min_by_key(|s| word_cost(s))?.clone(),
        )]),
        // The member whose anchors wake the rule least often.
        Node::And(items) => items
            .iter()
            .filter_map(anchors)
            .min_by_key(|a| a.iter().map(anchor_cost).sum::<usize>()),
        Node::Or(items) => {
            let mut all = Vec::new();
            for item in items {
                all.extend(anchors(item)?);
            }
            Some(all)
        }
        Node::Not(_) => None,
    }
}

/// Words so frequent in news that a rule anchored on them would wake for most articles,
/// folded and stemmed (the stem of each is in the list too when it differs).
const COMMON_WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "on",
    "it",
    "with",
    "as",
    "was",
    "wa",
    "at",
    "by",
    "be",
    "from",
    "has",
    "ha",
    "have",
    "are",
    "an",
    "he",
    "his",
    "not",
    "but",
    "said",
    "say",
    "says",
    "were",
    "been",
    "will",
    "would",
    "which",
    "they",
    "this",
    "their",
    "who",
    "after",
    "also",
    "its",
    "more",
    "than",
    "over",
    "new",
    "year",
    "years",
    "two",
    "one",
    "first",
    "last",
    "about",
    "into",
    "up",
    "out",
    "other",
    "against",
    "all",
    "we",
    "i",
    "you",
    "she",
    "her",
    "had",
    "or",
    "there",
    "no",
    "government",
    "govern",
    "minister",
    "ministri",
    "ministry",
    "state",
    "people",
    "peopl",
    "country",
    "countri",
    "official",
    "offici",
    "officials",
    "week",
    "day",
    "time",
    "report",
    "told",
    "news",
    "could",
    "may",
    "can",
    "under",
    "when",
    "while",
    "since",
    "before",
    "between",
    "three",
    "police",
    "polic",
    "public",
    "publish",
    "world",
    "national",
    "nation",
    "part",
    "made",
    "make",
    "what",
    "our",
];

/// How often a word is expected to wake a rule: common words cost much more, then shorter
/// words (usually more frequent) a little more.
fn word_cost(w: &str) -> usize {
    if COMMON_WORDS.contains(&w) {
        1000
    } else {
        100usize.saturating_sub(w.len())
    }
}

fn anchor_cost(a: &Anchor) -> usize {
    match a {
        Anchor::Stem(s) | Anchor::Folded(s) => word_cost(s),
        // A prefix stands for many words.
        Anchor::Prefix(p) => 4 * word_cost(p),
    }
}

/// A rule ready for matching.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// Row id of the rule.
    pub id: i64,
    /// Its name, for alerts.
    pub name: String,
    /// Whether its alerts ask for a desktop notification.
    pub notify: bool,
    /// Its parsed query.
    pub query: Query,
    /// Where it applies.
    pub scope: RuleScope,
}

/// Where an article comes from, for checking rule scopes.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The feeds it arrived through.
    pub feeds: Vec<FeedId>,
    /// Their folders.
    pub folders: Vec<String>,
}

/// Every enabled rule, indexed by anchor words (by their hash; a collision only adds a
/// candidate, which evaluation then rejects).
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<CompiledRule>,
    by_stem: ByHash,
    by_folded: ByHash,
    by_prefix: HashMap<String, Vec<u32>>,
    prefix_lens: Vec<usize>,
    /// A bit per anchor hash (`by_stem` and `by_folded`) and per first byte of a prefix:
    /// most words of an article anchor no rule, and a clear bit says so without a lookup.
    may_anchor: AnchorBits,
    unanchored: Vec<u32>,
}

/// A small Bloom filter of words' hashes, and the first bytes of prefixes.
#[derive(Debug, Clone)]
struct AnchorBits {
    hashes: Box<[u64; 64]>,
    first_bytes: [u64; 4],
}

impl Default for AnchorBits {
    fn default() -> AnchorBits {
        AnchorBits {
            hashes: Box::new([0; 64]),
            first_bytes: [0; 4],
        }
    }
}

impl AnchorBits {
    /// One of 4,096 bits. With 100 rules, a word wrongly passes about one time in thirty;
    /// with thousands of rules most bits are set and the maps decide.
    fn bit(hash: u64) -> (usize, u64) {
        let h = (hash ^ (hash >> 29)) as usize;
        ((h >> 6) & 63, 1 << (h & 63))
    }

    fn add_hash(&mut self, hash: u64) {
        let (word, bit) = Self::bit(hash);
        self.hashes[word] |= bit;
    }

    fn has_hash(&self, hash: u64) -> bool {
        let (word, bit) = Self::bit(hash);
        self.hashes[word] & bit != 0
    }

    fn add_first_byte(&mut self, b: u8) {
        self.first_bytes[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    fn has_first_byte(&self, b: u8) -> bool {
        self.first_bytes[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
}

impl RuleSet {
    /// Indexes `rules`.
    pub fn new(rules: Vec<CompiledRule>) -> RuleSet {
        let mut set = RuleSet::default();
        let mut prefix_lens = HashSet::new();
        for (i, rule) in rules.iter().enumerate() {
            let i = i as u32;
            match anchors(&rule.query.root) {
                None => set.unanchored.push(i),
                Some(list) => {
                    for a in list {
                        let entry = match a {
                            Anchor::Stem(k) => {
                                let h = word_hash(&k);
                                set.may_anchor.add_hash(h);
                                set.by_stem.entry(h).or_default()
                            }
                            Anchor::Folded(k) => {
                                let h = word_hash(&k);
                                set.may_anchor.add_hash(h);
                                set.by_folded.entry(h).or_default()
                            }
                            Anchor::Prefix(p) => {
                                prefix_lens.insert(p.len());
                                if let Some(&b) = p.as_bytes().first() {
                                    set.may_anchor.add_first_byte(b);
                                }
                                set.by_prefix.entry(p).or_default()
                            }
                        };
                        if entry.last() != Some(&i) {
                            entry.push(i);
                        }
                    }
                }
            }
        }
        set.prefix_lens = prefix_lens.into_iter().collect();
        set.prefix_lens.sort_unstable();
        set.rules = rules;
        set
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// The rule with this row id, if it is in the set.
    pub fn get(&self, id: i64) -> Option<&CompiledRule> {
        // Rules are compiled in row id order, so this is usually one binary search; a set
        // built in another order falls back to a scan.
        match self.rules.binary_search_by_key(&id, |r| r.id) {
            Ok(i) => Some(&self.rules[i]),
            Err(_) => self.rules.iter().find(|r| r.id == id),
        }
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules that match `doc` from `origin`, each with its hits, in rule order.
    pub fn matching<'r>(&'r self, doc: &Doc, origin: &Origin) -> Vec<(&'r CompiledRule, Vec<Hit>)> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        let mut candidates: Vec<u32> = self.unanchored.clone();
        if self.rules.len() >= WAKE_FROM_INDEX_AT {
            self.wake_from_index(doc, &mut candidates);
        } else {
            self.wake_from_tokens(doc, &mut candidates);
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut out = Vec::new();
        for i in candidates {
            let rule = &self.rules[i as usize];
            if !in_scope(&rule.scope, origin) {
                continue;
            }
            if let Some(hits) = matches(&rule.query, doc) {
                out.push((rule, hits));
            }
        }
        out
    }

    /// Wakes the rules anchored on the doc's words straight from its tokens: with a small
    /// rule set the maps are small, and a word seen twice only adds a duplicate candidate.
    fn wake_from_tokens(&self, doc: &Doc, candidates: &mut Vec<u32>) {
        let prefixes = !self.by_prefix.is_empty();
        for ((_, toks), keys) in doc.field_lists().zip(doc.keys()) {
            for (i, (&stem, &folded)) in keys.stems.iter().zip(&keys.folded).enumerate() {
                if self.may_anchor.has_hash(stem) {
                    if let Some(rules) = self.by_stem.get(&stem) {
                        candidates.extend_from_slice(rules);
                    }
                }
                if self.may_anchor.has_hash(folded) {
                    if let Some(rules) = self.by_folded.get(&folded) {
                        candidates.extend_from_slice(rules);
                    }
                }
                if prefixes && self.may_anchor.has_first_byte(keys.first_bytes[i]) {
                    self.wake_prefixes(toks[i].folded(), candidates);
                }
            }
        }
    }

    /// Wakes the rules anchored on the doc's distinct words, read from its index: with a
    /// large rule set, each lookup misses the cache, and repeated words cost more than
    /// grouping them.
    fn wake_from_index(&self, doc: &Doc, candidates: &mut Vec<u32>) {
        let index = doc.index();
        let mut wake = |map: &ByHash, list: &[(u64, u32, u32)]| {
            let mut last = None;
            for &(h, _, _) in list {
                if last == Some(h) {
                    continue;
                }
                last = Some(h);
                if let Some(rules) = map.get(&h) {
                    candidates.extend_from_slice(rules);
                }
            }
        };
        wake(&self.by_stem, &index.stems.list);
        wake(&self.by_folded, &index.folded.list);
        if !self.by_prefix.is_empty() {
            let mut last = None;
            for &(h, field, pos) in &index.folded.list {
                if last == Some(h) {
                    continue;
                }
                last = Some(h);
                self.wake_prefixes(doc.field(field).1[pos as usize].folded(), candidates);
            }
        }
    }

    fn wake_prefixes(&self, folded: &str, candidates: &mut Vec<u32>) {
        match folded.as_bytes().first() {
            Some(&b) if self.may_anchor.has_first_byte(b) => {}
            _ => return,
        }
        for &len in &self.prefix_lens {
            if len > folded.len() {
                break;
            }
            if let Some(rules) = folded.get(..len).and_then(|p| self.by_prefix.get(p)) {
                candidates.extend_from_slice(rules);
            }
        }
    }
}

fn in_scope(scope: &RuleScope, origin: &Origin) -> bool {
    scope.is_everywhere()
        || origin.feeds.iter().any(|f| scope.feeds.contains(f))
        || origin.folders.iter().any(|f| scope.folders.contains(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Query {
        Query::parse(s).unwrap()
    }

    fn hit(query: &str, title: &str, body: &str) -> bool {
        matches(&q(query), &Doc::new(title, body, &["Dawn"])).is_some()
    }

    #[test]
    fn inflections_phrases_and_prefixes() {
        assert!(hit("ceasefire", "Ceasefires hold", ""));
        assert!(hit(
            "\"Line of Control\"",
            "",
            "shelling across the line of control"
        ));
        assert!(!hit("\"Line of Control\"", "", "control of the line"));
        assert!(hit("negotiat*", "", "Negotiations resumed"));
        assert!(hit("pakistán", "Pakistan", ""));
    }

    #[test]
    fn boolean_logic_and_fields() {
        assert!(hit(
            "ceasefire (India OR Pakistan) -cricket",
            "India ceasefire",
            ""
        ));
        assert!(!hit(
            "ceasefire (India OR Pakistan) -cricket",
            "India ceasefire",
            "cricket"
        ));
        assert!(!hit("title:ceasefire", "Talks", "ceasefire"));
        assert!(hit("body:ceasefire", "Talks", "ceasefire"));
        assert!(hit("feed:dawn ceasefire", "ceasefire", ""));
        assert!(!hit("feed:tribune ceasefire", "ceasefire", ""));
    }

    #[test]
    fn near_counts_words_between() {
        assert!(hit("NEAR(wang ceasefire, 2)", "", "Wang said a ceasefire"));
        assert!(!hit("NEAR(wang ceasefire, 1)", "", "Wang said a ceasefire"));
        assert!(hit("NEAR(ceasefire wang, 0)", "", "ceasefire Wang"));
    }

    #[test]
    fn highlights_point_at_the_words() {
        let doc = Doc::new("Wang Yi urges ceasefire", "", &[]);
        let hits = matches(&q("\"wang yi\" ceasefires"), &doc).unwrap();
        let spans: Vec<_> = doc
            .term_matches(&hits)
            .into_iter()
            .map(|m| (m.text, m.start, m.end))
            .collect();
        assert_eq!(
            spans,
            vec![
                ("Wang".into(), 0, 4),
                ("Yi".into(), 5, 7),
                ("ceasefire".into(), 14, 23)
            ]
        );
    }

    #[test]
    fn rule_set_finds_the_same_rules_as_matching_each() {
        let queries = [
            "ceasefire India",
            "truce OR \"cease fire\"",
            "negotiat*",
            "feed:dawn",
            "NEAR(wang ceasefire, 5)",
            "cricket -ceasefire",
            "markets",
        ];
        let rules: Vec<CompiledRule> = queries
            .iter()
            .enumerate()
            .map(|(i, s)| CompiledRule {
                id: i as i64,
                name: s.to_string(),
                notify: true,
                query: q(s),
                scope: RuleScope::default(),
            })
            .collect();
        let set = RuleSet::new(rules.clone());
        let doc = Doc::new(
            "India and Pakistan agree to a ceasefire",
            "Wang Yi welcomed the ceasefire after negotiations; a cease fire was overdue.",
            &["Dawn"],
        );
        let got: Vec<i64> = set
            .matching(&doc, &Origin::default())
            .iter()
            .map(|(r, _)| r.id)
            .collect();
        let want: Vec<i64> = rules
            .iter()
            .filter(|r| matches(&r.query, &doc).is_some())
            .map(|r| r.id)
            .collect();
        assert_eq!(got, want);
        assert_eq!(want, vec![0, 1, 2, 3, 4]);
    }

    /// A doc answers its first lookups by scanning its tokens and later ones from its index
    /// (prefixes from its words sorted by text): both must give the same hits, in the same
    /// order.
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

    #[test]
    fn same_stem_tells_words_apart_whether_or_not_they_share_a_word() {
        let word = |text: &str| text::tokens(text).remove(0).word;
        let talks = word("talks");
        let shared = word("talks");
        assert!(
            std::sync::Arc::ptr_eq(&talks, &shared),
            "one word per spelling"
        );
        let talk = word("talk");
        let walks = word("walks");
        let is_talk = SameStem::new("talk");
        assert!(!is_talk.of(&walks));
        assert!(is_talk.of(&talks) && is_talk.of(&shared) && is_talk.of(&talk));
        assert!(
            !is_talk.of(&walks),
            "a known address does not make other words equal"
        );
        assert!(is_talk.of(&talks));
    }

    #[test]
    fn scope_limits_rules_to_feeds_and_folders() {
        let rule = CompiledRule {
            id: 1,
            name: "r".into(),
            notify: true,
            query: q("ceasefire"),
            scope: RuleScope {
                folders: vec!["Pakistan".into()],
                feeds: vec![],
            },
        };
        let set = RuleSet::new(vec![rule]);
        let doc = Doc::new("ceasefire", "", &[]);
        let inside = Origin {
            feeds: vec![3],
            folders: vec!["Pakistan".into()],
        };
        assert_eq!(set.matching(&doc, &inside).len(), 1);
        assert_eq!(
            set.matching(
                &doc,
                &Origin {
                    feeds: vec![3],
                    folders: vec![]
                }
            )
            .len(),
            0
        );
    }
}
