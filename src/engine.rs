//! Engine: the one object the CLI and the desktop shell talk to.
//!
//! It owns the store, the fetcher, the compiled rules and the event channel, and offers every
//! operation as one method, so the shell's commands are thin adapters. Polling lives in
//! [`crate::poll`]; the background loop that decides when to poll is [`Engine::run`].
//!
//! The loop, in order, until shut down: poll the feeds that are due (unless paused), run
//! daily maintenance (retention, index optimisation), then sleep until the next feed is
//! due, at most a minute, or until woken (a feed or setting changed, "refresh now").

use crate::alert::Events;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::decode;
use crate::discover;
use crate::error::{Error, Result};
use crate::fetch::{Fetcher, Validators};
use crate::model::{
    AddFeedOutcome, Alert, AlertId, AlertQuery, Article, ArticleId, ArticlePage, ArticleQuery,
    EngineEvent, Feed, FeedId, ImportReport, PollSummary, QueryProblem, Rule, RuleDraft, RuleId,
    RuleScope, RuleTest, Settings, SkippedOutline, Stats, Story, StoryId, StoryQuery, TermMatch,
};
use crate::opml;
use crate::rules::{CompiledRule, Query, RuleSet};
use crate::store::{NewFeed, Store};
use chrono::{DateTime, Utc};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// The monitoring engine. Cheap to clone; clones share everything.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) store: Arc<Store>,
    pub(crate) fetcher: Fetcher,
    pub(crate) config: Config,
    clock: SharedClock,
    events: Events,
    rules: RwLock<Arc<RuleSet>>,
    pub(crate) poll_lock: tokio::sync::Mutex<()>,
    wake: Notify,
}

/// Longest sleep of the background loop: it re-reads the schedule at least this often, so a
/// laptop waking from suspend catches up within a minute.
const MAX_SLEEP: Duration = Duration::from_secs(60);

impl Engine {
    /// Opens the database in `config` and prepares to poll.
    pub fn open(config: Config, clock: SharedClock) -> Result<Engine> {
        let store = Arc::new(Store::open(&config.db_path)?);
        let fetcher = Fetcher::new(&config)?;
        let engine = Engine {
            inner: Arc::new(Inner {
                store,
                fetcher,
                config,
                clock,
                events: Events::default(),
                rules: RwLock::new(Arc::new(RuleSet::default())),
                poll_lock: tokio::sync::Mutex::new(()),
                wake: Notify::new(),
            }),
        };
        engine.reload_rules()?;
        Ok(engine)
    }

    /// The archive.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The event channel.
    pub fn events(&self) -> &Events {
        &self.inner.events
    }

    /// The configuration the engine runs with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The current time, from the injected clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    pub(crate) fn rule_set(&self) -> Arc<RuleSet> {
        self.inner
            .rules
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Recompiles the enabled rules after a change.
    fn reload_rules(&self) -> Result<()> {
        let compiled: Vec<CompiledRule> = self
            .store()
            .rules()?
            .into_iter()
            .filter(|r| !r.muted)
            .filter_map(|r| {
                // Stored queries were valid when saved; one that no longer parses (a grammar
                // change) is skipped rather than stopping every other rule, and `rules()`
                // reports it so the Rules view can ask for a fix.
                let query = match Query::parse(&r.query) {
                    Ok(q) => q,
                    Err(problem) => {
                        tracing::warn!(rule = r.id, problem = %problem.message, "rule skipped: its query no longer parses");
                        return None;
                    }
                };
                Some(CompiledRule {
                    id: r.id,
                    name: r.name,
                    notify: r.notify,
                    query,
                    scope: r.scope,
                })
            })
            .collect();
        *self.inner.rules.write().unwrap_or_else(|p| p.into_inner()) =
            Arc::new(RuleSet::new(compiled));
        Ok(())
    }

    /// Wakes the background loop to look at the schedule again.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    // ---- Feeds ----

    /// Subscribes to `url`. A web page is searched for feeds: one is subscribed to, several
    /// are returned as choices. The feed is fetched once to check it, and what it holds is
    /// stored at once (raising alerts like any poll).
    pub async fn add_feed(&self, url: &str, folder: Option<&str>) -> Result<AddFeedOutcome> {
        self.add_feed_inner(url, folder, true).await
    }

    async fn add_feed_inner(
        &self,
        url: &str,
        folder: Option<&str>,
        follow_page: bool,
    ) -> Result<AddFeedOutcome> {
        let url = normalize_url(url)?;
        if let Some(feed) = self.store().feed_by_url(&url)? {
            return Ok(AddFeedOutcome::Exists { feed });
        }
        let fetched = self
            .inner
            .fetcher
            .fetch(&url, &Validators::default())
            .await?;
        let Some(body) = fetched.body.clone() else {
            return Err(Error::InvalidFeed {
                reason: "the server sent no document".into(),
            });
        };
        let content_type = body.content_type.clone();
        if discover::looks_like_html(&body.bytes, content_type.as_deref()) {
            let found =
                discover::discover(&body.bytes, content_type.as_deref(), &fetched.final_url);
            return match found.len() {
                0 => Err(Error::NotAFeed { url, html: true }),
                1 if follow_page => {
                    Box::pin(self.add_feed_inner(&found[0].url, folder, false)).await
                }
                _ => Ok(AddFeedOutcome::Choices { feeds: found }),
            };
        }
        let check_url = fetched.final_url.clone();
        let bytes = body.bytes.clone();
        // Only the title and site are needed here; the entries are decoded again when stored.
        let doc = tokio::task::spawn_blocking(move || {
            decode::decode_limited(&bytes, content_type.as_deref(), &check_url, 0)
        })
        .await
        .map_err(|_| Error::ShuttingDown)??;
        let subscribe_url = fetched.moved_permanently_to.clone().unwrap_or(url);
        let (feed, created) = self.store().add_feed(
            &NewFeed {
                url: subscribe_url,
                title: doc.title.clone(),
                site_url: doc.site_url.clone(),
                folder: folder.map(str::to_string),
            },
            self.now(),
            self.inner.config.default_interval.as_secs() as i64,
        )?;
        if !created {
            return Ok(AddFeedOutcome::Exists { feed });
        }
        {
            let _one_at_a_time = self.inner.poll_lock.lock().await;
            let state = self.store().fetch_states(Some(&[feed.id]))?;
            let started = tokio::time::Instant::now();
            let bounds = self.bounds();
            let rules = self.rule_set();
            let mut polled = Vec::new();
            for s in state {
                polled.push(self.process(s, Ok(fetched.clone()), &bounds, &rules).await);
            }
            self.finish_poll(polled, started, rules).await?;
        }
        self.events().emit(EngineEvent::FeedsChanged);
        self.wake();
        Ok(AddFeedOutcome::Added {
            feed: self.store().feed(feed.id)?,
        })
    }

    /// All feeds.
    pub fn feeds(&self) -> Result<Vec<Feed>> {
        self.store().feeds()
    }

    /// One feed.
    pub fn feed(&self, id: FeedId) -> Result<Feed> {
        self.store().feed(id)
    }

    /// Unsubscribes (articles the user starred or that raised alerts are kept).
    pub fn remove_feed(&self, id: FeedId) -> Result<()> {
        self.store().remove_feed(id)?;
        self.events().emit(EngineEvent::FeedsChanged);
        Ok(())
    }

    /// Files a feed in a folder.
    pub fn set_feed_folder(&self, id: FeedId, folder: Option<&str>) -> Result<()> {
        self.store().set_feed_folder(id, folder)?;
        self.events().emit(EngineEvent::FeedsChanged);
        Ok(())
    }

    /// Fixes a feed's interval in seconds (`None`: adaptive).
    pub fn set_feed_interval(&self, id: FeedId, secs: Option<i64>) -> Result<()> {
        self.store().set_feed_interval(id, secs, self.now())?;
        self.events().emit(EngineEvent::FeedsChanged);
        self.wake();
        Ok(())
    }

    /// Imports the feeds of an OPML document (without fetching them; the scheduler will).
    pub fn import_opml(&self, text: &str) -> Result<ImportReport> {
        let (outlines, skipped) = opml::parse(text)?;
        let mut report = ImportReport {
            skipped,
            ..ImportReport::default()
        };
        for o in outlines {
            let new = NewFeed {
                url: o.url.clone(),
                title: o.title,
                site_url: o.site_url,
                folder: o.folder,
            };
            match self.store().add_feed(
                &new,
                self.now(),
                self.inner.config.default_interval.as_secs() as i64,
            ) {
                Ok((feed, true)) => report.added.push(feed),
                Ok((_, false)) => report.existing.push(o.url),
                Err(e) => report.skipped.push(SkippedOutline {
                    name: o.url,
                    reason: e.to_string(),
                }),
            }
        }
        if !report.added.is_empty() {
            self.events().emit(EngineEvent::FeedsChanged);
            self.wake();
        }
        Ok(report)
    }

    /// Every subscription as an OPML 2.0 document.
    pub fn export_opml(&self) -> Result<String> {
        Ok(opml::export_with_date(&self.feeds()?, self.now()))
    }

    /// Subscribes to the built-in South Asia starter pack and adds its default rule (unless a
    /// rule with that query exists). Marks the first-run offer as answered.
    pub fn add_starter_pack(&self) -> Result<ImportReport> {
        let mut report = self.import_opml(opml::STARTER_PACK)?;
        let (name, query) = opml::DEFAULT_RULE;
        if !self.store().rules()?.iter().any(|r| r.query == query) {
            let rule = self.add_rule(&RuleDraft {
                name: name.into(),
                query: query.into(),
                scope: RuleScope::default(),
                notify: true,
                muted: false,
            })?;
            report.rules_added.push(rule);
        }
        let mut settings = self.store().settings()?;
        settings.starter_offered = true;
        self.store().set_settings(&settings)?;
        Ok(report)
    }

    // ---- Rules ----

    /// Checks a query; `None` when it is valid.
    pub fn validate_query(query: &str) -> Option<QueryProblem> {
        Query::parse(query).err()
    }

    fn check_draft(&self, draft: &RuleDraft) -> Result<()> {
        if draft.name.trim().is_empty() {
            return Err(Error::InvalidRule("a rule needs a name".into()));
        }
        Query::parse(&draft.query).map_err(Error::InvalidQuery)?;
        let feeds = self.store().feeds()?;
        for id in &draft.scope.feeds {
            if !feeds.iter().any(|f| f.id == *id) {
                return Err(Error::InvalidRule(format!(
                    "feed {id} in the rule's scope does not exist"
                )));
            }
        }
        Ok(())
    }

    /// Saves a new rule; an invalid query saves nothing.
    pub fn add_rule(&self, draft: &RuleDraft) -> Result<Rule> {
        self.check_draft(draft)?;
        let rule = self.store().add_rule(draft, self.now())?;
        self.reload_rules()?;
        self.events().emit(EngineEvent::RulesChanged);
        Ok(rule)
    }

    /// Changes a rule; an invalid query changes nothing.
    pub fn update_rule(&self, id: RuleId, draft: &RuleDraft) -> Result<Rule> {
        self.check_draft(draft)?;
        let rule = self.store().update_rule(id, draft)?;
        self.reload_rules()?;
        self.events().emit(EngineEvent::RulesChanged);
        Ok(rule)
    }

    /// Deletes a rule and its alerts.
    pub fn remove_rule(&self, id: RuleId) -> Result<()> {
        self.store().remove_rule(id)?;
        self.reload_rules()?;
        self.events().emit(EngineEvent::RulesChanged);
        Ok(())
    }

    /// All rules, each with the problem of its query if it no longer parses.
    pub fn rules(&self) -> Result<Vec<Rule>> {
        let mut rules = self.store().rules()?;
        for rule in &mut rules {
            rule.problem = Query::parse(&rule.query).err();
        }
        Ok(rules)
    }

    /// What `query` would have matched in the last `days` days within `scope`.
    pub fn test_rule(&self, query: &str, scope: &RuleScope, days: u32) -> Result<RuleTest> {
        let parsed = Query::parse(query).map_err(Error::InvalidQuery)?;
        let days = days.clamp(1, 3650);
        let since = self.now() - chrono::Duration::days(days as i64);
        self.store().rule_test(&parsed, scope, since, days, 5)
    }

    // ---- Alerts and articles ----

    /// Alerts, newest first.
    pub fn alerts(&self, q: &AlertQuery) -> Result<Vec<Alert>> {
        self.store().alerts(q)
    }

    /// Stories (articles of several outlets reporting one event), most recently updated first.
    pub fn stories(&self, q: &StoryQuery) -> Result<Vec<Story>> {
        self.store().stories(q)
    }

    /// One story, with its outlets and articles.
    pub fn story(&self, id: StoryId) -> Result<Story> {
        self.store().story(id)
    }

    /// The story an article belongs to (the reader's "also reported by").
    pub fn story_of_article(&self, article: ArticleId) -> Result<Story> {
        self.store().story_of_article(article)
    }

    /// Takes an article out of its story, for good; returns the story it now has alone.
    pub fn detach_from_story(&self, article: ArticleId) -> Result<StoryId> {
        let story = self.store().detach_from_story(article)?;
        self.alerts_changed()?;
        Ok(story)
    }

    /// Marks an alert read or unread.
    pub fn set_alert_read(&self, id: AlertId, read: bool) -> Result<()> {
        self.store().set_alert_read(id, read)?;
        self.alerts_changed()
    }

    /// Marks all alerts (of a rule, or all) read.
    pub fn mark_alerts_read(&self, rule: Option<RuleId>) -> Result<u64> {
        let changed = self.store().mark_alerts_read(rule)?;
        self.alerts_changed()?;
        Ok(changed)
    }

    /// Tells listeners (the tray's unread count, other windows) that read state changed.
    fn alerts_changed(&self) -> Result<()> {
        let unread = self.store().unread_alert_count()?;
        self.events().emit(EngineEvent::AlertsChanged { unread });
        Ok(())
    }

    /// Unread alerts.
    pub fn unread_alert_count(&self) -> Result<i64> {
        self.store().unread_alert_count()
    }

    /// A page of articles; `q.query` is in the rule language (an invalid one is an error).
    pub fn articles(&self, q: &ArticleQuery) -> Result<ArticlePage> {
        let parsed = parse_article_query(&q.query)?;
        self.store().articles(q, parsed.as_ref())
    }

    /// How many articles match `q` in all: the exact figure where a page gave a bound.
    pub fn article_count(&self, q: &ArticleQuery) -> Result<u64> {
        let parsed = parse_article_query(&q.query)?;
        self.store().article_count(q, parsed.as_ref())
    }

    /// One article.
    pub fn article(&self, id: ArticleId) -> Result<Article> {
        self.store().article(id)
    }

    /// Where `query` matches an article, for highlighting.
    pub fn article_matches(&self, id: ArticleId, query: &str) -> Result<Vec<TermMatch>> {
        let parsed = Query::parse(query).map_err(Error::InvalidQuery)?;
        self.store().article_matches(id, &parsed)
    }

    /// Marks an article read or unread.
    pub fn set_article_read(&self, id: ArticleId, read: bool) -> Result<()> {
        self.store().set_article_read(id, read)
    }

    /// Stars or unstars an article.
    pub fn set_article_starred(&self, id: ArticleId, starred: bool) -> Result<()> {
        self.store().set_article_starred(id, starred)
    }

    /// Counts.
    pub fn stats(&self) -> Result<Stats> {
        self.store().stats()
    }

    // ---- Settings ----

    /// Current settings.
    pub fn settings(&self) -> Result<Settings> {
        self.store().settings()
    }

    /// Saves settings and applies them.
    pub fn set_settings(&self, settings: &Settings) -> Result<Settings> {
        if settings.min_interval_secs < 60
            || settings.max_interval_secs < settings.min_interval_secs
        {
            return Err(Error::InvalidRule(
                "the shortest interval must be at least 60 seconds and no longer than the longest"
                    .into(),
            ));
        }
        let before = self.store().settings()?;
        self.store().set_settings(settings)?;
        if before.paused != settings.paused {
            self.events().emit(EngineEvent::MonitoringChanged {
                paused: settings.paused,
            });
        }
        self.wake();
        Ok(settings.clone())
    }

    /// Pauses or resumes monitoring.
    pub fn set_paused(&self, paused: bool) -> Result<()> {
        let mut s = self.store().settings()?;
        s.paused = paused;
        self.set_settings(&s).map(|_| ())
    }

    /// Deletes articles past the retention period in settings (never starred or alerted).
    pub fn apply_retention(&self) -> Result<u64> {
        let days = self
            .settings()?
            .retention_days
            .or(self.inner.config.retention_days);
        match days {
            Some(d) if d > 0 => self
                .store()
                .delete_older_than(self.now() - chrono::Duration::days(d as i64)),
            _ => Ok(0),
        }
    }

    // ---- The background loop ----

    /// Polls feeds as they come due until `shutdown` is cancelled.
    pub async fn run(&self, shutdown: CancellationToken) -> Result<()> {
        let mut last_maintenance: Option<DateTime<Utc>> = None;
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            let paused = self.settings()?.paused;
            if !paused {
                tokio::select! {
                    result = self.poll_due() => {
                        if let Err(e) = result {
                            // A poll that could not be stored is retried next time round;
                            // the loop itself must outlive any one failure.
                            tracing::warn!(error = %e, "poll failed");
                        }
                    }
                    _ = shutdown.cancelled() => break,
                }
            }
            let now = self.now();
            if last_maintenance.is_none_or(|t| now - t >= chrono::Duration::days(1)) {
                last_maintenance = Some(now);
                // Merging a large archive's index takes seconds: off the async threads.
                let engine = self.clone();
                let done = tokio::task::spawn_blocking(move || {
                    engine
                        .apply_retention()
                        .and_then(|_| engine.store().optimize())
                })
                .await;
                match done {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "maintenance failed"),
                    Err(e) => tracing::warn!(error = %e, "maintenance stopped"),
                }
            }
            let wait = match (paused, self.store().next_due()?) {
                (false, Some(at)) => (at - self.now()).to_std().unwrap_or(Duration::ZERO),
                _ => MAX_SLEEP,
            }
            .min(MAX_SLEEP);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.inner.wake.notified() => {}
                _ = shutdown.cancelled() => break,
            }
        }
        Ok(())
    }

    /// Polls everything now ("Refresh all").
    pub async fn refresh_all(&self) -> Result<PollSummary> {
        self.poll_all().await
    }
}

/// Accepts what people paste: surrounding spaces, a missing scheme (https assumed), `feed:`.
pub fn normalize_url(input: &str) -> Result<String> {
    let mut s = input.trim().to_string();
    for prefix in ["feed://", "feed:"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_string();
        }
    }
    if !s.contains("://") {
        s = format!("https://{s}");
    }
    let url = url::Url::parse(&s).map_err(|e| Error::InvalidUrl {
        url: input.to_string(),
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(Error::InvalidUrl {
            url: input.to_string(),
            reason: "only http and https addresses can be followed".into(),
        });
    }
    Ok(url.to_string())
}

/// An article search's query in the rule language; empty: none.
fn parse_article_query(query: &str) -> Result<Option<Query>> {
    if query.trim().is_empty() {
        return Ok(None);
    }
    Query::parse(query).map(Some).map_err(Error::InvalidQuery)
}
