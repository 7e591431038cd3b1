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

# moto's S3-compatible server, for the object-storage tests (from PyPI, in a venv outside
# target/ so `cargo clean` does not cost a reinstall; the version is claimdesk-testkit's).
moto_version=$(sed -n 's/^pub const MOTO_VERSION: &str = "\(.*\)";/\1/p' crates/claimdesk-testkit/src/s3.rs)
moto="${XDG_CACHE_HOME:-$HOME/.cache}/claimdesk/moto-$moto_version"
if [ ! -x "$moto/bin/moto_server" ]; then
  python3 -m venv "$moto"
  "$moto/bin/pip" install -q "moto[server]==$moto_version"
fi

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
echo "== the systemd unit (systemd-analyze verify, against the binary the tests built)"
unit_dir=$(mktemp -d)
sed "s|/usr/local/bin/claimdesk-server|$PWD/target/debug/claimdesk-server|" \
  crates/claimdesk-server/deploy/claimdesk-server.service >"$unit_dir/claimdesk-server.service"
systemd-analyze verify "$unit_dir/claimdesk-server.service"
rm -rf "$unit_dir"
