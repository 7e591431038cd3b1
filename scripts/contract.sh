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
pgdir=$(mktemp -d)
pids=()
pgbin=""
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$pgbin" ] && [ -d "$pgdir/data" ]; then
    as_postgres "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$data" "$pgdir"
}
trap cleanup EXIT

# Starts `serve` with the given store arguments (no rate limit: schemathesis is one device
# making hundreds of requests) and checks it against the contract.
check() {
  local token=$1 office=$2 out=$3; shift 3
  "$server" serve --listen 127.0.0.1:0 --rate-limit 0 "$@" >"$out.out" 2>"$out.log" &
  pids+=($!)
  for _ in $(seq 100); do grep -q '^listening on ' "$out.out" && break; sleep 0.1; done
  local url
  url=$(sed -n 's/^listening on //p' "$out.out")
  # The device API with a device token, the office API with an office API token.
  "$venv/bin/st" --config-file crates/claimdesk-server/schemathesis.toml run "$url/openapi.yaml" \
    --header "Authorization: Bearer $token" --checks all --max-examples 50 \
    --exclude-path-regex '^/v1/office/' \
    --seed "${CONTRACT_SEED:-20261125}" --no-color
  "$venv/bin/st" --config-file crates/claimdesk-server/schemathesis.toml run "$url/openapi.yaml" \
    --header "Authorization: Bearer $office" --checks all --max-examples 50 \
    --include-path-regex '^/v1/office/' \
    --seed "${CONTRACT_SEED:-20261125}" --no-color
}

echo "-- on the embedded SQLite store"
token=$("$server" device add contract-check --data-dir "$data")
office=$("$server" api-token add contract-check --data-dir "$data")
check "$token" "$office" "$data/sqlite" --data-dir "$data"

echo "-- on PostgreSQL (a server of its own in a temporary folder), blobs in the database"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ "$(id -u)" = 0 ]; then chown -R postgres: "$pgdir"; fi
as_postgres "$pgbin/initdb" -D "$pgdir/data" -A trust -U claimdesk -E UTF8 --locale=C --no-sync >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_postgres "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" \
  -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null
db="postgres://claimdesk@127.0.0.1:$port/postgres"
token=$("$server" device add contract-check --database-url "$db" --blobs postgres)
office=$("$server" api-token add contract-check --database-url "$db" --blobs postgres)
check "$token" "$office" "$data/pg" --database-url "$db" --blobs postgres
