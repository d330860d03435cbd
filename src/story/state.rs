//! The story index on disk, so stories survive restarts: a compact little-endian encoding
//! (a vocabulary of 200,000 words takes 2.4 MB; JSON took four times that).
//!
//! Layout, in order: magic and version, article count, next story id, newest article time,
//! the document frequencies, then each live story (id, first and last time, article count,
//! centroid, posted terms). Postings and the eviction order are rebuilt on reading.

use super::index::{LiveStory, Settings, StoryIndex};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};

const MAGIC: &[u8; 6] = b"WWSTO1";

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

impl StoryIndex {
    /// The index as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.df.len() * 12 + self.stories.len() * 600);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.documents.to_le_bytes());
        out.extend_from_slice(&self.next_id.to_le_bytes());
        out.extend_from_slice(
            &self
                .newest
                .map_or(i64::MIN, |t| t.timestamp_millis())
                .to_le_bytes(),
        );
        out.extend_from_slice(&(self.df.len() as u64).to_le_bytes());
        for (term, n) in &self.df {
            out.extend_from_slice(&term.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(&(self.stories.len() as u64).to_le_bytes());
        for s in self.stories.values() {
            out.extend_from_slice(&s.id.to_le_bytes());
            out.extend_from_slice(&s.first_seen.timestamp_millis().to_le_bytes());
            out.extend_from_slice(&s.last_update.timestamp_millis().to_le_bytes());
            out.extend_from_slice(&s.articles.to_le_bytes());
            out.extend_from_slice(&(s.centroid.len() as u32).to_le_bytes());
            for (term, w) in &s.centroid {
                out.extend_from_slice(&term.to_le_bytes());
                out.extend_from_slice(&w.to_le_bytes());
            }
            out.extend_from_slice(&(s.names.len() as u32).to_le_bytes());
            for term in &s.names {
                out.extend_from_slice(&term.to_le_bytes());
            }
            out.extend_from_slice(&(s.posted.len() as u32).to_le_bytes());
            for term in &s.posted {
                out.extend_from_slice(&term.to_le_bytes());
            }
        }
        out
    }

    /// Reads an index written by [`StoryIndex::to_bytes`], with today's `settings`.
    pub fn from_bytes(bytes: &[u8], settings: Settings) -> Result<StoryIndex, StateError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(StateError::Format);
        }
        let documents = r.u64()?;
        let next_id = r.i64()?;
        let newest = match r.i64()? {
            i64::MIN => None,
            ms => Some(r.time(ms)?),
        };
        let terms = r.len(12)?;
        let mut df = HashMap::with_capacity(terms);
        for _ in 0..terms {
            df.insert(r.u64()?, r.u32()?);
        }
        let count = r.len(40)?;
        let mut stories = HashMap::with_capacity(count);
        for _ in 0..count {
            let id = r.i64()?;
            let first = r.i64()?;
            let first_seen = r.time(first)?;
            let last = r.i64()?;
            let last_update = r.time(last)?;
            let articles = r.u32()?;
            let n = r.u32()? as usize;
            let mut centroid = Vec::with_capacity(n.min(4096));
            for _ in 0..n {
                centroid.push((r.u64()?, r.f32()?));
            }
            let n = r.u32()? as usize;
            let mut names = Vec::with_capacity(n.min(4096));
            for _ in 0..n {
                names.push(r.u64()?);
            }
            let n = r.u32()? as usize;
            let mut posted = Vec::with_capacity(n.min(4096));
            for _ in 0..n {
                posted.push(r.u64()?);
            }
            stories.insert(
                id,
                LiveStory {
                    id,
                    first_seen,
                    last_update,
                    articles,
                    centroid,
                    names,
                    posted,
                },
            );
        }
        if r.at != bytes.len() {
            return Err(StateError::Corrupt(r.at));
        }
        // Rebuild the eviction order and the postings, oldest story first so each posting
        // list ends newest first.
        let mut order: Vec<&LiveStory> = stories.values().collect();
        order.sort_by_key(|s| (s.last_update, s.id));
        let recency: VecDeque<(DateTime<Utc>, i64)> =
            order.iter().map(|s| (s.last_update, s.id)).collect();
        let mut postings: HashMap<u64, VecDeque<i64>> = HashMap::new();
        for s in &order {
            for term in &s.posted {
                postings.entry(*term).or_default().push_front(s.id);
            }
        }
        for list in postings.values_mut() {
            list.truncate(super::POSTINGS_PER_TERM);
        }
        Ok(StoryIndex {
            settings,
            documents,
            df,
            stories,
            recency,
            postings,
            next_id,
            newest,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], StateError> {
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
        if n.saturating_mul(each) > self.bytes.len() - self.at {
            return Err(StateError::Corrupt(at));
        }
        Ok(n)
    }

    fn time(&self, ms: i64) -> Result<DateTime<Utc>, StateError> {
        DateTime::from_timestamp_millis(ms).ok_or(StateError::Corrupt(self.at))
    }
}
