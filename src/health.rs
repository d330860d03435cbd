//! Feed health: what a feed's failures mean in plain words, whether a feed has gone quiet,
//! and whether the whole machine is offline.
//!
//! In this order:
//! 1. [`Problem::of`] turns a failed check's stable code and message (what the store keeps of
//!    an [`crate::Error`]) into a headline, a hint and the technical detail kept apart:
//!    "Can't find the server eastasiaforum.org", "Timed out after 20 s",
//!    "HTTP 403: the site refuses automated readers". Network failures are told apart by
//!    the causes the HTTP stack reports (DNS lookup, refused connection, TLS, reset).
//! 2. [`assess`] weighs a feed's recent checks and publishing: failing checks make it
//!    *failing*, and *probably dead* once it has failed for [`DEAD_AFTER`] without a success;
//!    a feed whose checks succeed but which has published nothing for [`SILENT_GAPS`] times its
//!    usual gap (and at least [`SILENT_AT_LEAST`]) is *silent*, shown apart from errors.
//! 3. [`Offline`] watches each poll's outcomes: when every feed checked failed with a network
//!    problem, the machine is probably offline, and polling backs off until a probe succeeds.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Failing for this long without a success makes a feed "probably dead".
pub const DEAD_AFTER: Duration = Duration::days(3);
/// Silent after this many times its usual gap without a new article.
pub const SILENT_GAPS: i32 = 4;
/// Never silent before this long without a new article, however often it usually publishes.
pub const SILENT_AT_LEAST: Duration = Duration::hours(12);

/// What kind of failure a check met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ProblemKind {
    /// The host name does not resolve.
    NoServer,
    /// The server refused the connection.
    Refused,
    /// No answer in time.
    Timeout,
    /// The secure connection could not be set up (certificate, protocol).
    Tls,
    /// The connection broke or could not be made for another reason.
    Unreachable,
    /// HTTP 401 or 403.
    Refuses,
    /// HTTP 404 or 410.
    Gone,
    /// HTTP 5xx other than 503.
    ServerError,
    /// Another HTTP status.
    HttpStatus,
    /// 429 or 503: come back later.
    RetryLater,
    /// The document is not a feed.
    NotAFeed,
    /// The feed could not be read.
    InvalidFeed,
    /// Too big, too many redirects, a bad URL, or anything else.
    Other,
}

impl ProblemKind {
    /// Whether the failure lies between this machine and the server (what being offline
    /// looks like), rather than with the server or the feed.
    pub fn is_network(self) -> bool {
        matches!(
            self,
            ProblemKind::NoServer
                | ProblemKind::Refused
                | ProblemKind::Timeout
                | ProblemKind::Unreachable
        )
    }
}

/// A failed check, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Problem {
    /// What kind of failure.
    pub kind: ProblemKind,
    /// One line for people: "Can't find the server eastasiaforum.org".
    pub headline: String,
    /// What to do about it.
    pub hint: String,
    /// The technical detail, for those who unfold it.
    pub detail: String,
}

impl Problem {
    /// Explains a failure stored as its stable `code` (see [`crate::Error::code`]) and
    /// `message` (its `Display`), for the feed at `url`.
    pub fn of(code: &str, message: &str, url: &str) -> Problem {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| {
                u.host_str()
                    .map(|h| h.trim_start_matches("www.").to_owned())
            })
            .unwrap_or_else(|| url.to_owned());
        let lower = message.to_lowercase();
        let (kind, headline, hint) = match code {
            "unreachable" => network(&lower, &host),
            "timeout" => {
                let secs = number_after::<u64>(message, "within ")
                    .map_or(String::new(), |s| format!(" after {s} s"));
                (
                    ProblemKind::Timeout,
                    format!("Timed out{secs}"),
                    "The server is slow or overloaded; Wirewatch tries again later.".into(),
                )
            }
            "http_status" | "retry_later" => {
                let status = number_after(message, "HTTP ").unwrap_or(0);
                http(code, status)
            }
            "not_a_feed" => {
                let page = lower.contains("web page");
                (
                    ProblemKind::NotAFeed,
                    if page {
                        "Not a feed: this page links to no feed".into()
                    } else {
                        "Not a feed".into()
                    },
                    "Check the address; the site may have moved its feed. Try adding the site's home page to find it."
                        .into(),
                )
            }
            "invalid_feed" => (
                ProblemKind::InvalidFeed,
                "The feed is damaged and could not be read".into(),
                "This is usually the site's fault and passes; if it lasts, tell the site.".into(),
            ),
            "too_large" => (
                ProblemKind::Other,
                "The feed is too large".into(),
                "The site sends more than Wirewatch accepts for one feed.".into(),
            ),
            "too_many_redirects" => (
                ProblemKind::Other,
                "The site redirects in circles".into(),
                "Open the address in a browser to find where the feed went.".into(),
            ),
            "invalid_url" => (
                ProblemKind::Other,
                "The address is not valid".into(),
                "Edit the feed's address.".into(),
            ),
            _ => (
                ProblemKind::Other,
                "The check failed".into(),
                "Wirewatch tries again later.".into(),
            ),
        };
        Problem {
            kind,
            headline,
            hint,
            detail: message.to_owned(),
        }
    }
}

/// A network failure, told apart by the causes the HTTP stack names in the message.
fn network(lower: &str, host: &str) -> (ProblemKind, String, String) {
    if lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
        || lower.contains("no address associated")
        || lower.contains("nodename nor servname")
    {
        (
            ProblemKind::NoServer,
            format!("Can't find the server {host}"),
            "Check the address for typos. If every feed shows this, the computer is probably offline.".into(),
        )
    } else if lower.contains("connection refused") {
        (
            ProblemKind::Refused,
            "The server refused the connection".into(),
            "The site may be down or blocking readers; Wirewatch tries again later.".into(),
        )
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        (
            ProblemKind::Tls,
            "The secure connection failed".into(),
            "The site's certificate is not valid for this address, or has expired.".into(),
        )
    } else if lower.contains("timed out") {
        (
            ProblemKind::Timeout,
            "Timed out while connecting".into(),
            "The server is slow or unreachable; Wirewatch tries again later.".into(),
        )
    } else {
        (
            ProblemKind::Unreachable,
            format!("Can't reach {host}"),
            "The connection broke; Wirewatch tries again later.".into(),
        )
    }
}

fn http(code: &str, status: u16) -> (ProblemKind, String, String) {
    match status {
        401 | 403 => (
            ProblemKind::Refuses,
            format!("HTTP {status}: the site refuses automated readers"),
            "Some sites block feed readers. Look for another feed of the same outlet, or ask the site.".into(),
        ),
        404 | 410 => (
            ProblemKind::Gone,
            format!("HTTP {status}: the feed is not there any more"),
            "The site may have moved its feed: add its home page to find the new one.".into(),
        ),
        429 | 503 if code == "retry_later" || status == 429 => (
            ProblemKind::RetryLater,
            format!("HTTP {status}: the site asks to come back later"),
            "Wirewatch waits as long as the site asks before trying again.".into(),
        ),
        500..=599 => (
            ProblemKind::ServerError,
            format!("HTTP {status}: the site has a problem"),
            "This is on the site's side and usually passes.".into(),
        ),
        _ => (
            ProblemKind::HttpStatus,
            format!("HTTP {status}"),
            "The site answered with an error; Wirewatch tries again later.".into(),
        ),
    }
}

/// The number right after `marker` in `text`.
fn number_after<T: std::str::FromStr>(text: &str, marker: &str) -> Option<T> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A feed's state, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum HealthState {
    /// Checks succeed and it publishes as usual (or nothing is known yet).
    Healthy,
    /// Checks succeed but nothing new for several times its usual gap.
    Silent,
    /// The latest checks failed.
    Failing,
    /// It has failed for days without a success: probably gone for good.
    ProbablyDead,
}

/// One check of a feed, as the store remembers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// When.
    pub at: DateTime<Utc>,
    /// Whether it succeeded (200 or 304).
    pub ok: bool,
}

/// What is known of a feed, for [`assess`].
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// Its recent checks, any order.
    pub checks: Vec<Check>,
    /// Filed times of its newest articles (up to 20), any order.
    pub published: Vec<DateTime<Utc>>,
    /// When it last brought an article new to the archive.
    pub last_new_article: Option<DateTime<Utc>>,
    /// When the user subscribed.
    pub subscribed: Option<DateTime<Utc>>,
}

/// A feed's health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FeedHealth {
    /// The verdict.
    pub state: HealthState,
    /// Its usual gap between articles, in seconds (the median of its recent gaps).
    #[ts(type = "number | null")]
    pub usual_gap_secs: Option<i64>,
    /// When it last brought a new article.
    pub last_new_article: Option<DateTime<Utc>>,
    /// Share of its recent checks that failed, 0 to 1 (`None` before any check).
    pub error_rate: Option<f64>,
    /// Since when it has failed without a success, while it does.
    pub failing_since: Option<DateTime<Utc>>,
}

/// The median gap between consecutive `times`.
pub fn usual_gap(times: &[DateTime<Utc>]) -> Option<Duration> {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    let mut gaps: Vec<Duration> = sorted.windows(2).map(|w| w[1] - w[0]).collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    Some(gaps[gaps.len() / 2])
}

/// Weighs a feed's record as of `now`.
pub fn assess(record: &Record, now: DateTime<Utc>) -> FeedHealth {
    let mut checks = record.checks.clone();
    checks.sort_unstable_by_key(|c| c.at);
    let error_rate = (!checks.is_empty())
        .then(|| checks.iter().filter(|c| !c.ok).count() as f64 / checks.len() as f64);
    let last_ok = checks.iter().rev().find(|c| c.ok).map(|c| c.at);
    let failing_since = match checks.last() {
        Some(latest) if !latest.ok => checks
            .iter()
            .filter(|c| last_ok.is_none_or(|ok| c.at > ok))
            .map(|c| c.at)
            .next(),
        _ => None,
    };
    let gap = usual_gap(&record.published);
    let last_new = record.last_new_article;
    let state = if let Some(since) = failing_since {
        if now - since >= DEAD_AFTER {
            HealthState::ProbablyDead
        } else {
            HealthState::Failing
        }
    } else {
        // Quiet is measured from the last new article, or from the subscription when it
        // never brought one.
        let quiet_from = last_new.or(record.subscribed);
        match (gap, quiet_from) {
            (Some(gap), Some(from)) if now - from >= (gap * SILENT_GAPS).max(SILENT_AT_LEAST) => {
                HealthState::Silent
            }
            _ => HealthState::Healthy,
        }
    };
    FeedHealth {
        state,
        usual_gap_secs: gap.map(|g| g.num_seconds()),
        last_new_article: last_new,
        error_rate,
        failing_since,
    }
}

/// Poll back-off while offline.
#[derive(Debug, Clone, Default)]
pub struct Offline {
    since: Option<DateTime<Utc>>,
    probes: u32,
}

/// First wait before probing again while offline; it doubles up to [`OFFLINE_PROBE_MAX`].
pub const OFFLINE_PROBE_FIRST: std::time::Duration = std::time::Duration::from_secs(15);
/// Longest wait between probes while offline: the network is back at most this long before
/// polling resumes.
pub const OFFLINE_PROBE_MAX: std::time::Duration = std::time::Duration::from_secs(120);
/// Fewest feeds failing at once that can say "offline": one or two dead sites are not.
pub const OFFLINE_MIN_FEEDS: usize = 3;

impl Offline {
    /// Since when the machine seems offline, if it does.
    pub fn since(&self) -> Option<DateTime<Utc>> {
        self.since
    }

    /// Takes a poll's outcomes: one `Some(kind)` per failed feed, `None` per success.
    /// Returns whether the offline state changed.
    pub fn observe(&mut self, outcomes: &[Option<ProblemKind>], now: DateTime<Utc>) -> bool {
        let succeeded = outcomes.iter().any(Option::is_none);
        let all_network = !outcomes.is_empty()
            && outcomes
                .iter()
                .all(|o| o.is_some_and(ProblemKind::is_network));
        let was = self.since.is_some();
        if succeeded {
            self.since = None;
            self.probes = 0;
        } else if all_network && (was || outcomes.len() >= OFFLINE_MIN_FEEDS) {
            self.since.get_or_insert(now);
            if was {
                self.probes = self.probes.saturating_add(1);
            }
        }
        was != self.since.is_some()
    }

    /// While offline, how long to wait before the next probe (a check of one feed); `None`
    /// when online.
    pub fn next_probe(&self) -> Option<std::time::Duration> {
        self.since?;
        let wait = OFFLINE_PROBE_FIRST.saturating_mul(1 << self.probes.min(8));
        Some(wait.min(OFFLINE_PROBE_MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn explained(e: Error, url: &str) -> Problem {
        Problem::of(e.code(), &e.to_string(), url)
    }

    #[test]
    fn network_failures_read_as_plain_sentences() {
        let url = "https://www.eastasiaforum.org/feed/";
        let dns = Error::Unreachable {
            url: url.into(),
            reason: "error sending request for url (https://www.eastasiaforum.org/feed/): client error (Connect): dns error: failed to lookup address information: Name or service not known".into(),
        };
        let p = explained(dns, url);
        assert_eq!(p.kind, ProblemKind::NoServer);
        assert_eq!(p.headline, "Can't find the server eastasiaforum.org");
        assert!(p.detail.contains("dns error"), "the detail keeps the chain");
        assert!(!p.hint.is_empty());
        let refused = Error::Unreachable {
            url: url.into(),
            reason: "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)".into(),
        };
        assert_eq!(
            explained(refused, url).headline,
            "The server refused the connection"
        );
        let timeout = Error::Timeout {
            url: url.into(),
            secs: 20,
        };
        let p = explained(timeout, url);
        assert_eq!(
            (p.kind, p.headline.as_str()),
            (ProblemKind::Timeout, "Timed out after 20 s")
        );
        let tls = Error::Unreachable {
            url: url.into(),
            reason: "client error (Connect): invalid peer certificate: Expired".into(),
        };
        assert_eq!(explained(tls, url).kind, ProblemKind::Tls);
    }

    #[test]
    fn feed_and_http_failures_read_as_plain_sentences() {
        let url = "https://example.org/news";
        let page = Error::NotAFeed {
            url: url.into(),
            html: true,
        };
        assert_eq!(
            explained(page, url).headline,
            "Not a feed: this page links to no feed"
        );
        let forbidden = Error::HttpStatus {
            url: url.into(),
            status: 403,
        };
        let p = explained(forbidden, url);
        assert_eq!(p.headline, "HTTP 403: the site refuses automated readers");
        assert_eq!(p.kind, ProblemKind::Refuses);
        assert!(!p.kind.is_network());
        let gone = Error::HttpStatus {
            url: url.into(),
            status: 410,
        };
        assert_eq!(explained(gone, url).kind, ProblemKind::Gone);
        let later = Error::RetryLater {
            url: url.into(),
            status: 503,
            retry_after_secs: Some(60),
        };
        assert_eq!(explained(later, url).kind, ProblemKind::RetryLater);
        let broken = Error::InvalidFeed {
            reason: "unexpected end of document".into(),
        };
        assert_eq!(explained(broken, url).kind, ProblemKind::InvalidFeed);
    }

    fn t(h: i64) -> DateTime<Utc> {
        "2026-05-10T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::hours(h)
    }

    fn hourly_record() -> Record {
        Record {
            checks: (0..48).map(|h| Check { at: t(h), ok: true }).collect(),
            published: (0..20).map(|h| t(28 + h)).collect(),
            last_new_article: Some(t(47)),
            subscribed: Some(t(0)),
        }
    }

    #[test]
    fn a_feed_publishing_as_usual_is_healthy_and_silent_after_many_gaps() {
        let r = hourly_record();
        let h = assess(&r, t(48));
        assert_eq!(h.state, HealthState::Healthy);
        assert_eq!(h.usual_gap_secs, Some(3600));
        assert_eq!(h.error_rate, Some(0.0));
        // Hourly: four gaps would be 4 h, but never silent before 12 h.
        assert_eq!(assess(&r, t(47 + 11)).state, HealthState::Healthy);
        assert_eq!(assess(&r, t(47 + 12)).state, HealthState::Silent);
    }

    #[test]
    fn failures_make_a_feed_failing_then_probably_dead_and_a_success_clears_them() {
        let mut r = hourly_record();
        r.checks.extend((48..60).map(|h| Check {
            at: t(h),
            ok: false,
        }));
        let h = assess(&r, t(60));
        assert_eq!(h.state, HealthState::Failing, "failing is not silent");
        assert_eq!(h.failing_since, Some(t(48)));
        assert!((h.error_rate.unwrap() - 12.0 / 60.0).abs() < 1e-9);
        r.checks.extend((60..48 + 72).map(|h| Check {
            at: t(h),
            ok: false,
        }));
        assert_eq!(assess(&r, t(48 + 72)).state, HealthState::ProbablyDead);
        r.checks.push(Check {
            at: t(121),
            ok: true,
        });
        assert_eq!(assess(&r, t(121)).failing_since, None);
    }

    #[test]
    fn every_feed_failing_on_the_network_at_once_is_offline_until_one_succeeds() {
        let mut offline = Offline::default();
        let net = Some(ProblemKind::NoServer);
        assert!(!offline.observe(&[net, Some(ProblemKind::Refuses), net], t(0)));
        assert_eq!(
            offline.since(),
            None,
            "one site refusing readers is not offline"
        );
        assert!(
            !offline.observe(&[net, net], t(0)),
            "two feeds are too few to tell"
        );
        assert!(offline.observe(&[net, net, Some(ProblemKind::Timeout)], t(1)));
        assert_eq!(offline.since(), Some(t(1)));
        assert_eq!(offline.next_probe(), Some(OFFLINE_PROBE_FIRST));
        // Probing one feed at a time: still offline, the wait grows to its cap.
        for _ in 0..10 {
            assert!(!offline.observe(&[net], t(2)));
        }
        assert_eq!(offline.next_probe(), Some(OFFLINE_PROBE_MAX));
        assert!(offline.observe(&[None], t(3)), "one success is back online");
        assert_eq!(offline.next_probe(), None);
    }
}
