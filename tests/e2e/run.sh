#!/usr/bin/env bash
# Builds the desktop app and drives it end to end through WebDriver (tauri-driver +
# WebKitWebDriver) under Xvfb, against feed servers on 127.0.0.1. Screenshots of the main
# views go to $WIREWATCH_SCREENSHOTS (default: target/e2e-screenshots; `make screenshots`
# writes them to docs/screenshots).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
tools="$root/.tools"
if [ ! -x "$tools/bin/tauri-driver" ]; then
  cargo install tauri-driver@2.1.0 --locked --root "$tools" --quiet
fi
# Build through the Tauri CLI: a plain cargo build would lack the bundled frontend.
npm --prefix ui exec -- tauri build --debug --no-bundle
export WIREWATCH_E2E_APP="$root/target/debug/wirewatch-desktop"
export TAURI_DRIVER="$tools/bin/tauri-driver"
export WIREWATCH_SCREENSHOTS="${WIREWATCH_SCREENSHOTS:-$root/target/e2e-screenshots}"
xvfb-run -a -s "-screen 0 1440x900x24" cargo test -p wirewatch-e2e -- --test-threads=1
tests/e2e/notifications.sh
