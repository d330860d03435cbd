//! A story's weighing, and an article's score against a story.
//!
//! 1. [`weigh`] weighs a story's centroid by the archive's document frequencies of that moment
//!    and caches the result in the story ([`Weighing`]), redone when the story changes or the
//!    archive has grown by [`REWEIGH_GROWTH`].
//! 2. [`Article::score`] compares an article's TF-IDF vector with a weighed story in one merge
//!    of their sorted term lists.

use super::index::{LiveStory, MIN_SHARED_TERMS, NAME_MISMATCH_PENALTY, REWEIGH_GROWTH};
use foldhash::HashMap;

/// A story's centroid weighed by the vocabulary of one moment. Inverse document frequencies
/// move slowly, so this is kept until the archive has grown by [`REWEIGH_GROWTH`] since, rather
/// than recomputed for every article compared with the story (a hash lookup per term).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Weighing {
    /// The weights, parallel to [`LiveStory::centroid`].
    pub(super) weights: Vec<f32>,
    /// The squared weight of the names among it (all of them: a centroid holds fewer terms
    /// than [`super::index::NAMES_CHECKED`]).
    pub(super) names: f32,
    /// Documents counted (with the prior) when it was weighed.
    pub(super) at: f32,
}

impl Weighing {
    /// A stored weighing of `story`'s centroid (its names are derived again). Weights that do
    /// not match the centroid make a stale weighing, redone when next used.
    pub(super) fn restored(story: &LiveStory, weights: Vec<f32>, at: f32) -> Weighing {
        let names = names_weight(&story.centroid, &weights, &story.names);
        Weighing { weights, names, at }
    }

    /// Whether it must be redone before use: never made for this centroid, or the archive
    /// has grown by more than [`REWEIGH_GROWTH`] since.
    pub(super) fn is_stale(&self, terms: usize, now: f32) -> bool {
        self.weights.len() != terms || now > self.at * (1.0 + REWEIGH_GROWTH)
    }
}

/// Weighs a story's centroid by the document frequencies `df` of an archive of `now`
/// documents (prior included) and caches it in the story.
pub(super) fn weigh(df: &HashMap<u64, u32>, now: f32, story: &mut LiveStory) {
    let w = &mut story.weighing;
    w.weights.clear();
    w.weights.extend(
        story
            .centroid
            .iter()
            .map(|&(term, raw)| raw * idf(df, now, term)),
    );
    let norm = w.weights.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        w.weights.iter_mut().for_each(|x| *x /= norm);
    }
    w.names = names_weight(&story.centroid, &w.weights, &story.names);
    w.at = now;
}

/// The squared weight of a centroid's names.
fn names_weight(centroid: &[(u64, f32)], weights: &[f32], names: &[u64]) -> f32 {
    centroid
        .iter()
        .zip(weights)
        .filter(|(t, _)| names.binary_search(&t.0).is_ok())
        .map(|(_, w)| w * w)
        .sum()
}

/// An article as it is compared with candidate stories.
pub(super) struct Article<'a> {
    /// Its TF-IDF vector, sorted by term.
    pub(super) vector: &'a [(u64, f32)],
    /// The squared weight of each of its heaviest names, parallel to `vector` (0: not one).
    pub(super) names: &'a [f32],
    pub(super) names_total: f32,
    pub(super) norm: f32,
}

impl Article<'_> {
    /// Its similarity to a weighed story, or `None` when they share fewer than
    /// [`MIN_SHARED_TERMS`] terms: one merge of the two sorted term lists gives the shared
    /// terms, the dot product and the names of each found in the other.
    ///
    /// Another event has protagonists of its own: the article's main names missing from the
    /// story, or the story's from the article, cost up to [`NAME_MISMATCH_PENALTY`] of the
    /// cosine (by their share of squared weight).
    pub(super) fn score(&self, story: &LiveStory) -> Option<f32> {
        let (a, b, weights) = (self.vector, &story.centroid, &story.weighing.weights);
        let (mut i, mut j, mut shared) = (0, 0, 0);
        let (mut dot, mut article_names, mut story_names) = (0.0f32, 0.0f32, 0.0f32);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    dot += a[i].1 * weights[j];
                    article_names += self.names[i];
                    if weights[j] > 0.0 && story.names.binary_search(&b[j].0).is_ok() {
                        story_names += weights[j] * weights[j];
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        if shared < MIN_SHARED_TERMS {
            return None;
        }
        let missing = |total: f32, found: f32| {
            if total == 0.0 {
                0.0
            } else {
                ((total - found) / total).max(0.0)
            }
        };
        let missing = (missing(self.names_total, article_names)
            + missing(story.weighing.names, story_names))
            / 2.0;
        let nb = weights.iter().map(|x| x * x).sum::<f32>().sqrt();
        let cosine = if self.norm == 0.0 || nb == 0.0 {
            0.0
        } else {
            dot / (self.norm * nb)
        };
        Some(cosine * (1.0 - NAME_MISMATCH_PENALTY * missing))
    }
}

/// A term's inverse document frequency in an archive of `now` documents (prior included).
fn idf(df: &HashMap<u64, u32>, now: f32, term: u64) -> f32 {
    let df = df.get(&term).copied().unwrap_or(0) as f32;
    (now / (df + 1.0)).ln().max(0.0)
}
