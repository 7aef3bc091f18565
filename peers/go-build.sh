#!/usr/bin/env bash
# A Go peer's build: go-build.sh DIR NAME OUT builds the main package in DIR into OUT/bin/NAME
# with the module versions its go.mod/go.sum pin (-mod=readonly: a build never changes them)
# and the local toolchain only (GOTOOLCHAIN=local: no toolchain download). Exit 3 with one
# line when Go is missing or older than go.mod asks, so setup skips the peer.
set -euo pipefail
dir=$1 name=$2 out=$3
if ! command -v go >/dev/null 2>&1; then
  echo "peer $name needs Go (https://go.dev/dl/, or apt-get install golang-go from bookworm-backports)" >&2
  exit 3
fi
wanted=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$dir/go.mod")
have=$(go env GOVERSION | sed 's/^go//')
if [[ "$(printf '%s\n%s\n' "$wanted" "$have" | sort -V | head -1)" != "$wanted" ]]; then
  echo "peer $name needs Go $wanted or newer (this is Go $have; https://go.dev/dl/)" >&2
  exit 3
fi
mkdir -p "$out/bin"
cd "$dir"
GOFLAGS=-mod=readonly GOTOOLCHAIN=local CGO_ENABLED=0 nice -n 10 go build -trimpath -o "$out/bin/$name" .
