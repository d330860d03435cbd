//! A story's weighing, and an article's score against a story.
//!
//! 1. [`weigh`] weighs a story's centroid by the archive's document frequencies of that moment
//!    and caches the result in the story ([`Weighing`]), redone when the story changes or the
//!    archive has grown by [`REWEIGH_GROWTH`].
//! 2. [`Article::score`] compares an article's TF-IDF vector with a weighed story: each of the
//!    story's terms is looked up in the article's [`TermTable`] (a story keeps at most
//!    [`super::CENTROID_TERMS`] terms, an article up to [`super::MAX_TERMS`]; probing the
//!    story's terms into a table of the article's, made once per article, placed an article
//!    about 5 % faster than merging the two lists for each candidate).

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
    /// Which of the centroid's terms are names, parallel to it (so a score needs no search).
    pub(super) is_name: Vec<bool>,
    /// Documents counted (with the prior) when it was weighed.
    pub(super) at: f32,
}

impl Weighing {
    /// A stored weighing of `story`'s centroid (its names are derived again). Weights that do
    /// not match the centroid make a stale weighing, redone when next used.
    pub(super) fn restored(story: &LiveStory, weights: Vec<f32>, at: f32) -> Weighing {
        let mut w = Weighing {
            weights,
            at,
            ..Weighing::default()
        };
        w.name(&story.centroid, &story.names);
        w
    }

    /// Marks the names among `centroid` (parallel to the weights) and sums their squared
    /// weight: after weighing, or after the story's names changed.
    pub(super) fn name(&mut self, centroid: &[(u64, f32)], names: &[u64]) {
        self.is_name.clear();
        self.is_name
            .extend(centroid.iter().map(|t| names.binary_search(&t.0).is_ok()));
        self.names = self
            .weights
            .iter()
            .zip(&self.is_name)
            .filter(|(_, name)| **name)
            .map(|(w, _)| w * w)
            .sum();
    }

    /// Whether it must be redone before use: never made for this centroid, or the archive
    /// has grown by more than [`REWEIGH_GROWTH`] since.
    pub(super) fn is_stale(&self, terms: usize, now: f32) -> bool {
        self.weights.len() != terms || now > self.at * (1.0 + REWEIGH_GROWTH)
    }
}

/// Weighs a story's centroid by the document frequencies `df` of an archive of `now`
/// documents (prior included) and caches it in the story.
pub(super) fn weigh(df: &HashMap<u64, Count>, now: f32, story: &mut LiveStory) {
    let ln_now = now.ln();
    let w = &mut story.weighing;
    w.weights.clear();
    w.weights.extend(
        story
            .centroid
            .iter()
            .map(|&(term, raw)| raw * idf(df, ln_now, term)),
    );
    let norm = w.weights.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        w.weights.iter_mut().for_each(|x| *x /= norm);
    }
    w.name(&story.centroid, &story.names);
    w.at = now;
}

/// An article's terms by hash, for looking a story's terms up: open addressing, linear
/// probing, at most a third full. Term ids are hashes already, so their low bits place them.
#[derive(Debug, Clone, Default)]
pub(super) struct TermTable {
    /// Index into the article's vector, plus one (0: empty).
    slots: Vec<u16>,
    mask: usize,
}

impl TermTable {
    /// Fills the table with `vector`'s terms.
    pub(super) fn fill(&mut self, vector: &[(u64, f32)]) {
        let size = (vector.len() * 3).next_power_of_two().max(64);
        self.slots.clear();
        self.slots.resize(size, 0);
        self.mask = size - 1;
        for (i, &(term, _)) in vector.iter().enumerate() {
            let mut s = slot(term, self.mask);
            while self.slots[s] != 0 {
                s = (s + 1) & self.mask;
            }
            // A vector holds at most `MAX_TERMS` terms; u16 leaves room to spare.
            self.slots[s] = u16::try_from(i + 1).unwrap_or(u16::MAX);
        }
    }

    /// Where `term` is in `vector` (the vector the table was filled with).
    #[inline]
    fn find(&self, vector: &[(u64, f32)], term: u64) -> Option<usize> {
        let mut s = slot(term, self.mask);
        loop {
            let at = *self.slots.get(s)?;
            if at == 0 {
                return None;
            }
            let i = usize::from(at) - 1;
            if vector.get(i).is_some_and(|t| t.0 == term) {
                return Some(i);
            }
            s = (s + 1) & self.mask;
        }
    }
}

#[inline]
fn slot(term: u64, mask: usize) -> usize {
    ((term ^ (term >> 29)) as usize) & mask
}

/// An article as it is compared with candidate stories.
pub(super) struct Article<'a> {
    /// Its TF-IDF vector, sorted by term.
    pub(super) vector: &'a [(u64, f32)],
    /// The squared weight of each of its heaviest names, parallel to `vector` (0: not one).
    pub(super) names: &'a [f32],
    pub(super) names_total: f32,
    pub(super) norm: f32,
    /// Its terms by hash, filled from `vector`.
    pub(super) table: &'a TermTable,
}

impl Article<'_> {
    /// Its similarity to a weighed story, or `None` when they share fewer than
    /// [`MIN_SHARED_TERMS`] terms: the story's terms looked up in the article's table give the
    /// shared terms, the dot product and the names of each found in the other.
    ///
    /// Another event has protagonists of its own: the article's main names missing from the
    /// story, or the story's from the article, cost up to [`NAME_MISMATCH_PENALTY`] of the
    /// cosine (by their share of squared weight).
    pub(super) fn score(&self, story: &LiveStory) -> Option<f32> {
        let (a, w) = (self.vector, &story.weighing);
        let mut shared = 0;
        let (mut dot, mut article_names, mut story_names) = (0.0f32, 0.0f32, 0.0f32);
        // In the centroid's order (by term), as a merge of the two lists would sum.
        for ((&(term, _), &weight), &name) in story.centroid.iter().zip(&w.weights).zip(&w.is_name)
        {
            let Some(i) = self.table.find(a, term) else {
                continue;
            };
            shared += 1;
            dot += a[i].1 * weight;
            article_names += self.names[i];
            if weight > 0.0 && name {
                story_names += weight * weight;
            }
        }
        let weights = &w.weights;
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

/// A term's count in the vocabulary: the articles that had it, and the logarithm an inverse
/// document frequency needs of it, `ln(n + 1)`, taken when the count changes. A story is
/// weighed again many times more than its terms' counts change (on a fresh archive's first
/// poll of 1000 feeds, 270,000 weighings of 60 terms against 3 million counts), so the
/// weighing reads the logarithm instead of taking it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Count {
    /// Articles counted with the term.
    pub n: u32,
    /// `ln(n + 1)`.
    ln: f32,
}

impl Count {
    /// A term counted `n` times.
    pub fn new(n: u32) -> Count {
        Count {
            n,
            ln: (n as f32 + 1.0).ln(),
        }
    }

    /// Counts one more article.
    pub fn add(&mut self) {
        *self = Count::new(self.n + 1);
    }

    /// The term's inverse document frequency in an archive whose documents (prior included)
    /// have the logarithm `ln_now`.
    #[inline]
    pub fn idf(self, ln_now: f32) -> f32 {
        (ln_now - self.ln).max(0.0)
    }
}

/// Never counted: `ln(0 + 1)`.
const UNSEEN: Count = Count { n: 0, ln: 0.0 };

/// A term's inverse document frequency in an archive of `now` documents (prior included).
#[inline]
pub(super) fn idf(df: &HashMap<u64, Count>, ln_now: f32, term: u64) -> f32 {
    df.get(&term).copied().unwrap_or(UNSEEN).idf(ln_now)
}
