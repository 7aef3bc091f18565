#!/usr/bin/env bash
# A Go peer's checks (scripts/lint-peers.sh runs them in the peer's folder): gofmt reports no
# file, go vet finds nothing.
set -euo pipefail
unformatted=$(gofmt -l .)
if [[ -n "$unformatted" ]]; then
  echo "gofmt: not formatted (run gofmt -w in $(pwd)): $unformatted" >&2
  exit 1
fi
GOFLAGS=-mod=readonly GOTOOLCHAIN=local go vet ./...
