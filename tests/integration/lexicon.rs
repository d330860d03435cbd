//! Urdu, Hindi and Chinese press: concepts across scripts, folded spellings and languages,
//! through the store (alerts, search, highlights) and the engine (rule tests, the user's
//! lexicon). The stories are written for these tests in the style of the outlets of the
//! starter pack.

use std::collections::BTreeSet;
use wirewatch::decode::DecodedEntry;
use wirewatch::model::RuleScope;
use wirewatch::opml::DEFAULT_RULE;
use wirewatch::prepare::PreparedEntry;
use wirewatch::rules::{matcher, CompiledRule, Doc, Query, RuleSet};
use wirewatch::store::{FeedUpdate, NewFeed, Store};

/// (guid, language, title, text, a ceasefire story).
const STORIES: &[(&str, &str, &str, &str, bool)] = &[
    (
        "en-ceasefire",
        "en",
        "India and Pakistan agree to ceasefire along the Line of Control",
        "The two armies said the truce would hold from midnight after talks between their directors general of military operations.",
        true,
    ),
    (
        "ur-ceasefire",
        "ur",
        "پاکستان اور بھارت کے درمیان لائن آف کنٹرول پر جنگ بندی پر اتفاق",
        "دونوں ممالک کی افواج نے رات بارہ بجے سے فائرنگ روکنے کا اعلان کیا۔",
        true,
    ),
    (
        // Typed on an Arabic keyboard: kaf, yeh and heh as Arabic letters, and a non-joiner
        // where the other story has a space.
        "ur-ceasefire-arabic-letters",
        "ur",
        "كشمير ميں سیز فائر کی خلاف ورزی، جنگ\u{200C}بندي برقرار رکھنے کا مطالبہ",
        "آزاد کشمیر کے حکام کے مطابق رات بھر گولہ باری ہوتی رہی۔",
        true,
    ),
    (
        "hi-ceasefire",
        "hi",
        "भारत और पाकिस्तान के बीच संघर्ष विराम पर सहमति",
        "दोनों देशों की सेनाओं ने नियंत्रण रेखा पर गोलीबारी रोकने का फैसला किया है।",
        true,
    ),
    (
        // Written with nukta: सीज़फ़ायर.
        "hi-ceasefire-nukta",
        "hi",
        "कश्मीर में सीज़फ़ायर का उल्लंघन, सेना ने दिया जवाब",
        "सेना के प्रवक्ता ने कहा कि सीमा पार से गोलाबारी की गई।",
        true,
    ),
    (
        "zh-ceasefire",
        "zh",
        "印度和巴基斯坦同意在克什米尔控制线停火",
        "双方军方表示将从午夜起停止交火，并继续会谈。",
        true,
    ),
    (
        "en-cricket",
        "en",
        "Pakistan beat India by six wickets in Asia Cup thriller",
        "Babar Azam hit an unbeaten half-century as Pakistan chased down 182 in Dubai.",
        false,
    ),
    (
        "ur-cricket",
        "ur",
        "ایشیا کپ: پاکستان نے بھارت کو چھ وکٹوں سے شکست دے دی",
        "بابر اعظم نے شاندار نصف سنچری بنائی اور ٹیم کو فتح دلائی۔",
        false,
    ),
    (
        "hi-cricket",
        "hi",
        "एशिया कप में पाकिस्तान ने भारत को छह विकेट से हराया",
        "बाबर आजम ने नाबाद अर्धशतक लगाया और टीम को जीत दिलाई।",
        false,
    ),
    (
        "zh-cricket",
        "zh",
        "亚洲杯板球赛巴基斯坦六个三柱门击败印度",
        "巴基斯坦队在迪拜完成逆转，球迷庆祝胜利。",
        false,
    ),
    (
        "en-floods",
        "en",
        "Floods displace thousands in Punjab as India releases water",
        "Pakistan's disaster authority said rivers were in high flood near Kasur.",
        false,
    ),
    (
        "ur-floods",
        "ur",
        "پنجاب میں سیلاب سے ہزاروں افراد بے گھر، بھارت نے پانی چھوڑ دیا",
        "قصور کے قریب دریائے ستلج میں اونچے درجے کا سیلاب ہے۔",
        false,
    ),
    (
        "hi-floods",
        "hi",
        "पंजाब में बाढ़ से हजारों लोग बेघर, पाकिस्तान ने जताई चिंता",
        "नदियों का जलस्तर खतरे के निशान से ऊपर है।",
        false,
    ),
    (
        "zh-floods",
        "zh",
        "巴基斯坦洪灾造成数千人流离失所",
        "印度放水后旁遮普省多条河流水位上涨。",
        false,
    ),
    (
        "en-trade",
        "en",
        "India and Pakistan resume trade through Wagah border",
        "Trucks carrying cotton and cement crossed the border for the first time in months.",
        false,
    ),
    (
        "ur-trade",
        "ur",
        "پاکستان اور بھارت کے درمیان واہگہ کے راستے تجارت بحال",
        "کپاس اور سیمنٹ سے لدے ٹرک سرحد پار کر گئے۔",
        false,
    ),
    (
        "hi-trade",
        "hi",
        "भारत और पाकिस्तान के बीच वाघा से व्यापार फिर शुरू",
        "कपास और सीमेंट से लदे ट्रक सीमा पार गए।",
        false,
    ),
    (
        "zh-trade",
        "zh",
        "中国与巴基斯坦贸易额创新高，印度市场需求回升",
        "棉花和水泥出口大幅增长。",
        false,
    ),
];

fn entry(guid: &str, title: &str, text: &str) -> DecodedEntry {
    DecodedEntry {
        guid: Some(guid.into()),
        title: title.into(),
        text: text.into(),
        ..DecodedEntry::default()
    }
}

/// A store holding every story, from one feed, polled with rules of these `queries`; the
/// store, the rules, the poll's alerts as (guid, highlighted texts), and each guid's article id.
fn polled(dir: &std::path::Path, queries: &[&str]) -> Polled {
    let store = Store::open(&dir.join("w.db")).unwrap();
    let now = chrono::Utc::now();
    let rules = RuleSet::new(
        queries
            .iter()
            .map(|q| {
                let draft = wirewatch::model::RuleDraft {
                    name: q.to_string(),
                    query: q.to_string(),
                    scope: RuleScope::default(),
                    notify: true,
                    muted: false,
                    renotify_outlets: None,
                };
                let rule = store.add_rule(&draft, now).unwrap();
                CompiledRule {
                    id: rule.id,
                    name: rule.name,
                    notify: true,
                    query: Query::parse(q).unwrap(),
                    scope: RuleScope::default(),
                }
            })
            .collect(),
    );
    let rules = &rules;
    let feed = NewFeed {
        url: "https://press.example.org/feed.xml".into(),
        title: Some("Regional press".into()),
        ..NewFeed::default()
    };
    let feed_id = store.add_feed(&feed, now, 900).unwrap().0.id;
    let entries = STORIES
        .iter()
        .map(|(guid, _, title, text, _)| {
            let mut p = PreparedEntry::noting_words(entry(guid, title, text), store.word_epoch());
            p.match_rules(
                rules,
                feed_id,
                None,
                &wirewatch::text::tokens("Regional press"),
            );
            p
        })
        .collect();
    let update = FeedUpdate::entries(feed_id, None, entries, now);
    let applied = store.apply_poll(vec![update], rules, now).unwrap();
    let ids: Vec<(String, i64)> = (1..=STORIES.len() as i64)
        .map(|id| {
            let a = store.article(id).unwrap();
            let guid = STORIES
                .iter()
                .find(|s| s.2 == a.summary.title)
                .expect("a stored story")
                .0;
            (guid.to_string(), id)
        })
        .collect();
    let guid_of = |id: i64| ids.iter().find(|(_, i)| *i == id).unwrap().0.clone();
    let alerts = applied
        .alerts
        .iter()
        .map(|(a, _)| {
            (
                guid_of(a.article.id),
                a.matches.iter().map(|m| m.text.clone()).collect(),
            )
        })
        .collect();
    let queries = queries.iter().map(|q| Query::parse(q).unwrap()).collect();
    (store, queries, alerts, ids)
}

/// What [`polled`] gives.
type Polled = (
    Store,
    Vec<Query>,
    Vec<(String, Vec<String>)>,
    Vec<(String, i64)>,
);

fn ceasefire_guids() -> BTreeSet<String> {
    STORIES
        .iter()
        .filter(|s| s.4)
        .map(|s| s.0.to_string())
        .collect()
}

#[test]
fn the_default_rule_alerts_on_ceasefire_stories_in_all_four_languages_and_not_on_cricket_floods_or_trade(
) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, alerts, ids) = polled(dir.path(), &[DEFAULT_RULE.1]);
    let alerted: BTreeSet<String> = alerts.iter().map(|(g, _)| g.clone()).collect();
    assert_eq!(
        alerted,
        ceasefire_guids(),
        "exactly the ceasefire stories, in English, Urdu, Hindi and Chinese"
    );

    // Highlights show which spelling of each concept matched.
    let words = |guid: &str| -> Vec<String> {
        alerts
            .iter()
            .find(|(g, _)| g == guid)
            .map(|(_, w)| w.clone())
            .unwrap()
    };
    let has = |guid: &str, want: &[&str]| {
        let got = words(guid);
        for w in want {
            assert!(got.iter().any(|g| g == w), "{guid} highlights {w}: {got:?}");
        }
    };
    has(
        "en-ceasefire",
        &["ceasefire", "truce", "India", "Pakistan", "Line", "Control"],
    );
    has(
        "ur-ceasefire",
        &["جنگ", "بندی", "پاکستان", "بھارت", "لائن", "کنٹرول"],
    );
    has(
        "ur-ceasefire-arabic-letters",
        &["سیز", "فائر", "كشمير", "جنگ", "بندي"],
    );
    has(
        "hi-ceasefire",
        &["संघर्ष", "विराम", "भारत", "पाकिस्तान", "नियंत्रण", "रेखा"],
    );
    has("hi-ceasefire-nukta", &["सीज़फ़ायर", "कश्मीर"]);
    has(
        "zh-ceasefire",
        &[
            "停", "火", "印", "度", "巴", "基", "斯", "坦", "控", "制", "线",
        ],
    );

    // Searching the archive with the rule finds what the rule alerted on.
    let searched: BTreeSet<String> = store
        .search_ids(&Query::parse(DEFAULT_RULE.1).unwrap())
        .unwrap()
        .into_iter()
        .map(|id| ids.iter().find(|(_, i)| *i == id).unwrap().0.clone())
        .collect();
    assert_eq!(searched, alerted, "search agrees with the alerts");
}

#[test]
fn each_story_is_stored_with_its_language_and_lang_filters_search_and_rules_alike() {
    let dir = tempfile::tempdir().unwrap();
    let (store, queries, _, ids) = polled(
        dir.path(),
        &[
            "lang:ur @ceasefire",
            "lang:hi,zh @pakistan",
            "lang:en @wang-yi",
        ],
    );
    for (guid, id) in &ids {
        let want = STORIES.iter().find(|s| s.0 == guid).unwrap().1;
        assert_eq!(
            store.article_lang(*id).unwrap().as_deref(),
            Some(want),
            "{guid} is stored as {want}"
        );
    }
    let guids = |ids_found: Vec<i64>| -> BTreeSet<String> {
        ids_found
            .into_iter()
            .map(|id| ids.iter().find(|(_, i)| *i == id).unwrap().0.clone())
            .collect()
    };
    let urdu = guids(
        store
            .search_ids(&Query::parse("lang:ur @ceasefire").unwrap())
            .unwrap(),
    );
    assert_eq!(
        urdu,
        ["ur-ceasefire", "ur-ceasefire-arabic-letters"]
            .map(String::from)
            .into(),
        "Urdu ceasefire stories only"
    );
    let hi_zh = guids(
        store
            .search_ids(&Query::parse("lang:hi,zh @pakistan").unwrap())
            .unwrap(),
    );
    assert!(hi_zh
        .iter()
        .all(|g| g.starts_with("hi-") || g.starts_with("zh-")));
    assert!(
        hi_zh.contains("zh-floods") && hi_zh.contains("hi-trade"),
        "{hi_zh:?}"
    );

    // The matcher, told each stored article's language, agrees with search on every rule.
    let alerts = store
        .alerts(&wirewatch::model::AlertQuery::default())
        .unwrap();
    for (rule, query) in (1..).zip(&queries) {
        let alerted: BTreeSet<String> = alerts
            .iter()
            .filter(|a| a.rule_id == rule)
            .map(|a| {
                ids.iter()
                    .find(|(_, i)| *i == a.article.id)
                    .unwrap()
                    .0
                    .clone()
            })
            .collect();
        let searched = guids(store.search_ids(query).unwrap());
        assert_eq!(alerted, searched, "rule {}", query.source);
    }
    // Alerts and lists carry each article's language, as the window shows it.
    for alert in &alerts {
        let stored = store.article_lang(alert.article.id).unwrap();
        assert_eq!(alert.article.lang, stored, "alert {}", alert.id);
        assert!(alert.article.lang.is_some());
    }

    // The listing's language filter keeps the articles in that language and no other, with
    // or without a query.
    let listed = |query: &str, lang: &str| -> BTreeSet<String> {
        let page = store
            .articles(
                &wirewatch::model::ArticleQuery {
                    query: query.into(),
                    lang: Some(lang.into()),
                    limit: 500,
                    ..Default::default()
                },
                (!query.is_empty())
                    .then(|| Query::parse(query).unwrap())
                    .as_ref(),
            )
            .unwrap();
        let want = lang.to_lowercase();
        assert!(page
            .articles
            .iter()
            .all(|a| a.lang.as_deref() == Some(want.as_str())));
        guids(page.articles.iter().map(|a| a.id).collect())
    };
    for lang in ["ur", "hi", "zh", "en"] {
        let want: BTreeSet<String> = STORIES
            .iter()
            .filter(|s| s.1 == lang)
            .map(|s| s.0.to_string())
            .collect();
        assert!(!want.is_empty(), "stories in {lang}");
        assert_eq!(listed("", lang), want, "all of {lang}");
        assert_eq!(listed("", &lang.to_uppercase()), want, "{lang}, any case");
    }
    assert_eq!(
        listed("@ceasefire", "ur"),
        urdu,
        "a query and the filter together"
    );
}

#[test]
fn folded_spellings_search_and_highlight_alike_in_each_script() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, _, ids) = polled(dir.path(), &[]);
    let id_of = |guid: &str| ids.iter().find(|(g, _)| g == guid).unwrap().1;
    // (query, a story it must find): each written the other way from the story.
    let cases = [
        ("\"جنگ بندی\"", "ur-ceasefire-arabic-letters"),
        ("كشمير", "ur-ceasefire-arabic-letters"),
        ("کشمیر", "ur-ceasefire-arabic-letters"),
        ("پاكستان", "ur-ceasefire"),
        ("सीजफायर", "hi-ceasefire-nukta"),
        ("\"控制线\"", "zh-ceasefire"),
        ("NEAR(停 火, 0)", "zh-ceasefire"),
        ("NEAR(停 会, 12)", "zh-ceasefire"),
    ];
    for (query, guid) in cases {
        let parsed = Query::parse(query).unwrap();
        let found = store.search_ids(&parsed).unwrap();
        assert!(
            found.contains(&id_of(guid)),
            "{query} finds {guid}: {found:?}"
        );
        let spans = store.article_matches(id_of(guid), &parsed).unwrap();
        assert!(!spans.is_empty(), "{query} highlights {guid}");
        let a = store.article(id_of(guid)).unwrap();
        for m in spans {
            let field = match m.field {
                wirewatch::model::Field::Title => &a.summary.title,
                wirewatch::model::Field::Body => &a.text,
                wirewatch::model::Field::FullText => &a.full_text.as_ref().unwrap().text,
            };
            let units: Vec<u16> = field.encode_utf16().collect();
            assert_eq!(
                String::from_utf16(&units[m.start as usize..m.end as usize]).unwrap(),
                m.text,
                "{query}: the span points at the text in {guid}"
            );
        }
    }
    // Far apart, NEAR does not match.
    let far = Query::parse("NEAR(停 会, 3)").unwrap();
    assert!(!store
        .search_ids(&far)
        .unwrap()
        .contains(&id_of("zh-ceasefire")));
}

#[test]
fn the_matcher_sees_a_concept_as_any_of_its_spellings() {
    let q = Query::parse("@wang-yi @pakistan").unwrap();
    for (title, body) in [
        (
            "Wang Yi meets Ishaq Dar",
            "Pakistan and China discussed trade.",
        ),
        (
            "وانگ ای کی اسحاق ڈار سے ملاقات",
            "پاکستان اور چین کے درمیان بات چیت",
        ),
        ("वांग यी ने इशाक डार से मुलाकात की", "पाकिस्तान के साथ बातचीत"),
        ("王毅会见巴基斯坦副总理兼外长达尔", ""),
    ] {
        let doc = Doc::new(title, body, &[]);
        assert!(matcher::matches(&q, &doc).is_some(), "{title}");
    }
    assert!(matcher::matches(&q, &Doc::new("Wang Yi in Delhi", "", &[])).is_none());
}

#[test]
fn the_users_variants_reach_rules_and_rule_tests_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let engine = crate::support::engine(dir.path());
    let now = chrono::Utc::now();
    let feed = NewFeed {
        url: "https://press.example.org/feed.xml".into(),
        title: Some("Regional press".into()),
        ..NewFeed::default()
    };
    let store = Store::open(&engine.config().db_path).unwrap();
    let feed_id = store.add_feed(&feed, now, 900).unwrap().0.id;
    let story = PreparedEntry::new(entry(
        "pause",
        "Guns fall silent in Kashmir as a fire pause begins",
        "",
    ));
    store
        .apply_poll(
            vec![FeedUpdate::entries(feed_id, None, vec![story], now)],
            &RuleSet::default(),
            now,
        )
        .unwrap();
    let test = |q: &str| engine.test_rule(q, &RuleScope::default(), 30);
    assert_eq!(
        test("@ceasefire").unwrap().count,
        0,
        "not a shipped spelling"
    );

    engine
        .add_concept_variant("@Ceasefire", "fire pause")
        .unwrap();
    let found = test("@ceasefire @kashmir").unwrap();
    assert_eq!(found.count, 1, "the user's spelling counts");
    let texts: Vec<&str> = found.samples[0]
        .matches
        .iter()
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(
        texts,
        vec!["Kashmir", "fire", "pause"],
        "which variant matched"
    );
    let concepts = engine.concepts().unwrap();
    let ceasefire = concepts.iter().find(|c| c.name == "ceasefire").unwrap();
    assert!(ceasefire
        .variants
        .iter()
        .any(|v| v.text == "fire pause" && !v.shipped));

    // A new concept, then every spelling of it removed: rules naming it stop parsing.
    // The live check as the user types knows the user's concepts, as saving does.
    assert!(
        engine.validate_query("@siachen").unwrap().is_some(),
        "not yet a concept"
    );
    engine.add_concept_variant("siachen", "Siachen").unwrap();
    assert!(test("@siachen").is_ok());
    assert_eq!(engine.validate_query("@siachen AND @india").unwrap(), None);
    engine.remove_concept_variant("siachen", "Siachen").unwrap();
    assert!(test("@siachen").is_err(), "an empty concept is unknown");
    assert!(engine.validate_query("@siachen").unwrap().is_some());
    // Bad names and variants are refused with their own code.
    for (concept, variant) in [("Line Of Control", "LoC"), ("ceasefire", "!!")] {
        let err = engine.add_concept_variant(concept, variant).unwrap_err();
        assert_eq!(err.code(), "invalid_concept", "{concept} / {variant}");
    }
}
