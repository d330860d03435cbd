//! Matching queries against one article in memory, and many rules at once.
//!
//! For each new article, in this order:
//! 1. [`Doc::new`] cuts title, body and feed titles into tokens once.
//! 2. [`RuleSet::matching`] collects candidate rules: every rule names at least one word its
//!    matches must contain (its *anchors*), so only rules anchored on a word of the article
//!    are looked at, plus the few that cannot be anchored. Cost grows with the article, not
//!    with the number of rules.
//! 3. Each candidate's scope (feeds, folders) is checked, then its query is evaluated, and the
//!    words that made it match are kept as [`Hit`]s for highlighting.

use super::query::{Node, Query, Scope};
use crate::model::{FeedId, Field, RuleScope, TermMatch};
use crate::text::{self, Token};
use std::collections::{HashMap, HashSet};

/// An article cut into tokens, ready to be matched against any number of queries.
#[derive(Debug, Clone)]
pub struct Doc<'a> {
    title: &'a str,
    body: &'a str,
    title_tokens: Vec<Token>,
    body_tokens: Vec<Token>,
    feed_tokens: Vec<Vec<Token>>,
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
        Doc {
            title,
            body,
            title_tokens,
            body_tokens,
            feed_tokens: feed_titles.iter().map(|t| text::tokens(t)).collect(),
        }
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

    fn fields(&self, scope: Scope) -> Vec<(Where, &[Token])> {
        match scope {
            Scope::Any => vec![
                (Where::Title, &self.title_tokens[..]),
                (Where::Body, &self.body_tokens[..]),
            ],
            Scope::Title => vec![(Where::Title, &self.title_tokens[..])],
            Scope::Body => vec![(Where::Body, &self.body_tokens[..])],
            Scope::Feed => self
                .feed_tokens
                .iter()
                .map(|t| (Where::Feed, &t[..]))
                .collect(),
        }
    }

    /// Turns hits into highlight spans (UTF-16 offsets), sorted, without duplicates.
    pub fn term_matches(&self, hits: &[Hit]) -> Vec<TermMatch> {
        let mut out: Vec<TermMatch> = Vec::new();
        for hit in hits {
            let (field, text, tokens) = match hit.at {
                Where::Title => (Field::Title, self.title, &self.title_tokens),
                Where::Body => (Field::Body, self.body, &self.body_tokens),
                Where::Feed => continue,
            };
            for t in &tokens[hit.first..hit.last + 1] {
                out.push(TermMatch {
                    field,
                    text: text[t.start..t.end].to_string(),
                    start: text::utf16_offset(text, t.start),
                    end: text::utf16_offset(text, t.end),
                });
            }
        }
        out.sort_by_key(|m| (m.field == Field::Body, m.start));
        out.dedup();
        out
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

fn eval(node: &Node, doc: &Doc, hits: &mut Vec<Hit>) -> bool {
    match node {
        Node::Term { stem, scope } => leaf(doc, *scope, hits, 1, |toks, i| toks[i].stem == *stem),
        Node::Prefix { prefix, scope } => leaf(doc, *scope, hits, 1, |toks, i| {
            toks[i].folded.starts_with(prefix.as_str())
        }),
        Node::Phrase { words, scope } => leaf(doc, *scope, hits, words.len(), |toks, i| {
            words.iter().zip(&toks[i..]).all(|(w, t)| t.folded == *w)
        }),
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
            let mut mine = Vec::new();
            for item in items {
                if !eval(item, doc, &mut mine) {
                    return false;
                }
            }
            hits.extend(mine);
            true
        }
        Node::Or(items) => {
            let mut any = false;
            for item in items {
                any |= eval(item, doc, hits);
            }
            any
        }
        Node::Not(inner) => !eval(inner, doc, &mut Vec::new()),
    }
}

/// Matches a run of `width` tokens satisfying `at` in each field of `scope`.
fn leaf(
    doc: &Doc,
    scope: Scope,
    hits: &mut Vec<Hit>,
    width: usize,
    at: impl Fn(&[Token], usize) -> bool,
) -> bool {
    let mut found = false;
    for (field, toks) in doc.fields(scope) {
        if toks.len() < width {
            continue;
        }
        for i in 0..=toks.len() - width {
            if at(toks, i) {
                found = true;
                hits.push(Hit {
                    at: field,
                    first: i,
                    last: i + width - 1,
                });
            }
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
        .filter_map(|(i, t)| stems.iter().position(|s| *s == t.stem).map(|k| (i, k)))
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
            // The longest word of a phrase is usually the rarest.
            let w = words.iter().max_by_key(|w| w.len())?;
            Some(vec![Anchor::Folded(w.clone())])
        }
        Node::Near { stems, .. } => Some(vec![Anchor::Stem(
            stems.iter().max_by_key(|s| s.len())?.clone(),
        )]),
        Node::And(items) => items.iter().filter_map(anchors).min_by_key(|a| {
            (
                a.len(),
                std::cmp::Reverse(a.iter().map(anchor_len).min().unwrap_or(0)),
            )
        }),
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

fn anchor_len(a: &Anchor) -> usize {
    match a {
        Anchor::Stem(s) | Anchor::Folded(s) | Anchor::Prefix(s) => s.len(),
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

/// Every enabled rule, indexed by anchor words.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<CompiledRule>,
    by_stem: HashMap<String, Vec<usize>>,
    by_folded: HashMap<String, Vec<usize>>,
    by_prefix: HashMap<String, Vec<usize>>,
    prefix_lens: Vec<usize>,
    unanchored: Vec<usize>,
}

impl RuleSet {
    /// Indexes `rules`.
    pub fn new(rules: Vec<CompiledRule>) -> RuleSet {
        let mut set = RuleSet::default();
        let mut prefix_lens = HashSet::new();
        for (i, rule) in rules.iter().enumerate() {
            match anchors(&rule.query.root) {
                None => set.unanchored.push(i),
                Some(list) => {
                    for a in list {
                        let map = match &a {
                            Anchor::Stem(_) => &mut set.by_stem,
                            Anchor::Folded(_) => &mut set.by_folded,
                            Anchor::Prefix(p) => {
                                prefix_lens.insert(p.len());
                                &mut set.by_prefix
                            }
                        };
                        let (Anchor::Stem(k) | Anchor::Folded(k) | Anchor::Prefix(k)) = a;
                        let entry = map.entry(k).or_default();
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

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules that match `doc` from `origin`, each with its hits.
    pub fn matching<'r>(&'r self, doc: &Doc, origin: &Origin) -> Vec<(&'r CompiledRule, Vec<Hit>)> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        let mut candidate = vec![false; self.rules.len()];
        for &i in &self.unanchored {
            candidate[i] = true;
        }
        let mut seen: HashSet<&str> = HashSet::new();
        let all = doc
            .title_tokens
            .iter()
            .chain(&doc.body_tokens)
            .chain(doc.feed_tokens.iter().flatten());
        for t in all {
            if !seen.insert(t.folded.as_str()) {
                continue;
            }
            for key in [&t.stem, &t.folded] {
                let map = if std::ptr::eq(key, &t.stem) {
                    &self.by_stem
                } else {
                    &self.by_folded
                };
                if let Some(list) = map.get(key.as_str()) {
                    for &i in list {
                        candidate[i] = true;
                    }
                }
            }
            for &len in &self.prefix_lens {
                if len > t.folded.len() {
                    break;
                }
                if let Some(p) = t.folded.get(..len) {
                    if let Some(list) = self.by_prefix.get(p) {
                        for &i in list {
                            candidate[i] = true;
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            if !candidate[i] || !in_scope(&rule.scope, origin) {
                continue;
            }
            if let Some(hits) = matches(&rule.query, doc) {
                out.push((rule, hits));
            }
        }
        out
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
