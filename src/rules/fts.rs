//! Translating a query into an SQLite FTS5 expression for archive search.
//!
//! The archive's full-text index holds the same folded words [`crate::text`] makes, one
//! column each for title, body and feed titles. Phrases and prefixes translate directly.
//! A single word matches by stem, which FTS5 cannot do, so the store expands each stem into
//! the indexed words that have it (`expand`, backed by the store's `words` table) before the
//! expression is built. The result matches exactly what the in-memory matcher matches,
//! except for `NEAR`, whose distance FTS5 counts differently across columns: a query with
//! `NEAR` is translated into a looser expression and every candidate is checked by the
//! matcher ([`Translation::exact`] is false).

use super::query::{Node, Scope};

/// An FTS5 expression for a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// The `MATCH` expression, or `None` when no article can match (a word never indexed).
    pub expr: Option<String>,
    /// Whether every article the expression finds matches the query.
    pub exact: bool,
}

/// Translates `root`, expanding stems with `expand` (all indexed words with that stem).
pub fn translate(root: &Node, expand: &mut dyn FnMut(&str) -> Vec<String>) -> Translation {
    let exact = !contains_near(root);
    Translation {
        expr: expr(root, expand),
        exact,
    }
}

fn contains_near(node: &Node) -> bool {
    match node {
        Node::Near { .. } => true,
        Node::And(items) | Node::Or(items) => items.iter().any(contains_near),
        Node::Not(inner) => contains_near(inner),
        _ => false,
    }
}

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

/// `None`: matches nothing.
fn expr(node: &Node, expand: &mut dyn FnMut(&str) -> Vec<String>) -> Option<String> {
    match node {
        Node::Term { stem, scope } => term(stem, *scope, expand),
        Node::Phrase { words, scope } => {
            Some(format!("{} : {}", columns(*scope), quote(&words.join(" "))))
        }
        Node::Prefix { prefix, scope } => Some(format!("{} : {}*", columns(*scope), quote(prefix))),
        Node::Near { stems, scope, .. } => {
            // Looser than NEAR: all the words, anywhere. The matcher checks the distance.
            let parts: Option<Vec<String>> =
                stems.iter().map(|s| term(s, *scope, expand)).collect();
            Some(format!("({})", parts?.join(" AND ")))
        }
        Node::And(items) => {
            let mut positive = Vec::new();
            let mut negative = Vec::new();
            for item in items {
                match item {
                    Node::Not(inner) => {
                        // Excluding something inexact could exclude true matches; leave it to
                        // the matcher, which checks every candidate of an inexact query.
                        if contains_near(inner) {
                            continue;
                        }
                        if let Some(e) = expr(inner, expand) {
                            negative.push(e);
                        }
                    }
                    other => positive.push(expr(other, expand)?),
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
            let parts: Vec<String> = items.iter().filter_map(|i| expr(i, expand)).collect();
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
        assert!(!fts("NEAR(wang ceasefire)").exact);
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
