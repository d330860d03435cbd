//! Poll: one pass of the pipeline over a set of feeds.
//!
//! In order:
//! 1. **fetch** every feed concurrently (the fetcher bounds requests overall and per host);
//! 2. **decode** each new document on the blocking pool, and prepare its entries (sanitise,
//!    tokenise, hash) there too, so the single writer only writes;
//! 3. decide each feed's next check ([`crate::schedule`]);
//! 4. **dedup, store and match** the whole poll in one transaction ([`Store::apply_poll`]);
//! 5. **alert**: emit feed errors, alerts, coalesced notifications and the poll summary.
//!
//! Polls never overlap: a second one waits for the first, so no feed is fetched twice at once.

use crate::decode;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::fetch::{Fetched, Validators};
use crate::model::{EngineEvent, FeedId, PollSummary};
use crate::schedule::{self, Bounds, Observation};
use crate::store::{FeedFetchState, FeedOutcome, FeedUpdate, PreparedEntry, Store};
use futures::stream::{FuturesUnordered, StreamExt};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// One feed's fetch, decoded and scheduled, ready to store.
pub(crate) struct Polled {
    update: FeedUpdate,
    error: Option<(String, String)>,
    not_modified: bool,
}

impl Engine {
    /// Polls the feeds that are due now.
    pub async fn poll_due(&self) -> Result<PollSummary> {
        let _one_at_a_time = self.inner.poll_lock.lock().await;
        let due = self.store().due_feeds(self.now())?;
        self.poll_states(due).await
    }

    /// Polls every feed now, whatever its schedule (still with conditional requests).
    pub async fn poll_all(&self) -> Result<PollSummary> {
        let _one_at_a_time = self.inner.poll_lock.lock().await;
        let all = self.store().fetch_states(None)?;
        self.poll_states(all).await
    }

    /// Polls these feeds now.
    pub async fn poll_feeds(&self, ids: &[FeedId]) -> Result<PollSummary> {
        let _one_at_a_time = self.inner.poll_lock.lock().await;
        let some = self.store().fetch_states(Some(ids))?;
        self.poll_states(some).await
    }

    async fn poll_states(&self, feeds: Vec<FeedFetchState>) -> Result<PollSummary> {
        let started = tokio::time::Instant::now();
        let total = feeds.len() as u64;
        if total == 0 {
            return Ok(PollSummary::default());
        }
        self.events()
            .emit(EngineEvent::PollStarted { feeds: total });
        let mut pending: FuturesUnordered<_> = feeds
            .into_iter()
            .map(|feed| {
                let engine = self.clone();
                async move {
                    let fetched = engine
                        .inner
                        .fetcher
                        .fetch(&feed.url, &validators(&feed))
                        .await;
                    engine.process(feed, fetched).await
                }
            })
            .collect();
        let mut polled = Vec::with_capacity(total as usize);
        while let Some(p) = pending.next().await {
            polled.push(p);
            self.events().emit(EngineEvent::PollProgress {
                done: polled.len() as u64,
                total,
                feed_id: polled.last().map_or(0, |p: &Polled| p.update.feed_id),
            });
        }
        self.finish_poll(polled, started).await
    }

    /// Stores what a poll fetched and tells listeners (steps 4 and 5).
    pub(crate) async fn finish_poll(
        &self,
        polled: Vec<Polled>,
        started: tokio::time::Instant,
    ) -> Result<PollSummary> {
        let total = polled.len() as u64;
        let mut summary = PollSummary {
            feeds: total,
            ..Default::default()
        };
        summary.not_modified = polled.iter().filter(|p| p.not_modified).count() as u64;
        summary.failed = polled.iter().filter(|p| p.error.is_some()).count() as u64;
        let errors: Vec<(FeedId, String, String)> = polled
            .iter()
            .filter_map(|p| p.error.clone().map(|(c, m)| (p.update.feed_id, c, m)))
            .collect();
        let updates: Vec<FeedUpdate> = polled.into_iter().map(|p| p.update).collect();
        let applied = self.store_poll(updates).await?;
        summary.new_articles = applied.new_articles;
        summary.updated_articles = applied.updated_articles;
        summary.alerts = applied.alerts.len() as u64;
        summary.elapsed_ms = started.elapsed().as_millis() as u64;

        for (feed_id, code, message) in errors {
            self.events().emit(EngineEvent::FeedError {
                feed_id,
                code,
                message,
            });
        }
        let notifications = crate::alert::coalesce(&applied.alerts);
        for (alert, notify) in applied.alerts {
            self.events().emit(EngineEvent::Alert { alert, notify });
        }
        if !notifications.is_empty() {
            self.events().emit(EngineEvent::Notify { notifications });
        }
        self.events().emit(EngineEvent::PollFinished {
            summary: summary.clone(),
        });
        Ok(summary)
    }

    /// Stores a poll on the blocking pool (SQLite work must not stall the async runtime).
    async fn store_poll(&self, updates: Vec<FeedUpdate>) -> Result<crate::store::PollApplied> {
        let store: Arc<Store> = self.inner.store.clone();
        let rules = self.rule_set();
        let now = self.now();
        tokio::task::spawn_blocking(move || store.apply_poll(updates, &rules, now))
            .await
            .map_err(|_| Error::ShuttingDown)?
    }

    /// Turns one feed's fetch result into what the store needs, decoding off the runtime.
    pub(crate) async fn process(&self, feed: FeedFetchState, fetched: Result<Fetched>) -> Polled {
        let bounds = self.bounds();
        let now = self.now();
        let jitter: f64 = rand::random();
        let moved_to = fetched
            .as_ref()
            .ok()
            .and_then(|f| f.moved_permanently_to.clone());
        let failed = |feed: &FeedFetchState, e: &Error| {
            let retry_after = match e {
                Error::RetryLater {
                    retry_after_secs, ..
                } => retry_after_secs.map(std::time::Duration::from_secs),
                _ => None,
            };
            let next =
                schedule::after_error(&bounds, feed.error_count + 1, retry_after, now, jitter);
            Polled {
                update: FeedUpdate {
                    feed_id: feed.id,
                    moved_to: None,
                    outcome: FeedOutcome::Failed {
                        code: e.code().to_string(),
                        message: e.to_string(),
                    },
                    next_check: next.at,
                    interval_secs: next.interval_secs,
                },
                error: Some((e.code().to_string(), e.to_string())),
                not_modified: false,
            }
        };
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) => return failed(&feed, &e),
        };
        let unchanged = |feed: &FeedFetchState, fetched: &Fetched| {
            let seen = Observation {
                max_age: fetched.max_age,
                not_modified: true,
                ..Default::default()
            };
            let next = schedule::after_success(
                &bounds,
                feed.interval_override_secs,
                feed.interval_secs,
                &seen,
                now,
                jitter,
            );
            Polled {
                update: FeedUpdate {
                    feed_id: feed.id,
                    moved_to: fetched.moved_permanently_to.clone(),
                    outcome: FeedOutcome::NotModified {
                        etag: fetched.validators.etag.clone(),
                        last_modified: fetched.validators.last_modified.clone(),
                    },
                    next_check: next.at,
                    interval_secs: next.interval_secs,
                },
                error: None,
                not_modified: true,
            }
        };
        let Some(body) = fetched.body.as_ref() else {
            return unchanged(&feed, &fetched);
        };
        let body_hash = hex(&Sha256::digest(&body.bytes));
        if feed.body_hash.as_deref() == Some(body_hash.as_str()) {
            // New validators, same bytes: nothing to decode.
            return unchanged(&feed, &fetched);
        }
        let bytes = body.bytes.clone();
        let content_type = body.content_type.clone();
        let url = fetched.final_url.clone();
        let cap = self.inner.config.max_entries_per_feed;
        let decoded = tokio::task::spawn_blocking(move || {
            decode::decode_limited(&bytes, content_type.as_deref(), &url, cap).map(|mut doc| {
                let published = doc
                    .entries
                    .iter()
                    .filter_map(|e| e.published)
                    .collect::<Vec<_>>();
                let entries: Vec<PreparedEntry> = std::mem::take(&mut doc.entries)
                    .into_iter()
                    .map(PreparedEntry::new)
                    .collect();
                (doc, entries, published)
            })
        })
        .await
        .map_err(|_| Error::ShuttingDown)
        .and_then(|r| r);
        let (doc, entries, published) = match decoded {
            Ok(d) => d,
            Err(e) => return failed(&feed, &e),
        };
        let seen = Observation {
            published,
            ttl: doc.ttl,
            max_age: fetched.max_age,
            not_modified: false,
        };
        let next = schedule::after_success(
            &bounds,
            feed.interval_override_secs,
            feed.interval_secs,
            &seen,
            now,
            jitter,
        );
        Polled {
            update: FeedUpdate {
                feed_id: feed.id,
                moved_to,
                outcome: FeedOutcome::Fetched {
                    title: doc.title,
                    site_url: doc.site_url,
                    entries,
                    etag: fetched.validators.etag.clone(),
                    last_modified: fetched.validators.last_modified.clone(),
                    body_hash: Some(body_hash),
                },
                next_check: next.at,
                interval_secs: next.interval_secs,
            },
            error: None,
            not_modified: false,
        }
    }

    pub(crate) fn bounds(&self) -> Bounds {
        let mut b = Bounds::from_config(&self.inner.config);
        if let Ok(Some(s)) = self.store().saved_settings() {
            // Bounds the user saved in settings replace the configured defaults.
            b.min = std::time::Duration::from_secs(s.min_interval_secs.max(60) as u64);
            b.max = std::time::Duration::from_secs(s.max_interval_secs as u64).max(b.min);
        }
        b
    }
}

fn validators(feed: &FeedFetchState) -> Validators {
    Validators {
        etag: feed.etag.clone(),
        last_modified: feed.last_modified.clone(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
