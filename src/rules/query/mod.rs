//! The query language shared by alert rules and archive search: parsing and validation.
//!
//! Grammar, loosest binding first (`AND`, `OR`, `NOT`, `NEAR` are operators only in capitals):
//!
//! ```text
//! query   := or
//! or      := and ("OR" and)*
//! and     := unary (["AND"] unary)*          -- juxtaposition means AND
//! unary   := ("NOT" | "-") unary | primary
//! primary := "(" or ")"
//!          | field ":" primary               -- title:, body:, feed:
//!          | "NEAR(" word word+ ["," N] ")"  -- within N words of each other (default 10)
//!          | '"' words '"'                   -- phrase: these words in this order
//!          | word ["*"]                      -- a word, or a prefix
//! ```
//!
//! Every word is cut and folded by [`crate::text`], so matching is case- and
//! diacritic-insensitive everywhere. A single word also matches its inflections (its stem:
//! `ceasefire` finds `ceasefires`); a quoted phrase matches its words exactly as folded; a
//! prefix matches folded words that start with it. A bare word that folds into several words
//! (`India-Pakistan`, `王毅`) is a phrase. A query must look for something: a branch made only of `NOT`s is refused,
//! because it would match almost every article.

mod lex;

use crate::model::QueryProblem;
use crate::text;
use lex::{lex, problem, Lex, Lexeme};

/// Which part of an article a query node looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Title and body.
    Any,
    /// The title only.
    Title,
    /// The body only.
    Body,
    /// The titles of the feeds the article arrived through.
    Feed,
}

/// A parsed query. Leaves hold folded words or stems (see [`crate::text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A word with this stem.
    Term {
        /// The stem.
        stem: String,
        /// [`text::word_hash`] of the stem, made once: matching looks it up in every
        /// article a rule wakes for.
        hash: u64,
        /// Where to look.
        scope: Scope,
    },
    /// Consecutive words, exactly these once folded.
    Phrase {
        /// Folded words in order.
        words: Vec<String>,
        /// [`text::word_hash`] of the first word.
        hash: u64,
        /// Where to look.
        scope: Scope,
    },
    /// A word that, folded, starts with this.
    Prefix {
        /// The folded prefix.
        prefix: String,
        /// Where to look.
        scope: Scope,
    },
    /// Words within `distance` words of each other, in any order, in one field.
    Near {
        /// One stem per word.
        stems: Vec<String>,
        /// Most words allowed between the first and the last.
        distance: u32,
        /// Where to look.
        scope: Scope,
    },
    /// All of these.
    And(Vec<Node>),
    /// Any of these.
    Or(Vec<Node>),
    /// Not this.
    Not(Box<Node>),
}

/// A query, parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The text as written.
    pub source: String,
    /// The tree.
    pub root: Node,
}

impl Node {
    /// A word with this stem, anywhere.
    pub fn term(stem: String) -> Node {
        Node::Term {
            hash: text::word_hash(&stem),
            stem,
            scope: Scope::Any,
        }
    }

    /// These folded words in a row, anywhere.
    pub fn phrase(words: Vec<String>) -> Node {
        Node::Phrase {
            hash: words.first().map_or(0, |w| text::word_hash(w)),
            words,
            scope: Scope::Any,
        }
    }
}

impl Query {
    /// Parses `source`, or says where and why it is not a valid query.
    pub fn parse(source: &str) -> Result<Query, QueryProblem> {
        let lexemes = lex(source)?;
        let mut parser = Parser {
            source,
            lexemes,
            pos: 0,
            depth: 0,
        };
        if parser.lexemes.is_empty() {
            return Err(problem(source, 0, source.len(), "the query is empty"));
        }
        let root = parser.or()?;
        if let Some(l) = parser.peek() {
            let msg = match l.kind {
                Lex::RParen => "this closing parenthesis has no opening one",
                _ => "unexpected text here",
            };
            return Err(problem(source, l.start, l.end, msg));
        }
        check_positive(&root.node, source, root.start, root.end)?;
        Ok(Query {
            source: source.to_string(),
            root: simplify(root.node),
        })
    }
}

struct Spanned {
    node: Node,
    start: usize,
    end: usize,
}

/// Deepest nesting of groups, NOTs and fields a query may have. Parsing, matching and search
/// all recurse once per level, and SQLite's FTS5 parser refuses expressions nested much
/// deeper; real queries use three or four levels.
pub const MAX_NESTING: usize = 20;

struct Parser<'a> {
    source: &'a str,
    lexemes: Vec<Lexeme>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Lexeme> {
        self.lexemes.get(self.pos)
    }

    fn peek_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Lexeme { kind: Lex::Word(x), .. }) if x == w)
    }

    fn next(&mut self) -> Option<Lexeme> {
        let l = self.lexemes.get(self.pos).cloned();
        self.pos += 1;
        l
    }

    fn err<T>(&self, start: usize, end: usize, message: &str) -> Result<T, QueryProblem> {
        Err(problem(self.source, start, end, message))
    }

    /// Parses one nested level with `inner`, refusing to go deeper than [`MAX_NESTING`].
    fn nested<T>(
        &mut self,
        start: usize,
        end: usize,
        inner: impl FnOnce(&mut Self) -> Result<T, QueryProblem>,
    ) -> Result<T, QueryProblem> {
        if self.depth >= MAX_NESTING {
            return self.err(
                start,
                end,
                &format!("the query is nested too deeply (at most {MAX_NESTING} levels)"),
            );
        }
        self.depth += 1;
        let result = inner(self);
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> Result<Spanned, QueryProblem> {
        let first = self.and()?;
        let (start, mut end) = (first.start, first.end);
        let mut items = vec![first.node];
        while self.peek_word("OR") {
            let op = self.next().expect("peeked");
            if self.at_end_of_group() {
                return self.err(op.start, op.end, "OR needs a term on its right");
            }
            let next = self.and()?;
            end = next.end;
            items.push(next.node);
        }
        Ok(Spanned {
            node: group(items, Node::Or),
            start,
            end,
        })
    }

    fn at_end_of_group(&self) -> bool {
        matches!(
            self.peek(),
            None | Some(Lexeme {
                kind: Lex::RParen | Lex::Comma,
                ..
            })
        )
    }

    fn and(&mut self) -> Result<Spanned, QueryProblem> {
        let first = self.unary()?;
        let (start, mut end) = (first.start, first.end);
        let mut items = vec![first.node];
        loop {
            if self.peek_word("AND") {
                let op = self.next().expect("peeked");
                if self.at_end_of_group() || self.peek_word("OR") || self.peek_word("AND") {
                    return self.err(op.start, op.end, "AND needs a term on its right");
                }
            } else if self.at_end_of_group() || self.peek_word("OR") {
                break;
            }
            let next = self.unary()?;
            end = next.end;
            items.push(next.node);
        }
        Ok(Spanned {
            node: group(items, Node::And),
            start,
            end,
        })
    }

    fn unary(&mut self) -> Result<Spanned, QueryProblem> {
        let is_not = matches!(
            self.peek(),
            Some(Lexeme {
                kind: Lex::Minus,
                ..
            })
        ) || self.peek_word("NOT");
        if is_not {
            let op = self.next().expect("peeked");
            if self.at_end_of_group() || self.peek_word("OR") || self.peek_word("AND") {
                return self.err(op.start, op.end, "NOT needs a term to exclude");
            }
            let inner = self.nested(op.start, op.end, Self::unary)?;
            return Ok(Spanned {
                node: Node::Not(Box::new(inner.node)),
                start: op.start,
                end: inner.end,
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Spanned, QueryProblem> {
        let Some(l) = self.next() else {
            let end = self.source.len();
            return self.err(end, end, "a term is missing at the end");
        };
        match l.kind {
            Lex::LParen => {
                if matches!(
                    self.peek(),
                    Some(Lexeme {
                        kind: Lex::RParen,
                        ..
                    })
                ) {
                    let r = self.next().expect("peeked");
                    return self.err(l.start, r.end, "these parentheses are empty");
                }
                let inner = self.nested(l.start, l.end, Self::or)?;
                match self.next() {
                    Some(Lexeme {
                        kind: Lex::RParen,
                        end,
                        ..
                    }) => Ok(Spanned {
                        node: inner.node,
                        start: l.start,
                        end,
                    }),
                    _ => self.err(l.start, l.end, "this parenthesis is never closed"),
                }
            }
            Lex::RParen => self.err(
                l.start,
                l.end,
                "this closing parenthesis has no opening one",
            ),
            Lex::Comma => self.err(l.start, l.end, "a comma belongs inside NEAR(...)"),
            Lex::Minus => self.err(l.start, l.end, "NOT needs a term to exclude"),
            Lex::Field(scope) => {
                if self.at_end_of_group() {
                    return self.err(
                        l.start,
                        l.end,
                        "a field needs a word, phrase or group after it",
                    );
                }
                let inner = self.nested(l.start, l.end, Self::unary)?;
                let node = with_scope(inner.node, scope)
                    .map_err(|m| problem(self.source, l.start, inner.end, m))?;
                Ok(Spanned {
                    node,
                    start: l.start,
                    end: inner.end,
                })
            }
            Lex::Quoted(body) => {
                let words: Vec<String> = text::tokens(&body)
                    .into_iter()
                    .map(|t| t.folded().to_string())
                    .collect();
                if words.is_empty() {
                    return self.err(l.start, l.end, "this phrase has no words in it");
                }
                Ok(Spanned {
                    node: Node::phrase(words),
                    start: l.start,
                    end: l.end,
                })
            }
            Lex::Word(w) if w == "NEAR" => self.near(l.start, l.end),
            Lex::Word(w) if w == "AND" || w == "OR" => {
                self.err(l.start, l.end, &format!("{w} needs a term on its left"))
            }
            Lex::Word(w) => {
                let node = word(&w).map_err(|m| problem(self.source, l.start, l.end, &m))?;
                Ok(Spanned {
                    node,
                    start: l.start,
                    end: l.end,
                })
            }
        }
    }

    fn near(&mut self, start: usize, end: usize) -> Result<Spanned, QueryProblem> {
        match self.next() {
            Some(Lexeme {
                kind: Lex::LParen, ..
            }) => {}
            _ => return self.err(start, end, "NEAR is written NEAR(word word, distance)"),
        }
        let mut stems = Vec::new();
        let mut distance = 10u32;
        loop {
            match self.next() {
                Some(Lexeme {
                    kind: Lex::Word(w),
                    start: ws,
                    end: we,
                }) => {
                    let toks = text::tokens(&w);
                    if toks.len() != 1 || w.ends_with('*') {
                        return self.err(ws, we, "NEAR takes single words");
                    }
                    stems.push(toks[0].stem().to_string());
                }
                Some(Lexeme {
                    kind: Lex::Comma,
                    start: cs,
                    ..
                }) => {
                    match self.next() {
                        Some(Lexeme {
                            kind: Lex::Word(n),
                            start: ns,
                            end: ne,
                        }) => match n.parse::<u32>() {
                            Ok(d) if d <= 1000 => distance = d,
                            _ => {
                                return self.err(
                                    ns,
                                    ne,
                                    "the NEAR distance must be a number from 0 to 1000",
                                )
                            }
                        },
                        _ => return self.err(cs, cs + 1, "a distance must follow the comma"),
                    }
                    match self.next() {
                        Some(Lexeme {
                            kind: Lex::RParen, ..
                        }) => break,
                        _ => {
                            return self.err(
                                start,
                                end,
                                "NEAR(...) is not closed after its distance",
                            )
                        }
                    }
                }
                Some(Lexeme {
                    kind: Lex::RParen, ..
                }) => break,
                Some(other) => {
                    return self.err(
                        other.start,
                        other.end,
                        "NEAR takes single words, then an optional distance",
                    );
                }
                None => return self.err(start, end, "NEAR(...) is never closed"),
            }
        }
        stems.dedup();
        if stems.len() < 2
            || stems.iter().collect::<std::collections::HashSet<_>>().len() != stems.len()
        {
            return self.err(start, end, "NEAR needs at least two different words");
        }
        let close = self
            .lexemes
            .get(self.pos.saturating_sub(1))
            .map_or(end, |l| l.end);
        Ok(Spanned {
            node: Node::Near {
                stems,
                distance,
                scope: Scope::Any,
            },
            start,
            end: close,
        })
    }
}

/// One node, or several joined by `join` (AND or OR).
fn group(mut items: Vec<Node>, join: fn(Vec<Node>) -> Node) -> Node {
    if items.len() == 1 {
        items.pop().expect("one item")
    } else {
        join(items)
    }
}

/// A bare word: a term, a prefix (`word*`), or a phrase when it folds into several words.
fn word(w: &str) -> Result<Node, String> {
    if let Some(prefix) = w.strip_suffix('*') {
        let toks = text::tokens(prefix);
        if prefix.contains('*') || toks.len() != 1 {
            return Err("a prefix search is one word followed by *".into());
        }
        if toks[0].folded().chars().count() < 2 {
            return Err("a prefix needs at least two letters".into());
        }
        return Ok(Node::Prefix {
            prefix: toks[0].folded().to_string(),
            scope: Scope::Any,
        });
    }
    let mut toks = text::tokens(w);
    match toks.len() {
        0 => Err(format!("{w:?} has no letters or digits to search for")),
        1 => Ok(Node::term(
            toks.pop().expect("one token").stem().to_string(),
        )),
        _ => Ok(Node::phrase(
            toks.into_iter().map(|t| t.folded().to_string()).collect(),
        )),
    }
}

/// Applies a field to every leaf that has none of its own.
fn with_scope(node: Node, scope: Scope) -> Result<Node, &'static str> {
    Ok(match node {
        Node::Term {
            stem,
            hash,
            scope: s,
        } => Node::Term {
            stem,
            hash,
            scope: pick(s, scope),
        },
        Node::Phrase {
            words,
            hash,
            scope: s,
        } => Node::Phrase {
            words,
            hash,
            scope: pick(s, scope),
        },
        Node::Prefix { prefix, scope: s } => Node::Prefix {
            prefix,
            scope: pick(s, scope),
        },
        Node::Near {
            stems,
            distance,
            scope: s,
        } => Node::Near {
            stems,
            distance,
            scope: pick(s, scope),
        },
        Node::And(items) => Node::And(
            items
                .into_iter()
                .map(|n| with_scope(n, scope))
                .collect::<Result<_, _>>()?,
        ),
        Node::Or(items) => Node::Or(
            items
                .into_iter()
                .map(|n| with_scope(n, scope))
                .collect::<Result<_, _>>()?,
        ),
        Node::Not(inner) => Node::Not(Box::new(with_scope(*inner, scope)?)),
    })
}

fn pick(inner: Scope, outer: Scope) -> Scope {
    if inner == Scope::Any {
        outer
    } else {
        inner
    }
}

/// Refuses branches that only exclude: they would match nearly everything.
fn check_positive(node: &Node, source: &str, start: usize, end: usize) -> Result<(), QueryProblem> {
    if !is_positive(node) {
        return Err(problem(
            source,
            start,
            end,
            "the query only excludes words: add a word to look for (NOT only narrows a search)",
        ));
    }
    if !positive_throughout(node) {
        return Err(problem(
            source,
            start,
            end,
            "a group in the query only excludes words: give every group, also one after NOT, \
             a word to look for",
        ));
    }
    Ok(())
}

/// Whether the rule of [`is_positive`] holds at every depth, under NOT too: every AND has a
/// member to look for, every OR only such members, and every NOT excludes something to look
/// for. Search cannot translate the rest (`a NOT (-b -c)` made an empty FTS5 group).
fn positive_throughout(node: &Node) -> bool {
    match node {
        Node::And(items) => items.iter().any(is_positive) && items.iter().all(positive_throughout),
        Node::Or(items) => items
            .iter()
            .all(|i| is_positive(i) && positive_throughout(i)),
        Node::Not(inner) => match inner.as_ref() {
            Node::Not(x) => positive_throughout(x),
            other => is_positive(other) && positive_throughout(other),
        },
        _ => true,
    }
}

fn is_positive(node: &Node) -> bool {
    match node {
        Node::Term { .. } | Node::Phrase { .. } | Node::Prefix { .. } | Node::Near { .. } => true,
        Node::And(items) => items.iter().any(is_positive),
        Node::Or(items) => items.iter().all(is_positive),
        Node::Not(inner) => match inner.as_ref() {
            Node::Not(x) => is_positive(x),
            _ => false,
        },
    }
}

/// Flattens nested AND/OR and removes double negation, so matching and FTS see one shape.
fn simplify(node: Node) -> Node {
    match node {
        Node::And(items) => {
            let mut flat = Vec::new();
            for n in items.into_iter().map(simplify) {
                match n {
                    Node::And(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            group(flat, Node::And)
        }
        Node::Or(items) => {
            let mut flat = Vec::new();
            for n in items.into_iter().map(simplify) {
                match n {
                    Node::Or(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            group(flat, Node::Or)
        }
        Node::Not(inner) => match simplify(*inner) {
            Node::Not(x) => *x,
            other => Node::Not(Box::new(other)),
        },
        leaf => leaf,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(q: &str) -> QueryProblem {
        Query::parse(q).expect_err(q)
    }

    fn phrase(words: &[&str], scope: Scope) -> Node {
        if let [w] = words {
            let mut node = Node::term(text::stem(&text::fold(w)));
            if let Node::Term { scope: s, .. } = &mut node {
                *s = scope;
            }
            return node;
        }
        let mut node = Node::phrase(words.iter().map(|w| text::fold(w)).collect());
        if let Node::Phrase { scope: s, .. } = &mut node {
            *s = scope;
        }
        node
    }

    #[test]
    fn words_are_anded_and_or_binds_looser() {
        let q = Query::parse("ceasefire India OR Pakistan").unwrap();
        assert_eq!(
            q.root,
            Node::Or(vec![
                Node::And(vec![
                    phrase(&["ceasefire"], Scope::Any),
                    phrase(&["india"], Scope::Any)
                ]),
                phrase(&["pakistan"], Scope::Any)
            ])
        );
    }

    #[test]
    fn fields_apply_to_groups_and_minus_negates() {
        let q = Query::parse("title:(ceasefire OR truce) -cricket").unwrap();
        assert_eq!(
            q.root,
            Node::And(vec![
                Node::Or(vec![
                    phrase(&["ceasefire"], Scope::Title),
                    phrase(&["truce"], Scope::Title)
                ]),
                Node::Not(Box::new(phrase(&["cricket"], Scope::Any)))
            ])
        );
    }

    #[test]
    fn hyphenated_and_chinese_words_become_phrases() {
        let q = Query::parse("India-Pakistan 王毅").unwrap();
        assert_eq!(
            q.root,
            Node::And(vec![
                phrase(&["india", "pakistan"], Scope::Any),
                phrase(&["王", "毅"], Scope::Any)
            ])
        );
    }

    #[test]
    fn near_and_prefix_parse() {
        let q = Query::parse("NEAR(Wang ceasefire, 5) negotiat*").unwrap();
        assert_eq!(
            q.root,
            Node::And(vec![
                Node::Near {
                    stems: vec!["wang".into(), "ceasefir".into()],
                    distance: 5,
                    scope: Scope::Any
                },
                Node::Prefix {
                    prefix: "negotiat".into(),
                    scope: Scope::Any
                }
            ])
        );
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(err("(ceasefire OR truce").start, 0);
        let e = err("ceasefire AND");
        assert_eq!((e.start, e.end), (10, 13), "{e:?}");
        assert!(err("ceasefire)").message.contains("closing parenthesis"));
        assert!(err("\"open phrase").message.contains("never closed"));
        assert!(err("NOT cricket").message.contains("only excludes"));
        assert!(err("ceasefire OR -cricket")
            .message
            .contains("only excludes"));
        assert!(err("   ").message.contains("empty"));
        assert!(err("a* ").message.contains("two letters"));
        assert!(err("NEAR(a)").message.contains("two different words"));
        assert!(err("title:").message.contains("needs a word"));
        assert!(err("!!!").message.contains("no letters"));
    }

    #[test]
    fn error_offsets_count_characters_not_bytes() {
        let e = err("पाकिस्तान )");
        assert_eq!(e.start, 10, "{e:?}");
    }
}
