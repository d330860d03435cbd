//! The nouns Wirewatch deals in, as the engine hands them to its callers.
//!
//! These are plain data: the store produces them, the CLI prints them as JSON, and the
//! desktop shell passes them to the window unchanged. Their TypeScript twins in
//! `ui/src/lib/bindings/` are generated from these definitions (`ts-rs`), so the UI and the
//! engine cannot drift apart silently: a test fails when the generated files are stale.
//!
//! Times are UTC and serialise as RFC 3339. Offsets into text (`TermMatch`) count UTF-16
//! code units, because their only consumer that slices strings is JavaScript.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

mod full_text;

pub use full_text::{FullText, FullTextMode, FullTextStatus};

/// Row id of a subscribed feed.
pub type FeedId = i64;
/// Row id of a stored article.
pub type ArticleId = i64;
/// Row id of an alert rule.
pub type RuleId = i64;
/// Row id of an alert.
pub type AlertId = i64;

/// A subscribed feed and what the scheduler knows about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Feed {
    /// Row id.
    #[ts(type = "number")]
    pub id: FeedId,
    /// The URL polled (updated when the server answers with a permanent redirect).
    pub url: String,
    /// The feed's own title, or the URL's host until the first successful fetch.
    pub title: String,
    /// The web site the feed belongs to, when the feed says so.
    pub site_url: Option<String>,
    /// The folder the user filed it in, if any.
    pub folder: Option<String>,
    /// A fixed polling interval chosen by the user, in seconds; `None` means adaptive.
    #[ts(type = "number | null")]
    pub interval_override_secs: Option<i64>,
    /// The interval the scheduler currently uses, in seconds.
    #[ts(type = "number")]
    pub interval_secs: i64,
    /// When the feed was last fetched successfully (200 or 304).
    pub last_fetched: Option<DateTime<Utc>>,
    /// When the scheduler will check it next.
    pub next_check: DateTime<Utc>,
    /// Consecutive failed fetches; 0 when the last fetch succeeded.
    #[ts(type = "number")]
    pub error_count: i64,
    /// The last error, as a sentence for people, while `error_count > 0`.
    pub last_error: Option<String>,
    /// Stable code of the last error, while `error_count > 0`.
    pub last_error_code: Option<String>,
    /// What decoding had to leave out of the last document fetched (a cut download, entries
    /// it could not read), as a sentence for people; `None` when it was read whole.
    pub recovery_note: Option<String>,
    /// Articles stored from this feed.
    #[ts(type = "number")]
    pub article_count: i64,
    /// Unread articles stored from this feed.
    #[ts(type = "number")]
    pub unread_count: i64,
    /// When the user subscribed.
    pub created: DateTime<Utc>,
    /// Whether new articles of this feed get their full text fetched from their own pages.
    #[serde(default)]
    pub full_text: FullTextMode,
}

/// The feed an article was seen in (an article can arrive through several feeds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FeedRef {
    /// Row id of the feed.
    #[ts(type = "number")]
    pub id: FeedId,
    /// The feed's title.
    pub title: String,
}

/// An article as lists show it: everything but the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ArticleSummary {
    /// Row id.
    #[ts(type = "number")]
    pub id: ArticleId,
    /// The feeds it arrived through, first seen first.
    pub feeds: Vec<FeedRef>,
    /// Link to the original story.
    pub url: Option<String>,
    /// Plain-text title.
    pub title: String,
    /// Author, when the feed names one.
    pub author: Option<String>,
    /// Plain-text summary, at most a few hundred characters.
    pub snippet: String,
    /// Publication time given by the feed, if any.
    pub published: Option<DateTime<Utc>>,
    /// When Wirewatch first stored it.
    pub fetched: DateTime<Utc>,
    /// Whether the user has read it.
    pub read: bool,
    /// Whether the user starred (saved) it. Starred articles are never deleted by retention.
    pub starred: bool,
    /// Its language (ISO 639-1, e.g. `ur`), when it could be told.
    pub lang: Option<String>,
}

/// A whole article, for the reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Article {
    /// Everything lists show.
    #[serde(flatten)]
    #[ts(flatten)]
    pub summary: ArticleSummary,
    /// The feed's guid for it.
    pub guid: Option<String>,
    /// Sanitised HTML body (no script, no styles, no event handlers, links http/https/mailto only).
    pub content_html: String,
    /// Plain text of the feed's own body (the summary), as indexed for search.
    pub text: String,
    /// When the title or body last changed after it was first stored.
    pub updated: Option<DateTime<Utc>>,
    /// Where its full text stands.
    #[serde(default)]
    pub full_text_status: FullTextStatus,
    /// The full text, once fetched; the feed's summary above is kept beside it.
    #[serde(default)]
    pub full_text: Option<FullText>,
    /// Why there is no full text, as a sentence for people ("The page is behind a login
    /// wall; the feed's summary is shown"), for every status but `fetched` and `not_needed`.
    #[serde(default)]
    pub full_text_note: Option<String>,
}

/// Where an alert rule applies. Empty lists mean everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleScope {
    /// Only articles from feeds in these folders.
    pub folders: Vec<String>,
    /// Only articles from these feeds.
    #[ts(type = "number[]")]
    pub feeds: Vec<FeedId>,
}

impl RuleScope {
    /// True when the scope does not restrict anything.
    pub fn is_everywhere(&self) -> bool {
        self.folders.is_empty() && self.feeds.is_empty()
    }
}

/// What the user types to create or change a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleDraft {
    /// A name for people ("South Asia ceasefire").
    pub name: String,
    /// The query, in the rule language (see README).
    pub query: String,
    /// Where it applies.
    #[serde(default)]
    pub scope: RuleScope,
    /// Whether matches raise a desktop notification.
    #[serde(default = "yes")]
    pub notify: bool,
    /// A muted rule is kept but matches nothing.
    #[serde(default)]
    pub muted: bool,
    /// Notify once more when a story this rule alerted on reaches this many outlets
    /// (`None`: never; at least 2).
    #[serde(default)]
    pub renotify_outlets: Option<u32>,
}

fn yes() -> bool {
    true
}

/// A saved alert rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Rule {
    /// Row id.
    #[ts(type = "number")]
    pub id: RuleId,
    /// A name for people.
    pub name: String,
    /// The query, as the user wrote it.
    pub query: String,
    /// Where it applies.
    pub scope: RuleScope,
    /// Whether matches raise a desktop notification.
    pub notify: bool,
    /// A muted rule is kept but matches nothing.
    pub muted: bool,
    /// Notify once more when a story this rule alerted on reaches this many outlets.
    pub renotify_outlets: Option<u32>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Alerts raised by it so far.
    #[ts(type = "number")]
    pub alert_count: i64,
    /// Unread alerts raised by it.
    #[ts(type = "number")]
    pub unread_count: i64,
    /// Set when the stored query no longer parses (a rule saved by a version whose grammar
    /// accepted it): the rule matches nothing until it is edited.
    pub problem: Option<QueryProblem>,
}

/// Which part of an article a term matched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Field {
    /// The title.
    Title,
    /// The plain text of summary and content.
    Body,
    /// The full text fetched from the article's page ([`FullText::text`]).
    #[serde(rename = "full_text")]
    FullText,
}

/// One place where a rule's term matched, for highlighting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TermMatch {
    /// Title or body.
    pub field: Field,
    /// The text as it stands in the article.
    pub text: String,
    /// Start offset in UTF-16 code units into the field's plain text.
    pub start: u32,
    /// End offset (exclusive), UTF-16 code units.
    pub end: u32,
}

/// A rule matched an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Alert {
    /// Row id.
    #[ts(type = "number")]
    pub id: AlertId,
    /// The rule that matched.
    #[ts(type = "number")]
    pub rule_id: RuleId,
    /// Its name, for display.
    pub rule_name: String,
    /// The article it matched.
    pub article: ArticleSummary,
    /// The terms that matched, with positions.
    pub matches: Vec<TermMatch>,
    /// When the alert was raised.
    pub created: DateTime<Utc>,
    /// Whether the user has seen it.
    pub read: bool,
    /// The story it belongs to: a rule alerts once per story, and later outlets' articles
    /// join this row.
    pub story: Option<Box<AlertStory>>,
}

/// A feed found on a web page (`<link rel="alternate">`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DiscoveredFeed {
    /// Absolute URL of the feed.
    pub url: String,
    /// The title the page gives it, if any.
    pub title: Option<String>,
    /// Its declared media type (`application/rss+xml`, ...).
    pub kind: String,
}

/// How Wirewatch reads one feed document ([`crate::Engine::inspect`]). Fields are in
/// alphabetical order, the order `wirewatch inspect` has always printed them in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedInspection {
    /// The entries, in document order.
    pub entries: Vec<InspectedEntry>,
    /// The site the feed belongs to.
    pub link: Option<String>,
    /// The feed's title.
    pub title: Option<String>,
    /// What was kept of a document cut short or broken before its end.
    pub recovered: Option<crate::decode::Recovered>,
    /// Entries left out because they could not be read, with the reason.
    pub skipped: Vec<crate::decode::SkippedEntry>,
    /// The note a poll would store with the feed (what decoding had to leave out).
    pub note: Option<String>,
}

/// One entry as [`FeedInspection`] shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectedEntry {
    /// The entry's guid or Atom id.
    pub id: Option<String>,
    /// Its link.
    pub link: Option<String>,
    /// When it was published (RFC 3339), if the date could be read.
    pub published: Option<String>,
    /// The feed's own title for it, decoded: empty when it gave none.
    pub title: String,
    /// The title lists show: the feed's own, or a stand-in taken from the text.
    pub shown_title: String,
}

/// What happened when a feed URL was added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[ts(export)]
pub enum AddFeedOutcome {
    /// Subscribed.
    Added {
        /// The new subscription.
        feed: Feed,
    },
    /// Already subscribed; nothing changed.
    Exists {
        /// The existing subscription.
        feed: Feed,
    },
    /// The URL is a web page offering several feeds: pick one and add its URL.
    Choices {
        /// The feeds the page offers.
        feeds: Vec<DiscoveredFeed>,
    },
}

/// One outline of an OPML file that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SkippedOutline {
    /// The outline's title or URL.
    pub name: String,
    /// Why it was skipped.
    pub reason: String,
}

/// The result of an OPML import.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImportReport {
    /// Feeds newly subscribed.
    pub added: Vec<Feed>,
    /// URLs that were already subscribed.
    pub existing: Vec<String>,
    /// Outlines that were not feeds or not valid.
    pub skipped: Vec<SkippedOutline>,
    /// Rules added (the starter pack adds one).
    pub rules_added: Vec<Rule>,
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PollSummary {
    /// Feeds fetched.
    #[ts(type = "number")]
    pub feeds: u64,
    /// Feeds that answered 304 Not Modified (or an unchanged body).
    #[ts(type = "number")]
    pub not_modified: u64,
    /// Feeds that failed.
    #[ts(type = "number")]
    pub failed: u64,
    /// Articles stored for the first time.
    #[ts(type = "number")]
    pub new_articles: u64,
    /// Known articles whose title or body changed.
    #[ts(type = "number")]
    pub updated_articles: u64,
    /// Alerts raised.
    #[ts(type = "number")]
    pub alerts: u64,
    /// Wall time, milliseconds.
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// Counts for `wirewatch stats` and the status bar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Stats {
    /// Subscribed feeds.
    #[ts(type = "number")]
    pub feeds: i64,
    /// Feeds whose last fetch failed.
    #[ts(type = "number")]
    pub failing_feeds: i64,
    /// Stored articles.
    #[ts(type = "number")]
    pub articles: i64,
    /// Starred articles.
    #[ts(type = "number")]
    pub starred: i64,
    /// Alert rules.
    #[ts(type = "number")]
    pub rules: i64,
    /// Alerts raised.
    #[ts(type = "number")]
    pub alerts: i64,
    /// Unread alerts.
    #[ts(type = "number")]
    pub unread_alerts: i64,
    /// Size of the database file in bytes.
    #[ts(type = "number")]
    pub db_bytes: i64,
}

/// How to list articles. Every field narrows the list; the defaults list everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct ArticleQuery {
    /// A query in the rule language; empty means all articles.
    pub query: String,
    /// Only these feeds.
    #[ts(type = "number[]")]
    pub feeds: Vec<FeedId>,
    /// Only feeds in this folder.
    pub folder: Option<String>,
    /// Only articles that raised an alert for this rule.
    #[ts(type = "number | null")]
    pub rule: Option<RuleId>,
    /// Published (or fetched, when undated) at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Published (or fetched, when undated) before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only starred articles.
    pub starred: bool,
    /// Only unread articles.
    pub unread: bool,
    /// Only articles in this language (ISO 639-1, e.g. `ur`), as `lang:` in a query.
    pub lang: Option<String>,
    /// Page size (default 50, at most 500).
    pub limit: u32,
    /// Continue after this cursor (from the previous page).
    pub cursor: Option<String>,
}

/// One page of articles, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ArticlePage {
    /// The articles.
    pub articles: Vec<ArticleSummary>,
    /// Pass back as `cursor` for the next page; `None` at the end.
    pub next_cursor: Option<String>,
    /// How many articles match in all; when `total_exact` is false, more than this many
    /// match (ask [`crate::Engine::article_count`] for the figure).
    #[ts(type = "number")]
    pub total: u64,
    /// Whether `total` is the exact count or a lower bound.
    pub total_exact: bool,
}

/// How to list alerts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct AlertQuery {
    /// Only this rule's alerts.
    #[ts(type = "number | null")]
    pub rule: Option<RuleId>,
    /// Only unread alerts.
    pub unread: bool,
    /// Page size (default 100, at most 1000).
    pub limit: u32,
    /// Only alerts older than this id (for paging).
    #[ts(type = "number | null")]
    pub before: Option<AlertId>,
}

/// What a rule would have matched in the archive.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleTest {
    /// Articles matched within the window.
    #[ts(type = "number")]
    pub count: u64,
    /// The window, in days.
    pub days: u32,
    /// The newest matches, with highlights.
    pub samples: Vec<RuleSample>,
}

/// One article a rule test matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleSample {
    /// The article.
    pub article: ArticleSummary,
    /// Where the query matched it.
    pub matches: Vec<TermMatch>,
}

/// Where in a query an error is, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QueryProblem {
    /// What is wrong, for people.
    pub message: String,
    /// Character offset where the problem starts.
    pub start: u32,
    /// Character offset where it ends (exclusive).
    pub end: u32,
}

/// A desktop notification for one or more alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Notification {
    /// Headline ("12 new alerts for South Asia ceasefire").
    pub title: String,
    /// Details (the newest headlines).
    pub body: String,
    /// The alert to show when the notification is clicked (the newest of the group).
    #[ts(type = "number")]
    pub alert_id: AlertId,
    /// How many alerts it stands for.
    pub count: u32,
}

/// Something the engine did that a window or terminal may want to show as it happens.
// An alert is the big variant and the common one: boxing it would allocate once per alert
// to save a few hundred bytes on the rarer poll events, which are never stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum EngineEvent {
    /// A poll began.
    PollStarted {
        /// Feeds to fetch.
        #[ts(type = "number")]
        feeds: u64,
    },
    /// One feed of the poll is done.
    PollProgress {
        /// Feeds done so far.
        #[ts(type = "number")]
        done: u64,
        /// Feeds in the poll.
        #[ts(type = "number")]
        total: u64,
        /// The feed just done.
        #[ts(type = "number")]
        feed_id: FeedId,
    },
    /// A poll ended and its results are stored.
    PollFinished {
        /// What it did.
        summary: PollSummary,
    },
    /// A feed failed to fetch or decode.
    FeedError {
        /// The feed.
        #[ts(type = "number")]
        feed_id: FeedId,
        /// Stable error code.
        code: String,
        /// Sentence for people.
        message: String,
    },
    /// A rule matched a new article.
    Alert {
        /// The alert.
        alert: Alert,
        /// Whether the rule wants a desktop notification.
        notify: bool,
    },
    /// Desktop notifications to show for the alerts of one poll, already coalesced.
    Notify {
        /// One per rule, or one for all when many rules fired at once.
        notifications: Vec<Notification>,
    },
    /// Feeds were added, removed or changed outside a poll.
    FeedsChanged,
    /// Rules were added, removed or changed.
    RulesChanged,
    /// Alerts were marked read or unread outside a poll.
    AlertsChanged {
        /// Unread alerts now.
        #[ts(type = "number")]
        unread: i64,
    },
    /// Monitoring was paused or resumed.
    MonitoringChanged {
        /// Whether polling is paused.
        paused: bool,
    },
    /// A rule's last hour brought far more stories than that hour usually does.
    Spike {
        /// The spike, with its sentence.
        spike: crate::store::SpikeAlert,
    },
    /// Every feed began failing on the network at once (offline), or one check succeeded
    /// again (online).
    OfflineChanged {
        /// Since when offline; `None` when back online.
        since: Option<DateTime<Utc>>,
    },
    /// An article's full text arrived (`fetched`) or will not come (any other status but
    /// `pending`); read the article again for its text or note. Alerts its full text raised
    /// come as `alert` events before this one.
    FullText {
        /// The article.
        #[ts(type = "number")]
        article_id: ArticleId,
        /// Where its full text now stands.
        status: FullTextStatus,
    },
}

/// Settings kept in the database, shared by the CLI and the desktop app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct Settings {
    /// Closing the window keeps Wirewatch monitoring from the tray.
    pub close_to_tray: bool,
    /// Start Wirewatch when the user logs in.
    pub start_at_login: bool,
    /// Shortest polling interval, seconds (bounds the adaptive schedule).
    pub min_interval_secs: u32,
    /// Longest polling interval, seconds.
    pub max_interval_secs: u32,
    /// Delete unstarred, unalerted articles older than this many days; `None` keeps everything.
    pub retention_days: Option<u32>,
    /// Whether the starter pack was already offered (first run is over).
    pub starter_offered: bool,
    /// Whether monitoring is paused.
    pub paused: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            close_to_tray: true,
            start_at_login: false,
            min_interval_secs: crate::config::DEFAULT_MIN_INTERVAL.as_secs() as u32,
            max_interval_secs: crate::config::DEFAULT_MAX_INTERVAL.as_secs() as u32,
            retention_days: None,
            starter_offered: false,
            paused: false,
        }
    }
}

/// Row id of a story: the articles of several outlets that report one event.
pub type StoryId = i64;

/// A story: one event as several outlets reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Story {
    /// Row id.
    #[ts(type = "number")]
    pub id: StoryId,
    /// The title of its first article.
    pub title: String,
    /// When its first article was published (or first seen).
    pub first_seen: DateTime<Utc>,
    /// When its newest article was.
    pub last_update: DateTime<Utc>,
    /// The outlets (feed titles) that reported it, first to report first.
    pub outlets: Vec<String>,
    /// Its articles, oldest first.
    pub articles: Vec<StoryArticle>,
}

/// An article as a story lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StoryArticle {
    /// Row id of the article.
    #[ts(type = "number")]
    pub id: ArticleId,
    /// Link to the original.
    pub link: Option<String>,
    /// Its title.
    pub title: String,
    /// The outlet (feed title) it came through first.
    pub feed: String,
    /// Publication time given by the feed, if any.
    pub published: Option<DateTime<Utc>>,
    /// When it counts as reported: `published`, or when Wirewatch first saw it.
    pub seen: DateTime<Utc>,
}

/// The story of an article in a list, for grouping a list by story: its headline and size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ArticleStory {
    /// The article.
    #[ts(type = "number")]
    pub article_id: ArticleId,
    /// Its story.
    #[ts(type = "number")]
    pub story_id: StoryId,
    /// The story's headline: its first outlet's.
    pub title: String,
    /// The outlet (feed title) that reported it first.
    pub first_outlet: Option<String>,
    /// Outlets that reported it.
    pub outlets: u32,
    /// Articles in it.
    pub articles: u32,
}

/// Which stories to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StoryQuery {
    /// Only stories this rule alerted on.
    #[ts(type = "number | null")]
    pub rule: Option<RuleId>,
    /// Only stories updated at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only stories with at least this many articles (0 or 1: all).
    pub min_articles: u32,
    /// Page size (default 100, at most 1000).
    pub limit: u32,
}

/// What an alert row shows of its story: how many outlets, who was first and by how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AlertStory {
    /// The story.
    #[ts(type = "number")]
    pub id: StoryId,
    /// Outlets that reported it.
    pub outlets: u32,
    /// Articles in it.
    pub articles: u32,
    /// The first outlet to report it.
    pub first_outlet: Option<String>,
    /// The second outlet to report it.
    pub second_outlet: Option<String>,
    /// How many seconds the first was ahead of the second.
    #[ts(type = "number | null")]
    pub lead_secs: Option<i64>,
}

impl AlertStory {
    /// The line an alert row shows: "12 outlets · Dawn first, 14 min before Reuters".
    pub fn line(&self) -> String {
        let outlets = if self.outlets == 1 {
            "1 outlet".to_string()
        } else {
            format!("{} outlets", self.outlets)
        };
        match (&self.first_outlet, &self.second_outlet, self.lead_secs) {
            (Some(first), Some(second), Some(lead)) => {
                format!(
                    "{outlets} · {first} first, {} before {second}",
                    lead_text(lead)
                )
            }
            (Some(first), _, _) => format!("{outlets} · {first} first"),
            _ => outlets,
        }
    }
}

fn lead_text(secs: i64) -> String {
    let mins = secs.max(0) / 60;
    if mins < 1 {
        "under a minute".into()
    } else if mins < 120 {
        format!("{mins} min")
    } else {
        format!("{} h", mins / 60)
    }
}
