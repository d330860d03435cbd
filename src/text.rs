//! Text: how Wirewatch cuts text into words, for alert rules and for search alike.
//!
//! Alert matching (in memory, [`crate::rules`]) and archive search (SQLite FTS5,
//! [`crate::store`]) must agree on what a word is, so both use the tokens made here:
//!
//! 1. Split into words by Unicode word boundaries (UAX #29). Han, Hiragana and Katakana
//!    characters come out one per word, so Chinese and Japanese text is searchable without a
//!    dictionary: a multi-character query becomes a phrase of single characters.
//! 2. Fold each word: compatibility decomposition (NFKD), diacritics dropped for scripts where
//!    they are optional (Latin, Greek, Cyrillic, Arabic/Urdu vowel marks), kept for Indic
//!    scripts where vowel signs are part of the word, lower-cased, punctuation inside the
//!    word (apostrophes, dots) removed.
//! 3. Stem folded words written in ASCII letters with the English Snowball stemmer, so
//!    `ceasefires` finds `ceasefire` and `talks` finds `talk`.
//!
//! Tokens keep their byte span in the original text, for highlighting.

use rust_stemmers::{Algorithm, Stemmer};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// A distinct word: folded, stemmed and hashed once per thread, and shared by every token
/// of that spelling.
#[derive(Debug, PartialEq, Eq)]
pub struct Word {
    /// The word folded (case, diacritics and inner punctuation removed).
    pub folded: Box<str>,
    /// The folded word stemmed; `None` where that is the folded word itself (outside
    /// English, and English words the stemmer leaves alone).
    stem: Option<Box<str>>,
    /// [`word_hash`] of `folded`.
    pub folded_hash: u64,
    /// [`word_hash`] of the stem.
    pub stem_hash: u64,
}

impl Word {
    fn new(folded: String) -> Word {
        let stem = stem_uncached(&folded);
        let folded_hash = word_hash(&folded);
        let (stem, stem_hash) = if stem == folded {
            (None, folded_hash)
        } else {
            let hash = word_hash(&stem);
            (Some(stem.into_boxed_str()), hash)
        };
        Word {
            folded: folded.into_boxed_str(),
            stem,
            folded_hash,
            stem_hash,
        }
    }

    /// The folded word stemmed (equal to the folded word outside English).
    pub fn stem(&self) -> &str {
        self.stem.as_deref().unwrap_or(&self.folded)
    }
}

/// One word of a text.
///
/// News vocabulary is small compared with the number of words cut, so each distinct word is
/// a shared [`Word`], and a token is that word's address and where it stands: 24 bytes and
/// one reference-count increment. (Tokens holding two shared strings, 64 bytes each, took
/// 27% longer to cut.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The word.
    pub word: Arc<Word>,
    /// Byte offset of the word in the original text.
    pub start: usize,
    /// Byte offset just past the word.
    pub end: usize,
}

impl Token {
    /// The word folded.
    pub fn folded(&self) -> &str {
        &self.word.folded
    }

    /// The folded word stemmed.
    pub fn stem(&self) -> &str {
        self.word.stem()
    }
}

/// A word as it appears in text → the word it folds to (`None`: folds to nothing), and the
/// last [`tokens_noting_new`] epoch it was reported under.
type WordCache = HashMap<Box<str>, Option<(Arc<Word>, u64)>, foldhash::fast::FixedState>;

/// FNV-1a of a word: what the rule matcher indexes words by. Words are short, and this
/// needs no per-process seed.
pub fn word_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A word reported by [`tokens_noting_new`].
pub type NewWord = Arc<Word>;

/// The words of `text`, in order.
pub fn tokens(text: &str) -> Vec<Token> {
    tokens_with(text, None)
}

/// Like [`tokens`], also appending to `new` every folded word not yet reported under
/// `epoch` by this thread: the store keeps a table of indexed words, and learns them this
/// way at almost no cost, since only a word new to this thread's cache is looked at twice.
/// A store starts a new epoch (so every word is reported again) when a poll's writes are
/// rolled back. A word written differently (`Talks`, `talks`) may be reported once per
/// spelling. `epoch` must not be 0.
pub fn tokens_noting_new(text: &str, epoch: u64, new: &mut Vec<NewWord>) -> Vec<Token> {
    tokens_with(text, Some((epoch, new)))
}

fn tokens_with(text: &str, mut noting: Option<(u64, &mut Vec<NewWord>)>) -> Vec<Token> {
    thread_local! {
        static WORDS: RefCell<WordCache> = RefCell::new(WordCache::default());
    }
    WORDS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let mut out = Vec::with_capacity(text.len() / 6);
        word_indices(text, |start, word| {
            let end = start + word.len();
            if let Some(known) = cache.get_mut(word) {
                if let Some(known) = known {
                    out.push(token(known, start, end, &mut noting));
                }
                return;
            }
            if cache.len() > 200_000 {
                cache.clear();
            }
            let folded = fold(word);
            let mut known = (!folded.is_empty()).then(|| (Arc::new(Word::new(folded)), 0));
            if let Some(known) = known.as_mut() {
                out.push(token(known, start, end, &mut noting));
            }
            cache.insert(word.into(), known);
        });
        out
    })
}

/// Calls `f` with each word of `text` and its byte offset: the words of
/// `unicode_word_indices` (UAX #29), found faster in ASCII.
///
/// UAX #29 never joins a word across ASCII white space, so text is taken a run between
/// white space at a time, and a run of ASCII (nearly all of an English story) is cut by
/// [`ascii_word_indices`], which applies the rules that concern ASCII characters. A run
/// with other characters (curly quotes, accents, other scripts) goes to the full algorithm.
/// Cutting with the full algorithm alone took 45% of tokenising an English story.
fn word_indices<'t>(text: &'t str, mut f: impl FnMut(usize, &'t str)) {
    if text.is_ascii() {
        return ascii_word_indices(text, 0, &mut f);
    }
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let end = bytes[start..]
            .iter()
            .position(u8::is_ascii_whitespace)
            .map_or(bytes.len(), |n| start + n);
        let run = &text[start..end];
        if run.is_ascii() {
            ascii_word_indices(run, start, &mut f);
        } else {
            for (at, word) in run.unicode_word_indices() {
                f(start + at, word);
            }
        }
        start = end + 1;
    }
}

/// What UAX #29 makes of an ASCII character.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AsciiClass {
    /// ALetter: a letter.
    Letter,
    /// Numeric: a digit.
    Digit,
    /// ExtendNumLet: `_`, which joins letters and digits on either side.
    Joiner,
    /// MidLetter (`:`): inside a word between two letters.
    MidLetter,
    /// MidNum (`,` `;`): inside a number between two digits.
    MidNum,
    /// MidNumLet and Single_Quote (`.` `'`): between two letters or two digits.
    MidBoth,
    /// Anything else: never part of a word.
    Other,
}

const fn class_of(b: u8) -> AsciiClass {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => AsciiClass::Letter,
        b'0'..=b'9' => AsciiClass::Digit,
        b'_' => AsciiClass::Joiner,
        b':' => AsciiClass::MidLetter,
        b',' | b';' => AsciiClass::MidNum,
        b'.' | b'\'' => AsciiClass::MidBoth,
        _ => AsciiClass::Other,
    }
}

/// [`class_of`] every byte, looked up rather than worked out: one load per character.
static ASCII_CLASSES: [AsciiClass; 256] = {
    let mut table = [AsciiClass::Other; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = class_of(b as u8);
        b += 1;
    }
    table
};

fn ascii_class(b: u8) -> AsciiClass {
    ASCII_CLASSES[usize::from(b)]
}

/// The words of ASCII `text` (at `offset` in the whole text) by UAX #29: letters, digits
/// and `_` join in any order (WB5, WB8–WB10, WB13a/b); a MidLetter or MidNumLet joins two
/// letters (WB6/7), a MidNum or MidNumLet two digits (WB11/12); everything else breaks. Like
/// `unicode_word_indices`, only segments with a letter or digit are words.
fn ascii_word_indices<'t>(text: &'t str, offset: usize, f: &mut impl FnMut(usize, &'t str)) {
    use AsciiClass::*;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let mut last = ascii_class(bytes[i]);
        if !matches!(last, Letter | Digit | Joiner) {
            i += 1;
            continue;
        }
        let start = i;
        let mut alphanumeric = last != Joiner;
        i += 1;
        while i < bytes.len() {
            let class = ascii_class(bytes[i]);
            match class {
                Letter | Digit | Joiner => {
                    alphanumeric |= class != Joiner;
                    last = class;
                    i += 1;
                }
                MidLetter | MidNum | MidBoth => {
                    let next = bytes.get(i + 1).map_or(Other, |&b| ascii_class(b));
                    let joins = match (last, class) {
                        (Letter, MidLetter | MidBoth) => next == Letter,
                        (Digit, MidNum | MidBoth) => next == Digit,
                        _ => false,
                    };
                    if !joins {
                        break;
                    }
                    i += 2;
                }
                Other => break,
            }
        }
        if alphanumeric {
            f(offset + start, &text[start..i]);
        }
    }
}

/// The token for a cached word at `start..end`, reporting the word if `noting` asks and it
/// was not reported under that epoch yet.
fn token(
    known: &mut (Arc<Word>, u64),
    start: usize,
    end: usize,
    noting: &mut Option<(u64, &mut Vec<NewWord>)>,
) -> Token {
    if let Some((epoch, new)) = noting {
        if known.1 != *epoch {
            known.1 = *epoch;
            new.push(known.0.clone());
        }
    }
    Token {
        word: known.0.clone(),
        start,
        end,
    }
}

/// Folds one word: see the module documentation.
pub fn fold(word: &str) -> String {
    if word.is_ascii() {
        // The common case in English news: no decomposition needed.
        return word
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_lowercase() as char)
            .collect();
    }
    let mut out = String::with_capacity(word.len());
    let mut keep_marks = false;
    for c in word.nfkd() {
        if is_combining_mark(c) {
            if keep_marks {
                out.push(c);
            }
            continue;
        }
        if c.is_alphanumeric() {
            keep_marks = is_indic(c);
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Scripts whose combining signs are letters of the word (Devanagari to Sinhala).
fn is_indic(c: char) -> bool {
    ('\u{0900}'..='\u{0DFF}').contains(&c)
}

/// The stem of a folded word (English Snowball for ASCII words of letters).
pub fn stem(folded: &str) -> String {
    stem_uncached(folded)
}

fn stem_uncached(folded: &str) -> String {
    // Numbers and mixed tokens ("g20", "2025") are left alone, as is anything non-ASCII.
    if folded.len() < 3 || !folded.bytes().all(|b| b.is_ascii_lowercase()) {
        return folded.to_string();
    }
    english().stem(folded).into_owned()
}

fn english() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// Folded words joined by spaces: what the full-text index stores of a text, so that its
/// tokenizer, which splits at spaces, sees the words cut here.
pub fn join_folded(tokens: &[Token]) -> String {
    let mut out = String::with_capacity(tokens.iter().map(|t| t.folded().len() + 1).sum());
    for t in tokens {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t.folded());
    }
    out
}

/// Converts a byte offset in `text` to a UTF-16 offset (what JavaScript strings count).
pub fn utf16_offset(text: &str, byte: usize) -> u32 {
    text[..byte.min(text.len())].encode_utf16().count() as u32
}

/// Character offset of a byte offset (for error positions shown to people).
pub fn char_offset(text: &str, byte: usize) -> u32 {
    text[..byte.min(text.len())].chars().count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> Vec<String> {
        tokens(text)
            .into_iter()
            .map(|t| t.folded().to_string())
            .collect()
    }

    #[test]
    fn plural_and_singular_share_a_stem() {
        assert_eq!(stem("ceasefires"), stem("ceasefire"));
        assert_eq!(stem("talks"), stem("talk"));
        assert_eq!(stem("countries"), stem("country"));
    }

    #[test]
    fn folding_drops_case_diacritics_and_apostrophes() {
        assert_eq!(
            folded("Pakistán's CEASEFIRE"),
            vec!["pakistans", "ceasefire"]
        );
        assert_eq!(stem("pakistans"), "pakistan");
        assert_eq!(folded("Zürich, Ōsaka"), vec!["zurich", "osaka"]);
    }

    #[test]
    fn chinese_is_cut_into_single_characters() {
        assert_eq!(
            folded("中国外长王毅"),
            vec!["中", "国", "外", "长", "王", "毅"]
        );
    }

    #[test]
    fn hindi_keeps_its_vowel_signs_and_urdu_words_survive() {
        assert_eq!(folded("भारत पाकिस्तान"), vec!["भारत", "पाकिस्तान"]);
        assert_eq!(folded("پاکستان اور بھارت"), vec!["پاکستان", "اور", "بھارت"]);
    }

    #[test]
    fn words_are_reported_once_per_epoch_and_again_in_a_new_one() {
        let mut new = Vec::new();
        tokens_noting_new("Ceasefire talks; ceasefire holds; talks", 7, &mut new);
        let words: Vec<&str> = new.iter().map(|w| &*w.folded).collect();
        assert_eq!(new[0].stem(), "ceasefir", "with its stem");
        assert_eq!(words, vec!["ceasefire", "talks", "ceasefire", "holds"]);
        new.clear();
        tokens_noting_new("talks resume", 7, &mut new);
        assert_eq!(
            new.iter().map(|w| &*w.folded).collect::<Vec<_>>(),
            vec!["resume"]
        );
        // Plain tokenising neither reports nor hides a word.
        tokens("Geneva");
        new.clear();
        tokens_noting_new("talks in Geneva", 8, &mut new);
        assert_eq!(
            new.iter().map(|w| &*w.folded).collect::<Vec<_>>(),
            vec!["talks", "in", "geneva"]
        );
    }

    /// Every word `word_indices` finds, with its offset.
    fn cut(text: &str) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        word_indices(text, |at, word| out.push((at, word)));
        out
    }

    #[test]
    fn ascii_words_are_cut_as_unicode_cuts_them() {
        // Each character stands for a class UAX #29 treats apart, and some that are not
        // ASCII, so that runs fall back to the full algorithm around them.
        const CHARS: &[char] = &[
            'a', 'Z', '7', '_', ':', '.', '\'', ',', ';', '-', ' ', '\n', '\t', '’', 'é',
            '\u{301}', '中', '\u{200d}', '\u{a0}',
        ];
        let check = |text: &str| {
            let expected: Vec<(usize, &str)> = text.unicode_word_indices().collect();
            assert_eq!(cut(text), expected, "in {text:?}");
        };
        // Every text of up to four of the first thirteen characters (all ASCII)...
        let ascii = &CHARS[..13];
        let mut text = String::new();
        for n in 0..=4u32 {
            for mut i in 0..ascii.len().pow(n) {
                text.clear();
                for _ in 0..n {
                    text.push(ascii[i % ascii.len()]);
                    i /= ascii.len();
                }
                check(&text);
            }
        }
        // ...and longer texts drawn from all of them.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            text.clear();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for k in 0..(seed % 24) {
                let r = seed.rotate_left(k as u32 * 5) ^ k.wrapping_mul(0x2545_f491);
                text.push(CHARS[(r % CHARS.len() as u64) as usize]);
            }
            check(&text);
        }
        check("It's 3.5% of U.S. GDP: 1,000,000 rupees; e.g. snake_case 10:30 Pakistan’s");
    }

    #[test]
    fn spans_point_into_the_original_text() {
        let text = "Wang Yi — «ceasefire»";
        let t = tokens(text);
        assert_eq!(&text[t[2].start..t[2].end], "ceasefire");
        assert_eq!(utf16_offset(text, t[2].start), 11);
    }
}
