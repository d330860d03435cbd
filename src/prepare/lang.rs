//! The language an article is written in, told from its title and the start of its text.
//!
//! In order:
//! 1. the first words (the tokens the prepare stage made anyway) are counted by script, and
//!    the common little words of English and Hindi among them;
//! 2. that settles most articles at the cost of a few comparisons a word: Han is Chinese
//!    (Japanese with kana), Hangul Korean; Latin words with enough English function words
//!    are English; Arabic script with letters only Urdu writes is Urdu; Devanagari with
//!    enough Hindi function words is Hindi;
//! 3. the rest is compared by trigrams (`whatlang`) with the languages news in its script is
//!    written in: English and the big Western European news languages in Latin script; Urdu,
//!    Arabic and Persian in Arabic script; Hindi, Marathi and Nepali in Devanagari;
//! 4. the answer is an ISO 639-1 code, what `lang:` in queries names.
//!
//! Why `whatlang`, and candidates per script: on short South Asian headlines (in English,
//! Urdu, Hindi and Chinese, with and without a sentence of text) `lingua` told 22 and 24 of 24
//! apart, `whatlang` over all its languages 20 and 22, and `whatlang` among a few news
//! languages 22 and 23; `lingua` took 5 to 14 times as long and loads a model per language.
//! Among all languages `whatlang` took English headlines for Turkish, Javanese or Portuguese.
//! Why the first pass: trigrams of every entry took 60% of the prepare stage (about 200 µs an
//! entry of the benchmark's corpus, under load); counting words costs next to nothing.

use crate::text::{self, Token};
use std::sync::OnceLock;
use whatlang::{Detector, Lang, Script};

/// Bytes of an entry's text looked at, after its title: enough for a sentence or two, and
/// trigram detection costs in proportion to what it reads.
const SAMPLE_BYTES: usize = 400;

/// Words looked at by the first pass.
const SAMPLE_WORDS: usize = 64;

/// The language of an entry with this title and plain text, cut into these tokens.
pub fn detect_entry(
    title: &str,
    text: &str,
    title_tokens: &[Token],
    body_tokens: &[Token],
) -> Option<&'static str> {
    let words = title_tokens.iter().chain(body_tokens).take(SAMPLE_WORDS);
    if let Some(settled) = first_pass(words, title, text) {
        return settled;
    }
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut sample = String::with_capacity(title.len() + 1 + end);
    sample.push_str(title);
    sample.push(' ');
    sample.push_str(&text[..end]);
    by_trigrams(&sample)
}

/// The language of `text`, as an ISO 639-1 code; `None` when it cannot be told (no letters).
pub fn detect(text: &str) -> Option<&'static str> {
    let tokens = text::tokens(text);
    match first_pass(tokens.iter().take(SAMPLE_WORDS), text, "") {
        Some(settled) => settled,
        None => by_trigrams(text),
    }
}

/// What the words alone settle: `Some(answer)`, or `None` when trigrams must decide.
fn first_pass<'t>(
    words: impl Iterator<Item = &'t Token>,
    title: &str,
    text: &str,
) -> Option<Option<&'static str>> {
    let (mut latin, mut han, mut kana, mut hangul, mut arabic, mut deva) = (0, 0, 0, 0, 0, 0);
    let (mut english, mut hindi) = (0, 0);
    let little = little_words();
    for t in words {
        let Some(c) = t.folded().chars().next() else {
            continue;
        };
        match c {
            'a'..='z' => {
                latin += 1;
                english += usize::from(little.english.contains(&t.word.folded_hash));
            }
            '\u{3040}'..='\u{30FF}' => kana += 1,
            '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' => han += 1,
            '\u{AC00}'..='\u{D7AF}' | '\u{1100}'..='\u{11FF}' => hangul += 1,
            '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{FB50}'..='\u{FEFF}' => {
                arabic += 1
            }
            '\u{0900}'..='\u{097F}' => {
                deva += 1;
                hindi += usize::from(little.hindi.contains(&t.word.folded_hash));
            }
            _ => {}
        }
    }
    let letters = latin + han + kana + hangul + arabic + deva;
    if letters == 0 {
        // Digits only, or only scripts not counted here: trigrams decide.
        return None;
    }
    let most = |n: usize| 2 * n > letters;
    // Enough little words to be sure: two, and one word in ten.
    let enough = |hits: usize, of: usize| hits >= 2 && 10 * hits >= of;
    if kana > 0 && most(kana + han) {
        return Some(Some("ja"));
    }
    if most(han) {
        return Some(Some("zh"));
    }
    if most(hangul) {
        return Some(Some("ko"));
    }
    if most(latin) && enough(english, latin) {
        return Some(Some("en"));
    }
    // Letters only Urdu writes (retroflex ٹ ڈ ڑ, noon ghunna ں, yeh barree ے, do-chashmi
    // heh ھ) settle it: trigrams of short headlines took Urdu for Persian.
    if most(arabic) && (title.contains(URDU_ONLY) || text.contains(URDU_ONLY)) {
        return Some(Some("ur"));
    }
    if most(deva) && enough(hindi, deva) {
        return Some(Some("hi"));
    }
    None
}

/// Hashes of the folded little words that tell English and Hindi from their neighbours in
/// script: words French, Spanish or German text seldom has twice, and Hindi postpositions
/// and verbs that Marathi and Nepali write otherwise.
struct LittleWords {
    english: Vec<u64>,
    hindi: Vec<u64>,
}

fn little_words() -> &'static LittleWords {
    static WORDS: OnceLock<LittleWords> = OnceLock::new();
    WORDS.get_or_init(|| {
        let hashes = |words: &[&str]| -> Vec<u64> {
            words
                .iter()
                .map(|w| text::word_hash(&text::fold(w)))
                .collect()
        };
        LittleWords {
            english: hashes(&[
                "the", "of", "and", "to", "is", "that", "for", "with", "was", "from", "has",
                "have", "are", "said", "by", "were", "their", "will", "after", "which", "who",
                "this", "its", "been", "would", "an", "at", "as", "it",
            ]),
            hindi: hashes(&[
                "है",
                "हैं",
                "में",
                "और",
                "ने",
                "की",
                "कि",
                "से",
                "था",
                "थे",
                "थी",
                "के",
                "का",
            ]),
        }
    })
}

/// The language of `text` by trigrams, among the news languages of its script.
fn by_trigrams(text: &str) -> Option<&'static str> {
    let script = whatlang::detect_script(text)?;
    let lang = match script {
        Script::Mandarin => return Some("zh"),
        Script::Hiragana | Script::Katakana => return Some("ja"),
        Script::Hangul => return Some("ko"),
        Script::Latin => detectors().latin.detect_lang(text)?,
        Script::Arabic if text.contains(URDU_ONLY) => Lang::Urd,
        Script::Arabic => detectors().arabic.detect_lang(text)?,
        Script::Devanagari => detectors().devanagari.detect_lang(text)?,
        _ => whatlang::detect_lang(text)?,
    };
    Some(two_letter(lang))
}

/// Letters of the Arabic script that Urdu uses and Arabic and Persian do not.
const URDU_ONLY: &[char] = &['ٹ', 'ڈ', 'ڑ', 'ں', 'ے', 'ھ'];

/// One detector per script that several news languages share.
struct Detectors {
    latin: Detector,
    arabic: Detector,
    devanagari: Detector,
}

fn detectors() -> &'static Detectors {
    static DETECTORS: OnceLock<Detectors> = OnceLock::new();
    DETECTORS.get_or_init(|| Detectors {
        latin: Detector::with_allowlist(vec![
            Lang::Eng,
            Lang::Fra,
            Lang::Deu,
            Lang::Spa,
            Lang::Por,
            Lang::Ita,
            Lang::Nld,
        ]),
        arabic: Detector::with_allowlist(vec![Lang::Urd, Lang::Ara, Lang::Pes]),
        devanagari: Detector::with_allowlist(vec![Lang::Hin, Lang::Mar, Lang::Nep]),
    })
}

/// The ISO 639-1 code of a language `whatlang` knows (every one has one).
fn two_letter(lang: Lang) -> &'static str {
    match lang {
        Lang::Eng => "en",
        Lang::Urd => "ur",
        Lang::Hin => "hi",
        Lang::Cmn => "zh",
        Lang::Ara => "ar",
        Lang::Pes => "fa",
        Lang::Ben => "bn",
        Lang::Pan => "pa",
        Lang::Mar => "mr",
        Lang::Nep => "ne",
        Lang::Tam => "ta",
        Lang::Tel => "te",
        Lang::Kan => "kn",
        Lang::Mal => "ml",
        Lang::Guj => "gu",
        Lang::Ori => "or",
        Lang::Sin => "si",
        Lang::Mya => "my",
        Lang::Tha => "th",
        Lang::Khm => "km",
        Lang::Jpn => "ja",
        Lang::Kor => "ko",
        Lang::Vie => "vi",
        Lang::Ind => "id",
        Lang::Jav => "jv",
        Lang::Tgl => "tl",
        Lang::Rus => "ru",
        Lang::Ukr => "uk",
        Lang::Bel => "be",
        Lang::Bul => "bg",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Nld => "nl",
        Lang::Pol => "pl",
        Lang::Ces => "cs",
        Lang::Slk => "sk",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Hun => "hu",
        Lang::Ron => "ro",
        Lang::Tur => "tr",
        Lang::Aze => "az",
        Lang::Uzb => "uz",
        Lang::Tuk => "tk",
        Lang::Ell => "el",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Kat => "ka",
        Lang::Hye => "hy",
        Lang::Amh => "am",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Nob => "nb",
        Lang::Fin => "fi",
        Lang::Est => "et",
        Lang::Lav => "lv",
        Lang::Lit => "lt",
        Lang::Cat => "ca",
        Lang::Afr => "af",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Aka => "ak",
        Lang::Lat => "la",
        Lang::Epo => "eo",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headlines as the outlets of the starter pack write them, with a sentence of text.
    #[test]
    fn south_asian_news_is_told_apart_by_language() {
        let cases = [
            (
                "en",
                "India and Pakistan agree to ceasefire along the Line of Control",
                "The two armies said the truce would hold from midnight.",
            ),
            (
                "en",
                "Pakistan beat India by six wickets in Dubai",
                "Babar Azam scored an unbeaten half-century.",
            ),
            (
                "en",
                "Wang Yi meets Ishaq Dar in Beijing",
                "The ministers discussed trade and the situation in Kashmir.",
            ),
            (
                "ur",
                "پاکستان اور بھارت کے درمیان جنگ بندی پر اتفاق",
                "دونوں ممالک کی افواج نے لائن آف کنٹرول پر فائرنگ روک دی۔",
            ),
            (
                "ur",
                "کراچی میں بارش سے نظام زندگی مفلوج",
                "شہر کی کئی سڑکیں پانی میں ڈوب گئیں۔",
            ),
            (
                "hi",
                "भारत और पाकिस्तान के बीच संघर्ष विराम पर सहमति",
                "दोनों देशों की सेनाओं ने नियंत्रण रेखा पर गोलीबारी रोक दी।",
            ),
            (
                "hi",
                "वांग यी ने इशाक डार से मुलाकात की",
                "दोनों नेताओं ने व्यापार पर बातचीत की।",
            ),
            ("zh", "印度和巴基斯坦同意停火", "双方表示将继续会谈。"),
            (
                "zh",
                "王毅会见巴基斯坦副总理兼外长达尔",
                "双方就地区局势交换了意见。",
            ),
        ];
        for (want, title, text) in cases {
            let (tt, bt) = (text::tokens(title), text::tokens(text));
            assert_eq!(detect_entry(title, text, &tt, &bt), Some(want), "{title}");
            let whole = format!("{title} {text}");
            assert_eq!(
                by_trigrams(&whole),
                Some(want),
                "{title}, by trigrams alone"
            );
            assert_eq!(detect(&whole), Some(want), "{title}, as one text");
        }
    }

    /// Trigrams cost far more than counting words: ordinary stories in the four languages
    /// are settled by their words; a French story, a bare title, or Persian go on.
    #[test]
    fn the_first_pass_settles_ordinary_stories_and_leaves_the_rest() {
        let settled = |title: &str, text: &str| {
            let (tt, bt) = (text::tokens(title), text::tokens(text));
            first_pass(tt.iter().chain(&bt), title, text)
        };
        for (want, title, text) in [
            (
                "en",
                "Talks resume",
                "The two sides said they would meet again after the vote.",
            ),
            ("ur", "کراچی میں بارش", "شہر کی سڑکیں پانی میں ڈوب گئیں۔"),
            (
                "hi",
                "बिहार में बाढ़",
                "नदियों का जलस्तर बढ़ गया है और लोग परेशान हैं।",
            ),
            ("zh", "印度和巴基斯坦同意停火", ""),
            ("ja", "インドとパキスタンが停戦に合意", ""),
        ] {
            assert_eq!(settled(title, text), Some(Some(want)), "{title}");
        }
        for (title, text) in [
            (
                "Les négociations reprennent",
                "Les deux parties se retrouveront après le vote.",
            ),
            ("Ceasefire holds", ""),
            ("مذاکرات در تهران", "دو طرف گفتند که گفتگو ادامه دارد."),
        ] {
            assert_eq!(settled(title, text), None, "{title}: trigrams decide");
        }
    }

    #[test]
    fn text_without_letters_has_no_language() {
        assert_eq!(detect(""), None);
        assert_eq!(detect("2025 — 12:30"), None);
        assert_eq!(detect_entry("", "", &[], &[]), None);
    }

    #[test]
    fn the_sample_stops_at_a_character_boundary() {
        // A long Urdu text: cutting at byte 400 would split a letter.
        let base = "کراچی میں بارش ہوئی۔ ".repeat(40);
        let text = (0..4)
            .map(|n| format!("{}{base}", " ".repeat(n)))
            .find(|t| !t.is_char_boundary(SAMPLE_BYTES))
            .expect("one of four shifts splits a letter");
        assert_eq!(detect_entry("", &text, &[], &[]), Some("ur"), "by trigrams");
    }
}
