#!/usr/bin/env bash
# Fails when the two sides of the window's IPC disagree: first the Tauri command names and
# arguments of src-tauri/src/ against ui/src/lib/ipc.ts (scripts/check-commands.mjs, after its
# own tests), then the TypeScript bindings committed in ui/src/lib/bindings/ against the
# engine's types (src/model.rs).
#
# The engine's ts-rs exports run as tests; this runs them with TS_RS_EXPORT_DIR pointing at a
# temporary directory (the environment wins over .cargo/config.toml) and compares the result
# with the committed files, so nothing in the work tree is touched.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
committed="$root/ui/src/lib/bindings"
fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT

cd "$root"
node --test --test-reporter=dot scripts/check-commands.test.mjs
node scripts/check-commands.mjs

if ! TS_RS_EXPORT_DIR="$fresh" cargo test --quiet -p wirewatch --lib export_bindings \
    >"$fresh.log" 2>&1; then
    cat "$fresh.log" >&2
    rm -f "$fresh.log"
    echo "check-bindings: generating the bindings failed (see above)" >&2
    exit 1
fi
rm -f "$fresh.log"

if [ -z "$(ls -A "$fresh")" ]; then
    echo "check-bindings: no bindings were generated; did the export_bindings tests move?" >&2
    exit 1
fi

if [ ! -d "$committed" ]; then
    echo "check-bindings: $committed is missing" >&2
    exit 1
fi

if ! changes="$(diff -ru "$committed" "$fresh")"; then
    printf '%s\n' "$changes" | sed "s|$fresh|(generated)|g; s|$root/||g" >&2
    cat >&2 <<'MSG'

check-bindings: the TypeScript bindings in ui/src/lib/bindings/ are stale.
They no longer match the engine's types in src/model.rs. Regenerate and commit them:

    cargo test -p wirewatch --lib export_bindings
    git add ui/src/lib/bindings
MSG
    exit 1
fi
echo "check-bindings: ui/src/lib/bindings is up to date ($(ls "$fresh" | wc -l) files)"
