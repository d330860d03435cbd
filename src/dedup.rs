//! Dedup: the third stage. Decides whether an entry is an article we already have.
//!
//! (interface only; to be implemented)

/// The URL with tracking parameters (utm_*, fbclid, gclid, ...), fragment, default port and
/// case differences in scheme/host removed, so one story linked two ways compares equal.
pub fn canonical_url(url: &str) -> Option<String> {
    let _ = url;
    todo!()
}

/// A hash of title and text, to recognise an entry that has neither guid nor link.
pub fn content_hash(title: &str, text: &str) -> String {
    let _ = (title, text);
    todo!()
}
