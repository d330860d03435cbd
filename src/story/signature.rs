//! An article's signature: the words that say which event it reports, weighted before any
//! archive statistics are known, so it can be made on the decoding threads.
//!
//! 1. Words come from [`crate::text`] (the same cutting, folding and stemming as rules and
//!    search), grouped by stem, so `talks` and `talk` count as one term.
//! 2. Function words (`the`, `said`, `on`…) and one-letter words are dropped: an archive's own
//!    document frequencies would weigh them down too, but not on a fresh archive's first poll.
//! 3. Each term gets a raw weight: a title word counts [`TITLE_WEIGHT`], the body's
//!    occurrences `1 + ln(tf)` (a long full text does not drown the title). Names and numbers —
//!    words capitalised inside a sentence, or written with digits — are multiplied by
//!    [`NAME_WEIGHT`]: two outlets paraphrase a headline in their own words but keep its names,
//!    places, figures and quotes.
//! 4. The [`MAX_TERMS`] heaviest terms are kept, sorted by term for merging.
//!
//! Inverse document frequencies are applied later, by [`super::StoryIndex`], from the
//! archive's own vocabulary.

use crate::text::{word_hash, Token};
// Looked up for every word of every article a poll brings: foldhash, not SipHash.
use foldhash::HashSet;
use std::sync::OnceLock;

/// Weight of a word in the title, on top of its body occurrences. Titles name the event.
pub const TITLE_WEIGHT: f32 = 2.0;
/// Multiplier for names and numbers.
pub const NAME_WEIGHT: f32 = 1.6;
/// Most terms kept per article: a feed summary has 20–80 distinct content words; a longer
/// text keeps its heaviest ones (a story keeps [`super::CENTROID_TERMS`]). 160 grouped the
/// labelled set alike, but a signature travels from the decoding threads to the placing one
/// with its feed, so its size is paid for every article a poll holds in flight.
pub const MAX_TERMS: usize = 80;

/// An occurrence in the title.
const IN_TITLE: u8 = 1;
/// An occurrence in the body.
const IN_BODY: u8 = 2;
/// An occurrence that reads as a name or a number.
const NAME_LIKE: u8 = 4;

/// The terms of one article, raw-weighted (before inverse document frequency).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signature {
    /// `(term, raw weight)`, sorted by term; a term is the [`word_hash`] of a stem.
    pub terms: Vec<(u64, f32)>,
    /// The terms that read as names or numbers, sorted.
    pub names: Vec<u64>,
}

impl Signature {
    /// The signature of an article from its title and body words. `title`/`body` are the
    /// texts the tokens were cut from (capitals mark names); `body` may be a full text.
    pub fn new(
        title: &str,
        title_tokens: &[Token],
        body: &str,
        body_tokens: &[Token],
    ) -> Signature {
        let stop = stop_words();
        // (term, occurrence): one per content word, sorted below to gather each term's. An
        // occurrence is `IN_TITLE` or `IN_BODY`, plus `NAME_LIKE`: 16 bytes to sort, not 24.
        let mut acc: Vec<(u64, u8)> = Vec::with_capacity(body_tokens.len() / 2 + 16);
        let mut note = |tok: &Token, text: &str, in_title: bool| {
            let w = &tok.word;
            if stop.contains(&w.folded_hash) || at_most_one_char(&w.folded) {
                return;
            }
            let place = if in_title { IN_TITLE } else { IN_BODY };
            let name = if is_name_like(text, tok, in_title) {
                NAME_LIKE
            } else {
                0
            };
            acc.push((w.stem_hash, place | name));
        };
        for tok in title_tokens {
            note(tok, title, true);
        }
        for tok in body_tokens {
            note(tok, body, false);
        }
        acc.sort_unstable_by_key(|t| t.0);
        let mut terms: Vec<(u64, f32)> = Vec::with_capacity(acc.len());
        let mut names_found: Vec<u64> = Vec::new();
        let mut i = 0;
        while i < acc.len() {
            let term = acc[i].0;
            let (mut title_hits, mut tf, mut names) = (0, 0, 0);
            while i < acc.len() && acc[i].0 == term {
                let seen = acc[i].1;
                title_hits += u32::from(seen & IN_TITLE != 0);
                tf += u32::from(seen & IN_BODY != 0);
                names += u32::from(seen & NAME_LIKE != 0);
                i += 1;
            }
            let mut weight = if title_hits > 0 { TITLE_WEIGHT } else { 0.0 };
            if tf > 0 {
                weight += 1.0 + (tf as f32).ln();
            }
            // A name is capitalised wherever it stands; a word capitalised only at a
            // headline's start or in a title-case headline is not.
            if names * 2 > tf + title_hits.min(1) || names >= 2 {
                weight *= NAME_WEIGHT;
                names_found.push(term);
            }
            terms.push((term, weight));
        }
        if terms.len() > MAX_TERMS {
            terms.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            terms.truncate(MAX_TERMS);
            terms.sort_unstable_by_key(|t| t.0);
            names_found.retain(|n| terms.binary_search_by_key(n, |t| t.0).is_ok());
        }
        Signature {
            terms,
            names: names_found,
        }
    }

    /// Whether the article had no content words at all.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// Whether `word` has fewer than two characters, without counting them all.
fn at_most_one_char(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next();
    chars.next().is_none()
}

/// Whether a token reads as a name or a number: digits, or a capital that does not merely
/// open a sentence. In a title, where outlets capitalise every word, only digits and words
/// written in capitals throughout (`LoC`, `ISPR`) count.
fn is_name_like(text: &str, tok: &Token, in_title: bool) -> bool {
    let Some(original) = text.get(tok.start..tok.end) else {
        return false;
    };
    let mut chars = original.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    // UTF-8 writes no other character with an ASCII digit's byte.
    if original.bytes().any(|b| b.is_ascii_digit()) {
        return true;
    }
    if !first.is_uppercase() {
        return false;
    }
    if chars.clone().any(char::is_uppercase) {
        return true; // an acronym or a camel-cased name
    }
    if in_title {
        return false;
    }
    // Capitalised: a name unless it opens the text or a sentence.
    let before = text[..tok.start].trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '“' | '‘' | '(' | '«')
    });
    !(before.is_empty() || before.ends_with(['.', '!', '?', ':', '\n', '—', '–']))
}

/// Folded function words of English news prose: frequent everywhere, they say nothing about
/// which event an article reports. Reporting verbs (`said`, `told`) are among them.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "even",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "him",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "last",
    "least",
    "less",
    "like",
    "made",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "per",
    "said",
    "same",
    "says",
    "say",
    "saying",
    "she",
    "should",
    "since",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "to",
    "told",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "according",
    "added",
    "amid",
    "another",
    "around",
    "day",
    "days",
    "week",
    "year",
    "years",
    "later",
    "first",
    "two",
    "three",
    "several",
    "among",
    "across",
    "told",
    "news",
    "report",
    "reported",
    "reports",
    "statement",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "today",
    "yesterday",
    "tonight",
    "time",
    "times",
];

fn stop_words() -> &'static HashSet<u64> {
    static SET: OnceLock<HashSet<u64>> = OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.iter().map(|w| word_hash(w)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    fn sig(title: &str, body: &str) -> Signature {
        Signature::new(title, &tokens(title), body, &tokens(body))
    }

    fn weight(s: &Signature, stem: &str) -> Option<f32> {
        let h = word_hash(stem);
        s.terms.iter().find(|t| t.0 == h).map(|t| t.1)
    }

    #[test]
    fn function_words_carry_no_weight() {
        let s = sig("The talks", "They said that the talks would go on.");
        assert_eq!(weight(&s, "the"), None, "`the` is a function word");
        assert_eq!(
            weight(&s, "said"),
            None,
            "reporting verbs say nothing of the event"
        );
        assert!(
            weight(&s, "talk").is_some(),
            "`talks` is kept under its stem"
        );
    }

    #[test]
    fn title_words_weigh_more_than_body_words() {
        let s = sig(
            "Ceasefire holds",
            "The border was quiet and the ceasefire holds.",
        );
        let ceasefire = weight(&s, "ceasefir").unwrap();
        let border = weight(&s, "border").unwrap();
        assert!(
            ceasefire > border * 2.0,
            "a title word outweighs a body word: {ceasefire} vs {border}"
        );
    }

    #[test]
    fn names_and_numbers_weigh_more_than_common_words() {
        let s = sig(
            "",
            "Officials met in Muzaffarabad and counted 14 shells near the river.",
        );
        let place = weight(&s, "muzaffarabad").unwrap();
        let number = weight(&s, "14").unwrap();
        let shell = weight(&s, "shell").unwrap();
        assert!(place > shell, "a place name outweighs a common noun");
        assert!(number > shell, "a figure outweighs a common noun");
        assert!(s.names.contains(&word_hash("muzaffarabad")) && s.names.contains(&word_hash("14")));
        assert!(
            !s.names.contains(&word_hash("shell")),
            "a common noun is not a name"
        );
    }

    #[test]
    fn a_capital_opening_a_sentence_is_not_a_name() {
        let s = sig("", "Shelling resumed. Villagers fled towards Uri.");
        let villagers = weight(&s, "villag").unwrap();
        let uri = weight(&s, "uri").unwrap();
        assert!(
            uri > villagers,
            "`Uri` mid-sentence is a name, `Villagers` opening one is not"
        );
    }

    #[test]
    fn long_texts_keep_their_heaviest_terms() {
        let body: String = (0..400).map(|i| format!("word{i}x ")).collect();
        let s = sig("Floods in Sindh", &body);
        assert!(s.terms.len() <= MAX_TERMS);
        assert!(weight(&s, "sindh").is_some(), "the title survives the cap");
        assert!(
            s.terms.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted by term, no duplicates"
        );
    }
}
