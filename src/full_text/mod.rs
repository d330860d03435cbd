//! Full text: the stage after store. Fetches the own pages of new articles whose feed wants
//! them (`always`, or `auto` when the entry is a teaser, [`teaser`]), extracts their story
//! ([`crate::extract`]) and stores it with the article, which search then finds and rules
//! match; an alert the full text raises goes out then.
//!
//! The writer queues a page as it stores a new article; each commit of a poll wakes this
//! stage. A round ([`Pages::round`]), in order:
//! 1. takes up to [`BATCH`] queued pages that are due, longest waiting first;
//! 2. for each, at most [`PAGES_IN_FLIGHT`] at once and two of one site at once, one after
//!    another: a page whose site is paused waits for the pause to end, with no try counted; the
//!    site's robots.txt is asked ([`robots`], fetched once per site), and a page that would
//!    follow the site's last one sooner than its `Crawl-delay` waits for its turn, with no try
//!    counted either; the page is fetched
//!    with the engine's [`Fetcher`] (`Accept` preferring HTML, the same time and redirect
//!    caps as feeds, `max_page_bytes`), and its story extracted on a thread of its own
//!    at the lowest priority;
//! 3. sorts each outcome: a full text; a final status (not HTML, no content, too large,
//!    blocked by robots.txt or 401/403, gone with 404/410, a redirect loop); or a failure
//!    worth another try (unreachable, timeout, 5xx, 429/503), tried again after
//!    [`BACKOFF`] (or the server's `Retry-After` when longer) and `failed` after
//!    [`TRIES`] tries. A site that fails [`SITE_TRIPS`] times in a row, or asks to wait
//!    with `Retry-After`, is paused ([`SITE_PAUSE`]), so no site gets a storm of retries;
//! 4. stores the batch's full texts and final statuses in one short transaction
//!    ([`Store::store_full_texts`]), which matches each article again and raises the alerts
//!    its full text alone earns, once per story; counts them in their rules' spike series
//!    and announces them like a poll's, then an [`EngineEvent::FullText`] per article.
//!
//! Rounds repeat while pages are due. The stage never runs inside a poll: a poll's alerts
//! come from the feed's own text at its commit, and only a round's short transaction ever
//! waits for (or holds) the writer. Memory stays bounded: at most [`PAGES_IN_FLIGHT`]
//! bodies of `max_page_bytes`, and one batch of extracted texts.

pub mod robots;
pub mod teaser;

use crate::alert::Events;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::coverage::Watch;
use crate::error::{Error, Result};
use crate::extract::{self, ExtractError};
use crate::fetch::Fetcher;
use crate::model::{EngineEvent, FullText, FullTextMode, FullTextStatus};
use crate::poll::on_store;
use crate::rules::RuleSet;
use crate::store::{PageOutcome, PageResult, QueuedPage, Store};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;
use tokio::sync::Notify;
use url::Url;

/// Pages taken from the queue per round, and stored per transaction.
pub const BATCH: usize = 32;

/// Pages being fetched or extracted at once. The fetcher allows two requests per host, so
/// this spreads a round over several sites; with 5 MiB pages it bounds the bodies held to
/// 40 MiB at worst (news pages weigh a tenth of that).
pub const PAGES_IN_FLIGHT: usize = 8;

/// Pages of one site fetched at once: the fetcher's own limit per host.
const LANES_PER_SITE: usize = 2;

/// Tries of one page before it is `failed`.
pub const TRIES: u32 = 3;

/// The wait before the second and the third try.
pub const BACKOFF: [Duration; 2] = [Duration::from_secs(2 * 60), Duration::from_secs(20 * 60)];

/// Failures in a row (unreachable, timeouts, 5xx) that pause a site.
pub const SITE_TRIPS: u32 = 3;

/// How long a paused site is left alone.
pub const SITE_PAUSE: Duration = Duration::from_secs(30 * 60);

/// The longest `Retry-After` obeyed; a server asking for more is asked again after this.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(6 * 3600);

/// How much lower than the rest of the process extraction runs (a `nice` increment): below
/// the decoding threads, so a page never takes a core from a poll.
const EXTRACT_NICENESS: i32 = 15;

/// Whether a new article of a feed set to `mode` has its page fetched, its text being a
/// teaser or not.
pub fn wanted(mode: FullTextMode, teaser: bool) -> bool {
    match mode {
        FullTextMode::Always => true,
        FullTextMode::Never => false,
        FullTextMode::Auto => teaser,
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PagesDone {
    /// Full texts stored.
    pub fetched: u64,
    /// Pages given up (any final status but `fetched`).
    pub given_up: u64,
    /// Pages put off, to be tried again (or waiting for their site's pause to end).
    pub put_off: u64,
    /// Alerts raised by full texts.
    pub alerts: u64,
}

impl std::ops::AddAssign for PagesDone {
    fn add_assign(&mut self, o: PagesDone) {
        self.fetched += o.fetched;
        self.given_up += o.given_up;
        self.put_off += o.put_off;
        self.alerts += o.alerts;
    }
}

/// A site's recent failures.
#[derive(Debug, Default, Clone, Copy)]
struct Site {
    failures: u32,
    paused_until: Option<DateTime<Utc>>,
}

/// The full-text stage: its queue lives in the store; this holds what rounds share.
#[derive(Debug)]
pub(crate) struct Pages {
    store: Arc<Store>,
    fetcher: Fetcher,
    clock: SharedClock,
    events: Events,
    /// Spike counts, which the alerts a full text raises add to as a poll's do.
    watch: Arc<Watch>,
    live_alerts: usize,
    max_page_bytes: u64,
    robots: robots::Robots,
    sites: Mutex<HashMap<String, Site>>,
    /// Per host, the earliest time of its next page fetch, for sites whose robots.txt sets a
    /// `Crawl-delay`.
    next_fetch: Mutex<HashMap<String, DateTime<Utc>>>,
    /// Woken by each commit of a poll, and by a change of settings.
    pub(crate) wake: Arc<Notify>,
    one_at_a_time: tokio::sync::Mutex<()>,
}

/// What became of one page this round.
enum Verdict {
    Done(PageOutcome),
    Retry {
        article_id: i64,
        attempts: u32,
        at: DateTime<Utc>,
        note: Option<String>,
    },
}

impl Pages {
    /// The stage over `store`, fetching with `fetcher` (shared with polls, so its limits per
    /// host hold for both), telling `events`.
    pub(crate) fn new(
        store: Arc<Store>,
        fetcher: Fetcher,
        config: &Config,
        clock: SharedClock,
        events: Events,
        watch: Arc<Watch>,
    ) -> Pages {
        Pages {
            store,
            fetcher,
            clock,
            events,
            watch,
            live_alerts: config.live_alerts_per_poll,
            max_page_bytes: config.max_page_bytes,
            robots: robots::Robots::default(),
            sites: Mutex::new(HashMap::new()),
            next_fetch: Mutex::new(HashMap::new()),
            wake: Arc::new(Notify::new()),
            one_at_a_time: tokio::sync::Mutex::new(()),
        }
    }

    /// Runs rounds until no page is due now; `rules` gives the rules to match against.
    pub(crate) async fn due(&self, rules: impl Fn() -> Arc<RuleSet>) -> Result<PagesDone> {
        let _one_at_a_time = self.one_at_a_time.lock().await;
        let mut done = PagesDone::default();
        loop {
            let round = self.round(rules()).await?;
            let busy = round != PagesDone::default();
            done += round;
            if !busy {
                return Ok(done);
            }
        }
    }

    /// When the next queued page is due, if any.
    pub(crate) async fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        on_store(&self.store, |s| s.next_page_due()).await
    }

    /// One round: a batch of due pages fetched, sorted and stored.
    async fn round(&self, rules: Arc<RuleSet>) -> Result<PagesDone> {
        let now = self.clock.now();
        let due = on_store(&self.store, move |s| s.due_pages(now, BATCH)).await?;
        if due.is_empty() {
            return Ok(PagesDone::default());
        }
        // Each site's pages wait in a queue of their own, taken by at most
        // `LANES_PER_SITE` lanes, each one page at a time: a site that keeps failing is
        // paused after `SITE_TRIPS` failures, and its other pages wait without a try.
        let mut by_site: HashMap<String, VecDeque<QueuedPage>> = HashMap::new();
        for page in due {
            by_site
                .entry(site_of(&page.url))
                .or_default()
                .push_back(page);
        }
        let lanes: Vec<Arc<Mutex<VecDeque<QueuedPage>>>> = by_site
            .into_values()
            .flat_map(|pages| {
                let lanes = pages.len().min(LANES_PER_SITE);
                let queue = Arc::new(Mutex::new(pages));
                std::iter::repeat_n(queue, lanes)
            })
            .collect();
        let verdicts: Vec<Verdict> = futures::stream::iter(lanes)
            .map(|queue| async move {
                let mut verdicts = Vec::new();
                loop {
                    let next = queue
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .pop_front();
                    let Some(page) = next else {
                        return verdicts;
                    };
                    verdicts.push(self.page(page).await);
                }
            })
            .buffer_unordered(PAGES_IN_FLIGHT)
            .flat_map(futures::stream::iter)
            .collect()
            .await;
        let mut done = PagesDone::default();
        let mut outcomes = Vec::new();
        let mut retries = Vec::new();
        for verdict in verdicts {
            match verdict {
                Verdict::Done(outcome) => {
                    match outcome.result {
                        PageResult::Fetched(_) => done.fetched += 1,
                        PageResult::Final { .. } => done.given_up += 1,
                    }
                    outcomes.push(outcome);
                }
                Verdict::Retry {
                    article_id,
                    attempts,
                    at,
                    note,
                } => {
                    done.put_off += 1;
                    retries.push((article_id, attempts, at, note));
                }
            }
        }
        if !retries.is_empty() {
            on_store(&self.store, move |s| s.retry_pages(&retries)).await?;
        }
        if outcomes.is_empty() {
            return Ok(done);
        }
        let statuses: Vec<(i64, FullTextStatus)> = outcomes
            .iter()
            .map(|o| {
                let status = match &o.result {
                    PageResult::Fetched(_) => FullTextStatus::Fetched,
                    PageResult::Final { status, .. } => *status,
                };
                (o.article_id, status)
            })
            .collect();
        let (live, now) = (self.live_alerts, self.clock.now());
        let applied = on_store(&self.store, move |s| {
            s.store_full_texts(outcomes, &rules, now, live)
        })
        .await?;
        done.alerts = applied.alert_count();
        // A late alert is as much coverage as a poll's: it counts in its rule's spike series.
        let alerts = applied.alerts.iter().map(|(alert, _)| alert);
        self.watch.spikes.count(alerts, &applied.tallies, now);
        crate::alert::announce(&self.events, applied);
        for (article_id, status) in statuses {
            self.events
                .emit(EngineEvent::FullText { article_id, status });
        }
        Ok(done)
    }

    /// Fetches and extracts one page, and says what became of it.
    async fn page(&self, page: QueuedPage) -> Verdict {
        let QueuedPage {
            article_id,
            url,
            attempts,
        } = page;
        let final_status = |status, note: String| {
            Verdict::Done(PageOutcome {
                article_id,
                result: PageResult::Final { status, note },
            })
        };
        let Ok(parsed) = Url::parse(&url) else {
            return final_status(
                FullTextStatus::Failed,
                "The article's link is not a web address; the feed's summary is shown.".into(),
            );
        };
        let host = site_of(&url);
        if let Some(until) = self.paused_until(&host) {
            // No try is counted: the site, not the page, is the trouble.
            return Verdict::Retry {
                article_id,
                attempts,
                at: until,
                note: None,
            };
        }
        let fetched = match self
            .robots
            .allowed(&self.fetcher, &parsed, self.clock.now())
            .await
        {
            Ok(false) => {
                return final_status(
                    FullTextStatus::Blocked,
                    "The site's robots.txt asks automated readers not to fetch this page; \
                     the feed's summary is shown."
                        .into(),
                )
            }
            Ok(true) => {
                if let Some(at) = self.crawl_slot(&host, &parsed) {
                    // Not a try: the site asked for a gap between fetches.
                    return Verdict::Retry {
                        article_id,
                        attempts,
                        at,
                        note: None,
                    };
                }
                self.fetch_and_extract(&url).await
            }
            Err(e) => Err((ExtractError::Fetch(e), None)),
        };
        match fetched {
            Ok(extracted) => {
                self.site_answered(&host);
                Verdict::Done(PageOutcome {
                    article_id,
                    result: PageResult::Fetched(Box::new(FullText {
                        words: u32::try_from(extracted.words).unwrap_or(u32::MAX),
                        html: extracted.html,
                        text: extracted.text,
                        byline: extracted.byline,
                        published: extracted.published,
                        lang: extracted.lang,
                        image: extracted.image,
                        fetched_at: self.clock.now(),
                    })),
                })
            }
            Err((e, body)) => match self.sort(&e, body.as_deref()) {
                Sorted::Final(status, note) => {
                    self.site_answered(&host);
                    final_status(status, note)
                }
                Sorted::Again(retry_after) => {
                    let tries = attempts + 1;
                    self.site_failed(&host, retry_after);
                    if tries >= TRIES {
                        return final_status(
                            FullTextStatus::Failed,
                            format!(
                                "The page could not be fetched after {tries} tries ({}); \
                                 the feed's summary is shown.",
                                reason(&e)
                            ),
                        );
                    }
                    let wait = BACKOFF[(tries as usize - 1).min(BACKOFF.len() - 1)]
                        .max(retry_after.unwrap_or_default());
                    Verdict::Retry {
                        article_id,
                        attempts: tries,
                        at: self.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default(),
                        note: Some(format!(
                            "The page could not be fetched yet ({}); Wirewatch will try again.",
                            reason(&e)
                        )),
                    }
                }
            },
        }
    }

    /// Fetches the page and extracts its story; a failure comes with the body, if one came.
    async fn fetch_and_extract(
        &self,
        url: &str,
    ) -> std::result::Result<extract::Extracted, (ExtractError, Option<Vec<u8>>)> {
        let fetched = self
            .fetcher
            .fetch_page(url)
            .await
            .map_err(|e| (ExtractError::Fetch(e), None))?;
        let Some(body) = fetched.body else {
            return Err((ExtractError::NoContent, None));
        };
        let Ok(final_url) = Url::parse(&fetched.final_url) else {
            return Err((ExtractError::NoContent, None));
        };
        on_extractor(move || {
            let found =
                extract::extract_bytes(&body.bytes, body.content_type.as_deref(), &final_url);
            found.map_err(|e| (e, Some(body.bytes)))
        })
        .await
        .unwrap_or_else(|e| Err((ExtractError::Fetch(e), None)))
    }

    /// Sorts a failure: a final status with its sentence, or another try (with the wait the
    /// server asked for, if any).
    fn sort(&self, e: &ExtractError, body: Option<&[u8]>) -> Sorted {
        let shown = "the feed's summary is shown.";
        match e {
            ExtractError::NotHtml { content_type } => Sorted::Final(
                FullTextStatus::NotHtml,
                format!(
                    "The link leads to {}, not a web page; {shown}",
                    kind_of(content_type)
                ),
            ),
            ExtractError::NoContent => Sorted::Final(
                FullTextStatus::NoContent,
                format!("{}; {shown}", wall(body)),
            ),
            ExtractError::Fetch(e) => match e {
                Error::TooLarge { .. } => Sorted::Final(
                    FullTextStatus::TooLarge,
                    format!(
                        "The page is larger than {} MB, more than Wirewatch reads; {shown}",
                        self.max_page_bytes.div_ceil(1024 * 1024)
                    ),
                ),
                Error::HttpStatus { status, .. } => match status {
                    401 | 403 => Sorted::Final(
                        FullTextStatus::Blocked,
                        format!("The site refused the page (HTTP {status}); {shown}"),
                    ),
                    404 | 410 => Sorted::Final(
                        FullTextStatus::Gone,
                        format!("The page is gone (HTTP {status}); {shown}"),
                    ),
                    408 | 500..=599 => Sorted::Again(None),
                    _ => Sorted::Final(
                        FullTextStatus::Failed,
                        format!("The site answered HTTP {status}; {shown}"),
                    ),
                },
                Error::RetryLater {
                    retry_after_secs, ..
                } => Sorted::Again(Some(
                    Duration::from_secs(retry_after_secs.unwrap_or(0)).min(LONGEST_RETRY_AFTER),
                )),
                Error::Timeout { .. } | Error::Unreachable { .. } => Sorted::Again(None),
                Error::TooManyRedirects { .. } => Sorted::Final(
                    FullTextStatus::Failed,
                    format!("The page redirects in a loop, or too many times; {shown}"),
                ),
                other => Sorted::Final(FullTextStatus::Failed, format!("{other}; {shown}")),
            },
        }
    }

    /// Takes `host`'s turn to fetch `url` now, keeping its robots.txt's `Crawl-delay` before
    /// the next; or, when the last fetch was too recent, the time its next turn comes.
    fn crawl_slot(&self, host: &str, url: &Url) -> Option<DateTime<Utc>> {
        let delay = self.robots.crawl_delay(url)?;
        let now = self.clock.now();
        let mut next = self
            .next_fetch
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = next.get(host).filter(|at| **at > now) {
            return Some(*at);
        }
        // Turns passed are of no use; the map holds only sites with a fetch in the last
        // `MAX_CRAWL_DELAY`.
        next.retain(|_, at| *at > now);
        next.insert(
            host.to_owned(),
            now + chrono::Duration::from_std(delay).unwrap_or_default(),
        );
        None
    }

    /// Until when `host` is paused, if it is.
    fn paused_until(&self, host: &str) -> Option<DateTime<Utc>> {
        let now = self.clock.now();
        let sites = self.sites.lock().unwrap_or_else(PoisonError::into_inner);
        sites
            .get(host)
            .and_then(|s| s.paused_until)
            .filter(|until| *until > now)
    }

    /// `host` answered (whatever it said): its run of failures ends.
    fn site_answered(&self, host: &str) {
        let mut sites = self.sites.lock().unwrap_or_else(PoisonError::into_inner);
        sites.remove(host);
    }

    /// `host` failed; it is paused after [`SITE_TRIPS`] failures in a row, or at once for
    /// as long as it asked with `Retry-After`.
    fn site_failed(&self, host: &str, retry_after: Option<Duration>) {
        let now = self.clock.now();
        let mut sites = self.sites.lock().unwrap_or_else(PoisonError::into_inner);
        let site = sites.entry(host.to_owned()).or_default();
        site.failures += 1;
        let pause = match retry_after {
            Some(wait) if !wait.is_zero() => Some(wait),
            _ if site.failures >= SITE_TRIPS => Some(SITE_PAUSE),
            _ => None,
        };
        if let Some(pause) = pause {
            site.paused_until = Some(now + chrono::Duration::from_std(pause).unwrap_or_default());
        }
    }
}

/// The site a page belongs to, for pauses and lanes: its host.
fn site_of(url: &str) -> String {
    Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}

/// What a failure calls for.
enum Sorted {
    Final(FullTextStatus, String),
    Again(Option<Duration>),
}

/// A failure worth another try, in a few words for the note.
fn reason(e: &ExtractError) -> String {
    match e {
        ExtractError::Fetch(Error::Timeout { secs, .. }) => format!("no answer within {secs} s"),
        ExtractError::Fetch(Error::Unreachable { .. }) => "the site could not be reached".into(),
        ExtractError::Fetch(Error::HttpStatus { status, .. }) => format!("HTTP {status}"),
        ExtractError::Fetch(Error::RetryLater { status, .. }) => {
            format!("HTTP {status}: the site asked to wait")
        }
        other => other.to_string(),
    }
}

/// "a PDF", "an image", or the type, for a sentence.
fn kind_of(content_type: &str) -> String {
    match content_type {
        "application/pdf" => "a PDF".into(),
        t if t.starts_with("image/") => "an image".into(),
        t if t.starts_with("video/") => "a video".into(),
        t if t.starts_with("audio/") => "a recording".into(),
        t => format!("a file of type {t}"),
    }
}

/// Why a page had no article text, as far as its markup tells: a login form, a paywall.
fn wall(body: Option<&[u8]>) -> &'static str {
    let Some(body) = body else {
        return "No article text was found on the page";
    };
    let head = &body[..body.len().min(512 * 1024)];
    let page = String::from_utf8_lossy(head).to_ascii_lowercase();
    if page.contains("type=\"password\"")
        || page.contains("type='password'")
        || page.contains("type=password")
    {
        "The page is behind a login wall"
    } else if [
        "paywall",
        "subscribe to continue",
        "subscribers only",
        "subscriber-only",
    ]
    .iter()
    .any(|s| page.contains(s))
    {
        "The page is behind a paywall"
    } else {
        "No article text was found on the page (a page of scripts, an index or a wall)"
    }
}

/// A job for the extraction thread.
type ExtractJob = Box<dyn FnOnce() + Send>;

/// Runs `work` on the extraction thread: one thread, at a lower priority than the decoding
/// threads, so pages never take a core from a poll and use one core at most.
async fn on_extractor<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    static JOBS: OnceLock<Mutex<std::sync::mpsc::Sender<ExtractJob>>> = OnceLock::new();
    let jobs = JOBS.get_or_init(|| {
        let (jobs, queue) = std::sync::mpsc::channel::<ExtractJob>();
        let spawned = std::thread::Builder::new()
            .name("wirewatch-extract".into())
            .spawn(move || {
                crate::poll::lower_priority(EXTRACT_NICENESS);
                while let Ok(job) = queue.recv() {
                    // A panicking job drops its result sender, which its caller sees.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            });
        if let Err(err) = spawned {
            tracing::warn!(error = %err, "cannot start the extraction thread");
        }
        Mutex::new(jobs)
    });
    let (done, result) = tokio::sync::oneshot::channel();
    let job: ExtractJob = Box::new(move || {
        let _ = done.send(work());
    });
    jobs.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .send(job)
        .map_err(|_| Error::ShuttingDown)?;
    result.await.map_err(|_| Error::DecoderFailed)
}
