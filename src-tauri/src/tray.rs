//! The tray icon: unread alerts at a glance, and monitoring without the window.
//!
//! The unread count is in the tooltip and, where the tray shows one (Linux app indicators,
//! macOS), in the title next to the icon; Linux app indicators show no tooltips.

use crate::show_main_window;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};
use wirewatch::Engine;

const SHOW: &str = "show";
const PAUSE: &str = "pause";
const REFRESH: &str = "refresh";
const QUIT: &str = "quit";

/// The tray icon and the menu item whose text follows the monitoring state.
struct Tray {
    icon: TrayIcon<Wry>,
    pause: MenuItem<Wry>,
}

fn pause_label(paused: bool) -> &'static str {
    if paused {
        "Resume monitoring"
    } else {
        "Pause monitoring"
    }
}

/// Creates the tray icon. Fails where the desktop has no tray; the app runs on without it.
pub fn create(app: &AppHandle, engine: &Engine) -> tauri::Result<()> {
    let paused = engine.settings().map(|s| s.paused).unwrap_or(false);
    let show = MenuItem::with_id(app, SHOW, "Show Wirewatch", true, None::<&str>)?;
    let pause = MenuItem::with_id(app, PAUSE, pause_label(paused), true, None::<&str>)?;
    let refresh = MenuItem::with_id(app, REFRESH, "Refresh all", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, QUIT, "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &show,
            &PredefinedMenuItem::separator(app)?,
            &pause,
            &refresh,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let mut builder = TrayIconBuilder::with_id("main")
        .tooltip("Wirewatch")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(on_menu_event)
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main_window(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let icon = builder.build(app)?;
    app.manage(Tray { icon, pause });
    refresh_unread(app);
    Ok(())
}

fn on_menu_event(app: &AppHandle, event: MenuEvent) {
    let engine = app.state::<Engine>().inner().clone();
    match event.id().as_ref() {
        SHOW => show_main_window(app),
        PAUSE => {
            tauri::async_runtime::spawn_blocking(move || {
                let toggled = engine.settings().and_then(|s| engine.set_paused(!s.paused));
                if let Err(err) = toggled {
                    tracing::warn!(error = %err, "could not pause or resume monitoring");
                }
            });
        }
        REFRESH => {
            tauri::async_runtime::spawn(async move {
                if let Err(err) = engine.refresh_all().await {
                    tracing::warn!(error = %err, "refresh from the tray failed");
                }
            });
        }
        QUIT => app.exit(0),
        _ => {}
    }
}

/// Re-reads the unread count (off the calling thread) and shows it on the tray icon.
pub fn refresh_unread(app: &AppHandle) {
    if app.try_state::<Tray>().is_none() {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let engine = app.state::<Engine>();
        let unread = match engine.unread_alert_count() {
            Ok(n) => n,
            Err(err) => {
                tracing::warn!(error = %err, "could not count unread alerts");
                return;
            }
        };
        let paused = engine.settings().map(|s| s.paused).unwrap_or(false);
        let tray = app.state::<Tray>();
        let _ = tray.icon.set_tooltip(Some(tooltip(unread, paused)));
        let _ = tray
            .icon
            .set_title((unread > 0).then(|| unread.to_string()));
    });
}

/// Follows a pause or resume, wherever it came from.
pub fn set_paused(app: &AppHandle, paused: bool) {
    if let Some(tray) = app.try_state::<Tray>() {
        let _ = tray.pause.set_text(pause_label(paused));
    }
    refresh_unread(app);
}

fn tooltip(unread: i64, paused: bool) -> String {
    let alerts = match unread {
        0 => "no unread alerts".to_string(),
        1 => "1 unread alert".to_string(),
        n => format!("{n} unread alerts"),
    };
    let paused = if paused { " (monitoring paused)" } else { "" };
    format!("Wirewatch: {alerts}{paused}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tooltip_counts_unread_alerts_and_says_when_paused() {
        assert_eq!(tooltip(0, false), "Wirewatch: no unread alerts");
        assert_eq!(tooltip(1, false), "Wirewatch: 1 unread alert");
        assert_eq!(
            tooltip(12, true),
            "Wirewatch: 12 unread alerts (monitoring paused)"
        );
    }

    #[test]
    fn pause_item_offers_the_opposite_of_the_current_state() {
        assert_eq!(pause_label(false), "Pause monitoring");
        assert_eq!(pause_label(true), "Resume monitoring");
    }
}
