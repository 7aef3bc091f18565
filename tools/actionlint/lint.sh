#!/usr/bin/env bash
# gofmt and go vet (see ../../peers/go-lint.sh).
exec "$(dirname "$0")/../../peers/go-lint.sh"
