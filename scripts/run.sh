#!/usr/bin/env bash
# Sets up, builds and launches the Wirewatch desktop app. The database is the platform default
# (~/.local/share/wirewatch/wirewatch.db) unless WIREWATCH_DB says otherwise; the first launch
# offers the South Asia starter pack (feeds and the default ceasefire rule).
#
# The app is built with the `local` profile (Cargo.toml): optimised, but without the fat LTO and
# single codegen unit of `release`, which made a first build several times longer. That is
# what `tauri build` does, with another profile: build the frontend into ui/dist, then build
# the app with the `custom-protocol` feature, which embeds ui/dist in the binary instead of
# loading the development server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm --prefix ui run build
cargo build --profile local -p wirewatch-desktop --features custom-protocol
exec "${CARGO_TARGET_DIR:-target}/local/wirewatch-desktop" "$@"
