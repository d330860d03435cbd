//! Ingest: dedup, store, index and match one poll's worth of entries, a few feeds per
//! transaction.
//!
//! For each feed of the poll, in order:
//! 1. Update the feed's fetch state (validators, schedule, error count, a permanent move).
//! 2. For each entry: find it among the articles this feed already brought — by guid, then
//!    link, then content hash (in memory for a feed that brought none before this poll, since
//!    then only its earlier entries can be found). Known and changed: update it (no new
//!    alert). Known and the same: nothing. Unknown to this feed but the same link came
//!    through another feed: attach this feed to that article (no new alert). Otherwise: a
//!    new article.
//! 3. Index new articles in the full-text index.
//! 4. Store the alerts of each new article, exactly once: for the rules it was matched
//!    against before ([`PreparedEntry::match_rules`]), or matched here if it was not.
//! 5. Before the transaction commits (when the poll says so, or after its last feed), rewrite
//!    the index rows of changed articles and of articles whose feeds changed, in rowid order,
//!    and hand what was committed, alerts included, to the caller.
//!
//! The expensive per-entry work (sanitising, tokenising, hashing, matching) happened before,
//! off the writer thread, in [`PreparedEntry::new`] and [`PreparedEntry::match_rules`].

use super::stories::{count_outlets, StoryDesk};
use super::{ms, Store};
use crate::decode::DecodedEntry;
use crate::dedup;
use crate::error::{Error, Result};
use crate::model::{Alert, ArticleId, ArticleSummary, FeedId, FeedRef, RuleId, TermMatch};
use crate::rules::{Doc, Origin, RuleSet};
use crate::story::Signature;
use crate::text::{self, Token};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::BTreeSet;
// The writer's own sets and maps: keyed by what it hashes for every entry (story keys, words,
// article ids), where the standard library's SipHash cost about 1% of the writer's time.
use foldhash::{HashMap, HashSet};

/// An entry ready to be stored: sanitised, tokenised, hashed, and perhaps matched.
#[derive(Debug, Clone)]
pub struct PreparedEntry {
    /// The decoded entry.
    pub entry: DecodedEntry,
    /// Dedup key of its link.
    pub canonical_url: Option<String>,
    /// Hash of title and text.
    pub content_hash: String,
    /// Title tokens (emptied once matched: the writer needs them only to match).
    pub title_tokens: Vec<Token>,
    /// Body tokens (emptied once matched).
    pub body_tokens: Vec<Token>,
    /// The title's folded words, as the full-text index stores them.
    pub indexed_title: String,
    /// The body's folded words, as the full-text index stores them.
    pub indexed_body: String,
    /// The rules it matches, if already matched ([`PreparedEntry::match_rules`]); the writer
    /// matches entries that were not.
    pub matched: Option<Vec<EntryMatch>>,
    /// Its words not yet reported to the store ([`PreparedEntry::noting_words`]); `None`:
    /// unknown, the writer records all of them.
    pub new_words: Option<Vec<text::NewWord>>,
    /// What story grouping compares it by, made here so the writer only places it.
    pub signature: Signature,
}

/// A rule that an entry matches, and where.
#[derive(Debug, Clone)]
pub struct EntryMatch {
    /// The rule.
    pub rule_id: RuleId,
    /// The words it matched, for highlighting.
    pub matches: Vec<TermMatch>,
    /// `matches` as stored.
    pub json: String,
}

impl PreparedEntry {
    /// Does the per-entry work that needs no database.
    pub fn new(entry: DecodedEntry) -> PreparedEntry {
        let title_tokens = text::tokens(&entry.title);
        let body_tokens = text::tokens(&entry.text);
        PreparedEntry::from_tokens(entry, title_tokens, body_tokens, None)
    }

    /// Like [`PreparedEntry::new`], for a store whose [`Store::word_epoch`] is `epoch`: also
    /// notes the words that store may not know yet, so the writer records only those.
    pub fn noting_words(entry: DecodedEntry, epoch: u64) -> PreparedEntry {
        let mut new = Vec::new();
        let title_tokens = text::tokens_noting_new(&entry.title, epoch, &mut new);
        let body_tokens = text::tokens_noting_new(&entry.text, epoch, &mut new);
        PreparedEntry::from_tokens(entry, title_tokens, body_tokens, Some(new))
    }

    fn from_tokens(
        entry: DecodedEntry,
        title_tokens: Vec<Token>,
        body_tokens: Vec<Token>,
        new_words: Option<Vec<text::NewWord>>,
    ) -> PreparedEntry {
        let signature = Signature::new(&entry.title, &title_tokens, &entry.text, &body_tokens);
        PreparedEntry {
            signature,
            canonical_url: entry.url.as_deref().and_then(dedup::canonical_url),
            content_hash: dedup::content_hash(&entry.title, &entry.text),
            indexed_title: join_folded(&title_tokens),
            indexed_body: join_folded(&body_tokens),
            title_tokens,
            body_tokens,
            entry,
            matched: None,
            new_words,
        }
    }

    /// Matches the entry against `rules` as an article of `feed`, off the writer thread:
    /// whether the article is new (and so alerts) only the writer knows, but which rules
    /// it would alert for does not depend on it. `feed_tokens` are the feed title's tokens.
    pub fn match_rules(
        &mut self,
        rules: &RuleSet,
        feed_id: FeedId,
        folder: Option<&str>,
        feed_tokens: &[Token],
    ) {
        let doc = Doc::with_all_tokens(
            &self.entry.title,
            &self.entry.text,
            std::mem::take(&mut self.title_tokens),
            std::mem::take(&mut self.body_tokens),
            vec![feed_tokens.to_vec()],
        );
        let origin = Origin {
            feeds: vec![feed_id],
            folders: folder.into_iter().map(String::from).collect(),
        };
        self.matched = Some(matches_of(rules, &doc, &origin));
    }
}

fn matches_of(rules: &RuleSet, doc: &Doc, origin: &Origin) -> Vec<EntryMatch> {
    rules
        .matching(doc, origin)
        .into_iter()
        .map(|(rule, hits)| {
            let matches = doc.term_matches(&hits);
            let json = serde_json::to_string(&matches).expect("matches serialise");
            EntryMatch {
                rule_id: rule.id,
                matches,
                json,
            }
        })
        .collect()
}

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
}

impl PollApplied {
    /// Alerts raised in all.
    pub fn alert_count(&self) -> u64 {
        self.tallies.iter().map(|t| t.count).sum()
    }
}

/// What the writer of a poll is handed next ([`Store::apply_poll_stream`]).
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
                apply_feed(&tx, first, rules, now, &mut applying, &mut desk)?;
                let mut last = true;
                for step in steps.by_ref() {
                    match step? {
                        PollStep::Feed(update) => {
                            apply_feed(&tx, update, rules, now, &mut applying, &mut desk)?
                        }
                        PollStep::Commit => {
                            last = false;
                            break;
                        }
                    }
                }
                for article_id in std::mem::take(&mut applying.reindex) {
                    reindex_article(&tx, article_id)?;
                }
                if last {
                    // Statistics only: once per poll is enough.
                    desk.save_vocabulary(&tx)?;
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

impl Applying {
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
    desk: &mut StoryDesk,
) -> Result<()> {
    let id = update.feed_id;
    // First, whatever happens to the entries: their words count as reported from now on.
    if let FeedOutcome::Fetched { entries, .. } = &update.outcome {
        record_words(tx, entries, &mut applying.recorded)?;
    }
    let Some((old_title, folder)) = tx
        .prepare_cached("SELECT title, folder FROM feeds WHERE id = ?1")?
        .query_row([id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
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
        } => {
            let title = title
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .unwrap_or(old_title.clone());
            tx.prepare_cached(
                "UPDATE feeds SET error_count = 0, last_error = NULL, last_error_code = NULL,
                     last_fetched = ?2, next_check = ?3, interval_secs = ?4,
                     etag = ?5, last_modified = ?6, body_hash = ?7, title = ?8,
                     site_url = coalesce(?9, site_url)
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
                site_url
            ])?;
            if title != old_title {
                let mut stmt =
                    tx.prepare_cached("SELECT article_id FROM article_feeds WHERE feed_id = ?1")?;
                for article_id in stmt.query_map([id], |r| r.get(0))? {
                    applying.reindex.insert(article_id?);
                }
            }
            let tokens = text::tokens(&title);
            let indexed = join_folded(&tokens);
            insert_words(tx, tokens.iter().map(Token::folded))?;
            let info = FeedInfo {
                title,
                folder,
                tokens,
                indexed,
            };
            let mut seen = SeenInFeed::default();
            let brought_before: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM article_feeds WHERE feed_id = ?1)")?
                .query_row([id], |r| r.get(0))?;
            if !brought_before {
                seen.keys = Some(NewFeedKeys::default());
            }
            for entry in entries {
                ingest_entry(tx, id, &info, entry, rules, now, applying, &mut seen, desk)?;
            }
        }
    }
    Ok(())
}

/// What one feed's entries have done so far in this poll.
#[derive(Default)]
struct SeenInFeed {
    /// Articles this feed's entries found or made: a feed listing one story twice is
    /// stored from its first listing.
    touched: HashSet<ArticleId>,
    /// For a feed that had brought no article before this poll, the dedup keys of the
    /// entries it brought so far: all that [`find_in_feed`] could find, so they are looked
    /// up here instead of in three indexes per entry.
    keys: Option<NewFeedKeys>,
}

/// The keys [`find_in_feed`] looks entries up by.
#[derive(Default)]
struct NewFeedKeys {
    guids: HashSet<String>,
    links: HashSet<String>,
    hashes: HashSet<String>,
}

impl NewFeedKeys {
    fn holds(&self, p: &PreparedEntry) -> bool {
        p.entry
            .guid
            .as_ref()
            .is_some_and(|g| self.guids.contains(g))
            || p.canonical_url
                .as_ref()
                .is_some_and(|l| self.links.contains(l))
            || self.hashes.contains(&p.content_hash)
    }

    /// Records the keys of an `article_feeds` row written for `p`.
    fn add(&mut self, p: &PreparedEntry) {
        if let Some(g) = &p.entry.guid {
            self.guids.insert(g.clone());
        }
        if let Some(l) = &p.canonical_url {
            self.links.insert(l.clone());
        }
        self.hashes.insert(p.content_hash.clone());
    }
}

#[allow(clippy::too_many_arguments)]
fn ingest_entry(
    tx: &Transaction,
    feed_id: FeedId,
    feed: &FeedInfo,
    p: PreparedEntry,
    rules: &RuleSet,
    now: DateTime<Utc>,
    applying: &mut Applying,
    seen: &mut SeenInFeed,
    desk: &mut StoryDesk,
) -> Result<()> {
    let e = &p.entry;
    let known = match &seen.keys {
        // Whatever a new feed's entry matches, an earlier entry of this poll wrote it: the
        // first listing wins, as below.
        Some(keys) if keys.holds(&p) => return Ok(()),
        Some(_) => None,
        None => find_in_feed(
            tx,
            feed_id,
            e.guid.as_deref(),
            p.canonical_url.as_deref(),
            &p.content_hash,
        )?,
    };
    let touched = &mut seen.touched;
    if let Some((article_id, old_hash)) = known {
        // A feed listing the same guid twice: the first entry wins for this poll.
        if !touched.insert(article_id) {
            return Ok(());
        }
        tx.prepare_cached(
            "UPDATE article_feeds SET guid = coalesce(?3, guid), link = coalesce(?4, link), content_hash = ?5
             WHERE feed_id = ?1 AND article_id = ?2",
        )?
        .execute(params![feed_id, article_id, e.guid, p.canonical_url, p.content_hash])?;
        if old_hash != p.content_hash {
            tx.prepare_cached(
                "UPDATE articles SET title = ?2, author = coalesce(?3, author), snippet = ?4,
                     content_html = ?5, text = ?6, content_hash = ?7, updated = ?8,
                     url = coalesce(?9, url), canonical_url = coalesce(?10, canonical_url)
                 WHERE id = ?1",
            )?
            .execute(params![
                article_id,
                e.title,
                e.author,
                e.snippet,
                e.content_html,
                text_column(e),
                p.content_hash,
                ms(now),
                e.url,
                p.canonical_url
            ])?;
            applying.reindex.insert(article_id);
            applying.applied.updated_articles += 1;
        }
        return Ok(());
    }
    if let Some(url_key) = &p.canonical_url {
        let elsewhere: Option<ArticleId> = tx
            .prepare_cached("SELECT id FROM articles WHERE canonical_url = ?1 ORDER BY id LIMIT 1")?
            .query_row([url_key], |r| r.get(0))
            .optional()?;
        if let Some(article_id) = elsewhere {
            // The same story through a second feed: one article listing both, no second alert.
            if touched.insert(article_id) {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO article_feeds (feed_id, article_id, guid, link, content_hash, seen)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![feed_id, article_id, e.guid, p.canonical_url, p.content_hash, ms(now)])?;
                applying.reindex.insert(article_id);
                // One more outlet for its story.
                let story: Option<i64> = tx
                    .prepare_cached("SELECT story_id FROM articles WHERE id = ?1")?
                    .query_row([article_id], |r| r.get(0))?;
                if let Some(story) = story {
                    count_outlets(tx, story)?;
                }
                if let Some(keys) = &mut seen.keys {
                    keys.add(&p);
                }
            }
            return Ok(());
        }
    }
    // Feeds that date stories in the future (wrong time zones, scheduled posts) would pin
    // them to the top of every list: such stories are filed at the time we saw them.
    let sort_time = match e.published {
        Some(p) if p <= now + chrono::Duration::hours(1) => p,
        _ => now,
    };
    let placement = desk.place(tx, &p.signature, sort_time, feed_id)?;
    tx.prepare_cached(
        "INSERT INTO articles (canonical_url, url, guid, content_hash, title, author, snippet, content_html,
                               text, published, fetched, sort_time, story_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
            p.canonical_url,
            e.url,
            e.guid,
            p.content_hash,
            e.title,
            e.author,
            e.snippet,
            e.content_html,
            text_column(e),
            e.published.map(ms),
            ms(now),
            ms(sort_time),
            placement.story
        ])?;
    let article_id = tx.last_insert_rowid();
    touched.insert(article_id);
    tx.prepare_cached(
        "INSERT INTO article_feeds (feed_id, article_id, guid, link, content_hash, seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        feed_id,
        article_id,
        e.guid,
        p.canonical_url,
        p.content_hash,
        ms(now)
    ])?;
    if let Some(keys) = &mut seen.keys {
        keys.add(&p);
    }
    desk.record(tx, &placement, article_id, feed_id, &e.title, sort_time)?;
    tx.prepare_cached(
        "INSERT INTO articles_fts (rowid, title, body, feed) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        article_id,
        p.indexed_title,
        p.indexed_body,
        feed.indexed
    ])?;
    applying.applied.new_articles += 1;

    if rules.is_empty() {
        return Ok(());
    }
    let found = match p.matched {
        Some(found) => found,
        None => {
            let doc = Doc::with_all_tokens(
                &e.title,
                &e.text,
                p.title_tokens,
                p.body_tokens,
                vec![feed.tokens.clone()],
            );
            let origin = Origin {
                feeds: vec![feed_id],
                folders: feed.folder.iter().cloned().collect(),
            };
            matches_of(rules, &doc, &origin)
        }
    };
    for EntryMatch {
        rule_id,
        matches,
        json,
    } in found
    {
        let Some(rule) = rules.get(rule_id) else {
            continue;
        };
        // A rule alerts once per story: a later article of a story it alerted on joins that
        // alert's row (its outlets are read from the story) and notifies no one.
        let alerted: bool = tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM alerts WHERE story_id = ?1 AND rule_id = ?2)",
            )?
            .query_row(params![placement.story, rule.id], |r| r.get(0))?;
        if alerted {
            continue;
        }
        let inserted = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO alerts (rule_id, article_id, matches, created, story_id)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![rule.id, article_id, json, ms(now), placement.story])?;
        if inserted == 0 {
            continue;
        }
        let alert_id = tx.last_insert_rowid();
        let applied = &mut applying.applied;
        let i = *applying.tally_of.entry(rule.id).or_insert_with(|| {
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
        if applied.alerts.len() >= applying.live_alerts && tally.kept >= KEPT_PER_RULE {
            continue;
        }
        tally.kept += 1;
        let alert = Alert {
            id: alert_id,
            rule_id: rule.id,
            rule_name: rule.name.clone(),
            article: ArticleSummary {
                id: article_id,
                feeds: vec![FeedRef {
                    id: feed_id,
                    title: feed.title.clone(),
                }],
                url: e.url.clone(),
                title: e.title.clone(),
                author: e.author.clone(),
                snippet: e.snippet.clone(),
                published: e.published,
                fetched: now,
                read: false,
                starred: false,
            },
            matches,
            created: now,
            read: false,
            story: Store::alert_stories(tx, [placement.story])?
                .remove(&placement.story)
                .map(Box::new),
        };
        applied.alerts.push((alert, rule.notify));
    }
    Ok(())
}

const BY_GUID: &str = "SELECT af.article_id, a.content_hash FROM article_feeds af JOIN articles a ON a.id = af.article_id
     WHERE af.feed_id = ?1 AND af.guid = ?2 LIMIT 1";
const BY_LINK: &str = "SELECT af.article_id, a.content_hash FROM article_feeds af JOIN articles a ON a.id = af.article_id
     WHERE af.feed_id = ?1 AND af.link = ?2 LIMIT 1";
const BY_HASH: &str = "SELECT af.article_id, a.content_hash FROM article_feeds af JOIN articles a ON a.id = af.article_id
     WHERE af.feed_id = ?1 AND af.content_hash = ?2 LIMIT 1";

/// The article this feed already brought that this entry is: by guid, then link, then hash.
fn find_in_feed(
    tx: &Transaction,
    feed_id: FeedId,
    guid: Option<&str>,
    link: Option<&str>,
    hash: &str,
) -> Result<Option<(ArticleId, String)>> {
    #[cfg(test)]
    tests::PROBED.with(|n| n.set(n.get() + 1));
    // Statements are cached: this runs for every entry of every poll.
    let lookup = |sql: &str, value: &str| -> rusqlite::Result<Option<(ArticleId, String)>> {
        tx.prepare_cached(sql)?
            .query_row(params![feed_id, value], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
    };
    if let Some(g) = guid {
        if let Some(found) = lookup(BY_GUID, g)? {
            return Ok(Some(found));
        }
    }
    if let Some(l) = link {
        if let Some(found) = lookup(BY_LINK, l)? {
            return Ok(Some(found));
        }
    }
    Ok(lookup(BY_HASH, hash)?)
}

/// What the `text` column keeps of an entry: nothing when its text is its HTML's own
/// ([`DecodedEntry::text_of_html`]), which is most entries, so a story is stored once and a
/// poll writes a quarter fewer bytes; [`super::body_text`] reads it back.
fn text_column(e: &DecodedEntry) -> &str {
    if e.text_of_html {
        ""
    } else {
        &e.text
    }
}

/// Folded words joined by spaces: what the full-text index stores (see text.rs).
pub(crate) fn join_folded(tokens: &[Token]) -> String {
    let mut out = String::with_capacity(tokens.iter().map(|t| t.folded().len() + 1).sum());
    for t in tokens {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t.folded());
    }
    out
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

/// Rewrites an article's full-text row from its stored title and text and its feeds' titles.
fn reindex_article(tx: &Transaction, article_id: ArticleId) -> Result<()> {
    let (title, body, feeds) =
        super::articles::article_text(tx, article_id)?.ok_or(Error::NotFound {
            what: "article",
            id: article_id,
        })?;
    let feeds: Vec<String> = feeds
        .iter()
        .map(|t| join_folded(&text::tokens(t)))
        .collect();
    tx.prepare_cached("DELETE FROM articles_fts WHERE rowid = ?1")?
        .execute([article_id])?;
    tx.prepare_cached(
        "INSERT INTO articles_fts (rowid, title, body, feed) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        article_id,
        join_folded(&text::tokens(&title)),
        join_folded(&text::tokens(&body)),
        feeds.join(" ")
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewFeed;
    use std::cell::Cell;

    thread_local! {
        /// Entries looked up in the archive's dedup indexes.
        pub(super) static PROBED: Cell<usize> = const { Cell::new(0) };
    }

    fn entry(guid: Option<&str>, url: Option<&str>, title: &str, text: &str) -> PreparedEntry {
        PreparedEntry::new(DecodedEntry {
            guid: guid.map(String::from),
            url: url.map(String::from),
            title: title.into(),
            text: text.into(),
            ..DecodedEntry::default()
        })
    }

    /// One feed's listing of two stories, each given several ways, plus a wire story that
    /// came first through another feed.
    fn listing(site: &str) -> Vec<PreparedEntry> {
        let link = |n: u32| format!("https://{site}.example.org/story/{n}");
        vec![
            entry(
                Some("g1"),
                Some(&link(1)),
                "Talks resume",
                "Envoys met in Doha.",
            ),
            // The same guid, other words: the first listing wins.
            entry(
                Some("g1"),
                Some(&link(2)),
                "Talks resume",
                "Envoys met again.",
            ),
            // Another guid, the same link.
            entry(
                Some("g3"),
                Some(&link(1)),
                "Talks resume",
                "Envoys met twice.",
            ),
            // No guid or link, the first one's words.
            entry(None, None, "Talks resume", "Envoys met in Doha."),
            // The wire story, then its guid again.
            entry(
                Some("g5"),
                Some("https://wire.example.org/s"),
                "Wire",
                "From the wire.",
            ),
            entry(Some("g5"), Some(&link(6)), "Wire again", "Other words."),
            entry(
                Some("g7"),
                Some(&link(7)),
                "Border reopens",
                "Trucks move again.",
            ),
        ]
    }

    /// A feed new to the archive looks its entries up in memory, a feed that brought
    /// articles before in the archive's indexes; both store the same listing alike.
    #[test]
    fn a_new_feed_dedups_its_listing_in_memory_as_a_known_feed_does_in_the_archive() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("w.db")).unwrap();
        let now = Utc::now();
        let add = |url: &str| {
            let feed = NewFeed {
                url: url.into(),
                title: Some(url.into()),
                ..NewFeed::default()
            };
            store.add_feed(&feed, now, 900).unwrap().0.id
        };
        let (wire, fresh, known) = (
            add("https://wire.example.org/feed"),
            add("https://fresh.example.org/feed"),
            add("https://known.example.org/feed"),
        );
        let poll = |feed: FeedId, entries: Vec<PreparedEntry>| {
            let update = FeedUpdate::entries(feed, None, entries, now);
            store
                .apply_poll(vec![update], &RuleSet::default(), now)
                .unwrap()
        };
        poll(
            wire,
            vec![entry(
                Some("w"),
                Some("https://wire.example.org/s"),
                "Wire",
                "From the wire.",
            )],
        );
        poll(
            known,
            vec![entry(Some("old"), None, "Earlier", "An older story.")],
        );

        let rows = |feed: FeedId| -> Vec<(String, Option<String>, String)> {
            let conn = store.reader();
            let mut stmt = conn
                .prepare(
                    "SELECT a.title, af.guid, a.text FROM article_feeds af
                     JOIN articles a ON a.id = af.article_id
                     WHERE af.feed_id = ?1 AND af.guid IS NOT 'old' ORDER BY a.title",
                )
                .unwrap();
            stmt.query_map([feed], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let want = vec![
            (
                "Border reopens".to_string(),
                Some("g7".to_string()),
                "Trucks move again.".to_string(),
            ),
            (
                "Talks resume".into(),
                Some("g1".into()),
                "Envoys met in Doha.".into(),
            ),
            ("Wire".into(), Some("g5".into()), "From the wire.".into()),
        ];
        for (feed, site, probes) in [(fresh, "fresh", false), (known, "known", true)] {
            PROBED.with(|n| n.set(0));
            let applied = poll(feed, listing(site));
            assert_eq!(applied.new_articles, 2, "{site}: two new stories");
            assert_eq!(applied.updated_articles, 0, "{site}: nothing updated");
            assert_eq!(rows(feed), want, "{site}: one row per story, first listing");
            assert_eq!(
                PROBED.with(Cell::get) > 0,
                probes,
                "{site}: looked up in the archive's indexes"
            );
        }
        let wire_feeds: i64 = store
            .reader()
            .query_row(
                "SELECT count(*) FROM article_feeds af JOIN articles a ON a.id = af.article_id
                 WHERE a.url = 'https://wire.example.org/s'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(wire_feeds, 3, "the wire story lists all three feeds");

        // Polled again, the fresh feed is known: its listing changes nothing.
        PROBED.with(|n| n.set(0));
        let again = poll(fresh, listing("fresh"));
        assert_eq!((again.new_articles, again.updated_articles), (0, 0));
        assert!(
            PROBED.with(Cell::get) > 0,
            "a second poll looks in the archive"
        );
        assert_eq!(rows(fresh), want);
    }
}
