//! Ingest: store and index one poll's worth of prepared entries, and the alerts they raise,
//! a few feeds per transaction.
//!
//! For each feed of the poll, in order:
//! 1. Update the feed's fetch state (validators, schedule, error count, a permanent move).
//! 2. For each entry ([`FeedIngest::entry`]):
//!    - *classify* it: find it among the articles this feed already brought — by guid, then
//!      link, then content hash (in memory for a feed that brought none before this poll,
//!      since then only its earlier entries can be found) — or, failing that, an article
//!      with the same link from another feed;
//!    - known and changed: update it (no new alert); known and the same: nothing; the same
//!      link through another feed: attach this feed to that article (no new alert);
//!    - otherwise *insert* a new article (a feed's new ones oldest first, each placed in its
//!      story beforehand) and index it in the full-text index, and queue its page for its
//!      full text when the feed's setting asks for it ([`crate::full_text`]);
//!    - *record the alerts* of a new article, exactly once: for the rules the prepare stage
//!      matched it against ([`crate::prepare`]), or matched now if it was not.
//! 3. Before the transaction commits (when the poll says so, or after its last feed), rewrite
//!    the index rows of changed articles and of articles whose feeds changed, in rowid order,
//!    and hand what was committed, alerts included, to the caller.
//!
//! The expensive per-entry work (sanitising, tokenising, hashing, matching) happened before,
//! off the writer thread, in [`crate::prepare`].

mod entry;
mod full_text;

use super::stories::Filing;
use super::{ms, Store};
use crate::dedup;
use crate::error::{Error, Result};
use crate::model::{
    Alert, AlertId, AlertStory, ArticleId, ArticleSummary, FeedId, FullTextMode, RuleId, StoryId,
    TermMatch,
};
use crate::prepare::PreparedEntry;
use crate::rules::{CompiledRule, RuleSet};
use crate::text::{self, Token};
use chrono::{DateTime, Utc};
use entry::{FeedIngest, NewFeedKeys, SeenInFeed};
pub use full_text::{PageOutcome, PageResult};
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::BTreeSet;
// The writer's own sets and maps: keyed by what it hashes for every entry (story keys, words,
// article ids), where the standard library's SipHash cost about 1% of the writer's time.
use foldhash::{HashMap, HashSet};

/// What a fetch of one feed produced.
#[derive(Debug, Clone)]
pub enum FeedOutcome {
    /// A new document was fetched and decoded.
    Fetched {
        /// The feed's title.
        title: Option<String>,
        /// The feed's web site.
        site_url: Option<String>,
        /// Its entries.
        entries: Vec<PreparedEntry>,
        /// Validators for next time.
        etag: Option<String>,
        /// Validators for next time.
        last_modified: Option<String>,
        /// Hash of the raw body.
        body_hash: Option<String>,
        /// What decoding had to leave out ([`crate::decode::DecodedFeed::recovery_note`]).
        recovery_note: Option<String>,
    },
    /// 304, or the same body as last time.
    NotModified {
        /// Validators for next time (unchanged on 304).
        etag: Option<String>,
        /// Validators for next time.
        last_modified: Option<String>,
    },
    /// The fetch or decode failed.
    Failed {
        /// Stable error code.
        code: String,
        /// Sentence for people.
        message: String,
    },
}

/// One feed's part of a poll.
#[derive(Debug, Clone)]
pub struct FeedUpdate {
    /// The feed.
    pub feed_id: FeedId,
    /// New URL after a permanent redirect.
    pub moved_to: Option<String>,
    /// What happened.
    pub outcome: FeedOutcome,
    /// When to check it next.
    pub next_check: DateTime<Utc>,
    /// The interval that led to `next_check`, seconds.
    pub interval_secs: i64,
}

impl FeedUpdate {
    /// A fetch of `feed_id` that brought `entries`, and its `title` if it named itself, with
    /// no validators, due again at `next_check` (15 minutes apart): entries handed to
    /// [`Store::apply_poll`] without HTTP, as tools and tests do.
    pub fn entries(
        feed_id: FeedId,
        title: Option<String>,
        entries: Vec<PreparedEntry>,
        next_check: DateTime<Utc>,
    ) -> FeedUpdate {
        FeedUpdate {
            feed_id,
            moved_to: None,
            outcome: FeedOutcome::Fetched {
                title,
                site_url: None,
                entries,
                etag: None,
                last_modified: None,
                body_hash: None,
                recovery_note: None,
            },
            next_check,
            interval_secs: 900,
        }
    }
}

/// What a poll, or one of its transactions, changed in the archive.
#[derive(Debug, Clone, Default)]
pub struct PollApplied {
    /// Articles stored for the first time.
    pub new_articles: u64,
    /// Known articles whose title or body changed.
    pub updated_articles: u64,
    /// Alerts raised, each with its rule's notify flag, in the order raised: all of them up
    /// to the poll's limit, and beyond it the first few of each rule (for notifications).
    pub alerts: Vec<(Alert, bool)>,
    /// Every alert raised, counted per rule, in the order the rules first fired.
    pub tallies: Vec<RuleTally>,
    /// Alerts whose story reached the number of outlets their rule asked to be told of again.
    pub renotified: Vec<Renotified>,
}

/// An alert whose story reached its rule's [`crate::model::Rule::renotify_outlets`]: notified
/// once more, once per threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Renotified {
    /// The alert.
    pub alert_id: AlertId,
    /// Its rule.
    pub rule_id: RuleId,
    /// The rule's name.
    pub rule_name: String,
    /// The story's headline (its first outlet's).
    pub title: String,
    /// The story now: outlets, first and second outlet, lead.
    pub story: AlertStory,
}

impl PollApplied {
    /// Alerts raised in all.
    pub fn alert_count(&self) -> u64 {
        self.tallies.iter().map(|t| t.count).sum()
    }
}

/// What the writer of a poll is handed next ([`Store::apply_poll_stream`]).
// Each step is moved once, through a channel, and nearly all are `Feed`: boxing it would add
// an allocation per feed to save a few bytes on the rare `Commit`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum PollStep {
    /// A feed's results, to write.
    Feed(FeedUpdate),
    /// Commit what is written, so readers and listeners get it now.
    Commit,
}

/// How many alerts one rule raised in a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTally {
    /// The rule.
    pub rule_id: RuleId,
    /// Its name.
    pub rule_name: String,
    /// Whether it asks for notifications.
    pub notify: bool,
    /// Alerts raised.
    pub count: u64,
    /// Alerts of this rule kept whole in [`PollApplied::alerts`].
    pub kept: u64,
    /// Id of its last alert.
    pub newest: i64,
}

/// Alerts of each rule kept whole beyond the poll's limit: enough for a notification's
/// headlines.
pub const KEPT_PER_RULE: u64 = 3;

/// A poll being written.
struct Applying {
    applied: PollApplied,
    live_alerts: usize,
    /// Where each rule's tally is in `applied.tallies`.
    tally_of: HashMap<RuleId, usize>,
    /// Words of entries that did not note their new words, recorded in this poll.
    recorded: HashSet<String>,
    /// Articles whose index row must be rewritten (text changed, or a feed joined or was
    /// renamed). Done once, just before the transaction commits, in rowid order: FTS5 writes
    /// its pending words to disk whenever a row is written out of rowid order, so rewriting
    /// rows as they come would cut the poll's index into many small segments to be merged.
    reindex: BTreeSet<ArticleId>,
}

struct FeedInfo {
    title: String,
    folder: Option<String>,
    /// The title's tokens, made once per feed rather than once per article.
    tokens: Vec<Token>,
    /// The title's folded words, as the full-text index stores them.
    indexed: String,
    /// Whether its new articles' pages are fetched for their full text.
    full_text: FullTextMode,
}

impl Store {
    /// Writes a poll's results in one transaction and matches new articles against `rules`.
    /// Every alert is kept whole in the result.
    pub fn apply_poll(
        &self,
        updates: Vec<FeedUpdate>,
        rules: &RuleSet,
        now: DateTime<Utc>,
    ) -> Result<PollApplied> {
        let mut applied = PollApplied::default();
        // Without `PollStep::Commit` the poll is one transaction, handed out once.
        self.apply_poll_stream(
            updates.into_iter().map(|u| Ok(PollStep::Feed(u))),
            rules,
            now,
            usize::MAX,
            |batch| applied = batch,
        )?;
        Ok(applied)
    }

    /// Like [`Store::apply_poll`], taking the feeds as they arrive, so memory holds only the
    /// feeds not yet written. A write transaction opens with the first feed after each
    /// [`PollStep::Commit`] and commits at the next one or after the last feed; `committed`
    /// then gets what that transaction wrote, alerts included. Readers see whole feeds, and a
    /// poll's alerts need not wait for its slowest feed. An `Err` step (the poll was
    /// abandoned) rolls back what is not committed yet and is returned. At most `live_alerts`
    /// alerts of the poll are kept whole (plus a few per rule and transaction); all are counted.
    pub fn apply_poll_stream(
        &self,
        steps: impl IntoIterator<Item = Result<PollStep>>,
        rules: &RuleSet,
        now: DateTime<Utc>,
        live_alerts: usize,
        mut committed: impl FnMut(PollApplied),
    ) -> Result<()> {
        let mut steps = steps.into_iter();
        // Until the checkpoint below is done: the log goes to disk while the poll runs.
        let _writeback = super::writeback::Writeback::start(&self.path);
        let mut applying = Applying {
            applied: PollApplied::default(),
            live_alerts,
            tally_of: HashMap::default(),
            recorded: HashSet::default(),
            reindex: BTreeSet::new(),
        };
        let written = (|| -> Result<()> {
            loop {
                // Wait for a feed before taking the writer.
                let first = loop {
                    match steps.next() {
                        None => return Ok(()),
                        Some(step) => match step? {
                            PollStep::Feed(update) => break update,
                            PollStep::Commit => continue,
                        },
                    }
                };
                let mut conn = self.writer();
                let mut desk = self.stories_desk();
                let tx = conn.transaction()?;
                // New articles are placed in stories on a thread of this scope while the
                // writer stores them ([`Filing`]); the scope ends with the feeds of this
                // transaction, and gives back the stories they changed.
                let (last, touched) =
                    std::thread::scope(|scope| -> Result<(bool, Vec<StoryId>)> {
                        let mut filing = Filing::new(scope, &mut desk);
                        apply_feed(&tx, first, rules, now, &mut applying, &mut filing)?;
                        let mut last = true;
                        for step in steps.by_ref() {
                            match step? {
                                PollStep::Feed(update) => {
                                    apply_feed(&tx, update, rules, now, &mut applying, &mut filing)?
                                }
                                PollStep::Commit => {
                                    last = false;
                                    break;
                                }
                            }
                        }
                        Ok((last, filing.finish()))
                    })?;
                desk.write_terms(&tx, &touched)?;
                for article_id in std::mem::take(&mut applying.reindex) {
                    reindex_article(&tx, article_id)?;
                }
                if last {
                    // Statistics only: once per poll is enough.
                    desk.end_poll(&tx)?;
                }
                tx.commit()?;
                // Free the writer between transactions: the window's own writes (marking
                // read, starring) go in while the poll waits for its next feed.
                drop(desk);
                drop(conn);
                committed(applying.take_committed());
                if last {
                    return Ok(());
                }
            }
        })();
        if let Err(e) = written {
            // The words this transaction's entries reported were rolled back with it, and
            // so were the stories it filed them in.
            self.renew_word_epoch();
            self.stories_desk().forget();
            return Err(e);
        }
        // After the poll's last alerts are out.
        self.checkpoint();
        Ok(())
    }
}

/// The key facts of an alert about to be raised: which rule, on which article of which story,
/// with what highlights, when.
struct AlertFacts<'a> {
    /// The rule that matched.
    rule: &'a CompiledRule,
    /// The article it matched.
    article_id: ArticleId,
    /// The article's story: a rule alerts once per story.
    story: StoryId,
    /// The highlights, as the `alerts.matches` column stores them.
    json: &'a str,
    /// The same highlights, for the alert kept whole.
    matches: Vec<TermMatch>,
    /// When it is raised.
    now: DateTime<Utc>,
}

impl Applying {
    /// Raises the alert that `facts` describe: its rule's alert on the article of the story,
    /// with its highlights,
    /// unless the rule already alerted on this story or article: a rule alerts once per
    /// story, and a later article of a story it alerted on joins that alert's row (its
    /// outlets are read from the story) and notifies no one. Tallies it, and keeps it whole
    /// (`article` reads the article's summary, only then) within the poll's budget. Whether
    /// it was raised.
    fn raise(
        &mut self,
        tx: &Transaction,
        facts: AlertFacts<'_>,
        article: impl FnOnce() -> Result<ArticleSummary>,
    ) -> Result<bool> {
        let AlertFacts {
            rule,
            article_id,
            story,
            json,
            matches,
            now,
        } = facts;
        let alerted: bool = tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM alerts WHERE story_id = ?1 AND rule_id = ?2)",
            )?
            .query_row(params![story, rule.id], |r| r.get(0))?;
        if alerted {
            return Ok(false);
        }
        let inserted = tx
            .prepare_cached(
                // A story that already has the outlets the rule asks to be told of again
                // says so in this first notification: no second one for that threshold.
                "INSERT OR IGNORE INTO alerts (rule_id, article_id, matches, created, story_id,
                                               renotified_outlets)
                 VALUES (?1, ?2, ?3, ?4, ?5,
                         (SELECT r.renotify_outlets FROM rules r, stories s
                          WHERE r.id = ?1 AND s.id = ?5 AND s.outlets >= r.renotify_outlets))",
            )?
            .execute(params![rule.id, article_id, json, ms(now), story])?;
        if inserted == 0 {
            return Ok(false);
        }
        let alert_id = tx.last_insert_rowid();
        let applied = &mut self.applied;
        let i = *self.tally_of.entry(rule.id).or_insert_with(|| {
            applied.tallies.push(RuleTally {
                rule_id: rule.id,
                rule_name: rule.name.clone(),
                notify: rule.notify,
                count: 0,
                kept: 0,
                newest: alert_id,
            });
            applied.tallies.len() - 1
        });
        let tally = &mut applied.tallies[i];
        tally.count += 1;
        tally.newest = alert_id;
        if applied.alerts.len() >= self.live_alerts && tally.kept >= KEPT_PER_RULE {
            return Ok(true);
        }
        tally.kept += 1;
        let alert = Alert {
            id: alert_id,
            rule_id: rule.id,
            rule_name: rule.name.clone(),
            article: article()?,
            matches,
            created: now,
            read: false,
            story: Store::alert_stories(tx, [story])?
                .remove(&story)
                .map(Box::new),
        };
        applied.alerts.push((alert, rule.notify));
        Ok(true)
    }

    /// What the last transaction wrote. Tallies start again; the poll's budget of alerts kept
    /// whole shrinks by those handed out.
    fn take_committed(&mut self) -> PollApplied {
        self.tally_of.clear();
        let applied = std::mem::take(&mut self.applied);
        self.live_alerts = self.live_alerts.saturating_sub(applied.alerts.len());
        applied
    }
}

fn apply_feed(
    tx: &Transaction,
    update: FeedUpdate,
    rules: &RuleSet,
    now: DateTime<Utc>,
    applying: &mut Applying,
    filing: &mut Filing<'_, '_>,
) -> Result<()> {
    let id = update.feed_id;
    // First, whatever happens to the entries: their words count as reported from now on.
    if let FeedOutcome::Fetched { entries, .. } = &update.outcome {
        record_words(tx, entries, &mut applying.recorded)?;
    }
    let Some((old_title, folder, full_text)) = tx
        .prepare_cached("SELECT title, folder, full_text FROM feeds WHERE id = ?1")?
        .query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                FullTextMode::parse(r.get_ref(2)?.as_str()?).unwrap_or_default(),
            ))
        })
        .optional()?
    else {
        // Removed while the poll ran: nothing to store.
        return Ok(());
    };
    if let Some(url) = &update.moved_to {
        if let Some(key) = dedup::canonical_url(url) {
            // If the new URL is already another subscription, keep both as they are.
            tx.prepare_cached("UPDATE OR IGNORE feeds SET url = ?2, url_key = ?3 WHERE id = ?1")?
                .execute(params![id, url, key])?;
        }
    }
    match update.outcome {
        FeedOutcome::Failed { code, message } => {
            tx.prepare_cached(
                "UPDATE feeds SET error_count = error_count + 1, last_error = ?2, last_error_code = ?3,
                     next_check = ?4, interval_secs = ?5 WHERE id = ?1",
            )?
            .execute(params![id, message, code, ms(update.next_check), update.interval_secs])?;
        }
        FeedOutcome::NotModified {
            etag,
            last_modified,
        } => {
            tx.prepare_cached(
                "UPDATE feeds SET error_count = 0, last_error = NULL, last_error_code = NULL,
                     last_fetched = ?2, next_check = ?3, interval_secs = ?4,
                     etag = coalesce(?5, etag), last_modified = coalesce(?6, last_modified)
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                ms(now),
                ms(update.next_check),
                update.interval_secs,
                etag,
                last_modified
            ])?;
        }
        FeedOutcome::Fetched {
            title,
            site_url,
            entries,
            etag,
            last_modified,
            body_hash,
            recovery_note,
        } => {
            let title = title
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .unwrap_or(old_title.clone());
            tx.prepare_cached(
                "UPDATE feeds SET error_count = 0, last_error = NULL, last_error_code = NULL,
                     last_fetched = ?2, next_check = ?3, interval_secs = ?4,
                     etag = ?5, last_modified = ?6, body_hash = ?7, title = ?8,
                     site_url = coalesce(?9, site_url), recovery_note = ?10
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                ms(now),
                ms(update.next_check),
                update.interval_secs,
                etag,
                last_modified,
                body_hash,
                title,
                site_url,
                recovery_note
            ])?;
            if title != old_title {
                let mut stmt =
                    tx.prepare_cached("SELECT article_id FROM article_feeds WHERE feed_id = ?1")?;
                for article_id in stmt.query_map([id], |r| r.get(0))? {
                    applying.reindex.insert(article_id?);
                }
            }
            let tokens = text::tokens(&title);
            let indexed = text::join_folded(&tokens);
            insert_words(tx, tokens.iter().map(Token::folded))?;
            let info = FeedInfo {
                title,
                folder,
                tokens,
                indexed,
                full_text,
            };
            let mut seen = SeenInFeed::default();
            let brought_before: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM article_feeds WHERE feed_id = ?1)")?
                .query_row([id], |r| r.get(0))?;
            if !brought_before {
                seen.keys = Some(NewFeedKeys::default());
            }
            let mut ingest = FeedIngest {
                tx,
                feed_id: id,
                feed: info,
                rules,
                now,
                applying,
                seen,
                filing,
            };
            ingest.entries(entries)?;
        }
    }
    Ok(())
}

/// Adds the entries' new words to the `words` table; for entries that did not note theirs,
/// every word not yet `recorded` in this poll.
fn record_words(
    tx: &Transaction,
    entries: &[PreparedEntry],
    recorded: &mut HashSet<String>,
) -> Result<()> {
    for p in entries {
        match &p.new_words {
            Some(words) => {
                let mut stmt = tx.prepare_cached(INSERT_WORD)?;
                for word in words {
                    stmt.execute(params![&*word.folded, word.stem()])?;
                }
            }
            None => {
                let unseen: Vec<&str> = p
                    .indexed_title
                    .split(' ')
                    .chain(p.indexed_body.split(' '))
                    .filter(|w| !w.is_empty() && !recorded.contains(*w))
                    .collect();
                for w in &unseen {
                    recorded.insert((*w).to_string());
                }
                insert_words(tx, unseen.into_iter())?;
            }
        }
    }
    Ok(())
}

const INSERT_WORD: &str = "INSERT OR IGNORE INTO words (word, stem) VALUES (?1, ?2)";

fn insert_words<'w>(tx: &Transaction, words: impl Iterator<Item = &'w str>) -> Result<()> {
    let mut stmt = tx.prepare_cached(INSERT_WORD)?;
    for word in words {
        stmt.execute(params![word, text::stem(word)])?;
    }
    Ok(())
}

/// Rewrites the index rows of the articles a migration listed in `refold_pending` (their
/// words fold differently now), recording their words, and empties the list: once, when an
/// archive made before opens.
pub(super) fn refold(conn: &mut rusqlite::Connection) -> Result<()> {
    let tx = conn.transaction()?;
    let ids: Vec<ArticleId> = tx
        .prepare(
            "SELECT article_id FROM refold_pending WHERE article_id IN (SELECT id FROM articles)
             ORDER BY article_id",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if ids.is_empty() {
        return Ok(());
    }
    for &article_id in &ids {
        if let Some(text) = super::articles::article_text(&tx, article_id)? {
            for t in std::iter::once(&text.title)
                .chain([&text.body])
                .chain(&text.feeds)
            {
                insert_words(&tx, text::tokens(t).iter().map(Token::folded))?;
            }
        }
        reindex_article(&tx, article_id)?;
    }
    tx.execute("DELETE FROM refold_pending", [])?;
    tx.commit()?;
    tracing::info!(
        articles = ids.len(),
        "index rows rewritten for the new folding"
    );
    Ok(())
}

/// Rewrites an article's full-text row from its stored title and text and its feeds' titles.
pub(super) fn reindex_article(tx: &Transaction, article_id: ArticleId) -> Result<()> {
    let super::articles::ArticleText {
        title, body, feeds, ..
    } = super::articles::article_text(tx, article_id)?.ok_or(Error::NotFound {
        what: "article",
        id: article_id,
    })?;
    let feeds: Vec<String> = feeds
        .iter()
        .map(|t| text::join_folded(&text::tokens(t)))
        .collect();
    tx.prepare_cached("DELETE FROM articles_fts WHERE rowid = ?1")?
        .execute([article_id])?;
    tx.prepare_cached(
        "INSERT INTO articles_fts (rowid, title, body, feed) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        article_id,
        text::join_folded(&text::tokens(&title)),
        text::join_folded(&text::tokens(&body)),
        feeds.join(" ")
    ])?;
    Ok(())
}
