//! Placing a poll's new articles in stories on a thread of its own, beside the writer.
//!
//! Grouping is sequential (each article is weighed against the stories placed before it), and
//! so is the writer; run one after the other, a cold poll paid for both. The writer instead:
//!
//! 1. classifies a feed's entries and hands each new one's signature to [`Placer::submit`],
//!    which returns at once: a thread of the poll's transaction places them in that order
//!    with [`StoryIndex::place`];
//! 2. stores them one by one, taking each one's placement from [`Placer::take`] as it goes
//!    (by then it is mostly made: the writer's own work per article is longer);
//! 3. at the end of the transaction, [`Placer::finish`] waits for the thread and says which
//!    stories changed, so their terms are written once, not once per article.
//!
//! With grouping off ([`Placer::alone`]) no thread runs: each article starts a story of its
//! own, with an id the index reserves.

use super::index::{Placement, StoryIndex};
use super::signature::Signature;
use super::StoryId;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::{Scope, ScopedJoinHandle};

/// What the placing thread is asked, in the writer's order.
enum Job {
    /// An article to place.
    Place {
        signature: Signature,
        at: DateTime<Utc>,
        outlet: u64,
    },
    /// An outlet a story's article came through too ([`StoryIndex::add_outlet`]).
    Outlet { story: StoryId, outlet: u64 },
}

/// Where a poll's new articles are placed: beside the writer, or (grouping off) in turn.
pub struct Placer<'scope> {
    way: Way<'scope>,
}

enum Way<'scope> {
    /// Grouping off: placements made at once, each a story of its own.
    Alone {
        index: &'scope mut StoryIndex,
        ready: VecDeque<Placement>,
    },
    /// Placed by a thread of the scope, in the order submitted.
    Beside {
        jobs: Option<Sender<Job>>,
        placements: Receiver<Placement>,
        thread: Option<ScopedJoinHandle<'scope, Vec<StoryId>>>,
    },
}

impl<'scope> Placer<'scope> {
    /// Places articles on a thread of `scope`, with `index`, until [`Placer::finish`].
    pub fn beside<'env>(scope: &'scope Scope<'scope, 'env>, index: &'scope mut StoryIndex) -> Self {
        let (jobs, inbox) = channel::<Job>();
        let (outbox, placements) = channel::<Placement>();
        let thread = scope.spawn(move || {
            let mut touched = Vec::new();
            for job in inbox {
                match job {
                    Job::Place {
                        signature,
                        at,
                        outlet,
                    } => {
                        let placement = index.place(&signature, at, outlet);
                        touched.push(placement.story);
                        if outbox.send(placement).is_err() {
                            break; // the writer gave up (an error): nothing more to place
                        }
                    }
                    Job::Outlet { story, outlet } => {
                        if index.add_outlet(story, outlet) {
                            touched.push(story);
                        }
                    }
                }
            }
            touched.sort_unstable();
            touched.dedup();
            touched
        });
        Placer {
            way: Way::Beside {
                jobs: Some(jobs),
                placements,
                thread: Some(thread),
            },
        }
    }

    /// Grouping off: each article starts a story of its own, its id reserved from `index`.
    pub fn alone(index: &'scope mut StoryIndex) -> Self {
        Placer {
            way: Way::Alone {
                index,
                ready: VecDeque::new(),
            },
        }
    }

    /// Asks for the placement of an article of `outlet` published (or first seen) at `at`;
    /// [`Placer::take`] gives placements in the order asked.
    pub fn submit(&mut self, signature: Signature, at: DateTime<Utc>, outlet: u64) {
        match &mut self.way {
            Way::Alone { index, ready } => ready.push_back(Placement {
                story: index.reserve_id(),
                started: true,
                score: 0.0,
                new_outlet: true,
            }),
            Way::Beside { jobs, .. } => {
                let job = Job::Place {
                    signature,
                    at,
                    outlet,
                };
                // The thread only stops when this side is gone, or after a panic, which
                // `take` passes on.
                if let Some(jobs) = jobs {
                    let _ = jobs.send(job);
                }
            }
        }
    }

    /// An article already in `story` came through `outlet` too: the story takes no other
    /// article of it (in the order of the articles submitted). With grouping off, no story
    /// takes a second article anyway.
    pub fn add_outlet(&mut self, story: StoryId, outlet: u64) {
        if let Way::Beside {
            jobs: Some(jobs), ..
        } = &mut self.way
        {
            let _ = jobs.send(Job::Outlet { story, outlet });
        }
    }

    /// The placement of the oldest article submitted and not yet taken, waiting for it if
    /// need be. A panic of the placing thread is resumed here.
    ///
    /// # Panics
    /// When no article is waiting (a bug of the caller).
    pub fn take(&mut self) -> Placement {
        match &mut self.way {
            Way::Alone { ready, .. } => ready.pop_front().expect("an article was submitted"),
            Way::Beside {
                placements, thread, ..
            } => match placements.recv() {
                Ok(placement) => placement,
                Err(_) => {
                    let thread = thread.take().expect("the placing thread is joined once");
                    match thread.join() {
                        Err(panic) => std::panic::resume_unwind(panic),
                        Ok(_) => panic!("more placements taken than articles submitted"),
                    }
                }
            },
        }
    }

    /// Waits for the placing thread to finish; the stories it started or added to, each once.
    pub fn finish(self) -> Vec<StoryId> {
        match self.way {
            Way::Alone { .. } => Vec::new(),
            Way::Beside {
                jobs, mut thread, ..
            } => {
                drop(jobs);
                match thread.take().map(ScopedJoinHandle::join) {
                    Some(Ok(touched)) => touched,
                    Some(Err(panic)) => std::panic::resume_unwind(panic),
                    None => Vec::new(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::story::Settings;
    use crate::text::tokens;

    fn signature(title: &str, body: &str) -> Signature {
        Signature::new(title, &tokens(title), body, &tokens(body))
    }

    fn texts() -> Vec<(&'static str, &'static str)> {
        vec![
            (
                "Ceasefire agreed along the Line of Control",
                "Islamabad and New Delhi agreed a ceasefire on Saturday, the DGMOs said after a hotline call at 1700 IST.",
            ),
            (
                "Monsoon floods cut off Assam villages",
                "Brahmaputra waters rose in Dhubri and Goalpara; 40,000 people moved to relief camps.",
            ),
            (
                "DGMOs agree ceasefire after hotline call",
                "After a hotline call at 1700 IST, the DGMOs of India and Pakistan agreed a ceasefire along the Line of Control.",
            ),
        ]
    }

    /// The thread places as the index would in turn: same stories, same order.
    #[test]
    fn placements_beside_the_writer_are_those_made_in_turn() {
        let at = Utc::now();
        let mut alone = StoryIndex::new(Settings::default(), 1);
        let want: Vec<Placement> = texts()
            .iter()
            .enumerate()
            .map(|(i, (t, b))| alone.place(&signature(t, b), at, i as u64))
            .collect();

        let mut index = StoryIndex::new(Settings::default(), 1);
        let (got, touched) = std::thread::scope(|s| {
            let mut placer = Placer::beside(s, &mut index);
            for (i, (t, b)) in texts().iter().enumerate() {
                placer.submit(signature(t, b), at, i as u64);
            }
            let got: Vec<Placement> = (0..3).map(|_| placer.take()).collect();
            (got, placer.finish())
        });
        assert_eq!(got, want);
        assert!(
            !got[2].started,
            "the second ceasefire report joins the first"
        );
        let mut stories: Vec<StoryId> = want.iter().map(|p| p.story).collect();
        stories.sort_unstable();
        stories.dedup();
        assert_eq!(touched, stories, "each story touched is named once");
        assert_eq!(index.live_stories(), 2);
    }

    /// Grouping off: every article a story of its own, ids in order, no thread.
    #[test]
    fn alone_each_article_starts_its_own_story() {
        let mut index = StoryIndex::new(Settings::default(), 7);
        let mut placer = Placer::alone(&mut index);
        for (t, b) in texts() {
            placer.submit(signature(t, b), Utc::now(), 1);
        }
        let got: Vec<(StoryId, bool)> = (0..3)
            .map(|_| placer.take())
            .map(|p| (p.story, p.started))
            .collect();
        assert_eq!(got, vec![(7, true), (8, true), (9, true)]);
        assert!(placer.finish().is_empty());
        assert_eq!(index.live_stories(), 0, "nothing was grouped");
    }
}
