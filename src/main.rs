//! `wirewatch`: the command-line face of the engine, for servers, cron jobs and scripts.
//!
//! Every command opens the database (`--db`, `WIREWATCH_DB`, or the platform data directory,
//! shared with the desktop app), does one thing, and exits; `run` keeps polling until
//! interrupted. Listings print a table, or JSON with `--json`. Errors are one line on stderr
//! and a non-zero exit status.

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use wirewatch::model::{
    AddFeedOutcome, AlertQuery, ArticleQuery, EngineEvent, RuleDraft, RuleScope, StoryQuery,
};
use wirewatch::{Config, Engine, SystemClock};

#[derive(Parser)]
#[command(
    name = "wirewatch",
    version,
    about = "Watch news feeds and get alerted when a story matches your rules"
)]
struct Cli {
    /// The database file (default: the platform data directory, shared with the desktop app).
    #[arg(long, global = true, env = "WIREWATCH_DB")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Manage subscriptions.
    #[command(subcommand)]
    Feed(FeedCommand),
    /// Import feeds from an OPML file.
    Import {
        /// OPML 1.0 or 2.0 file.
        file: PathBuf,
        #[command(flatten)]
        out: Output,
    },
    /// Export subscriptions as OPML (to stdout without a file).
    Export {
        /// Where to write.
        file: Option<PathBuf>,
    },
    /// Subscribe to the South Asia starter pack and add its ceasefire rule.
    Starter {
        #[command(flatten)]
        out: Output,
    },
    /// Manage alert rules.
    #[command(subcommand)]
    Rule(RuleCommand),
    /// Fetch feeds once: those that are due, or all with --all.
    Poll {
        /// Kept for clarity in scripts: a poll always runs once.
        #[arg(long)]
        once: bool,
        /// Poll every feed now, not only the due ones (still with conditional requests).
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        out: Output,
    },
    /// Keep polling as feeds come due, printing alerts, until interrupted.
    Run,
    /// List alerts, newest first.
    Alerts {
        /// Only unread alerts.
        #[arg(long)]
        unread: bool,
        /// Only this rule's alerts.
        #[arg(long)]
        rule: Option<i64>,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[command(flatten)]
        out: Output,
    },
    /// Stories: the articles of several outlets that report one event.
    Stories {
        /// Only stories this rule (by name or id) alerted on.
        #[arg(long)]
        rule: Option<String>,
        /// Only stories updated within this long (`90m`, `24h`, `7d`).
        #[arg(long, value_parser = parse_duration)]
        since: Option<chrono::Duration>,
        /// Only stories with at least this many articles.
        #[arg(long, default_value_t = 1)]
        min_articles: u32,
        /// How many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[command(flatten)]
        out: Output,
    },
    /// Take an article out of its story, for good.
    Detach {
        /// The article's id.
        article: i64,
    },
    /// Search the archive with the rule language.
    Search {
        /// The query.
        query: String,
        /// How many results.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Only starred articles.
        #[arg(long)]
        starred: bool,
        #[command(flatten)]
        out: Output,
    },
    /// Counts of feeds, articles, alerts and errors.
    Stats {
        #[command(flatten)]
        out: Output,
    },
    /// Show how Wirewatch reads one feed, as JSON.
    Inspect {
        /// Feed URL.
        url: String,
    },
}

#[derive(Subcommand)]
enum FeedCommand {
    /// Subscribe to feeds (a web page's feeds are discovered).
    Add {
        /// Feed or page URLs.
        urls: Vec<String>,
        /// Read URLs from a file, one per line (# starts a comment).
        #[arg(long)]
        file: Option<PathBuf>,
        /// File the feeds in this folder.
        #[arg(long)]
        folder: Option<String>,
    },
    /// List subscriptions with their status.
    List {
        #[command(flatten)]
        out: Output,
    },
    /// Unsubscribe, by id or URL.
    Remove {
        /// Feed id or URL.
        feed: String,
    },
}

#[derive(Subcommand)]
enum RuleCommand {
    /// Add an alert rule.
    Add {
        /// A name for people.
        name: String,
        /// The query (see README: words, "phrases", OR, NOT, -word, prefix*, NEAR(a b, 5), title:, feed:).
        query: String,
        /// Only articles from feeds in this folder (repeatable).
        #[arg(long = "folder")]
        folders: Vec<String>,
        /// Only articles from this feed id (repeatable).
        #[arg(long = "feed")]
        feeds: Vec<i64>,
        /// Raise no desktop notification.
        #[arg(long)]
        no_notify: bool,
        /// Keep it but match nothing.
        #[arg(long)]
        muted: bool,
        #[command(flatten)]
        out: Output,
    },
    /// List rules.
    List {
        #[command(flatten)]
        out: Output,
    },
    /// Show what a query would have matched in the archive.
    Test {
        /// The query.
        query: String,
        /// How many days back.
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[command(flatten)]
        out: Output,
    },
    /// Delete a rule and its alerts.
    Remove {
        /// Rule id.
        id: i64,
    },
}

#[derive(Args, Clone, Copy)]
struct Output {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[global_allocator]
static ALLOCATOR: wirewatch::Allocator = wirewatch::Allocator;

fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("WIREWATCH_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => fail(&anyhow::anyhow!(e)),
    };
    if let Err(e) = runtime.block_on(run(cli)) {
        fail(&e);
    }
}

fn fail(e: &anyhow::Error) -> ! {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        msg.push_str(&format!(": {cause}"));
    }
    eprintln!("wirewatch: error: {msg}");
    std::process::exit(1);
}

/// A duration such as `90m`, `24h`, `7d` or `2w` (a bare number counts hours).
fn parse_duration(s: &str) -> Result<chrono::Duration, String> {
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

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let db = cli.db.unwrap_or_else(wirewatch::config::default_db_path);
    if let Command::Inspect { url } = &cli.command {
        return inspect(url).await;
    }
    let engine = Engine::open(Config::new(&db), Arc::new(SystemClock))?;
    match cli.command {
        Command::Feed(FeedCommand::Add { urls, file, folder }) => {
            feed_add(&engine, urls, file, folder).await
        }
        Command::Feed(FeedCommand::List { out }) => {
            let feeds = engine.feeds()?;
            if out.json {
                return print_json(&feeds);
            }
            if feeds.is_empty() {
                println!("No feeds yet. Add one with `wirewatch feed add URL`, or the South Asia starter pack with `wirewatch starter`.");
            }
            for f in feeds {
                let status = match (&f.last_error, f.error_count) {
                    (Some(e), n) if n > 0 => format!("ERROR ×{n}: {e}"),
                    _ => match f.last_fetched {
                        Some(t) => format!("ok, fetched {}", t.format("%Y-%m-%d %H:%M")),
                        None => "not fetched yet".into(),
                    },
                };
                println!(
                    "{:>4}  {}  [{}]  {} articles  next {}  {}\n      {}",
                    f.id,
                    f.title,
                    f.folder.as_deref().unwrap_or("-"),
                    f.article_count,
                    f.next_check.format("%H:%M"),
                    status,
                    f.url
                );
            }
            Ok(())
        }
        Command::Feed(FeedCommand::Remove { feed }) => {
            let id = match feed.parse::<i64>() {
                Ok(id) => id,
                Err(_) => {
                    engine
                        .store()
                        .feed_by_url(&feed)?
                        .with_context(|| format!("no subscription to {feed}"))?
                        .id
                }
            };
            let f = engine.feed(id)?;
            engine.remove_feed(id)?;
            println!("Removed {} ({})", f.title, f.url);
            Ok(())
        }
        Command::Import { file, out } => {
            // Refuse a huge file before reading it, not after.
            let size = std::fs::metadata(&file)
                .with_context(|| format!("reading {}", file.display()))?
                .len();
            if size > wirewatch::opml::MAX_BYTES as u64 {
                bail!(
                    "{} is {size} bytes; an OPML file of more than {} bytes is not a subscription list",
                    file.display(),
                    wirewatch::opml::MAX_BYTES
                );
            }
            let text = read_text(&file)?;
            let report = engine.import_opml(&text)?;
            if out.json {
                return print_json(&report);
            }
            println!(
                "Imported {} feeds, {} already subscribed, {} skipped.",
                report.added.len(),
                report.existing.len(),
                report.skipped.len()
            );
            for s in &report.skipped {
                println!("  skipped {}: {}", s.name, s.reason);
            }
            Ok(())
        }
        Command::Export { file } => {
            let opml = engine.export_opml()?;
            match file {
                Some(path) => {
                    std::fs::write(&path, opml)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("Wrote {}", path.display());
                }
                None => print!("{opml}"),
            }
            Ok(())
        }
        Command::Starter { out } => {
            let report = engine.add_starter_pack()?;
            if out.json {
                return print_json(&report);
            }
            println!(
                "Subscribed to {} South Asia feeds ({} already there); {} rule(s) added.",
                report.added.len(),
                report.existing.len(),
                report.rules_added.len()
            );
            println!(
                "Run `wirewatch poll` to fetch them now, or `wirewatch run` to keep watching."
            );
            Ok(())
        }
        Command::Rule(cmd) => rule(&engine, cmd),
        Command::Poll { once: _, all, out } => {
            let progress = show_progress(&engine, out.json);
            let summary = if all {
                engine.poll_all().await?
            } else {
                engine.poll_due().await?
            };
            progress.abort();
            if out.json {
                return print_json(&summary);
            }
            println!(
                "Polled {} feeds in {:.1} s: {} new, {} updated, {} unchanged, {} failed, {} alerts.",
                summary.feeds,
                summary.elapsed_ms as f64 / 1000.0,
                summary.new_articles,
                summary.updated_articles,
                summary.not_modified,
                summary.failed,
                summary.alerts
            );
            Ok(())
        }
        Command::Run => {
            let shutdown = CancellationToken::new();
            let stop = shutdown.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                stop.cancel();
            });
            let mut events = engine.events().subscribe();
            tokio::spawn(async move {
                while let Ok(event) = events.recv().await {
                    match event {
                        EngineEvent::Alert { alert, .. } => println!(
                            "ALERT [{}] {} — {}{}",
                            alert.rule_name,
                            alert.article.title,
                            alert
                                .article
                                .feeds
                                .first()
                                .map(|f| f.title.as_str())
                                .unwrap_or(""),
                            alert
                                .article
                                .url
                                .map(|u| format!(" <{u}>"))
                                .unwrap_or_default()
                        ),
                        EngineEvent::PollFinished { summary } if summary.feeds > 0 => eprintln!(
                            "polled {} feeds: {} new, {} alerts, {} failed",
                            summary.feeds, summary.new_articles, summary.alerts, summary.failed
                        ),
                        EngineEvent::FeedError {
                            feed_id, message, ..
                        } => {
                            eprintln!("feed {feed_id}: {message}")
                        }
                        _ => {}
                    }
                }
            });
            eprintln!(
                "Watching {} feeds. Press Ctrl-C to stop.",
                engine.feeds()?.len()
            );
            engine.run(shutdown).await?;
            eprintln!("Stopped.");
            Ok(())
        }
        Command::Stories {
            rule,
            since,
            min_articles,
            limit,
            out,
        } => {
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
                since: since.map(|d| chrono::Utc::now() - d),
                min_articles,
                limit,
            })?;
            if out.json {
                return print_json(&stories);
            }
            if stories.is_empty() {
                println!("No stories.");
            }
            for s in stories {
                println!(
                    "{:>6} {}\n       {} · {} · first {}",
                    s.id,
                    s.title,
                    match s.outlets.len() {
                        1 => "1 outlet".to_string(),
                        n => format!("{n} outlets"),
                    },
                    s.outlets.join(", "),
                    s.first_seen.format("%Y-%m-%d %H:%M")
                );
            }
            Ok(())
        }
        Command::Detach { article } => {
            let story = engine.detach_from_story(article)?;
            println!("Article {article} is now alone in story {story}.");
            Ok(())
        }
        Command::Alerts {
            unread,
            rule,
            limit,
            out,
        } => {
            let alerts = engine.alerts(&AlertQuery {
                rule,
                unread,
                limit,
                before: None,
            })?;
            if out.json {
                return print_json(&alerts);
            }
            if alerts.is_empty() {
                println!("No alerts.");
            }
            for a in alerts {
                let terms: Vec<&str> = a.matches.iter().map(|m| m.text.as_str()).collect();
                println!(
                    "{:>5} {} [{}] {}\n      {} · matched: {}",
                    a.id,
                    if a.read { " " } else { "●" },
                    a.rule_name,
                    a.article.title,
                    a.article
                        .feeds
                        .first()
                        .map(|f| f.title.as_str())
                        .unwrap_or(""),
                    terms.join(", ")
                );
                if let Some(story) = a.story.as_ref().filter(|s| s.outlets > 1) {
                    println!("      {}", story.line());
                }
            }
            Ok(())
        }
        Command::Search {
            query,
            limit,
            starred,
            out,
        } => {
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
                return print_json(&page);
            }
            println!("{} articles match.", page.total);
            for a in page.articles {
                let when = a.published.unwrap_or(a.fetched).format("%Y-%m-%d %H:%M");
                println!(
                    "{:>6} {when} {}{}\n       {} {}",
                    a.id,
                    if a.starred { "★ " } else { "" },
                    a.title,
                    a.feeds.first().map(|f| f.title.as_str()).unwrap_or(""),
                    a.url.unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Stats { out } => {
            let s = engine.stats()?;
            if out.json {
                return print_json(&s);
            }
            println!(
                "feeds {} ({} failing)\narticles {} ({} starred)\nrules {}\nalerts {} ({} unread)\ndatabase {:.1} MB",
                s.feeds,
                s.failing_feeds,
                s.articles,
                s.starred,
                s.rules,
                s.alerts,
                s.unread_alerts,
                s.db_bytes as f64 / 1e6
            );
            Ok(())
        }
        Command::Inspect { .. } => unreachable!("handled before opening the database"),
    }
}

fn rule(engine: &Engine, cmd: RuleCommand) -> anyhow::Result<()> {
    match cmd {
        RuleCommand::Add {
            name,
            query,
            folders,
            feeds,
            no_notify,
            muted,
            out,
        } => {
            let rule = engine.add_rule(&RuleDraft {
                name,
                query,
                scope: RuleScope { folders, feeds },
                notify: !no_notify,
                muted,
            })?;
            if out.json {
                return print_json(&rule);
            }
            println!("Added rule {}: {} = {}", rule.id, rule.name, rule.query);
            Ok(())
        }
        RuleCommand::List { out } => {
            let rules = engine.rules()?;
            if out.json {
                return print_json(&rules);
            }
            if rules.is_empty() {
                println!("No rules yet. Add one with `wirewatch rule add NAME QUERY`.");
            }
            for r in rules {
                println!(
                    "{:>4}  {}{}  {} alerts ({} unread)\n      {}",
                    r.id,
                    r.name,
                    if r.muted { " (muted)" } else { "" },
                    r.alert_count,
                    r.unread_count,
                    r.query
                );
            }
            Ok(())
        }
        RuleCommand::Test { query, days, out } => {
            let test = engine.test_rule(&query, &RuleScope::default(), days)?;
            if out.json {
                return print_json(&test);
            }
            println!(
                "Would have matched {} articles in the last {} days.",
                test.count, test.days
            );
            for s in test.samples {
                println!(
                    "  {} — {}",
                    s.article.title,
                    s.article
                        .feeds
                        .first()
                        .map(|f| f.title.as_str())
                        .unwrap_or("")
                );
            }
            Ok(())
        }
        RuleCommand::Remove { id } => {
            engine.remove_rule(id)?;
            println!("Removed rule {id}.");
            Ok(())
        }
    }
}

async fn feed_add(
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
    let mut failed = 0;
    for url in &urls {
        match engine.add_feed(url, folder.as_deref()).await {
            Ok(AddFeedOutcome::Added { feed }) => {
                println!(
                    "Added {} ({}): {} articles",
                    feed.title, feed.url, feed.article_count
                )
            }
            Ok(AddFeedOutcome::Exists { feed }) => {
                println!(
                    "Already subscribed to {} ({}); nothing changed.",
                    feed.title, feed.url
                )
            }
            Ok(AddFeedOutcome::Choices { feeds }) => {
                println!("{url} offers several feeds; add the one you want:");
                for f in feeds {
                    println!("  {}  {}", f.url, f.title.unwrap_or_default());
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("wirewatch: error: {url}: {e}");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} feeds could not be added", urls.len());
    }
    Ok(())
}

fn read_text(path: &PathBuf) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Draws a progress bar from poll events while a poll runs on a terminal.
fn show_progress(engine: &Engine, quiet: bool) -> tokio::task::JoinHandle<()> {
    let mut events = engine.events().subscribe();
    let visible = !quiet && std::io::stderr().is_terminal();
    tokio::spawn(async move {
        let mut bar: Option<ProgressBar> = None;
        while let Ok(event) = events.recv().await {
            match event {
                EngineEvent::PollStarted { feeds } if visible => {
                    let b = ProgressBar::new(feeds);
                    b.set_style(
                        ProgressStyle::with_template(
                            "{spinner} {pos}/{len} feeds {wide_bar} {elapsed}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    bar = Some(b);
                }
                EngineEvent::PollProgress { done, .. } => {
                    if let Some(b) = &bar {
                        b.set_position(done);
                    }
                }
                EngineEvent::PollFinished { .. } => {
                    if let Some(b) = bar.take() {
                        b.finish_and_clear();
                    }
                }
                _ => {}
            }
        }
    })
}

async fn inspect(url: &str) -> anyhow::Result<()> {
    let url = wirewatch::engine::normalize_url(url)?;
    let config = Config::new(PathBuf::new());
    let fetcher = wirewatch::fetch::Fetcher::new(&config)?;
    let fetched = fetcher.fetch(&url, &Default::default()).await?;
    let body = fetched.body.context("the server sent no document")?;
    let doc = wirewatch::decode::decode(
        &body.bytes,
        body.content_type.as_deref(),
        &fetched.final_url,
    )?;
    let entries: Vec<serde_json::Value> = doc
        .entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "title": e.title,
                "link": e.url,
                "id": e.guid,
                "published": e.published.map(|p| p.to_rfc3339()),
            })
        })
        .collect();
    print_json(&serde_json::json!({
        "title": doc.title,
        "link": doc.site_url,
        "entries": entries,
    }))
}
