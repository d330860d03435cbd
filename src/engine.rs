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
//! or until woken (a feed or setting changed, "refresh now", back online).

use crate::alert::Events;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::decode;
use crate::discover;
use crate::error::{Error, Result};
use crate::fetch::{Fetched, Fetcher, Validators};
use crate::model::{
    AddFeedOutcome, Alert, AlertId, AlertQuery, Article, ArticleId, ArticlePage, ArticleQuery,
    EngineEvent, Feed, FeedId, FeedInspection, ImportReport, InspectedEntry, PollSummary,
    QueryProblem, Rule, RuleDraft, RuleId, RuleScope, RuleTest, Settings, SkippedOutline, Stats,
    Story, StoryId, StoryQuery, TermMatch,
};
use crate::opml;
use crate::poll::{on_decoder, on_store, Poller};
use crate::rules::lexicon::{self, Concept, LexiconChange};
use crate::rules::{CompiledRule, Query, RuleSet};
use crate::store::{NewFeed, Store};
use chrono::{DateTime, Utc};
use futures::stream::StreamExt;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

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
}

/// Where adding one address got to before the feed's entries are stored.
enum Subscription {
    /// Nothing to store: the feed existed, or the page offers several feeds.
    Done(Box<AddFeedOutcome>),
    /// Subscribed; its entries are in the document fetched to check it.
    New(FeedId, Box<Fetched>),
}

/// Addresses of a list checked ahead of the poll pass that stores them ([`Engine::add_feeds`]):
/// with the batch being stored, at most twice this many fetched documents are held (each
/// about 0.4 MiB for a feed of 50 items), while a batch still keeps a poll's feeds in flight.
const ADD_BATCH: usize = 64;

/// Longest sleep of the background loop: it re-reads the schedule at least this often, so a
/// laptop waking from suspend catches up within a minute.
const MAX_SLEEP: Duration = Duration::from_secs(60);

impl Engine {
    /// Opens the database in `config` and prepares to poll.
    pub fn open(config: Config, clock: SharedClock) -> Result<Engine> {
        let store = Arc::new(Store::open(&config.db_path)?);
        let fetcher = Fetcher::with_clock(&config, clock.clone())?;
        let events = Events::default();
        let watch = Arc::new(crate::coverage::Watch::default());
        let poller = Poller::new(
            store.clone(),
            fetcher,
            config.clone(),
            clock.clone(),
            events.clone(),
            watch.clone(),
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

    // ---- Feeds ----

    /// Subscribes to `url`. A web page is searched for feeds: one is subscribed to, several
    /// are returned as choices. The feed is fetched once to check it, and what it holds is
    /// stored at once (raising alerts like any poll).
    pub async fn add_feed(&self, url: &str, folder: Option<&str>) -> Result<AddFeedOutcome> {
        let (id, fetched) = match self.subscribe(url, folder, true).await? {
            Subscription::Done(outcome) => return Ok(*outcome),
            Subscription::New(id, fetched) => (id, fetched),
        };
        self.inner
            .poller
            .fetched(vec![(id, *fetched)], self.rule_set(), false)
            .await?;
        self.feeds_changed();
        let feed = self.on_store(move |s| s.feed(id)).await?;
        Ok(AddFeedOutcome::Added { feed })
    }

    /// Subscribes to each of `urls` as [`Engine::add_feed`] does, checking them concurrently,
    /// and stores what the new feeds hold in poll passes (with a poll's progress events) that
    /// stream to the writer. One outcome per address, in the order given; an error here
    /// means what was left could not be stored.
    ///
    /// The addresses go in batches of `ADD_BATCH` (64), each batch checked while the one before
    /// is stored: the documents fetched to check a feed wait in memory until stored, and
    /// holding those of a whole list (363 MiB for 1,000 feeds of 50 items) grew with it.
    pub async fn add_feeds(
        &self,
        urls: &[String],
        folder: Option<&str>,
    ) -> Result<Vec<(String, Result<AddFeedOutcome>)>> {
        let mut outcomes = Vec::with_capacity(urls.len());
        let mut checked: Option<(&[String], Vec<Result<Subscription>>)> = None;
        for batch in urls.chunks(ADD_BATCH).map(Some).chain([None]) {
            let checking = async {
                match batch {
                    Some(batch) => Some((batch, self.check_all(batch, folder).await)),
                    None => None,
                }
            };
            let to_store = checked.take();
            let storing = async {
                match to_store {
                    Some((batch, checked)) => Some(self.store_checked(batch, checked).await),
                    None => None,
                }
            };
            let (next, stored) = tokio::join!(checking, storing);
            if let Some(stored) = stored {
                outcomes.extend(stored?);
            }
            checked = next;
        }
        Ok(outcomes)
    }

    /// Checks and subscribes to each of `urls` concurrently, keeping each new feed's document.
    async fn check_all(&self, urls: &[String], folder: Option<&str>) -> Vec<Result<Subscription>> {
        // As many checks at once as a poll has feeds in flight; the fetcher bounds the
        // requests per host.
        let at_once = (self.inner.config.max_concurrent_requests * 2).max(16);
        futures::stream::iter(urls)
            .map(|url| self.subscribe(url, folder, true))
            .buffered(at_once)
            .collect()
            .await
    }

    /// Stores the new feeds among `checked` (the outcomes of `urls`) in one poll pass, and
    /// gives each address its outcome.
    async fn store_checked(
        &self,
        urls: &[String],
        checked: Vec<Result<Subscription>>,
    ) -> Result<Vec<(String, Result<AddFeedOutcome>)>> {
        let mut fetched = Vec::new();
        let mut outcomes = Vec::with_capacity(urls.len());
        for (url, checked) in urls.iter().zip(checked) {
            let outcome = match checked {
                Ok(Subscription::Done(outcome)) => Ok(Ok(*outcome)),
                Ok(Subscription::New(id, document)) => {
                    fetched.push((id, *document));
                    Err(id)
                }
                Err(e) => Ok(Err(e)),
            };
            outcomes.push((url.clone(), outcome));
        }
        if fetched.is_empty() {
            return Ok(outcomes
                .into_iter()
                .map(|(url, o)| (url, o.unwrap_or_else(|id| Err(not_found(id)))))
                .collect());
        }
        self.inner
            .poller
            .fetched(fetched, self.rule_set(), true)
            .await?;
        self.feeds_changed();
        let added: Vec<FeedId> = outcomes
            .iter()
            .filter_map(|(_, o)| o.as_ref().err().copied())
            .collect();
        let mut feeds = self
            .on_store(move |s| {
                added
                    .iter()
                    .map(|id| s.feed(*id))
                    .collect::<Result<Vec<_>>>()
            })
            .await?
            .into_iter();
        Ok(outcomes
            .into_iter()
            .map(|(url, o)| {
                let outcome = o.unwrap_or_else(|id| {
                    let feed = feeds.next().ok_or_else(|| not_found(id))?;
                    Ok(AddFeedOutcome::Added { feed })
                });
                (url, outcome)
            })
            .collect())
    }

    /// Checks `url` and subscribes to the feed it names (or the one feed its page links to,
    /// with `follow_page`), keeping the fetched document for the poll that stores it.
    async fn subscribe(
        &self,
        url: &str,
        folder: Option<&str>,
        follow_page: bool,
    ) -> Result<Subscription> {
        let url = normalize_url(url)?;
        let known = url.clone();
        if let Some(feed) = self.on_store(move |s| s.feed_by_url(&known)).await? {
            return Ok(Subscription::Done(Box::new(AddFeedOutcome::Exists {
                feed,
            })));
        }
        let fetched = self.inner.poller.fetch_new(&url).await?;
        let Some(body) = fetched.body.as_ref() else {
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
                1 if follow_page => Box::pin(self.subscribe(&found[0].url, folder, false)).await,
                _ => Ok(Subscription::Done(Box::new(AddFeedOutcome::Choices {
                    feeds: found,
                }))),
            };
        }
        let check_url = fetched.final_url.clone();
        let bytes = body.bytes.clone();
        // Only the title and site are needed here; the entries are decoded again when stored.
        let doc = on_decoder(move || {
            decode::decode_limited(&bytes, content_type.as_deref(), &check_url, 0)
        })
        .await??;
        let new = NewFeed {
            url: fetched.moved_permanently_to.clone().unwrap_or(url),
            title: doc.title,
            site_url: doc.site_url,
            folder: folder.map(str::to_string),
        };
        let (now, interval) = (self.now(), self.default_interval_secs());
        let (feed, created) = self
            .on_store(move |s| s.add_feed(&new, now, interval))
            .await?;
        Ok(match created {
            true => Subscription::New(feed.id, Box::new(fetched)),
            false => Subscription::Done(Box::new(AddFeedOutcome::Exists { feed })),
        })
    }

    /// Tells listeners the subscriptions changed, and the loop to look at the schedule.
    fn feeds_changed(&self) {
        self.events().emit(EngineEvent::FeedsChanged);
        self.wake();
    }

    fn default_interval_secs(&self) -> i64 {
        self.inner.config.default_interval.as_secs() as i64
    }

    /// Fetches one article page with the configuration's fetcher (its User-Agent, time and
    /// size caps) and extracts its main content. Opens no database.
    pub async fn extract(
        config: &Config,
        url: &str,
    ) -> std::result::Result<crate::extract::Extracted, crate::extract::ExtractError> {
        let url = normalize_url(url)?;
        crate::extract::fetch_and_extract(&Fetcher::new(config)?, &url).await
    }

    /// Shows how Wirewatch reads the feed at `url`, fetched with `config`'s limits; touches
    /// no database.
    pub async fn inspect(config: &Config, url: &str) -> Result<FeedInspection> {
        let url = normalize_url(url)?;
        let fetched = Fetcher::new(config)?
            .fetch(&url, &Validators::default())
            .await?;
        let Some(body) = fetched.body else {
            return Err(Error::InvalidFeed {
                reason: "the server sent no document".into(),
            });
        };
        let final_url = fetched.final_url;
        let doc = tokio::task::spawn_blocking(move || {
            decode::decode(&body.bytes, body.content_type.as_deref(), &final_url)
        })
        .await
        .map_err(|e| match e.is_panic() {
            true => Error::DecoderFailed,
            false => Error::ShuttingDown,
        })??;
        let note = doc.recovery_note();
        Ok(FeedInspection {
            title: doc.title,
            link: doc.site_url,
            entries: doc
                .entries
                .into_iter()
                .map(|e| InspectedEntry {
                    title: if e.title_from_text {
                        String::new()
                    } else {
                        e.title.clone()
                    },
                    shown_title: e.title,
                    link: e.url,
                    id: e.guid,
                    published: e.published.map(|p| p.to_rfc3339()),
                })
                .collect(),
            recovered: doc.recovered,
            skipped: doc.skipped,
            note,
        })
    }

    /// The feed subscribed to at `url`, if any.
    pub fn feed_by_url(&self, url: &str) -> Result<Option<Feed>> {
        self.store().feed_by_url(url)
    }

    /// Checks the database file's integrity (SQLite's `integrity_check`).
    pub fn integrity_check(&self) -> Result<()> {
        self.store().integrity_check()
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
            match self
                .store()
                .add_feed(&new, self.now(), self.default_interval_secs())
            {
                Ok((feed, true)) => report.added.push(feed),
                Ok((_, false)) => report.existing.push(o.url),
                Err(e) => report.skipped.push(SkippedOutline {
                    name: o.url,
                    reason: e.to_string(),
                }),
            }
        }
        if !report.added.is_empty() {
            self.feeds_changed();
        }
        Ok(report)
    }

    /// Imports the OPML file at `path` as [`Engine::import_opml`] does, refusing one larger
    /// than [`opml::MAX_BYTES`] before reading it.
    pub fn import_opml_file(&self, path: &Path) -> Result<ImportReport> {
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > opml::MAX_BYTES as u64 {
            return Err(Error::InvalidOpml {
                reason: format!(
                    "{} is {size} bytes; an OPML file of more than {} bytes is not a subscription list",
                    path.display(),
                    opml::MAX_BYTES
                ),
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        self.import_opml(&String::from_utf8_lossy(&bytes))
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

    /// Checks a query against the lexicon as the user changed it (the one saving a rule
    /// uses, so the live check and saving agree); `None` when it is valid.
    pub fn validate_query(&self, query: &str) -> Result<Option<QueryProblem>> {
        Ok(Query::parse_with(query, &self.store().lexicon()?).err())
    }

    /// Parses a query with the lexicon of concepts as the user changed it.
    fn parse_query(&self, query: &str) -> Result<Query> {
        Query::parse_with(query, &self.store().lexicon()?).map_err(Error::InvalidQuery)
    }

    /// An article search's query in the rule language; empty: none.
    fn parse_article_query(&self, query: &str) -> Result<Option<Query>> {
        if query.trim().is_empty() {
            return Ok(None);
        }
        self.parse_query(query).map(Some)
    }

    // ---- Lexicon ----

    /// The concepts a query can name (`@name`), each with its spellings across scripts.
    pub fn concepts(&self) -> Result<Vec<Concept>> {
        Ok(self.store().lexicon()?.concepts())
    }

    /// Adds a spelling to a concept (a new concept if none has that name). Rules naming it
    /// match the spelling from the next article on.
    pub fn add_concept_variant(&self, concept: &str, variant: &str) -> Result<()> {
        self.change_lexicon(concept, variant, true)
    }

    /// Removes a spelling from a concept, a shipped one too. A concept left without
    /// spellings is unknown: rules naming it are reported as needing a fix.
    pub fn remove_concept_variant(&self, concept: &str, variant: &str) -> Result<()> {
        self.change_lexicon(concept, variant, false)
    }

    fn change_lexicon(&self, concept: &str, variant: &str, added: bool) -> Result<()> {
        let concept = concept.trim().trim_start_matches('@').to_lowercase();
        lexicon::check_name(&concept)?;
        let variant = variant.trim();
        if added {
            lexicon::check_variant(variant)?;
        }
        self.store().change_lexicon(&LexiconChange {
            concept,
            variant: variant.to_string(),
            added,
        })?;
        self.reload_rules()?;
        self.events().emit(EngineEvent::RulesChanged);
        Ok(())
    }

    fn check_draft(&self, draft: &RuleDraft) -> Result<()> {
        if draft.name.trim().is_empty() {
            return Err(Error::InvalidRule("a rule needs a name".into()));
        }
        self.parse_query(&draft.query)?;
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
        let lexicon = self.store().lexicon()?;
        for rule in &mut rules {
            rule.problem = Query::parse_with(&rule.query, &lexicon).err();
        }
        Ok(rules)
    }

    /// What `query` would have matched in the last `days` days within `scope`.
    pub fn test_rule(&self, query: &str, scope: &RuleScope, days: u32) -> Result<RuleTest> {
        let parsed = self.parse_query(query)?;
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

    /// Polls feeds as they come due until `shutdown` is cancelled.
    pub async fn run(&self, shutdown: CancellationToken) -> Result<()> {
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

/// A feed just subscribed to that could not be read back.
fn not_found(id: FeedId) -> Error {
    Error::NotFound { what: "feed", id }
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
