//! Translating a query into an SQLite FTS5 expression for archive search.
//!
//! The archive's full-text index holds the same folded words [`crate::text`] makes, one
//! column each for title, body and feed titles. Phrases translate directly.
//! A single word matches by stem, which FTS5 cannot do, so each stem becomes the indexed
//! words that have it (a [`Vocabulary`], backed by the store's `words` table) before the
//! expression is built. The result matches exactly what the in-memory matcher matches.
//! A prefix becomes the indexed words that start with it too, unless they are many: FTS5
//! gathers a prefix's words and merges their lists of articles in full every time it runs
//! one, while it reads named words' lists lazily, so a bounded search can stop early.
//! `NEAR` over stems becomes FTS5 `NEAR` groups over every combination of their words
//! (FTS5 counts the distance as the matcher does, within one column); where that cannot be
//! exact (feed titles share one column but are separate fields to the matcher) or the
//! combinations are too many, the expression is looser and every candidate is checked by
//! the matcher ([`Translation::exact`] is false).

use super::query::{Node, Scope};

/// An FTS5 expression for a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// The `MATCH` expression, or `None` when no article can match (a word never indexed).
    pub expr: Option<String>,
    /// Whether every article the expression finds matches the query.
    pub exact: bool,
    /// Whether it kept an FTS5 prefix term. FTS5 gathers every word with the prefix each
    /// time it runs, so asking it about one article costs about as much as listing every
    /// match.
    pub prefix: bool,
}

/// The index's words, as a translation asks for them.
pub trait Vocabulary {
    /// Every indexed word whose stem is `stem`.
    fn with_stem(&mut self, stem: &str) -> Vec<String>;
    /// Every indexed word that starts with `prefix`, or `None` if there are more than `most`.
    fn with_prefix(&mut self, prefix: &str, most: usize) -> Option<Vec<String>>;
}

/// Words a prefix may become, at most; beyond, it stays an FTS5 prefix. Each named word is
/// one more list of articles FTS5 merges, and one more lookup when it is asked about a
/// single article.
pub const MAX_PREFIX_WORDS: usize = 32;

/// Translates `root`, expanding stems and prefixes into the indexed words of `vocabulary`.
pub fn translate(root: &Node, vocabulary: &mut dyn Vocabulary) -> Translation {
    let mut t = Translator {
        vocabulary,
        exact: true,
        prefix: false,
    };
    let expr = t.expr(root);
    Translation {
        expr,
        exact: t.exact,
        prefix: t.prefix,
    }
}

/// `NEAR` groups one `NEAR` may become, at most; beyond, it is checked by the matcher.
const MAX_NEAR_GROUPS: usize = 64;

fn columns(scope: Scope) -> &'static str {
    match scope {
        Scope::Any => "{title body}",
        Scope::Title => "{title}",
        Scope::Body => "{body}",
        Scope::Feed => "{feed}",
    }
}

/// FTS5 strings are double-quoted; a quote inside is doubled. Folded words have none, but
/// the expression must be safe whatever it is given.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `words` in `scope`, any one of them; `None` if there are none.
fn any_of(words: &[String], scope: Scope) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let alternatives: Vec<String> = words.iter().map(|w| quote(w)).collect();
    Some(format!(
        "{} : ({})",
        columns(scope),
        alternatives.join(" OR ")
    ))
}

struct Translator<'v> {
    vocabulary: &'v mut dyn Vocabulary,
    /// Cleared once the expression finds more than the query matches.
    exact: bool,
    /// Set once an FTS5 prefix term is written.
    prefix: bool,
}

impl Translator<'_> {
    fn term(&mut self, stem: &str, scope: Scope) -> Option<String> {
        any_of(&self.vocabulary.with_stem(stem), scope)
    }

    /// `None`: matches nothing.
    fn expr(&mut self, node: &Node) -> Option<String> {
        match node {
            Node::Term { stem, scope, .. } => self.term(stem, *scope),
            Node::Phrase { words, scope, .. } => {
                Some(format!("{} : {}", columns(*scope), quote(&words.join(" "))))
            }
            Node::Prefix { prefix, scope } => {
                match self.vocabulary.with_prefix(prefix, MAX_PREFIX_WORDS) {
                    Some(words) => any_of(&words, *scope),
                    None => {
                        self.prefix = true;
                        Some(format!("{} : {}*", columns(*scope), quote(prefix)))
                    }
                }
            }
            Node::Near {
                stems,
                distance,
                scope,
            } => {
                let words: Vec<Vec<String>> =
                    stems.iter().map(|s| self.vocabulary.with_stem(s)).collect();
                if words.iter().any(Vec::is_empty) {
                    return None;
                }
                let groups = words.iter().map(Vec::len).product::<usize>();
                if *scope == Scope::Feed || groups > MAX_NEAR_GROUPS {
                    // Looser than NEAR: all the words, anywhere. The matcher checks the distance.
                    self.exact = false;
                    let parts: Vec<String> =
                        words.iter().filter_map(|w| any_of(w, *scope)).collect();
                    return Some(format!("({})", parts.join(" AND ")));
                }
                // One NEAR group for each choice of a word per stem.
                let mut choices: Vec<Vec<&str>> = vec![Vec::new()];
                for alternatives in &words {
                    choices = choices
                        .iter()
                        .flat_map(|c| {
                            alternatives.iter().map(move |w| {
                                let mut next = c.clone();
                                next.push(w.as_str());
                                next
                            })
                        })
                        .collect();
                }
                let near: Vec<String> = choices
                    .iter()
                    .map(|c| {
                        let phrases: Vec<String> = c.iter().map(|w| quote(w)).collect();
                        format!("NEAR({}, {distance})", phrases.join(" "))
                    })
                    .collect();
                Some(format!("{} : ({})", columns(*scope), near.join(" OR ")))
            }
            Node::And(items) => {
                let mut positive = Vec::new();
                let mut negative = Vec::new();
                for item in items {
                    match item {
                        Node::Not(inner) => {
                            // Excluding something inexact could exclude true matches; leave it
                            // to the matcher, which checks every candidate of an inexact query.
                            let exact = std::mem::replace(&mut self.exact, true);
                            let e = self.expr(inner);
                            let inner_exact = std::mem::replace(&mut self.exact, exact);
                            if !inner_exact {
                                self.exact = false;
                                continue;
                            }
                            if let Some(e) = e {
                                negative.push(e);
                            }
                        }
                        other => positive.push(self.expr(other)?),
                    }
                }
                // The parser guarantees a positive member in every AND. The exclusions go in
                // one group: nesting one NOT per word overflows FTS5's parser after about a
                // hundred.
                let out = format!("({})", positive.join(" AND "));
                if negative.is_empty() {
                    Some(out)
                } else {
                    Some(format!("({out} NOT ({}))", negative.join(" OR ")))
                }
            }
            Node::Or(items) => {
                let parts: Vec<String> = items.iter().filter_map(|i| self.expr(i)).collect();
                if parts.is_empty() {
                    None
                } else {
                    Some(format!("({})", parts.join(" OR ")))
                }
            }
            // A bare NOT never reaches here: the parser only accepts NOT inside an AND.
            Node::Not(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::query::Query;

    /// Stems become what `stem` gives; prefixes become the `words` that start with them, or
    /// stay prefixes where `words` is `None` (too many to list).
    struct Words<F> {
        stem: F,
        words: Option<Vec<&'static str>>,
    }

    impl<F: FnMut(&str) -> Vec<String>> Vocabulary for Words<F> {
        fn with_stem(&mut self, stem: &str) -> Vec<String> {
            (self.stem)(stem)
        }

        fn with_prefix(&mut self, prefix: &str, most: usize) -> Option<Vec<String>> {
            let words: Vec<String> = self
                .words
                .as_ref()?
                .iter()
                .filter(|w| w.starts_with(prefix))
                .map(|w| w.to_string())
                .collect();
            (words.len() <= most).then_some(words)
        }
    }

    fn stems(stem: impl FnMut(&str) -> Vec<String>) -> Words<impl FnMut(&str) -> Vec<String>> {
        Words { stem, words: None }
    }

    fn fts(q: &str) -> Translation {
        let query = Query::parse(q).unwrap();
        translate(
            &query.root,
            &mut stems(|stem| vec![stem.to_string(), format!("{stem}s")]),
        )
    }

    #[test]
    fn translation_covers_the_grammar() {
        assert_eq!(
            fts("ceasefire -cricket").expr.unwrap(),
            "(({title body} : (\"ceasefir\" OR \"ceasefirs\")) NOT ({title body} : (\"cricket\" OR \"crickets\")))"
        );
        assert_eq!(
            fts("\"line of control\"").expr.unwrap(),
            "{title body} : \"line of control\""
        );
        assert_eq!(
            fts("title:negotiat*").expr.unwrap(),
            "{title} : \"negotiat\"*"
        );
        assert!(fts("ceasefire").exact);
        assert!(!fts("ceasefire").prefix);
        assert!(fts("ceasefire -(title:negotiat* OR army)").prefix);
    }

    #[test]
    fn near_becomes_one_fts5_near_group_per_choice_of_words() {
        let t = fts("NEAR(wang ceasefire, 5)");
        assert!(t.exact);
        assert_eq!(
            t.expr.unwrap(),
            "{title body} : (NEAR(\"wang\" \"ceasefir\", 5) OR NEAR(\"wang\" \"ceasefirs\", 5) \
             OR NEAR(\"wangs\" \"ceasefir\", 5) OR NEAR(\"wangs\" \"ceasefirs\", 5))"
        );
        assert!(fts("ceasefire -NEAR(army border)").exact);
        // Feed titles are one column to FTS5 but separate fields to the matcher.
        assert!(!fts("feed:NEAR(dawn news)").exact);
        assert!(!fts("ceasefire -feed:NEAR(dawn news)").exact);
        // Too many combinations: a looser expression, checked by the matcher.
        let query = Query::parse("NEAR(a1 b1 c1 d1)").unwrap();
        let t = translate(
            &query.root,
            &mut stems(|stem| (0..3).map(|i| format!("{stem}{i}")).collect()),
        );
        assert!(!t.exact);
        assert!(!t.expr.unwrap().contains("NEAR"));
    }

    #[test]
    fn unknown_words_match_nothing() {
        let query = Query::parse("zzyzx OR ceasefire").unwrap();
        let t = translate(
            &query.root,
            &mut stems(|s| if s == "zzyzx" { vec![] } else { vec![s.into()] }),
        );
        assert_eq!(t.expr.unwrap(), "({title body} : (\"ceasefir\"))");
        let query = Query::parse("zzyzx").unwrap();
        assert_eq!(translate(&query.root, &mut stems(|_| vec![])).expr, None);
    }

    #[test]
    fn prefixes_become_their_words_unless_they_are_many() {
        let mut vocabulary = Words {
            stem: |s: &str| vec![s.to_string()],
            words: Some(vec!["inflation", "inflated", "influx", "index"]),
        };
        let query = Query::parse("title:infla* -army").unwrap();
        let t = translate(&query.root, &mut vocabulary);
        assert_eq!(
            t.expr.unwrap(),
            "(({title} : (\"inflation\" OR \"inflated\")) NOT ({title body} : (\"armi\")))"
        );
        assert!(t.exact);
        assert!(!t.prefix);
        // No indexed word has the prefix: nothing can match.
        let query = Query::parse("zz*").unwrap();
        assert_eq!(translate(&query.root, &mut vocabulary).expr, None);
        // Too many words: an FTS5 prefix, and the search must know.
        let many: Vec<&'static str> = (0..=MAX_PREFIX_WORDS)
            .map(|i| &*format!("in{i:03}").leak())
            .collect();
        vocabulary.words = Some(many);
        let query = Query::parse("in*").unwrap();
        let t = translate(&query.root, &mut vocabulary);
        assert_eq!(t.expr.unwrap(), "{title body} : \"in\"*");
        assert!(t.prefix);
    }
}
