#!/usr/bin/env bash
# Builds the WebTransport peer into OUT/bin/webtransport (see scripts/build-peers.sh): the
# module versions are the ones go.mod/go.sum pin, fetched from the Go module proxy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../go-build.sh" "$here" webtransport "$1"
