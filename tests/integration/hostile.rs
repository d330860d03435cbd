//! Hostile servers and hostile documents.

use std::time::Instant;

/// A valid RSS document of `n` tiny entries (about 40 bytes each).
fn huge_feed(n: usize) -> String {
    let mut out = String::with_capacity(n * 48 + 200);
    out.push_str(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>huge</title>\
         <link>https://news.example.org/</link><description>d</description>\n",
    );
    for i in 0..n {
        out.push_str(&format!(
            "<item><guid>h{i}</guid><title>H{i}</title></item>\n"
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

#[test]
fn the_entry_cap_applies_before_entries_are_converted() {
    // Regression: the cap used to be applied after every entry had been sanitised and
    // converted, so a feed of 100,000 entries cost 100,000 sanitiser runs to keep 300.
    let doc = huge_feed(20_000);
    let started = Instant::now();
    let capped =
        wirewatch::decode::decode_limited(doc.as_bytes(), None, "https://example.org/", 10)
            .unwrap();
    let capped_time = started.elapsed();
    assert_eq!(capped.entries.len(), 10);
    assert_eq!(
        capped.entries[9].title, "H9",
        "the first entries in document order"
    );
    let started = Instant::now();
    let full = wirewatch::decode::decode(doc.as_bytes(), None, "https://example.org/").unwrap();
    let full_time = started.elapsed();
    assert_eq!(full.entries.len(), 20_000);
    eprintln!("capped decode {capped_time:?}, full decode {full_time:?}");
}
