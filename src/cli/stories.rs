//! `stories` and `detach`: articles of several outlets grouped by the event they report.

use super::{output, Output};
use wirewatch::model::{Story, StoryQuery};
use wirewatch::Engine;

/// A duration such as `90m`, `24h`, `7d` or `2w` (a bare number counts hours).
pub fn parse_duration(s: &str) -> Result<chrono::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: i64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a duration such as 90m, 24h or 7d"))?;
    match unit {
        "s" => Ok(chrono::Duration::seconds(n)),
        "m" | "min" => Ok(chrono::Duration::minutes(n)),
        "" | "h" => Ok(chrono::Duration::hours(n)),
        "d" => Ok(chrono::Duration::days(n)),
        "w" => Ok(chrono::Duration::weeks(n)),
        _ => Err(format!("`{s}`: the unit is one of s, m, h, d, w")),
    }
}

/// `stories`, most recently updated first.
pub fn list(
    engine: &Engine,
    rule: Option<String>,
    since: Option<chrono::Duration>,
    min_articles: u32,
    limit: u32,
    out: Output,
) -> anyhow::Result<()> {
    let rule = match rule {
        None => None,
        Some(name) => {
            let rules = engine.rules()?;
            let found = rules
                .iter()
                .find(|r| r.name == name || r.id.to_string() == name)
                .or_else(|| rules.iter().find(|r| r.name.eq_ignore_ascii_case(&name)));
            match found {
                Some(r) => Some(r.id),
                None => anyhow::bail!("no rule named `{name}`"),
            }
        }
    };
    let stories = engine.stories(&StoryQuery {
        rule,
        since: since.map(|d| engine.now() - d),
        min_articles,
        limit,
    })?;
    if out.json {
        return output::json(&stories);
    }
    print(&stories);
    Ok(())
}

/// `detach`: an article out of its story, for good.
pub fn detach(engine: &Engine, article: i64) -> anyhow::Result<()> {
    let story = engine.detach_from_story(article)?;
    println!("Article {article} is now alone in story {story}.");
    Ok(())
}

fn print(stories: &[Story]) {
    if stories.is_empty() {
        println!("No stories.");
    }
    for s in stories {
        let outlets = match s.outlets.len() {
            1 => "1 outlet".to_string(),
            n => format!("{n} outlets"),
        };
        println!(
            "{:>6} {}\n       {} · {} · first {}",
            s.id,
            s.title,
            outlets,
            s.outlets.join(", "),
            s.first_seen.format("%Y-%m-%d %H:%M")
        );
    }
}
