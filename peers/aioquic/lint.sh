#!/usr/bin/env bash
# npm run lint's part for the aioquic peer: ruff (pinned in requirements-dev.txt, installed in
# the build's venv) checks the format and the code. --no-cache: this folder's files are the
# build cache's key, so nothing may be written here.
set -euo pipefail
cd "$(dirname "$0")"
ruff=out/venv/bin/ruff
"$ruff" format --no-cache --check .
"$ruff" check --no-cache .
