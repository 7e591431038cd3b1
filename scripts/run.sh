#!/usr/bin/env bash
# Sets up what is missing, builds ClaimDesk (release) and runs it. Extra arguments go to the
# app, e.g. `scripts/run.sh --data-dir /tmp/claims`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
exec cargo run --release --features tauri/custom-protocol --bin claimdesk -- "$@"
