//! The online grouping: as each article is stored, it joins a recent story or starts one.
//!
//! For each article, in the order it is stored ([`StoryIndex::place`]):
//!
//! 1. Its terms' document frequencies are counted (incrementally: the archive's own
//!    vocabulary, bounded by dropping words seen once when the table grows past
//!    [`MAX_VOCABULARY`]), and its [`Signature`] is weighted by inverse document frequency and
//!    normalised: a TF-IDF vector.
//! 2. Candidate stories come from an inverted index of recent stories' heaviest terms: the
//!    article's [`QUERY_TERMS`] heaviest terms are looked up, each posting list holds at most
//!    [`POSTINGS_PER_TERM`] recent stories (a full list is skipped: its word is common to
//!    too many recent stories to name an event; when nothing else is found, the full lists
//!    of its [`FALLBACK_LISTS`] heaviest words are walked), and the [`MAX_CANDIDATES`]
//!    stories sharing the most weight are scored. So the work per article does not grow with
//!    the archive.
//! 3. Each candidate updated within [`Settings::window`] of the article is scored by cosine
//!    similarity between the article and the story's centroid (the sum of its articles'
//!    vectors, kept to its [`CENTROID_TERMS`] heaviest terms, weighed when it changes and again
//!    after the archive grows by [`REWEIGH_GROWTH`]), rejected first by outlet and window, the
//!    story's terms looked up in a table of the article's. The best at or above
//!    [`Settings::threshold`] takes the article; otherwise the article starts a story.
//! 4. Stories beyond [`Settings::max_stories`] are evicted, least recently updated first,
//!    with their postings, so memory stays bounded; at the end of a poll
//!    ([`StoryIndex::end_poll`]), so are those not updated within [`Settings::keep`] of the
//!    newest article.
//!
//! Why a centroid and cosine: outlets paraphrase an event, so a shared wording is rare, but
//! they keep its names, places, figures and quotes, which idf makes heavy. Another event of the
//! same topic (a ceasefire agreed; violations alleged the same night) shares the topic's words
//! but not the event's, and the same person in another event shares one name among many. The
//! threshold was tuned on half of the labelled set in `tests/fixtures/stories/` and checked on
//! the other half (BENCHMARKS.md, "Story grouping").

use super::signature::Signature;
use super::weighing::{idf, weigh, Article, Count, TermTable, Weighing};
use super::StoryId;
use chrono::{DateTime, Duration, Utc};
use std::collections::VecDeque;
// Keyed by term hashes and story ids for every article placed: foldhash, not SipHash.
use foldhash::{HashMap, HashMapExt};

/// Largest vocabulary kept for document frequencies; past it, words seen once are dropped.
pub const MAX_VOCABULARY: usize = 400_000;
/// Terms of an article looked up in the postings.
pub const QUERY_TERMS: usize = 16;
/// Terms of a story's centroid posted in the inverted index.
pub const POSTED_TERMS: usize = 20;
/// Stories kept per posting list, newest first: a word shared by more recent stories than this
/// names no event.
pub const POSTINGS_PER_TERM: usize = 128;
/// Terms an article must share with a story to join it: a cosine over two short texts that
/// share only their topic's words (`ceasefire`, `Pakistan`, `India`) is high, and says
/// nothing of the event.
pub const MIN_SHARED_TERMS: usize = 4;
/// Outlets a story remembers (it takes no second article from these).
pub const MAX_OUTLETS: usize = 256;
/// Candidate stories scored per article. Scoring one reads its centroid from memory, most
/// of a placement's cost in a large archive; 12 and 24 group the labelled set alike over
/// every order of arrival measured (BENCHMARKS.md, "Story grouping"), 12 at 60% of the cost.
pub const MAX_CANDIDATES: usize = 12;
/// Full posting lists walked when an article's rarer words found no story: those of its
/// heaviest query terms. Walking all [`QUERY_TERMS`] of them was two thirds of the postings
/// walked on the benchmark corpus; half of them groups the labelled set alike, in every order
/// measured (BENCHMARKS.md, "Story grouping").
pub const FALLBACK_LISTS: usize = 8;
/// Terms kept in a story's centroid.
pub const CENTROID_TERMS: usize = 60;
/// An article's heaviest names checked against a candidate story: in practice all of them.
/// Three were checked at first, and a long institution's name (International Monetary Fund,
/// Extended Fund Facility) filled them, so two IMF reviews of two countries looked alike.
pub const NAMES_CHECKED: usize = 100;
/// How much of a candidate's similarity is lost when none of the article's heaviest names is
/// in the story (proportionally for some).
pub const NAME_MISMATCH_PENALTY: f32 = 0.5;
/// Documents assumed before the first, so the first articles of a fresh archive are not
/// weighed by a handful of counts.
const PRIOR_DOCUMENTS: f32 = 200.0;
/// Growth of the archive (documents, prior included) after which a story's cached weighing is
/// redone. An idf `ln(N / (df + 1))` of a word whose count keeps pace with the archive does not
/// move; one whose count stands still rises by at most `ln(1 + 1/64)` ≈ 0.016, against idfs of
/// 3–12 for the words that decide (so about 0.5%, before normalisation takes most of it back). A
/// word that turns suddenly frequent falls further, and is caught at the next re-weighing.
pub const REWEIGH_GROWTH: f32 = 1.0 / 64.0;

/// How stories are formed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Cosine similarity at or above which an article joins a story.
    pub threshold: f32,
    /// How long after its last article a story still takes new ones.
    pub window: Duration,
    /// How long a story stays in memory after its last article, counted back from the newest
    /// article seen: longer than the window, since one poll may bring one feed's last few
    /// days after another feed's newer reports, and an older report must still find the
    /// story it belongs to.
    pub keep: Duration,
    /// Most stories kept in memory (oldest evicted first).
    pub max_stories: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            threshold: 0.18,
            window: Duration::hours(36),
            keep: Duration::days(7),
            max_stories: 50_000,
        }
    }
}

/// Where an article went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Its story.
    pub story: StoryId,
    /// Whether it started that story.
    pub started: bool,
    /// The similarity to the story it joined; when it started one, to the nearest story
    /// (0: none shared a term).
    pub score: f32,
    /// Whether its outlet is known to be new to the story: a story takes one article per
    /// outlet, and remembers its outlets up to [`MAX_OUTLETS`]; past them (false), whoever
    /// counts the story's outlets must look.
    pub new_outlet: bool,
}

/// A story still taking articles.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveStory {
    /// Its id.
    pub id: StoryId,
    /// When its first article was published (or seen).
    pub first_seen: DateTime<Utc>,
    /// When its newest article was.
    pub last_update: DateTime<Utc>,
    /// Articles in it.
    pub articles: u32,
    /// Its centroid, `(term, weight)` sorted by term: the sum of its articles' normalised raw
    /// weights ([`Signature::terms`]); inverse document frequencies are applied when it is
    /// compared, from the vocabulary of that moment.
    pub centroid: Vec<(u64, f32)>,
    /// Terms of its centroid that read as names or numbers, sorted.
    pub names: Vec<u64>,
    /// The outlets (feeds) of its articles, at most [`MAX_OUTLETS`].
    pub outlets: Vec<u64>,
    /// Terms under which it is posted (so eviction can remove it).
    pub(super) posted: Vec<u64>,
    /// Its centroid as the vocabulary weighed it when last weighed: TF-IDF weights in the
    /// centroid's order, normalised, and its heaviest names. Not stored; empty until weighed.
    pub(super) weighing: Weighing,
}

/// The grouping state: document frequencies and the stories within the window.
#[derive(Debug, Clone)]
pub struct StoryIndex {
    pub(super) settings: Settings,
    pub(super) documents: u64,
    pub(super) df: HashMap<u64, Count>,
    pub(super) stories: HashMap<StoryId, LiveStory>,
    /// Story ids in the order they were last updated (an id may recur; stale entries are
    /// skipped), for eviction.
    pub(super) recency: VecDeque<(DateTime<Utc>, StoryId)>,
    pub(super) postings: HashMap<u64, VecDeque<StoryId>>,
    pub(super) next_id: StoryId,
    pub(super) newest: Option<DateTime<Utc>>,
    /// Stories let go of since [`StoryIndex::take_evicted`] was last called, so the archive
    /// can let go of their terms too.
    evicted: Vec<StoryId>,
    /// Buffers reused from one article to the next.
    scratch: Scratch,
}

/// The per-article working space of [`StoryIndex::place`], kept so placing allocates little.
#[derive(Debug, Clone, Default)]
struct Scratch {
    query: Vec<(u64, f32)>,
    shared: HashMap<StoryId, f32>,
    candidates: Vec<(StoryId, f32)>,
    names: Vec<f32>,
    table: TermTable,
}

impl StoryIndex {
    /// An empty index whose first story will be `next_id`.
    pub fn new(settings: Settings, next_id: StoryId) -> StoryIndex {
        StoryIndex {
            settings,
            documents: 0,
            df: HashMap::new(),
            stories: HashMap::new(),
            recency: VecDeque::new(),
            postings: HashMap::new(),
            next_id: next_id.max(1),
            newest: None,
            evicted: Vec::new(),
            scratch: Scratch::default(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// Articles counted so far.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// Stories held in memory.
    pub fn live_stories(&self) -> usize {
        self.stories.len()
    }

    /// Terms in the vocabulary.
    pub fn vocabulary(&self) -> usize {
        self.df.len()
    }

    /// The id the next new story will get.
    pub fn next_id(&self) -> StoryId {
        self.next_id
    }

    /// Takes a story id for a story made outside the index (an article the user took out of
    /// its story), so the index never hands it out.
    pub fn reserve_id(&mut self) -> StoryId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The stories evicted (too old, or beyond [`Settings::max_stories`]) since the last call
    /// or [`StoryIndex::end_poll`]: they take no more articles, so whoever stores their terms
    /// can drop them.
    pub fn take_evicted(&mut self) -> Vec<StoryId> {
        std::mem::take(&mut self.evicted)
    }

    /// A live story.
    pub fn story(&self, id: StoryId) -> Option<&LiveStory> {
        self.stories.get(&id)
    }

    /// Places an article of `outlet` (a feed) published (or first seen) at `at`: counts its
    /// terms, then joins the most similar live story or starts one. A story takes one article
    /// per outlet: an outlet's second write-up is a development of its own (dedup already
    /// joins the same link seen through two feeds).
    pub fn place(&mut self, signature: &Signature, at: DateTime<Utc>, outlet: u64) -> Placement {
        let vector = self.count_and_weigh(signature);
        let best = self.best_story(&vector, &signature.names, at, outlet);
        let raw = raw_vector(signature);
        let placement = match best {
            Some((id, score)) if score >= self.settings.threshold => {
                let new_outlet = self.join(id, &raw, &signature.names, at, outlet);
                Placement {
                    story: id,
                    started: false,
                    score,
                    new_outlet,
                }
            }
            _ => {
                let id = self.start(raw, &vector, &signature.names, at, outlet);
                let score = best.map_or(0.0, |b| b.1);
                Placement {
                    story: id,
                    started: true,
                    score,
                    new_outlet: true,
                }
            }
        };
        self.newest = Some(self.newest.map_or(at, |n| n.max(at)));
        self.evict_before(DateTime::<Utc>::MIN_UTC);
        placement
    }

    /// An article of story `id` was read in full after it was placed from its feed's
    /// `summary`: the story is weighed by its `full` text from now on, so the outlets that
    /// report the event later, in words only the full text had, find it. The article's share
    /// of the centroid (its summary's normalised raw vector) is replaced by its full text's; the
    /// words the full text adds count in the vocabulary as this article's. Whether the story
    /// was still live.
    pub fn take_full_text(&mut self, id: StoryId, summary: &Signature, full: &Signature) -> bool {
        for &(term, _) in &full.terms {
            if summary.terms.binary_search_by_key(&term, |t| t.0).is_err() {
                self.df.entry(term).or_insert(Count::new(0)).add();
            }
        }
        self.bound_vocabulary();
        let Some(mut story) = self.stories.remove(&id) else {
            return false;
        };
        story.centroid = difference(&story.centroid, &raw_vector(summary));
        self.absorb(&mut story, &raw_vector(full), &full.names);
        self.post(&mut story);
        self.stories.insert(id, story);
        true
    }

    /// Closes a poll: evicts the stories last updated more than [`Settings::keep`] before the
    /// newest article. Not done per article, since a poll brings feeds in any order (each
    /// placed oldest first): an old report placed after another feed's newer one must still
    /// find the story it belongs to, whichever feed answered first.
    ///
    /// Returns the stories evicted during the poll and not yet taken
    /// ([`StoryIndex::take_evicted`]); the index keeps none past its poll, so a caller that
    /// stores no terms can ignore them and memory stays bounded.
    pub fn end_poll(&mut self) -> Vec<StoryId> {
        if let Some(newest) = self.newest {
            let horizon = newest - self.settings.keep.max(self.settings.window);
            self.evict_before(horizon);
        }
        self.take_evicted()
    }

    /// Counts an article's terms without placing it (an article kept out of stories still
    /// belongs to the vocabulary).
    pub fn count(&mut self, signature: &Signature) {
        self.documents += 1;
        for &(term, _) in &signature.terms {
            self.df.entry(term).or_insert(Count::new(0)).add();
        }
        self.bound_vocabulary();
    }

    /// [`StoryIndex::count`], then the article's TF-IDF vector, normalised, sorted by term:
    /// one lookup per term for both.
    fn count_and_weigh(&mut self, signature: &Signature) -> Vec<(u64, f32)> {
        self.documents += 1;
        let ln_now = (self.documents as f32 + PRIOR_DOCUMENTS).ln();
        let mut v: Vec<(u64, f32)> = Vec::with_capacity(signature.terms.len());
        for &(term, w) in &signature.terms {
            let df = self.df.entry(term).or_insert(Count::new(0));
            df.add();
            let weight = w * df.idf(ln_now);
            if weight > 0.0 {
                v.push((term, weight));
            }
        }
        if self.bound_vocabulary() {
            // Rare: the counts just used may have been dropped.
            return self.weighted(&signature.terms);
        }
        normalise(&mut v);
        v
    }

    /// Drops words seen once (then twice) when the vocabulary outgrows [`MAX_VOCABULARY`];
    /// whether it did.
    fn bound_vocabulary(&mut self) -> bool {
        let over = self.df.len() > MAX_VOCABULARY;
        if over {
            // Words seen once are mostly names of a day and typos; they come back if they matter.
            self.df.retain(|_, c| c.n > 1);
            if self.df.len() > MAX_VOCABULARY * 3 / 4 {
                self.df.retain(|_, c| c.n > 2);
            }
        }
        over
    }

    /// Raw-weighted terms weighed by today's inverse document frequencies, normalised.
    fn weighted(&self, terms: &[(u64, f32)]) -> Vec<(u64, f32)> {
        let ln_now = (self.documents as f32 + PRIOR_DOCUMENTS).ln();
        let mut v: Vec<(u64, f32)> = terms
            .iter()
            .map(|&(term, w)| (term, w * idf(&self.df, ln_now, term)))
            .filter(|t| t.1 > 0.0)
            .collect();
        normalise(&mut v);
        v
    }

    fn best_story(
        &mut self,
        vector: &[(u64, f32)],
        names: &[u64],
        at: DateTime<Utc>,
        outlet: u64,
    ) -> Option<(StoryId, f32)> {
        // The article's heaviest names, as a squared weight per term of its vector.
        let name_weights = &mut self.scratch.names;
        name_weights.clear();
        name_weights.resize(vector.len(), 0.0);
        let mut heaviest = heaviest_names(vector.iter().copied(), names);
        heaviest.truncate(NAMES_CHECKED);
        for (term, w) in &heaviest {
            if let Ok(i) = vector.binary_search_by_key(term, |t| t.0) {
                name_weights[i] = w * w;
            }
        }
        self.scratch.table.fill(vector);
        let article = Article {
            vector,
            names: name_weights,
            names_total: heaviest.iter().map(|t| t.1 * t.1).sum(),
            norm: vector.iter().map(|t| t.1 * t.1).sum::<f32>().sqrt(),
            table: &self.scratch.table,
        };
        let query = &mut self.scratch.query;
        query.clear();
        query.extend_from_slice(vector);
        if query.len() > QUERY_TERMS {
            query.select_nth_unstable_by(QUERY_TERMS - 1, |a, b| b.1.total_cmp(&a.1));
            query.truncate(QUERY_TERMS);
        }
        let shared = &mut self.scratch.shared;
        shared.clear();
        // A word posted by as many recent stories as a list holds names no event, and its
        // list would be most of the work (measured: 6 of 16 lists full on a generated
        // archive, 93% of the entries walked). Its weight still counts in the scores below;
        // its list is walked only when the article's rarer words found no story at all, and
        // then only those of its [`FALLBACK_LISTS`] heaviest words.
        let mut common = 0;
        for (term, w) in query.iter() {
            if let Some(list) = self.postings.get(term) {
                if list.len() >= POSTINGS_PER_TERM {
                    common += 1;
                    continue;
                }
                for id in list {
                    *shared.entry(*id).or_insert(0.0) += w;
                }
            }
        }
        if shared.is_empty() && common > 0 {
            query.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let lists = query
                .iter()
                .filter_map(|(term, w)| Some((self.postings.get(term)?, *w)))
                .take(FALLBACK_LISTS);
            for (list, w) in lists {
                for id in list {
                    *shared.entry(*id).or_insert(0.0) += w;
                }
            }
        }
        let candidates = &mut self.scratch.candidates;
        candidates.clear();
        candidates.extend(shared.iter().map(|(id, w)| (*id, *w)));
        let order =
            |a: &(StoryId, f32), b: &(StoryId, f32)| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0));
        if candidates.len() > MAX_CANDIDATES {
            candidates.select_nth_unstable_by(MAX_CANDIDATES - 1, order);
            candidates.truncate(MAX_CANDIDATES);
        }
        let now = self.documents as f32 + PRIOR_DOCUMENTS;
        let mut best: Option<(StoryId, f32)> = None;
        // Cheapest rejections first: the outlet and the window; only then the weighing, cached
        // across articles, and the score (which needs `MIN_SHARED_TERMS` shared terms). A first
        // count of the shared terms, to spare a stale story its weighing, spared 0.5% of them
        // on the benchmark corpus.
        for &(id, _) in candidates.iter() {
            let Some(story) = self.stories.get_mut(&id) else {
                continue;
            };
            if story.outlets.contains(&outlet) {
                continue;
            }
            let apart = (at - story.last_update)
                .abs()
                .max((at - story.first_seen).abs() / 2);
            if apart > self.settings.window {
                continue;
            }
            // The story as a whole, weighed as the article is (by the vocabulary of about
            // now): a story started early in a fresh archive is not judged by the few counts
            // its first articles were weighed with.
            if story.weighing.is_stale(story.centroid.len(), now) {
                weigh(&self.df, now, story);
            }
            let Some(score) = article.score(story) else {
                continue;
            };
            let better = match best {
                None => true,
                Some((bid, bs)) => score.total_cmp(&bs).then(bid.cmp(&id)).is_gt(),
            };
            if better {
                best = Some((id, score));
            }
        }
        best
    }

    /// Starts a story of one article: `raw` its raw-weighted terms, `weighted` its TF-IDF
    /// vector of just now, which is the new story's weighing when no term weighed nothing.
    fn start(
        &mut self,
        raw: Vec<(u64, f32)>,
        weighted: &[(u64, f32)],
        names: &[u64],
        at: DateTime<Utc>,
        outlet: u64,
    ) -> StoryId {
        let id = self.next_id;
        self.next_id += 1;
        let mut story = LiveStory {
            id,
            first_seen: at,
            last_update: at,
            articles: 1,
            centroid: raw,
            names: names.to_vec(),
            outlets: vec![outlet],
            posted: Vec::new(),
            weighing: Weighing::default(),
        };
        if weighted.len() == story.centroid.len() {
            let now = self.documents as f32 + PRIOR_DOCUMENTS;
            let weights = weighted.iter().map(|t| t.1).collect();
            story.weighing = Weighing::restored(&story, weights, now);
        }
        self.trim(&mut story);
        self.post(&mut story);
        self.recency.push_back((at, id));
        self.stories.insert(id, story);
        id
    }

    /// Adds an article of `outlet` to story `id`; whether the story knew all its outlets,
    /// so this one is new to it (see [`Placement::new_outlet`]).
    fn join(
        &mut self,
        id: StoryId,
        vector: &[(u64, f32)],
        names: &[u64],
        at: DateTime<Utc>,
        outlet: u64,
    ) -> bool {
        let Some(mut story) = self.stories.remove(&id) else {
            return false;
        };
        self.absorb(&mut story, vector, names);
        story.articles += 1;
        let known = story.outlets.len() < MAX_OUTLETS;
        if known {
            story.outlets.push(outlet);
        }
        story.first_seen = story.first_seen.min(at);
        if at > story.last_update {
            story.last_update = at;
            self.recency.push_back((at, id));
        }
        self.post(&mut story);
        self.stories.insert(id, story);
        known
    }

    /// An article already in story `id` came through `outlet` too (the same link in a second
    /// feed): the story takes no other article of that outlet. Whether the story is live.
    pub fn add_outlet(&mut self, id: StoryId, outlet: u64) -> bool {
        let Some(story) = self.stories.get_mut(&id) else {
            return false;
        };
        if story.outlets.len() < MAX_OUTLETS && !story.outlets.contains(&outlet) {
            story.outlets.push(outlet);
        }
        true
    }

    /// Adds a normalised raw `vector` and its `names` to a story's centroid, then weighs it
    /// by today's vocabulary and trims it.
    fn absorb(&self, story: &mut LiveStory, vector: &[(u64, f32)], names: &[u64]) {
        story.centroid = merge(&story.centroid, vector);
        story.names.extend_from_slice(names);
        story.names.sort_unstable();
        story.names.dedup();
        weigh(&self.df, self.documents as f32 + PRIOR_DOCUMENTS, story);
        self.trim(story);
    }

    /// Keeps a story's [`CENTROID_TERMS`] heaviest terms, as its weighing (made just before,
    /// or made here when stale) has them, and the names among them; the weighing of what is
    /// kept stays cached for comparisons.
    fn trim(&self, story: &mut LiveStory) {
        let now = self.documents as f32 + PRIOR_DOCUMENTS;
        if story.weighing.is_stale(story.centroid.len(), now) {
            weigh(&self.df, now, story);
        }
        if story.centroid.len() > CENTROID_TERMS {
            let weights = &story.weighing.weights;
            let mut keep: Vec<usize> = (0..story.centroid.len()).collect();
            let heavier = |a: &usize, b: &usize| {
                weights[*b]
                    .total_cmp(&weights[*a])
                    .then(story.centroid[*a].0.cmp(&story.centroid[*b].0))
            };
            keep.select_nth_unstable_by(CENTROID_TERMS - 1, heavier);
            keep.truncate(CENTROID_TERMS);
            keep.sort_unstable();
            // The kept terms' weights, normalised again: what weighing them afresh by the same
            // counts gives, without a lookup per term.
            let mut kept: Vec<f32> = keep.iter().map(|&i| weights[i]).collect();
            let norm = kept.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                kept.iter_mut().for_each(|x| *x /= norm);
            }
            story.centroid = keep.iter().map(|&i| story.centroid[i]).collect();
            keep_in_centroid(&mut story.names, &story.centroid);
            story.weighing = Weighing::restored(story, kept, now);
        } else {
            keep_in_centroid(&mut story.names, &story.centroid);
            story.weighing.name(&story.centroid, &story.names);
        }
    }

    /// Posts a story under its heaviest centroid terms (as its weighing, just made by
    /// [`StoryIndex::trim`], has them) not yet posted.
    fn post(&mut self, story: &mut LiveStory) {
        let mut top: Vec<(u64, f32)> = story
            .centroid
            .iter()
            .zip(&story.weighing.weights)
            .map(|(t, w)| (t.0, *w))
            .collect();
        top.sort_unstable_by(|a, b| b.1.total_cmp(&a.1));
        for (term, _) in top.into_iter().take(POSTED_TERMS) {
            if story.posted.contains(&term) {
                continue;
            }
            story.posted.push(term);
            let list = self.postings.entry(term).or_default();
            list.push_front(story.id);
            list.truncate(POSTINGS_PER_TERM);
        }
    }

    /// Evicts the stories last updated before `horizon`, and the least recently updated
    /// beyond [`Settings::max_stories`], which bounds memory within a poll.
    fn evict_before(&mut self, horizon: DateTime<Utc>) {
        if horizon > DateTime::<Utc>::MIN_UTC {
            // The recency queue is in order of placement, not of time: sweep it whole.
            let stale: Vec<StoryId> = self
                .stories
                .values()
                .filter(|s| s.last_update < horizon)
                .map(|s| s.id)
                .collect();
            for id in stale {
                self.remove(id);
            }
        }
        while self.stories.len() > self.settings.max_stories {
            let Some((when, id)) = self.recency.pop_front() else {
                break;
            };
            let current = self.stories.get(&id).map(|s| s.last_update);
            if current == Some(when) {
                self.remove(id);
            }
        }
        if self.recency.len() > self.stories.len() * 4 + 1024 {
            let stories = &self.stories;
            self.recency
                .retain(|(when, id)| stories.get(id).is_some_and(|s| s.last_update == *when));
        }
    }

    pub(super) fn remove(&mut self, id: StoryId) {
        if let Some(story) = self.stories.remove(&id) {
            self.evicted.push(id);
            for term in story.posted {
                if let Some(list) = self.postings.get_mut(&term) {
                    list.retain(|s| *s != id);
                    if list.is_empty() {
                        self.postings.remove(&term);
                    }
                }
            }
        }
    }
}

/// The [`NAMES_CHECKED`] heaviest names of a weighted vector, with their weights.
fn heaviest_names(vector: impl Iterator<Item = (u64, f32)>, names: &[u64]) -> Vec<(u64, f32)> {
    let mut out: Vec<(u64, f32)> = vector
        .filter(|t| names.binary_search(&t.0).is_ok())
        .collect();
    out.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out.truncate(NAMES_CHECKED);
    out
}

fn keep_in_centroid(names: &mut Vec<u64>, centroid: &[(u64, f32)]) {
    names.retain(|n| centroid.binary_search_by_key(n, |c| c.0).is_ok());
}

fn normalise(v: &mut [(u64, f32)]) {
    let norm = v.iter().map(|t| t.1 * t.1).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|t| t.1 /= norm);
    }
}

/// The sum of two vectors sorted by term.
fn merge(a: &[(u64, f32)], b: &[(u64, f32)]) -> Vec<(u64, f32)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if j >= b.len() || (i < a.len() && a[i].0 < b[j].0) {
            out.push(a[i]);
            i += 1;
        } else if i >= a.len() || b[j].0 < a[i].0 {
            out.push(b[j]);
            j += 1;
        } else {
            out.push((a[i].0, a[i].1 + b[j].1));
            i += 1;
            j += 1;
        }
    }
    out
}

/// `a` less `b`, both sorted by term: a term that falls to (about) nothing is dropped; one
/// only in `b` (a centroid lets its lightest terms go) is not subtracted.
fn difference(a: &[(u64, f32)], b: &[(u64, f32)]) -> Vec<(u64, f32)> {
    a.iter()
        .filter_map(|&(term, w)| {
            let left = match b.binary_search_by_key(&term, |t| t.0) {
                Ok(i) => w - b[i].1,
                Err(_) => w,
            };
            (left > 1e-4).then_some((term, left))
        })
        .collect()
}

/// An article's raw-weighted terms, normalised: what it adds to its story's centroid, so a
/// long text weighs no more than a summary.
fn raw_vector(signature: &Signature) -> Vec<(u64, f32)> {
    let mut v = signature.terms.clone();
    normalise(&mut v);
    v
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
