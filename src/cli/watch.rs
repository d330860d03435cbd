//! `poll` and `run`: fetching feeds once, or as they come due.

use super::{output, Output};
use std::io::IsTerminal;
use tokio_util::sync::CancellationToken;
use wirewatch::Engine;

/// `poll`: the due feeds, or all with `all`, once.
pub async fn poll(engine: &Engine, all: bool, full_text: bool, out: Output) -> anyhow::Result<()> {
    let progress = show_progress(engine, out.json);
    let summary = if all {
        engine.poll_all().await?
    } else {
        engine.poll_due().await?
    };
    progress.abort();
    let pages = match full_text {
        true => Some(engine.fetch_full_texts().await?),
        false => None,
    };
    if out.json {
        return match pages {
            // The poll's summary, with what became of the pages beside it.
            Some(p) => output::json(&serde_json::json!({
                "poll": summary,
                "full_text": {
                    "fetched": p.fetched,
                    "given_up": p.given_up,
                    "put_off": p.put_off,
                    "alerts": p.alerts,
                },
            })),
            None => output::json(&summary),
        };
    }
    output::poll_summary(&summary);
    if let Some(p) = pages {
        println!(
            "full texts: {} fetched, {} without (see each article), {} to try again; {} alerts",
            p.fetched, p.given_up, p.put_off, p.alerts
        );
    }
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
