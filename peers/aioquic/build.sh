#!/usr/bin/env bash
# Builds the aioquic peer into OUT (scripts/build-peers.sh): a venv at OUT/venv with the hashed
# pins of requirements.txt (aioquic and its dependencies) and requirements-dev.txt (ruff, for
# lint.sh), this folder's lab_aioquic_peer package in it, and OUT/bin/aioquic running it.
# pip uses the package index as this machine configures it; nothing else is fetched.
set -euo pipefail
out=${1:?usage: build.sh OUT}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v python3 >/dev/null; then
  echo "aioquic peer: python3 is missing (apt-get install python3 python3-venv)" >&2
  exit 3
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "aioquic peer: aioquic 1.x needs Python 3.11 or later, python3 is $(python3 -V 2>&1)" >&2
  exit 3
fi
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "aioquic peer: python3's venv module is missing (apt-get install python3-venv)" >&2
  exit 3
fi

python3 -m venv "$out/venv"
pip=("$out/venv/bin/python" -m pip --disable-pip-version-check --no-input --quiet)
"${pip[@]}" install --require-hashes --only-binary :all: --no-deps \
  -r "$here/requirements.txt" -r "$here/requirements-dev.txt"
site=$("$out/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
cp -r "$here/lab_aioquic_peer" "$site/"
"$out/venv/bin/python" -m compileall -q "$site/lab_aioquic_peer"

mkdir -p "$out/bin"
cat >"$out/bin/aioquic" <<WRAPPER
#!/bin/sh
# The lab's aioquic peer (peers/CONTRACT.md). -I: no PYTHON* variables, user site or cwd.
exec "$out/venv/bin/python" -I -m lab_aioquic_peer "\$@"
WRAPPER
chmod +x "$out/bin/aioquic"
# Proves the venv imports aioquic, and records its version.
"$out/venv/bin/python" -I -c 'import aioquic; print(aioquic.__version__)' >"$out/aioquic-version"
