//! `rule add|list|test|remove`: the alert rules.

use super::{output, Output};
use wirewatch::model::{RuleDraft, RuleScope};
use wirewatch::Engine;

/// `rule add`.
pub fn add(engine: &Engine, draft: &RuleDraft, out: Output) -> anyhow::Result<()> {
    let rule = engine.add_rule(draft)?;
    if out.json {
        return output::json(&rule);
    }
    println!("Added rule {}: {} = {}", rule.id, rule.name, rule.query);
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
