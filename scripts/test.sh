#!/usr/bin/env bash
# Sets up and runs every test of Wirewatch: formatting and lints, the engine's unit and
# integration tests (CLI included), the IPC checks (command names, TypeScript bindings), the
# UI's component tests, the desktop app end to end under Xvfb, the .deb package (install,
# launch, upgrade), and a short fuzzing run. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "setup"
scripts/setup.sh

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

step "engine: unit and integration tests"
cargo test --workspace --exclude wirewatch-e2e

step "IPC: Tauri commands match ipc.ts, TypeScript bindings are up to date"
scripts/check-bindings.sh

step "UI: type check and component tests"
npm --prefix ui run check
npm --prefix ui test

if [ -x tests/e2e/run.sh ]; then
  step "desktop app end to end (WebDriver under Xvfb)"
  tests/e2e/run.sh
fi

if [ -x tests/package/run.sh ]; then
  step "package: build, install, launch, upgrade"
  tests/package/run.sh
fi

if [ -x fuzz/run-short.sh ]; then
  step "fuzzing (short run)"
  FUZZ_SECONDS="${FUZZ_SECONDS:-15}" fuzz/run-short.sh
fi

step "all tests passed"
