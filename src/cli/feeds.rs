//! `feed add|list|remove|set`, `import`, `export` and `starter`: the subscriptions.

use super::{output, Output};
use anyhow::{bail, Context};
use std::io::Read;
use std::path::{Path, PathBuf};
use wirewatch::model::FullTextMode;
use wirewatch::Engine;

/// `feed add`: subscribes to `urls` and those listed in `file`, checking and storing them
/// concurrently ([`Engine::add_feeds`]), and reports each; fails if any could not be added.
pub async fn add(
    engine: &Engine,
    mut urls: Vec<String>,
    file: Option<PathBuf>,
    folder: Option<String>,
) -> anyhow::Result<()> {
    if let Some(path) = file {
        let text = read_text(&path)?;
        urls.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string),
        );
    }
    if urls.is_empty() {
        bail!("give at least one URL, or --file with one URL per line");
    }
    let progress = super::watch::show_progress(engine, false);
    let added = engine.add_feeds(&urls, folder.as_deref()).await;
    progress.abort();
    let mut failed = 0;
    for (url, outcome) in added? {
        failed += usize::from(outcome.is_err());
        output::add_outcome(&url, &outcome);
    }
    if failed > 0 {
        bail!("{failed} of {} feeds could not be added", urls.len());
    }
    Ok(())
}

/// `feed list`.
pub fn list(engine: &Engine, out: Output) -> anyhow::Result<()> {
    let feeds = engine.feeds()?;
    if out.json {
        return output::json(&feeds);
    }
    output::feeds(&feeds);
    Ok(())
}

/// A subscription's id, given as an id or its URL.
fn feed_id(engine: &Engine, feed: &str) -> anyhow::Result<i64> {
    Ok(match feed.parse::<i64>() {
        Ok(id) => id,
        Err(_) => {
            engine
                .feed_by_url(feed)?
                .with_context(|| format!("no subscription to {feed}"))?
                .id
        }
    })
}

/// `feed set`: changes a subscription's settings and shows it as it now is.
pub fn set(
    engine: &Engine,
    feed: &str,
    full_text: Option<&str>,
    out: Output,
) -> anyhow::Result<()> {
    let id = feed_id(engine, feed)?;
    let mut f = engine.feed(id)?;
    if let Some(mode) = full_text {
        let mode = FullTextMode::parse(mode)
            .with_context(|| format!("--full-text is auto, always or never, not {mode}"))?;
        f = engine.set_feed_full_text(id, mode)?;
    }
    if out.json {
        return output::json(&f);
    }
    println!(
        "{} ({}): full text {}",
        f.title,
        f.url,
        f.full_text.as_str()
    );
    Ok(())
}

/// `feed remove`, by id or URL.
pub fn remove(engine: &Engine, feed: &str) -> anyhow::Result<()> {
    let id = feed_id(engine, feed)?;
    let f = engine.feed(id)?;
    engine.remove_feed(id)?;
    println!("Removed {} ({})", f.title, f.url);
    Ok(())
}

/// `import`: subscribes to an OPML file's feeds (the next poll fetches them).
pub fn import(engine: &Engine, file: &Path, out: Output) -> anyhow::Result<()> {
    let report = engine.import_opml_file(file)?;
    if out.json {
        return output::json(&report);
    }
    output::import_report(&report);
    Ok(())
}

/// `export`: the subscriptions as OPML, to `file` or stdout.
pub fn export(engine: &Engine, file: Option<PathBuf>) -> anyhow::Result<()> {
    let opml = engine.export_opml()?;
    match file {
        Some(path) => {
            std::fs::write(&path, opml).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("Wrote {}", path.display());
        }
        None => print!("{opml}"),
    }
    Ok(())
}

/// `starter`: the South Asia starter pack and its rule.
pub fn starter(engine: &Engine, out: Output) -> anyhow::Result<()> {
    let report = engine.add_starter_pack()?;
    if out.json {
        return output::json(&report);
    }
    output::starter_report(&report);
    Ok(())
}

/// A text file, its invalid UTF-8 replaced.
fn read_text(path: &Path) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
