//! Writeback: while a poll writes, its log and the database file go to the disk a little at a
//! time, on a thread of their own.
//!
//! A poll appends every page it changes to the log (`-wal`), and the operating system keeps
//! those writes in memory until someone asks for them on disk. Left alone, the asking
//! happened all at once at the end of the poll: the checkpoint flushed the whole log
//! (0.2 s for the 190 MB of a cold poll of 1,000 feeds), copied it into the database and
//! flushed that (0.15 s), with the poll's cores idle. While a [`Writeback`] lives, in order:
//!
//! 1. every [`INTERVAL`], a background thread opens the log and the database file and, for
//!    each that was written to since its last round (size or modification time changed),
//!    asks for what is written so far to be on disk (`fdatasync`); it closes them again, so
//!    it never keeps a log that SQLite deleted;
//! 2. the writer and the decoders keep the cores meanwhile, since that thread only waits on
//!    the disk;
//! 3. when the guard is dropped the thread stops after its current round; nobody waits for
//!    it.
//!
//! What reaches the disk, and when it is promised there, is SQLite's business as before: the
//! flushes here only start early what the checkpoint's own flushes would do late. The price
//! is a few more bytes written: a page SQLite writes to the log again within a transaction
//! (after spilling it from its cache) reaches the disk twice.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

/// How often the thread flushes. A cold poll logs about 50 MB a second, so each round has a
/// couple of megabytes to write, and the checkpoint's copy of the log into the database
/// (about 0.1 s) is flushed a few times while it runs; a poll shorter than this never
/// flushes at all.
pub(crate) const INTERVAL: Duration = Duration::from_millis(40);

/// Flushes a database and its log in the background until dropped.
#[derive(Debug)]
pub(crate) struct Writeback {
    /// Dropping it ends the thread's loop.
    _stop: Option<Sender<()>>,
    /// The thread, which returns how many flushes it asked for. Nobody waits for it but
    /// tests.
    #[cfg_attr(not(test), allow(dead_code))]
    thread: Option<JoinHandle<usize>>,
}

impl Writeback {
    /// Starts flushing `db` and its log every [`INTERVAL`]. Without a thread (the system
    /// refused one) the flushes are left to the checkpoint, as without a `Writeback`.
    pub(crate) fn start(db: &Path) -> Writeback {
        let mut files = [
            Watched::new(super::wal_path(db)),
            Watched::new(db.to_path_buf()),
        ];
        let (stop, stopped) = mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("wirewatch-writeback".into())
            .spawn(move || {
                let mut flushes = 0;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                    for file in &mut files {
                        flushes += usize::from(file.flush_if_written());
                    }
                }
                flushes
            });
        match spawned {
            Ok(thread) => Writeback {
                _stop: Some(stop),
                thread: Some(thread),
            },
            Err(e) => {
                tracing::debug!(error = %e, "no writeback thread");
                Writeback {
                    _stop: None,
                    thread: None,
                }
            }
        }
    }

    /// Stops the thread and waits for it: the flushes it asked for.
    #[cfg(test)]
    fn finish(mut self) -> usize {
        drop(self._stop.take());
        self.thread.take().map_or(0, |t| t.join().unwrap())
    }
}

/// A file the thread flushes, and its size and modification time when it last did.
struct Watched {
    path: PathBuf,
    flushed: Option<(u64, SystemTime)>,
}

impl Watched {
    fn new(path: PathBuf) -> Watched {
        Watched {
            path,
            flushed: None,
        }
    }

    /// Asks for the file's written data to be on disk, unless nothing was written to it
    /// since the last time: a poll waiting on a slow site must not flush an idle disk's
    /// cache 25 times a second. A file that is gone (a log already checkpointed and
    /// deleted) or cannot be flushed is skipped: this is only a head start. Whether it
    /// flushed.
    fn flush_if_written(&mut self) -> bool {
        let Ok(file) = File::open(&self.path) else {
            return false;
        };
        let Ok(meta) = file.metadata() else {
            return false;
        };
        // Read before flushing: what is written meanwhile is flushed next round.
        let now = (
            meta.len(),
            meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        );
        if self.flushed == Some(now) {
            return false;
        }
        self.flushed = Some(now);
        file.sync_data().is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn flushes_what_was_written_while_it_lives_and_stops_with_its_guard() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("archive.db");
        std::fs::write(&db, b"pages").unwrap();
        // No log beside the database: rounds skip it.
        let writeback = Writeback::start(&db);
        // Many rounds: the database is flushed once, then left alone while nothing changes.
        std::thread::sleep(INTERVAL * 25);
        let mut file = std::fs::OpenOptions::new().append(true).open(&db).unwrap();
        file.write_all(b" and more pages").unwrap();
        // Written to: flushed again.
        std::thread::sleep(INTERVAL * 25);
        // Joining is the check that the thread stops once its guard goes.
        assert_eq!(writeback.finish(), 2);
    }
}
