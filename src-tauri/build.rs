//! Generates the Tauri context (configuration, capabilities, icons) at build time.

fn main() {
    tauri_build::build()
}
