//! Alert rules and archive search must agree: for many generated articles and queries, the
//! in-memory matcher (what raises alerts) and the full-text search of the stored archive
//! return exactly the same articles.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;
use wirewatch::model::{RuleDraft, RuleScope};
use wirewatch::prepare::PreparedEntry;
use wirewatch::rules::{matcher, CompiledRule, Doc, Origin, Query, RuleSet};
use wirewatch::store::{FeedUpdate, NewFeed, PollStep, Store};

/// Words with their inflections, diacritics, and text in Urdu, Hindi and Chinese.
const VOCABULARY: &[&str] = &[
    "ceasefire",
    "ceasefires",
    "Ceasefire",
    "talk",
    "talks",
    "talking",
    "talked",
    "India",
    "India's",
    "Pakistan",
    "Pakistán",
    "Pakistan's",
    "China",
    "Chinese",
    "negotiation",
    "negotiations",
    "negotiate",
    "negotiator",
    "border",
    "borders",
    "Kashmir",
    "Line",
    "of",
    "Control",
    "minister",
    "ministers",
    "army",
    "armies",
    "country",
    "countries",
    "peace",
    "peaceful",
    "truce",
    "shelling",
    "shelled",
    "Wang",
    "Yi",
    "said",
    "says",
    "saying",
    "cricket",
    "markets",
    "market",
    "rupee",
    "dying",
    "die",
    "lying",
    "agreed",
    "agreement",
    "agrees",
    "Zürich",
    "naïve",
    "café",
    "U.S.",
    "India-Pakistan",
    "پاکستان",
    "بھارت",
    "امن",
    "भारत",
    "पाकिस्तान",
    "युद्धविराम",
    "中国",
    "王毅",
    "停火",
    "巴基斯坦",
    "2025",
    "G20",
    // Spellings that fold alike, and the words of concepts' variants.
    "جنگ",
    "بندی",
    "بندي",
    "كشمير",
    "کشمیر",
    "سیز",
    "فائر",
    "संघर्ष",
    "विराम",
    "सीज़फ़ायर",
    "सीजफायर",
    "停战",
    "印度",
    "控制线",
    "truce",
];

fn sentence(rng: &mut StdRng, words: usize) -> String {
    (0..words)
        .map(|_| VOCABULARY[rng.random_range(0..VOCABULARY.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A random query in the rule language, built from the grammar.
fn query(rng: &mut StdRng, depth: u32) -> String {
    let word = |rng: &mut StdRng| VOCABULARY[rng.random_range(0..VOCABULARY.len())].to_string();
    let leaf = |rng: &mut StdRng| -> String {
        match rng.random_range(0..12) {
            0 | 1 => format!("\"{} {}\"", word(rng), word(rng)),
            10 => {
                const CONCEPTS: &[&str] = &[
                    "@ceasefire",
                    "@india",
                    "@pakistan",
                    "@kashmir",
                    "@line-of-control",
                    "@wang-yi",
                    "title:@ceasefire",
                ];
                CONCEPTS[rng.random_range(0..CONCEPTS.len())].to_string()
            }
            2 => {
                let w = wirewatch::text::fold(&word(rng));
                let chars: Vec<char> = w.chars().collect();
                if chars.len() < 3 {
                    word(rng)
                } else {
                    let n = rng.random_range(2..=chars.len().min(6));
                    format!("{}*", chars[..n].iter().collect::<String>())
                }
            }
            3 => format!("title:{}", word(rng)),
            4 => format!(
                "NEAR({} {}, {})",
                word(rng),
                word(rng),
                rng.random_range(0..6)
            ),
            5 => "feed:desk".to_string(),
            _ => word(rng),
        }
    };
    if depth == 0 {
        return leaf(rng);
    }
    match rng.random_range(0..6) {
        0 => format!("{} OR {}", query(rng, depth - 1), query(rng, depth - 1)),
        1 => format!("({}) {}", query(rng, depth - 1), query(rng, depth - 1)),
        2 => format!("{} -{}", query(rng, depth - 1), leaf(rng)),
        3 => format!(
            "{} AND NOT ({})",
            query(rng, depth - 1),
            query(rng, depth - 1)
        ),
        _ => leaf(rng),
    }
}

/// A story with this guid, title and text, ready to store.
fn story(guid: String, title: String, text: String) -> PreparedEntry {
    PreparedEntry::new(wirewatch::decode::DecodedEntry {
        guid: Some(guid),
        title,
        text,
        ..Default::default()
    })
}

/// Subscribes `store` to the feed at `url`, titled `title`; its id.
fn add_feed(store: &Store, url: &str, title: &str, now: chrono::DateTime<chrono::Utc>) -> i64 {
    let feed = NewFeed {
        url: url.into(),
        title: Some(title.into()),
        ..NewFeed::default()
    };
    store.add_feed(&feed, now, 900).unwrap().0.id
}

#[test]
fn the_matcher_and_the_archive_search_return_the_same_articles() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("w.db")).unwrap();
    let now = chrono::Utc::now();
    let mut rng = StdRng::seed_from_u64(20_250_510);
    let feed_titles = ["Desk One", "Other Wire"];
    let mut feed_ids = Vec::new();
    for (i, title) in feed_titles.iter().enumerate() {
        let new = NewFeed {
            url: format!("https://feeds.example.org/{i}.xml"),
            title: Some(title.to_string()),
            ..NewFeed::default()
        };
        feed_ids.push(store.add_feed(&new, now, 900).unwrap().0.id);
    }

    // Articles in a few polls, so the index has several segments.
    let mut docs: Vec<(String, String, &str)> = Vec::new();
    for round in 0..3 {
        let mut updates = Vec::new();
        for (f, feed_id) in feed_ids.iter().enumerate() {
            let mut entries = Vec::new();
            for i in 0..60 {
                let (title_len, text_len) = (rng.random_range(2..8), rng.random_range(0..40));
                let title = sentence(&mut rng, title_len);
                let text = sentence(&mut rng, text_len);
                docs.push((title.clone(), text.clone(), feed_titles[f]));
                entries.push(story(format!("{round}-{f}-{i}"), title, text));
            }
            updates.push(FeedUpdate::entries(
                *feed_id,
                Some(feed_titles[f].to_string()),
                entries,
                now,
            ));
        }
        store.apply_poll(updates, &RuleSet::default(), now).unwrap();
    }
    // Ids are given in insertion order; dedup may merge identical generated articles.
    let stored = store.stats().unwrap().articles as usize;
    assert!(
        stored > 300,
        "most generated articles are distinct ({stored})"
    );

    let articles: Vec<(i64, String, String, Vec<String>)> = (1..=(docs.len() as i64))
        .filter_map(|id| store.article(id).ok())
        .map(|a| {
            let feeds = a.summary.feeds.iter().map(|f| f.title.clone()).collect();
            (a.summary.id, a.summary.title, a.text, feeds)
        })
        .collect();
    let feed_refs: Vec<Vec<&str>> = articles
        .iter()
        .map(|a| a.3.iter().map(String::as_str).collect())
        .collect();
    let langs: Vec<Option<String>> = articles
        .iter()
        .map(|a| store.article_lang(a.0).unwrap())
        .collect();
    let prepared: Vec<(i64, Doc)> = articles
        .iter()
        .zip(&feed_refs)
        .zip(&langs)
        .map(|(((id, title, text, _), feeds), lang)| {
            (*id, Doc::new(title, text, feeds).with_lang(lang.as_deref()))
        })
        .collect();
    let mut checked = 0;
    let mut nonempty = 0;
    for _ in 0..400 {
        let mut source = query(&mut rng, 2);
        // Now and then, the whole query in the languages most generated articles are in.
        if rng.random_range(0..6) == 0 {
            source = format!("lang:en,ur,hi,zh ({source})");
        }
        let Ok(parsed) = Query::parse(&source) else {
            continue; // e.g. "NEAR(x x)" or a negation-only branch: refused, as it should be
        };
        let searched: BTreeSet<i64> = store.search_ids(&parsed).unwrap().into_iter().collect();
        let mut matched = BTreeSet::new();
        for (id, doc) in &prepared {
            if matcher::matches(&parsed, doc).is_some() {
                matched.insert(*id);
            }
        }
        assert_eq!(
            searched, matched,
            "search and matcher disagree on {source:?}"
        );
        checked += 1;
        nonempty += usize::from(!matched.is_empty());
    }
    assert!(
        checked > 300,
        "enough valid queries were generated ({checked})"
    );
    assert!(
        nonempty > 100,
        "the queries are not trivially empty ({nonempty})"
    );
}

/// A prefix search names the words that have the prefix, or, past a few dozen of them, leaves
/// the prefix to the full-text index; both find what the matcher finds.
#[test]
fn prefixes_with_few_or_many_words_search_like_the_matcher() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("w.db")).unwrap();
    let now = chrono::Utc::now();
    let feed_id = add_feed(
        &store,
        "https://feeds.example.org/market.xml",
        "Market Desk",
        now,
    );
    // Sixty words start with "zq", five with "zqb", one with "inflat"; each article has a few.
    let word = |i: usize| {
        if i % 12 == 0 {
            format!("zqb{i:02}")
        } else {
            format!("zqa{i:02}")
        }
    };
    let texts: Vec<(String, String)> = (0..80)
        .map(|i| {
            let title = if i % 7 == 0 {
                "Inflation climbs"
            } else {
                "Market report"
            };
            let body = format!(
                "Item {i}: {} and {} rose; {} fell.",
                word(i % 60),
                word((i * 7 + 3) % 60),
                word((i * 13 + 5) % 60)
            );
            (title.to_string(), body)
        })
        .collect();
    let entries: Vec<PreparedEntry> = texts
        .iter()
        .enumerate()
        .map(|(i, (title, text))| story(format!("m{i}"), title.clone(), text.clone()))
        .collect();
    store
        .apply_poll(
            vec![FeedUpdate::entries(feed_id, None, entries, now)],
            &RuleSet::default(),
            now,
        )
        .unwrap();
    assert_eq!(
        store.stats().unwrap().articles,
        80,
        "every article is distinct"
    );
    let feeds = ["Market Desk"];
    let docs: Vec<(i64, Doc)> = texts
        .iter()
        .enumerate()
        .map(|(i, (title, text))| (i as i64 + 1, Doc::new(title, text, &feeds)))
        .collect();
    for source in [
        "zq*",
        "zqa*",
        "zqb*",
        "zqa0*",
        "zq* -zqb*",
        "title:infla*",
        "infla* zqb*",
        "zq* -inflation",
        "zz*",
    ] {
        let parsed = Query::parse(source).unwrap();
        let searched: BTreeSet<i64> = store.search_ids(&parsed).unwrap().into_iter().collect();
        let matched: BTreeSet<i64> = docs
            .iter()
            .filter(|(_, doc)| matcher::matches(&parsed, doc).is_some())
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(
            searched, matched,
            "search and matcher disagree on {source:?}"
        );
        if source != "zz*" {
            assert!(!matched.is_empty(), "{source:?} matches something");
        }
    }
}

#[test]
fn the_rule_set_raises_the_same_alerts_as_matching_each_rule_alone() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut rules = Vec::new();
    while rules.len() < 300 {
        let source = query(&mut rng, 2);
        if let Ok(q) = Query::parse(&source) {
            rules.push(CompiledRule {
                id: rules.len() as i64,
                name: source,
                notify: true,
                query: q,
                scope: RuleScope::default(),
            });
        }
    }
    let set = RuleSet::new(rules.clone());
    for _ in 0..300 {
        let title = sentence(&mut rng, 6);
        let body = sentence(&mut rng, 30);
        let doc = Doc::new(&title, &body, &["Desk One"]);
        let fast: Vec<i64> = set
            .matching(&doc, &Origin::default())
            .iter()
            .map(|(r, _)| r.id)
            .collect();
        let slow: Vec<i64> = rules
            .iter()
            .filter(|r| matcher::matches(&r.query, &doc).is_some())
            .map(|r| r.id)
            .collect();
        assert_eq!(
            fast, slow,
            "indexed rule set and one-by-one matching differ on {title:?} / {body:?}"
        );
    }
}

/// A poll matches entries as they are decoded, off the writer thread; the store matches
/// entries that arrive unmatched. Both must raise the same alerts, with the same highlights,
/// including rules scoped to a feed or a folder and `feed:` terms.
#[test]
fn entries_matched_before_storing_raise_the_same_alerts_as_the_writer_matching_them() {
    let mut rng = StdRng::seed_from_u64(99);
    let folders = [Some("South Asia"), None];
    let titles = ["Desk One", "Other Wire"];
    let mut rules = Vec::new();
    while rules.len() < 200 {
        let source = match rules.len() % 10 {
            0 => format!("feed:wire {}", query(&mut rng, 0)),
            _ => query(&mut rng, 2),
        };
        if let Ok(q) = Query::parse(&source) {
            let scope = match rules.len() % 7 {
                0 => RuleScope {
                    feeds: vec![1],
                    folders: Vec::new(),
                },
                1 => RuleScope {
                    feeds: Vec::new(),
                    folders: vec!["South Asia".into()],
                },
                _ => RuleScope::default(),
            };
            rules.push(CompiledRule {
                id: rules.len() as i64 + 1,
                name: source,
                notify: true,
                query: q,
                scope,
            });
        }
    }
    let set = RuleSet::new(rules.clone());
    let entries: Vec<Vec<wirewatch::decode::DecodedEntry>> = (0..2)
        .map(|f| {
            (0..80)
                .map(|i| wirewatch::decode::DecodedEntry {
                    guid: Some(format!("{f}-{i}")),
                    title: sentence(&mut rng, 6),
                    text: sentence(&mut rng, 30),
                    ..Default::default()
                })
                .collect()
        })
        .collect();

    let mut raised = Vec::new();
    for matched_early in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("w.db")).unwrap();
        let now = chrono::Utc::now();
        let mut updates = Vec::new();
        for f in 0..2 {
            let feed = NewFeed {
                url: format!("https://feeds.example.org/{f}.xml"),
                title: Some(titles[f].to_string()),
                folder: folders[f].map(String::from),
                ..NewFeed::default()
            };
            let feed_id = store.add_feed(&feed, now, 900).unwrap().0.id;
            assert_eq!(feed_id, f as i64 + 1);
            if f == 0 {
                for rule in &rules {
                    let draft = wirewatch::model::RuleDraft {
                        name: rule.name.clone(),
                        query: rule.name.clone(),
                        scope: rule.scope.clone(),
                        notify: true,
                        muted: false,
                        renotify_outlets: None,
                    };
                    assert_eq!(store.add_rule(&draft, now).unwrap().id, rule.id);
                }
            }
            let feed_tokens = wirewatch::text::tokens(titles[f]);
            let prepared = entries[f]
                .iter()
                .cloned()
                .map(|e| {
                    let mut p = PreparedEntry::new(e);
                    if matched_early {
                        p.match_rules(&set, feed_id, folders[f], &feed_tokens);
                        assert!(
                            p.body_tokens.is_empty(),
                            "matched entries drop their tokens"
                        );
                    }
                    p
                })
                .collect();
            updates.push(FeedUpdate::entries(
                feed_id,
                Some(titles[f].to_string()),
                prepared,
                now,
            ));
        }
        let applied = store.apply_poll(updates, &set, now).unwrap();
        let alerts: Vec<(i64, i64, String)> = applied
            .alerts
            .iter()
            .map(|(a, _)| {
                (
                    a.rule_id,
                    a.article.id,
                    serde_json::to_string(&a.matches).unwrap(),
                )
            })
            .collect();
        raised.push(alerts);
    }
    assert!(
        raised[0].len() > 50,
        "the rules raise enough alerts to compare ({})",
        raised[0].len()
    );
    assert_eq!(raised[0], raised[1]);
}

/// Search turns a stem into words through the store's table of indexed words, which the
/// writer fills with the words entries report as new. Words reported by a poll that was
/// rolled back must be reported again, or later stories using them could not be found.
#[test]
fn words_of_a_rolled_back_poll_are_learned_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("w.db")).unwrap();
    let now = chrono::Utc::now();
    let feed_id = add_feed(
        &store,
        "https://feeds.example.org/quetta.xml",
        "Quetta Desk",
        now,
    );
    let update = |guid: &str, text: &str| {
        let entry = wirewatch::decode::DecodedEntry {
            guid: Some(guid.into()),
            title: format!("Report {guid}"),
            text: text.into(),
            ..Default::default()
        };
        FeedUpdate::entries(
            feed_id,
            None,
            vec![PreparedEntry::noting_words(entry, store.word_epoch())],
            now,
        )
    };
    let found = |q: &str| store.search_ids(&Query::parse(q).unwrap()).unwrap().len();

    let abandoned = vec![
        Ok(PollStep::Feed(update(
            "a",
            "Convoys reached Zhob after the landslides were cleared.",
        ))),
        Err(wirewatch::Error::ShuttingDown),
    ];
    assert!(store
        .apply_poll_stream(abandoned, &RuleSet::default(), now, usize::MAX, |_| {
            panic!("nothing was committed")
        })
        .is_err());
    assert_eq!(found("zhob"), 0, "nothing of the abandoned poll was kept");

    store
        .apply_poll(
            vec![update("b", "Traders in Zhob reopened their shops.")],
            &RuleSet::default(),
            now,
        )
        .unwrap();
    assert_eq!(found("zhob"), 1);
    assert_eq!(found("trader"), 1, "a stem finds its words");
    assert_eq!(found("landslide"), 0);
}

/// A poll commits at each `PollStep::Commit` and hands out what that transaction wrote, so
/// alerts go out before the poll's last feed is in; abandoning the poll later rolls back only
/// what was not committed.
#[test]
fn a_poll_commits_in_steps_and_an_abandoned_one_keeps_what_it_committed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("w.db")).unwrap();
    let now = chrono::Utc::now();
    let feed_id = |name: &str| {
        let feed = NewFeed {
            url: format!("https://feeds.example.org/{name}.xml"),
            title: Some(format!("{name} Desk")),
            ..NewFeed::default()
        };
        store.add_feed(&feed, now, 900).unwrap().0.id
    };
    let (lahore, quetta) = (feed_id("Lahore"), feed_id("Quetta"));
    let rule = store
        .add_rule(
            &RuleDraft {
                name: "Ceasefire".into(),
                query: "ceasefire".into(),
                scope: RuleScope::default(),
                notify: true,
                muted: false,
                renotify_outlets: None,
            },
            now,
        )
        .unwrap();
    let set = RuleSet::new(vec![CompiledRule {
        id: rule.id,
        name: rule.name.clone(),
        notify: true,
        query: Query::parse("ceasefire").unwrap(),
        scope: RuleScope::default(),
    }]);
    let update = |feed_id, guid: &str, title: &str| {
        let entry = wirewatch::decode::DecodedEntry {
            guid: Some(guid.into()),
            title: title.into(),
            text: format!("{title}, officials said on Sunday."),
            ..Default::default()
        };
        Ok(PollStep::Feed(FeedUpdate::entries(
            feed_id,
            None,
            vec![PreparedEntry::new(entry)],
            now,
        )))
    };
    let steps = vec![
        update(lahore, "l1", "Ceasefire holds along the border"),
        update(lahore, "l2", "Wheat prices fall in Lahore"),
        Ok(PollStep::Commit),
        update(quetta, "q1", "Ceasefire talks resume in Quetta"),
        Err(wirewatch::Error::ShuttingDown),
    ];
    let mut committed = Vec::new();
    let result = store.apply_poll_stream(steps, &set, now, usize::MAX, |c| {
        // What was handed out is already visible to readers.
        let stored = store.stats().unwrap().articles;
        committed.push((c, stored));
    });
    assert!(result.is_err(), "the abandoned poll says so");
    assert_eq!(committed.len(), 1, "one transaction committed");
    let (first, stored) = &committed[0];
    assert_eq!(*stored, 2);
    assert_eq!(first.new_articles, 2);
    let titles: Vec<&str> = first
        .alerts
        .iter()
        .map(|(a, _)| a.article.title.as_str())
        .collect();
    assert_eq!(titles, ["Ceasefire holds along the border"]);
    assert_eq!(first.alert_count(), 1);
    assert_eq!(
        store.stats().unwrap().articles,
        2,
        "Quetta's story rolled back"
    );

    // A commit step with nothing written since the last commits nothing.
    let mut handed = 0;
    store
        .apply_poll_stream(
            vec![
                update(quetta, "q1", "Ceasefire talks resume in Quetta"),
                Ok(PollStep::Commit),
                Ok(PollStep::Commit),
            ],
            &set,
            now,
            usize::MAX,
            |c| {
                handed += 1;
                assert_eq!(c.alert_count(), 1);
            },
        )
        .unwrap();
    assert_eq!(handed, 1, "an empty transaction is not handed out");
    assert_eq!(store.stats().unwrap().articles, 3);
}

/// Each poll copies the write-ahead log into the database once its alerts are out, so the log
/// starts over instead of growing with every poll (the writer's automatic checkpoint is off).
#[test]
fn the_log_starts_over_after_each_poll() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let store = Store::open(&path).unwrap();
    let now = chrono::Utc::now();
    let feed_id = add_feed(
        &store,
        "https://feeds.example.org/karachi.xml",
        "Karachi Desk",
        now,
    );
    let mut rng = StdRng::seed_from_u64(11);
    let mut poll = |round: usize| {
        let entries = (0..300)
            .map(|i| {
                story(
                    format!("{round}-{i}"),
                    sentence(&mut rng, 8),
                    sentence(&mut rng, 300),
                )
            })
            .collect();
        store
            .apply_poll(
                vec![FeedUpdate::entries(feed_id, None, entries, now)],
                &RuleSet::default(),
                now,
            )
            .unwrap();
        std::fs::metadata(dir.path().join("w.db-wal"))
            .unwrap()
            .len()
    };
    let first = poll(0);
    let sizes: Vec<u64> = (1..4).map(&mut poll).collect();
    assert!(
        first > 1 << 20,
        "a poll writes a sizeable log ({first} bytes)"
    );
    for size in sizes {
        assert!(
            size < first + first / 2,
            "the log starts over: {first} bytes after the first poll, {size} after a later one"
        );
    }
}
