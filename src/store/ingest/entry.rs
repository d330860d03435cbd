//! One feed's entries of a poll ([`FeedIngest::entries`]), in two passes:
//! 1. each entry in turn is *classified*: an article this feed brought before (by guid, then
//!    link, then content hash: in memory for a feed that brought none before this poll, since
//!    then only its earlier entries can be found), an article with the same link from another
//!    feed, one an earlier entry of this poll already wrote or queued (the first listing
//!    wins), or new. Known: its changed words replace the stored ones; from another feed: this
//!    feed is attached to it; new: it is queued, and its signature handed to the
//!    [`crate::story::Placer`], which files it in a story on a thread of its own meanwhile;
//! 2. each new entry in turn, with its placement: *insert* it in its story, list it under
//!    this feed, index it, queue its page when its feed wants full texts, and *record the
//!    alerts* it raises, once per rule it matches.
//!
//! No alert is raised for a known article or one attached from another feed.

use super::{ms, AlertFacts, Applying, FeedInfo, Renotified};
use crate::decode::DecodedEntry;
use crate::error::Result;
use crate::model::{ArticleId, ArticleSummary, FeedId, FeedRef, FullTextStatus, StoryId};
use crate::prepare::{EntryMatch, PreparedEntry};
use crate::rules::RuleSet;
use crate::store::stories::{self, count_outlets, Filing};
use crate::store::Store;
use crate::story::Placement;
use chrono::{DateTime, Utc};
use foldhash::HashSet;
use rusqlite::{params, OptionalExtension, Transaction};

/// What one feed's entries have done so far in this poll.
#[derive(Default)]
pub(super) struct SeenInFeed {
    /// Articles this feed's entries found or made: a feed listing one story twice is
    /// stored from its first listing.
    pub(super) touched: HashSet<ArticleId>,
    /// For a feed that had brought no article before this poll, the dedup keys of the
    /// entries it brought so far: all that [`find_in_feed`] could find, so they are looked
    /// up here instead of in three indexes per entry.
    pub(super) keys: Option<NewFeedKeys>,
    /// The keys of the new entries queued by the first pass, not written yet.
    pub(super) queued: NewFeedKeys,
}

/// The keys [`find_in_feed`] looks entries up by.
#[derive(Default)]
pub(super) struct NewFeedKeys {
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

/// Where an entry stands against the archive.
enum Found {
    /// An earlier entry of this feed in this poll found or made its article: the first
    /// listing wins.
    Repeated,
    /// An article this feed brought before, with its stored content hash.
    Known(ArticleId, String),
    /// An article with the same link, which came through another feed.
    Elsewhere(ArticleId),
    /// No article yet.
    New,
}

/// Writing one feed's entries of a poll: what every step needs, in one place.
pub(super) struct FeedIngest<'a, 's, 'e> {
    pub(super) tx: &'a Transaction<'a>,
    pub(super) feed_id: FeedId,
    pub(super) feed: FeedInfo,
    pub(super) rules: &'a RuleSet,
    pub(super) now: DateTime<Utc>,
    pub(super) applying: &'a mut Applying,
    pub(super) seen: SeenInFeed,
    /// Where new articles are filed in stories.
    pub(super) filing: &'a mut Filing<'s, 'e>,
}

impl FeedIngest<'_, '_, '_> {
    /// Stores a feed's entries: each classified, in the feed's order (its first listing of
    /// an article wins), then its article updated or attached to this feed at once, or, new,
    /// queued; then the new ones placed in their stories and inserted oldest first, and their
    /// alerts recorded.
    ///
    /// Oldest first, not in the feed's order (newest first, mostly): placed newest first, an
    /// outlet's report of a later event came before its own report of an earlier, related
    /// one, and could join the earlier event's story (the outlet not in it yet); a story takes
    /// one article per outlet, so the outlet's own report of that event was then kept out.
    /// Over 200 orders of the labelled set polled at once, the lowest pairwise precision rose
    /// from 0.874 to 0.914 (BENCHMARKS.md, "Story grouping").
    pub(super) fn entries(&mut self, entries: Vec<PreparedEntry>) -> Result<()> {
        let mut queued = Vec::new();
        for p in entries {
            match self.classify(&p)? {
                Found::Repeated => {}
                Found::Known(article_id, old_hash) => self.update(&p, article_id, &old_hash)?,
                Found::Elsewhere(article_id) => self.attach(&p, article_id)?,
                Found::New => {
                    self.seen.queued.add(&p);
                    let sort_time = self.sort_time(&p);
                    queued.push((p, sort_time));
                }
            }
        }
        // Stable: entries of the same time keep the feed's order.
        queued.sort_by_key(|q| q.1);
        for (p, sort_time) in &mut queued {
            let signature = std::mem::take(&mut p.signature);
            self.filing
                .placer(self.tx)?
                .submit(signature, *sort_time, self.feed_id as u64);
        }
        for (mut p, sort_time) in queued {
            let placement = self.filing.placer(self.tx)?.take();
            let article_id = self.insert(&p, &placement, sort_time)?;
            self.record_alerts(&mut p, article_id, placement.story)?;
        }
        Ok(())
    }

    /// When a new entry is filed: when it was published, unless that is in the future.
    fn sort_time(&self, p: &PreparedEntry) -> DateTime<Utc> {
        // Feeds that date stories in the future (wrong time zones, scheduled posts) would pin
        // them to the top of every list: such stories are filed at the time we saw them.
        match p.entry.published {
            Some(t) if t <= self.now + chrono::Duration::hours(1) => t,
            _ => self.now,
        }
    }

    /// Known to this feed (by guid, link, then hash), the same link through another feed, or
    /// new. An article found is marked as this poll's for this feed.
    fn classify(&mut self, p: &PreparedEntry) -> Result<Found> {
        // An earlier entry of this feed is queued as new with the same keys: the first
        // listing wins (once written, it would be found below).
        if self.seen.queued.holds(p) {
            return Ok(Found::Repeated);
        }
        let known = match &self.seen.keys {
            // Whatever a new feed's entry matches, an earlier entry of this poll wrote it: the
            // first listing wins, as below.
            Some(keys) if keys.holds(p) => return Ok(Found::Repeated),
            Some(_) => None,
            None => find_in_feed(
                self.tx,
                self.feed_id,
                p.entry.guid.as_deref(),
                p.canonical_url.as_deref(),
                &p.content_hash,
            )?,
        };
        if let Some((article_id, old_hash)) = known {
            // A feed listing the same guid twice: the first entry wins for this poll.
            if !self.seen.touched.insert(article_id) {
                return Ok(Found::Repeated);
            }
            return Ok(Found::Known(article_id, old_hash));
        }
        if let Some(url_key) = &p.canonical_url {
            let elsewhere: Option<ArticleId> = self
                .tx
                .prepare_cached(
                    "SELECT id FROM articles WHERE canonical_url = ?1 ORDER BY id LIMIT 1",
                )?
                .query_row([url_key], |r| r.get(0))
                .optional()?;
            if let Some(article_id) = elsewhere {
                return Ok(if self.seen.touched.insert(article_id) {
                    Found::Elsewhere(article_id)
                } else {
                    Found::Repeated
                });
            }
        }
        Ok(Found::New)
    }

    /// A known article: this feed's keys for it follow the entry; changed words replace the
    /// stored ones (no new alert).
    fn update(&mut self, p: &PreparedEntry, article_id: ArticleId, old_hash: &str) -> Result<()> {
        let e = &p.entry;
        self.tx
            .prepare_cached(
                "UPDATE article_feeds SET guid = coalesce(?3, guid), link = coalesce(?4, link), content_hash = ?5
                 WHERE feed_id = ?1 AND article_id = ?2",
            )?
            .execute(params![self.feed_id, article_id, e.guid, p.canonical_url, p.content_hash])?;
        if old_hash != p.content_hash {
            self.tx
                .prepare_cached(
                    "UPDATE articles SET title = ?2, author = coalesce(?3, author), snippet = ?4,
                         content_html = ?5, text = ?6, content_hash = ?7, updated = ?8,
                         url = coalesce(?9, url), canonical_url = coalesce(?10, canonical_url),
                         lang = ?11
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
                    ms(self.now),
                    e.url,
                    p.canonical_url,
                    p.lang
                ])?;
            self.applying.reindex.insert(article_id);
            self.applying.applied.updated_articles += 1;
        }
        Ok(())
    }

    /// The same story through a second feed: one article listing both, no second alert.
    fn attach(&mut self, p: &PreparedEntry, article_id: ArticleId) -> Result<()> {
        let e = &p.entry;
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO article_feeds (feed_id, article_id, guid, link, content_hash, seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                self.feed_id,
                article_id,
                e.guid,
                p.canonical_url,
                p.content_hash,
                ms(self.now)
            ])?;
        self.applying.reindex.insert(article_id);
        if let Some(keys) = &mut self.seen.keys {
            keys.add(p);
        }
        // One more outlet for its story.
        let story: Option<StoryId> = self
            .tx
            .prepare_cached("SELECT story_id FROM articles WHERE id = ?1")?
            .query_row([article_id], |r| r.get(0))?;
        if let Some(story) = story {
            count_outlets(self.tx, story)?;
            // And the story takes no other article of this feed, as if placed from it: what
            // lets the placer count an outlet without looking ([`Placement::new_outlet`]).
            self.filing
                .placer(self.tx)?
                .add_outlet(story, self.feed_id as u64);
            self.renotify(story)?;
        }
        Ok(())
    }

    /// A story may have grown by an outlet: each alert on it whose rule asks to be told again
    /// at N outlets, and which has not been for that N, is once it has N. An alert raised in
    /// this same transaction is notified with it: it is only marked, so one poll that brings
    /// a story's first N outlets notifies once.
    fn renotify(&mut self, story: StoryId) -> Result<()> {
        let due: Vec<(i64, i64, String, u32, String, bool)> = self
            .tx
            .prepare_cached(
                "SELECT al.id, r.id, r.name, r.renotify_outlets, s.title, al.created = ?2
                 FROM alerts al JOIN rules r ON r.id = al.rule_id JOIN stories s ON s.id = al.story_id
                 WHERE al.story_id = ?1 AND r.renotify_outlets IS NOT NULL
                   AND r.notify = 1 AND r.muted = 0
                   AND s.outlets >= r.renotify_outlets
                   AND al.renotified_outlets IS NOT r.renotify_outlets",
            )?
            .query_map(params![story, ms(self.now)], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        if due.is_empty() {
            return Ok(());
        }
        let Some(now) = Store::alert_stories(self.tx, [story])?.remove(&story) else {
            return Ok(());
        };
        for (alert_id, rule_id, rule_name, threshold, title, raised_now) in due {
            self.tx
                .prepare_cached("UPDATE alerts SET renotified_outlets = ?2 WHERE id = ?1")?
                .execute(params![alert_id, threshold])?;
            if raised_now {
                continue;
            }
            self.applying.applied.renotified.push(Renotified {
                alert_id,
                rule_id,
                rule_name,
                title,
                story: now.clone(),
            });
        }
        Ok(())
    }

    /// A new article: stored in the story `placement` filed it in, listed under this feed,
    /// and indexed. Returns its id.
    fn insert(
        &mut self,
        p: &PreparedEntry,
        placement: &Placement,
        sort_time: DateTime<Utc>,
    ) -> Result<ArticleId> {
        let (e, now, tx) = (&p.entry, self.now, self.tx);
        let page = e
            .url
            .as_deref()
            .filter(|_| crate::full_text::wanted(self.feed.full_text, p.teaser))
            .filter(|url| url.starts_with("https://") || url.starts_with("http://"));
        tx.prepare_cached(
            "INSERT INTO articles (canonical_url, url, guid, content_hash, title, author, snippet, content_html,
                                   text, published, fetched, sort_time, lang,
                                   story_id, full_text_status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
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
            p.lang,
            placement.story,
            page.map(|_| FullTextStatus::Pending.as_str())
        ])?;
        let article_id = tx.last_insert_rowid();
        if let Some(url) = page {
            tx.prepare_cached(
                "INSERT INTO full_text_queue (article_id, url, next_try) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![article_id, url, ms(now)])?;
        }
        self.seen.touched.insert(article_id);
        tx.prepare_cached(
            "INSERT INTO article_feeds (feed_id, article_id, guid, link, content_hash, seen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            self.feed_id,
            article_id,
            e.guid,
            p.canonical_url,
            p.content_hash,
            ms(now)
        ])?;
        stories::record(tx, placement, article_id, self.feed_id, &e.title, sort_time)?;
        tx.prepare_cached(
            "INSERT INTO articles_fts (rowid, title, body, feed) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            article_id,
            p.indexed_title,
            p.indexed_body,
            self.feed.indexed
        ])?;
        self.applying.applied.new_articles += 1;
        if !placement.started {
            self.renotify(placement.story)?;
        }
        Ok(article_id)
    }

    /// Stores the alerts of a new article, once per rule it matches (as prepared, or matched
    /// now if it was not), and tallies them; keeps them whole within the poll's budget.
    fn record_alerts(
        &mut self,
        p: &mut PreparedEntry,
        article_id: ArticleId,
        story: StoryId,
    ) -> Result<()> {
        if self.rules.is_empty() {
            return Ok(());
        }
        let found = p.take_matches(
            self.rules,
            self.feed_id,
            self.feed.folder.as_deref(),
            &self.feed.tokens,
        );
        let (e, now) = (&p.entry, self.now);
        for EntryMatch {
            rule_id,
            matches,
            json,
        } in found
        {
            let Some(rule) = self.rules.get(rule_id) else {
                continue;
            };
            let feed = FeedRef {
                id: self.feed_id,
                title: self.feed.title.clone(),
            };
            let tx = self.tx;
            self.applying.raise(
                tx,
                AlertFacts {
                    rule,
                    article_id,
                    story,
                    json: &json,
                    matches,
                    now,
                },
                || {
                    Ok(ArticleSummary {
                        id: article_id,
                        feeds: vec![feed],
                        url: e.url.clone(),
                        title: e.title.clone(),
                        author: e.author.clone(),
                        snippet: e.snippet.clone(),
                        published: e.published,
                        fetched: now,
                        read: false,
                        starred: false,
                        lang: p.lang.map(str::to_string),
                    })
                },
            )?;
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FeedUpdate, NewFeed, Store};
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
