//! How the command line prints: JSON for `--json`, and a plain table or sentence for people.
//!
//! Each function takes what an engine call returned and writes it to stdout (or, for
//! progress and the running log, stderr); none of them calls the engine.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use wirewatch::extract::Extracted;
use wirewatch::model::{
    AddFeedOutcome, Alert, ArticlePage, EngineEvent, Feed, ImportReport, PollSummary, Rule,
    RuleTest, Stats,
};
use wirewatch::rules::lexicon::Concept;

/// `value` as pretty-printed JSON, one document.
pub fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// The subscriptions with their status, or how to add one.
pub fn feeds(feeds: &[Feed]) {
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
}

/// What adding `url` did: one line, or the choices a page offers. Failures go to stderr.
pub fn add_outcome(url: &str, outcome: &Result<AddFeedOutcome, wirewatch::Error>) {
    match outcome {
        Ok(AddFeedOutcome::Added { feed }) => println!(
            "Added {} ({}): {} articles",
            feed.title, feed.url, feed.article_count
        ),
        Ok(AddFeedOutcome::Exists { feed }) => println!(
            "Already subscribed to {} ({}); nothing changed.",
            feed.title, feed.url
        ),
        Ok(AddFeedOutcome::Choices { feeds }) => {
            println!("{url} offers several feeds; add the one you want:");
            for f in feeds {
                println!("  {}  {}", f.url, f.title.as_deref().unwrap_or_default());
            }
        }
        Err(e) => eprintln!("wirewatch: error: {url}: {e}"),
    }
}

/// An OPML import's counts and what was skipped.
pub fn import_report(report: &ImportReport) {
    println!(
        "Imported {} feeds, {} already subscribed, {} skipped.",
        report.added.len(),
        report.existing.len(),
        report.skipped.len()
    );
    for s in &report.skipped {
        println!("  skipped {}: {}", s.name, s.reason);
    }
}

/// The starter pack's counts and what to do next.
pub fn starter_report(report: &ImportReport) {
    println!(
        "Subscribed to {} South Asia feeds ({} already there); {} rule(s) added.",
        report.added.len(),
        report.existing.len(),
        report.rules_added.len()
    );
    println!("Run `wirewatch poll` to fetch them now, or `wirewatch run` to keep watching.");
}

/// A poll's summary in one sentence.
pub fn poll_summary(summary: &PollSummary) {
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
}

/// The rules with their counts, or how to add one.
pub fn rules(rules: &[Rule]) {
    if rules.is_empty() {
        println!("No rules yet. Add one with `wirewatch rule add NAME QUERY`.");
    }
    for r in rules {
        println!(
            "{:>4}  {}{}{}  {} alerts ({} unread)\n      {}",
            r.id,
            r.name,
            if r.muted { " (muted)" } else { "" },
            r.renotify_outlets
                .map(|n| format!(" (again at {n} outlets)"))
                .unwrap_or_default(),
            r.alert_count,
            r.unread_count,
            r.query
        );
    }
}

/// Concepts, one a line: `@name`, then its spellings (language, and `*` for the user's own).
pub fn concepts(concepts: &[Concept]) {
    if concepts.is_empty() {
        println!("No concepts. Add one with `wirewatch concept add NAME VARIANT`.");
    }
    for c in concepts {
        let variants: Vec<String> = c
            .variants
            .iter()
            .map(|v| {
                let lang = v
                    .lang
                    .as_deref()
                    .map(|l| format!(" [{l}]"))
                    .unwrap_or_default();
                let mine = if v.shipped { "" } else { " *" };
                format!("{}{lang}{mine}", v.text)
            })
            .collect();
        println!(
            "@{}
      {}",
            c.name,
            variants.join(" · ")
        );
    }
    if concepts
        .iter()
        .any(|c| c.variants.iter().any(|v| !v.shipped))
    {
        println!("(* added by you)");
    }
}

/// What a query would have matched, with a few samples.
pub fn rule_test(test: &RuleTest) {
    println!(
        "Would have matched {} articles in the last {} days.",
        test.count, test.days
    );
    for s in &test.samples {
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
}

/// Alerts, unread ones marked.
pub fn alerts(alerts: &[Alert]) {
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
}

/// A page of search results with the total.
pub fn articles(page: &ArticlePage) {
    println!("{} articles match.", page.total);
    for a in &page.articles {
        let when = a.published.unwrap_or(a.fetched).format("%Y-%m-%d %H:%M");
        println!(
            "{:>6} {when} {}{}\n       {} {}",
            a.id,
            if a.starred { "★ " } else { "" },
            a.title,
            a.feeds.first().map(|f| f.title.as_str()).unwrap_or(""),
            a.url.as_deref().unwrap_or_default()
        );
    }
}

/// The archive's counts.
pub fn stats(s: &Stats) {
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
}

/// One event of `wirewatch run`: alerts on stdout, polls and feed errors on stderr.
pub fn watch_event(event: EngineEvent) {
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

/// A poll's progress bar on stderr, drawn from its events.
#[derive(Default)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Moves the bar along with `event`.
    pub fn update(&mut self, event: &EngineEvent) {
        match event {
            EngineEvent::PollStarted { feeds } => {
                let b = ProgressBar::new(*feeds);
                b.set_style(
                    ProgressStyle::with_template(
                        "{spinner} {pos}/{len} feeds {wide_bar} {elapsed}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                self.bar = Some(b);
            }
            EngineEvent::PollProgress { done, .. } => {
                if let Some(b) = &self.bar {
                    b.set_position(*done);
                }
            }
            EngineEvent::PollFinished { .. } => {
                if let Some(b) = self.bar.take() {
                    b.finish_and_clear();
                }
            }
            _ => {}
        }
    }
}

/// `extract` without `--json`: a short header of what was found, then the text.
pub fn extracted(page: &Extracted) {
    let line = |label: &str, value: Option<&str>| {
        if let Some(value) = value {
            println!("{label:<10}{value}");
        }
    };
    line("Title:", page.title.as_deref());
    line("By:", page.byline.as_deref());
    line(
        "Published:",
        page.published.map(|p| p.to_rfc3339()).as_deref(),
    );
    line("Language:", page.lang.as_deref());
    line("Image:", page.image.as_deref());
    line("URL:", Some(&page.url));
    line("Words:", Some(&page.words.to_string()));
    println!("\n{}", page.text);
}

/// A span of seconds in its largest whole unit: `5 min`, `6 h`, `2 d`, `90 s`.
pub fn span(secs: i64) -> String {
    match secs {
        s if s > 0 && s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s > 0 && s % 3_600 == 0 => format!("{} h", s / 3_600),
        s if s > 0 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}
