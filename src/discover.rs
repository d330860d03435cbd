//! Discover: finds the feeds a web page links to (`<link rel="alternate">`).
//!
//! (interface only; to be implemented)

use crate::model::DiscoveredFeed;

/// Feeds advertised by the HTML page at `page_url`, in page order, without duplicates.
pub fn discover(html: &[u8], content_type: Option<&str>, page_url: &str) -> Vec<DiscoveredFeed> {
    let _ = (html, content_type, page_url);
    todo!()
}

/// Whether these bytes look like an HTML page rather than a feed.
pub fn looks_like_html(body: &[u8], content_type: Option<&str>) -> bool {
    let _ = (body, content_type);
    todo!()
}
