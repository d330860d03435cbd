//! The query lexer: a query's text cut into lexemes (parentheses, commas, a negating `-`,
//! field names with their colon, quoted phrases, and words), each with its byte span for
//! pointing at problems.

use super::Scope;
use crate::model::QueryProblem;
use crate::text;

pub(super) fn problem(source: &str, start: usize, end: usize, message: &str) -> QueryProblem {
    QueryProblem {
        message: message.to_string(),
        start: text::char_offset(source, start),
        end: text::char_offset(source, end.max(start)),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Lex {
    LParen,
    RParen,
    Comma,
    Minus,
    Field(Scope),
    Quoted(String),
    Word(String),
}

#[derive(Debug, Clone)]
pub(super) struct Lexeme {
    pub(super) kind: Lex,
    pub(super) start: usize,
    pub(super) end: usize,
}

pub(super) fn lex(source: &str) -> Result<Vec<Lexeme>, QueryProblem> {
    let mut out = Vec::new();
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < source.len() {
        let c = source[i..].chars().next().unwrap_or(' ');
        let len = c.len_utf8();
        match c {
            c if c.is_whitespace() => i += len,
            '(' | ')' | ',' => {
                let kind = match c {
                    '(' => Lex::LParen,
                    ')' => Lex::RParen,
                    _ => Lex::Comma,
                };
                out.push(Lexeme {
                    kind,
                    start: i,
                    end: i + 1,
                });
                i += 1;
            }
            '"' | '\u{201C}' | '\u{201D}' => {
                let body_start = i + len;
                let close = source[body_start..]
                    .char_indices()
                    .find(|&(_, c)| matches!(c, '"' | '\u{201C}' | '\u{201D}'))
                    .map(|(j, c)| (body_start + j, c.len_utf8()));
                let Some((close, close_len)) = close else {
                    return Err(problem(
                        source,
                        i,
                        source.len(),
                        "this quote is never closed",
                    ));
                };
                out.push(Lexeme {
                    kind: Lex::Quoted(source[body_start..close].to_string()),
                    start: i,
                    end: close + close_len,
                });
                i = close + close_len;
            }
            '-' if i + 1 < source.len()
                && !bytes[i + 1].is_ascii_whitespace()
                && (out.is_empty() || i == 0 || is_break(source, i)) =>
            {
                out.push(Lexeme {
                    kind: Lex::Minus,
                    start: i,
                    end: i + 1,
                });
                i += 1;
            }
            _ => {
                let is_end = |c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | '"');
                // A field name first, scanning no further than its colon: measuring the whole
                // word before each field made "title:title:..." quadratic.
                let name_end = source[i..]
                    .char_indices()
                    .find(|&(_, c)| c == ':' || is_end(c))
                    .map_or(source.len(), |(j, _)| i + j);
                if source[name_end..].starts_with(':') {
                    if let Some(scope) = field(&source[i..name_end]) {
                        let colon = name_end + 1;
                        out.push(Lexeme {
                            kind: Lex::Field(scope),
                            start: i,
                            end: colon,
                        });
                        i = colon;
                        continue;
                    }
                }
                let end = source[name_end..]
                    .char_indices()
                    .find(|&(_, c)| is_end(c))
                    .map_or(source.len(), |(j, _)| name_end + j);
                let word = &source[i..end];
                out.push(Lexeme {
                    kind: Lex::Word(word.to_string()),
                    start: i,
                    end,
                });
                i = end;
            }
        }
    }
    Ok(out)
}

/// A `-` negates only at the start of a term (after space or an opening parenthesis).
fn is_break(source: &str, i: usize) -> bool {
    source[..i]
        .chars()
        .next_back()
        .is_none_or(|c| c.is_whitespace() || c == '(' || c == ':')
}

fn field(name: &str) -> Option<Scope> {
    match name.to_ascii_lowercase().as_str() {
        "title" => Some(Scope::Title),
        "body" | "text" => Some(Scope::Body),
        "feed" | "source" => Some(Scope::Feed),
        _ => None,
    }
}
