//! Rules: the query language for alerts and search, and matching articles against it.
//!
//! - [`query`] parses and validates a query (one grammar for rules and search).
//! - [`matcher`] evaluates queries against articles in memory: every entry of a poll is
//!   matched against every enabled rule once, on the decoding threads, before the writer
//!   stores it ([`crate::prepare`]); the writer keeps the alerts of those that are new.
//! - [`fts`] translates a query into SQLite FTS5 for searching the archive, so that search
//!   and alerts return the same articles.

pub mod fts;
pub mod matcher;
pub mod query;

pub use matcher::{CompiledRule, Doc, Hit, Origin, RuleSet};
pub use query::{Node, Query, Scope};
