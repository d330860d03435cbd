//! Evaluation: whether one query matches one article, and the words that made it match.
//!
//! A query's tree is evaluated depth first, left to right; an AND stops at its first member
//! that fails and drops that member's siblings' hits, a NOT keeps no hits. A term, phrase or
//! prefix is looked up in the [`Doc`] by scanning its tokens or through its index, whichever
//! the doc says pays ([`Doc::index_for_lookup`]); both find the same hits, in field, then
//! text order.

use super::doc::{each_equal, Doc, DocIndex, Hit, WordRun};
use crate::rules::query::{Node, Query, Scope};
use crate::text::{Token, Word};
use std::cell::Cell;

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

pub(super) fn in_fields(scope: Scope, field: u32) -> bool {
    match scope {
        Scope::Any => field < 2,
        Scope::Title => field == 0,
        Scope::Body => field == 1,
        Scope::Feed => field >= 2,
    }
}

/// Like [`scan`], trying only the positions the doc's index lists for the run's first word.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

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
}
