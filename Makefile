# The commands the README gives. `make run` and `make test` work on a fresh Debian 12 machine.
.PHONY: run test check engine-test ui-test e2e screenshots deb bench

run:
	scripts/run.sh

test:
	scripts/test.sh

check:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	scripts/check-bindings.sh

engine-test:
	cargo test

ui-test:
	npm --prefix ui run check
	npm --prefix ui test

e2e:
	scripts/setup.sh
	tests/e2e/run.sh

screenshots:
	scripts/setup.sh
	WIREWATCH_SCREENSHOTS=$(CURDIR)/docs/screenshots tests/e2e/run.sh

deb:
	scripts/setup.sh
	cargo build --release --bin wirewatch
	npm --prefix ui exec -- tauri build --bundles deb

bench:
	bench/run
