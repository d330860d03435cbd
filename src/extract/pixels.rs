//! Tracking pixels: images that exist to report a reading, not to be seen.
//!
//! An image is a pixel when it declares a width or height of at most one pixel, or when its
//! address is a known counter's (analytics and ad-measurement hosts, `/pixel` paths). They are
//! dropped from the sanitised HTML before it is stored, so opening an archived article never
//! calls home. The input is the sanitiser's output, a regular language (lowercase tags,
//! double-quoted attributes), so the `<img>` tags are found by scanning, not by parsing again.

use std::borrow::Cow;

/// Address parts of counters, matched against the lowercased `src`.
const TRACKERS: &[&str] = &[
    "doubleclick.net",
    "google-analytics.com",
    "googletagmanager.com",
    "scorecardresearch.com",
    "quantserve.com",
    "chartbeat.net",
    "facebook.com/tr",
    "pixel.wp.com",
    "stats.wp.com",
    "feedburner.com/~r/",
    "/pixel.",
    "/pixel/",
    "/beacon",
    "/b/ss/",
];

/// Sanitised HTML without its tracking pixels; borrowed when there are none.
pub fn without_tracking_pixels(html: &str) -> String {
    strip(html).into_owned()
}

fn strip(html: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut from = 0;
    while let Some(at) = html[from..].find("<img") {
        let start = from + at;
        let Some(len) = html[start..].find('>') else {
            break;
        };
        let end = start + len + 1;
        if is_pixel(&html[start..end]) {
            let out = out.get_or_insert_with(|| String::with_capacity(html.len()));
            out.push_str(&html[copied..start]);
            copied = end;
        }
        from = end;
    }
    match out {
        Some(mut out) => {
            out.push_str(&html[copied..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(html),
    }
}

/// Whether one `<img …>` tag is a tracking pixel.
fn is_pixel(tag: &str) -> bool {
    let tiny = |name| {
        attribute(tag, name).is_some_and(|v| {
            let digits = v.trim().trim_end_matches("px");
            digits.parse::<f32>().is_ok_and(|n| n <= 1.0)
        })
    };
    if tiny("width") || tiny("height") {
        return true;
    }
    attribute(tag, "src").is_some_and(|src| {
        let src = src.to_ascii_lowercase();
        TRACKERS.iter().any(|t| src.contains(t))
    })
}

/// The value of a double-quoted attribute in a tag the sanitiser wrote.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(at) = tag[from..].find(name) {
        let start = from + at;
        let before = tag[..start].chars().next_back();
        let rest = &tag[start + name.len()..];
        if before.is_some_and(char::is_whitespace) {
            if let Some(value) = rest.strip_prefix("=\"") {
                return value.find('"').map(|end| &value[..end]);
            }
        }
        from = start + name.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_pixel_image_is_dropped_and_a_photo_kept() {
        let html = "<p>Talks resumed.</p><img src=\"https://cdn.example.com/photo.jpg\" \
            width=\"800\" height=\"450\"><img src=\"https://stats.example.com/c.gif?id=9\" \
            width=\"1\" height=\"1\"><p>End.</p>";
        let out = without_tracking_pixels(html);
        assert!(out.contains("photo.jpg"), "the photo stays: {out}");
        assert!(!out.contains("c.gif"), "the pixel goes: {out}");
        assert!(
            out.contains("<p>Talks resumed.</p>") && out.ends_with("<p>End.</p>"),
            "{out}"
        );
    }

    #[test]
    fn a_counter_address_is_dropped_whatever_its_size() {
        let html = "<img src=\"https://sb.scorecardresearch.com/p?c1=2\"><img src=\"/b/ss/x\">\
            <img src=\"https://www.facebook.com/tr?id=1&amp;ev=PageView\">";
        assert_eq!(without_tracking_pixels(html), "");
    }

    #[test]
    fn html_without_pixels_is_unchanged() {
        let html = "<p>A <a href=\"https://example.com/pixel-art\">pixel art</a> show.</p>\
            <img src=\"https://example.com/a.png\" width=\"10\">";
        assert_eq!(without_tracking_pixels(html), html);
        assert!(matches!(strip(html), Cow::Borrowed(_)));
    }
}
