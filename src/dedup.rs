//! Dedup keys: how the engine recognises an article it already has.
//!
//! The same story reaches us in many shapes. Feeds append campaign parameters to links
//! (`?utm_source=rss`), the same article is syndicated through several feeds with different
//! tracking tags, links switch between `http` and `https` or gain a `www.`, and some entries
//! have neither a guid nor a link at all. Storing each shape as a new article would flood the
//! archive and, worse, raise the same alert several times for one story.
//!
//! This module only computes comparison keys; it never rewrites what is stored or shown.
//! [`canonical_url`] turns a link into a key that is equal for two links to the same story,
//! and [`content_hash`] fingerprints title and text for entries without any usable link.
//! [`body_hash`] fingerprints a whole fetched document, so a feed served again byte for byte
//! (new validators, same body) is not decoded again.

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use url::{Host, Url};

/// Query parameters dropped from URLs by [`canonical_url`], compared case-insensitively.
///
/// They identify the campaign, share button or referrer that produced a link, never the
/// story itself, so two links that differ only in these point at the same article.
pub const TRACKING_PARAMS: &[&str] = &[
    // Ad click identifiers (Google, Facebook, Microsoft, Yandex, TikTok, Twitter, LinkedIn).
    "fbclid",
    "gclid",
    "gclsrc",
    "gbraid",
    "wbraid",
    "dclid",
    "msclkid",
    "yclid",
    "ttclid",
    "twclid",
    "li_fat_id",
    "igshid",
    // Mailing lists and analytics cookies passed in links (Mailchimp, Google, HubSpot).
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    // Share buttons and referrers.
    "ref",
    "ref_src",
    "ref_url",
    "share",
    "sr_share",
    "feature",
    "__twitter_impression",
    // Publishers' own campaign tags (Guardian, MSN, Yahoo, NYT, France 24, The Times, Alibaba).
    "cmp",
    "cmpid",
    "ocid",
    "ncid",
    "smid",
    "smtyp",
    "xtor",
    "ito",
    "spm",
    "tpcc",
    "wt.mc_id",
    // BBC and comScore tags.
    "at_medium",
    "at_campaign",
    "at_custom1",
    "at_custom2",
    "at_custom3",
    "at_custom4",
    "at_format",
    "at_link_id",
    "at_link_origin",
    "at_link_type",
    "at_ptr_name",
    "at_bbc_team",
    "ns_mchannel",
    "ns_source",
    "ns_campaign",
    "ns_linkname",
    "ns_fee",
    // Consent-wall redirects (Yahoo properties).
    "guccounter",
    "guce_referrer",
    "guce_referrer_sig",
];

/// Prefixes of query parameter names dropped by [`canonical_url`], compared case-insensitively:
/// Google Analytics (`utm_`), Matomo (`pk_`, `mtm_`), HubSpot ads (`hsa_`) and internal
/// tracking (`itm_`) all use whole families of names.
pub const TRACKING_PREFIXES: &[&str] = &["utm_", "pk_", "mtm_", "hsa_", "itm_"];

/// Whether a query parameter only tracks where a click came from.
fn is_tracking_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    TRACKING_PARAMS.contains(&name.as_str())
        || TRACKING_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The URL with tracking parameters (utm_*, fbclid, gclid, ...), fragment, default port and
/// case differences in scheme/host removed, so one story linked two ways compares equal.
///
/// The result is a comparison key, not a link to follow: `http` becomes `https`, a leading
/// `www.` and any credentials are dropped, the remaining query parameters are sorted, and a
/// trailing slash on a non-root path is removed. Returns `None` when `url` does not parse or
/// is not http(s); such links cannot identify an article.
pub fn canonical_url(url: &str) -> Option<String> {
    let mut u = Url::parse(url.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    // Sites serve the same page on both schemes; setting the scheme also drops a port that
    // has become the default one (http://host:443/ → https://host/).
    u.set_scheme("https").ok()?;

    // `url` has already lowercased and IDNA-encoded domain names; what remains is the `www.`
    // alias and a fully qualified trailing dot, neither of which names a different site.
    if let Some(Host::Domain(domain)) = u.host() {
        let trimmed = domain.trim_end_matches('.');
        let trimmed = match trimmed.strip_prefix("www.") {
            Some(rest) if !rest.is_empty() => rest,
            _ => trimmed,
        };
        if trimmed != domain && !trimmed.is_empty() {
            let trimmed = trimmed.to_string();
            u.set_host(Some(&trimmed)).ok()?;
        }
    }

    // Credentials never identify a story; fragments only scroll within one.
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_fragment(None);

    let mut params: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !is_tracking_param(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if params.is_empty() {
        u.set_query(None);
    } else {
        // Parameter order carries no meaning for the servers we see, but differs between
        // feeds that build the same link.
        params.sort();
        u.query_pairs_mut().clear().extend_pairs(params);
    }

    let path = u.path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed }.to_string();
        u.set_path(&trimmed);
    }

    Some(u.into())
}

/// A hash of title and text, to recognise an entry that has neither guid nor link.
///
/// Both parts are NFC-normalised, lowercased and have their whitespace collapsed first, so
/// re-wrapped or re-cased copies of the same entry hash alike. The result is the first 32
/// hex digits (128 bits) of the SHA-256 of `title + "\n" + text`: plenty to avoid accidental
/// collisions within one archive, and half the storage of the full digest.
pub fn content_hash(title: &str, text: &str) -> String {
    let mut hasher = Sha256::new();
    hash_normalised(&mut hasher, title);
    hasher.update(b"\n");
    hash_normalised(&mut hasher, text);
    let digest = hasher.finalize();
    hex(&digest[..16])
}

/// The SHA-256 of a fetched document's raw bytes, as 64 lowercase hex digits: equal for a
/// body served again unchanged, whatever its validators say.
pub fn body_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `bytes` as lowercase hex digits, two per byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Feeds `normalise_text(s)` to the hasher; ASCII text (already NFC) is normalised in one
/// pass over its bytes and hashed in one call.
fn hash_normalised(hasher: &mut Sha256, s: &str) {
    if !s.is_ascii() {
        hasher.update(normalise_text(s).as_bytes());
        return;
    }
    // Whitespace to spaces and letters to lower case, byte for byte and without branches, so
    // the loop runs many bytes at a time; decoded text seldom has runs of whitespace to
    // collapse (its blocks are separated by single line breaks).
    let mut out: Vec<u8> = s
        .bytes()
        .map(|b| {
            // The ASCII characters `char::is_whitespace` (and so `split_whitespace`) accepts.
            if b == b' ' || (b'\t'..=b'\r').contains(&b) {
                b' '
            } else {
                b.to_ascii_lowercase()
            }
        })
        .collect();
    let spaced = |w: &[u8]| w == b"  ";
    if out.first() == Some(&b' ') || out.last() == Some(&b' ') || out.windows(2).any(spaced) {
        collapse_spaces(&mut out);
    }
    hasher.update(&out);
}

/// Runs of spaces as one, none at either end.
fn collapse_spaces(bytes: &mut Vec<u8>) {
    let (mut kept, mut gap) = (0, false);
    for i in 0..bytes.len() {
        let b = bytes[i];
        if b == b' ' {
            gap = kept > 0;
            continue;
        }
        if gap {
            bytes[kept] = b' ';
            kept += 1;
            gap = false;
        }
        bytes[kept] = b;
        kept += 1;
    }
    bytes.truncate(kept);
}

/// NFC, lowercase, whitespace runs as one space, no leading or trailing whitespace.
fn normalise_text(s: &str) -> String {
    let lowered = s.nfc().collect::<String>().to_lowercase();
    lowered.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_fast_path_hashes_like_the_normalised_text() {
        for (title, text) in [
            ("  Ceasefire  HOLDS ", "Talks\tresume\x0b in\n\nDoha.  "),
            ("", ""),
            ("Zürich talks", "Café  CRÈME"),
            ("\x0c\rA\x0bB\x1fc ", " \u{a0}x"),
        ] {
            let input = format!("{}\n{}", normalise_text(title), normalise_text(text));
            let digest = Sha256::digest(input.as_bytes());
            let want: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(content_hash(title, text), want);
        }
    }

    #[test]
    fn ascii_fast_path_agrees_on_every_kind_of_whitespace_and_control() {
        // Deterministic pseudo-random ASCII strings, heavy on whitespace and controls.
        let alphabet: Vec<u8> = (0u8..128).collect();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2_000 {
            let len = (state % 40) as usize;
            let text: String = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let b = alphabet[(state % 128) as usize];
                    if state % 3 == 0 {
                        [b' ', b'\t', b'\n', 0x0b, 0x0c, b'\r'][(state % 6) as usize] as char
                    } else {
                        b as char
                    }
                })
                .collect();
            let want = Sha256::digest(format!("\n{}", normalise_text(&text)).as_bytes());
            let want: String = want[..16].iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(content_hash("", &text), want, "{text:?}");
        }
    }

    fn key(url: &str) -> String {
        canonical_url(url).unwrap_or_else(|| panic!("{url} should have a canonical form"))
    }

    #[test]
    fn http_and_https_links_to_one_story_compare_equal() {
        assert_eq!(
            key("http://example.com/story"),
            key("https://example.com/story"),
            "scheme must not matter"
        );
        assert_eq!(key("http://example.com/story"), "https://example.com/story");
    }

    #[test]
    fn host_case_and_www_prefix_are_ignored() {
        assert_eq!(
            key("https://WWW.Example.COM/Story"),
            "https://example.com/Story",
            "host lowercased and www. dropped, path case kept"
        );
        assert_eq!(
            key("https://example.com./story"),
            "https://example.com/story",
            "a trailing dot on the host is dropped"
        );
    }

    #[test]
    fn default_ports_are_dropped_but_other_ports_kept() {
        assert_eq!(key("http://example.com:80/a"), "https://example.com/a");
        assert_eq!(key("https://example.com:443/a"), "https://example.com/a");
        assert_eq!(
            key("http://example.com:443/a"),
            "https://example.com/a",
            "443 becomes the default port once the scheme is https"
        );
        assert_eq!(
            key("https://example.com:8443/a"),
            "https://example.com:8443/a"
        );
    }

    #[test]
    fn fragments_and_credentials_are_dropped() {
        assert_eq!(
            key("https://user:pw@example.com/a#comments"),
            "https://example.com/a"
        );
    }

    #[test]
    fn tracking_parameters_are_dropped_and_others_kept() {
        let tracked = "https://www.dawn.com/news/1900000?utm_source=rss&utm_medium=feed\
                       &fbclid=abc&gclid=x&id=7&mc_cid=1&_ga=2&ocid=msn&CMP=share_btn_tw";
        assert_eq!(
            key(tracked),
            "https://dawn.com/news/1900000?id=7",
            "only the id parameter identifies the story"
        );
        assert_eq!(
            key("https://example.com/a?at_medium=RSS&at_campaign=KARANGA&xtor=RSS-1&spm=a.b"),
            "https://example.com/a",
            "publisher campaign tags are tracking too"
        );
    }

    #[test]
    fn tracking_parameter_names_match_case_insensitively() {
        assert_eq!(
            key("https://example.com/a?UTM_Source=x&FBCLID=y"),
            "https://example.com/a"
        );
    }

    #[test]
    fn remaining_query_parameters_are_sorted() {
        assert_eq!(
            key("https://example.com/a?b=2&a=1"),
            key("https://example.com/a?a=1&b=2"),
            "parameter order must not matter"
        );
        assert_eq!(
            key("https://example.com/a?b=2&a=1"),
            "https://example.com/a?a=1&b=2"
        );
    }

    #[test]
    fn trailing_slash_is_dropped_except_on_the_root() {
        assert_eq!(key("https://example.com/a/b/"), "https://example.com/a/b");
        assert_eq!(key("https://example.com/"), "https://example.com/");
        assert_eq!(
            key("https://example.com"),
            "https://example.com/",
            "an empty path is the root"
        );
    }

    #[test]
    fn percent_encoding_is_normalised_like_the_url_crate_does() {
        assert_eq!(
            key("https://example.com/a b"),
            key("https://example.com/a%20b"),
            "a raw space and %20 are one path"
        );
        assert_eq!(
            key("https://example.com/s?q=a%20b"),
            key("https://example.com/s?q=a+b"),
            "query spaces compare equal however they are encoded"
        );
    }

    #[test]
    fn non_http_and_unparseable_urls_have_no_canonical_form() {
        for bad in [
            "ftp://example.com/a",
            "mailto:desk@example.com",
            "javascript:alert(1)",
            "/relative/path",
            "not a url",
            "",
        ] {
            assert_eq!(canonical_url(bad), None, "{bad:?} should be rejected");
        }
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        assert_eq!(key("  https://example.com/a \n"), "https://example.com/a");
    }

    #[test]
    fn content_hash_ignores_case_and_whitespace_differences() {
        assert_eq!(
            content_hash("Ceasefire  Holds", "Talks resume\nin Islamabad."),
            content_hash(" ceasefire holds ", "talks   resume in\tISLAMABAD."),
            "re-wrapped, re-cased copies hash alike"
        );
    }

    #[test]
    fn content_hash_separates_title_from_text() {
        assert_ne!(
            content_hash("a b", "c"),
            content_hash("a", "b c"),
            "moving a word between title and text changes the hash"
        );
        assert_ne!(content_hash("one", "text"), content_hash("two", "text"));
    }

    #[test]
    fn body_hash_is_the_sha256_of_the_bytes_in_lowercase_hex() {
        // The SHA-256 test vector for "abc" (FIPS 180-2).
        assert_eq!(
            body_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(body_hash(b"abc"), body_hash(b"abc "), "any byte counts");
    }

    #[test]
    fn content_hash_is_32_lowercase_hex_digits() {
        let h = content_hash("Title", "Body");
        assert_eq!(h.len(), 32, "128 bits as hex: {h}");
        assert!(
            h.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
            "lowercase hex only: {h}"
        );
    }

    #[test]
    fn content_hash_matches_the_sha256_of_the_normalised_input() {
        // SHA-256("hello\nworld") begins 26c60a61d01db5836ca70fefd44a6a01.
        assert_eq!(
            content_hash(" Hello ", "WORLD"),
            "26c60a61d01db5836ca70fefd44a6a01"
        );
    }

    #[test]
    fn content_hash_treats_composed_and_decomposed_accents_alike() {
        assert_eq!(
            content_hash("Caf\u{e9}", ""),
            content_hash("Cafe\u{301}", ""),
            "NFC makes both spellings one"
        );
    }
}
