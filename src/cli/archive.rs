//! `alerts`, `search`, `stats` and `inspect`: reading what was collected.

use super::{output, Output};
use std::path::PathBuf;
use wirewatch::model::{AlertQuery, ArticleQuery};
use wirewatch::{Config, Engine};

/// `alerts`, newest first.
pub fn alerts(
    engine: &Engine,
    unread: bool,
    rule: Option<i64>,
    limit: u32,
    out: Output,
) -> anyhow::Result<()> {
    let alerts = engine.alerts(&AlertQuery {
        rule,
        unread,
        limit,
        before: None,
    })?;
    if out.json {
        return output::json(&alerts);
    }
    output::alerts(&alerts);
    Ok(())
}

/// `search`: the archive, with the rule language.
pub fn search(
    engine: &Engine,
    query: String,
    limit: u32,
    starred: bool,
    out: Output,
) -> anyhow::Result<()> {
    let q = ArticleQuery {
        query,
        limit,
        starred,
        ..ArticleQuery::default()
    };
    let mut page = engine.articles(&q)?;
    if !page.total_exact {
        // A terminal prints once: count them all rather than print a bound.
        page.total = engine.article_count(&q)?;
        page.total_exact = true;
    }
    if out.json {
        return output::json(&page);
    }
    output::articles(&page);
    Ok(())
}

/// `stats`.
pub fn stats(engine: &Engine, out: Output) -> anyhow::Result<()> {
    let s = engine.stats()?;
    if out.json {
        return output::json(&s);
    }
    output::stats(&s);
    Ok(())
}

/// `inspect`: how one feed is read, as JSON; opens no database.
pub async fn inspect(url: &str) -> anyhow::Result<()> {
    let inspection = Engine::inspect(&Config::new(PathBuf::new()), url).await?;
    output::json(&inspection)
}
