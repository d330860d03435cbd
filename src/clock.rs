//! Where the engine gets the time from.
//!
//! Nothing in the engine calls `Utc::now()` directly: the scheduler, the store and retention
//! take a [`Clock`], so tests can run months of polling in milliseconds. [`TokioClock`] follows
//! tokio's clock, which `tokio::time::pause()` freezes and auto-advances, so wall time and the
//! scheduler's sleeps stay consistent in tests.

use chrono::{DateTime, Utc};
use std::sync::Arc;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// Shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that starts at a given time and advances with tokio's clock.
///
/// Under `tokio::time::pause()` it only moves when tokio's time moves (explicitly with
/// `advance` or automatically while every task sleeps).
#[derive(Debug, Clone)]
pub struct TokioClock {
    base: DateTime<Utc>,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock reading `base` now.
    pub fn starting_at(base: DateTime<Utc>) -> Self {
        TokioClock {
            base,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = self.start.elapsed();
        self.base + chrono::Duration::from_std(elapsed).unwrap_or_default()
    }
}
