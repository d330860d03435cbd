//! `extract-eval`: scores full-text extraction against a labelled corpus (BENCHMARKS.md,
//! "Full-text extraction"; `bench/extract/run` drives it).
//!
//! A corpus is a folder of pages: `X.html` (the page as served), `X.txt` (the expected main
//! text) and `X.url` (its address). Subcommands:
//! 1. `run CORPUS OUT` extracts every page with Wirewatch's `extract` stage, writes the text to
//!    `OUT/X.txt` and prints the pages per second of extraction alone;
//! 2. `score CORPUS OUT` compares every `OUT/X.txt` with `CORPUS/X.txt` and prints precision,
//!    recall and F1 (mean and median), over the whole corpus and per set (the name's prefix
//!    up to its first `-`).
//!
//! The score counts word shingles: each text is cut into lowercased words (runs of letters
//! and digits), and every three consecutive words make one shingle. Shingles are a multiset,
//! so a paragraph extracted twice is not free, and order matters only locally, so a caption
//! moved elsewhere costs little. Precision is the share of the extracted shingles that the
//! expected text has, recall the share of the expected shingles that were extracted.

use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Words per shingle.
const SHINGLE: usize = 3;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["run", corpus, out] => run(Path::new(corpus), Path::new(out)),
        ["score", corpus, out] => score(Path::new(corpus), Path::new(out)),
        _ => bail!("usage: extract-eval run CORPUS OUT | extract-eval score CORPUS OUT"),
    }
}

/// The pages of a corpus, by name, sorted.
fn page_names(corpus: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(corpus)
        .with_context(|| format!("reading {}", corpus.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    Ok(names)
}

fn run(corpus: &Path, out: &Path) -> Result<()> {
    let names = page_names(corpus)?;
    let mut pages = Vec::with_capacity(names.len());
    for name in &names {
        let bytes = std::fs::read(corpus.join(format!("{name}.html")))?;
        let url = std::fs::read_to_string(corpus.join(format!("{name}.url"))).unwrap_or_default();
        let url = url::Url::parse(url.trim())
            .or_else(|_| url::Url::parse("http://localhost/"))
            .context("fallback URL")?;
        pages.push((bytes, url));
    }
    let mut texts = Vec::with_capacity(pages.len());
    let mut failures = 0;
    let start = Instant::now();
    for (bytes, url) in &pages {
        match wirewatch::extract::extract_bytes(bytes, Some("text/html"), url) {
            Ok(page) => texts.push(page.text),
            Err(_) => {
                failures += 1;
                texts.push(String::new());
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    std::fs::create_dir_all(out)?;
    for (name, text) in names.iter().zip(&texts) {
        std::fs::write(out.join(format!("{name}.txt")), text)?;
    }
    println!(
        "wirewatch: {} pages in {elapsed:.2} s, {:.1} pages/s, {failures} failed",
        names.len(),
        names.len() as f64 / elapsed
    );
    Ok(())
}

/// Precision, recall and F1 of one page.
#[derive(Debug, Clone, Copy)]
struct Score {
    precision: f64,
    recall: f64,
    f1: f64,
}

fn score(corpus: &Path, out: &Path) -> Result<()> {
    let mut sets: Vec<(String, Vec<Score>)> = vec![("all".into(), Vec::new())];
    for name in page_names(corpus)? {
        let expected = std::fs::read_to_string(corpus.join(format!("{name}.txt")))?;
        let path: PathBuf = out.join(format!("{name}.txt"));
        let extracted = std::fs::read_to_string(&path).unwrap_or_default();
        let s = page_score(&expected, &extracted);
        let set = name.split('-').next().unwrap_or("").to_owned();
        match sets.iter_mut().find(|(n, _)| *n == set) {
            Some((_, scores)) => scores.push(s),
            None => sets.push((set, vec![s])),
        }
        sets[0].1.push(s);
    }
    println!("| set | pages | F1 mean | F1 median | precision | recall |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (set, scores) in &sets {
        let mean = |f: fn(&Score) -> f64| scores.iter().map(f).sum::<f64>() / scores.len() as f64;
        let mut f1s: Vec<f64> = scores.iter().map(|s| s.f1).collect();
        f1s.sort_by(f64::total_cmp);
        let median = match f1s.len() {
            0 => 0.0,
            n if n % 2 == 1 => f1s[n / 2],
            n => (f1s[n / 2 - 1] + f1s[n / 2]) / 2.0,
        };
        println!(
            "| {set} | {} | {:.3} | {median:.3} | {:.3} | {:.3} |",
            scores.len(),
            mean(|s| s.f1),
            mean(|s| s.precision),
            mean(|s| s.recall),
        );
    }
    Ok(())
}

/// Scores one extraction against its expected text.
fn page_score(expected: &str, extracted: &str) -> Score {
    let want = shingles(expected);
    let got = shingles(extracted);
    let want_total: usize = want.values().sum();
    let got_total: usize = got.values().sum();
    if want_total == 0 || got_total == 0 {
        // Nothing expected and nothing found is right; either alone is wholly wrong.
        let right = f64::from(u8::from(want_total == got_total));
        return Score {
            precision: right,
            recall: right,
            f1: right,
        };
    }
    let common: usize = got
        .iter()
        .map(|(s, n)| (*n).min(*want.get(s).unwrap_or(&0)))
        .sum();
    let precision = common as f64 / got_total as f64;
    let recall = common as f64 / want_total as f64;
    let f1 = if common == 0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Score {
        precision,
        recall,
        f1,
    }
}

/// The multiset of word shingles of a text; a text shorter than a shingle is one shingle.
fn shingles(text: &str) -> HashMap<Vec<String>, usize> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut out = HashMap::new();
    if words.is_empty() {
        return out;
    }
    if words.len() < SHINGLE {
        out.insert(words, 1);
        return out;
    }
    for window in words.windows(SHINGLE) {
        *out.entry(window.to_vec()).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_score_one_whatever_the_case_and_punctuation() {
        let s = page_score(
            "The quick brown fox. It jumps!",
            "the quick, brown fox it jumps",
        );
        assert!(
            (s.f1 - 1.0).abs() < 1e-9,
            "same words in the same order: {s:?}"
        );
    }

    #[test]
    fn extra_boilerplate_lowers_precision_not_recall() {
        let s = page_score("one two three four", "menu home one two three four");
        assert!(
            (s.recall - 1.0).abs() < 1e-9,
            "every expected shingle found: {s:?}"
        );
        assert!(
            (s.precision - 0.5).abs() < 1e-9,
            "2 of 4 extracted shingles expected: {s:?}"
        );
    }

    #[test]
    fn a_paragraph_extracted_twice_counts_once() {
        let s = page_score("a b c", "a b c a b c");
        assert!(
            s.precision < 0.5,
            "the repeated shingles are not expected: {s:?}"
        );
        assert!((s.recall - 1.0).abs() < 1e-9, "{s:?}");
    }

    #[test]
    fn an_empty_extraction_scores_zero_and_two_empties_one() {
        assert_eq!(page_score("some text here", "").f1, 0.0);
        assert_eq!(page_score("", "").f1, 1.0);
    }
}
