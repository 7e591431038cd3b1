#!/usr/bin/env bash
# Checks the live claims service against its OpenAPI document with schemathesis (from PyPI):
# a test suite nobody on the team wrote, generating requests from the contract and checking
# every answer against it. Runs the debug build; the seed is fixed so CI is repeatable
# (pass another with CONTRACT_SEED=N to explore).
set -euo pipefail
cd "$(dirname "$0")/.."
# The venv lives outside target/, so `cargo clean` does not cost a reinstall.
version=4.32.5
venv="${XDG_CACHE_HOME:-$HOME/.cache}/claimdesk/schemathesis-$version"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$version"
fi
# The server binary as `cargo test --workspace` builds it (a no-op right after the tests; a
# lone `cargo build -p claimdesk-server` would unify features differently and rebuild half
# the dependency tree).
cargo test -q --locked --workspace --no-run
server=target/debug/claimdesk-server
data=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$data"' EXIT
token=$("$server" device add contract-check --data-dir "$data")
# Its request log goes to a file (schemathesis makes hundreds of requests).
"$server" serve --listen 127.0.0.1:0 --data-dir "$data" >"$data/serve.out" 2>"$data/serve.log" &
pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$data/serve.out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$data/serve.out")
"$venv/bin/st" --config-file crates/claimdesk-server/schemathesis.toml run "$url/openapi.yaml" \
  --header "Authorization: Bearer $token" --checks all --max-examples 50 \
  --seed "${CONTRACT_SEED:-20261125}" --no-color
