//! Fetch: the first stage of the pipeline. Downloads one feed document over HTTP(S).
//!
//! [`Fetcher::fetch`] does, in this order:
//!
//! 1. Parses the URL and refuses anything that is not `http` or `https`.
//! 2. Waits for a slot on the URL's host (`max_requests_per_host`), then for a slot overall
//!    (`max_concurrent_requests`), so a reader with fifty feeds on one site does not hammer it
//!    and a large subscription list does not open hundreds of sockets at once.
//! 3. Sends a GET with an honest User-Agent, an `Accept` header preferring feed types (HTML
//!    for an article's page, [`Fetcher::fetch_page`]), and
//!    `If-None-Match` / `If-Modified-Since` from the previous fetch's [`Validators`].
//!    reqwest advertises and transparently undoes gzip, brotli and deflate.
//! 4. Follows redirects itself, one hop at a time (slots are released between hops), so it can
//!    cap them at `max_redirects`, spot loops, resolve relative `Location`s, refuse non-HTTP
//!    targets and tell whether every hop was permanent (then the subscription should move).
//! 5. Maps the final status: 304 (or a 200 carrying the ETag we sent) is "not modified";
//!    429/503 become [`Error::RetryLater`] with `Retry-After`; other errors [`Error::HttpStatus`].
//! 6. Streams the body, refusing it early when `Content-Length` exceeds `max_body_bytes` and
//!    counting decompressed bytes as they arrive, so a gzip bomb stops at the cap.
//! 7. Reads `Cache-Control: max-age` (or `Expires`) so the scheduler can respect freshness.
//!
//! Dates in `Retry-After` and `Expires` are measured against the response's own `Date`, and
//! without one against the injected [`Clock`](crate::clock::Clock) (the engine's), never the
//! system time directly.
//!
//! One deadline, `request_timeout`, covers the network time of all hops together, body included:
//! a server dribbling one byte per second cannot hold a fetch open. Time spent waiting for a
//! slot does not count against it, since that is our own queue, not the server's slowness.

use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDateTime, Utc};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::StatusCode;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

/// Feed formats first, generic XML/JSON next, HTML last (feed discovery reads pages too).
const ACCEPT_FEEDS: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
    application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, \
    text/html;q=0.5, */*;q=0.1";

/// Web pages first (an article's own page, for its full text), anything else last.
const ACCEPT_PAGES: &str = "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.5, */*;q=0.1";

/// Largest buffer reserved up front from a `Content-Length`; a server can claim any length, so
/// beyond this the buffer grows with what actually arrives.
const MAX_PREALLOCATION: usize = 1024 * 1024;

/// Validators from a previous fetch, sent back for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header of the last 200 response.
    pub etag: Option<String>,
    /// The `Last-Modified` header of the last 200 response.
    pub last_modified: Option<String>,
}

/// What a fetch brought back.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL the document was finally served from, after redirects.
    pub final_url: String,
    /// Set when every redirect hop was permanent (301/308): the subscription should move here.
    ///
    /// Never set for a move from `https` to `http`, so a subscription is not silently
    /// downgraded to plain text.
    pub moved_permanently_to: Option<String>,
    /// The document, or `None` when the server said 304 (or sent back the validator we sent).
    pub body: Option<Body>,
    /// Validators to send next time (the old ones are kept on 304).
    pub validators: Validators,
    /// Freshness lifetime from `Cache-Control: max-age` (or `Expires`), if any.
    pub max_age: Option<Duration>,
}

/// A downloaded document.
#[derive(Debug, Clone)]
pub struct Body {
    /// The bytes, decompressed.
    pub bytes: Vec<u8>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
}

/// An HTTP client with Wirewatch's limits.
///
/// Cheap to clone: clones share the connection pool and the concurrency limits, so one
/// `Fetcher` should be created per engine and handed to every polling task.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: Arc<Limits>,
    /// What "now" is when a response carries no `Date` of its own.
    clock: SharedClock,
}

/// The bounds from [`Config`] and the shared semaphores enforcing them.
#[derive(Debug)]
struct Limits {
    connect_timeout: Duration,
    request_timeout: Duration,
    max_body_bytes: u64,
    max_page_bytes: u64,
    max_redirects: usize,
    per_host: usize,
    global: Arc<Semaphore>,
    /// One semaphore per host name, created on demand and dropped once idle.
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// The slots held while one hop is on the wire; dropping this releases them.
struct Slots {
    _host: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

/// The outcome of one request in a redirect chain.
enum Hop {
    /// The server pointed elsewhere.
    Redirect {
        status: StatusCode,
        location: String,
    },
    /// The final answer (the redirect fields are filled in by the caller).
    Done(Fetched),
}

impl Fetcher {
    /// A client built from `config` (timeouts, caps, User-Agent, concurrency limits) that
    /// reads the system clock; see [`Fetcher::with_clock`].
    pub fn new(config: &Config) -> Result<Self> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A client built from `config` that measures dates against `clock`.
    ///
    /// Limits of zero are raised to one: a zero-permit semaphore would make every fetch wait
    /// forever, which is worse than any other reading of the setting.
    pub fn with_clock(config: &Config, clock: SharedClock) -> Result<Self> {
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            // Redirects are followed by `fetch` so it can count them, spot loops and tell
            // permanent moves from temporary ones.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Unreachable {
                url: String::new(),
                reason: format!("could not set up the HTTP client: {}", describe(&e)),
            })?;
        let clamp = |n: usize| n.clamp(1, Semaphore::MAX_PERMITS);
        Ok(Fetcher {
            client,
            limits: Arc::new(Limits {
                connect_timeout: config.connect_timeout,
                request_timeout: config.request_timeout,
                max_body_bytes: config.max_body_bytes,
                max_page_bytes: config.max_page_bytes,
                max_redirects: config.max_redirects,
                per_host: clamp(config.max_requests_per_host),
                global: Arc::new(Semaphore::new(clamp(config.max_concurrent_requests))),
                hosts: Mutex::new(HashMap::new()),
            }),
            clock,
        })
    }

    /// GETs `url`, conditionally when `validators` has any.
    ///
    /// Errors name `url` as given (the subscription the user knows), except
    /// [`Error::InvalidUrl`] for a bad redirect target, which names that target.
    pub async fn fetch(&self, url: &str, validators: &Validators) -> Result<Fetched> {
        let limit = self.limits.max_body_bytes;
        self.fetch_accepting(url, validators, ACCEPT_FEEDS, limit)
            .await
    }

    /// GETs the web page at `url` (an article's own page), unconditionally, with an `Accept`
    /// header that prefers HTML and the smaller size cap of pages (`max_page_bytes`);
    /// otherwise as [`Fetcher::fetch`] (the same slots, time cap and redirect rules).
    pub async fn fetch_page(&self, url: &str) -> Result<Fetched> {
        let limit = self.limits.max_page_bytes;
        self.fetch_accepting(url, &Validators::default(), ACCEPT_PAGES, limit)
            .await
    }

    async fn fetch_accepting(
        &self,
        url: &str,
        validators: &Validators,
        accept: &'static str,
        limit: u64,
    ) -> Result<Fetched> {
        let mut current = parse_http_url(url)?;
        let mut visited = HashSet::from([current.clone()]);
        let mut redirects = 0usize;
        let mut all_permanent = true;
        let mut downgraded = false;
        let mut budget = self.limits.request_timeout;

        loop {
            let slots = self.acquire_slots(&current).await?;
            let started = tokio::time::Instant::now();
            let hop =
                tokio::time::timeout(budget, self.hop(&current, validators, url, accept, limit))
                    .await;
            drop(slots);
            // The deadline is shared by all hops, so each one spends from what is left.
            budget = budget.saturating_sub(started.elapsed());
            let hop = hop.map_err(|_| Error::Timeout {
                url: url.to_owned(),
                secs: whole_seconds(self.limits.request_timeout),
            })??;

            match hop {
                Hop::Done(mut fetched) => {
                    if redirects > 0 && all_permanent && !downgraded {
                        fetched.moved_permanently_to = Some(fetched.final_url.clone());
                    }
                    return Ok(fetched);
                }
                Hop::Redirect { status, location } => {
                    let next = current.join(&location).map_err(|e| Error::InvalidUrl {
                        url: location.clone(),
                        reason: format!("redirect target from {current} is not a URL: {e}"),
                    })?;
                    check_scheme(&next, next.as_str())?;
                    redirects += 1;
                    // A revisited URL would loop until the cap anyway; stop at once.
                    if redirects > self.limits.max_redirects || !visited.insert(next.clone()) {
                        return Err(Error::TooManyRedirects {
                            url: url.to_owned(),
                        });
                    }
                    all_permanent &= matches!(
                        status,
                        StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                    );
                    downgraded |= current.scheme() == "https" && next.scheme() == "http";
                    tracing::debug!(from = %current, to = %next, %status, "following redirect");
                    current = next;
                }
            }
        }
    }

    /// Waits for a slot on `url`'s host, then for a global one.
    ///
    /// Host first: a fetch queued behind a busy host must not sit on a global slot that
    /// requests to other hosts could use. Holders of a global slot never wait for anything
    /// else, so the two semaphores cannot deadlock.
    async fn acquire_slots(&self, url: &Url) -> Result<Slots> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let semaphore = {
            let mut hosts = self
                .limits
                .hosts
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            // A semaphore referenced only by the map has no holder and no waiter; forgetting
            // it keeps the map from growing with every host seen over months of polling.
            hosts.retain(|_, semaphore| Arc::strong_count(semaphore) > 1);
            hosts
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(self.limits.per_host)))
                .clone()
        };
        // The semaphores are never closed, so failing to acquire means the engine is going away.
        let host = semaphore
            .acquire_owned()
            .await
            .map_err(|_| Error::ShuttingDown)?;
        let global = Arc::clone(&self.limits.global)
            .acquire_owned()
            .await
            .map_err(|_| Error::ShuttingDown)?;
        Ok(Slots {
            _host: host,
            _global: global,
        })
    }

    /// One request: a redirect to follow, or the final answer with its body read.
    async fn hop(
        &self,
        url: &Url,
        validators: &Validators,
        requested: &str,
        accept: &'static str,
        limit: u64,
    ) -> Result<Hop> {
        let mut request = self.client.get(url.clone()).header(header::ACCEPT, accept);
        // Validators come from a server; one that is not a legal header value is dropped
        // rather than failing the fetch (we then simply download the document again).
        if let Some(etag) = validators.etag.as_deref().and_then(header_value) {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(date) = validators.last_modified.as_deref().and_then(header_value) {
            request = request.header(header::IF_MODIFIED_SINCE, date);
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(requested, &e))?;

        let status = response.status();
        let headers = response.headers();
        let now = self.clock.now();

        if is_followed_redirect(status) {
            if let Some(location) = headers.get(header::LOCATION) {
                // Some servers put raw UTF-8 in Location; `Url::join` percent-encodes it.
                let location = String::from_utf8_lossy(location.as_bytes())
                    .trim()
                    .to_owned();
                return Ok(Hop::Redirect { status, location });
            }
        }

        let max_age = freshness_lifetime(headers, now);
        let not_modified = Fetched {
            final_url: url.to_string(),
            moved_permanently_to: None,
            body: None,
            validators: validators.clone(),
            max_age,
        };

        if status == StatusCode::NOT_MODIFIED {
            return Ok(Hop::Done(not_modified));
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            return Err(Error::RetryLater {
                url: requested.to_owned(),
                status: status.as_u16(),
                retry_after_secs: retry_after_secs(headers, now),
            });
        }
        if !status.is_success() {
            return Err(Error::HttpStatus {
                url: requested.to_owned(),
                status: status.as_u16(),
            });
        }

        let fresh = Validators {
            etag: header_string(headers, header::ETAG),
            last_modified: header_string(headers, header::LAST_MODIFIED),
        };
        // Some servers ignore If-None-Match and send the whole document again with the same
        // ETag; skipping it saves parsing and deduplicating an unchanged feed.
        if let (Some(sent), Some(got)) = (&validators.etag, &fresh.etag) {
            if etags_match(sent, got) {
                return Ok(Hop::Done(not_modified));
            }
        }

        let content_type = header_string(headers, header::CONTENT_TYPE);
        let bytes = self.read_body(response, requested, limit).await?;
        Ok(Hop::Done(Fetched {
            final_url: url.to_string(),
            moved_permanently_to: None,
            body: Some(Body {
                bytes,
                content_type,
            }),
            validators: fresh,
            max_age,
        }))
    }

    /// Reads the (decompressed) body, never holding more than `limit` bytes.
    ///
    /// reqwest removes `Content-Length` from compressed responses, so the early check only
    /// applies to uncompressed ones; the running count covers both, and since decompressed
    /// data is never meaningfully smaller than its compressed form, it bounds the wire bytes
    /// too. A stream that inflates to nothing at all is cut off by the deadline.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        requested: &str,
        limit: u64,
    ) -> Result<Vec<u8>> {
        let too_large = || Error::TooLarge {
            url: requested.to_owned(),
            limit,
        };
        let declared = response.content_length();
        if declared.is_some_and(|length| length > limit) {
            return Err(too_large());
        }
        let cap = usize::try_from(limit).unwrap_or(usize::MAX);
        let initial = declared
            .and_then(|length| usize::try_from(length).ok())
            .unwrap_or(0)
            .min(cap)
            .min(MAX_PREALLOCATION);
        let mut bytes = Vec::with_capacity(initial);

        while let Some(chunk) = response.chunk().await.map_err(|e| Error::Unreachable {
            url: requested.to_owned(),
            reason: format!("reading the body failed: {}", describe(&e)),
        })? {
            let needed = bytes
                .len()
                .checked_add(chunk.len())
                .filter(|&needed| needed <= cap)
                .ok_or_else(too_large)?;
            if needed > bytes.capacity() {
                // Grow geometrically but never past the cap: plain `extend` could double a
                // nearly full buffer to twice the limit.
                let target = needed.max(bytes.capacity().saturating_mul(2)).min(cap);
                bytes.reserve_exact(target - bytes.len());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Sorts a failed request into the engine's error kinds.
    fn transport_error(&self, requested: &str, error: &reqwest::Error) -> Error {
        if error.is_timeout() {
            let limit = if error.is_connect() {
                self.limits.connect_timeout
            } else {
                self.limits.request_timeout
            };
            return Error::Timeout {
                url: requested.to_owned(),
                secs: whole_seconds(limit),
            };
        }
        // DNS failures, refused connections and TLS errors all surface as connect errors;
        // anything else (a connection reset mid-response) is just as much "could not reach".
        Error::Unreachable {
            url: requested.to_owned(),
            reason: describe(error),
        }
    }
}

/// Parses `url`, accepting only absolute http(s) URLs with a host.
fn parse_http_url(url: &str) -> Result<Url> {
    let parsed = Url::parse(url.trim()).map_err(|e| Error::InvalidUrl {
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    check_scheme(&parsed, url)?;
    Ok(parsed)
}

/// Refuses schemes other than http and https (`file:`, `ftp:`, `data:` ...), wherever they
/// come from: a subscription or a redirect.
fn check_scheme(url: &Url, shown: &str) -> Result<()> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::InvalidUrl {
            url: shown.to_owned(),
            reason: format!("only http and https are supported, not {}", url.scheme()),
        });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::InvalidUrl {
            url: shown.to_owned(),
            reason: "the URL has no host".to_owned(),
        });
    }
    Ok(())
}

/// The redirect statuses that carry a `Location` to follow (300 and 305 do not, usefully).
fn is_followed_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

/// `value` as a header value, if it is a legal one.
fn header_value(value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(value.trim()).ok()
}

/// The header `name` as text, if present and printable.
fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)?
        .to_str()
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// Weak ETag comparison (RFC 9110 §8.8.3.2), the one `If-None-Match` uses: `W/"x"` matches
/// `"x"`, since servers often weaken the tag when they compress on the fly.
fn etags_match(a: &str, b: &str) -> bool {
    fn opaque(tag: &str) -> &str {
        let tag = tag.trim();
        tag.strip_prefix("W/").unwrap_or(tag)
    }
    opaque(a) == opaque(b)
}

/// Seconds to wait from `Retry-After`, given either as seconds or as an HTTP-date.
///
/// A date is measured against the response's own `Date` so a client clock that is off does
/// not stretch or shrink the wait; without `Date`, against `now`. A date in the past means 0.
fn retry_after_secs(headers: &HeaderMap, now: DateTime<Utc>) -> Option<u64> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let until = parse_http_date(value)?;
    Some(seconds_between(server_now(headers, now), until))
}

/// Freshness lifetime: `Cache-Control: max-age` wins over `Expires`, as RFC 9111 says.
///
/// `s-maxage` is for shared caches and is ignored. An `Expires` that is not a date (often `0`
/// or `-1`) means "already stale", so it yields zero rather than nothing.
fn freshness_lifetime(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    // Cache-Control may be split over several header lines.
    let directives = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for directive in directives {
        if let Some((name, value)) = directive.split_once('=') {
            if name.trim().eq_ignore_ascii_case("max-age") {
                if let Ok(secs) = value.trim().trim_matches('"').parse::<u64>() {
                    return Some(Duration::from_secs(secs));
                }
            }
        }
    }
    let expires = headers.get(header::EXPIRES)?.to_str().ok()?;
    let secs = parse_http_date(expires)
        .map(|until| seconds_between(server_now(headers, now), until))
        .unwrap_or(0);
    Some(Duration::from_secs(secs))
}

/// The server's idea of now (its `Date` header), else ours.
fn server_now(headers: &HeaderMap, now: DateTime<Utc>) -> DateTime<Utc> {
    headers
        .get(header::DATE)
        .and_then(|value| value.to_str().ok())
        .and_then(parse_http_date)
        .unwrap_or(now)
}

/// Whole seconds from `from` to `to`, 0 when `to` is not after `from`.
fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    u64::try_from((to - from).num_seconds()).unwrap_or(0)
}

/// Parses the three HTTP-date forms recipients must accept (RFC 9110 §5.6.7): IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`) and the obsolete RFC 850 and asctime forms.
fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(date) = DateTime::parse_from_rfc2822(value) {
        return Some(date.with_timezone(&Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .map(|date| date.and_utc())
}

/// A limit in whole seconds for error messages, rounded up so a sub-second limit is not "0 s".
fn whole_seconds(limit: Duration) -> u64 {
    limit.as_secs() + u64::from(limit.subsec_nanos() > 0)
}

/// An error and its causes on one line; reqwest's own message alone rarely says what failed.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Layers often repeat their cause verbatim; print each message once.
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_three_http_date_forms_parse_to_the_same_instant() {
        let expected = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
        assert!(expected.is_some(), "IMF-fixdate should parse");
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            expected,
            "RFC 850 form"
        );
        assert_eq!(
            parse_http_date("Sun Nov  6 08:49:37 1994"),
            expected,
            "asctime form"
        );
        assert_eq!(parse_http_date("soon"), None, "garbage is not a date");
    }

    #[test]
    fn weak_and_strong_forms_of_one_etag_match() {
        assert!(etags_match("W/\"abc\"", "\"abc\""), "weak vs strong");
        assert!(!etags_match("\"abc\"", "\"abd\""), "different tags");
    }

    #[test]
    fn a_retry_after_date_without_a_date_header_is_measured_from_our_clock() {
        let now = Utc::now();
        let mut headers = HeaderMap::new();
        let later = (now + chrono::Duration::seconds(3600))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_str(&later).expect("header"),
        );
        let secs = retry_after_secs(&headers, now).expect("a date is understood");
        assert!(
            (3599..=3600).contains(&secs),
            "an hour from now, got {secs}"
        );
    }

    #[test]
    fn a_retry_after_date_in_the_past_means_no_wait() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after_secs(&headers, Utc::now()), Some(0), "past is 0");
    }

    #[test]
    fn an_expires_that_is_not_a_date_means_already_stale() {
        let mut headers = HeaderMap::new();
        headers.insert(header::EXPIRES, HeaderValue::from_static("0"));
        assert_eq!(
            freshness_lifetime(&headers, Utc::now()),
            Some(Duration::ZERO),
            "RFC 9111: an invalid Expires is in the past"
        );
        assert_eq!(
            freshness_lifetime(&HeaderMap::new(), Utc::now()),
            None,
            "no headers, no lifetime"
        );
    }

    #[test]
    fn sub_second_limits_are_reported_as_one_second() {
        assert_eq!(whole_seconds(Duration::from_millis(300)), 1, "rounded up");
        assert_eq!(
            whole_seconds(Duration::from_secs(30)),
            30,
            "whole seconds kept"
        );
    }
}
