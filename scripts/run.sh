#!/usr/bin/env bash
# Sets up what is missing, builds ClaimDesk (release) and runs it. Extra arguments go to the
# app, e.g. `scripts/run.sh --data-dir /tmp/claims`.
#
# Out of the box the app sends to a local claims service on loopback, started here with a
# device token provisioned, so capture → queue → send → case reference works with no setup.
# Set CLAIMDESK_SERVER_URL (and CLAIMDESK_DEVICE_TOKEN) to use another service instead; an
# address entered in the app's Settings always wins over both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

if [ -z "${CLAIMDESK_SERVER_URL:-}" ]; then
  cargo build --release --locked -p claimdesk-server
  server=target/release/claimdesk-server
  dir="${CLAIMDESK_LOCAL_SERVER_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/claimdesk-local-service}"
  mkdir -p "$dir"
  token_file="$dir/device-token"
  if [ ! -s "$token_file" ]; then
    (umask 077 && "$server" device add "this-computer-$(date +%s)" --data-dir "$dir" >"$token_file")
  fi
  log="$dir/serve.log"
  "$server" serve --listen 127.0.0.1:0 --data-dir "$dir" >"$log" 2>&1 &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do grep -q '^listening on ' "$log" && break; sleep 0.1; done
  CLAIMDESK_SERVER_URL="$(sed -n 's/^listening on //p' "$log")"
  CLAIMDESK_DEVICE_TOKEN="$(cat "$token_file")"
  export CLAIMDESK_SERVER_URL CLAIMDESK_DEVICE_TOKEN
  echo "Local claims service at $CLAIMDESK_SERVER_URL (data in $dir)."
  echo "Received claims: $server export --data-dir $dir --format csv"
fi
cargo run --release --locked --features tauri/custom-protocol --bin claimdesk -- "$@"
