//! Wirewatch engine.
#![allow(missing_docs)]
pub mod clock;
pub mod config;
pub mod decode;
pub mod dedup;
pub mod discover;
pub mod error;
pub mod fetch;
pub mod model;
pub mod opml;
pub mod rules;
pub mod text;
pub mod store;
