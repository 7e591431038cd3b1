#!/usr/bin/env bash
# Sets up what is missing, then runs every check CI runs: formatting, clippy, and all tests
# (core, CLI, durability and sync kills, the fault proxy, the real window under Xvfb over
# WebDriver) and the claims service against its OpenAPI contract.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
# Line tables are enough for backtraces; full debug info makes every test binary slower to
# build and link, and the two builds below (clippy, tests) are most of CI's time.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test (under Xvfb)"
# The window tests need a display; xvfb-run gives them a private one.
timeout 1800 xvfb-run -a -s "-screen 0 1366x768x24" cargo test --workspace --locked
echo "== the claims service against its OpenAPI contract (schemathesis)"
scripts/contract.sh
