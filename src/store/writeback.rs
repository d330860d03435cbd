//! Writeback: while a poll writes, its log and the database file go to the disk a little at a
//! time, on a thread of their own.
//!
//! A poll appends every page it changes to the log (`-wal`), and the operating system keeps
//! those writes in memory until someone asks for them on disk. Left alone, the asking
//! happened all at once at the end of the poll: the checkpoint flushed the whole log
//! (0.2 s for the 190 MB of a cold poll of 1,000 feeds), copied it into the database and
//! flushed that (0.15 s), with the poll's cores idle. While a [`Writeback`] lives, in order:
//!
//! 1. every [`INTERVAL`], a background thread opens the log and the database file and asks
//!    for what is written so far to be on disk (`fdatasync`), then closes them again, so it
//!    never keeps a log that SQLite deleted;
//! 2. the writer and the decoders keep the cores meanwhile, since that thread only waits on
//!    the disk;
//! 3. when the guard is dropped the thread stops after its current round; nobody waits for
//!    it.
//!
//! What reaches the disk, and when it is promised there, is SQLite's business as before: the
//! flushes here only start early what the checkpoint's own flushes would do late.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

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
    /// The thread, which returns how many rounds it flushed. Nobody waits for it but tests.
    #[cfg_attr(not(test), allow(dead_code))]
    thread: Option<JoinHandle<usize>>,
}

impl Writeback {
    /// Starts flushing `db` and its log every [`INTERVAL`]. Without a thread (the system
    /// refused one) the flushes are left to the checkpoint, as without a `Writeback`.
    pub(crate) fn start(db: &Path) -> Writeback {
        let files = [super::wal_path(db), db.to_path_buf()];
        let (stop, stopped) = mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("wirewatch-writeback".into())
            .spawn(move || {
                let mut rounds = 0;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                    flush(&files);
                    rounds += 1;
                }
                rounds
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

    /// Stops the thread and waits for it: the rounds it flushed.
    #[cfg(test)]
    fn finish(mut self) -> usize {
        drop(self._stop.take());
        self.thread.take().map_or(0, |t| t.join().unwrap())
    }
}

/// Asks for the files' written data to be on disk. A file that is gone (a log already
/// checkpointed and deleted) or cannot be flushed is skipped: this is only a head start.
fn flush(files: &[PathBuf]) {
    for path in files {
        if let Ok(file) = File::open(path) {
            let _ = file.sync_data();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flushes_while_it_lives_and_stops_with_its_guard() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("archive.db");
        std::fs::write(&db, b"pages").unwrap();
        // No log beside the database: rounds skip it and flush the database alone.
        let writeback = Writeback::start(&db);
        std::thread::sleep(INTERVAL * 10);
        // Joining is the check that the thread stops once its guard goes.
        let rounds = writeback.finish();
        assert!(rounds >= 1, "flushed {rounds} times in ten intervals");
    }
}
