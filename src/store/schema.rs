//! The database schema, as an append-only list of migrations.
//!
//! `PRAGMA user_version` records how many migrations a database has seen. Opening a database
//! applies the missing ones in one transaction each; a database whose version is higher than
//! this build knows was written by a newer Wirewatch and is refused rather than damaged.

/// Order matters. Add new migrations at the end; never edit one that has shipped.
pub const MIGRATIONS: &[&str] = &[
    // 1: feeds, articles (with the feeds each came through), full-text index, rules, alerts.
    r#"
    CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,
        -- dedup::canonical_url of `url`: http/https and www. variants are one subscription.
        url_key TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        site_url TEXT,
        folder TEXT,
        interval_override_secs INTEGER,
        interval_secs INTEGER NOT NULL,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        last_fetched INTEGER,
        next_check INTEGER NOT NULL,
        error_count INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        last_error_code TEXT,
        created INTEGER NOT NULL
    );
    CREATE INDEX feeds_next_check ON feeds(next_check);

    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        canonical_url TEXT,
        url TEXT,
        guid TEXT,
        content_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        author TEXT,
        snippet TEXT NOT NULL,
        content_html TEXT NOT NULL,
        text TEXT NOT NULL,
        published INTEGER,
        fetched INTEGER NOT NULL,
        updated INTEGER,
        sort_time INTEGER NOT NULL,
        read INTEGER NOT NULL DEFAULT 0,
        starred INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX articles_by_time ON articles(sort_time, id);
    CREATE INDEX articles_by_canonical_url ON articles(canonical_url) WHERE canonical_url IS NOT NULL;
    CREATE INDEX articles_starred ON articles(sort_time) WHERE starred = 1;

    -- One row per feed an article arrived through, with that feed's keys for dedup.
    CREATE TABLE article_feeds (
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        guid TEXT,
        link TEXT,
        content_hash TEXT NOT NULL,
        seen INTEGER NOT NULL,
        PRIMARY KEY (feed_id, article_id)
    ) WITHOUT ROWID;
    CREATE INDEX article_feeds_guid ON article_feeds(feed_id, guid) WHERE guid IS NOT NULL;
    CREATE INDEX article_feeds_link ON article_feeds(feed_id, link) WHERE link IS NOT NULL;
    CREATE INDEX article_feeds_hash ON article_feeds(feed_id, content_hash);
    CREATE INDEX article_feeds_article ON article_feeds(article_id);

    -- Folded words (see text.rs) of title, body and feed titles; rowid = articles.id.
    -- Contentless: the text lives in `articles` once.
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, feed,
        content = '',
        contentless_delete = 1,
        tokenize = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'"
    );
    CREATE VIRTUAL TABLE articles_vocab USING fts5vocab(articles_fts, 'row');

    CREATE TABLE rules (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        query TEXT NOT NULL,
        scope TEXT NOT NULL,
        notify INTEGER NOT NULL,
        muted INTEGER NOT NULL,
        created INTEGER NOT NULL
    );

    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        rule_id INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        matches TEXT NOT NULL,
        created INTEGER NOT NULL,
        read INTEGER NOT NULL DEFAULT 0,
        UNIQUE (rule_id, article_id)
    );
    CREATE INDEX alerts_by_article ON alerts(article_id);
    CREATE INDEX alerts_unread ON alerts(rule_id, read);

    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    "#,
    // 2: the full-text index buffers up to 16 MB of new words in memory (the default is 1 MB)
    // before writing a segment: a poll of thousands of articles writes a few large segments
    // instead of many small ones that must then be merged.
    r#"
    INSERT INTO articles_fts(articles_fts, rank) VALUES ('hashsize', 16777216);
    "#,
    // 3: every word of the full-text index with its stem, so that a search turns a stem into
    // its words with one index lookup. Reading them from `articles_vocab` walked the whole
    // list of articles of every word sharing the stem's first letters (`in` for `india`):
    // most of the time of a common search. The writer adds words as it indexes them;
    // `wirewatch_stem` is `text::stem`, registered on the connection.
    r#"
    CREATE TABLE words (
        word TEXT PRIMARY KEY,
        stem TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX words_by_stem ON words(stem);
    INSERT INTO words (word, stem) SELECT term, wirewatch_stem(term) FROM articles_vocab;
    "#,
    // 4: the user's changes to the shipped lexicon of concepts (rules::lexicon), applied in id
    // order; one row per concept and variant, the latest change.
    r#"
    CREATE TABLE lexicon_changes (
        id INTEGER PRIMARY KEY,
        concept TEXT NOT NULL,
        variant TEXT NOT NULL,
        added INTEGER NOT NULL,
        UNIQUE (concept, variant)
    );
    "#,
    // 5: text.rs folds Urdu letter forms, Devanagari nukta and chandrabindu, Arabic-Indic and
    // Devanagari digits alike, and ends words at non-joiners in Arabic script. The articles
    // whose words (or whose feeds' titles) may fold differently are listed here, and their
    // index rows rewritten with their words when the archive opens (`ingest::refold`);
    // `wirewatch_folds_anew` is `text::folds_anew`.
    r#"
    CREATE TABLE refold_pending (article_id INTEGER PRIMARY KEY);
    INSERT INTO refold_pending (article_id)
        SELECT id FROM articles
        WHERE wirewatch_folds_anew(title) OR wirewatch_folds_anew(text)
           OR wirewatch_folds_anew(content_html)
        UNION
        SELECT af.article_id FROM article_feeds af JOIN feeds f ON f.id = af.feed_id
        WHERE wirewatch_folds_anew(f.title);
    "#,
    // 6: each article's language (ISO 639-1), detected as it is prepared (prepare::lang), for
    // `lang:` in queries. Articles stored before are detected here from title and snippet
    // (`wirewatch_lang` is `prepare::lang::detect`): a few microseconds each.
    r#"
    ALTER TABLE articles ADD COLUMN lang TEXT;
    UPDATE articles SET lang = wirewatch_lang(title || ' ' || coalesce(snippet, ''));
    CREATE INDEX articles_lang ON articles(lang, sort_time) WHERE lang IS NOT NULL;
    "#,
    // 7: every article's time by id, narrow. A trend reads the time of each of a query's
    // matches; by row id that is a seek into the wide `articles` row, whose time is stored
    // after its body (often in overflow pages). This index holds the pairs alone, in id order,
    // so trends read new articles' times from it in one short range.
    r#"
    CREATE INDEX articles_time_by_id ON articles(id, sort_time);
    "#,
    // 8: what the picture of feeds and rules needs. Every check of a feed (for its recent
    // error rate and since when it fails); a rule's spike alerts (off while the sensitivity
    // is NULL) and the spikes raised.
    r#"
    CREATE TABLE feed_checks (
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        PRIMARY KEY (feed_id, at)
    ) WITHOUT ROWID;
    CREATE INDEX feed_checks_by_time ON feed_checks(at);
    ALTER TABLE rules ADD COLUMN spike_sensitivity TEXT;
    ALTER TABLE rules ADD COLUMN spike_cool_down_secs INTEGER NOT NULL DEFAULT 21600;
    CREATE TABLE spikes (
        id INTEGER PRIMARY KEY,
        rule_id INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        latest INTEGER NOT NULL,
        usual REAL NOT NULL,
        read INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX spikes_by_rule ON spikes(rule_id, at);
    "#,
    // 9: what decoding had to leave out of the feed's last document ("recovered: 12 entries,
    // the document was cut at byte 48213; skipped 1 entry: ..."), shown in the Feeds view;
    // NULL when it was read whole.
    r#"
    ALTER TABLE feeds ADD COLUMN recovery_note TEXT;
    "#,
    // 10: stories. Every article belongs to one (`story_id`); those stored before this
    // version each make their own, numbered after the article. A story keeps its first
    // article and outlet, its outlet and article counts, its last update, and while it still
    // takes articles, its terms (`story::LiveStory::terms_bytes`). The vocabulary of the
    // grouping is one row of `story_vocabulary`. An alert belongs to a story, so a rule
    // alerts once per story. `articles.story_detached`: the user took the article out of its
    // story, and it is never grouped again.
    r#"
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        first_article INTEGER,
        first_feed INTEGER,
        first_seen INTEGER NOT NULL,
        last_update INTEGER NOT NULL,
        articles INTEGER NOT NULL DEFAULT 1,
        outlets INTEGER NOT NULL DEFAULT 1,
        terms BLOB
    );
    CREATE INDEX stories_by_update ON stories(last_update);
    CREATE INDEX stories_live ON stories(last_update) WHERE terms IS NOT NULL;
    CREATE TABLE story_vocabulary (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        bytes BLOB NOT NULL
    );
    ALTER TABLE articles ADD COLUMN story_id INTEGER;
    ALTER TABLE articles ADD COLUMN story_detached INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE alerts ADD COLUMN story_id INTEGER;
    INSERT INTO stories (id, title, first_article, first_feed, first_seen, last_update, articles, outlets)
        SELECT a.id, a.title, a.id,
               (SELECT af.feed_id FROM article_feeds af WHERE af.article_id = a.id ORDER BY af.seen LIMIT 1),
               a.sort_time, a.sort_time, 1,
               max(1, (SELECT count(*) FROM article_feeds af WHERE af.article_id = a.id))
        FROM articles a;
    UPDATE articles SET story_id = id;
    UPDATE alerts SET story_id = article_id;
    CREATE INDEX articles_by_story ON articles(story_id);
    CREATE INDEX alerts_by_story ON alerts(story_id, rule_id);
    "#,
    // 11: full text. Each feed's setting (`auto`, `always`, `never`); each article's status
    // (NULL: not needed) and, when there is none, why, as a sentence; the full text itself in
    // a table of its own, so the wide `articles` rows and every listing stay as they were
    // (it goes with its article: a starred one keeps it). The queue of articles waiting for
    // their page, with the tries made so far and when to try next, survives a restart.
    r#"
    ALTER TABLE feeds ADD COLUMN full_text TEXT NOT NULL DEFAULT 'auto';
    ALTER TABLE articles ADD COLUMN full_text_status TEXT;
    ALTER TABLE articles ADD COLUMN full_text_note TEXT;
    CREATE TABLE full_texts (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        html TEXT NOT NULL,
        text TEXT NOT NULL,
        byline TEXT,
        published INTEGER,
        lang TEXT,
        image TEXT,
        words INTEGER NOT NULL,
        fetched_at INTEGER NOT NULL
    );
    CREATE TABLE full_text_queue (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try INTEGER NOT NULL
    );
    CREATE INDEX full_text_queue_by_time ON full_text_queue(next_try);
    "#,
    // 12: a rule may notify once more when a story it alerted on reaches N outlets
    // (`rules.renotify_outlets`, NULL: never); `alerts.renotified_outlets` is the threshold
    // an alert last notified again for, so each threshold notifies once.
    r#"
    ALTER TABLE rules ADD COLUMN renotify_outlets INTEGER;
    ALTER TABLE alerts ADD COLUMN renotified_outlets INTEGER;
    "#,
    // 13: a live story's terms in a table of their own, `story_terms`, holding only the
    // stories still taking articles: a row is written once per transaction that changes the
    // story, and deleted when the index lets the story go. In `stories.terms` they were never
    // let go of (about 1.4 KB for each story ever made, 56 MB for a first poll of 50,000
    // articles), and each new story's row was written twice, growing from about 100 bytes to
    // 1.5 KB at the end of its transaction. The terms of the stories within a week of the
    // newest (the index's `keep` at this version) move. `stories` is copied without them, so
    // the pages the old terms held go back to the database's free pages for any table (left
    // in place, they would have stayed mostly empty pages of `stories`, whose new rows go at
    // its end). On an archive of 500,000 stories (700 MB of terms) it took 1.1 s and freed
    // 755 MB of pages.
    r#"
    CREATE TABLE story_terms (
        story_id INTEGER PRIMARY KEY,
        terms BLOB NOT NULL
    );
    INSERT INTO story_terms (story_id, terms)
        SELECT id, terms FROM stories
        WHERE terms IS NOT NULL
          AND last_update >= (SELECT max(last_update) FROM stories WHERE terms IS NOT NULL)
                             - 7 * 86400000;
    CREATE TABLE stories_kept (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        first_article INTEGER,
        first_feed INTEGER,
        first_seen INTEGER NOT NULL,
        last_update INTEGER NOT NULL,
        articles INTEGER NOT NULL DEFAULT 1,
        outlets INTEGER NOT NULL DEFAULT 1
    );
    INSERT INTO stories_kept (id, title, first_article, first_feed, first_seen, last_update,
                              articles, outlets)
        SELECT id, title, first_article, first_feed, first_seen, last_update, articles, outlets
        FROM stories;
    DROP TABLE stories;
    ALTER TABLE stories_kept RENAME TO stories;
    CREATE INDEX stories_by_update ON stories(last_update);
    "#,
    // 14: of the pages queued for their full text and due at the same moment, the last
    // stored first. The writer stores a feed's new entries oldest first, so a feed's newest
    // report, whose whole text a monitor wants soonest, has the highest id; the index gives
    // that order without sorting the queue.
    r#"
    DROP INDEX full_text_queue_by_time;
    CREATE INDEX full_text_queue_due ON full_text_queue(next_try, article_id DESC);
    "#,
];
