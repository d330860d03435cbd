//! The language an article is written in, told from its title and the start of its text.
//!
//! In order:
//! 1. the script decides alone where it belongs to one language here: Han is Chinese, kana
//!    Japanese, Hangul Korean;
//! 2. otherwise the text is compared (by trigrams, with `whatlang`) with the languages news in
//!    that script is written in: English and the big Western European news languages in
//!    Latin script; Urdu, Arabic and Persian in Arabic script (letters only Urdu writes settle
//!    it first); Hindi, Marathi and Nepali in Devanagari;
//! 3. the answer is an ISO 639-1 code, what `lang:` in queries names.
//!
//! Why `whatlang` and why candidates per script: on short South Asian headlines (in English,
//! Urdu, Hindi and Chinese, with and without a sentence of text) `lingua` told 22 and 24 of 24
//! apart, `whatlang` over all its languages 20 and 22, and `whatlang` among a few news
//! languages 22 and 23; `lingua` took 5 to 14 times as long (100–270 µs a text against
//! 20–60 µs, under load) and loads a model per language. Among all languages `whatlang` took
//! English headlines for Turkish, Javanese or Portuguese; restricted, it does not.

use std::sync::OnceLock;
use whatlang::{Detector, Lang, Script};

/// Bytes of an entry's text looked at, after its title: enough for a sentence or two, and
/// detection costs in proportion to what it reads.
const SAMPLE_BYTES: usize = 400;

/// The language of an entry with this title and plain text.
pub fn detect_entry(title: &str, text: &str) -> Option<&'static str> {
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut sample = String::with_capacity(title.len() + 1 + end);
    sample.push_str(title);
    sample.push(' ');
    sample.push_str(&text[..end]);
    detect(&sample)
}

/// The language of `text`, as an ISO 639-1 code; `None` when it cannot be told (no letters).
pub fn detect(text: &str) -> Option<&'static str> {
    let script = whatlang::detect_script(text)?;
    let lang = match script {
        Script::Mandarin => return Some("zh"),
        Script::Hiragana | Script::Katakana => return Some("ja"),
        Script::Hangul => return Some("ko"),
        Script::Latin => detectors().latin.detect_lang(text)?,
        // Letters only Urdu writes (retroflex ٹ ڈ ڑ, noon ghunna ں, yeh barree ے, do-chashmi
        // heh ھ) settle it: trigrams of short headlines took Urdu for Persian.
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
            assert_eq!(detect_entry(title, text), Some(want), "{title}");
        }
    }

    #[test]
    fn text_without_letters_has_no_language() {
        assert_eq!(detect(""), None);
        assert_eq!(detect("2025 — 12:30"), None);
        assert_eq!(detect_entry("", ""), None);
    }

    #[test]
    fn the_sample_stops_at_a_character_boundary() {
        // A long Urdu text: cutting at byte 400 would split a letter.
        let base = "کراچی میں بارش ہوئی۔ ".repeat(40);
        let text = (0..4)
            .map(|n| format!("{}{base}", " ".repeat(n)))
            .find(|t| !t.is_char_boundary(SAMPLE_BYTES))
            .expect("one of four shifts splits a letter");
        assert_eq!(detect_entry("", &text), Some("ur"));
    }
}
