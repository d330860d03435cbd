//! Full text at scale: a cold poll of F feeds × K items in which one feed in `every` is set
//! to fetch every article's own page (`always`), the others `never`; the feeds and the pages
//! are served on loopback by this process. Side by side in one run, each on a fresh archive
//! with the same rules:
//! 1. **baseline**: every feed `never`; the time to the poll's last alert;
//! 2. **full text**: the engine's background loop (`Engine::run`) polls and, beside it, fetches
//!    the pages; the time to the last alert raised from a feed's own text, to the last full
//!    text stored, and the peak RSS.
//!
//! Each scenario runs in a child process (`full-text-run`), so its peak RSS is the engine's
//! alone, as `/usr/bin/time` measures the CLI's in the other scenarios; this process writes
//! the feed files and serves them with the pages, as nginx would (sharing the two cores).
//! A page is the item's story with two more paragraphs and a site around it (menu, related
//! links, footer, a script), about 8 KB, made on request from the corpus generator.

use crate::corpus;
use anyhow::Context;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wirewatch::model::{EngineEvent, Field, FullTextMode, FullTextStatus, RuleDraft, RuleScope};
use wirewatch::{Config, Engine, SystemClock};

/// Runs both scenarios and prints one JSON line.
pub fn run(
    dir: &std::path::Path,
    feeds: usize,
    items: usize,
    every: usize,
    rules: usize,
    seed: u64,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let listener = server_rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let base = format!("http://{}", listener.local_addr()?);
    let www = dir.join("www");
    std::fs::create_dir_all(&www)?;
    for f in 0..feeds {
        let mut doc = corpus::feed_document(seed, f, items);
        if f % every == 0 {
            doc = doc
                .replace(
                    &format!("https://news{f}.example.com/"),
                    &format!("{base}/p/{f}/"),
                )
                .replace("https://wire.example.com/story/", &format!("{base}/w/"));
        }
        std::fs::write(www.join(corpus::file_name(f)), doc)?;
    }
    let app = {
        let www = www.clone();
        axum::Router::new().fallback(move |uri: axum::http::Uri| {
            let www = www.clone();
            async move { answer(&www, uri.path(), seed).await }
        })
    };
    // Without TCP_NODELAY a response's last segment waits for the client's delayed ACK
    // (40 ms), which made a cold poll of 1000 feeds take 24 s instead of 3.
    let listener = {
        use axum::serve::ListenerExt;
        listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        })
    };
    server_rt.spawn(async move { axum::serve(listener, app).await });

    let mut opml = String::from("<opml version=\"2.0\"><head/><body>\n");
    for f in 0..feeds {
        opml.push_str(&format!(
            "<outline text=\"{t}\" xmlUrl=\"{base}/{}\"/>\n",
            corpus::file_name(f),
            t = corpus::escape(&corpus::feed_title(seed, f))
        ));
    }
    opml.push_str("</body></opml>\n");
    let opml_path = dir.join("feeds.opml");
    std::fs::write(&opml_path, opml)?;

    let child = |name: &str, every: usize| -> anyhow::Result<serde_json::Value> {
        let db = dir.join(name);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let out = std::process::Command::new(std::env::current_exe()?)
            .arg("full-text-run")
            .arg("--db")
            .arg(&db)
            .arg("--opml")
            .arg(&opml_path)
            .args(["--every", &every.to_string()])
            .args(["--rules", &rules.to_string()])
            .args(["--seed", &seed.to_string()])
            .stderr(std::process::Stdio::inherit())
            .output()?;
        anyhow::ensure!(out.status.success(), "{name}: the measured run failed");
        Ok(serde_json::from_slice(&out.stdout)?)
    };
    // `every` 0: no feed fetches full texts.
    let baseline = child("baseline.db", 0)?;
    let ft = child("full-text.db", every)?;
    let line = serde_json::json!({
        "scenario": "full_text",
        "feeds": feeds,
        "items": items,
        "every": every,
        "rules": rules,
        "baseline_last_alert_s": baseline["last_feed_alert_s"],
        "baseline_poll_s": baseline["poll_s"],
        "baseline_peak_mib": baseline["peak_mib"],
        "last_feed_alert_s": ft["last_feed_alert_s"],
        "poll_s": ft["poll_s"],
        "last_full_text_s": ft["last_full_text_s"],
        "last_full_text_alert_s": ft["last_full_text_alert_s"],
        "full_texts": ft["full_texts"],
        "without_full_text": ft["without_full_text"],
        "full_text_alerts": ft["full_text_alerts"],
        "peak_mib": ft["peak_mib"],
    });
    println!("{line}");
    Ok(())
}

/// One measured run, in a process of its own: a fresh archive at `db` subscribed to `opml`,
/// one feed in `every` fetching full texts (none with 0), `rules` generated rules; prints
/// what [`measure`] saw and the process's peak RSS as one JSON line.
pub fn run_one(
    db: &std::path::Path,
    opml: &std::path::Path,
    every: usize,
    rules: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let engine = Engine::open(Config::new(db), Arc::new(SystemClock))?;
    let added = engine.import_opml(&std::fs::read_to_string(opml)?)?.added;
    for (f, feed) in added.iter().enumerate() {
        let always = every > 0 && f % every == 0;
        let mode = if always {
            FullTextMode::Always
        } else {
            FullTextMode::Never
        };
        engine.set_feed_full_text(feed.id, mode)?;
    }
    for r in corpus::rules(seed, rules) {
        engine.add_rule(&RuleDraft {
            name: r.name,
            query: r.query,
            scope: RuleScope::default(),
            notify: true,
            muted: false,
            renotify_outlets: None,
        })?;
    }
    let seen = tokio::runtime::Runtime::new()?.block_on(measure(&engine))?;
    println!(
        "{}",
        serde_json::json!({
            "poll_s": seen.poll,
            "last_feed_alert_s": seen.last_feed_alert,
            "last_full_text_s": seen.last_full_text,
            "last_full_text_alert_s": seen.last_full_text_alert,
            "full_texts": seen.fetched,
            "without_full_text": seen.given_up,
            "full_text_alerts": seen.full_text_alerts,
            "peak_mib": peak_mib(),
        })
    );
    Ok(())
}

/// What one cold run saw, in seconds from its start.
#[derive(Default)]
struct Seen {
    poll: f64,
    last_feed_alert: f64,
    last_full_text: f64,
    last_full_text_alert: f64,
    fetched: u64,
    given_up: u64,
    full_text_alerts: u64,
}

/// Runs the engine's loop from a cold archive until the poll is done and no page is queued.
async fn measure(engine: &Engine) -> anyhow::Result<Seen> {
    let mut events = engine.events().subscribe();
    let started = Instant::now();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn({
        let (engine, shutdown) = (engine.clone(), shutdown.clone());
        async move { engine.run(shutdown).await }
    });
    let mut seen = Seen::default();
    let mut polled = false;
    loop {
        let event = match tokio::time::timeout(Duration::from_millis(100), events.recv()).await {
            Ok(Ok(event)) => Some(event),
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => None,
            Ok(Err(e)) => return Err(e).context("events"),
            Err(_) => None,
        };
        let at = started.elapsed().as_secs_f64();
        let quiet = event.is_none();
        match event {
            Some(EngineEvent::Alert { alert, .. }) => {
                if alert.matches.iter().any(|m| m.field == Field::FullText) {
                    seen.last_full_text_alert = at;
                    seen.full_text_alerts += 1;
                } else {
                    seen.last_feed_alert = at;
                }
            }
            Some(EngineEvent::FullText { status, .. }) => {
                seen.last_full_text = at;
                match status {
                    FullTextStatus::Fetched => seen.fetched += 1,
                    _ => seen.given_up += 1,
                }
            }
            Some(EngineEvent::PollFinished { summary }) if summary.feeds > 0 => {
                seen.poll = at;
                polled = true;
            }
            _ => {}
        }
        // Done once a quiet moment follows the poll with no page queued: the events of the
        // last round (sent after its queue rows went) have come by then.
        if quiet && polled && engine.next_full_text_due()?.is_none() {
            break;
        }
    }
    shutdown.cancel();
    running.await??;
    Ok(seen)
}

/// A feed file from disk, an article page made from the corpus, or 404.
async fn answer(www: &std::path::Path, path: &str, seed: u64) -> axum::response::Response {
    use axum::response::IntoResponse;
    let html = |body: String| {
        (
            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response()
    };
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["p", f, .., slug] => {
            // `…/{slug}-{f}-{k}`
            let mut ends = slug.rsplit('-');
            let k = ends.next().and_then(|k| k.parse::<usize>().ok());
            match (f.parse::<usize>().ok(), k) {
                (Some(f), Some(k)) => html(page(
                    &corpus::item(seed, f, k).story,
                    seed ^ (f * 100_000 + k) as u64,
                )),
                _ => axum::http::StatusCode::NOT_FOUND.into_response(),
            }
        }
        ["w", w] => match w.parse::<u64>() {
            Ok(w) => {
                let mut r = corpus::Rng::derive(seed, &[2, w]);
                let ceasefire = r.chance(0.05);
                html(page(&corpus::Story::generate(&mut r, ceasefire), seed ^ w))
            }
            Err(_) => axum::http::StatusCode::NOT_FOUND.into_response(),
        },
        [file] if !file.contains("..") => match tokio::fs::read(www.join(file)).await {
            Ok(bytes) => (
                [(axum::http::header::CONTENT_TYPE, "application/xml")],
                bytes,
            )
                .into_response(),
            Err(_) => axum::http::StatusCode::NOT_FOUND.into_response(),
        },
        _ => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// An article page: the story, two more paragraphs, and a site around it.
fn page(story: &corpus::Story, seed: u64) -> String {
    let mut r = corpus::Rng::new(seed);
    let more: Vec<String> = (0..2)
        .map(|_| {
            (0..4)
                .map(|_| corpus::sentence(&mut r))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let related: String = (0..5)
        .map(|i| {
            format!(
                "<li><a href=\"/related/{i}\">{}</a></li>",
                corpus::escape(&corpus::headline(&mut r))
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} | News</title>\
         <meta name=\"author\" content=\"Staff Reporter\"><script>window.ads=[1,2,3];function boot(){{}}</script></head>\
         <body><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> <a href=\"/region\">Region</a> <a href=\"/business\">Business</a></nav>\
         <article><h1>{t}</h1>{body}<p>{m0}</p><p>{m1}</p></article>\
         <aside class=\"related\"><h3>Related stories</h3><ul>{related}</ul></aside>\
         <footer><p>© 2025 News. All rights reserved.</p></footer></body></html>",
        t = corpus::escape(&story.title),
        body = story.html(),
        m0 = corpus::escape(&more[0]),
        m1 = corpus::escape(&more[1]),
    )
}

/// The process's peak RSS, MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
