//! The story index on disk, so stories survive restarts, in a compact little-endian encoding.
//!
//! The archive keeps it in two parts, written as they change:
//! 1. each live story's terms (centroid, names, posted terms) beside its row,
//!    [`LiveStory::terms_bytes`], written when an article joins or starts it;
//! 2. the vocabulary (article count, next story id, newest time, document frequencies),
//!    [`StoryIndex::vocabulary_bytes`], written once per poll: 12 bytes a word, so 2.4 MB
//!    for 200,000 words, too much to write with every transaction, and only statistics.
//!
//! [`StoryIndex::from_parts`] puts them back together; postings and the eviction order are
//! rebuilt. [`StoryIndex::to_bytes`] is both parts in one buffer.

use super::index::{LiveStory, Settings, StoryIndex};
use super::weighing::{Count, Weighing};
use super::StoryId;
use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt};
use std::collections::VecDeque;

const VOCABULARY: &[u8; 6] = b"WWVOC1";
// 3: centroids hold raw weights (inverse document frequencies are applied when compared).
// 4: and the cached weighing, so a restored index decides as the original would.
const TERMS: &[u8; 6] = b"WWSTT4";
const TERMS_WITHOUT_WEIGHING: &[u8; 6] = b"WWSTT3";
const WHOLE: &[u8; 6] = b"WWSTO2";

/// Why a stored story index could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StateError {
    /// It was not written by this version of the encoding.
    #[error("story index: unknown format")]
    Format,
    /// It ends early or holds an impossible value.
    #[error("story index: truncated or corrupt at byte {0}")]
    Corrupt(usize),
}

impl LiveStory {
    /// Its centroid, names and posted terms as bytes.
    pub fn terms_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            30 + self.centroid.len() * 12
                + self.weighing.weights.len() * 4
                + (self.names.len() + self.posted.len() + self.outlets.len()) * 8,
        );
        out.extend_from_slice(TERMS);
        put_u32(&mut out, self.centroid.len());
        for (term, w) in &self.centroid {
            out.extend_from_slice(&term.to_le_bytes());
            out.extend_from_slice(&w.to_le_bytes());
        }
        for list in [&self.names, &self.posted, &self.outlets] {
            put_u32(&mut out, list.len());
            for term in list {
                out.extend_from_slice(&term.to_le_bytes());
            }
        }
        out.extend_from_slice(&self.weighing.at.to_le_bytes());
        put_u32(&mut out, self.weighing.weights.len());
        for w in &self.weighing.weights {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// A story from its row: times, article count and [`LiveStory::terms_bytes`].
    pub fn from_parts(
        id: StoryId,
        first_seen: DateTime<Utc>,
        last_update: DateTime<Utc>,
        articles: u32,
        terms: &[u8],
    ) -> Result<LiveStory, StateError> {
        let mut r = Reader {
            bytes: terms,
            at: 0,
        };
        let story = read_terms(&mut r, id, first_seen, last_update, articles)?;
        r.end()?;
        Ok(story)
    }
}

fn read_terms(
    r: &mut Reader,
    id: StoryId,
    first_seen: DateTime<Utc>,
    last_update: DateTime<Utc>,
    articles: u32,
) -> Result<LiveStory, StateError> {
    let version = r.take(TERMS.len())?;
    if version != TERMS && version != TERMS_WITHOUT_WEIGHING {
        return Err(StateError::Format);
    }
    let n = r.len32(12)?;
    let mut centroid = Vec::with_capacity(n);
    for _ in 0..n {
        centroid.push((r.u64()?, r.f32()?));
    }
    let mut lists = [Vec::new(), Vec::new(), Vec::new()];
    for list in &mut lists {
        let n = r.len32(8)?;
        list.reserve(n);
        for _ in 0..n {
            list.push(r.u64()?);
        }
    }
    let [names, posted, outlets] = lists;
    let mut story = LiveStory {
        id,
        first_seen,
        last_update,
        articles,
        centroid,
        names,
        outlets,
        posted,
        weighing: Weighing::default(),
    };
    if version == TERMS {
        let at = r.f32()?;
        let n = r.len32(4)?;
        let mut weights = Vec::with_capacity(n);
        for _ in 0..n {
            weights.push(r.f32()?);
        }
        story.weighing = Weighing::restored(&story, weights, at);
    }
    Ok(story)
}

impl StoryIndex {
    /// The vocabulary part: article count, next story id, newest time, document frequencies.
    pub fn vocabulary_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(40 + self.df.len() * 12);
        out.extend_from_slice(VOCABULARY);
        out.extend_from_slice(&self.documents.to_le_bytes());
        out.extend_from_slice(&self.next_id.to_le_bytes());
        let newest = self.newest.map_or(i64::MIN, |t| t.timestamp_millis());
        out.extend_from_slice(&newest.to_le_bytes());
        out.extend_from_slice(&(self.df.len() as u64).to_le_bytes());
        for (term, count) in &self.df {
            out.extend_from_slice(&term.to_le_bytes());
            out.extend_from_slice(&count.n.to_le_bytes());
        }
        out
    }

    /// An index from its stored parts: the vocabulary (`None`: none was saved yet, start
    /// counting afresh) and the live stories. Stories beyond the window of the newest are
    /// left out; the next story id is at least `next_id` (one past the archive's highest).
    pub fn from_parts(
        settings: Settings,
        vocabulary: Option<&[u8]>,
        stories: Vec<LiveStory>,
        next_id: StoryId,
    ) -> Result<StoryIndex, StateError> {
        let mut index = StoryIndex::new(settings, next_id);
        if let Some(bytes) = vocabulary {
            let mut r = Reader { bytes, at: 0 };
            read_vocabulary(&mut r, &mut index)?;
            r.end()?;
        }
        index.next_id = index.next_id.max(next_id).max(1);
        index.adopt(stories);
        Ok(index)
    }

    /// Both parts in one buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(WHOLE);
        let vocabulary = self.vocabulary_bytes();
        out.extend_from_slice(&(vocabulary.len() as u64).to_le_bytes());
        out.extend_from_slice(&vocabulary);
        out.extend_from_slice(&(self.stories.len() as u64).to_le_bytes());
        for s in self.stories.values() {
            out.extend_from_slice(&s.id.to_le_bytes());
            out.extend_from_slice(&s.first_seen.timestamp_millis().to_le_bytes());
            out.extend_from_slice(&s.last_update.timestamp_millis().to_le_bytes());
            out.extend_from_slice(&s.articles.to_le_bytes());
            out.extend_from_slice(&s.terms_bytes());
        }
        out
    }

    /// Reads an index written by [`StoryIndex::to_bytes`], with today's `settings`.
    pub fn from_bytes(bytes: &[u8], settings: Settings) -> Result<StoryIndex, StateError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(WHOLE.len())? != WHOLE {
            return Err(StateError::Format);
        }
        let n = r.len(1)?;
        let vocabulary = r.take(n)?;
        let count = r.len(28)?;
        let mut stories = Vec::with_capacity(count);
        for _ in 0..count {
            let id = r.i64()?;
            let first = r.i64()?;
            let first_seen = r.time(first)?;
            let last = r.i64()?;
            let last_update = r.time(last)?;
            let articles = r.u32()?;
            stories.push(read_terms(&mut r, id, first_seen, last_update, articles)?);
        }
        r.end()?;
        StoryIndex::from_parts(settings, Some(vocabulary), stories, 1)
    }

    /// Takes in stored stories: those within the window of the newest, with their postings
    /// (oldest first, so each posting list ends newest first) and eviction order.
    fn adopt(&mut self, mut stories: Vec<LiveStory>) {
        stories.sort_by_key(|s| (s.last_update, s.id));
        let newest = stories
            .iter()
            .map(|s| s.last_update)
            .chain(self.newest)
            .max();
        self.newest = newest;
        let horizon = newest.map(|n| n - self.settings.keep.max(self.settings.window));
        for s in stories {
            if horizon.is_some_and(|h| s.last_update < h) {
                continue;
            }
            self.next_id = self.next_id.max(s.id + 1);
            self.recency.push_back((s.last_update, s.id));
            for term in &s.posted {
                let list = self.postings.entry(*term).or_default();
                list.push_front(s.id);
                list.truncate(super::POSTINGS_PER_TERM);
            }
            self.stories.insert(s.id, s);
        }
        while self.stories.len() > self.settings.max_stories {
            let Some((_, id)) = self.recency.pop_front() else {
                break;
            };
            self.remove(id);
        }
    }
}

fn read_vocabulary(r: &mut Reader, index: &mut StoryIndex) -> Result<(), StateError> {
    if r.take(VOCABULARY.len())? != VOCABULARY {
        return Err(StateError::Format);
    }
    index.documents = r.u64()?;
    index.next_id = r.i64()?;
    index.newest = match r.i64()? {
        i64::MIN => None,
        ms => Some(r.time(ms)?),
    };
    let terms = r.len(12)?;
    let mut df = HashMap::with_capacity(terms);
    for _ in 0..terms {
        df.insert(r.u64()?, Count::new(r.u32()?));
    }
    index.df = df;
    index.recency = VecDeque::new();
    Ok(())
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StateError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(StateError::Corrupt(self.at))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], StateError> {
        let at = self.at;
        self.take(N)?
            .try_into()
            .map_err(|_| StateError::Corrupt(at))
    }

    fn u64(&mut self) -> Result<u64, StateError> {
        self.array().map(u64::from_le_bytes)
    }

    fn i64(&mut self) -> Result<i64, StateError> {
        self.array().map(i64::from_le_bytes)
    }

    fn u32(&mut self) -> Result<u32, StateError> {
        self.array().map(u32::from_le_bytes)
    }

    fn f32(&mut self) -> Result<f32, StateError> {
        self.array().map(f32::from_le_bytes)
    }

    /// A count of items at least `each` bytes long, checked against what is left.
    fn len(&mut self, each: usize) -> Result<usize, StateError> {
        let at = self.at;
        let n = usize::try_from(self.u64()?).map_err(|_| StateError::Corrupt(at))?;
        self.check(n, each, at)
    }

    /// Like [`Reader::len`], for a 32-bit count.
    fn len32(&mut self, each: usize) -> Result<usize, StateError> {
        let at = self.at;
        let n = self.u32()? as usize;
        self.check(n, each, at)
    }

    fn check(&self, n: usize, each: usize, at: usize) -> Result<usize, StateError> {
        if n.saturating_mul(each) > self.bytes.len() - self.at {
            return Err(StateError::Corrupt(at));
        }
        Ok(n)
    }

    fn time(&self, ms: i64) -> Result<DateTime<Utc>, StateError> {
        DateTime::from_timestamp_millis(ms).ok_or(StateError::Corrupt(self.at))
    }

    fn end(&self) -> Result<(), StateError> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(StateError::Corrupt(self.at))
        }
    }
}
