//! Stories: articles from several outlets that report the same event, grouped as they are
//! stored, so a rule alerts once per event rather than once per outlet.
//!
//! Grouping is a stage of its own after prepare and store:
//!
//! 1. On the decoding threads, each prepared article gets a [`Signature`]: its content words
//!    (the engine's own word model, [`crate::text`]), weighted for title, names and numbers.
//! 2. On a thread beside the writer ([`Placer`]), [`StoryIndex::place`] weighs the signature,
//!    and each candidate story, by the archive's document frequencies of about that moment (a
//!    story's weighing is cached until the archive grows by [`REWEIGH_GROWTH`]) and puts the
//!    article into the most similar recent story, or a new one. This step's cost is bounded
//!    (BENCHMARKS.md "Story grouping") and does not grow with the archive. At the
//!    end of each poll, [`StoryIndex::end_poll`] lets go of the stories too old to take more
//!    articles.
//! 3. [`StoryIndex::to_bytes`] and [`StoryIndex::from_bytes`] carry the index across restarts.
//!
//! [`eval`] scores a grouping against a labelled set by pairwise precision and recall.

pub mod eval;
mod index;
mod placer;
mod signature;
mod state;
mod weighing;

pub use index::{
    LiveStory, Placement, Settings, StoryIndex, CENTROID_TERMS, MAX_CANDIDATES, MAX_VOCABULARY,
    POSTED_TERMS, POSTINGS_PER_TERM, QUERY_TERMS, REWEIGH_GROWTH,
};
pub use placer::Placer;
pub use signature::{Signature, MAX_TERMS, NAME_WEIGHT, TITLE_WEIGHT};
pub use state::StateError;

/// A story's id, as stored.
pub type StoryId = i64;
