#!/usr/bin/env bash
# npm run lint's checks for the quiche peer: rustfmt and clippy (warnings are errors).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR=${QUIC_LAB_CACHE:-/var/cache/quic-lab}/cargo-target
cargo fmt --check
nice -n 10 cargo clippy --release --locked --quiet -- -D warnings
