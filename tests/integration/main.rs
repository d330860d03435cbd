//! Integration tests of the Wirewatch engine, all against real HTTP servers on 127.0.0.1 and
//! real SQLite files in temporary directories: a module for each stage tested through its
//! public functions (`fetch`, `decode`, `discover`, `opml`, `rules`, `schedule`), and modules
//! for what crosses stages (`engine`, `full_text`, `cli`, `bad_input`, `hostile`, `crash`, `upgrade`,
//! `fuzz_replay`); `support` holds the shared servers and fixtures.

mod bad_input;
mod cli;
mod coverage;
mod crash;
mod decode;
mod discover;
mod engine;
mod extract;
mod fetch;
mod full_text;
mod fuzz_replay;
mod hostile;
mod lexicon;
mod opml;
mod rules;
mod schedule;
mod story;
mod support;
mod upgrade;
