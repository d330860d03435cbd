#!/usr/bin/env bash
# Sets up, builds and launches the Wirewatch desktop app. The database is the platform default
# (~/.local/share/wirewatch/wirewatch.db) unless WIREWATCH_DB says otherwise; the first launch
# offers the South Asia starter pack (feeds and the default ceasefire rule).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm --prefix ui exec -- tauri build --no-bundle
exec target/release/wirewatch-desktop "$@"
