#!/usr/bin/env bash
# Builds Caddy into OUT/bin/caddy (see scripts/build-peers.sh) from the module versions
# go.mod/go.sum pin, fetched from the Go module proxy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../go-build.sh" "$here" caddy "$1"
