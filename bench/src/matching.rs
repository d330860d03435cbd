//! Scenario 4: articles per second through `RuleSet::matching` as the rule count grows; one
//! rule in ten names concepts of the shipped lexicon.
//!
//! Articles are tokenised once up front (ingest tokenises once for indexing and matching
//! both), so the figure is the cost of matching alone; the tokenising cost is printed
//! beside it for reference. Each run matches fresh documents, as ingest does: whatever a
//! document builds for matching (its word index) is part of the cost, not cached between
//! runs. They are matched [`BATCH`] at a time and dropped between batches (untimed), as
//! ingest drops each article's document once it is stored: kept all together, a run's
//! documents held hundreds of megabytes, and the time went to the kernel handing out and
//! clearing fresh pages rather than to matching.

use crate::corpus;
use std::time::Instant;
use wirewatch::rules::{Doc, Origin, RuleSet};

/// Documents matched between two stops of the clock.
const BATCH: usize = 64;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Concepts of the shipped lexicon, each standing for a dozen spellings in four scripts.
const CONCEPTS: &[&str] = &[
    "@ceasefire",
    "@india",
    "@pakistan",
    "@kashmir",
    "@line-of-control",
    "@talks",
    "@shelling",
];

/// One rule in ten names concepts, as a desk following the vernacular press writes them:
/// half narrow their words to a concept (`@kashmir (...)`), half are the starter pack's
/// default rule (four concepts, some fifty spellings in four scripts).
fn with_concepts(rules: &mut [corpus::GeneratedRule]) {
    for (i, rule) in rules.iter_mut().enumerate() {
        let concept = CONCEPTS[i / 10 % CONCEPTS.len()];
        match i % 20 {
            5 => rule.query = format!("{concept} ({})", rule.query),
            15 => rule.query = wirewatch::opml::DEFAULT_RULE.1.to_string(),
            _ => {}
        }
    }
}

/// Runs the scenario and prints one JSON line per rule count.
pub fn run(counts: &[usize], articles: usize, runs: usize, seed: u64) -> anyhow::Result<()> {
    // Articles from many feeds, as a poll brings them.
    let items: Vec<(String, String, String)> = (0..articles)
        .map(|i| {
            let f = i % 997;
            let it = corpus::item(seed, f, i / 997);
            (
                it.story.title.clone(),
                it.story.text(),
                corpus::feed_title(seed, f),
            )
        })
        .collect();
    let t = Instant::now();
    let docs: Vec<Doc> = items
        .iter()
        .map(|(title, body, feed)| Doc::new(title, body, &[feed.as_str()]))
        .collect();
    let tokenise_secs = t.elapsed().as_secs_f64();
    let origin = Origin {
        feeds: vec![1],
        folders: vec![],
    };
    let max = counts.iter().copied().max().unwrap_or(0);
    let mut all = corpus::rules(seed, max);
    with_concepts(&mut all);
    let fresh = || -> Vec<Doc> {
        docs.iter()
            .zip(&items)
            .map(|(d, (title, body, _))| {
                Doc::with_all_tokens(
                    title,
                    body,
                    d.title_tokens().to_vec(),
                    d.body_tokens().to_vec(),
                    d.feed_tokens().to_vec(),
                )
            })
            .collect()
    };
    for &n in counts {
        let compiled = corpus::compile(&all[..n])?;
        let t = Instant::now();
        let set = RuleSet::new(compiled);
        let build_ms = t.elapsed().as_secs_f64() * 1e3;
        let mut rates = Vec::new();
        let mut hits = 0usize;
        for _ in 0..runs {
            hits = 0;
            let mut docs = fresh().into_iter();
            let mut secs = 0.0;
            loop {
                let batch: Vec<Doc> = docs.by_ref().take(BATCH).collect();
                if batch.is_empty() {
                    break;
                }
                let t = Instant::now();
                for d in &batch {
                    hits += set.matching(d, &origin).len();
                }
                secs += t.elapsed().as_secs_f64();
            }
            rates.push(items.len() as f64 / secs);
        }
        let rate = median(rates);
        println!(
            "{}",
            serde_json::json!({
                "scenario": "matching",
                "rules": n,
                "articles": docs.len(),
                "articles_per_s": rate,
                "us_per_article": 1e6 / rate,
                "matches_per_article": hits as f64 / docs.len() as f64,
                "ruleset_build_ms": build_ms,
                "tokenise_articles_per_s": docs.len() as f64 / tokenise_secs,
            })
        );
    }
    Ok(())
}
