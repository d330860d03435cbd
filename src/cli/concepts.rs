//! `concept list|add|remove`: the lexicon of concepts a rule names as `@name`.

use super::{output, Output};
use wirewatch::Engine;

/// `concept list`: every concept with its spellings.
pub fn list(engine: &Engine, out: Output) -> anyhow::Result<()> {
    let concepts = engine.concepts()?;
    if out.json {
        return output::json(&concepts);
    }
    output::concepts(&concepts);
    Ok(())
}

/// `concept add`: a spelling for a concept (a new concept if none has that name).
pub fn add(engine: &Engine, name: &str, variant: &str) -> anyhow::Result<()> {
    engine.add_concept_variant(name, variant)?;
    println!("Added “{}” to @{}.", variant.trim(), concept_name(name));
    Ok(())
}

/// `concept remove`: a spelling taken off a concept, a shipped one too.
pub fn remove(engine: &Engine, name: &str, variant: &str) -> anyhow::Result<()> {
    engine.remove_concept_variant(name, variant)?;
    println!("Removed “{}” from @{}.", variant.trim(), concept_name(name));
    Ok(())
}

/// The name as the engine stores it (the same trimming and case), for the message.
fn concept_name(name: &str) -> String {
    name.trim().trim_start_matches('@').to_lowercase()
}
