//! Schedule: when each feed is checked next.
//!
//! Every feed has its own next check, decided after each fetch, in this order:
//! 1. A fixed interval set by the user wins.
//! 2. Otherwise the interval follows how often the feed publishes: half the average gap
//!    between its recent entries, so a feed posting hourly is checked every half hour.
//!    A 304 (nothing new) stretches the interval by a fifth.
//! 3. The adaptive interval never exceeds the freshness bound (default 30 minutes): a quiet
//!    feed's next story is seen within that bound, not a day late. A conditional request to
//!    a quiet feed costs a 304 and a few hundred bytes.
//! 4. The feed's own hints are respected as a floor: RSS `<ttl>` and `Cache-Control` may
//!    stretch the interval past the freshness bound.
//! 5. The result is kept within the user's bounds (default 5 minutes to 24 hours).
//! 6. Errors back off exponentially from `error_backoff`, capped at the upper bound, and a
//!    `Retry-After` from the server is honoured. A failing feed is never dropped: it keeps
//!    being retried and its error stays visible.
//!
//! A small random spread (jitter) keeps feeds added together from being fetched in lockstep.

use crate::config::{Config, SHORTEST_ALLOWED_INTERVAL};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Bounds and defaults of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Shortest interval.
    pub min: Duration,
    /// Longest interval.
    pub max: Duration,
    /// Interval when nothing is known about a feed.
    pub default: Duration,
    /// First back-off after an error.
    pub error_backoff: Duration,
    /// Longest adaptive interval between two checks of a healthy feed, unless the feed's own
    /// hints ask for longer.
    pub freshness: Duration,
}

impl Bounds {
    /// The bounds in `config`.
    pub fn from_config(config: &Config) -> Bounds {
        Bounds {
            min: config.min_interval,
            max: config.max_interval.max(config.min_interval),
            default: config.default_interval,
            error_backoff: config.error_backoff,
            freshness: config.freshness_interval,
        }
    }

    fn clamp(&self, d: Duration) -> Duration {
        d.clamp(self.min, self.max)
    }
}

/// The next check and the interval that led to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Next {
    /// When to check next.
    pub at: DateTime<Utc>,
    /// The interval, in seconds (shown to the user).
    pub interval_secs: i64,
}

/// What a successful fetch taught us about the feed.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    /// Publication times of the entries in the document.
    pub published: Vec<DateTime<Utc>>,
    /// RSS `<ttl>`.
    pub ttl: Option<Duration>,
    /// `Cache-Control: max-age` or `Expires`.
    pub max_age: Option<Duration>,
    /// Whether the document was unchanged (304 or same body).
    pub not_modified: bool,
}

/// The next check after a successful fetch. `jitter` is a number in `[0, 1)`.
pub fn after_success(
    bounds: &Bounds,
    override_secs: Option<i64>,
    current_secs: i64,
    seen: &Observation,
    now: DateTime<Utc>,
    jitter: f64,
) -> Next {
    if let Some(secs) = override_secs {
        // The user's fixed interval, but never under the floor every setting obeys.
        let interval = Duration::from_secs(secs.max(0) as u64).max(SHORTEST_ALLOWED_INTERVAL);
        return next(now, interval, jitter);
    }
    let mut interval = if seen.not_modified {
        let current = Duration::from_secs(current_secs.max(1) as u64);
        current.mul_f64(1.2)
    } else {
        publishing_interval(&seen.published, now).unwrap_or(bounds.default)
    };
    interval = interval.min(bounds.freshness.max(bounds.min));
    for hint in [seen.ttl, seen.max_age].into_iter().flatten() {
        interval = interval.max(hint);
    }
    next(now, bounds.clamp(interval), jitter)
}

/// Half the average gap between the newest (up to 20) entries published before `now`.
fn publishing_interval(published: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<Duration> {
    let mut times: Vec<DateTime<Utc>> = published.iter().copied().filter(|t| *t <= now).collect();
    times.sort_unstable_by(|a, b| b.cmp(a));
    times.truncate(20);
    if times.len() < 2 {
        return None;
    }
    let span = (times[0] - times[times.len() - 1]).to_std().ok()?;
    let gap = span / (times.len() as u32 - 1);
    // A feed silent for longer than its usual gap is probably quiet now: slow down with it.
    let silence = (now - times[0]).to_std().unwrap_or_default();
    Some((gap / 2).max(silence / 4))
}

/// The next check after the `errors`-th consecutive error.
pub fn after_error(
    bounds: &Bounds,
    errors: i64,
    retry_after: Option<Duration>,
    now: DateTime<Utc>,
    jitter: f64,
) -> Next {
    let exp = (errors.max(1) - 1).min(20) as u32;
    let backoff = bounds
        .error_backoff
        .checked_mul(1u32 << exp.min(30))
        .unwrap_or(bounds.max)
        .min(bounds.max);
    let mut at = next(now, backoff, jitter);
    if let Some(wait) = retry_after {
        // The server said when: never earlier than that, and not more than a day out.
        let wait = wait.min(Duration::from_secs(24 * 3600));
        let asked = now + chrono::Duration::from_std(wait).unwrap_or_default();
        if asked > at.at {
            at.at = asked;
        }
    }
    at
}

fn next(now: DateTime<Utc>, interval: Duration, jitter: f64) -> Next {
    // ±10% spread.
    let spread = interval.mul_f64(0.9 + 0.2 * jitter.clamp(0.0, 1.0));
    Next {
        at: now + chrono::Duration::from_std(spread).unwrap_or_else(|_| chrono::Duration::days(1)),
        interval_secs: interval.as_secs() as i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> Bounds {
        Bounds {
            min: Duration::from_secs(300),
            max: Duration::from_secs(86_400),
            default: Duration::from_secs(900),
            error_backoff: Duration::from_secs(300),
            freshness: Duration::from_secs(1800),
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-05-10T12:00:00Z".parse().unwrap()
    }

    fn hourly() -> Vec<DateTime<Utc>> {
        (0..10)
            .map(|h| now() - chrono::Duration::hours(h))
            .collect()
    }

    #[test]
    fn a_feed_posting_hourly_is_checked_every_half_hour() {
        let seen = Observation {
            published: hourly(),
            ..Default::default()
        };
        let n = after_success(&bounds(), None, 900, &seen, now(), 0.5);
        assert_eq!(n.interval_secs, 1800);
        assert_eq!(n.at, now() + chrono::Duration::seconds(1800));
    }

    #[test]
    fn ttl_and_cache_control_are_floors_and_bounds_cap_them() {
        let seen = Observation {
            published: hourly(),
            ttl: Some(Duration::from_secs(7200)),
            ..Default::default()
        };
        assert_eq!(
            after_success(&bounds(), None, 900, &seen, now(), 0.5).interval_secs,
            7200
        );
        let seen = Observation {
            published: hourly(),
            max_age: Some(Duration::from_secs(10 * 86_400)),
            ..Default::default()
        };
        assert_eq!(
            after_success(&bounds(), None, 900, &seen, now(), 0.5).interval_secs,
            86_400
        );
    }

    #[test]
    fn a_busy_feed_is_held_to_the_minimum_and_an_override_wins() {
        let minutes: Vec<_> = (0..10)
            .map(|m| now() - chrono::Duration::minutes(m))
            .collect();
        let seen = Observation {
            published: minutes,
            ..Default::default()
        };
        assert_eq!(
            after_success(&bounds(), None, 900, &seen, now(), 0.5).interval_secs,
            300
        );
        assert_eq!(
            after_success(&bounds(), Some(120), 900, &seen, now(), 0.5).interval_secs,
            120
        );
    }

    #[test]
    fn a_quiet_feed_is_still_checked_within_the_freshness_bound() {
        // Two stories a day apart, the last three days ago: adaptively, a day or more.
        let seen = Observation {
            published: vec![
                now() - chrono::Duration::days(3),
                now() - chrono::Duration::days(4),
            ],
            ..Default::default()
        };
        assert_eq!(
            after_success(&bounds(), None, 900, &seen, now(), 0.5).interval_secs,
            1800,
            "every feed is checked at least every 30 minutes"
        );
        let unchanged = Observation {
            not_modified: true,
            ..Default::default()
        };
        assert_eq!(
            after_success(&bounds(), None, 1800, &unchanged, now(), 0.5).interval_secs,
            1800,
            "304s stretch the interval only up to the bound"
        );
        let cached = Observation {
            max_age: Some(Duration::from_secs(7200)),
            ..seen
        };
        assert_eq!(
            after_success(&bounds(), None, 900, &cached, now(), 0.5).interval_secs,
            7200,
            "Cache-Control still asks for longer"
        );
        let errors = after_error(&bounds(), 10, None, now(), 0.5).interval_secs;
        assert_eq!(errors, 86_400, "errors back off past the freshness bound");
    }

    #[test]
    fn not_modified_stretches_the_interval() {
        let seen = Observation {
            not_modified: true,
            ..Default::default()
        };
        assert_eq!(
            after_success(&bounds(), None, 1000, &seen, now(), 0.5).interval_secs,
            1200
        );
    }

    #[test]
    fn errors_back_off_exponentially_and_honour_retry_after() {
        let b = bounds();
        let secs = |n| after_error(&b, n, None, now(), 0.5).interval_secs;
        assert_eq!((secs(1), secs(2), secs(3)), (300, 600, 1200));
        assert_eq!(secs(40), 86_400, "capped at the upper bound");
        let n = after_error(&b, 1, Some(Duration::from_secs(3600)), now(), 0.5);
        assert_eq!(n.at, now() + chrono::Duration::seconds(3600));
    }

    #[test]
    fn jitter_spreads_within_ten_percent() {
        let b = bounds();
        let early = after_error(&b, 1, None, now(), 0.0).at;
        let late = after_error(&b, 1, None, now(), 0.999).at;
        assert_eq!(early, now() + chrono::Duration::seconds(270));
        assert!(
            late > now() + chrono::Duration::seconds(329)
                && late <= now() + chrono::Duration::seconds(330)
        );
    }
}
