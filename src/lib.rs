//! Wirewatch engine: watches news feeds, keeps every article in a local SQLite archive, and
//! raises alerts the moment a story matches a keyword rule.
//!
//! # Layout
//!
//! Data flows one way, and the modules are named after the stages:
//!
//! 1. [`fetch`] — HTTP with conditional requests, caps and politeness limits;
//! 2. [`decode`] — charset detection, tolerant feed parsing, sanitising ([`discover`] finds
//!    feeds on web pages);
//! 3. [`prepare`] — on the decoding threads, each entry is tokenised, given its dedup keys
//!    ([`dedup`]: canonical URLs and content hashes that recognise known stories) and
//!    matched against the rules ([`rules`]: the query language, in memory and in search);
//! 4. [`store`] — the SQLite archive, written by one writer in a few transactions per poll;
//!    it keeps the alerts of the new articles among the prepared entries;
//! 5. [`alert`] — events (alerts, progress, errors) for the window or terminal;
//! 6. [`full_text`] — after store, beside polls: the own pages of teasers, extracted
//!    ([`extract`]), stored, indexed and matched again, raising the alerts only the full
//!    text earns.
//!
//! [`poll`] runs one pass of that pipeline over a set of feeds, [`schedule`] decides when each
//! feed is next due, and [`engine::Engine`] ties it together for the CLI and the desktop app.
//! [`text`] is the word model shared by matching and search; [`model`] holds the nouns
//! callers see; [`opml`] reads and writes subscription lists. [`coverage`] offers trends,
//! spike alerts ([`spike`]), a new rule's backfill and feed health ([`health`]) through the
//! engine.

pub mod alert;
pub mod clock;
pub mod config;
pub mod coverage;
pub mod decode;
pub mod dedup;
pub mod discover;
pub mod engine;
pub mod error;
pub mod extract;
pub mod fetch;
pub mod full_text;
pub mod health;
pub mod model;
pub mod opml;
pub mod poll;
pub mod prepare;
pub mod rules;
pub mod schedule;
pub mod spike;
pub mod store;
pub mod story;
pub mod text;

pub use clock::{Clock, SystemClock, TokioClock};
pub use config::Config;
pub use engine::Engine;
pub use error::{Error, Result};

/// The memory allocator Wirewatch's programs install (`#[global_allocator]`): mimalloc.
///
/// A poll allocates and frees millions of small strings and vectors, many of them on one
/// thread (decoding) and freed on another (the writer). glibc's allocator took about a tenth
/// of a cold poll's CPU (perf); with mimalloc, alternating cold polls of 1000 feeds took
/// 15–20% less time (docs/benchmark-history.md, ninth round). Its version 2 holds less memory
/// at the poll's peak than version 3 (150 against 180 MiB before the writer's cache and the
/// feeds in flight were cut).
pub use mimalloc::MiMalloc as Allocator;

/// Settles how the process takes memory from the system; Wirewatch's programs call it at start.
///
/// On Linux, no transparent huge pages. mimalloc asks for them on the arena it reserves, and
/// gives freed ranges back to the system after 10 ms; a poll frees on one thread what another
/// allocated, all the time, so each range given back split a 2 MiB page and the next
/// allocation there faulted in and cleared a whole one again. A cold poll of 1000 feeds with
/// story grouping spent a tenth of its CPU clearing pages in the kernel, and held 60–85 MiB
/// of huge pages. Without them, three alternating cold polls each peaked 17–36 MiB lower and
/// took 7–18% less CPU (BENCHMARKS.md, "Story grouping"). The setting is inherited by the
/// processes a program starts.
pub fn settle_memory() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
        // An old or locked-down kernel: memory as the system gives it.
        tracing::debug!("transparent huge pages stay on: {e}");
    }
}
