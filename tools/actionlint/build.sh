#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow linter npm run lint runs on .github/workflows)
# into OUT/bin/actionlint, cached like the peers (scripts/build-peers.sh), from the version
# go.mod/go.sum pin, fetched from the Go module proxy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../../peers/go-build.sh" "$here" actionlint "$1"
