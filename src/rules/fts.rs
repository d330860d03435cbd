//! Translating a query into an SQLite FTS5 expression for archive search.
//!
//! The archive's full-text index holds the same folded words [`crate::text`] makes, one
//! column each for title, body and feed titles. Phrases and prefixes translate directly.
//! A single word matches by stem, which FTS5 cannot do, so the store expands each stem into
//! the indexed words that have it (`expand`, backed by the store's `words` table) before the
//! expression is built. The result matches exactly what the in-memory matcher matches.
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
    /// Whether it has a prefix term. FTS5 gathers every word with the prefix each time it
    /// runs, so asking it about one article costs about as much as listing every match.
    pub prefix: bool,
}

/// Translates `root`, expanding stems with `expand` (all indexed words with that stem).
pub fn translate(root: &Node, expand: &mut dyn FnMut(&str) -> Vec<String>) -> Translation {
    let mut exact = true;
    let expr = expr(root, expand, &mut exact);
    Translation {
        expr,
        exact,
        prefix: has_prefix(root),
    }
}

fn has_prefix(node: &Node) -> bool {
    match node {
        Node::Prefix { .. } => true,
        Node::And(items) | Node::Or(items) => items.iter().any(has_prefix),
        Node::Not(inner) => has_prefix(inner),
        Node::Term { .. } | Node::Phrase { .. } | Node::Near { .. } => false,
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

fn term(stem: &str, scope: Scope, expand: &mut dyn FnMut(&str) -> Vec<String>) -> Option<String> {
    let words = expand(stem);
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

/// `None`: matches nothing. Clears `exact` if the expression finds more than `node` matches.
fn expr(
    node: &Node,
    expand: &mut dyn FnMut(&str) -> Vec<String>,
    exact: &mut bool,
) -> Option<String> {
    match node {
        Node::Term { stem, scope, .. } => term(stem, *scope, expand),
        Node::Phrase { words, scope, .. } => {
            Some(format!("{} : {}", columns(*scope), quote(&words.join(" "))))
        }
        Node::Prefix { prefix, scope } => Some(format!("{} : {}*", columns(*scope), quote(prefix))),
        Node::Near {
            stems,
            distance,
            scope,
        } => {
            let words: Vec<Vec<String>> = stems.iter().map(|s| expand(s)).collect();
            if words.iter().any(Vec::is_empty) {
                return None;
            }
            let groups = words.iter().map(Vec::len).product::<usize>();
            if *scope == Scope::Feed || groups > MAX_NEAR_GROUPS {
                // Looser than NEAR: all the words, anywhere. The matcher checks the distance.
                *exact = false;
                let parts: Vec<String> = stems
                    .iter()
                    .filter_map(|s| term(s, *scope, expand))
                    .collect();
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
                        // Excluding something inexact could exclude true matches; leave it to
                        // the matcher, which checks every candidate of an inexact query.
                        let mut inner_exact = true;
                        let e = expr(inner, expand, &mut inner_exact);
                        if !inner_exact {
                            *exact = false;
                            continue;
                        }
                        if let Some(e) = e {
                            negative.push(e);
                        }
                    }
                    other => positive.push(expr(other, expand, exact)?),
                }
            }
            // The parser guarantees a positive member in every AND. The exclusions go in one
            // group: nesting one NOT per word overflows FTS5's parser after about a hundred.
            let out = format!("({})", positive.join(" AND "));
            if negative.is_empty() {
                Some(out)
            } else {
                Some(format!("({out} NOT ({}))", negative.join(" OR ")))
            }
        }
        Node::Or(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|i| expr(i, expand, exact))
                .collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::query::Query;

    fn fts(q: &str) -> Translation {
        let query = Query::parse(q).unwrap();
        translate(&query.root, &mut |stem| {
            vec![stem.to_string(), format!("{stem}s")]
        })
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
        let t = translate(&query.root, &mut |stem| {
            (0..3).map(|i| format!("{stem}{i}")).collect()
        });
        assert!(!t.exact);
        assert!(!t.expr.unwrap().contains("NEAR"));
    }

    #[test]
    fn unknown_words_match_nothing() {
        let query = Query::parse("zzyzx OR ceasefire").unwrap();
        let t = translate(&query.root, &mut |s| {
            if s == "zzyzx" {
                vec![]
            } else {
                vec![s.into()]
            }
        });
        assert_eq!(t.expr.unwrap(), "({title body} : (\"ceasefir\"))");
        let query = Query::parse("zzyzx").unwrap();
        assert_eq!(translate(&query.root, &mut |_| vec![]).expr, None);
    }
}
