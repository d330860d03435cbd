//! The one task that carries engine events to the window, the notifications and the tray.

use crate::{notify, tray};
use tauri::{AppHandle, Emitter};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;
use wirewatch::model::{EngineEvent, FullTextStatus};
use wirewatch::Engine;

/// Event name under which the window receives every [`EngineEvent`], unchanged.
pub const ENGINE_EVENT: &str = "wirewatch://event";

/// Subscribes now and forwards every engine event until `shutdown`.
pub fn spawn_forwarder(app: AppHandle, engine: Engine, shutdown: CancellationToken) {
    let mut events = engine.events().subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            let received = tokio::select! {
                _ = shutdown.cancelled() => break,
                received = events.recv() => received,
            };
            match received {
                Ok(event) => forward(&app, event),
                Err(RecvError::Lagged(missed)) => {
                    // The window reloads its lists on the next poll; the badge is fixed now.
                    tracing::warn!(missed, "the window fell behind the engine's events");
                    tray::refresh_unread(&app);
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
}

fn forward(app: &AppHandle, event: EngineEvent) {
    if let Err(err) = app.emit(ENGINE_EVENT, &event) {
        tracing::warn!(error = %err, "could not send an engine event to the window");
    }
    match event {
        EngineEvent::Notify { notifications } => {
            notify::show(app, &notifications);
            tray::refresh_unread(app);
        }
        // Alerts of a poll are counted once it is stored, not once per alert; removing a rule
        // removes its alerts.
        EngineEvent::PollFinished { .. }
        | EngineEvent::RulesChanged
        | EngineEvent::AlertsChanged { .. } => tray::refresh_unread(app),
        // A full text that matched a rule raised its alert just before (outside any poll, and
        // without a notification when the rule wants none): the badge counts it now.
        EngineEvent::FullText {
            status: FullTextStatus::Fetched,
            ..
        } => tray::refresh_unread(app),
        EngineEvent::MonitoringChanged { paused } => tray::set_paused(app, paused),
        EngineEvent::Spike { spike } => notify::spike(app, &spike.rule_name, &spike.message),
        _ => {}
    }
}
