//! The fuzz targets without a fuzzer: every input of `fuzz/corpus/<target>/` is replayed, then
//! a bounded stream of seeded random mutations of them, through the same functions cargo-fuzz
//! runs (`fuzz/src/lib.rs`). Inputs that once crashed a target are kept here as regression
//! tests. See `fuzz/README.md` for running the real fuzzers.

#[path = "../../fuzz/src/lib.rs"]
pub(crate) mod targets;

use std::path::PathBuf;

/// Mutated inputs tried per target on each run of the suite.
const MUTATIONS: usize = 1500;

/// Fragments worth splicing in: the syntax each target cares about.
const TOKENS: &[&str] = &[
    "<script>",
    "</script>",
    "javascript:",
    "&#58;",
    "&colon;",
    "]]>",
    "<![CDATA[",
    "<!--",
    "onerror=",
    "<a href=\"",
    "<img src=x ",
    "<svg>",
    "<title>",
    "<noscript>",
    "\"",
    "'",
    "(",
    ")",
    " OR ",
    " AND ",
    " NOT ",
    "-",
    "*",
    "NEAR(",
    "title:",
    "feed:",
    "<outline xmlUrl=\"",
    "<outline text=\"f\">",
    "</outline>",
    "<item>",
    "</item>",
    "<entry>",
    "<?xml version=\"1.0\" encoding=\"utf-16\"?>",
    "\u{0}",
    "\u{feff}",
    "&amp;",
    "&",
    "\u{0645}\u{0630}\u{0627}\u{06a9}\u{0631}\u{0627}\u{062a}",
];

/// A small seeded generator (xorshift), so a failure can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} has seeds", dir.display());
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(6) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 => data.insert(at, rng.next() as u8),
            2 if at < data.len() => {
                let end = (at + 1 + rng.below(64)).min(data.len());
                data.drain(at..end);
            }
            3 if at < data.len() => {
                let end = (at + 1 + rng.below(256)).min(data.len());
                let copy = data[at..end].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, copy);
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len());
                let end = (from + rng.below(512)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                data.splice(at..at, token.iter().copied());
            }
        }
    }
    data
}

/// Runs `check` on `data`; on a panic, saves the input and says how to replay it.
fn run(target: &str, check: fn(&[u8]), data: &[u8], origin: &str) {
    if let Err(panic) = std::panic::catch_unwind(|| check(data)) {
        let path = std::env::temp_dir().join(format!("wirewatch-{target}-crash.bin"));
        let _ = std::fs::write(&path, data);
        eprintln!(
            "{target} failed on {origin}; input saved to {} ({} bytes): {:?}",
            path.display(),
            data.len(),
            String::from_utf8_lossy(&data[..data.len().min(400)])
        );
        std::panic::resume_unwind(panic);
    }
}

fn replay(target: &str, check: fn(&[u8]), seed: u64) {
    let seeds = corpus(target);
    for (i, data) in seeds.iter().enumerate() {
        run(target, check, data, &format!("corpus file #{i}"));
    }
    let seed = std::env::var("WIREWATCH_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(seed);
    let mut rng = Rng(seed);
    for i in 0..MUTATIONS {
        let data = mutate(&mut rng, &seeds);
        run(
            target,
            check,
            &data,
            &format!("mutation {i} of seed {seed} (WIREWATCH_FUZZ_SEED)"),
        );
    }
}

#[test]
fn decode_survives_its_corpus_and_mutations() {
    replay("decode", targets::decode, 0xdec0de);
}

#[test]
fn sanitize_survives_its_corpus_and_mutations() {
    replay("sanitize", targets::sanitize, 0x5a1e);
}

#[test]
fn date_survives_its_corpus_and_mutations() {
    replay("date", targets::date, 0xda7e);
}

#[test]
fn title_survives_its_corpus_and_mutations() {
    replay("title", targets::title, 0x717e);
}

#[test]
fn query_survives_its_corpus_and_mutations() {
    replay("query", targets::query, 0x9e77);
}

#[test]
fn opml_survives_its_corpus_and_mutations() {
    replay("opml", targets::opml, 0x0b31);
}

#[test]
fn the_fuzz_oracles_fail_on_what_they_guard_against() {
    for bad in [
        "<script>x</script>",
        "<img src=\"a.png\" onerror=\"x\">",
        "<a href=\"javascript:x\" rel=\"noopener noreferrer\">a</a>",
        "<a href=\"https://e.example/\">a</a>",
        "<iframe></iframe>",
    ] {
        assert!(
            std::panic::catch_unwind(|| targets::check_html(bad)).is_err(),
            "check_html let {bad:?} through"
        );
    }
    targets::check_html("<p><a href=\"https://e.example/\" rel=\"noopener noreferrer\">a</a></p>");
    assert!(std::panic::catch_unwind(|| targets::check_url(Some("javascript:x"))).is_err());
}

#[test]
fn regression_a_zone_offset_cut_inside_a_character_is_refused_not_a_panic() {
    // Found by the decode target: a four-byte numeric zone after the sign, "+0" then a
    // three-byte character, was cut after its second byte to read hours and minutes, inside
    // the character, and decoding the feed panicked.
    let feed = "<rss version=\"2.0\"><channel><title>t</title><item><guid>g</guid>\
                <title>Item</title><pubDate>Tue, 13 May 2025 07:00:00 +0\u{feff}</pubDate>\
                </item></channel></rss>";
    let mut data = vec![0u8];
    data.extend_from_slice(feed.as_bytes());
    targets::decode(&data);
    for zone in ["+0\u{feff}", "+\u{feff}0", "-\u{e9}\u{e9}"] {
        assert_eq!(
            wirewatch::decode::parse_date(&format!("Tue, 13 May 2025 07:00:00 {zone}")),
            None,
            "{zone:?}"
        );
    }
    // Through the "GMT+hh" path too, where the date reads as GMT.
    assert!(wirewatch::decode::parse_date("Tue, 13 May 2025 07:00:00 GMT+0\u{feff}").is_some());
    assert!(wirewatch::decode::parse_date("Tue, 13 May 2025 07:00:00 +0530").is_some());
}

#[test]
fn regression_a_group_that_only_excludes_is_refused_not_sent_to_sqlite() {
    // Found by the query target: a group under NOT that only excluded words, like
    // "a NOT (-c -d)", was accepted, and its FTS5 translation held an empty "()" that SQLite
    // rejects, so searching or testing such a rule failed with a database error.
    let found = b"((a KR b) AND NOT (c OR NE (\xa9c OR -NE\x01\0\0\0\0\0\0\x02*\xeeYb AND NOT 0c \
                  OR a) AND NOT (\xdb\x8cOR >da4)))";
    targets::query(found);
    for q in [
        "a NOT (-c -d)",
        "a -(b OR (-c -d))",
        "a AND NOT (b OR (-c AND NOT d))",
        "a NOT (b OR -c)",
        "a (b OR -c)",
    ] {
        targets::query(q.as_bytes());
        let problem = wirewatch::rules::Query::parse(q).expect_err(q);
        assert!(
            problem.message.contains("only excludes"),
            "{q:?}: {problem:?}"
        );
    }
    for q in [
        "a NOT (b OR c)",
        "a NOT (b -c)",
        "a AND NOT NOT c",
        "(a -b) OR (c -d)",
    ] {
        targets::query(q.as_bytes());
        assert!(
            wirewatch::rules::Query::parse(q).is_ok(),
            "{q:?} is still valid"
        );
    }
}

#[test]
fn regression_many_exclusions_do_not_overflow_the_search_parser() {
    // Found by the query target: each excluded word nested the FTS5 expression one level
    // deeper, and past about a hundred SQLite's parser overflowed ("parser stack overflow"),
    // so a rule with a long exclusion list could not be searched or tested.
    let words: Vec<String> = (0..500).map(|i| format!("-noise{i}")).collect();
    let query = format!("ceasefire {}", words.join(" "));
    assert!(wirewatch::rules::Query::parse(&query).is_ok());
    targets::query(query.as_bytes());
    targets::query(&corpus_file("query", "many-exclusions"));
}

#[test]
fn regression_deeply_nested_queries_are_refused_not_a_stack_overflow() {
    // Found while minimising the fuzzer's finds: the parser recursed once per parenthesis,
    // NOT or field, so a pasted query of some ten thousand "(" aborted the whole process
    // with a stack overflow, and a few hundred levels overflowed SQLite's FTS5 parser.
    use wirewatch::rules::query::MAX_NESTING;
    let alternating = |depth: usize| {
        let mut q = String::from("z");
        for i in 0..depth {
            let op = if i % 2 == 0 { "OR" } else { "AND" };
            q = format!("w{i} {op} ({q})");
        }
        q
    };
    targets::query(alternating(MAX_NESTING).as_bytes());
    assert!(wirewatch::rules::Query::parse(&alternating(MAX_NESTING)).is_ok());
    for deep in [
        alternating(MAX_NESTING + 1),
        format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("a {}b", "NOT ".repeat(100_000)),
        format!("{}a", "title:".repeat(100_000)),
    ] {
        let Err(problem) = wirewatch::rules::Query::parse(&deep) else {
            panic!("accepted a query nested too deeply: {:?}", &deep[..80]);
        };
        assert!(problem.message.contains("nested too deeply"), "{problem:?}");
        targets::query(deep.as_bytes());
    }
}

fn corpus_file(target: &str, name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}
