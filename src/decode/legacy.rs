//! Legacy formats and the parts of formats the parser does not read, fixed before parsing:
//! Atom 0.3 is rewritten into Atom 1.0 names; RSS 0.90's and UserLand's namespaces become
//! RSS 1.0's; then RSS 1.0 items without a link get a placeholder (the parser drops them),
//! and the ids the parser does not read (`rdf:about`, Dublin Core `identifier`) are collected
//! for the entries. Each step looks at the document's start and does nothing to other
//! documents; ids of other RSS are read only after parsing, for entries left without one.

use super::head;
use std::borrow::Cow;

/// The Atom 0.3 namespace.
const ATOM_03_NS: &str = "http://purl.org/atom/ns#";

/// Rewrites an Atom 0.3 document into Atom 1.0 names. `feed-rs` only recognises the Atom 1.0
/// namespace, so without this an Atom 0.3 feed parses "successfully" with no entries.
pub(super) fn upgrade_legacy_atom(text: Cow<'_, str>) -> Cow<'_, str> {
    if !head(&text).contains(ATOM_03_NS) {
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

/// Namespaces RSS documents declare that the parser does not know, and the RSS 1.0 one it
/// reads them as: RSS 0.90 (an RDF document of its own namespace) and UserLand's RSS 2.0.
const RSS_ALIASES: &[&str] = &[
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://backend.userland.com/rss2",
    "http://backend.userland.com/rss",
];

/// The namespace the parser knows RSS 1.0 (and namespaced RSS) by.
const RSS_10_NS: &str = "http://purl.org/rss/1.0/";

/// Rewrites the RSS namespaces the parser does not know into RSS 1.0's, so that an RSS 0.90
/// channel keeps its title and items and a namespaced RSS 2.0 document its entries.
pub(super) fn upgrade_legacy_rss(text: Cow<'_, str>) -> Cow<'_, str> {
    let head = head(&text);
    // One search for what all the aliases share, then each.
    if !head.contains(".com/rss") && !head.contains("/rdf/simple/") {
        return text;
    }
    let aliases: Vec<&str> = RSS_ALIASES
        .iter()
        .copied()
        .filter(|ns| head.contains(&format!("\"{ns}\"")))
        .collect();
    if aliases.is_empty() {
        return text;
    }
    let mut out = text.into_owned();
    for ns in aliases {
        out = out.replace(&format!("\"{ns}\""), &format!("\"{RSS_10_NS}\""));
    }
    Cow::Owned(out)
}

/// Ids the parser does not read, one per entry in document order: Dublin Core
/// `identifier`, else RSS 1.0's `rdf:about`. With them, the document with a placeholder
/// `<link>` given to each RSS 1.0 item that has none (the parser drops items without a
/// link; the placeholder is not a web address, so the entry keeps no link).
///
/// `rdf` says the document is RSS 1.0 (items are the root's children and get placeholders);
/// otherwise items are the channel's. `None` when no entry has such an id.
pub(super) fn entry_ids(
    text: Cow<'_, str>,
    rdf: bool,
) -> (Cow<'_, str>, Option<Vec<Option<String>>>) {
    use quick_xml::events::Event;
    // RSS 1.0 items are children of the root, RSS 2.0 items of the channel.
    let depth = if rdf { 1 } else { 2 };
    let mut reader = quick_xml::Reader::from_reader(text.as_bytes());
    reader.config_mut().check_end_names = false;
    reader.config_mut().allow_unmatched_ends = true;
    let mut open = 0usize;
    let mut ids = Vec::new();
    // Where a link must go (after the item's start tag), with the item's prefix.
    let mut inserts: Vec<(usize, String)> = Vec::new();
    let mut item: Option<Item> = None;
    let mut in_identifier = false;
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        match event {
            Event::Start(e) | Event::Empty(e)
                if open == depth && e.local_name().as_ref() == b"item" =>
            {
                let about = e
                    .attributes()
                    .with_checks(false)
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == b"about")
                    .map(|a| String::from_utf8_lossy(&a.value).trim().to_string());
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let prefix = name.strip_suffix("item").unwrap_or("").to_string();
                let at = reader.buffer_position() as usize;
                if text.as_bytes().get(at.wrapping_sub(2)) == Some(&b'/') {
                    // <item/>: nothing inside.
                    ids.push(about);
                } else {
                    item = Some(Item {
                        about,
                        identifier: None,
                        has_link: false,
                        at,
                        prefix,
                    });
                    open += 1;
                }
            }
            Event::Start(e) => {
                if let Some(item) = item.as_mut() {
                    if open == depth + 1 {
                        match e.local_name().as_ref() {
                            b"link" => item.has_link = true,
                            b"identifier" => in_identifier = true,
                            _ => {}
                        }
                    }
                }
                open += 1;
            }
            Event::Text(t) if in_identifier => {
                if let Some(item) = item.as_mut() {
                    let id = String::from_utf8_lossy(&t).trim().to_string();
                    if !id.is_empty() && item.identifier.is_none() {
                        item.identifier = Some(id);
                    }
                }
            }
            Event::End(_) => {
                in_identifier = false;
                open = open.saturating_sub(1);
                if open == depth {
                    if let Some(item) = item.take() {
                        if rdf && !item.has_link {
                            inserts.push((item.at, item.prefix));
                        }
                        ids.push(item.identifier.or(item.about));
                    }
                }
            }
            _ => {}
        }
    }
    if ids.iter().all(Option::is_none) && inserts.is_empty() {
        return (text, None);
    }
    if inserts.is_empty() {
        return (text, Some(ids));
    }
    let mut out = String::with_capacity(text.len() + inserts.len() * 32);
    let mut copied = 0;
    for (at, prefix) in inserts {
        out.push_str(&text[copied..at]);
        out.push_str(&format!("<{prefix}link>{NO_LINK}</{prefix}link>"));
        copied = at;
    }
    out.push_str(&text[copied..]);
    (Cow::Owned(out), Some(ids))
}

/// An item being read by [`entry_ids`].
struct Item {
    /// Its `rdf:about`.
    about: Option<String>,
    /// Its first Dublin Core `identifier`.
    identifier: Option<String>,
    /// Whether it has a `<link>`.
    has_link: bool,
    /// Where its start tag ends, and the prefix of its name (`rss:` in `rss:item`).
    at: usize,
    prefix: String,
}

/// The placeholder link of an RSS 1.0 item without one: not a web address, so dropped.
const NO_LINK: &str = "urn:x-wirewatch:no-link";
