//! Legacy formats the parser does not know under their own names: Atom 0.3 is rewritten
//! into Atom 1.0 names before parsing.

use super::{find, HEAD_BYTES};
use std::borrow::Cow;

/// The Atom 0.3 namespace.
const ATOM_03_NS: &str = "http://purl.org/atom/ns#";

/// Rewrites an Atom 0.3 document into Atom 1.0 names. `feed-rs` only recognises the Atom 1.0
/// namespace, so without this an Atom 0.3 feed parses "successfully" with no entries.
pub(super) fn upgrade_legacy_atom(text: Cow<'_, str>) -> Cow<'_, str> {
    let head = &text.as_bytes()[..text.len().min(HEAD_BYTES)];
    if find(head, ATOM_03_NS.as_bytes()).is_none() {
        return text;
    }
    const RENAMES: &[(&str, &str)] = &[
        (ATOM_03_NS, "http://www.w3.org/2005/Atom"),
        ("<issued>", "<published>"),
        ("</issued>", "</published>"),
        ("<modified>", "<updated>"),
        ("</modified>", "</updated>"),
        ("<tagline", "<subtitle"),
        ("</tagline>", "</subtitle>"),
        // Atom 0.3 text constructs carry MIME types; Atom 1.0 (and feed-rs) want keywords.
        ("type=\"text/plain\"", "type=\"text\""),
        ("type=\"application/xhtml+xml\"", "type=\"xhtml\""),
    ];
    let mut out = text.into_owned();
    for (from, to) in RENAMES {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    Cow::Owned(out)
}
