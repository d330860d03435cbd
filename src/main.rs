//! `wirewatch`: the command-line face of the engine, for servers, cron jobs and scripts.
//!
//! Every command opens the database (`--db`, `WIREWATCH_DB`, or the platform data directory,
//! shared with the desktop app), does one thing, and exits; `run` keeps polling until
//! interrupted. Listings print a table, or JSON with `--json`. Errors are one line on stderr
//! and a non-zero exit status. The commands live in [`cli`]; this file only starts them.

mod cli;

use clap::Parser;

#[global_allocator]
static ALLOCATOR: wirewatch::Allocator = wirewatch::Allocator;

fn main() {
    let args = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("WIREWATCH_LOG"))
        .with_writer(std::io::stderr)
        .init();
    // After the log is set up, so a kernel that refuses says so.
    wirewatch::settle_memory();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => fail(&anyhow::anyhow!(e)),
    };
    if let Err(e) = runtime.block_on(cli::run(args)) {
        fail(&e);
    }
}

/// Prints `e` and its causes on one line and exits with status 1.
fn fail(e: &anyhow::Error) -> ! {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        msg.push_str(&format!(": {cause}"));
    }
    eprintln!("wirewatch: error: {msg}");
    std::process::exit(1);
}
