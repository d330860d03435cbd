//! Subscribing: one address or a list of them (each checked, then stored by a poll pass),
//! OPML in and out, the starter pack, and reading one feed or one article page without
//! subscribing (`inspect`, `extract`).

use super::{normalize_url, Engine};
use crate::config::Config;
use crate::decode;
use crate::discover;
use crate::error::{Error, Result};
use crate::fetch::{Fetched, Fetcher, Validators};
use crate::model::{
    AddFeedOutcome, EngineEvent, Feed, FeedId, FeedInspection, ImportReport, InspectedEntry,
    RuleDraft, RuleScope, SkippedOutline,
};
use crate::opml;
use crate::poll::on_decoder;
use crate::store::NewFeed;
use futures::stream::StreamExt;
use std::path::Path;

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

impl Engine {
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
                renotify_outlets: None,
            })?;
            report.rules_added.push(rule);
        }
        let mut settings = self.store().settings()?;
        settings.starter_offered = true;
        self.store().set_settings(&settings)?;
        Ok(report)
    }
}

/// A feed just subscribed to that could not be read back.
fn not_found(id: FeedId) -> Error {
    Error::NotFound { what: "feed", id }
}
