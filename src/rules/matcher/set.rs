//! The rule set: every enabled rule, indexed by the words its matches must contain.
//!
//! For each article, [`RuleSet::matching`], in order:
//! 1. collects candidate rules: every rule names at least one word its matches must contain
//!    (its *anchors*), so only rules anchored on a word of the article are looked at, plus
//!    the few that cannot be anchored. Cost grows with the article, not with the number of
//!    rules; a small Bloom filter of the anchors spares most words their map lookups;
//! 2. checks each candidate's scope (feeds, folders);
//! 3. evaluates its query ([`super::eval`]), keeping the hits for highlighting.

use super::doc::{Doc, Hit};
use super::eval::matches;
use crate::model::{FeedId, RuleScope};
use crate::rules::query::{Node, Query};
use crate::text::word_hash;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

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

/// Rule sets this large wake their candidates from a doc's index rather than its tokens.
const WAKE_FROM_INDEX_AT: usize = 1_000;

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
