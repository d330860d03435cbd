//! Subscribing: one address (checked, then stored by a poll pass) or a list of them (all
//! subscribed, then fetched and stored by one poll pass, the unreadable ones unsubscribed),
//! OPML in and out, the starter pack, and reading one feed or one article page without
//! subscribing (`inspect`, `extract`).

use super::{normalize_url, Engine};
use crate::config::Config;
use crate::decode;
use crate::discover;
use crate::error::{Error, Result};
use crate::fetch::{Fetched, Fetcher, Validators};
use crate::model::{
    AddFeedOutcome, DiscoveredFeed, EngineEvent, Feed, FeedId, FeedInspection, FullTextMode,
    ImportReport, InspectedEntry, RuleDraft, RuleScope, SkippedOutline,
};
use crate::opml;
use crate::poll::{on_decoder, Unread};
use crate::store::NewFeed;
use std::collections::HashMap;
use std::path::Path;

/// Where adding one address got to before the feed's entries are stored.
enum Subscription {
    /// Nothing to store: the feed existed, or the page offers several feeds.
    Done(Box<AddFeedOutcome>),
    /// Subscribed; its entries are in the document fetched to check it.
    New(FeedId, Box<Fetched>),
}

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

    /// Subscribes to each of `urls` as [`Engine::add_feed`] does, and stores what the new
    /// feeds hold in one poll pass (concurrent, streamed to the writer, with a poll's progress
    /// events and alerts). One outcome per address, in the order given: added, already
    /// subscribed, the choices a page offers, or why it failed; an error here means the pass
    /// itself could not run.
    ///
    /// Every address is subscribed first, as an OPML import does, and the pass then fetches
    /// each once: a feed that cannot be read is unsubscribed again and reported, and a web
    /// page given for a feed is searched for feeds. A page that links to one feed has that
    /// feed added in a second pass, of those feeds alone (a page's feed is known only once
    /// the page is fetched). Memory is a poll's: bounded by the feeds in flight, whatever the
    /// length of the list.
    pub async fn add_feeds(
        &self,
        urls: &[String],
        folder: Option<&str>,
    ) -> Result<Vec<(String, Result<AddFeedOutcome>)>> {
        let listed = self.add_list(urls, folder).await?;
        // Pages that link to one feed: that feed, added as the page would have been.
        let followed: Vec<(usize, String)> = listed
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match l {
                Listed::Page { found, .. } if found.len() == 1 => Some((i, found[0].url.clone())),
                _ => None,
            })
            .collect();
        let follow_urls: Vec<String> = followed.iter().map(|(_, url)| url.clone()).collect();
        let mut follow = match follow_urls.is_empty() {
            true => Vec::new(),
            false => self.add_list(&follow_urls, folder).await?,
        }
        .into_iter();
        let mut follow_at = followed.iter().map(|(i, _)| *i).peekable();
        let outcomes = listed.into_iter().enumerate().map(|(i, l)| {
            // The feed a page led to answers for the page (a page found there again is
            // not followed further).
            let l = match follow_at.next_if_eq(&i) {
                Some(_) => follow.next().unwrap_or(l),
                None => l,
            };
            l.outcome()
        });
        Ok(urls.iter().cloned().zip(outcomes).collect())
    }

    /// Subscribes to `urls` and stores the new feeds in one poll pass ([`Poller::subscribe`]),
    /// unsubscribing those that could not be read. One result per address, in order.
    async fn add_list(&self, urls: &[String], folder: Option<&str>) -> Result<Vec<Listed>> {
        let mut listed: Vec<Option<Listed>> = Vec::with_capacity(urls.len());
        let mut feeds = Vec::new();
        for url in urls {
            match normalize_url(url) {
                Ok(url) => {
                    listed.push(None);
                    feeds.push(NewFeed {
                        url,
                        title: None,
                        site_url: None,
                        folder: folder.map(str::to_string),
                    });
                }
                Err(e) => listed.push(Some(Listed::Done(Err(e)))),
            }
        }
        let subscribed = self
            .inner
            .poller
            .subscribe(feeds, self.default_interval_secs(), self.rule_set())
            .await?;
        let mut unread: HashMap<FeedId, Unread> = subscribed
            .unread
            .into_iter()
            .map(|u| (u.feed_id, u))
            .collect();
        let gone: std::collections::HashSet<FeedId> = unread.keys().copied().collect();
        let created = subscribed.feeds.iter().any(|f| matches!(f, Ok((_, true))));
        // Read back what the pass stored, and undo the subscriptions that failed.
        let mut feeds = self
            .on_store(move |s| {
                for id in &gone {
                    s.remove_feed(*id)?;
                }
                subscribed
                    .feeds
                    .into_iter()
                    .map(|f| match f {
                        // A new feed that failed keeps its row for its report.
                        Ok((feed, true)) if gone.contains(&feed.id) => Ok(Ok((feed, true))),
                        // Read again, as the pass left it (an address given twice reads
                        // as the feed the first one added, or as gone if it failed).
                        Ok((feed, created)) => match s.feed(feed.id) {
                            Ok(feed) => Ok(Ok((feed, created))),
                            Err(e @ Error::NotFound { .. }) => Ok(Err(e)),
                            Err(e) => Err(e),
                        },
                        other => Ok(other),
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .await?
            .into_iter();
        if created {
            self.feeds_changed();
        }
        Ok(listed
            .into_iter()
            .map(|l| {
                l.unwrap_or_else(|| match feeds.next() {
                    Some(Ok((feed, true))) => match unread.remove(&feed.id) {
                        Some(u) if u.found.is_empty() => Listed::Done(Err(u.error)),
                        Some(u) => Listed::Page {
                            found: u.found,
                            error: u.error,
                        },
                        None => Listed::Done(Ok(AddFeedOutcome::Added { feed })),
                    },
                    Some(Ok((feed, false))) => Listed::Done(Ok(AddFeedOutcome::Exists { feed })),
                    Some(Err(e)) => Listed::Done(Err(e)),
                    None => Listed::Done(Err(Error::ShuttingDown)),
                })
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

    /// Sets whether a feed's new articles get their full text fetched from their own pages
    /// (`auto`: when the feed's text is a teaser); returns the feed as it now is. Articles
    /// already stored keep their status.
    pub fn set_feed_full_text(&self, id: FeedId, mode: FullTextMode) -> Result<Feed> {
        self.store().set_feed_full_text(id, mode)?;
        self.events().emit(EngineEvent::FeedsChanged);
        self.store().feed(id)
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
                Ok((feed, true)) => {
                    // The file's full-text setting applies to a feed it brings; one already
                    // subscribed keeps the setting chosen here.
                    let feed = match o.full_text.filter(|mode| *mode != feed.full_text) {
                        Some(mode) => {
                            self.store().set_feed_full_text(feed.id, mode)?;
                            Feed {
                                full_text: mode,
                                ..feed
                            }
                        }
                        None => feed,
                    };
                    report.added.push(feed);
                }
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

/// Where one address of a list got to ([`Engine::add_feeds`]).
enum Listed {
    /// Its outcome.
    Done(Result<AddFeedOutcome>),
    /// A web page linking to `found` (none, one to follow, or several to choose from).
    Page {
        found: Vec<DiscoveredFeed>,
        /// What it is as a feed: not one.
        error: Error,
    },
}

impl Listed {
    /// The outcome reported for the address; a page is not followed any further.
    fn outcome(self) -> Result<AddFeedOutcome> {
        match self {
            Listed::Done(outcome) => outcome,
            Listed::Page { found, error } if found.is_empty() => Err(error),
            Listed::Page { found, .. } => Ok(AddFeedOutcome::Choices { feeds: found }),
        }
    }
}
