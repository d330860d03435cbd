//! Matching queries against articles in memory: one article against many rules at once.
//!
//! For each new article (on the decoding threads, in [`crate::prepare`]), in this order:
//! 1. [`Doc::new`] (or [`Doc::with_all_tokens`], with the tokens the prepare stage made)
//!    cuts title, body and feed titles into tokens once ([`doc`], the per-article word
//!    index);
//! 2. [`RuleSet::matching`] wakes the rules anchored on the article's words and checks their
//!    scope ([`set`], the rule set);
//! 3. each candidate's query is evaluated ([`eval`]), and the words that made it match are
//!    kept as [`Hit`]s, which [`Doc::term_matches`] turns into highlight spans.

mod doc;
mod eval;
mod set;

pub use doc::{Doc, Hit, Where};
pub use eval::matches;
pub use set::{CompiledRule, Origin, RuleSet};
