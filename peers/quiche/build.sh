#!/usr/bin/env bash
# Builds the quiche peer into OUT/bin/quiche (see scripts/build-peers.sh). Cargo's target
# directory is shared under the lab cache, so a new pin or source rebuilds incrementally
# (BoringSSL, built by the boring crate, is the slow part and is reused).
set -euo pipefail
OUT=$1
cd "$(dirname "$0")"
if ! command -v cargo >/dev/null 2>&1; then
  echo "quiche peer: cargo is missing; install Rust (https://rustup.rs) and re-run npm run setup" >&2
  exit 3
fi
for tool in cmake clang c++; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "quiche peer: $tool is missing (BoringSSL's build needs cmake, clang and a C++ compiler; npm run setup installs them)" >&2
    exit 3
  fi
done
export CARGO_TARGET_DIR=${QUIC_LAB_CACHE:-/var/cache/quic-lab}/cargo-target
nice -n 10 cargo build --release --locked
mkdir -p "$OUT/bin"
cp "$CARGO_TARGET_DIR/release/quiche" "$OUT/bin/quiche"
