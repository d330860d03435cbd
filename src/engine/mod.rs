//! Engine: the one object the CLI and the desktop shell talk to.
//!
//! It owns the store, the poller, the compiled rules and the event channel, and offers every
//! operation as one method, so the shell's commands are thin adapters. Polling lives in
//! [`crate::poll`]; the background loop that decides when to poll is [`Engine::run`].
//!
//! Two kinds of method, one discipline: `async` methods never block the thread that awaits
//! them (each SQLite call goes to a blocking thread, decoding to the decoding threads), so
//! callers await them on any runtime; the plain methods read or write SQLite where they are
//! called, and async callers run them on a blocking thread (`spawn_blocking`), since a write
//! may wait up to a few seconds for a poll's transaction.
//!
//! The loop, in order, until shut down: poll the feeds that are due (unless paused; while
//! offline, probe one feed instead), run daily maintenance (retention, index optimisation),
//! then sleep until the next feed is due (offline: until the next probe), at most a minute,
//! or until woken (a feed or setting changed, "refresh now", back online). Beside it, a
//! second loop fetches the full texts polls queue ([`crate::full_text`]), woken by each
//! commit of a poll.
//!
//! Subscribing (one address, a list, OPML, the starter pack) lives in `feeds`, rules and the
//! lexicon in `rules`; trends, spikes and health in [`crate::coverage`].

use crate::alert::Events;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::fetch::Fetcher;
use crate::full_text::{Pages, PagesDone};
use crate::model::{
    Alert, AlertId, AlertQuery, Article, ArticleId, ArticlePage, ArticleQuery, ArticleStory,
    EngineEvent, FeedId, PollSummary, RuleId, Settings, Stats, Story, StoryId, StoryQuery,
    TermMatch,
};
use crate::poll::{on_store, Poller};
use crate::rules::{CompiledRule, Query, RuleSet};
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

mod feeds;
mod rules;

/// The monitoring engine. Cheap to clone; clones share everything.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<Store>,
    poller: Poller,
    config: Config,
    clock: SharedClock,
    events: Events,
    rules: RwLock<Arc<RuleSet>>,
    wake: Notify,
    /// Spike counts and the offline state, kept between polls (shared with the poller).
    watch: Arc<crate::coverage::Watch>,
    /// The full-text stage, woken by the poller's commits.
    pages: Pages,
}

/// Longest sleep of the background loop: it re-reads the schedule at least this often, so a
/// laptop waking from suspend catches up within a minute.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// The pause of the full-text loop after a round failed (the archive could not be written).
const RETRY_FULL_TEXTS: Duration = Duration::from_secs(10);

impl Engine {
    /// Opens the database in `config` and prepares to poll.
    pub fn open(config: Config, clock: SharedClock) -> Result<Engine> {
        let store = Arc::new(Store::open(&config.db_path)?);
        store.set_story_grouping(config.group_stories);
        let fetcher = Fetcher::with_clock(&config, clock.clone())?;
        let events = Events::default();
        let watch = Arc::new(crate::coverage::Watch::default());
        let pages = Pages::new(
            store.clone(),
            fetcher.clone(),
            &config,
            clock.clone(),
            events.clone(),
            watch.clone(),
        );
        let poller = Poller::new(
            store.clone(),
            fetcher,
            config.clone(),
            clock.clone(),
            events.clone(),
            watch.clone(),
            pages.wake.clone(),
        );
        let engine = Engine {
            inner: Arc::new(Inner {
                store,
                poller,
                config,
                clock,
                events,
                rules: RwLock::new(Arc::new(RuleSet::default())),
                wake: Notify::new(),
                watch,
                pages,
            }),
        };
        engine.reload_rules()?;
        Ok(engine)
    }

    /// The archive, for the plain (blocking) methods.
    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Spike counts and the offline state.
    pub(crate) fn watch(&self) -> &crate::coverage::Watch {
        &self.inner.watch
    }

    /// Runs `work` with the archive on a blocking thread (see the module's introduction).
    async fn on_store<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        on_store(&self.inner.store, work).await
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

    fn rule_set(&self) -> Arc<RuleSet> {
        self.inner
            .rules
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Recompiles the enabled rules after a change.
    fn reload_rules(&self) -> Result<()> {
        let lexicon = self.store().lexicon()?;
        let compiled: Vec<CompiledRule> = self
            .store()
            .rules()?
            .into_iter()
            .filter(|r| !r.muted)
            .filter_map(|r| {
                // Stored queries were valid when saved; one that no longer parses (a grammar
                // change) is skipped rather than stopping every other rule, and `rules()`
                // reports it so the Rules view can ask for a fix.
                let query = match Query::parse_with(&r.query, &lexicon) {
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
        self.sync_spikes();
        Ok(())
    }

    /// Wakes the background loop to look at the schedule again.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
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

    /// The stories of a list's articles, in the order given: the Articles view groups its
    /// list by them.
    pub fn article_stories(&self, articles: &[ArticleId]) -> Result<Vec<ArticleStory>> {
        self.store().article_stories(articles)
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
        let parsed = self.parse_article_query(&q.query)?;
        self.store().articles(q, parsed.as_ref())
    }

    /// How many articles match `q` in all: the exact figure where a page gave a bound.
    pub fn article_count(&self, q: &ArticleQuery) -> Result<u64> {
        let parsed = self.parse_article_query(&q.query)?;
        self.store().article_count(q, parsed.as_ref())
    }

    /// One article.
    pub fn article(&self, id: ArticleId) -> Result<Article> {
        self.store().article(id)
    }

    /// Where `query` matches an article, for highlighting.
    pub fn article_matches(&self, id: ArticleId, query: &str) -> Result<Vec<TermMatch>> {
        let parsed = self.parse_query(query)?;
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
        let floor = crate::config::SHORTEST_ALLOWED_INTERVAL.as_secs();
        if u64::from(settings.min_interval_secs) < floor
            || settings.max_interval_secs < settings.min_interval_secs
        {
            return Err(Error::InvalidSettings(
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

    /// Polls feeds as they come due until `shutdown` is cancelled, and fetches the full
    /// texts they queue beside ([`Engine::run_full_texts`]).
    pub async fn run(&self, shutdown: CancellationToken) -> Result<()> {
        // Its own token, so a poll loop that stops on an error stops the pages too.
        let pages_shutdown = shutdown.child_token();
        let pages = tokio::spawn({
            let (engine, shutdown) = (self.clone(), pages_shutdown.clone());
            async move { engine.run_full_texts(shutdown).await }
        });
        let polled = self.run_polls(&shutdown).await;
        pages_shutdown.cancel();
        let _ = pages.await;
        polled
    }

    /// Fetches the full texts of queued articles as they come due (woken by each commit of a
    /// poll), until `shutdown` is cancelled; nothing while monitoring is paused.
    async fn run_full_texts(&self, shutdown: CancellationToken) {
        loop {
            let paused = match self.on_store(|s| s.settings()).await {
                Ok(s) => s.paused,
                Err(Error::ShuttingDown) => return,
                Err(_) => false,
            };
            let mut failed = false;
            if !paused {
                tokio::select! {
                    result = self.fetch_full_texts() => match result {
                        Ok(_) => {}
                        Err(Error::ShuttingDown) => return,
                        // The queue is kept in the archive: a later round takes it up again.
                        Err(e) => {
                            tracing::warn!(error = %e, "full texts failed");
                            failed = true;
                        }
                    },
                    _ = shutdown.cancelled() => return,
                }
            }
            let next = self.inner.pages.next_due().await.ok().flatten();
            let wait = match (paused, next) {
                (false, Some(at)) => (at - self.now()).to_std().unwrap_or(Duration::ZERO),
                _ => MAX_SLEEP,
            }
            // After a failure, pages still due wait a moment rather than spin.
            .max(if failed {
                RETRY_FULL_TEXTS
            } else {
                Duration::ZERO
            })
            .min(MAX_SLEEP);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.inner.pages.wake.notified() => {}
                _ = shutdown.cancelled() => return,
            }
        }
    }

    /// Fetches the full texts that are due now (see [`crate::full_text`]) and returns what
    /// became of them; the background loop does this by itself.
    pub async fn fetch_full_texts(&self) -> Result<PagesDone> {
        let engine = self.clone();
        self.inner.pages.due(move || engine.rule_set()).await
    }

    /// When the next queued full text is due (or to be tried again), if any is queued.
    pub fn next_full_text_due(&self) -> Result<Option<DateTime<Utc>>> {
        self.store().next_page_due()
    }

    async fn run_polls(&self, shutdown: &CancellationToken) -> Result<()> {
        let mut last_maintenance: Option<DateTime<Utc>> = None;
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            let paused = self.on_store(|s| s.settings()).await?.paused;
            let offline = self.offline_probe_wait();
            if !paused && offline.is_some() {
                // Offline: one feed is probed instead of failing every due feed; its success
                // makes the others due at once.
                if let Some(probe) = self.on_store(|s| s.probe_feed()).await? {
                    let probe = [probe];
                    tokio::select! {
                        result = self.poll_feeds(&probe) => {
                            if let Err(e) = result {
                                tracing::warn!(error = %e, "probe failed");
                            }
                        }
                        _ = shutdown.cancelled() => break,
                    }
                }
            } else if !paused {
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
                        .and_then(|_| engine.inner.store.optimize())
                })
                .await;
                match done {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "maintenance failed"),
                    Err(e) => tracing::warn!(error = %e, "maintenance stopped"),
                }
            }
            let next_due = self.on_store(|s| s.next_due()).await?;
            let wait = match (paused, self.offline_probe_wait(), next_due) {
                (false, Some(probe), _) => probe,
                (false, None, Some(at)) => (at - self.now()).to_std().unwrap_or(Duration::ZERO),
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

    /// Polls the feeds that are due now.
    pub async fn poll_due(&self) -> Result<PollSummary> {
        self.inner.poller.due(self.rule_set()).await
    }

    /// Polls every feed now, whatever its schedule (still with conditional requests).
    pub async fn poll_all(&self) -> Result<PollSummary> {
        self.inner.poller.feeds(None, self.rule_set()).await
    }

    /// Polls these feeds now.
    pub async fn poll_feeds(&self, ids: &[FeedId]) -> Result<PollSummary> {
        self.inner
            .poller
            .feeds(Some(ids.to_vec()), self.rule_set())
            .await
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
