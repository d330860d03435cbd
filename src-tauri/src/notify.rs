//! Desktop notifications for alerts, and taking the user to the alert a notification is about.
//!
//! The engine already coalesces a poll's alerts into a few notifications; each is shown as it
//! comes. Getting from a notification back to its alert is limited on desktops:
//!
//! - tauri-plugin-notification reports a click on the notification itself (`tap`) only as far
//!   as the platform does. On Linux that needs a notification server that supports actions and
//!   sends `ActionInvoked` for the `default` action (GNOME, KDE, dunst do; some others and
//!   headless sessions never report anything); on Windows only while the toast is on screen.
//!   When a click is reported, the window is shown and focused and gets `wirewatch://focus-alert`
//!   for that notification's alert.
//! - Otherwise, the newest alert notified while the window was not in front is remembered and
//!   sent the next time the window gains focus (from the tray, the taskbar, a second launch, or
//!   a desktop that activates the app when its notification is clicked).

use crate::{main_window, show_main_window, MAIN_WINDOW};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;
use wirewatch::model::{AlertId, Notification};

/// Event telling the window to show one alert.
pub const FOCUS_ALERT_EVENT: &str = "wirewatch://focus-alert";

/// Notifications remembered for click reports; older ones open the window without an alert.
const REMEMBERED: usize = 64;

/// Payload of [`FOCUS_ALERT_EVENT`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct FocusAlert {
    alert_id: AlertId,
}

/// Which alert each shown notification stands for, and the alert waiting for the window.
#[derive(Default)]
struct Shown {
    next_id: AtomicI32,
    alerts: Mutex<VecDeque<(i32, AlertId)>>,
    pending: Mutex<Option<AlertId>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Prepares the bookkeeping and listens for clicks on notifications.
pub fn init(app: &AppHandle) {
    app.manage(Shown::default());
    let handle = app.clone();
    let listening = app.notification().on_action(move |performed| {
        if performed.action_id() != "tap" {
            return;
        }
        let shown = handle.state::<Shown>();
        let alert = performed.notification().and_then(|n| {
            let alerts = lock(&shown.alerts);
            alerts.iter().find(|(id, _)| *id == n.id()).map(|(_, a)| *a)
        });
        // The click answers whatever was pending, even when its own alert is forgotten.
        let pending = lock(&shown.pending).take();
        if let Some(alert_id) = alert.or(pending) {
            focus_alert(&handle, alert_id);
        } else {
            show_main_window(&handle);
        }
    });
    if let Err(err) = listening {
        tracing::warn!(error = %err, "clicks on notifications will not be reported");
    }
}

/// A spike alert, as one notification with its sentence.
pub fn spike(app: &AppHandle, rule_name: &str, message: &str) {
    let result = app
        .notification()
        .builder()
        .title(format!("Spike: {rule_name}"))
        .body(message)
        .show();
    if let Err(err) = result {
        tracing::warn!(error = %err, "could not show a spike notification");
    }
}

/// Shows the engine's (already coalesced) notifications.
pub fn show(app: &AppHandle, notifications: &[Notification]) {
    let Some(shown) = app.try_state::<Shown>() else {
        return;
    };
    for n in notifications {
        let id = shown
            .next_id
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1);
        {
            let mut alerts = lock(&shown.alerts);
            alerts.push_back((id, n.alert_id));
            while alerts.len() > REMEMBERED {
                alerts.pop_front();
            }
        }
        let result = app
            .notification()
            .builder()
            .id(id)
            .title(&n.title)
            .body(&n.body)
            .show();
        if let Err(err) = result {
            tracing::warn!(error = %err, "could not show a notification");
        }
    }
    if !window_in_front(app) {
        if let Some(newest) = notifications.iter().map(|n| n.alert_id).max() {
            *lock(&shown.pending) = Some(newest);
        }
    }
}

/// The window came to the front: take the user to the alert they were last notified of.
pub fn window_focused(app: &AppHandle) {
    let pending = app
        .try_state::<Shown>()
        .and_then(|shown| lock(&shown.pending).take());
    if let Some(alert_id) = pending {
        emit_focus_alert(app, alert_id);
    }
}

fn window_in_front(app: &AppHandle) -> bool {
    main_window(app).is_some_and(|w| {
        w.is_visible().unwrap_or(false)
            && w.is_focused().unwrap_or(false)
            && !w.is_minimized().unwrap_or(false)
    })
}

fn focus_alert(app: &AppHandle, alert_id: AlertId) {
    emit_focus_alert(app, alert_id);
    show_main_window(app);
}

fn emit_focus_alert(app: &AppHandle, alert_id: AlertId) {
    if let Err(err) = app.emit_to(MAIN_WINDOW, FOCUS_ALERT_EVENT, FocusAlert { alert_id }) {
        tracing::warn!(error = %err, "could not send focus-alert to the window");
    }
}
