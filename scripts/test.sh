#!/usr/bin/env bash
# Sets up what is missing, then runs every check CI runs: formatting, clippy, and all tests
# (core, CLI, durability and sync kills, the fault proxy, the real window under Xvfb over
# WebDriver) and the claims service against its OpenAPI contract.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
# The debug profile (Cargo.toml) keeps the two builds below — clippy, then the tests — cheap:
# line tables only, no debug info for dependencies, optimisation only where tests need it.

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test (under Xvfb)"
# The window tests need a display; xvfb-run gives them a private one.
# --timings leaves target/cargo-timings/cargo-timing.html: where the build time goes.
# dbus-run-session: a private session bus, as a desktop has (one window per data folder is
# handed over on it).
timeout 1800 dbus-run-session -- xvfb-run -a -s "-screen 0 1366x768x24" cargo test --workspace --locked --timings
echo "== the claims service against its OpenAPI contract (schemathesis)"
scripts/contract.sh
