//! Scenario 5: search latency over a large archive.
//!
//! `build` fills an archive the way polls do — through `Store::apply_poll`, one transaction
//! per batch of 100 feeds × 50 entries, with the rules enabled — but skips HTTP and XML: the
//! entries are made directly from the generated stories (prepared on worker threads, as the
//! poll does on the blocking pool). `run` times `Engine::articles`, the call behind the
//! window's article list and the CLI's `search`: first page of 50, newest first, with the
//! total (exact, or "more than" a bound for very common queries); and, where it was a bound,
//! `Engine::article_count`, which the window calls next for the exact figure.

use crate::corpus;
use anyhow::Context;
use chrono::Utc;
use std::path::Path;
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::Instant;
use wirewatch::decode::DecodedEntry;
use wirewatch::model::ArticleQuery;
use wirewatch::prepare::PreparedEntry;
use wirewatch::rules::RuleSet;
use wirewatch::store::{FeedUpdate, Store};
use wirewatch::{Config, Engine, SystemClock};

/// Entries per feed per batch.
const PER_FEED: usize = 50;
/// Feeds per transaction.
const FEEDS_PER_BATCH: usize = 100;

fn entry(seed: u64, f: usize, k: usize) -> PreparedEntry {
    let it = corpus::item(seed, f, k);
    let text = it.story.text();
    let snippet: String = it.story.paragraphs[0]
        .chars()
        .take(corpus_snippet())
        .collect();
    let content_html = it.story.html();
    // As decoding would say: whether the archive can keep the HTML alone.
    let text_of_html = wirewatch::decode::stored_text(&content_html) == text;
    PreparedEntry::new(DecodedEntry {
        guid: Some(it.guid),
        url: Some(it.link),
        title: it.story.title.clone(),
        author: Some("Staff Reporter".into()),
        content_html,
        text,
        snippet,
        text_of_html,
        published: Some(it.published),
        updated: None,
    })
}

fn corpus_snippet() -> usize {
    wirewatch::decode::SNIPPET_CHARS
}

/// Builds an archive of `articles` entries from `feeds` feeds.
pub fn build(
    db: &Path,
    articles: usize,
    feeds: usize,
    rules: usize,
    seed: u64,
) -> anyhow::Result<()> {
    anyhow::ensure!(!db.exists(), "{} exists; give a new path", db.display());
    let store = Store::open(db)?;
    let now = Utc::now();
    let ids = corpus::subscribe(&store, feeds, seed, now)?;
    let compiled = corpus::compile(&corpus::rules(seed, rules))?;
    // Alerts reference rules: store them too, so the foreign keys hold.
    corpus::store_rules(&store, seed, rules, now)?;
    let set = RuleSet::new(compiled);
    let chunks = articles.div_ceil(PER_FEED);
    let batches = chunks.div_ceil(FEEDS_PER_BATCH);
    let started = Instant::now();
    let (tx, rx) = sync_channel::<Vec<FeedUpdate>>(2);
    let workers = 2;
    let ids = Arc::new(ids);
    let mut new_articles = 0u64;
    std::thread::scope(|s| -> anyhow::Result<()> {
        for w in 0..workers {
            let tx = tx.clone();
            let ids = ids.clone();
            s.spawn(move || {
                for b in (w..batches).step_by(workers) {
                    let mut updates = Vec::with_capacity(FEEDS_PER_BATCH);
                    for c in b * FEEDS_PER_BATCH..((b + 1) * FEEDS_PER_BATCH).min(chunks) {
                        let f = c % feeds;
                        let round = c / feeds;
                        let n = PER_FEED.min(articles - c * PER_FEED);
                        let entries: Vec<PreparedEntry> = (0..n)
                            .map(|i| entry(seed, f, round * PER_FEED + i))
                            .collect();
                        updates.push(FeedUpdate::entries(
                            ids[f],
                            Some(corpus::feed_title(seed, f)),
                            entries,
                            now,
                        ));
                    }
                    if tx.send(updates).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut done = 0;
        for updates in rx {
            let applied = store.apply_poll(updates, &set, now)?;
            new_articles += applied.new_articles;
            done += 1;
            if done % 20 == 0 {
                eprintln!(
                    "search-build: {done}/{batches} batches, {new_articles} articles, {:.0} s",
                    started.elapsed().as_secs_f64()
                );
            }
        }
        Ok(())
    })?;
    let secs = started.elapsed().as_secs_f64();
    let t = Instant::now();
    store.optimize().context("optimising the index")?;
    let optimize_secs = t.elapsed().as_secs_f64();
    drop(store);
    println!(
        "{}",
        serde_json::json!({
            "scenario": "search_build",
            "entries": articles,
            "new_articles": new_articles,
            "secs": secs,
            "articles_per_s": new_articles as f64 / secs,
            "optimize_secs": optimize_secs,
            "db_bytes": db_bytes(db),
        })
    );
    Ok(())
}

/// The database file with its WAL and shared-memory files.
fn db_bytes(db: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
        .map(|m| m.len())
        .sum()
}

/// Typical queries: the default list, single words, phrases, OR, NOT, prefix, NEAR, fields.
pub const QUERIES: &[&str] = &[
    "",
    "ceasefire",
    "india pakistan",
    "\"line of control\"",
    "(flood OR monsoon) assam",
    "title:elections",
    "cricket -series",
    "infla*",
    "NEAR(army border, 10)",
    "karachi rupee",
    "gwadar corridor",
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Times every query `runs` times and prints percentiles, overall and per query.
pub fn run(db: &Path, runs: usize) -> anyhow::Result<()> {
    let engine = Engine::open(Config::new(db), Arc::new(SystemClock))?;
    let articles = engine.stats()?.articles;
    let mut all = Vec::new();
    for q in QUERIES {
        let query = ArticleQuery {
            query: q.to_string(),
            limit: 50,
            ..ArticleQuery::default()
        };
        let t = Instant::now();
        let page = engine.articles(&query)?; // warm-up
                                             // A query slower than a few seconds is timed once more, not `runs` times: the figure
                                             // is already clear and the whole suite stays bounded.
        let runs = if t.elapsed().as_secs_f64() > 3.0 {
            1
        } else {
            runs
        };
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            let p = engine.articles(&query)?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(p);
        }
        times.sort_by(f64::total_cmp);
        // Where the page gave a bound, the window asks for the exact count next.
        let mut counts = Vec::new();
        let mut exact_total = page.total;
        if !page.total_exact {
            for _ in 0..runs.min(7) {
                let t = Instant::now();
                exact_total = engine.article_count(&query)?;
                counts.push(t.elapsed().as_secs_f64() * 1e3);
            }
            counts.sort_by(f64::total_cmp);
        }
        println!(
            "{}",
            serde_json::json!({
                "scenario": "search_query",
                "articles": articles,
                "query": q,
                "total": page.total,
                "total_exact": page.total_exact,
                "matches": exact_total,
                "p50_ms": percentile(&times, 0.5),
                "p95_ms": percentile(&times, 0.95),
                "count_p50_ms": (!counts.is_empty()).then(|| percentile(&counts, 0.5)),
            })
        );
        all.extend(times);
    }
    all.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "scenario": "search",
            "articles": articles,
            "queries": all.len(),
            "p50_ms": percentile(&all, 0.5),
            "p95_ms": percentile(&all, 0.95),
            "max_ms": all.last().copied().unwrap_or(0.0),
            "db_bytes": db_bytes(db),
        })
    );
    Ok(())
}

/// Runs each statement `runs` times (after one warm-up) and prints the median time and the
/// number of rows.
pub fn sql(db: &Path, runs: usize, statements: &[String]) -> anyhow::Result<()> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    for s in statements {
        let mut stmt = conn.prepare(s)?;
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..=runs {
            let t = Instant::now();
            rows = 0;
            let mut q = stmt.raw_query();
            while q.next()?.is_some() {
                rows += 1;
            }
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.remove(0);
        times.sort_by(f64::total_cmp);
        if s.trim_start().to_uppercase().starts_with("EXPLAIN") {
            // Query plans: print the detail column of each row.
            let n = stmt.column_count();
            let mut q = stmt.raw_query();
            while let Some(row) = q.next()? {
                let detail: String = row.get::<_, String>(n - 1).unwrap_or_default();
                println!("  plan: {detail}");
            }
        }
        println!(
            "{}",
            serde_json::json!({"scenario": "sql", "sql": s, "rows": rows, "ms": times[times.len() / 2]})
        );
    }
    Ok(())
}
