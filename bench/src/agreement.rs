//! `decode-corpus`: decodes every file of a folder of feed documents, in path order, and
//! prints one JSON line per file with what a poll would keep (feed title, entries with
//! title, link and id) or the error. `bench/agreement.py` compares these lines with a
//! reference reader's.
//!
//! Each document is decoded as if served from `https://corpus.example.org/<path>` with no
//! `Content-Type`, so relative links resolve the same way for both readers.

use std::path::{Path, PathBuf};

/// Prints the decoding of every file under `dir`.
pub fn run(dir: &Path) -> anyhow::Result<()> {
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    files.sort();
    for path in files {
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let body = std::fs::read(&path)?;
        let url = format!("https://corpus.example.org/{rel}");
        let line = match wirewatch::decode::decode(&body, None, &url) {
            Ok(doc) => serde_json::json!({
                "file": rel,
                "ok": true,
                "title": doc.title,
                "link": doc.site_url,
                "entries": doc.entries.iter().map(|e| serde_json::json!({
                    // The feed's own title: empty when it gave none.
                    "title": if e.title_from_text { "" } else { e.title.as_str() },
                    "link": e.url,
                    "id": e.guid,
                })).collect::<Vec<_>>(),
                "recovered": doc.recovered.as_ref().map(|r| r.cut_at),
                "skipped": doc.skipped.iter().map(|s| &s.reason).collect::<Vec<_>>(),
            }),
            Err(e) => serde_json::json!({ "file": rel, "ok": false, "error": e.to_string() }),
        };
        println!("{line}");
    }
    Ok(())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
