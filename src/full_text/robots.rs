//! robots.txt, fetched once per site and kept for a day, read with `texting_robots` (a
//! parser tested against the robots.txt of large sites and Google's own test cases).
//!
//! For a page, in order: the site's entry is looked up (scheme, host and port); a missing
//! or day-old one is fetched, once however many of the site's pages wait for it; then the
//! page is allowed or not for Wirewatch's agent token ([`AGENT`]). A site that answers its
//! robots.txt with a 4xx status has none: everything is allowed. A site that cannot be
//! reached or answers 5xx is not cached: the page counts as a failed try, and robots.txt is
//! asked again with its next try.
//!
//! A `Crawl-delay` in the group that applies to Wirewatch is read too ([`Robots::crawl_delay`]):
//! the stage keeps at least that long between two pages of the site, up to [`MAX_CRAWL_DELAY`].

use crate::error::{Error, Result};
use crate::fetch::Fetcher;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use texting_robots::Robot;
use tokio::sync::OnceCell;
use url::Url;

/// The product token robots.txt groups are matched against (the User-Agent's first word).
pub const AGENT: &str = "Wirewatch";

/// How long a site's robots.txt is trusted before it is fetched again.
const KEPT_FOR: Duration = Duration::from_secs(24 * 3600);

/// Sites whose robots.txt is kept at most; beyond, the cache starts again (a few hundred
/// sites is a large subscription list, and each entry is a few kilobytes).
const MAX_SITES: usize = 2_000;

/// The longest `Crawl-delay` honoured. Sites ask for anything up to hours; one site's pages
/// then wait their turn, but no longer than this apart, so a site cannot hold its articles'
/// full texts back for days. Thirty seconds is two pages a minute, gentler than a reader.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(30);

/// What a site's robots.txt says.
#[derive(Debug)]
enum Rules {
    /// No robots.txt (404 and other 4xx): everything is allowed.
    None,
    /// Its rules for our agent.
    Parsed(Box<Robot>),
}

/// One site's robots.txt, fetched once.
#[derive(Debug)]
struct Site {
    rules: OnceCell<Rules>,
    /// When it was first asked for (by the engine's clock).
    since: DateTime<Utc>,
}

/// The robots.txt of every site pages were fetched from.
#[derive(Debug, Default)]
pub struct Robots {
    sites: Mutex<HashMap<String, Arc<Site>>>,
}

impl Robots {
    /// Whether robots.txt allows Wirewatch to fetch `url`, fetching the site's robots.txt
    /// with `fetcher` if it is not known or was read more than a day before `now`. An error
    /// means robots.txt could not be read now.
    pub async fn allowed(&self, fetcher: &Fetcher, url: &Url, now: DateTime<Utc>) -> Result<bool> {
        let origin = url.origin().ascii_serialization();
        let site = {
            let mut sites = self.sites.lock().unwrap_or_else(PoisonError::into_inner);
            if sites.len() >= MAX_SITES {
                sites.clear();
            }
            let fresh = || {
                Arc::new(Site {
                    rules: OnceCell::new(),
                    since: now,
                })
            };
            let site = sites.entry(origin.clone()).or_insert_with(fresh);
            let kept_for = chrono::Duration::from_std(KEPT_FOR).unwrap_or_default();
            if now - site.since >= kept_for {
                *site = fresh();
            }
            site.clone()
        };
        let rules = site
            .rules
            .get_or_try_init(|| fetch(fetcher, &origin))
            .await?;
        Ok(match rules {
            Rules::None => true,
            Rules::Parsed(robot) => robot.allowed(url.as_str()),
        })
    }

    /// The gap the site of `url` asks for between two fetches (`Crawl-delay`), at most
    /// [`MAX_CRAWL_DELAY`]; `None` when its robots.txt asks for none or is not read yet.
    pub fn crawl_delay(&self, url: &Url) -> Option<Duration> {
        let origin = url.origin().ascii_serialization();
        let site = self
            .sites
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&origin)
            .cloned()?;
        match site.rules.get()? {
            Rules::None => None,
            Rules::Parsed(robot) => robot.delay.and_then(capped),
        }
    }
}

/// A `Crawl-delay` in seconds as a wait, capped at [`MAX_CRAWL_DELAY`]; none for zero,
/// negative or absurd values.
fn capped(secs: f32) -> Option<Duration> {
    Duration::try_from_secs_f32(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .map(|d| d.min(MAX_CRAWL_DELAY))
}

/// Fetches and reads the robots.txt of `origin` (`https://host:port`).
async fn fetch(fetcher: &Fetcher, origin: &str) -> Result<Rules> {
    let url = format!("{origin}/robots.txt");
    match fetcher.fetch_page(&url).await {
        Ok(fetched) => {
            let bytes = fetched.body.map(|b| b.bytes).unwrap_or_default();
            // The parser is forgiving; what it still refuses is no robots.txt to obey.
            Ok(match Robot::new(AGENT, &bytes) {
                Ok(robot) => Rules::Parsed(Box::new(robot)),
                Err(_) => Rules::None,
            })
        }
        Err(Error::HttpStatus { status, .. }) if (400..500).contains(&status) => Ok(Rules::None),
        // A redirect loop or an answer too large for a robots.txt: there is none to obey.
        Err(Error::TooManyRedirects { .. } | Error::TooLarge { .. }) => Ok(Rules::None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_token_is_matched_by_its_group() {
        let txt =
            b"User-agent: *\nDisallow: /private\n\nUser-agent: wirewatch\nDisallow: /news/paid\n";
        let robot = Robot::new(AGENT, txt).unwrap();
        assert!(!robot.allowed("https://example.org/news/paid/1"));
        assert!(
            robot.allowed("https://example.org/private/1"),
            "our own group replaces the `*` group"
        );
    }

    #[test]
    fn a_crawl_delay_is_read_and_capped() {
        let robot = Robot::new(AGENT, b"User-agent: *\nCrawl-delay: 4.5\n").unwrap();
        assert_eq!(
            robot.delay.and_then(capped),
            Some(Duration::from_millis(4500))
        );
        assert_eq!(capped(86_400.0), Some(MAX_CRAWL_DELAY), "a day is capped");
        assert_eq!(capped(0.0), None, "no delay");
        assert_eq!(capped(-3.0), None, "nonsense is ignored");
    }
}
