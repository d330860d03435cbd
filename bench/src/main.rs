//! `wirewatch-bench`: the Rust side of the benchmark suite (`bench/run` drives it).
//!
//! Subcommands, in the order a run uses them:
//! 1. `corpus` writes the feed files nginx serves, `lists` the URL list and OPML for a port;
//! 2. `rules` writes generated alert rules (Wirewatch query and FTS5 form, for the peer);
//! 3. `setup` subscribes a fresh database to the feeds and adds the rules, without fetching;
//! 4. `poll` polls every feed once with a chosen configuration (the CLI uses the defaults);
//!    `add-list` subscribes a fresh database to a list of URLs, fetching each feed as it is
//!    added (`feed add --file`), in one pass or, with `--one-by-one`, as it was before;
//! 5. `matching` and `search-build` / `search` are the in-process scenarios; `stages` splits
//!    a cold ingest into the engine's stages to show where time and memory go; `grouping`
//!    scores story grouping on the labelled set and times it as the archive grows.
//! 6. `decode-corpus` prints what decoding makes of every file of a folder of feed documents,
//!    for `bench/agreement.py` (not part of a run).
//! 7. `trend` times trends over the search archive, `spikes` the spike checks after a poll.
//! 8. `full-text` is a cold poll in which one feed in ten fetches its articles' pages (served
//!    by the harness itself), beside a baseline without, both in one run.
//!
//! Results are printed as one JSON object per line on stdout, for `bench/report.py`.

mod agreement;
mod corpus;
mod full_text;
mod grouping;
mod matching;
mod search;
mod stages;
mod trend;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use wirewatch::model::{RuleDraft, RuleScope};
use wirewatch::{Config, Engine, SystemClock};

#[derive(Parser)]
#[command(name = "wirewatch-bench", about = "Wirewatch benchmark harness")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write F feeds of K items into a directory.
    Corpus {
        /// Output directory.
        #[arg(long)]
        dir: PathBuf,
        /// Number of feeds.
        #[arg(long)]
        feeds: usize,
        /// Items per feed.
        #[arg(long)]
        items: usize,
        /// Seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Write urls.txt and feeds.opml for the first F feeds served at a base URL.
    Lists {
        /// Where to write.
        #[arg(long)]
        dir: PathBuf,
        /// Number of feeds.
        #[arg(long)]
        feeds: usize,
        /// Base URL of the server, e.g. http://127.0.0.1:8080/
        #[arg(long)]
        base: String,
        /// Seed (for feed titles).
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Write N generated rules as JSON lines: {name, query, fts}.
    Rules {
        /// How many.
        #[arg(long)]
        count: usize,
        /// Where to write.
        #[arg(long)]
        out: PathBuf,
        /// Seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Subscribe a database to an OPML file and add rules from a JSON-lines file.
    Setup {
        /// Database.
        #[arg(long)]
        db: PathBuf,
        /// OPML file.
        #[arg(long)]
        opml: PathBuf,
        /// Rules file (from `rules`).
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Poll every feed once through the engine, with chosen fetch limits.
    Poll {
        /// Database.
        #[arg(long)]
        db: PathBuf,
        /// Requests in flight to one host.
        #[arg(long, default_value_t = 2)]
        per_host: usize,
        /// Requests in flight overall.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Store each new article as a story of its own (no story signature, no grouping):
        /// what grouping is measured against.
        #[arg(long)]
        no_grouping: bool,
    },
    /// Full text: a cold poll with one feed in ten fetching every article's page (served on
    /// loopback by this process), beside a baseline without; times and peak memory.
    FullText {
        /// Working directory (feed files, two databases).
        #[arg(long)]
        dir: PathBuf,
        /// Number of feeds.
        #[arg(long, default_value_t = 1000)]
        feeds: usize,
        /// Items per feed.
        #[arg(long, default_value_t = 50)]
        items: usize,
        /// One feed in this many fetches full texts.
        #[arg(long, default_value_t = 10)]
        every: usize,
        /// Generated rules.
        #[arg(long, default_value_t = 100)]
        rules: usize,
        /// Seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// One measured run of `full-text`, in its own process (started by it).
    #[command(hide = true)]
    FullTextRun {
        /// Database (fresh).
        #[arg(long)]
        db: PathBuf,
        /// Subscriptions.
        #[arg(long)]
        opml: PathBuf,
        /// One feed in this many fetches full texts; 0: none.
        #[arg(long)]
        every: usize,
        /// Generated rules.
        #[arg(long)]
        rules: usize,
        /// Seed.
        #[arg(long)]
        seed: u64,
    },
    /// Story grouping: precision and recall on the labelled set, cost per article by archive size.
    Grouping {
        /// Archive sizes to fill the index with, separated by commas.
        #[arg(long, default_value = "100000,1000000")]
        archives: String,
        /// Articles placed and timed after filling.
        #[arg(long, default_value_t = 20_000)]
        measure: usize,
        /// Articles a day in the generated archive.
        #[arg(long, default_value_t = 50_000)]
        per_day: usize,
        /// Seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Subscribe a fresh database to a list of URLs, storing what each feed holds.
    AddList {
        /// Database (must not exist).
        #[arg(long)]
        db: PathBuf,
        /// The URLs, one per line (from `lists`).
        #[arg(long)]
        urls: PathBuf,
        /// Add the feeds one after another, each with its own poll (the path before
        /// the list path of `Engine::add_feeds`), for comparison.
        #[arg(long)]
        one_by_one: bool,
    },
    /// Articles per second through `RuleSet::matching` for several rule counts.
    Matching {
        /// Rule counts, comma-separated.
        #[arg(long, default_value = "10,100,1000,10000")]
        rules: String,
        /// Distinct articles to match.
        #[arg(long, default_value_t = 5000)]
        articles: usize,
        /// Runs per rule count (the median is reported).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Build an archive of N articles through `Store::apply_poll`.
    SearchBuild {
        /// Database (must not exist).
        #[arg(long)]
        db: PathBuf,
        /// Articles.
        #[arg(long)]
        articles: usize,
        /// Feeds they come from.
        #[arg(long, default_value_t = 1000)]
        feeds: usize,
        /// Rules enabled while building.
        #[arg(long, default_value_t = 100)]
        rules: usize,
        /// Seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Time and memory of each ingest stage on the corpus files, without HTTP.
    Stages {
        /// Corpus directory (from `corpus`).
        #[arg(long)]
        dir: PathBuf,
        /// Feeds to take.
        #[arg(long)]
        feeds: usize,
        /// Rules for the second store pass.
        #[arg(long, default_value_t = 100)]
        rules: usize,
        /// Scratch database (overwritten).
        #[arg(long)]
        db: PathBuf,
        /// Seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Time raw SQL statements against an archive (to see which part of a search costs).
    Sql {
        /// Database.
        #[arg(long)]
        db: PathBuf,
        /// Times each statement runs (the median is printed).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Statements; each is stepped to the end.
        statements: Vec<String>,
    },
    /// What decoding makes of each file of a folder of feed documents, one JSON line each.
    DecodeCorpus {
        /// Folder of feed documents (read recursively).
        #[arg(long)]
        dir: PathBuf,
    },
    /// Latency of typical searches over an archive.
    Search {
        /// Database.
        #[arg(long)]
        db: PathBuf,
        /// Times each query is run (after one warm-up).
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Latency of year-by-day trends of typical queries over an archive.
    Trend {
        /// Database (from `search-build`).
        #[arg(long)]
        db: PathBuf,
        /// Times each query is run (after one warm-up).
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// Days the trend covers, up to the newest article.
        #[arg(long, default_value_t = 365)]
        days: i64,
        /// Buckets by hour rather than by day.
        #[arg(long)]
        hourly: bool,
    },
    /// Latency of one spike check of every watched rule.
    Spikes {
        /// Watched rules.
        #[arg(long, default_value_t = 1000)]
        rules: usize,
        /// Checks timed.
        #[arg(long, default_value_t = 100)]
        runs: usize,
    },
}

#[global_allocator]
static ALLOCATOR: wirewatch::Allocator = wirewatch::Allocator;

fn main() -> anyhow::Result<()> {
    wirewatch::settle_memory();
    let cli = Cli::parse();
    match cli.command {
        Command::Corpus {
            dir,
            feeds,
            items,
            seed,
        } => write_corpus(&dir, feeds, items, seed),
        Command::Lists {
            dir,
            feeds,
            base,
            seed,
        } => write_lists(&dir, feeds, &base, seed),
        Command::Rules { count, out, seed } => {
            let mut s = String::new();
            for r in corpus::rules(seed, count) {
                s.push_str(
                    &serde_json::json!({"name": r.name, "query": r.query, "fts": r.fts})
                        .to_string(),
                );
                s.push('\n');
            }
            std::fs::write(&out, s).with_context(|| format!("writing {}", out.display()))
        }
        Command::Setup { db, opml, rules } => setup(&db, &opml, rules.as_deref()),
        Command::Poll {
            db,
            per_host,
            concurrency,
            no_grouping,
        } => poll(&db, per_host, concurrency, !no_grouping),
        Command::AddList {
            db,
            urls,
            one_by_one,
        } => add_list(&db, &urls, one_by_one),
        Command::Matching {
            rules,
            articles,
            runs,
            seed,
        } => {
            let counts: Vec<usize> = rules
                .split(',')
                .map(|s| s.trim().parse())
                .collect::<Result<_, _>>()
                .context("--rules takes numbers separated by commas")?;
            matching::run(&counts, articles, runs.max(1), seed)
        }
        Command::SearchBuild {
            db,
            articles,
            feeds,
            rules,
            seed,
        } => search::build(&db, articles, feeds.max(1), rules, seed),
        Command::Search { db, runs } => search::run(&db, runs.max(1)),
        Command::DecodeCorpus { dir } => agreement::run(&dir),
        Command::Trend {
            db,
            runs,
            days,
            hourly,
        } => trend::run(&db, runs.max(1), days.max(1), hourly),
        Command::Spikes { rules, runs } => trend::spikes(rules, runs.max(1)),
        Command::Sql {
            db,
            runs,
            statements,
        } => search::sql(&db, runs.max(1), &statements),
        Command::FullText {
            dir,
            feeds,
            items,
            every,
            rules,
            seed,
        } => full_text::run(&dir, feeds, items, every, rules, seed),
        Command::FullTextRun {
            db,
            opml,
            every,
            rules,
            seed,
        } => full_text::run_one(&db, &opml, every, rules, seed),
        Command::Grouping {
            archives,
            measure,
            per_day,
            seed,
        } => {
            let sizes: Vec<usize> = archives
                .split(',')
                .map(|s| s.trim().parse())
                .collect::<Result<_, _>>()
                .context("--archives takes numbers separated by commas")?;
            grouping::run(&sizes, measure.max(1), per_day, seed)
        }
        Command::Stages {
            dir,
            feeds,
            rules,
            db,
            seed,
        } => stages::run(&dir, feeds, rules, &db, seed),
    }
}

fn write_corpus(
    dir: &std::path::Path,
    feeds: usize,
    items: usize,
    seed: u64,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let started = std::time::Instant::now();
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let bytes: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                s.spawn(move || -> anyhow::Result<u64> {
                    let mut total = 0;
                    for f in (w..feeds).step_by(workers) {
                        let doc = corpus::feed_document(seed, f, items);
                        let path = dir.join(corpus::file_name(f));
                        std::fs::write(&path, &doc)
                            .with_context(|| format!("writing {}", path.display()))?;
                        total += doc.len() as u64;
                    }
                    Ok(total)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("corpus worker panicked"))
            .sum::<anyhow::Result<u64>>()
    })?;
    eprintln!(
        "corpus: {feeds} feeds x {items} items, {:.1} MB in {:.1} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn write_lists(dir: &std::path::Path, feeds: usize, base: &str, seed: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let base = base.trim_end_matches('/');
    let mut urls = String::new();
    let mut opml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head><title>bench</title></head>\n<body>\n",
    );
    for f in 0..feeds {
        let url = format!("{base}/{}", corpus::file_name(f));
        urls.push_str(&url);
        urls.push('\n');
        opml.push_str(&format!(
            "<outline type=\"rss\" text=\"{t}\" title=\"{t}\" xmlUrl=\"{url}\"/>\n",
            t = corpus::escape(&corpus::feed_title(seed, f))
        ));
    }
    opml.push_str("</body>\n</opml>\n");
    std::fs::write(dir.join("urls.txt"), urls)?;
    std::fs::write(dir.join("feeds.opml"), opml)?;
    Ok(())
}

fn setup(
    db: &std::path::Path,
    opml: &std::path::Path,
    rules: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let engine = Engine::open(Config::new(db), Arc::new(SystemClock))?;
    let text =
        std::fs::read_to_string(opml).with_context(|| format!("reading {}", opml.display()))?;
    let report = engine.import_opml(&text)?;
    let mut added = 0;
    if let Some(path) = rules {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line)?;
            engine.add_rule(&RuleDraft {
                name: v["name"].as_str().unwrap_or("rule").to_string(),
                query: v["query"].as_str().unwrap_or_default().to_string(),
                scope: RuleScope::default(),
                notify: true,
                muted: false,
                renotify_outlets: None,
            })?;
            added += 1;
        }
    }
    eprintln!("setup: {} feeds, {added} rules", report.added.len());
    Ok(())
}

fn poll(
    db: &std::path::Path,
    per_host: usize,
    concurrency: usize,
    grouping: bool,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let mut config = Config::new(db);
        config.max_requests_per_host = per_host;
        config.max_concurrent_requests = concurrency;
        config.group_stories = grouping;
        let engine = Engine::open(config, Arc::new(SystemClock))?;
        let summary = engine.poll_all().await?;
        println!("{}", serde_json::to_string(&summary)?);
        Ok(())
    })
}

fn add_list(db: &std::path::Path, urls: &std::path::Path, one_by_one: bool) -> anyhow::Result<()> {
    anyhow::ensure!(
        !db.exists(),
        "{} exists; add-list needs a fresh one",
        db.display()
    );
    let text =
        std::fs::read_to_string(urls).with_context(|| format!("reading {}", urls.display()))?;
    let urls: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let engine = Engine::open(Config::new(db), Arc::new(SystemClock))?;
        let started = std::time::Instant::now();
        let failed = if one_by_one {
            let mut failed = 0;
            for url in &urls {
                failed += usize::from(engine.add_feed(url, None).await.is_err());
            }
            failed
        } else {
            let added = engine.add_feeds(&urls, None).await?;
            added.iter().filter(|(_, o)| o.is_err()).count()
        };
        let wall_s = started.elapsed().as_secs_f64();
        let stats = engine.stats()?;
        println!(
            "{}",
            serde_json::json!({
                "scenario": "add_list",
                "mode": if one_by_one { "one_by_one" } else { "one_pass" },
                "feeds": urls.len(),
                "failed": failed,
                "articles": stats.articles,
                "wall_s": wall_s,
            })
        );
        Ok(())
    })
}
