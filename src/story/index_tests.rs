//! Tests of the online grouping (`index.rs`): placing, joining, eviction and restoring.

use super::*;
use crate::text::tokens;
use chrono::TimeZone;

fn sig(title: &str, body: &str) -> Signature {
    Signature::new(title, &tokens(title), body, &tokens(body))
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 10, 12, 0, 0).unwrap()
}

const FLOOD_A: (&str, &str) = (
    "Floods kill 37 in Sukkur and Larkana",
    "At least 37 people died in Sukkur and Larkana after 212 mm of rain, the PDMA said.",
);
const FLOOD_B: (&str, &str) = (
    "Record rain drowns Sukkur; PDMA confirms 37 deaths",
    "The PDMA confirmed 37 deaths in Sukkur and Larkana as 212 mm of rain fell in a day.",
);
const QUAKE: (&str, &str) = (
    "Quake of magnitude 5.9 kills 12 in Jajarkot",
    "A 5.9 earthquake struck Jajarkot in western Nepal, killing 12 people in Karnali.",
);

#[test]
fn the_same_event_in_other_words_joins_its_story() {
    let mut index = StoryIndex::new(Settings::default(), 1);
    let a = index.place(&sig(FLOOD_A.0, FLOOD_A.1), t0(), 1);
    let b = index.place(&sig(FLOOD_B.0, FLOOD_B.1), t0() + Duration::hours(1), 2);
    assert!(a.started && !b.started, "the second write-up joins: {b:?}");
    assert_eq!(a.story, b.story);
    let q = index.place(&sig(QUAKE.0, QUAKE.1), t0() + Duration::hours(2), 3);
    assert!(q.started, "another event starts its own story: {q:?}");
    assert_eq!(index.story(a.story).map(|s| s.articles), Some(2));
}

#[test]
fn an_outlet_adds_one_article_to_a_story() {
    let mut index = StoryIndex::new(Settings::default(), 1);
    let a = index.place(&sig(FLOOD_A.0, FLOOD_A.1), t0(), 1);
    let b = index.place(&sig(FLOOD_B.0, FLOOD_B.1), t0() + Duration::hours(1), 1);
    assert_ne!(
        a.story, b.story,
        "the same outlet's second write-up starts its own story"
    );
}

#[test]
fn an_outlet_added_to_a_story_is_refused_a_second_article() {
    let mut index = StoryIndex::new(Settings::default(), 1);
    let a = index.place(&sig(FLOOD_A.0, FLOOD_A.1), t0(), 1);
    // Outlet 2 listed the same link: its own write-up is a development of its own.
    assert!(index.add_outlet(a.story, 2));
    let b = index.place(&sig(FLOOD_B.0, FLOOD_B.1), t0() + Duration::hours(1), 2);
    assert!(b.started, "{b:?}");
    let c = index.place(&sig(FLOOD_A.0, FLOOD_A.1), t0() + Duration::hours(1), 3);
    assert_eq!((c.story, c.started, c.new_outlet), (a.story, false, true));
    assert!(!index.add_outlet(999, 4), "no such live story");
}

#[test]
fn past_the_outlets_a_story_remembers_a_join_is_not_known_to_bring_a_new_one() {
    let mut index = StoryIndex::new(Settings::default(), 1);
    let first = index.place(&sig(FLOOD_A.0, FLOOD_A.1), t0(), 0);
    for outlet in 1..=MAX_OUTLETS as u64 {
        let p = index.place(&sig(FLOOD_A.0, FLOOD_A.1), t0(), outlet);
        assert_eq!(p.story, first.story);
        assert_eq!(p.new_outlet, outlet < MAX_OUTLETS as u64, "outlet {outlet}");
    }
}

#[test]
fn an_article_whose_words_are_all_common_still_finds_its_story() {
    // More stories than a posting list holds share the topic's words, each with names of its
    // own; all from one outlet, so none joins another.
    let mut index = StoryIndex::new(Settings::default(), 1);
    let topic = "ceasefire talks border envoys meeting hotline army";
    for i in 0..POSTINGS_PER_TERM + 8 {
        let names = format!("Qx{i}a Vr{i}b Zt{i}c Kp{i}d");
        let placed = index.place(&sig(&names, &format!("{topic} {names}")), t0(), 1);
        assert!(placed.started);
    }
    // A report in the topic's words alone, then another outlet's copy: every list of the
    // copy's words is full, and the copy still finds the report.
    let report = sig("Ceasefire talks", topic);
    let first = index.place(&report, t0(), 2);
    let copy = index.place(&report, t0() + Duration::minutes(5), 3);
    assert_eq!((copy.story, copy.started), (first.story, false), "{copy:?}");
}

#[test]
fn an_older_report_placed_after_a_newer_one_still_finds_its_story() {
    // One poll brings feeds in any order: one feed's month-old report may come after
    // another's of this week. Stories are evicted between polls, not as articles come.
    let mut index = StoryIndex::new(Settings::default(), 1);
    let a = index.place(&sig(FLOOD_A.0, FLOOD_A.1), t0(), 1);
    index.place(&sig(QUAKE.0, QUAKE.1), t0() + Duration::days(30), 3);
    let b = index.place(&sig(FLOOD_B.0, FLOOD_B.1), t0() + Duration::hours(1), 2);
    assert_eq!(
        (b.story, b.started),
        (a.story, false),
        "the second flood report joins the first"
    );
    assert_eq!(
        index.end_poll(),
        vec![a.story],
        "the poll's end names the story it let go"
    );
    assert!(
        index.story(a.story).is_none(),
        "after the poll, the old story is let go"
    );
    assert!(
        index.take_evicted().is_empty(),
        "and keeps no list of it past the poll"
    );
}

#[test]
fn an_article_after_the_window_starts_a_new_story() {
    let mut index = StoryIndex::new(Settings::default(), 1);
    let a = index.place(&sig(FLOOD_A.0, FLOOD_A.1), t0(), 1);
    let later = t0() + Settings::default().window + Duration::hours(1);
    let b = index.place(&sig(FLOOD_B.0, FLOOD_B.1), later, 2);
    assert_ne!(
        a.story, b.story,
        "a story older than the window takes no articles"
    );
    let much_later = t0() + Settings::default().keep + Duration::hours(1);
    index.place(&sig(QUAKE.0, QUAKE.1), much_later, 3);
    index.end_poll();
    assert!(
        index.story(a.story).is_none(),
        "and it is evicted after a while"
    );
}

#[test]
fn memory_stays_bounded_by_the_story_cap() {
    let settings = Settings {
        max_stories: 50,
        ..Settings::default()
    };
    let mut index = StoryIndex::new(settings, 1);
    for i in 0..500 {
        let title = format!("Event number{i} in place{i}");
        let body = format!("Officials of town{i} counted {i} cases at site{i}.");
        index.place(&sig(&title, &body), t0() + Duration::seconds(i), i as u64);
    }
    assert!(
        index.live_stories() <= 50,
        "{} stories kept",
        index.live_stories()
    );
    let posted: usize = index.postings.values().map(VecDeque::len).sum();
    assert!(
        posted <= 50 * POSTED_TERMS * 2,
        "evicted stories leave the postings ({posted})"
    );
    assert!(index.recency.len() <= 50 * 4 + 1024);
}

#[test]
fn a_restored_index_places_like_the_original() {
    let mut index = StoryIndex::new(Settings::default(), 7);
    let a = index.place(&sig(FLOOD_A.0, FLOOD_A.1), t0(), 1);
    index.place(&sig(QUAKE.0, QUAKE.1), t0() + Duration::minutes(5), 3);
    let bytes = index.to_bytes();
    let mut restored = StoryIndex::from_bytes(&bytes, Settings::default()).expect("reads back");
    assert_eq!(restored.documents(), 2);
    assert_eq!(restored.next_id(), index.next_id());
    assert_eq!(restored.to_bytes().len(), bytes.len());
    let b = restored.place(&sig(FLOOD_B.0, FLOOD_B.1), t0() + Duration::hours(1), 2);
    let c = index.place(&sig(FLOOD_B.0, FLOOD_B.1), t0() + Duration::hours(1), 2);
    assert_eq!(
        (b.story, b.started),
        (a.story, false),
        "a story survives the restart"
    );
    assert_eq!(b, c, "the restored index decides as the original does");
}

#[test]
fn stories_restored_from_their_rows_take_new_articles() {
    let mut index = StoryIndex::new(Settings::default(), 1);
    let a = index.place(&sig(FLOOD_A.0, FLOOD_A.1), t0(), 1);
    let q = index.place(&sig(QUAKE.0, QUAKE.1), t0() + Duration::minutes(5), 3);
    let vocabulary = index.vocabulary_bytes();
    let rows: Vec<LiveStory> = [a.story, q.story]
        .iter()
        .map(|id| {
            let s = index.story(*id).unwrap();
            LiveStory::from_parts(
                s.id,
                s.first_seen,
                s.last_update,
                s.articles,
                &s.terms_bytes(),
            )
            .expect("a row reads back")
        })
        .collect();
    let mut restored =
        StoryIndex::from_parts(Settings::default(), Some(&vocabulary), rows, 1).unwrap();
    assert_eq!(restored.live_stories(), 2);
    assert!(
        restored.next_id() > q.story,
        "new stories do not reuse stored ids"
    );
    let b = restored.place(&sig(FLOOD_B.0, FLOOD_B.1), t0() + Duration::hours(1), 2);
    assert_eq!(
        (b.story, b.started),
        (a.story, false),
        "the flood story survives the restart"
    );
    let fresh = StoryIndex::from_parts(Settings::default(), None, Vec::new(), 40).unwrap();
    assert_eq!(
        fresh.next_id(),
        40,
        "without a vocabulary, ids continue past the archive's"
    );
}

#[test]
fn a_damaged_state_is_refused() {
    let mut index = StoryIndex::new(Settings::default(), 1);
    index.place(&sig(FLOOD_A.0, FLOOD_A.1), t0(), 1);
    let bytes = index.to_bytes();
    assert_eq!(
        StoryIndex::from_bytes(b"nonsense", Settings::default()).unwrap_err(),
        crate::story::StateError::Format
    );
    for cut in [10, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            StoryIndex::from_bytes(&bytes[..cut], Settings::default()).is_err(),
            "a state cut at {cut} bytes is refused"
        );
    }
}

#[test]
fn the_vocabulary_is_bounded() {
    let mut index = StoryIndex::new(Settings::default(), 1);
    let mut s = Signature::default();
    for i in 0..(MAX_VOCABULARY as u64 + 10) {
        s.terms.clear();
        s.terms.push((i, 1.0));
        index.count(&s);
    }
    assert!(
        index.vocabulary() <= MAX_VOCABULARY,
        "words seen once are dropped past the bound"
    );
}

#[test]
fn a_term_s_inverse_document_frequency_follows_its_count() {
    let mut index = StoryIndex::new(Settings::default(), 1);
    let s = Signature {
        terms: vec![(7, 1.0)],
        names: Vec::new(),
    };
    for _ in 0..40 {
        index.count(&s);
    }
    let now = index.documents as f32 + PRIOR_DOCUMENTS;
    let count = index.df[&7];
    assert_eq!(count.n, 40);
    let want = (now / 41.0).ln();
    assert!((count.idf(now.ln()) - want).abs() < 1e-5, "{count:?}");
    assert_eq!(idf(&index.df, now.ln(), 8), now.ln(), "a word never seen");
    // A word in every article weighs nothing, however many the prior assumes.
    assert_eq!(Count::new(1_000_000).idf(now.ln()), 0.0);
}

const DOHA_TEASER: (&str, &str) = ("Talks resume in Doha", "Envoys met on Sunday.");
const DOHA_FULL: &str = "Qatari mediators hosted envoys from Islamabad and Kabul at the Sheraton \
    on Sunday. Foreign Minister Ishaq Dar and Amir Khan Muttaqi agreed on a joint commission \
    for the Torkham and Chaman crossings, which have been shut since 12 October. The next \
    round is set for 14 June, Majed al-Ansari said.";
const DOHA_LATER: (&str, &str) = (
    "Dar and Muttaqi agree Torkham and Chaman commission",
    "Ishaq Dar and Amir Khan Muttaqi agreed a commission for the Torkham and Chaman crossings, \
     shut since 12 October; Majed al-Ansari said the next round is on 14 June.",
);

/// A story placed from a teaser is weighed by the article's full text once it arrives: a
/// later outlet that reports the event in the full text's words joins it, where without the
/// full text it starts a story of its own.
#[test]
fn a_full_text_lets_later_outlets_find_a_story_placed_from_a_teaser() {
    for with_full_text in [false, true] {
        let mut index = StoryIndex::new(Settings::default(), 1);
        let teaser = sig(DOHA_TEASER.0, DOHA_TEASER.1);
        let a = index.place(&teaser, t0(), 1);
        if with_full_text {
            let full = sig(DOHA_TEASER.0, DOHA_FULL);
            assert!(index.take_full_text(a.story, &teaser, &full));
            let names = &index.story(a.story).unwrap().names;
            assert!(!names.is_empty(), "the full text's names are the story's");
        }
        let later = index.place(
            &sig(DOHA_LATER.0, DOHA_LATER.1),
            t0() + Duration::hours(3),
            2,
        );
        assert_eq!(
            later.started, !with_full_text,
            "with full text {with_full_text}: {later:?}"
        );
    }
    // A story no longer held (evicted, or never made) takes nothing.
    let mut index = StoryIndex::new(Settings::default(), 1);
    let teaser = sig(DOHA_TEASER.0, DOHA_TEASER.1);
    assert!(!index.take_full_text(42, &teaser, &sig(DOHA_TEASER.0, DOHA_FULL)));
}
