//! Deterministic South Asia news: headlines, bodies, feeds (RSS 2.0 and Atom) and rules.
//!
//! Everything is derived from a seed with a small local PRNG (SplitMix64), so the same seed
//! gives byte-identical files on every machine and with every version of every crate.
//!
//! Order of generation for feed `f`, item `k`:
//! 1. the item's own generator is seeded from (seed, f, k), so items do not depend on each
//!    other and feeds can be written in any order;
//! 2. about 2% of items are wire stories: their link, guid, title and body come from the wire
//!    story's own seed, so the same story appears in several feeds (cross-feed dedup);
//! 3. about 3% of the others are about the India–Pakistan ceasefire (the rule every user has).
//!
//! The vocabulary is data in `words`; this file holds the generators that draw from it.

mod words;

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::fmt::Write as _;
use words::*;

/// SplitMix64: tiny, fast, and stable forever (unlike library RNGs across versions).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for this seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// A generator for a seed and a path of indices (independent streams).
    pub fn derive(seed: u64, path: &[u64]) -> Rng {
        let mut r = Rng::new(seed);
        for &p in path {
            r.0 ^= p.wrapping_mul(0xD1B5_4A32_D192_ED03);
            r.next_u64();
        }
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// One element, uniformly.
    pub fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }

    /// One element, skewed towards the start of the list (news vocabulary is Zipfian).
    pub fn pick_skewed<'a>(&mut self, list: &[&'a str]) -> &'a str {
        let a = self.below(list.len());
        let b = self.below(list.len());
        list[a.min(b)]
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A plural count written as people write it in news.
fn count(r: &mut Rng) -> String {
    match r.below(4) {
        0 => [
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "dozens of",
        ][r.below(9)]
        .to_string(),
        1 => format!("{}", r.range(10, 400)),
        2 => format!("{},{:03}", r.range(1, 90), r.below(1000)),
        _ => format!("{} million", r.range(1, 30)),
    }
}

/// One sentence of ordinary news.
pub fn sentence(r: &mut Rng) -> String {
    let place = r.pick_skewed(PLACES);
    let region = r.pick_skewed(REGIONS);
    let n1 = r.pick_skewed(NOUNS);
    let n2 = r.pick_skewed(NOUNS);
    let adj = r.pick(ADJECTIVES);
    let person = format!(
        "{} {}",
        r.pick_skewed(FIRST_NAMES),
        r.pick_skewed(LAST_NAMES)
    );
    let org = r.pick_skewed(ORGS);
    let topic = r.pick_skewed(TOPICS);
    match r.below(18) {
        12 => format!(
            "{person}, {} of the {org}, {} the {topic} {} in {place}.",
            r.pick(&[
                "a senior leader",
                "the chairman",
                "a spokesperson",
                "the chief",
                "a former head",
                "a member"
            ]),
            r.pick(VERBS),
            r.pick(&["plan", "case", "report", "policy", "deal", "row"])
        ),
        13 => format!(
            "\"The {topic} {n1} is {} for {}\", {person} said in {place} on {}.",
            r.pick(&[
                "a setback",
                "a priority",
                "not acceptable",
                "long overdue",
                "a test"
            ]),
            r.pick(REGIONS),
            r.pick(WEEKDAYS)
        ),
        14 => format!(
            "The {org} {} {person} over the {topic} {}, {}.",
            r.pick(&[
                "summoned",
                "backed",
                "questioned",
                "expelled",
                "praised",
                "sued"
            ]),
            r.pick(&["issue", "case", "allegations", "scheme", "shortage"]),
            r.pick(SOURCES)
        ),
        15 => format!(
            "Shares of {org} {} {}% after the {topic} {}.",
            r.pick(&["rose", "fell", "jumped", "slid"]),
            r.range(1, 19),
            r.pick(&["announcement", "ruling", "report", "auction", "deal"])
        ),
        16 => format!(
            "{person} is expected to meet {} {} in {place} next week to discuss {topic} and {n2}.",
            r.pick_skewed(FIRST_NAMES),
            r.pick_skewed(LAST_NAMES),
        ),
        17 => format!(
            "{} {} {topic} in {region} on {}.",
            cap(&count(r)),
            r.pick(&["cases of", "reports of", "complaints about", "incidents of"]),
            r.pick(WEEKDAYS)
        ),
        0 => format!(
            "{} {} on {} that the {} {} in {} would {} {}.",
            r.pick(SUBJECTS),
            r.pick(VERBS),
            r.pick(WEEKDAYS),
            adj,
            n1,
            place,
            r.pick(VERBS_PRESENT),
            n2
        ),
        1 => format!(
            "{} has seen {} {} since {}, {}.",
            place,
            adj,
            n1,
            r.pick(MONTHS),
            r.pick(SOURCES)
        ),
        2 => format!(
            "The {} was {} after {} people were affected in {}, {}.",
            n1,
            r.pick(VERBS),
            count(r),
            region,
            r.pick(SOURCES)
        ),
        3 => format!(
            "\"We will {} the {} and the {},\" {} told reporters in {}.",
            r.pick(VERBS_PRESENT),
            n1,
            n2,
            r.pick(SUBJECTS).to_lowercase(),
            place
        ),
        4 => format!(
            "{} say the {} could {} {} ahead of the {} season.",
            r.pick(SUBJECTS),
            n1,
            r.pick(VERBS_PRESENT),
            n2,
            r.pick(&["monsoon", "winter", "harvest", "budget", "election"])
        ),
        5 => format!(
            "In {}, {} {} the {} {} as {} {} {}.",
            region,
            r.pick(SUBJECTS).to_lowercase(),
            r.pick(VERBS),
            adj,
            n1,
            r.pick(SUBJECTS).to_lowercase(),
            r.pick(VERBS),
            n2
        ),
        6 => format!(
            "The {} is worth {} rupees, and the {} of {} depends on it.",
            n1,
            count(r),
            n2,
            place
        ),
        7 => format!(
            "{} {} a {} {} on the {} in {}.",
            r.pick(SUBJECTS),
            r.pick(VERBS),
            adj,
            r.pick(&["inquiry", "plan", "ban", "deal", "review", "package"]),
            n1,
            region
        ),
        8 => format!(
            "It was the {} {} in {} this year, and {} more are {} next {}.",
            r.pick(&["second", "third", "fourth", "latest", "largest", "worst"]),
            n1,
            place,
            count(r),
            r.pick(&["expected", "planned", "feared", "likely"]),
            r.pick(MONTHS)
        ),
        9 => format!(
            "Talks between {} and {} on {} and {} ended without agreement, {}.",
            r.pick(REGIONS),
            region,
            n1,
            n2,
            r.pick(SOURCES)
        ),
        10 => format!(
            "{} of {} were {} in {} and {}.",
            cap(&count(r)),
            n1,
            r.pick(&["reported", "recorded", "seized", "stranded", "evacuated"]),
            place,
            r.pick(PLACES)
        ),
        _ => format!(
            "The {} {} said the {} would be {} by {}.",
            r.pick(&["state", "provincial", "federal", "district", "city"]),
            r.pick(&["government", "authority", "administration", "council"]),
            n1,
            r.pick(&["completed", "reviewed", "extended", "cleared", "announced"]),
            r.pick(MONTHS)
        ),
    }
}

/// A headline.
pub fn headline(r: &mut Rng) -> String {
    let place = r.pick_skewed(PLACES);
    let n1 = r.pick_skewed(NOUNS);
    let n2 = r.pick_skewed(NOUNS);
    let subj = r
        .pick(SUBJECTS)
        .trim_start_matches("The ")
        .trim_start_matches("A ")
        .to_string();
    match r.below(6) {
        0 => format!(
            "{place}: {} {} {n1} {} {n2}",
            cap(&subj),
            r.pick(VERBS_PRESENT),
            r.pick(&["amid", "after", "over", "despite"])
        ),
        1 => format!(
            "{} {n1} {} {} in {place}",
            cap(r.pick(ADJECTIVES)),
            r.pick(&["hits", "grips", "sparks", "shakes", "halts"]),
            n2
        ),
        2 => format!(
            "{} to {} {n1} as {n2} {}",
            cap(&subj),
            r.pick(VERBS_PRESENT),
            r.pick(&["rises", "falls", "stalls", "surges", "worsens"])
        ),
        3 => format!(
            "{}: {} {} of {n1}, {n2}",
            r.pick(REGIONS),
            count(r),
            r.pick(&["hit", "affected", "displaced", "arrested", "killed"])
        ),
        4 => format!("Why {place}'s {n1} {} matters for {}", n2, r.pick(REGIONS)),
        _ => format!(
            "{} {} {} in {place}",
            cap(n1),
            r.pick(&["talks", "row", "plan", "crisis", "push", "deal"]),
            r.pick(&["collapse", "resume", "widen", "stall", "advance"])
        ),
    }
}

/// An article: a headline and 100–300 words in two to four paragraphs.
#[derive(Debug, Clone)]
pub struct Story {
    /// Headline.
    pub title: String,
    /// Paragraphs of plain text.
    pub paragraphs: Vec<String>,
}

impl Story {
    /// A story from its own generator.
    pub fn generate(r: &mut Rng, ceasefire: bool) -> Story {
        let words = r.range(100, 300);
        let mut title = headline(r);
        if ceasefire {
            title = match r.below(4) {
                0 => "India, Pakistan agree to ceasefire along Line of Control".to_string(),
                1 => format!(
                    "Ceasefire holds in {} as India and Pakistan pull back",
                    r.pick(&["Kashmir", "Poonch", "Neelum valley", "Jammu"])
                ),
                2 => "Pakistan accuses India of ceasefire violation hours after truce".to_string(),
                _ => format!(
                    "{}: what the India–Pakistan ceasefire means",
                    r.pick(PLACES)
                ),
            };
        }
        let mut sentences = Vec::new();
        let mut n = 0;
        let mut bound = 0;
        while n < words && bound < 200 {
            bound += 1;
            let s = if ceasefire && (sentences.is_empty() || r.chance(0.35)) {
                r.pick(CEASEFIRE).to_string()
            } else {
                sentence(r)
            };
            n += s.split_whitespace().count();
            sentences.push(s);
        }
        let paras = r.range(2, 4).min(sentences.len());
        let per = sentences.len().div_ceil(paras);
        let paragraphs = sentences.chunks(per).map(|c| c.join(" ")).collect();
        Story { title, paragraphs }
    }

    /// The body as plain text, paragraphs separated by blank lines.
    pub fn text(&self) -> String {
        self.paragraphs.join("\n\n")
    }

    /// The body as HTML paragraphs.
    pub fn html(&self) -> String {
        let mut s = String::new();
        for p in &self.paragraphs {
            let _ = write!(s, "<p>{}</p>", escape(p));
        }
        s
    }
}

/// Escapes text for XML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One item of one feed, with everything a feed file says about it.
#[derive(Debug, Clone)]
pub struct Item {
    /// The story.
    pub story: Story,
    /// Link.
    pub link: String,
    /// Guid (RSS) or id (Atom).
    pub guid: String,
    /// Publication time.
    pub published: DateTime<Utc>,
}

/// When the newest item of the corpus was published (fixed, so files never change).
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 5, 12, 12, 0, 0)
        .single()
        .expect("valid date")
}

/// Item `k` of feed `f`.
pub fn item(seed: u64, f: usize, k: usize) -> Item {
    let mut r = Rng::derive(seed, &[1, f as u64, k as u64]);
    let published = epoch() - Duration::minutes((k * 41 + f * 7 % 40 + r.below(30)) as i64);
    if r.chance(0.02) {
        // A wire story many outlets carry: same link, same text.
        let w = r.below(500) as u64;
        let mut wr = Rng::derive(seed, &[2, w]);
        let ceasefire = wr.chance(0.05);
        let story = Story::generate(&mut wr, ceasefire);
        return Item {
            story,
            link: format!("https://wire.example.com/story/{w}"),
            guid: format!("https://wire.example.com/story/{w}"),
            published,
        };
    }
    let ceasefire = r.chance(0.03);
    let story = Story::generate(&mut r, ceasefire);
    let slug: String = story
        .title
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("-");
    let link = format!(
        "https://news{f}.example.com/{}/{slug}-{f}-{k}",
        published.format("%Y/%m/%d")
    );
    let guid = if k % 2 == 0 {
        link.clone()
    } else {
        format!("tag:news{f}.example.com,2025:{f}-{k}")
    };
    Item {
        story,
        link,
        guid,
        published,
    }
}

/// Whether feed `f` is Atom (one in three) or RSS 2.0.
pub fn is_atom(f: usize) -> bool {
    f % 3 == 2
}

/// Subscribes `store` to the first `feeds` feeds of the corpus (as served on 127.0.0.1);
/// their ids, in order.
pub fn subscribe(
    store: &wirewatch::store::Store,
    feeds: usize,
    seed: u64,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<wirewatch::model::FeedId>> {
    let mut ids = Vec::with_capacity(feeds);
    for f in 0..feeds {
        let (feed, _) = store.add_feed(
            &wirewatch::store::NewFeed {
                url: format!("http://127.0.0.1/{}", file_name(f)),
                title: Some(feed_title(seed, f)),
                site_url: None,
                folder: None,
            },
            now,
            900,
        )?;
        ids.push(feed.id);
    }
    Ok(ids)
}

/// Stores the first `n` generated rules in `store`, so the alerts of a poll can refer to them
/// (in a fresh database they get the ids 1, 2, … that [`compile`] gives them).
pub fn store_rules(
    store: &wirewatch::store::Store,
    seed: u64,
    n: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for r in rules(seed, n) {
        store.add_rule(
            &wirewatch::model::RuleDraft {
                name: r.name,
                query: r.query,
                scope: wirewatch::model::RuleScope::default(),
                notify: true,
                muted: false,
                renotify_outlets: None,
            },
            now,
        )?;
    }
    Ok(())
}

/// The file name of feed `f`.
pub fn file_name(f: usize) -> String {
    format!("f{f:05}.{}", if is_atom(f) { "atom" } else { "rss" })
}

/// The feed's title.
pub fn feed_title(seed: u64, f: usize) -> String {
    let mut r = Rng::derive(seed, &[3, f as u64]);
    format!(
        "The {} {} — {}",
        r.pick(PLACES),
        r.pick(OUTLETS),
        r.pick(SECTIONS)
    )
}

/// The whole document of feed `f` with `k` items.
pub fn feed_document(seed: u64, f: usize, k: usize) -> String {
    let title = escape(&feed_title(seed, f));
    let site = format!("https://news{f}.example.com/");
    let mut out = String::with_capacity(k * 2200);
    let items: Vec<Item> = (0..k).map(|i| item(seed, f, i)).collect();
    if is_atom(f) {
        let updated = items.first().map(|i| i.published).unwrap_or_else(epoch);
        let _ = write!(
            out,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>{title}</title>\n<link href=\"{site}\"/>\n<id>{site}</id>\n<updated>{}</updated>\n",
            updated.to_rfc3339()
        );
        for it in &items {
            let _ = write!(
                out,
                "<entry>\n<title>{}</title>\n<link rel=\"alternate\" href=\"{}\"/>\n<id>{}</id>\n<published>{}</published>\n<updated>{}</updated>\n<author><name>Staff Reporter</name></author>\n<summary>{}</summary>\n<content type=\"html\">{}</content>\n</entry>\n",
                escape(&it.story.title),
                escape(&it.link),
                escape(&it.guid),
                it.published.to_rfc3339(),
                it.published.to_rfc3339(),
                escape(&it.story.paragraphs[0]),
                escape(&it.story.html()),
            );
        }
        out.push_str("</feed>\n");
    } else {
        let _ = write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n<channel>\n<title>{title}</title>\n<link>{site}</link>\n<description>News from South Asia</description>\n<language>en</language>\n"
        );
        for it in &items {
            let permalink = it.guid == it.link;
            let _ = write!(
                out,
                "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"{}\">{}</guid>\n<pubDate>{}</pubDate>\n<description>{}</description>\n</item>\n",
                escape(&it.story.title),
                escape(&it.link),
                permalink,
                escape(&it.guid),
                it.published.to_rfc2822(),
                escape(&it.story.html()),
            );
        }
        out.push_str("</channel>\n</rss>\n");
    }
    out
}

/// One clause of a generated rule.
#[derive(Debug, Clone)]
enum Clause {
    Word(String),
    Phrase(Vec<String>),
    Or(Vec<String>),
    Not(String),
    Prefix(String),
}

/// A generated rule, in Wirewatch's language and as an SQLite FTS5 query (for the peer).
#[derive(Debug, Clone)]
pub struct GeneratedRule {
    /// Name.
    pub name: String,
    /// Wirewatch query.
    pub query: String,
    /// FTS5 MATCH expression with the same meaning (up to stemming).
    pub fts: String,
}

fn words_of(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split([' ', '-'])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A term: one word, or a phrase when the name has several words.
fn term(s: &str) -> Clause {
    let mut ws = words_of(s);
    if ws.len() == 1 {
        Clause::Word(ws.remove(0))
    } else {
        Clause::Phrase(ws)
    }
}

/// Generated rules compiled for the engine's matcher, with ids 1, 2, … in order.
pub fn compile(rules: &[GeneratedRule]) -> anyhow::Result<Vec<wirewatch::rules::CompiledRule>> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(wirewatch::rules::CompiledRule {
                id: i as i64 + 1,
                name: r.name.clone(),
                notify: true,
                query: wirewatch::rules::Query::parse(&r.query)
                    .map_err(|e| anyhow::anyhow!("{}: {e:?}", r.query))?,
                scope: wirewatch::model::RuleScope::default(),
            })
        })
        .collect()
}

/// Alert rules as a monitoring desk writes them: mostly people, organisations and places
/// with a topic, some OR groups, negations and prefixes, a few broad single words.
pub fn rules(seed: u64, n: usize) -> Vec<GeneratedRule> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut r = Rng::derive(seed, &[4, i as u64]);
        let mut title_only: Option<Clause> = None;
        let mut clauses: Vec<Clause> = if i == 0 {
            vec![
                Clause::Word("ceasefire".into()),
                Clause::Or(vec!["india".into(), "pakistan".into()]),
            ]
        } else {
            let person = format!("{} {}", r.pick(FIRST_NAMES), r.pick(LAST_NAMES));
            match r.below(100) {
                0..=29 => {
                    let mut c = vec![term(&person)];
                    if r.chance(0.5) {
                        c.push(term(r.pick(TOPICS)));
                    }
                    c
                }
                30..=49 => vec![
                    term(r.pick(ORGS)),
                    term(if r.chance(0.5) {
                        r.pick(TOPICS)
                    } else {
                        r.pick(NOUNS)
                    }),
                ],
                50..=61 => vec![term(r.pick(PLACES)), term(r.pick(TOPICS))],
                62..=71 => {
                    let k = r.range(2, 3);
                    let names: Vec<String> = (0..k)
                        .map(|_| {
                            if r.chance(0.5) {
                                r.pick(LAST_NAMES).to_lowercase()
                            } else {
                                r.pick(TOPICS).to_lowercase()
                            }
                        })
                        .filter(|w| !w.contains([' ', '-']))
                        .collect();
                    let first = match names.len() {
                        0 => Clause::Word("ceasefire".into()),
                        1 => Clause::Word(names[0].clone()),
                        _ => Clause::Or(names),
                    };
                    vec![first, term(r.pick(PLACES))]
                }
                72..=79 => {
                    let long: Vec<&str> = TOPICS
                        .iter()
                        .chain(NOUNS)
                        .copied()
                        .filter(|w| w.len() >= 7 && !w.contains([' ', '-']))
                        .collect();
                    let w = r.pick(&long).to_lowercase();
                    let len = r.range(4, 6).min(w.len());
                    vec![Clause::Prefix(w[..len].to_string()), term(r.pick(REGIONS))]
                }
                80..=87 => vec![
                    term(r.pick(REGIONS)),
                    term(r.pick(TOPICS)),
                    term(r.pick(NOUNS)),
                ],
                88..=94 => vec![term(r.pick(TOPICS))],
                _ => {
                    title_only = Some(term(r.pick(TOPICS)));
                    vec![term(r.pick(REGIONS))]
                }
            }
        };
        if i > 0 && r.chance(0.15) {
            clauses.push(Clause::Not(r.pick(NOUNS).to_lowercase()));
        }
        let title_query = title_only.as_ref().map(|c| match c {
            Clause::Word(w) => format!("title:{w}"),
            Clause::Phrase(ws) => format!("title:\"{}\"", ws.join(" ")),
            _ => String::new(),
        });
        let title_fts = title_only.as_ref().map(|c| match c {
            Clause::Word(w) => format!("title : \"{w}\""),
            Clause::Phrase(ws) => format!("title : \"{}\"", ws.join(" ")),
            _ => String::new(),
        });
        let query = clauses
            .iter()
            .map(|c| match c {
                Clause::Word(w) => w.clone(),
                Clause::Phrase(ws) => format!("\"{}\"", ws.join(" ")),
                Clause::Or(ws) => format!("({})", ws.join(" OR ")),
                Clause::Not(w) => format!("-{w}"),
                Clause::Prefix(p) => format!("{p}*"),
            })
            .collect::<Vec<_>>();
        let query = title_query
            .into_iter()
            .chain(query)
            .collect::<Vec<_>>()
            .join(" ");
        let positive: Vec<String> = clauses
            .iter()
            .filter_map(|c| match c {
                Clause::Word(w) => Some(format!("\"{w}\"")),
                Clause::Phrase(ws) => Some(format!("\"{}\"", ws.join(" "))),
                Clause::Or(ws) => Some(format!(
                    "({})",
                    ws.iter()
                        .map(|w| format!("\"{w}\""))
                        .collect::<Vec<_>>()
                        .join(" OR ")
                )),
                Clause::Prefix(p) => Some(format!("\"{p}\"*")),
                Clause::Not(_) => None,
            })
            .collect();
        let mut fts = title_fts
            .into_iter()
            .chain(positive)
            .collect::<Vec<_>>()
            .join(" AND ");
        for c in &clauses {
            if let Clause::Not(w) = c {
                let _ = write!(fts, " NOT \"{w}\"");
            }
        }
        out.push(GeneratedRule {
            name: format!("rule {i}"),
            query,
            fts,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_feed() {
        assert_eq!(
            feed_document(7, 3, 5),
            feed_document(7, 3, 5),
            "generation must be deterministic"
        );
        assert_ne!(
            feed_document(7, 3, 5),
            feed_document(8, 3, 5),
            "the seed must matter"
        );
    }

    #[test]
    fn bodies_are_100_to_300_words() {
        for k in 0..200 {
            let it = item(1, 0, k);
            let n = it.story.text().split_whitespace().count();
            assert!((100..=360).contains(&n), "item {k} has {n} words");
        }
    }

    #[test]
    fn every_generated_rule_parses() {
        for r in rules(1, 2000) {
            assert!(
                wirewatch::rules::Query::parse(&r.query).is_ok(),
                "rule does not parse: {}",
                r.query
            );
        }
    }
}
