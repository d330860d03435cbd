//! Scoring a grouping against a labelled set: pairwise precision and recall.
//!
//! 1. [`Labelled::parse`] reads the set (`tests/fixtures/stories/events.txt`): entries headed
//!    `=== HALF EVENT OUTLET PUBLISHED`, a title line, then the body.
//! 2. [`group`] places a half's articles, oldest first, in a fresh [`StoryIndex`].
//! 3. [`Scores::of`] counts pairs: a pair of articles grouped together is a true positive when
//!    they report the same event; precision is the share of grouped pairs that do, recall the
//!    share of same-event pairs grouped.

use super::{Settings, Signature, StoryId, StoryIndex};
use crate::text::tokens;
use chrono::{DateTime, Utc};

/// The labelled set written for Wirewatch's tests.
pub const EVENTS: &str = include_str!("../../tests/fixtures/stories/events.txt");

/// One labelled article.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    /// `A` (tuning) or `B` (held out).
    pub half: String,
    /// The event it reports.
    pub event: String,
    /// The outlet.
    pub outlet: String,
    /// When it was published.
    pub published: DateTime<Utc>,
    /// Its headline.
    pub title: String,
    /// Its text.
    pub body: String,
}

impl Labelled {
    /// Reads a labelled set; lines starting with `#` before the first entry are comments.
    pub fn parse(text: &str) -> Result<Vec<Labelled>, String> {
        let mut out: Vec<Labelled> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if let Some(head) = line.strip_prefix("=== ") {
                let f: Vec<&str> = head.split_whitespace().collect();
                let [half, event, outlet, published] = f[..] else {
                    return Err(format!("line {}: expected 4 fields", n + 1));
                };
                let published = DateTime::parse_from_rfc3339(published)
                    .map_err(|e| format!("line {}: {e}", n + 1))?
                    .with_timezone(&Utc);
                out.push(Labelled {
                    half: half.into(),
                    event: event.into(),
                    outlet: outlet.into(),
                    published,
                    title: String::new(),
                    body: String::new(),
                });
            } else if let Some(entry) = out.last_mut() {
                if entry.title.is_empty() {
                    entry.title = line.trim().to_string();
                } else if !line.trim().is_empty() {
                    if !entry.body.is_empty() {
                        entry.body.push('\n');
                    }
                    entry.body.push_str(line.trim());
                }
            }
        }
        Ok(out)
    }

    /// Its outlet as the index knows outlets.
    pub fn outlet_key(&self) -> u64 {
        crate::text::word_hash(&self.outlet)
    }

    /// Its signature.
    pub fn signature(&self) -> Signature {
        Signature::new(
            &self.title,
            &tokens(&self.title),
            &self.body,
            &tokens(&self.body),
        )
    }
}

/// Places `articles` oldest first in a fresh index; returns each one's story, in input order.
pub fn group(articles: &[Labelled], settings: Settings) -> Vec<StoryId> {
    let mut order: Vec<usize> = (0..articles.len()).collect();
    order.sort_by_key(|&i| articles[i].published);
    group_in_order(articles, &order, settings)
}

/// How the articles of the labelled set reach the index: the order of arrival must not
/// decide the grouping, so each is scored over many orders drawn from seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// One poll per day of publication (a monitor polls every few minutes, so a day's
    /// reports arrive together), each poll outlet by outlet in a drawn order (feeds answer
    /// in any order), each outlet's oldest first (as the writer places a feed's new entries).
    Daily,
    /// One poll of every outlet's whole feed, outlets in a drawn order, each oldest first:
    /// what a fresh archive's first poll sees.
    OnePoll,
    /// Any order at all: a uniform permutation of the articles, in one poll.
    Shuffled,
}

/// Places `articles` as `arrival` brings them, in the order drawn from `seed`; returns each
/// one's story, in input order.
pub fn group_arriving(
    articles: &[Labelled],
    settings: Settings,
    arrival: Arrival,
    seed: u64,
) -> Vec<StoryId> {
    let mut draw = Draw::new(seed);
    let all: Vec<usize> = (0..articles.len()).collect();
    let polls: Vec<Vec<usize>> = match arrival {
        Arrival::Daily => {
            let mut days: Vec<chrono::NaiveDate> =
                articles.iter().map(|a| a.published.date_naive()).collect();
            days.sort_unstable();
            days.dedup();
            days.into_iter()
                .map(|day| {
                    let batch: Vec<usize> = all
                        .iter()
                        .copied()
                        .filter(|&i| articles[i].published.date_naive() == day)
                        .collect();
                    by_outlet(articles, &batch, &mut draw)
                })
                .collect()
        }
        Arrival::OnePoll => vec![by_outlet(articles, &all, &mut draw)],
        Arrival::Shuffled => {
            let mut order = all;
            draw.shuffle(&mut order);
            vec![order]
        }
    };
    group_in_polls(articles, &polls, settings)
}

/// Places `articles` as polls bring them ([`Arrival::Daily`]).
pub fn group_as_polled(articles: &[Labelled], settings: Settings, seed: u64) -> Vec<StoryId> {
    group_arriving(articles, settings, Arrival::Daily, seed)
}

/// The articles of `batch` outlet by outlet, outlets in a drawn order, each oldest first: the
/// writer places a feed's new entries in order of publication, whatever the feed's own order.
fn by_outlet(articles: &[Labelled], batch: &[usize], draw: &mut Draw) -> Vec<usize> {
    let mut outlets: Vec<&str> = batch.iter().map(|&i| articles[i].outlet.as_str()).collect();
    outlets.sort_unstable();
    outlets.dedup();
    draw.shuffle(&mut outlets);
    let mut order = Vec::with_capacity(batch.len());
    for outlet in outlets {
        let mut mine: Vec<usize> = batch
            .iter()
            .copied()
            .filter(|&i| articles[i].outlet == outlet)
            .collect();
        mine.sort_by_key(|&i| articles[i].published);
        order.extend(mine);
    }
    order
}

/// A small deterministic shuffle (xorshift): no generator crate for test orders.
struct Draw(u64);

impl Draw {
    fn new(seed: u64) -> Draw {
        Draw(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let x = &mut self.0;
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

fn group_in_order(articles: &[Labelled], order: &[usize], settings: Settings) -> Vec<StoryId> {
    group_in_polls(articles, &[order.to_vec()], settings)
}

/// Places each poll's articles in order, closing each poll as the writer does.
fn group_in_polls(articles: &[Labelled], polls: &[Vec<usize>], settings: Settings) -> Vec<StoryId> {
    let mut index = StoryIndex::new(settings, 1);
    let mut stories = vec![0; articles.len()];
    for poll in polls {
        for &i in poll {
            stories[i] = index
                .place(
                    &articles[i].signature(),
                    articles[i].published,
                    articles[i].outlet_key(),
                )
                .story;
        }
        index.end_poll();
    }
    stories
}

/// Pairwise scores of a grouping.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// Pairs grouped together that report the same event.
    pub true_pairs: usize,
    /// Pairs grouped together.
    pub grouped_pairs: usize,
    /// Pairs that report the same event.
    pub same_event_pairs: usize,
}

impl Scores {
    /// Scores `stories[i]` against `events[i]`.
    pub fn of<E: PartialEq, S: PartialEq>(events: &[E], stories: &[S]) -> Scores {
        let mut s = Scores {
            true_pairs: 0,
            grouped_pairs: 0,
            same_event_pairs: 0,
        };
        for i in 0..events.len() {
            for j in i + 1..events.len() {
                let same_event = events[i] == events[j];
                let grouped = stories[i] == stories[j];
                s.same_event_pairs += usize::from(same_event);
                s.grouped_pairs += usize::from(grouped);
                s.true_pairs += usize::from(same_event && grouped);
            }
        }
        s
    }

    /// Share of grouped pairs that report the same event (1 when nothing is grouped).
    pub fn precision(&self) -> f64 {
        ratio(self.true_pairs, self.grouped_pairs)
    }

    /// Share of same-event pairs grouped (1 when no two articles share an event).
    pub fn recall(&self) -> f64 {
        ratio(self.true_pairs, self.same_event_pairs)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Scores the labelled set grouped as one archive (the halves interleave in time, as an
/// archive's events do), oldest first: pairs within `half` (`None`: all pairs).
pub fn score_half(half: Option<&str>, settings: Settings) -> Scores {
    let articles = Labelled::parse(EVENTS).expect("the labelled set parses");
    let stories = group(&articles, settings);
    score_within(half, &articles, &stories)
}

/// Like [`score_half`], with the articles placed as a poll brings them
/// ([`group_as_polled`]), summed over `orders` orders of the outlets.
pub fn score_half_as_polled(half: Option<&str>, settings: Settings, orders: u64) -> Scores {
    let mut total = Scores {
        true_pairs: 0,
        grouped_pairs: 0,
        same_event_pairs: 0,
    };
    for s in scores_by_order(half, settings, Arrival::Daily, orders) {
        total.true_pairs += s.true_pairs;
        total.grouped_pairs += s.grouped_pairs;
        total.same_event_pairs += s.same_event_pairs;
    }
    total
}

/// The scores of `half` (`None`: all pairs) for each of `orders` orders of arrival (seeds
/// 1 to `orders`).
pub fn scores_by_order(
    half: Option<&str>,
    settings: Settings,
    arrival: Arrival,
    orders: u64,
) -> Vec<Scores> {
    let articles = Labelled::parse(EVENTS).expect("the labelled set parses");
    (1..=orders)
        .map(|seed| {
            let stories = group_arriving(&articles, settings, arrival, seed);
            score_within(half, &articles, &stories)
        })
        .collect()
}

/// The lowest and the median precision and recall over orders of arrival.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Lowest precision.
    pub min_precision: f64,
    /// Median precision.
    pub median_precision: f64,
    /// Lowest recall.
    pub min_recall: f64,
    /// Median recall.
    pub median_recall: f64,
}

impl Spread {
    /// The spread of `scores`.
    pub fn of(scores: &[Scores]) -> Spread {
        let sorted = |f: fn(&Scores) -> f64| {
            let mut v: Vec<f64> = scores.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v
        };
        let p = sorted(Scores::precision);
        let r = sorted(Scores::recall);
        let median = |v: &[f64]| v.get(v.len() / 2).copied().unwrap_or(1.0);
        Spread {
            min_precision: p.first().copied().unwrap_or(1.0),
            median_precision: median(&p),
            min_recall: r.first().copied().unwrap_or(1.0),
            median_recall: median(&r),
        }
    }
}

fn score_within(half: Option<&str>, articles: &[Labelled], stories: &[StoryId]) -> Scores {
    let keep: Vec<usize> = (0..articles.len())
        .filter(|&i| half.is_none_or(|h| articles[i].half == h))
        .collect();
    let events: Vec<&str> = keep.iter().map(|&i| articles[i].event.as_str()).collect();
    let stories: Vec<StoryId> = keep.iter().map(|&i| stories[i]).collect();
    Scores::of(&events, &stories)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_scores_count_pairs() {
        let s = Scores::of(&["a", "a", "a", "b"], &[1, 1, 2, 2]);
        assert_eq!(s.same_event_pairs, 3, "three pairs within event a");
        assert_eq!(s.grouped_pairs, 2, "(0,1) and (2,3) grouped");
        assert_eq!(s.true_pairs, 1, "only (0,1) is right");
        assert!((s.precision() - 0.5).abs() < 1e-9);
        assert!((s.recall() - 1.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn the_labelled_set_has_both_halves_and_enough_events() {
        let all = Labelled::parse(EVENTS).unwrap();
        for half in ["A", "B", "C"] {
            let mut events: Vec<&str> = all
                .iter()
                .filter(|a| a.half == half)
                .map(|a| a.event.as_str())
                .collect();
            events.sort();
            events.dedup();
            assert!(events.len() >= 5, "half {half} has {} events", events.len());
        }
        assert!(
            all.iter()
                .all(|a| !a.title.is_empty() && !a.body.is_empty()),
            "every entry has title and body"
        );
    }

    #[test]
    fn grouping_is_precise_on_the_tuning_half() {
        // Half A's short paraphrased headlines of one ceasefire split into several stories
        // (recall 0.72 over eight poll orders when this was written); precision must not drop to buy recall.
        let s = score_half_as_polled(Some("A"), Settings::default(), 8);
        assert!(
            s.precision() >= 0.9 && s.recall() >= 0.6,
            "half A: {s:?} P={:.3} R={:.3}",
            s.precision(),
            s.recall()
        );
    }

    #[test]
    fn grouping_is_precise_and_complete_on_the_second_tuning_half() {
        let s = score_half_as_polled(Some("B"), Settings::default(), 8);
        assert!(
            s.precision() >= 0.9 && s.recall() >= 0.8,
            "half B: {s:?} P={:.3} R={:.3}",
            s.precision(),
            s.recall()
        );
    }

    #[test]
    fn grouping_is_precise_and_complete_on_the_held_out_half() {
        let s = score_half_as_polled(Some("C"), Settings::default(), 8);
        assert!(
            s.precision() >= 0.9 && s.recall() >= 0.8,
            "half C: {s:?} P={:.3} R={:.3}",
            s.precision(),
            s.recall()
        );
    }

    /// The orders of arrival the order tests draw: uniform permutations, and single polls
    /// of every outlet's feed in drawn orders (what the first poll of a fresh archive sees).
    const ORDERS: u64 = 100;

    #[test]
    fn the_order_of_arrival_moves_the_whole_set_scores_little() {
        for arrival in [Arrival::Shuffled, Arrival::OnePoll] {
            let s = Spread::of(&scores_by_order(None, Settings::default(), arrival, ORDERS));
            // Before stories were weighed by the vocabulary of the moment and evicted only
            // between polls, one poll's recall fell to 0.38 in some orders and precision to
            // 0.80. What is left is the greedy choice between two events that share an
            // institution's long name (an IMF review for Pakistan, another for Sri Lanka):
            // 0.87 at worst over 200 orders, 0.97 in the median. In one poll, where each
            // feed's entries are placed oldest first, the worst order keeps 0.9 (0.914).
            let worst = if arrival == Arrival::OnePoll {
                0.9
            } else {
                0.85
            };
            assert!(
                s.min_precision >= worst && s.min_recall >= 0.8,
                "{arrival:?}: the worst order: {s:?}"
            );
            assert!(
                s.median_precision >= 0.95 && s.median_recall >= 0.88,
                "{arrival:?}: the median order: {s:?}"
            );
        }
    }

    #[test]
    fn the_held_out_half_is_grouped_well_in_any_order() {
        let one_poll = Spread::of(&scores_by_order(
            Some("C"),
            Settings::default(),
            Arrival::OnePoll,
            ORDERS,
        ));
        assert!(
            one_poll.min_precision >= 0.9 && one_poll.min_recall >= 0.8,
            "half C, one poll, the worst order: {one_poll:?}"
        );
        let shuffled = Spread::of(&scores_by_order(
            Some("C"),
            Settings::default(),
            Arrival::Shuffled,
            ORDERS,
        ));
        assert!(
            shuffled.min_precision >= 0.85 && shuffled.min_recall >= 0.9,
            "half C, any order, the worst: {shuffled:?}"
        );
        assert!(
            shuffled.median_precision >= 0.95 && shuffled.median_recall >= 0.95,
            "half C, any order, the median: {shuffled:?}"
        );
    }

    #[test]
    fn a_shuffle_is_a_permutation_and_depends_on_its_seed() {
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        Draw::new(1).shuffle(&mut a);
        Draw::new(2).shuffle(&mut b);
        assert_ne!(a, b, "two seeds, two orders");
        a.sort_unstable();
        assert_eq!(a, (0..50).collect::<Vec<u32>>(), "nothing lost or repeated");
    }

    #[test]
    fn grouping_is_precise_and_complete_on_the_whole_set() {
        let s = score_half_as_polled(None, Settings::default(), 8);
        assert!(
            s.precision() >= 0.9 && s.recall() >= 0.8,
            "all: {s:?} P={:.3} R={:.3}",
            s.precision(),
            s.recall()
        );
    }
}

#[cfg(test)]
mod tuning {
    use super::*;

    /// Prints every half's scores over thresholds, then the placements of one half (`HALF`,
    /// default A) with their scores: run with `--ignored --nocapture` when tuning. Tune on
    /// halves A and B only; C is the hold-out.
    #[test]
    #[ignore]
    fn print_tuning_table() {
        let half = std::env::var("HALF").unwrap_or_else(|_| "A".into());
        for t in [0.1f32, 0.12, 0.14, 0.16, 0.18, 0.2, 0.24, 0.28, 0.32] {
            let polled = std::env::var("POLLED").is_ok();
            let s = |h| {
                let settings = Settings {
                    threshold: t,
                    ..Settings::default()
                };
                if polled {
                    score_half_as_polled(h, settings, 8)
                } else {
                    score_half(h, settings)
                }
            };
            let (a, b, c) = (s(Some("A")), s(Some("B")), s(Some("C")));
            let all = s(None);
            println!(
                "t={t:.2} A P={:.3} R={:.3} | B P={:.3} R={:.3} | C P={:.3} R={:.3} | all P={:.3} R={:.3}",
                a.precision(), a.recall(), b.precision(), b.recall(), c.precision(), c.recall(), all.precision(), all.recall()
            );
        }
        let all = Labelled::parse(EVENTS).unwrap();
        let a: Vec<Labelled> = all.into_iter().filter(|x| x.half == half).collect();
        let mut order: Vec<usize> = (0..a.len()).collect();
        order.sort_by_key(|&i| a[i].published);
        let mut index = StoryIndex::new(Settings::default(), 1);
        for i in order {
            let p = index.place(&a[i].signature(), a[i].published, a[i].outlet_key());
            println!(
                "{:>3} {:.3} {:<22} {:<16} {}",
                p.story, p.score, a[i].event, a[i].outlet, a[i].title
            );
        }
    }
}

#[cfg(test)]
mod orders {
    use super::*;

    /// Prints the spread of each half's scores over 200 orders of each kind of arrival
    /// (`--ignored --nocapture`).
    #[test]
    #[ignore]
    fn print_spread_by_order() {
        let n: u64 = std::env::var("ORDERS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(200);
        let settings = Settings {
            threshold: std::env::var("THRESHOLD")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(Settings::default().threshold),
            ..Settings::default()
        };
        for arrival in [Arrival::Daily, Arrival::OnePoll, Arrival::Shuffled] {
            for half in [Some("A"), Some("B"), Some("C"), None] {
                let s = Spread::of(&scores_by_order(half, settings, arrival, n));
                println!(
                    "{arrival:?} {:<4} P min {:.3} median {:.3} | R min {:.3} median {:.3}",
                    half.unwrap_or("all"),
                    s.min_precision,
                    s.median_precision,
                    s.min_recall,
                    s.median_recall
                );
            }
        }
    }
}
