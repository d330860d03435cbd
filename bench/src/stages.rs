//! Where cold-ingest time and memory go: the engine's ingest stages, one at a time, on the
//! corpus files (no HTTP), with the engine's own public functions.
//!
//! In order: read the files; `decode::decode` each (parse, sanitise, plain text);
//! `PreparedEntry::new` each entry (tokenise, stem, hash, detect the language; detection is
//! timed again apart, and so is the story signature); then `Store::apply_poll` of the whole
//! poll in one transaction, into a fresh database, once without rules, once without rules and
//! without story grouping, and once with the generated rules. Each stage runs on one thread, so the figures are CPU costs; the
//! poll spreads decode and prepare over the blocking pool, the store is one writer.

use crate::corpus;
use chrono::Utc;
use std::path::Path;
use std::time::Instant;
use wirewatch::prepare::PreparedEntry;
use wirewatch::rules::RuleSet;
use wirewatch::store::{FeedOutcome, FeedUpdate, Store};

/// Resident set size of this process now, MiB.
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Stores a poll into a fresh database.
fn store_poll(
    db: &Path,
    feeds: usize,
    seed: u64,
    updates: Vec<FeedUpdate>,
    rules: &RuleSet,
    grouping: bool,
) -> anyhow::Result<(f64, u64, usize)> {
    remove_db(db);
    store_poll_keep(db, feeds, seed, updates, rules, grouping)
}

fn remove_db(db: &Path) {
    for s in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", db.display()));
    }
}

/// Runs the stages over the first `feeds` files of `dir` and prints one JSON line.
pub fn run(dir: &Path, feeds: usize, rules: usize, db: &Path, seed: u64) -> anyhow::Result<()> {
    let rss0 = rss_mib();
    let t = Instant::now();
    let files: Vec<(String, Vec<u8>)> = (0..feeds)
        .map(|f| {
            let name = corpus::file_name(f);
            let bytes = std::fs::read(dir.join(&name))?;
            Ok((format!("http://127.0.0.1/{name}"), bytes))
        })
        .collect::<anyhow::Result<_>>()?;
    let read_s = t.elapsed().as_secs_f64();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();

    let t = Instant::now();
    let docs = files
        .iter()
        .map(|(url, b)| {
            let ct = if url.ends_with(".atom") {
                "application/atom+xml"
            } else {
                "application/rss+xml"
            };
            wirewatch::decode::decode(b, Some(ct), url)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let decode_s = t.elapsed().as_secs_f64();
    drop(files);
    let rss_decoded = rss_mib();

    let t = Instant::now();
    let now = Utc::now();
    let mut items = 0;
    let updates: Vec<FeedUpdate> = docs
        .into_iter()
        .enumerate()
        .map(|(f, mut doc)| {
            let entries: Vec<PreparedEntry> = std::mem::take(&mut doc.entries)
                .into_iter()
                .map(PreparedEntry::new)
                .collect();
            items += entries.len();
            FeedUpdate {
                feed_id: f as i64 + 1,
                moved_to: None,
                outcome: FeedOutcome::Fetched {
                    recovery_note: doc.recovery_note(),
                    title: doc.title,
                    site_url: doc.site_url,
                    entries,
                    etag: None,
                    last_modified: None,
                    body_hash: None,
                },
                next_check: now,
                interval_secs: 900,
            }
        })
        .collect();
    let prepare_s = t.elapsed().as_secs_f64();
    let rss_prepared = rss_mib();
    // The language detection `PreparedEntry::new` does, timed apart: run again on each entry.
    let t = Instant::now();
    let mut told = 0usize;
    for u in &updates {
        if let FeedOutcome::Fetched { entries, .. } = &u.outcome {
            for p in entries {
                let lang = wirewatch::prepare::lang::detect_entry(
                    &p.entry.title,
                    &p.entry.text,
                    &p.title_tokens,
                    &p.body_tokens,
                );
                told += usize::from(lang.is_some());
            }
        }
    }
    let lang_s = t.elapsed().as_secs_f64();
    // The story signature `PreparedEntry::new` makes, timed apart the same way.
    let t = Instant::now();
    let mut terms = 0usize;
    for u in &updates {
        if let FeedOutcome::Fetched { entries, .. } = &u.outcome {
            for p in entries {
                terms += wirewatch::story::Signature::new(
                    &p.entry.title,
                    &p.title_tokens,
                    &p.entry.text,
                    &p.body_tokens,
                )
                .terms
                .len();
            }
        }
    }
    let signature_s = t.elapsed().as_secs_f64();

    let (store_none_s, articles, _) =
        store_poll(db, feeds, seed, updates.clone(), &RuleSet::default(), true)?;
    let (store_ungrouped_s, _, _) =
        store_poll(db, feeds, seed, updates.clone(), &RuleSet::default(), false)?;
    let compiled = corpus::compile(&corpus::rules(seed, rules))?;
    let set = RuleSet::new(compiled);
    // Alerts refer to their rules: store the rules first, in a fresh database.
    let (store_rules_s, _, alerts) = {
        remove_db(db);
        let store = Store::open(db)?;
        corpus::store_rules(&store, seed, rules, now)?;
        drop(store);
        store_poll_keep(db, feeds, seed, updates, &set, true)?
    };
    let line = serde_json::json!({
        "scenario": "stages",
        "feeds": feeds,
        "items": items,
        "articles": articles,
        "alerts": alerts,
        "mb": bytes as f64 / 1e6,
        "read_s": read_s,
        "decode_s": decode_s,
        "prepare_s": prepare_s,
        "lang_detect_s": lang_s,
        "lang_told": told,
        "signature_s": signature_s,
        "signature_terms": terms,
        "store_no_rules_s": store_none_s,
        "store_no_rules_no_grouping_s": store_ungrouped_s,
        "store_with_rules_s": store_rules_s,
        "rules": rules,
        "rss_decoded_mib": rss_decoded - rss0,
        "rss_prepared_mib": rss_prepared - rss0,
        "prepared_kib_per_item": (rss_prepared - rss_decoded.min(rss_prepared)) * 1024.0 / items.max(1) as f64,
    });
    println!("{line}");
    Ok(())
}

/// Like `store_poll` but keeps the database (and the rules already in it).
fn store_poll_keep(
    db: &Path,
    feeds: usize,
    seed: u64,
    updates: Vec<FeedUpdate>,
    rules: &RuleSet,
    grouping: bool,
) -> anyhow::Result<(f64, u64, usize)> {
    let store = Store::open(db)?;
    store.set_story_grouping(grouping);
    let now = Utc::now();
    let ids = corpus::subscribe(&store, feeds, seed, now)?;
    let updates: Vec<FeedUpdate> = updates
        .into_iter()
        .zip(&ids)
        .map(|(mut u, id)| {
            u.feed_id = *id;
            u
        })
        .collect();
    let t = Instant::now();
    let applied = store.apply_poll(updates, rules, now)?;
    Ok((
        t.elapsed().as_secs_f64(),
        applied.new_articles,
        applied.alert_count() as usize,
    ))
}
