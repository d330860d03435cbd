//! Concepts across scripts: named sets of spellings a rule term `@name` stands for.
//!
//! A concept such as `@ceasefire` stands for `ceasefire`, `truce`, `جنگ بندی`, `संघर्ष विराम`,
//! `停火` and the rest of its variants. The parser ([`super::query`]) expands it into an OR of
//! its variants, each read as a bare word of the query language (a word matches its
//! inflections, several words or Chinese characters make a phrase, a trailing `*` a prefix),
//! so matching in memory and searching the archive treat it like any OR and agree on it.
//!
//! How a lexicon is made, in order:
//! 1. the shipped South Asia lexicon (`south_asia.toml`, embedded at build time and parsed
//!    once per process);
//! 2. the user's changes stored in the archive ([`LexiconChange`]), in the order made: a
//!    variant added (to a shipped concept or a new one) or removed (a shipped one hidden).
//!
//! A concept left with no variant is unknown: a query naming it no longer parses, and the
//! rule is reported as needing a fix, as for any query that stopped parsing.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use ts_rs::TS;

/// The shipped lexicon, as reviewed.
const SOUTH_ASIA: &str = include_str!("south_asia.toml");

/// Concepts and their variants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lexicon {
    /// Concept name (lower case) → its variants, each with the language it is written in
    /// (`None` when the user did not say), in order.
    concepts: BTreeMap<String, Vec<Variant>>,
}

/// One spelling of a concept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Variant {
    /// The spelling, as a bare word of the query language.
    pub text: String,
    /// Its language (ISO 639-1), if known.
    pub lang: Option<String>,
    /// Whether it comes with Wirewatch (rather than from the user).
    pub shipped: bool,
}

/// A concept with its variants, as listed for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Concept {
    /// Its name, written `@name` in queries.
    pub name: String,
    /// Its spellings.
    pub variants: Vec<Variant>,
}

/// A user's change to the shipped lexicon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconChange {
    /// The concept.
    pub concept: String,
    /// The spelling.
    pub variant: String,
    /// Added (`true`) or removed (`false`).
    pub added: bool,
}

/// Why a concept name or variant cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexiconProblem {
    /// The name is not made of lower-case letters, digits and inner hyphens.
    #[error("a concept name is lower-case letters, digits and hyphens (like line-of-control), not {0:?}")]
    BadName(String),
    /// The variant is not a word, phrase or prefix of the query language.
    #[error("the variant {variant:?} is not a word, phrase or prefix: {reason}")]
    BadVariant {
        /// The variant.
        variant: String,
        /// Why.
        reason: String,
    },
}

impl Lexicon {
    /// The shipped South Asia lexicon.
    pub fn shipped() -> &'static Lexicon {
        static SHIPPED: OnceLock<Lexicon> = OnceLock::new();
        SHIPPED.get_or_init(|| {
            Lexicon::from_toml(SOUTH_ASIA, true).expect("the shipped lexicon is valid")
        })
    }

    /// Reads a lexicon written as the shipped one is: a table per concept, an array of
    /// variants per language.
    pub fn from_toml(source: &str, shipped: bool) -> Result<Lexicon, String> {
        let tables: BTreeMap<String, BTreeMap<String, Vec<String>>> =
            toml::from_str(source).map_err(|e| e.to_string())?;
        let mut lexicon = Lexicon::default();
        for (name, by_lang) in tables {
            check_name(&name).map_err(|e| e.to_string())?;
            // Languages in a fixed order (English first), so listings read alike.
            let mut langs: Vec<_> = by_lang.into_iter().collect();
            langs.sort_by_key(|(lang, _)| (lang != "en", lang.clone()));
            let variants = lexicon.concepts.entry(name).or_default();
            for (lang, texts) in langs {
                for text in texts {
                    check_variant(&text).map_err(|e| e.to_string())?;
                    variants.push(Variant {
                        text,
                        lang: Some(lang.clone()),
                        shipped,
                    });
                }
            }
        }
        Ok(lexicon)
    }

    /// This lexicon with `changes` applied in order.
    pub fn with_changes(&self, changes: &[LexiconChange]) -> Lexicon {
        let mut out = self.clone();
        for change in changes {
            let variants = out.concepts.entry(change.concept.clone()).or_default();
            let at = variants.iter().position(|v| v.text == change.variant);
            match (change.added, at) {
                (true, None) => variants.push(Variant {
                    text: change.variant.clone(),
                    lang: None,
                    shipped: false,
                }),
                (false, Some(i)) => {
                    variants.remove(i);
                }
                _ => {}
            }
        }
        out.concepts.retain(|_, v| !v.is_empty());
        out
    }

    /// The variants of concept `name` (any case), if it has any.
    pub fn variants(&self, name: &str) -> Option<&[Variant]> {
        let found = match self.concepts.get(name) {
            Some(v) => Some(v),
            None => self.concepts.get(&name.to_lowercase()),
        };
        found.map(Vec::as_slice).filter(|v| !v.is_empty())
    }

    /// Every concept with its variants, by name.
    pub fn concepts(&self) -> Vec<Concept> {
        self.concepts
            .iter()
            .map(|(name, variants)| Concept {
                name: name.clone(),
                variants: variants.clone(),
            })
            .collect()
    }
}

/// Checks a concept name: lower-case ASCII letters and digits, hyphens between them.
pub fn check_name(name: &str) -> Result<(), LexiconProblem> {
    let ok = !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(LexiconProblem::BadName(name.to_string()))
    }
}

/// Checks a variant: it must read as a bare word of the query language.
pub fn check_variant(variant: &str) -> Result<(), LexiconProblem> {
    super::query::variant_node(variant)
        .map(|_| ())
        .map_err(|reason| LexiconProblem::BadVariant {
            variant: variant.to_string(),
            reason,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lexicon: &Lexicon, name: &str) -> Vec<String> {
        lexicon
            .variants(name)
            .unwrap_or_default()
            .iter()
            .map(|v| v.text.clone())
            .collect()
    }

    #[test]
    fn the_shipped_lexicon_covers_the_issues_list_in_every_script() {
        let l = Lexicon::shipped();
        let want: &[(&str, &[&str])] = &[
            (
                "ceasefire",
                &[
                    "ceasefire",
                    "truce",
                    "cease-fire",
                    "جنگ بندی",
                    "سیز فائر",
                    "युद्धविराम",
                    "संघर्ष विराम",
                    "सीजफायर",
                    "停火",
                    "停战",
                ],
            ),
            ("india", &["India", "بھارت", "भारत", "印度"]),
            ("pakistan", &["Pakistan", "پاکستان", "पाकिस्तान", "巴基斯坦"]),
            ("kashmir", &["Kashmir", "کشمیر", "कश्मीर", "克什米尔"]),
            (
                "line-of-control",
                &["Line of Control", "ایل او سی", "नियंत्रण रेखा", "控制线"],
            ),
            ("wang-yi", &["Wang Yi", "وانگ ای", "वांग यी", "王毅"]),
            ("ishaq-dar", &["Ishaq Dar", "اسحاق ڈار", "इशाक डार"]),
        ];
        for (name, variants) in want {
            let have = texts(l, name);
            for v in *variants {
                assert!(have.iter().any(|h| h == v), "@{name} lists {v}: {have:?}");
            }
        }
        let ceasefire = l.variants("ceasefire").unwrap();
        assert_eq!(ceasefire[0].lang.as_deref(), Some("en"), "English first");
        assert!(ceasefire.iter().all(|v| v.shipped));
        assert!(
            l.variants("Ceasefire").is_some(),
            "names are found in any case"
        );
    }

    #[test]
    fn changes_add_to_and_trim_the_shipped_concepts_in_order() {
        let change = |concept: &str, variant: &str, added: bool| LexiconChange {
            concept: concept.into(),
            variant: variant.into(),
            added,
        };
        let l = Lexicon::shipped().with_changes(&[
            change("ceasefire", "سیز فائر", false),
            change("ceasefire", "fire pause", true),
            change("ceasefire", "fire pause", true),
            change("siachen", "Siachen", true),
            change("wang-yi", "Wang Yi", false),
            change("wang-yi", "وانگ ای", false),
            change("wang-yi", "وانگ یی", false),
            change("wang-yi", "वांग यी", false),
            change("wang-yi", "王毅", false),
        ]);
        let ceasefire = texts(&l, "ceasefire");
        assert!(!ceasefire.iter().any(|v| v == "سیز فائر"), "removed");
        assert_eq!(
            ceasefire.iter().filter(|v| *v == "fire pause").count(),
            1,
            "added once"
        );
        let added = l.variants("ceasefire").unwrap().last().unwrap();
        assert!(!added.shipped && added.lang.is_none());
        assert_eq!(texts(&l, "siachen"), vec!["Siachen"], "a new concept");
        assert!(l.variants("wang-yi").is_none(), "no variant left: unknown");
        assert!(
            Lexicon::shipped().variants("wang-yi").is_some(),
            "shipped one untouched"
        );
    }

    #[test]
    fn names_and_variants_are_checked() {
        assert!(check_name("line-of-control").is_ok());
        for bad in ["", "Ceasefire", "-x", "x-", "cease fire", "جنگ"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_variant("停火").is_ok());
        assert!(check_variant("Kashmir*").is_ok());
        assert!(check_variant("!!").is_err());
        assert!(Lexicon::from_toml("[x]\nen = [\"?\"]", false).is_err());
    }
}
