//! `trend`: articles per hour or day for a query or a rule, as a table or as JSON
//! (`[{start, count}]`), counting what `search` finds over the same range.

use super::Output;
use anyhow::Context;
use chrono::{Duration, Local};
use wirewatch::coverage::TrendQuery;
use wirewatch::store::TrendBucket;
use wirewatch::Engine;

/// `trend QUERY|--rule NAME --by hour|day [--since DURATION]`.
pub fn trend(
    engine: &Engine,
    query: Option<String>,
    rule: Option<String>,
    by: TrendBucket,
    since: Option<String>,
    out: Output,
) -> anyhow::Result<()> {
    let rule = match rule {
        Some(wanted) => Some(rule_id(engine, &wanted)?),
        None => None,
    };
    anyhow::ensure!(
        rule.is_some() || query.is_some(),
        "give a query, or a rule with --rule NAME"
    );
    let back = match since {
        Some(text) => parse_duration(&text)?,
        None if by == TrendBucket::Hour => Duration::hours(24),
        None => Duration::days(30),
    };
    let now = engine.now();
    let trend = engine.trend(&TrendQuery {
        query: query.unwrap_or_default(),
        rule,
        since: now - back,
        until: Some(now),
        by,
        utc_offset_secs: Local::now().offset().local_minus_utc(),
        split: None,
    })?;
    if out.json {
        return super::output::json(&trend.points);
    }
    for p in &trend.points {
        let start = p.start.with_timezone(&Local);
        let label = match by {
            TrendBucket::Hour => start.format("%Y-%m-%d %H:%M"),
            TrendBucket::Day => start.format("%Y-%m-%d"),
        };
        println!("{label}  {:>6}", p.count);
    }
    println!("{} articles", trend.total);
    Ok(())
}

/// A rule by its id or its name (case aside).
fn rule_id(engine: &Engine, wanted: &str) -> anyhow::Result<i64> {
    let rules = engine.rules()?;
    if let Ok(id) = wanted.parse::<i64>() {
        if rules.iter().any(|r| r.id == id) {
            return Ok(id);
        }
    }
    rules
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(wanted.trim()))
        .map(|r| r.id)
        .with_context(|| format!("no rule is named {wanted:?}"))
}

/// "90m", "24h", "7d", "2w" (a number alone is days).
pub fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: i64 = number
        .parse()
        .with_context(|| format!("{text:?} is not a duration like 24h or 7d"))?;
    let d = match unit.trim() {
        "m" | "min" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "" | "d" => Duration::days(n),
        "w" => Duration::weeks(n),
        other => anyhow::bail!("unknown unit {other:?} in {text:?}: use m, h, d or w"),
    };
    anyhow::ensure!(d > Duration::zero(), "the duration must be positive");
    Ok(d)
}
