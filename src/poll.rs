//! Poll: one pass of the pipeline over a set of feeds.
//!
//! In order:
//! 1. **fetch** every feed concurrently (the fetcher bounds requests overall and per host);
//! 2. **decode** each new document on the decoding threads (one per core, at a lower
//!    priority than the writer), and prepare its entries (sanitise, tokenise, hash) and match
//!    them against the poll's rules there too, so the single writer only writes;
//! 3. decide each feed's next check ([`crate::schedule`]);
//! 4. **dedup and store** each feed and the alerts of its new articles as it completes, on one
//!    writer thread, committing when no feed has come for a moment and at least every few
//!    seconds ([`Store::apply_poll_stream`]);
//! 5. **alert**: emit the alerts and coalesced notifications of each commit as it happens
//!    (then wake the full-text stage, [`crate::full_text`], for the pages it queued), then
//!    feed errors and the poll summary.
//!
//! Adding a list of feeds ([`Poller::subscribe`]) is the same pass over the feeds just
//! subscribed to, except that a feed that cannot be read (or is a web page, whose feeds are
//! found instead) is not written but handed back, for the engine to unsubscribe and report.
//!
//! Polls never overlap: a second one waits for the first, so no feed is fetched twice at once.
//! The `Poller` owns what a poll needs (the store, the fetcher, the configuration, the clock
//! and the event channel); the engine owns the poller and hands it the rules to match.
//! No SQLite call runs on an async worker: reads go through `on_store`, and the writer has a
//! blocking thread of its own.

use crate::alert::Events;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::coverage::Watch;
use crate::decode;
use crate::dedup;
use crate::discover;
use crate::error::{Error, Result};
use crate::fetch::{Fetched, Fetcher, Validators};
use crate::model::{DiscoveredFeed, EngineEvent, Feed, FeedId, PollSummary};
use crate::prepare::PreparedEntry;
use crate::rules::RuleSet;
use crate::schedule::{self, Bounds, Observation};
use crate::store::{FeedFetchState, FeedOutcome, FeedUpdate, NewFeed, PollStep, Store};
use crate::text;
use futures::stream::{Stream, StreamExt};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Feeds decoded and waiting for the writer, at most.
const WRITER_QUEUE: usize = 8;

/// A poll commits what it has written once no feed has come for this long...
const COMMIT_WHEN_IDLE: Duration = Duration::from_millis(250);

/// ...and at least this often while feeds keep coming. Not more often: in a burst each commit
/// costs the writer about 0.15 s (its dirty pages are written and then dirtied again, and
/// the full-text index is cut into one more segment); committing every 2 s made the cold
/// ingest of 1000 feeds 5% slower (medians of 4 alternating runs: 2.95 s against 2.80 s).
const COMMIT_AT_LEAST_EVERY: Duration = Duration::from_secs(5);

/// A decode job: runs on a [`Decoders`] thread and sends its result back itself.
type DecodeJob = Box<dyn FnOnce() + Send>;

/// How much lower than the rest of the process decoding runs (a `nice` increment). Enough
/// for the writer to keep a core to itself when the decoders have work for both.
const DECODE_NICENESS: i32 = 10;

/// The threads that decode fetched documents: one per core, so decoded feeds do not pile
/// up, each at a lower priority than the writer. The writer is the critical path of a poll
/// and waits on nothing but its queue; at the same priority, the two decoders took a third
/// of its core (1.2 s of the 3.5 s of a 1000-feed cold poll, on 2 cores, were spent
/// runnable but not running). Dedicated threads, because an unprivileged thread cannot
/// take its priority back, and the runtime's blocking threads also run the writer. The
/// lower priority also lets a burst of feeds yield to whatever the user is doing.
struct Decoders {
    jobs: std::sync::mpsc::Sender<DecodeJob>,
}

impl Decoders {
    /// The process's decoders, started on first use.
    fn get() -> &'static Decoders {
        static DECODERS: OnceLock<Decoders> = OnceLock::new();
        DECODERS.get_or_init(|| {
            let (jobs, queue) = std::sync::mpsc::channel::<DecodeJob>();
            let queue = Arc::new(std::sync::Mutex::new(queue));
            let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
            for i in 0..threads {
                let queue = queue.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("wirewatch-decode-{i}"))
                    .spawn(move || {
                        lower_priority(DECODE_NICENESS);
                        loop {
                            // The lock is held only while waiting for the next job.
                            let job = match queue.lock() {
                                Ok(queue) => queue.recv(),
                                Err(_) => return,
                            };
                            let Ok(job) = job else { return };
                            // A panicking job drops its result sender, which its caller
                            // sees; the thread lives on for the next feed.
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                    });
                if let Err(err) = spawned {
                    tracing::warn!(error = %err, "cannot start a decoding thread");
                }
            }
            Decoders { jobs }
        })
    }

    /// Runs `work` on a decoding thread and waits for its result.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: DecodeJob = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs.send(job).map_err(|_| Error::ShuttingDown)?;
        // The job dropped its sender without a result: it panicked.
        result.await.map_err(|_| Error::DecoderFailed)
    }
}

/// Runs `work` on a decoding thread (see [`Decoders`]) and waits for its result: for decoding
/// outside a poll, so it takes no more threads (and their allocator caches) than a poll does.
pub(crate) async fn on_decoder<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    Decoders::get().run(work).await
}

/// Lowers the calling thread's priority by `by` (a `nice` increment); where the system
/// refuses, the thread simply runs at the normal priority.
pub(crate) fn lower_priority(by: i32) {
    #[cfg(target_os = "linux")]
    {
        // On Linux the nice value belongs to the thread, named by its thread id.
        let me = rustix::thread::gettid();
        let result = rustix::process::getpriority_process(Some(me))
            .and_then(|now| rustix::process::setpriority_process(Some(me), now + by));
        if let Err(err) = result {
            tracing::debug!(error = %err, "cannot lower a worker thread's priority");
        }
    }
}

/// Runs `work` with the store on a blocking thread, so no async worker waits on SQLite (a
/// write may wait up to [`COMMIT_AT_LEAST_EVERY`] for a poll's transaction). A panic in
/// `work` is raised again in the caller, as if it had run there.
pub(crate) async fn on_store<T: Send + 'static>(
    store: &Arc<Store>,
    work: impl FnOnce(&Store) -> Result<T> + Send + 'static,
) -> Result<T> {
    let store = store.clone();
    match tokio::task::spawn_blocking(move || work(&store)).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::ShuttingDown),
    }
}

/// One feed's fetch, decoded and scheduled, ready to store.
struct Polled {
    update: FeedUpdate,
    /// Why the feed could not be read.
    failure: Option<Error>,
    /// The feeds a web page links to, when a feed being added turned out to be one.
    found: Vec<DiscoveredFeed>,
    not_modified: bool,
}

/// What a pass is for: polling subscriptions, or adding feeds just subscribed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Every outcome is written, failures included (they schedule the retry).
    Poll,
    /// Feeds being added: one that cannot be read is not written but handed back
    /// ([`Unread`]), and a web page's feeds are found rather than its HTML decoded.
    Add,
}

/// A feed of an adding pass that could not be stored ([`Poller::subscribe`]).
#[derive(Debug)]
pub(crate) struct Unread {
    /// The feed, subscribed to before the pass.
    pub(crate) feed_id: FeedId,
    /// Why it could not be read.
    pub(crate) error: Error,
    /// The feeds its address links to, when it is a web page.
    pub(crate) found: Vec<DiscoveredFeed>,
}

/// What [`Poller::subscribe`] did with each feed.
#[derive(Debug)]
pub(crate) struct Subscribed {
    /// Per feed, in the order given: the subscription and whether it is new, or why the
    /// address was refused.
    pub(crate) feeds: Vec<Result<(Feed, bool)>>,
    /// The new feeds that could not be read, still subscribed.
    pub(crate) unread: Vec<Unread>,
}

/// Runs polls: fetches, decodes and stores feeds, one poll at a time.
#[derive(Debug)]
pub(crate) struct Poller {
    store: Arc<Store>,
    fetcher: Fetcher,
    config: Config,
    clock: SharedClock,
    events: Events,
    /// Spike counts and the offline state, shared with the engine.
    watch: Arc<Watch>,
    /// The full-text stage, woken by each commit that stored new articles.
    pages: Arc<tokio::sync::Notify>,
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl Poller {
    /// A poller over `store`, fetching with `fetcher`, telling `events`.
    pub(crate) fn new(
        store: Arc<Store>,
        fetcher: Fetcher,
        config: Config,
        clock: SharedClock,
        events: Events,
        watch: Arc<Watch>,
        pages: Arc<tokio::sync::Notify>,
    ) -> Poller {
        Poller {
            store,
            fetcher,
            config,
            clock,
            events,
            watch,
            pages,
            one_at_a_time: tokio::sync::Mutex::new(()),
        }
    }

    /// Fetches `url` without validators (a feed being added), outside any poll.
    pub(crate) async fn fetch_new(&self, url: &str) -> Result<Fetched> {
        self.fetcher.fetch(url, &Validators::default()).await
    }

    /// Polls the feeds that are due now.
    pub(crate) async fn due(&self, rules: Arc<RuleSet>) -> Result<PollSummary> {
        let _one_at_a_time = self.one_at_a_time.lock().await;
        let now = self.clock.now();
        let due = on_store(&self.store, move |s| s.due_feeds(now)).await?;
        let (summary, _) = self.poll_states(due, rules, Pass::Poll).await?;
        Ok(summary)
    }

    /// Polls `ids` now, or every feed with `None`, whatever their schedule (still with
    /// conditional requests).
    pub(crate) async fn feeds(
        &self,
        ids: Option<Vec<FeedId>>,
        rules: Arc<RuleSet>,
    ) -> Result<PollSummary> {
        let _one_at_a_time = self.one_at_a_time.lock().await;
        let states = on_store(&self.store, move |s| s.fetch_states(ids.as_deref())).await?;
        let (summary, _) = self.poll_states(states, rules, Pass::Poll).await?;
        Ok(summary)
    }

    /// Stores feeds just subscribed to from the documents fetched to check them, in one
    /// pass, as a poll would (raising alerts); with `progress`, it reports like a poll.
    pub(crate) async fn fetched(
        &self,
        fetched: Vec<(FeedId, Fetched)>,
        rules: Arc<RuleSet>,
        progress: bool,
    ) -> Result<PollSummary> {
        let _one_at_a_time = self.one_at_a_time.lock().await;
        let started = tokio::time::Instant::now();
        let ids: Vec<FeedId> = fetched.iter().map(|(id, _)| *id).collect();
        let states = on_store(&self.store, move |s| s.fetch_states(Some(&ids))).await?;
        let mut fetched: HashMap<FeedId, Fetched> = fetched.into_iter().collect();
        let feeds: Vec<(FeedFetchState, Fetched)> = states
            .into_iter()
            .filter_map(|state| fetched.remove(&state.id).map(|f| (state, f)))
            .collect();
        let total = feeds.len() as u64;
        if total == 0 {
            return Ok(PollSummary::default());
        }
        if progress {
            self.events.emit(EngineEvent::PollStarted { feeds: total });
        }
        let bounds = self.bounds().await?;
        let (bounds, decode_rules) = (&bounds, &rules);
        let polled = futures::stream::iter(feeds)
            .map(|(state, fetched)| {
                self.process(state, Ok(fetched), bounds, decode_rules, Pass::Poll)
            })
            .buffer_unordered(self.in_flight());
        let (summary, _) = self
            .store_polled(polled, total, progress, started, rules.clone(), Pass::Poll)
            .await?;
        Ok(summary)
    }

    /// Subscribes to `feeds` (due at once, checked every `interval_secs` at first) and
    /// fetches the new ones in one pass, as a poll does: concurrently, streamed to the
    /// writer, with a poll's progress events and alerts. A new feed that cannot be read is
    /// not written but returned in [`Subscribed::unread`] (with the feeds its page links
    /// to, for a web page), for the caller to unsubscribe or follow. Under the poll lock,
    /// so the background loop does not poll the new feeds meanwhile.
    pub(crate) async fn subscribe(
        &self,
        feeds: Vec<NewFeed>,
        interval_secs: i64,
        rules: Arc<RuleSet>,
    ) -> Result<Subscribed> {
        let _one_at_a_time = self.one_at_a_time.lock().await;
        let now = self.clock.now();
        let feeds = on_store(&self.store, move |s| {
            Ok(feeds
                .iter()
                .map(|feed| s.add_feed(feed, now, interval_secs))
                .collect::<Vec<_>>())
        })
        .await?;
        let ids: Vec<FeedId> = feeds
            .iter()
            .filter_map(|f| match f {
                Ok((feed, true)) => Some(feed.id),
                _ => None,
            })
            .collect();
        if ids.is_empty() {
            return Ok(Subscribed {
                feeds,
                unread: Vec::new(),
            });
        }
        let states = on_store(&self.store, move |s| s.fetch_states(Some(&ids))).await?;
        let (_, unread) = self.poll_states(states, rules, Pass::Add).await?;
        Ok(Subscribed { feeds, unread })
    }

    /// Feeds in flight (fetching, waiting to decode, decoding) at most, so bodies and decoded
    /// entries never pile up: with the writer's bounded queue, a poll's memory does not grow
    /// with its size. Twice the requests: as many decoded feeds can wait for the writer as
    /// are being fetched, which keeps it busy (four times held 15 MiB more at a cold poll's
    /// peak and was no faster).
    fn in_flight(&self) -> usize {
        (self.config.max_concurrent_requests * 2).max(16)
    }

    /// Fetches `feeds` and stores them in one pass ([`Poller::store_polled`]).
    async fn poll_states(
        &self,
        feeds: Vec<FeedFetchState>,
        rules: Arc<RuleSet>,
        pass: Pass,
    ) -> Result<(PollSummary, Vec<Unread>)> {
        let started = tokio::time::Instant::now();
        let total = feeds.len() as u64;
        if total == 0 {
            return Ok((PollSummary::default(), Vec::new()));
        }
        self.events.emit(EngineEvent::PollStarted { feeds: total });
        let bounds = self.bounds().await?;
        // One snapshot of the rules for the whole poll: entries are matched against it as
        // they are decoded, and the writer stores the alerts of those that are new.
        let (bounds, decode_rules) = (&bounds, &rules);
        let polled = futures::stream::iter(feeds)
            .map(|feed| async move {
                let fetched = self.fetcher.fetch(&feed.url, &validators(&feed)).await;
                self.process(feed, fetched, bounds, decode_rules, pass)
                    .await
            })
            .buffer_unordered(self.in_flight());
        self.store_polled(polled, total, true, started, rules.clone(), pass)
            .await
    }

    /// Streams each feed, as it completes, to the writer on a dedicated blocking thread
    /// ([`Store::apply_poll_stream`]), which announces the alerts of each transaction as it
    /// commits ([`crate::alert::announce`]); then emits errors and the summary.
    ///
    /// A transaction commits once no feed has come for [`COMMIT_WHEN_IDLE`], or has taken
    /// [`COMMIT_AT_LEAST_EVERY`]: a feed that answers slowly, or not at all until its
    /// timeout, no longer holds back the alerts of the feeds that answered, while a burst of
    /// feeds still goes in a few large transactions (each commit writes the full-text index's
    /// buffer out as a segment to be merged later).
    ///
    /// In an adding pass, a feed that could not be read is neither written, nor recorded as
    /// a check, nor announced as a feed error: it is returned, and its subscription undone.
    async fn store_polled(
        &self,
        mut polled: impl Stream<Item = Polled> + Unpin,
        total: u64,
        progress: bool,
        started: tokio::time::Instant,
        rules: Arc<RuleSet>,
        pass: Pass,
    ) -> Result<(PollSummary, Vec<Unread>)> {
        // `None` marks the end of the poll; a queue closed without it means the poll was
        // abandoned, and the writer rolls back what it has not committed.
        let (queue, mut rx) = tokio::sync::mpsc::channel::<Option<PollStep>>(WRITER_QUEUE);
        let store: Arc<Store> = self.store.clone();
        let events = self.events.clone();
        let now = self.clock.now();
        let live_alerts = self.config.live_alerts_per_poll;
        let watch = self.watch.clone();
        let pages = self.pages.clone();
        let writer = tokio::task::spawn_blocking(move || {
            let steps = std::iter::from_fn(move || match rx.blocking_recv() {
                Some(Some(step)) => Some(Ok(step)),
                Some(None) => None,
                None => Some(Err(Error::ShuttingDown)),
            });
            let mut written = PollSummary::default();
            store.apply_poll_stream(steps, &rules, now, live_alerts, |committed| {
                written.new_articles += committed.new_articles;
                written.updated_articles += committed.updated_articles;
                written.alerts += committed.alert_count();
                let alerts = committed.alerts.iter().map(|(alert, _)| alert);
                watch.spikes.count(alerts, &committed.tallies, now);
                let stored = committed.new_articles > 0;
                crate::alert::announce(&events, committed);
                // After the commit's alerts are out: its new articles' pages may be queued.
                if stored {
                    pages.notify_one();
                }
            })?;
            Ok::<_, Error>(written)
        });
        let mut summary = PollSummary {
            feeds: total,
            ..Default::default()
        };
        let mut errors: Vec<(FeedId, String, String)> = Vec::new();
        let mut unread: Vec<Unread> = Vec::new();
        let mut checks: Vec<(FeedId, Option<(String, String)>)> = Vec::new();
        let mut done = 0;
        let mut writer_alive = true;
        // When the first feed not yet committed was handed to the writer.
        let mut uncommitted_since: Option<tokio::time::Instant> = None;
        loop {
            // `None`: time to commit. `next` is cancel-safe: a feed still on its way stays in
            // the stream.
            let next = match uncommitted_since {
                Some(since) if since.elapsed() >= COMMIT_AT_LEAST_EVERY => None,
                Some(_) => tokio::time::timeout(COMMIT_WHEN_IDLE, polled.next())
                    .await
                    .ok(),
                None => Some(polled.next().await),
            };
            let step = match next {
                None => {
                    uncommitted_since = None;
                    PollStep::Commit
                }
                Some(None) => break,
                Some(Some(p)) => {
                    done += 1;
                    let feed_id = p.update.feed_id;
                    summary.not_modified += u64::from(p.not_modified);
                    summary.failed += u64::from(p.failure.is_some());
                    if progress {
                        self.events.emit(EngineEvent::PollProgress {
                            done,
                            total,
                            feed_id,
                        });
                    }
                    match p.failure {
                        Some(error) if pass == Pass::Add => {
                            unread.push(Unread {
                                feed_id,
                                error,
                                found: p.found,
                            });
                            continue;
                        }
                        Some(e) => {
                            let (code, message) = (e.code().to_string(), e.to_string());
                            checks.push((feed_id, Some((code.clone(), message.clone()))));
                            errors.push((feed_id, code, message));
                        }
                        None => checks.push((feed_id, None)),
                    }
                    uncommitted_since.get_or_insert_with(tokio::time::Instant::now);
                    PollStep::Feed(p.update)
                }
            };
            if queue.send(Some(step)).await.is_err() {
                // The writer stopped on an error, which it returns below.
                writer_alive = false;
                break;
            }
        }
        if writer_alive {
            let _ = queue.send(None).await;
        }
        drop(queue);
        let written = writer.await.map_err(|_| Error::ShuttingDown)??;
        summary.new_articles = written.new_articles;
        summary.updated_articles = written.updated_articles;
        summary.alerts = written.alerts;
        summary.elapsed_ms = started.elapsed().as_millis() as u64;

        // Checks recorded, the offline state followed, spikes raised: off the async workers.
        // Back online, the loop finds the feeds due at once when the probe returns.
        let (watch, events, now) = (self.watch.clone(), self.events.clone(), self.clock.now());
        on_store(&self.store, move |s| {
            watch.after_poll(s, &events, &checks, now);
            Ok(())
        })
        .await?;
        for (feed_id, code, message) in errors {
            self.events.emit(EngineEvent::FeedError {
                feed_id,
                code,
                message,
            });
        }
        self.events.emit(EngineEvent::PollFinished {
            summary: summary.clone(),
        });
        Ok((summary, unread))
    }

    /// Turns one feed's fetch result into what the store needs, decoding, preparing and
    /// matching its entries against `rules` off the runtime. `bounds` are the poll's
    /// schedule bounds, read once per poll. In an adding pass, a web page is searched for
    /// feeds instead of decoded.
    async fn process(
        &self,
        feed: FeedFetchState,
        fetched: Result<Fetched>,
        bounds: &Bounds,
        rules: &Arc<RuleSet>,
        pass: Pass,
    ) -> Polled {
        let now = self.clock.now();
        let jitter: f64 = rand::random();
        let after_success = |seen: &Observation| {
            schedule::after_success(
                bounds,
                feed.interval_override_secs,
                feed.interval_secs,
                seen,
                now,
                jitter,
            )
        };
        let polled = |outcome, next: schedule::Next, moved_to, failure, not_modified| Polled {
            update: FeedUpdate {
                feed_id: feed.id,
                moved_to,
                outcome,
                next_check: next.at,
                interval_secs: next.interval_secs,
            },
            failure,
            found: Vec::new(),
            not_modified,
        };
        let failed = |e: Error| {
            let retry_after = match e {
                Error::RetryLater {
                    retry_after_secs, ..
                } => retry_after_secs.map(std::time::Duration::from_secs),
                _ => None,
            };
            let next =
                schedule::after_error(bounds, feed.error_count + 1, retry_after, now, jitter);
            let outcome = FeedOutcome::Failed {
                code: e.code().to_string(),
                message: e.to_string(),
            };
            polled(outcome, next, None, Some(e), false)
        };
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) => return failed(e),
        };
        let moved_to = fetched.moved_permanently_to.clone();
        let unchanged = || {
            let seen = Observation {
                max_age: fetched.max_age,
                not_modified: true,
                ..Default::default()
            };
            let outcome = FeedOutcome::NotModified {
                etag: fetched.validators.etag.clone(),
                last_modified: fetched.validators.last_modified.clone(),
            };
            polled(outcome, after_success(&seen), moved_to.clone(), None, true)
        };
        let Some(body) = fetched.body.as_ref() else {
            return unchanged();
        };
        if pass == Pass::Add && discover::looks_like_html(&body.bytes, body.content_type.as_deref())
        {
            // A page given for a feed: its feeds are what the caller wants.
            let (bytes, content_type) = (body.bytes.clone(), body.content_type.clone());
            let page = fetched.final_url.clone();
            let found = Decoders::get()
                .run(move || discover::discover(&bytes, content_type.as_deref(), &page))
                .await;
            let error = Error::NotAFeed {
                url: feed.url.clone(),
                html: true,
            };
            return match found {
                Ok(found) => Polled {
                    found,
                    ..failed(error)
                },
                Err(e) => failed(e),
            };
        }
        let body_hash = dedup::body_hash(&body.bytes);
        if feed.body_hash.as_deref() == Some(body_hash.as_str()) {
            // New validators, same bytes: nothing to decode.
            return unchanged();
        }
        let bytes = body.bytes.clone();
        let content_type = body.content_type.clone();
        let url = fetched.final_url.clone();
        let cap = self.config.max_entries_per_feed;
        let rules = rules.clone();
        let (feed_id, old_title, folder) = (feed.id, feed.title.clone(), feed.folder.clone());
        let word_epoch = self.store.word_epoch();
        let group = self.config.group_stories;
        let decoded = Decoders::get()
            .run(move || {
                decode::decode_limited(&bytes, content_type.as_deref(), &url, cap).map(|mut doc| {
                    let published = doc
                        .entries
                        .iter()
                        .filter_map(|e| e.published)
                        .collect::<Vec<_>>();
                    // The title the store will keep for the feed (see `apply_feed`), which
                    // `feed:` terms match.
                    let title = doc
                        .title
                        .as_deref()
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .unwrap_or(&old_title);
                    let feed_tokens = if rules.is_empty() {
                        Vec::new()
                    } else {
                        text::tokens(title)
                    };
                    let entries: Vec<PreparedEntry> = std::mem::take(&mut doc.entries)
                        .into_iter()
                        .map(|entry| {
                            let mut p = PreparedEntry::noting_words_for(entry, word_epoch, group);
                            if !rules.is_empty() {
                                p.match_rules(&rules, feed_id, folder.as_deref(), &feed_tokens);
                            }
                            p
                        })
                        .collect();
                    (doc, entries, published)
                })
            })
            .await
            .and_then(|r| r);
        let (doc, entries, published) = match decoded {
            Ok(d) => d,
            Err(e) => return failed(e),
        };
        let seen = Observation {
            published,
            ttl: doc.ttl,
            max_age: fetched.max_age,
            not_modified: false,
        };
        let outcome = FeedOutcome::Fetched {
            recovery_note: doc.recovery_note(),
            title: doc.title,
            site_url: doc.site_url,
            entries,
            etag: fetched.validators.etag.clone(),
            last_modified: fetched.validators.last_modified.clone(),
            body_hash: Some(body_hash),
        };
        polled(outcome, after_success(&seen), moved_to, None, false)
    }

    /// The schedule's bounds: the configured ones, or those the user saved in settings.
    async fn bounds(&self) -> Result<Bounds> {
        let mut b = Bounds::from_config(&self.config);
        let saved = on_store(&self.store, |s| s.saved_settings()).await;
        if let Ok(Some(s)) = saved {
            // Bounds the user saved in settings replace the configured defaults.
            let floor = crate::config::SHORTEST_ALLOWED_INTERVAL;
            b.min = Duration::from_secs(s.min_interval_secs as u64).max(floor);
            b.max = Duration::from_secs(s.max_interval_secs as u64).max(b.min);
        } else if let Err(Error::ShuttingDown) = saved {
            return Err(Error::ShuttingDown);
        }
        Ok(b)
    }
}

fn validators(feed: &FeedFetchState) -> Validators {
    Validators {
        etag: feed.etag.clone(),
        last_modified: feed.last_modified.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn decoders_survive_a_panicking_job() {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for _ in 0..threads {
            let failed = Decoders::get()
                .run(|| -> u32 { panic!("a bad feed") })
                .await;
            assert!(
                matches!(failed, Err(Error::DecoderFailed)),
                "a panic while decoding is reported as such, not as shutting down"
            );
        }
        // Every thread took a panic above, or some took several: all still decode.
        let results =
            futures::future::join_all((0..threads * 2).map(|i| Decoders::get().run(move || i)))
                .await;
        let results: Vec<usize> = results.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(results, (0..threads * 2).collect::<Vec<_>>());
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn decoding_runs_at_a_lower_priority_than_the_rest() {
        let ours = rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap();
        let theirs = Decoders::get()
            .run(|| rustix::process::getpriority_process(Some(rustix::thread::gettid())))
            .await
            .unwrap()
            .unwrap();
        // Nice values stop at 19. The pool may have been started by another test's thread,
        // which runs at the process's priority too.
        assert_eq!(theirs, (ours + DECODE_NICENESS).min(19));
    }
}
