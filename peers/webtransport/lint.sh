#!/usr/bin/env bash
# gofmt and go vet (see ../go-lint.sh).
exec "$(dirname "$0")/../go-lint.sh"
