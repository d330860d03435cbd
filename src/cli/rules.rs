//! `rule add|edit|list|test|remove|spikes`: the alert rules and their spike alerts.

use super::{output, Output};
use wirewatch::model::{RuleDraft, RuleScope};
use wirewatch::spike::Sensitivity;
use wirewatch::Engine;

/// `rule add`.
///
/// With `backfill`, the rule also alerts on what it matched in the last 24 hours (a new rule
/// otherwise only sees articles stored after it).
pub fn add(engine: &Engine, draft: &RuleDraft, backfill: bool, out: Output) -> anyhow::Result<()> {
    let rule = engine.add_rule(draft)?;
    let backfilled = if backfill {
        engine.backfill_rule(rule.id, wirewatch::coverage::BACKFILL_HOURS)?
    } else {
        0
    };
    if out.json {
        return output::json(&rule);
    }
    println!("Added rule {}: {} = {}", rule.id, rule.name, rule.query);
    if backfill {
        println!(
            "{backfilled} alerts from the last {} hours",
            wirewatch::coverage::BACKFILL_HOURS
        );
    }
    Ok(())
}

/// `rule edit`: changes what is given and keeps the rest (`renotify`: `Some(None)` turns
/// notifying again off).
pub fn edit(
    engine: &Engine,
    id: i64,
    name: Option<String>,
    query: Option<String>,
    renotify: Option<Option<u32>>,
    out: Output,
) -> anyhow::Result<()> {
    let rule = engine
        .rules()?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| anyhow::anyhow!("no rule {id}"))?;
    let draft = RuleDraft {
        name: name.unwrap_or(rule.name),
        query: query.unwrap_or(rule.query),
        scope: rule.scope,
        notify: rule.notify,
        muted: rule.muted,
        renotify_outlets: renotify.unwrap_or(rule.renotify_outlets),
    };
    let rule = engine.update_rule(id, &draft)?;
    if out.json {
        return output::json(&rule);
    }
    println!("Changed rule {}: {} = {}", rule.id, rule.name, rule.query);
    Ok(())
}

/// `rule list`.
pub fn list(engine: &Engine, out: Output) -> anyhow::Result<()> {
    let rules = engine.rules()?;
    if out.json {
        return output::json(&rules);
    }
    output::rules(&rules);
    Ok(())
}

/// `rule test`: what `query` would have matched in the last `days` days.
pub fn test(engine: &Engine, query: &str, days: u32, out: Output) -> anyhow::Result<()> {
    let test = engine.test_rule(query, &RuleScope::default(), days)?;
    if out.json {
        return output::json(&test);
    }
    output::rule_test(&test);
    Ok(())
}

/// `rule remove`.
pub fn remove(engine: &Engine, id: i64) -> anyhow::Result<()> {
    engine.remove_rule(id)?;
    println!("Removed rule {id}.");
    Ok(())
}

/// `rule spikes`: turns rule `id`'s spike alerts on at `sensitivity` (`off`: off), quiet for
/// `cool_down` after each (the engine's default, six hours, without one).
pub fn spikes(
    engine: &Engine,
    id: i64,
    sensitivity: &str,
    cool_down: Option<chrono::Duration>,
    out: Output,
) -> anyhow::Result<()> {
    let sensitivity = match sensitivity {
        "off" => None,
        "low" => Some(Sensitivity::Low),
        "medium" => Some(Sensitivity::Medium),
        "high" => Some(Sensitivity::High),
        other => anyhow::bail!("{other:?}: the sensitivity is off, low, medium or high"),
    };
    let rule = engine
        .rules()?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(wirewatch::Error::NotFound { what: "rule", id })?;
    let settings = engine.set_rule_spikes(id, sensitivity, cool_down.map(|d| d.num_seconds()))?;
    if out.json {
        return output::json(&settings);
    }
    match settings.sensitivity {
        None => println!("Spike alerts for rule {id} ({}): off.", rule.name),
        Some(s) => println!(
            "Spike alerts for rule {id} ({}): {} sensitivity, quiet for {} after each.",
            rule.name,
            format!("{s:?}").to_lowercase(),
            output::span(settings.cool_down_secs)
        ),
    }
    Ok(())
}
