//! Rules: the query language for alerts and search, and matching articles against it.
//!
//! - [`query`] parses and validates a query (one grammar for rules and search).
//! - [`matcher`] evaluates queries against articles in memory: every new article is matched
//!   against every enabled rule once, right after it is stored.
//! - [`fts`] translates a query into SQLite FTS5 for searching the archive, so that search
//!   and alerts return the same articles.

pub mod fts;
pub mod matcher;
pub mod query;

pub use matcher::{CompiledRule, Doc, Hit, Origin, RuleSet};
pub use query::{Node, Query, Scope};
