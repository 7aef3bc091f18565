#!/usr/bin/env bash
# Builds the quic-go peer into OUT/bin/quic-go (see scripts/build-peers.sh): the module
# versions are the ones go.mod/go.sum pin, fetched from the Go module proxy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../go-build.sh" "$here" quic-go "$1"
