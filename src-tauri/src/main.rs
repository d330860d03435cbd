//! Wirewatch desktop: a thin Tauri shell around the monitoring engine.
//!
//! The shell opens one [`wirewatch::Engine`], runs its background loop on Tauri's async
//! runtime, forwards every engine event to the window ([`events`]), turns alerts into desktop
//! notifications and a tray badge ([`notify`], [`tray`]), and exposes the engine's operations
//! as commands ([`commands`]). Nothing here knows SQL, HTTP or the rule language.

// No console window next to the app in Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod events;
mod notify;
mod tray;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Manager, RunEvent, WebviewWindow, WebviewWindowBuilder, WindowEvent};
use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
use tokio_util::sync::CancellationToken;
use wirewatch::{Config, Engine, SystemClock};

/// Label of the one window, as in `tauri.conf.json`.
pub const MAIN_WINDOW: &str = "main";

/// Argument the login item starts the app with: monitor from the tray, window hidden.
const HIDDEN_ARG: &str = "--hidden";

/// How long the engine's loop gets to finish its current step when the app quits.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The engine's background loop, and how to stop it.
struct Lifecycle {
    shutdown: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
}

#[global_allocator]
static ALLOCATOR: wirewatch::Allocator = wirewatch::Allocator;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // After the log is set up, so a kernel that refuses says so.
    wirewatch::settle_memory();

    let app = tauri::Builder::default()
        // First, so a second launch hands over to the running one before opening anything.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_main_window(app);
        }))
        .plugin(
            tauri_plugin_window_state::Builder::new()
                // Visibility is the tray's business: a window hidden to the tray when the user
                // quit must still open next time.
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::all()
                        - tauri_plugin_window_state::StateFlags::VISIBLE,
                )
                .build(),
        )
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![HIDDEN_ARG]),
        ))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(commands::handler())
        .setup(|app| {
            #[cfg(unix)]
            quit_on_signal(app.handle());
            let db_path = db_path();
            match Engine::open(Config::new(&db_path), Arc::new(SystemClock)) {
                Ok(engine) => start(app.handle(), engine)?,
                Err(err) => refuse_to_start(app.handle(), &db_path, &err),
            }
            Ok(())
        })
        .on_window_event(|window, event| match event {
            WindowEvent::CloseRequested { api, .. }
                if window.label() == MAIN_WINDOW && close_to_tray(window.app_handle()) =>
            {
                api.prevent_close();
                let _ = window.hide();
            }
            WindowEvent::Focused(true) if window.label() == MAIN_WINDOW => {
                notify::window_focused(window.app_handle());
            }
            _ => {}
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|err| {
            eprintln!("Wirewatch could not start: {err}");
            std::process::exit(1);
        });

    app.run(|app, event| {
        if let RunEvent::Exit = event {
            stop_engine(app);
        }
    });
}

/// The database: `WIREWATCH_DB` if set, else the one the CLI uses too.
fn db_path() -> PathBuf {
    std::env::var_os("WIREWATCH_DB")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(wirewatch::config::default_db_path)
}

/// Starts monitoring and opens the window.
fn start(app: &AppHandle, engine: Engine) -> tauri::Result<()> {
    let shutdown = CancellationToken::new();
    app.manage(engine.clone());

    // Subscribe before the loop starts so not even its first poll is missed.
    events::spawn_forwarder(app.clone(), engine.clone(), shutdown.clone());
    let task = {
        let (engine, shutdown) = (engine.clone(), shutdown.clone());
        tauri::async_runtime::spawn(async move {
            if let Err(err) = engine.run(shutdown).await {
                tracing::error!(error = %err, "the monitoring loop stopped");
            }
        })
    };
    app.manage(Lifecycle {
        shutdown,
        task: Mutex::new(Some(task)),
    });

    notify::init(app);
    let hidden = std::env::args().any(|a| a == HIDDEN_ARG);
    let window = main_window_config(app)?;
    WebviewWindowBuilder::from_config(app, &window)?
        .visible(!hidden)
        .build()?;
    if let Err(err) = tray::create(app, &engine) {
        // Headless sessions and some desktops have no tray; the window still works.
        tracing::warn!(error = %err, "no tray icon");
    }
    Ok(())
}

fn main_window_config(app: &AppHandle) -> tauri::Result<tauri::utils::config::WindowConfig> {
    app.config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN_WINDOW)
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)
}

/// The database cannot be used (not a Wirewatch database, corrupt, from a newer version, no
/// permission): say so in a native dialog and exit non-zero instead of opening a blank window.
fn refuse_to_start(app: &AppHandle, db_path: &std::path::Path, err: &wirewatch::Error) {
    let message = format!(
        "Wirewatch could not open its database.\n\n{err}\n\nDatabase: {}\n\n\
         Set WIREWATCH_DB to use another file.",
        db_path.display()
    );
    eprintln!("{message}");
    let handle = app.clone();
    app.dialog()
        .message(message)
        .title("Wirewatch cannot start")
        .kind(MessageDialogKind::Error)
        .show(move |_| handle.exit(1));
}

/// Whether closing the window should keep Wirewatch running in the tray (the default).
fn close_to_tray(app: &AppHandle) -> bool {
    app.try_state::<Engine>()
        .and_then(|engine| engine.settings().ok())
        .is_none_or(|s| s.close_to_tray)
}

/// The main window, if it exists.
pub fn main_window(app: &AppHandle) -> Option<WebviewWindow> {
    app.get_webview_window(MAIN_WINDOW)
}

/// Brings the main window to the front (from the tray, a second launch or a notification).
pub fn show_main_window(app: &AppHandle) {
    if let Some(window) = main_window(app) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Quits cleanly (through [`RunEvent::Exit`]) on SIGTERM or SIGINT, as at logout or Ctrl+C.
#[cfg(unix)]
fn quit_on_signal(app: &AppHandle) {
    use tokio::signal::unix::{signal, SignalKind};
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("cannot listen for termination signals");
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("asked to stop; quitting");
        app.exit(0);
    });
}

/// Stops the engine's loop and waits briefly for it, so a poll's write is not cut short.
fn stop_engine(app: &AppHandle) {
    let Some(lifecycle) = app.try_state::<Lifecycle>() else {
        return;
    };
    lifecycle.shutdown.cancel();
    let task = lifecycle
        .task
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(task) = task {
        tauri::async_runtime::block_on(async {
            match tokio::time::timeout(SHUTDOWN_GRACE, task).await {
                Ok(_) => tracing::info!("monitoring stopped"),
                Err(_) => tracing::warn!("the monitoring loop did not stop in time"),
            }
        });
    }
}
