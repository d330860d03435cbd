//! Scenario 6: story grouping — its quality on the labelled set, and its cost per article as
//! the archive grows.
//!
//! 1. Pairwise precision and recall of [`wirewatch::story::eval`] on each half of the
//!    labelled set and on the whole (one JSON line each), then their lowest and median over
//!    200 drawn orders of arrival of each kind ([`wirewatch::story::eval::Arrival`]).
//! 2. For each archive size, an index is filled with that many generated articles (spread
//!    evenly over days, so the window holds what a day and a half of them bring), then
//!    `measure` more are placed and timed, a poll closed every [`POLL`] articles as the writer
//!    closes each poll. Signatures are made up front: they are made on the decoding threads,
//!    and the writer only places. A flat figure from 100k to 1M is the claim.

use crate::corpus;
use chrono::{Duration, Utc};
use std::time::Instant;
use wirewatch::story::{eval, Settings, Signature, StoryIndex};
use wirewatch::text::tokens;

/// Articles per poll: the writer closes a poll ([`StoryIndex::end_poll`]) after each.
const POLL: usize = 1_000;

/// Runs the scenario.
pub fn run(archives: &[usize], measure: usize, per_day: usize, seed: u64) -> anyhow::Result<()> {
    for half in [Some("A"), Some("B"), Some("C"), None] {
        let s = eval::score_half(half, Settings::default());
        println!(
            "{}",
            serde_json::json!({
                "scenario": "grouping-quality",
                "half": half.unwrap_or("all"),
                "precision": s.precision(),
                "recall": s.recall(),
                "grouped_pairs": s.grouped_pairs,
                "same_event_pairs": s.same_event_pairs,
            })
        );
    }
    // The same over orders of arrival: the lowest and the median over 200 drawn orders.
    for arrival in [
        eval::Arrival::Daily,
        eval::Arrival::OnePoll,
        eval::Arrival::Shuffled,
    ] {
        for half in [Some("C"), None] {
            let s = eval::Spread::of(&eval::scores_by_order(
                half,
                Settings::default(),
                arrival,
                200,
            ));
            println!(
                "{}",
                serde_json::json!({
                    "scenario": "grouping-orders",
                    "arrival": format!("{arrival:?}"),
                    "half": half.unwrap_or("all"),
                    "orders": 200,
                    "min_precision": s.min_precision,
                    "median_precision": s.median_precision,
                    "min_recall": s.min_recall,
                    "median_recall": s.median_recall,
                })
            );
        }
    }
    // A pool of distinct generated articles' signatures, reused round-robin to fill the archive.
    let pool: Vec<Signature> = (0..20_000)
        .map(|i| {
            let it = corpus::item(seed, i % 997, i / 997);
            let (title, body) = (it.story.title.clone(), it.story.text());
            Signature::new(&title, &tokens(&title), &body, &tokens(&body))
        })
        .collect();
    let step = Duration::milliseconds(86_400_000 / per_day.max(1) as i64);
    for &archive in archives {
        let mut index = StoryIndex::new(Settings::default(), 1);
        let mut at = Utc::now() - step * (archive + measure) as i32;
        let t = Instant::now();
        for i in 0..archive {
            index.place(&pool[i % pool.len()], at, (i % 997) as u64);
            at += step;
            if i % POLL == POLL - 1 {
                index.end_poll();
            }
        }
        let fill = t.elapsed().as_secs_f64();
        let t = Instant::now();
        for i in 0..measure {
            index.place(&pool[(archive + i * 7) % pool.len()], at, (i % 997) as u64);
            at += step;
            if i % POLL == POLL - 1 {
                index.end_poll();
            }
        }
        let placed = t.elapsed().as_secs_f64();
        let bytes = index.to_bytes().len();
        println!(
            "{}",
            serde_json::json!({
                "scenario": "grouping-cost",
                "archive": archive,
                "measured": measure,
                "us_per_article": placed * 1e6 / measure as f64,
                "fill_s": fill,
                "live_stories": index.live_stories(),
                "vocabulary": index.vocabulary(),
                "state_bytes": bytes,
            })
        );
    }
    Ok(())
}
