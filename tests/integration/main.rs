//! Integration tests of the Wirewatch engine, one module per engine module, all against real
//! HTTP servers on 127.0.0.1 and real SQLite files in temporary directories.

mod bad_input;
mod cli;
mod coverage;
mod crash;
mod decode;
mod discover;
mod engine;
mod extract;
mod fetch;
mod fuzz_replay;
mod hostile;
mod lexicon;
mod opml;
mod rules;
mod schedule;
mod story;
mod support;
mod upgrade;
