#!/usr/bin/env bash
# Runs every fuzz target for a short while (FUZZ_SECONDS, default 20) when cargo-fuzz can
# build here; otherwise replays the corpus and seeded mutations as ordinary tests.
# New inputs go to a scratch directory, so the committed seed corpus stays small. The run is
# seeded (FUZZ_SEED, default 1) so that a failure in CI can be replayed; set another seed to
# explore further.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-20}"
targets=(decode sanitize date title query opml)

replay() {
    echo "run-short: $1; replaying the corpus as tests instead" >&2
    cd ..
    exec cargo test --test integration fuzz_replay
}

# cargo-fuzz comes from crates.io into the project's tool folder when the machine lacks it.
tools="$(cd .. && pwd)/.tools"
export PATH="$tools/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked --root "$tools" --quiet || replay "cargo-fuzz could not be installed"
fi

# cargo-fuzz needs unstable compiler flags: the one stable toolchain gives them with
# RUSTC_BOOTSTRAP=1 (harmless on nightly). The sanitizer is off: the engine forbids unsafe
# code, so AddressSanitizer would mostly slow the search down.
export RUSTC_BOOTSTRAP=1
flags=(-s none)
cargo fuzz build "${flags[@]}" || replay "cargo fuzz build failed"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
status=0
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    echo "run-short: fuzzing $target for ${seconds}s" >&2
    if ! cargo fuzz run "${flags[@]}" "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -seed="${FUZZ_SEED:-1}" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1; then
        echo "run-short: $target found a crash; see fuzz/artifacts/$target/" >&2
        status=1
    fi
done
exit "$status"
