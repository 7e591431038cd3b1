#!/usr/bin/env bash
# Installs what ClaimDesk needs on a fresh Debian/Ubuntu machine, skipping what is there:
# the Rust toolchain (if missing), the WebKitGTK libraries Tauri builds against, and with
# --test also Xvfb, WebKitWebDriver and tauri-driver for the end-to-end tests.
set -euo pipefail

# Usage: setup.sh [--test] [--list]   (--list prints the Debian packages and installs nothing)
test=""; list=""
for arg in "$@"; do
  case "$arg" in
    --test) test=1 ;;
    --list) list=1 ;;
  esac
done

packages=(libwebkit2gtk-4.1-dev build-essential pkg-config librsvg2-dev cmake libde265-dev libnuma-dev libssl-dev fonts-noto-cjk)
if [ -n "$test" ]; then
  packages+=(xvfb xauth webkit2gtk-driver python3-venv xclip xdotool nginx dbus gnome-keyring poppler-utils zbar-tools postgresql chromium chromium-driver systemd openssl)
fi
if [ -n "$list" ]; then
  echo "${packages[*]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null; then
  echo "Installing the Rust toolchain (rustup)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
fi

if [ -n "$test" ] && ! command -v tauri-driver >/dev/null; then
  echo "Installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked
fi
