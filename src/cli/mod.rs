//! The command line: its arguments, and one function per subcommand.
//!
//! [`run`] opens the engine (except for `inspect`, which reads no database) and hands the
//! subcommand to its function in [`feeds`], [`rules`], [`concepts`], [`watch`], [`archive`]
//! or [`trend`]; those call
//! the engine and leave the printing of tables to [`output`].

mod archive;
mod concepts;
mod feeds;
mod output;
mod rules;
mod stories;
mod trend;
mod watch;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use wirewatch::{Config, Engine, SystemClock};

/// The command line.
#[derive(Parser)]
#[command(
    name = "wirewatch",
    version,
    about = "Watch news feeds and get alerted when a story matches your rules"
)]
pub struct Cli {
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
    /// Manage the concepts a rule names as `@name`, and their spellings across scripts.
    #[command(subcommand)]
    Concept(ConceptCommand),
    /// Fetch feeds once: those that are due, or all with --all.
    Poll {
        /// Kept for clarity in scripts: a poll always runs once.
        #[arg(long)]
        once: bool,
        /// Poll every feed now, not only the due ones (still with conditional requests).
        #[arg(long)]
        all: bool,
        /// Then fetch the full texts the poll queued (and any others due), and say what
        /// became of them.
        #[arg(long)]
        full_text: bool,
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
        #[arg(long, value_parser = stories::parse_duration)]
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
    /// Articles per hour or day for a query or a rule (counts agree with `search`).
    Trend {
        /// The query (or give --rule).
        query: Option<String>,
        /// A rule's query and scope, by name or id.
        #[arg(long, conflicts_with = "query")]
        rule: Option<String>,
        /// Bucket width: hour or day.
        #[arg(long, value_parser = parse_bucket, default_value = "day")]
        by: wirewatch::store::TrendBucket,
        /// How far back: 90m, 24h, 7d, 2w (default 24h by hour, 30d by day).
        #[arg(long)]
        since: Option<String>,
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
    /// Fetch one article page and print its main content (title, byline, date, text).
    Extract {
        /// Article URL.
        url: String,
        #[command(flatten)]
        out: Output,
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
    /// Check a feed at a fixed interval (a key outlet every few minutes), or adaptively again.
    Interval {
        /// Feed id or URL.
        feed: String,
        /// How often: 5m, 1h, 2d (at least 60 s).
        #[arg(long, value_parser = stories::parse_duration, required_unless_present = "adaptive")]
        every: Option<chrono::Duration>,
        /// Back to the adaptive schedule (it follows how often the feed publishes).
        #[arg(long, conflicts_with = "every")]
        adaptive: bool,
    },
    /// Change a subscription's settings, by id or URL.
    Set {
        /// Feed id or URL.
        feed: String,
        /// Fetch new articles' own pages for their full text: `auto` (when the feed's text
        /// is a teaser), `always` or `never`.
        #[arg(long, value_parser = ["auto", "always", "never"])]
        full_text: Option<String>,
        #[command(flatten)]
        out: Output,
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
        /// Also alert on what it matched in the last 24 hours.
        #[arg(long)]
        backfill: bool,
        /// Notify once more when a story it alerted on reaches N outlets (2 or more).
        #[arg(long, value_name = "N")]
        renotify_at: Option<u32>,
        #[command(flatten)]
        out: Output,
    },
    /// Change a rule: its name, query, or when it notifies again.
    Edit {
        /// Rule id.
        id: i64,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new query.
        #[arg(long)]
        query: Option<String>,
        /// Notify once more when a story it alerted on reaches N outlets (2 or more).
        #[arg(long, value_name = "N", conflicts_with = "no_renotify")]
        renotify_at: Option<u32>,
        /// Never notify again for a story it alerted on.
        #[arg(long)]
        no_renotify: bool,
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
    /// Turn a rule's spike alerts on or off (see README, "Spike alerts").
    Spikes {
        /// Rule id.
        id: i64,
        /// How readily it spikes: low, medium, high; off for no spike alerts.
        #[arg(long, value_parser = ["off", "low", "medium", "high"])]
        sensitivity: String,
        /// Quiet time after a spike: 90m, 6h, 2d (default 6h, at most a week).
        #[arg(long, value_parser = stories::parse_duration)]
        cool_down: Option<chrono::Duration>,
        #[command(flatten)]
        out: Output,
    },
}

#[derive(Subcommand)]
enum ConceptCommand {
    /// List concepts and their spellings.
    List {
        #[command(flatten)]
        out: Output,
    },
    /// Add a spelling to a concept (a new concept if none has that name).
    Add {
        /// The concept's name, with or without `@` (lower case letters, digits, `-`).
        name: String,
        /// The spelling, as a bare word or words of the query language.
        variant: String,
    },
    /// Remove a spelling from a concept, a shipped one too.
    Remove {
        /// The concept's name.
        name: String,
        /// The spelling.
        variant: String,
    },
}

/// How a listing is printed.
#[derive(Args, Clone, Copy)]
struct Output {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs one subcommand.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Inspect { url } = &cli.command {
        return archive::inspect(url).await;
    }
    if let Command::Extract { url, out } = &cli.command {
        return archive::extract(url, *out).await;
    }
    let db = cli.db.unwrap_or_else(wirewatch::config::default_db_path);
    let engine = Engine::open(Config::new(&db), Arc::new(SystemClock))?;
    match cli.command {
        Command::Feed(FeedCommand::Add { urls, file, folder }) => {
            feeds::add(&engine, urls, file, folder).await
        }
        Command::Feed(FeedCommand::List { out }) => feeds::list(&engine, out),
        Command::Feed(FeedCommand::Remove { feed }) => feeds::remove(&engine, &feed),
        Command::Feed(FeedCommand::Interval {
            feed,
            every,
            adaptive: _,
        }) => feeds::interval(&engine, &feed, every),
        Command::Feed(FeedCommand::Set {
            feed,
            full_text,
            out,
        }) => feeds::set(&engine, &feed, full_text.as_deref(), out),
        Command::Import { file, out } => feeds::import(&engine, &file, out),
        Command::Export { file } => feeds::export(&engine, file),
        Command::Starter { out } => feeds::starter(&engine, out),
        Command::Rule(RuleCommand::Add {
            name,
            query,
            folders,
            feeds,
            no_notify,
            muted,
            backfill,
            renotify_at,
            out,
        }) => {
            let draft = wirewatch::model::RuleDraft {
                name,
                query,
                scope: wirewatch::model::RuleScope { folders, feeds },
                notify: !no_notify,
                muted,
                renotify_outlets: renotify_at,
            };
            rules::add(&engine, &draft, backfill, out)
        }
        Command::Rule(RuleCommand::Edit {
            id,
            name,
            query,
            renotify_at,
            no_renotify,
            out,
        }) => {
            let renotify = match (renotify_at, no_renotify) {
                (Some(n), _) => Some(Some(n)),
                (None, true) => Some(None),
                (None, false) => None,
            };
            rules::edit(&engine, id, name, query, renotify, out)
        }
        Command::Rule(RuleCommand::List { out }) => rules::list(&engine, out),
        Command::Rule(RuleCommand::Test { query, days, out }) => {
            rules::test(&engine, &query, days, out)
        }
        Command::Rule(RuleCommand::Remove { id }) => rules::remove(&engine, id),
        Command::Rule(RuleCommand::Spikes {
            id,
            sensitivity,
            cool_down,
            out,
        }) => rules::spikes(&engine, id, &sensitivity, cool_down, out),
        Command::Concept(ConceptCommand::List { out }) => concepts::list(&engine, out),
        Command::Concept(ConceptCommand::Add { name, variant }) => {
            concepts::add(&engine, &name, &variant)
        }
        Command::Concept(ConceptCommand::Remove { name, variant }) => {
            concepts::remove(&engine, &name, &variant)
        }
        Command::Poll {
            once: _,
            all,
            full_text,
            out,
        } => watch::poll(&engine, all, full_text, out).await,
        Command::Run => watch::run(&engine).await,
        Command::Alerts {
            unread,
            rule,
            limit,
            out,
        } => archive::alerts(&engine, unread, rule, limit, out),
        Command::Stories {
            rule,
            since,
            min_articles,
            limit,
            out,
        } => stories::list(&engine, rule, since, min_articles, limit, out),
        Command::Detach { article } => stories::detach(&engine, article),
        Command::Search {
            query,
            limit,
            starred,
            out,
        } => archive::search(&engine, query, limit, starred, out),
        Command::Trend {
            query,
            rule,
            by,
            since,
            out,
        } => trend::trend(&engine, query, rule, by, since, out),
        Command::Stats { out } => archive::stats(&engine, out),
        Command::Inspect { .. } | Command::Extract { .. } => {
            unreachable!("handled before opening the database")
        }
    }
}

/// `hour` or `day`.
fn parse_bucket(text: &str) -> Result<wirewatch::store::TrendBucket, String> {
    match text {
        "hour" => Ok(wirewatch::store::TrendBucket::Hour),
        "day" => Ok(wirewatch::store::TrendBucket::Day),
        other => Err(format!("{other:?}: use hour or day")),
    }
}
