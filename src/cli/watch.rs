//! `poll` and `run`: fetching feeds once, or as they come due.

use super::{output, Output};
use std::io::IsTerminal;
use tokio_util::sync::CancellationToken;
use wirewatch::Engine;

/// `poll`: the due feeds, or all with `all`, once.
pub async fn poll(engine: &Engine, all: bool, out: Output) -> anyhow::Result<()> {
    let progress = show_progress(engine, out.json);
    let summary = if all {
        engine.poll_all().await?
    } else {
        engine.poll_due().await?
    };
    progress.abort();
    if out.json {
        return output::json(&summary);
    }
    output::poll_summary(&summary);
    Ok(())
}

/// `run`: polls as feeds come due, printing alerts, until Ctrl-C.
pub async fn run(engine: &Engine) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    });
    let mut events = engine.events().subscribe();
    tokio::spawn(async move {
        while let Ok(event) = events.recv().await {
            output::watch_event(event);
        }
    });
    eprintln!(
        "Watching {} feeds. Press Ctrl-C to stop.",
        engine.feeds()?.len()
    );
    engine.run(shutdown).await?;
    eprintln!("Stopped.");
    Ok(())
}

/// Draws a progress bar from poll events while a poll runs on a terminal.
pub fn show_progress(engine: &Engine, quiet: bool) -> tokio::task::JoinHandle<()> {
    let mut events = engine.events().subscribe();
    let visible = !quiet && std::io::stderr().is_terminal();
    tokio::spawn(async move {
        let mut progress = output::Progress::default();
        while let Ok(event) = events.recv().await {
            if visible {
                progress.update(&event);
            }
        }
    })
}
