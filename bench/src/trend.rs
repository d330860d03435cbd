//! Scenario 6: trends over a large archive, and spike checks after a poll.
//!
//! `trend` times `Store::trend` over the search scenario's archive (built by `search-build`):
//! each typical query, one year by day up to the archive's newest article (the generated
//! corpus is dated from a fixed day, which may lie more than a year back), in all (no
//! split), as the window's Trends view and `wirewatch trend --by day --since 365d` ask;
//! `--days` and `--hourly` choose another range and width. `spikes` times one check of
//! every watched rule's latest hour against its baseline, as after each poll, for
//! 1,000 rules with fifteen days of counts each.
//!
//! Each trend is timed twice: wall-clock, and the CPU time of the calling thread (a trend runs
//! on it alone), which a machine shared with other work inflates much less.

use crate::search::{percentile, QUERIES};
use chrono::{Duration, Utc};
use std::path::Path;
use std::time::Instant;
use wirewatch::model::RuleScope;
use wirewatch::rules::Query;
use wirewatch::spike::{Sensitivity, Series, SpikeWatch, Spikes};
use wirewatch::store::{Store, TrendBucket, TrendRange};

/// Times every typical query's year-by-day trend `runs` times and prints percentiles.
pub fn run(db: &Path, runs: usize, days: i64, hourly: bool) -> anyhow::Result<()> {
    let store = Store::open(db)?;
    let articles = store.stats()?.articles;
    let newest: Option<i64> = rusqlite::Connection::open(db)?.query_row(
        "SELECT max(sort_time) FROM articles",
        [],
        |r| r.get(0),
    )?;
    let now = newest
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(Utc::now, |t| t + Duration::seconds(1));
    let range = TrendRange {
        since: now - Duration::days(days),
        until: now,
        by: if hourly {
            TrendBucket::Hour
        } else {
            TrendBucket::Day
        },
        utc_offset_secs: 0,
    };
    let (mut all, mut all_cpu) = (Vec::new(), Vec::new());
    for q in QUERIES.iter().filter(|q| !q.is_empty()) {
        let query = Query::parse(q).map_err(|p| anyhow::anyhow!("{q}: {}", p.message))?;
        // The first trend also reads the archive's times into memory: timed apart.
        let t = Instant::now();
        let trend = store.trend(Some(&query), &RuleScope::default(), &range, None)?;
        let first_ms = t.elapsed().as_secs_f64() * 1e3;
        let mut times = Vec::with_capacity(runs);
        let mut cpu = Vec::with_capacity(runs);
        for _ in 0..runs {
            let (t, c) = (Instant::now(), thread_cpu_ms());
            let trend = store.trend(Some(&query), &RuleScope::default(), &range, None)?;
            cpu.push(thread_cpu_ms() - c);
            times.push(t.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(trend);
        }
        times.sort_by(f64::total_cmp);
        cpu.sort_by(f64::total_cmp);
        println!(
            "{}",
            serde_json::json!({
                "scenario": "trend_query",
                "articles": articles,
                "days": days,
                "hourly": hourly,
                "query": q,
                "matches": trend.total,
                "buckets": trend.points.len(),
                "first_ms": first_ms,
                "p50_ms": percentile(&times, 0.5),
                "p95_ms": percentile(&times, 0.95),
                "p50_cpu_ms": percentile(&cpu, 0.5),
                "p95_cpu_ms": percentile(&cpu, 0.95),
            })
        );
        all.extend(times);
        all_cpu.extend(cpu);
    }
    all.sort_by(f64::total_cmp);
    all_cpu.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "scenario": "trend",
            "articles": articles,
            "days": days,
            "hourly": hourly,
            "queries": all.len(),
            "p50_ms": percentile(&all, 0.5),
            "p95_ms": percentile(&all, 0.95),
            "max_ms": all.last().copied().unwrap_or(0.0),
            "p50_cpu_ms": percentile(&all_cpu, 0.5),
            "p95_cpu_ms": percentile(&all_cpu, 0.95),
        })
    );
    Ok(())
}

/// The CPU time the calling thread has used, in milliseconds.
fn thread_cpu_ms() -> f64 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// Times `runs` checks of `rules` watched rules with fifteen days of hourly counts.
pub fn spikes(rules: usize, runs: usize) -> anyhow::Result<()> {
    let now = Utc::now();
    let start = now - Duration::days(15);
    let watch = SpikeWatch {
        sensitivity: Sensitivity::Medium,
        cool_down: Duration::hours(6),
    };
    let mut spikes = Spikes::default();
    for rule in 0..rules {
        let mut series = Series::new(start);
        for h in 0..15 * 24 {
            series.add(start + Duration::hours(h), (rule % 13) as u32);
        }
        spikes.watch(rule as i64, watch, series);
    }
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let t = Instant::now();
        let raised = spikes.check(now + Duration::seconds(i as i64));
        times.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(raised);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "scenario": "spike_check",
            "rules": rules,
            "p50_ms": percentile(&times, 0.5),
            "p95_ms": percentile(&times, 0.95),
        })
    );
    Ok(())
}
