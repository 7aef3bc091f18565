#!/usr/bin/env bash
# The lab's own QUIC peers (peers/<name>/: a Go, Rust or Python program pinned by its lock
# file), built by their build.sh into a cache keyed by a hash of the folder's files, so a
# peer is rebuilt only when its pin or its source changes and a fresh clone on the same host
# reuses the build. peers/<name>/out links to the build the harness runs.
#   build.sh OUT   builds into OUT (an empty directory at its final path: a Python venv is not
#                  relocatable); exit 3 with one line on stderr when a toolchain is missing,
#                  which skips the peer (it is then "unavailable" in the matrix, not a failure).
# QUIC_LAB_CACHE (default /var/cache/quic-lab) moves the cache; an empty one is a cold build.
# The lab's build tools (tools/<name>/: actionlint) are built and cached the same way.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
CACHE=${QUIC_LAB_CACHE:-/var/cache/quic-lab}/peers
mkdir -p "$CACHE"
# Two setups at once (two clones) build one peer once: the second waits.
exec 9>"$CACHE/.lock"
flock 9

# The key: every file of the peer's folder but its build link, and the build scripts the peers
# share (peers/*.sh), by path and content.
peer_key() {
  {
    (cd "$1" && find . -type f -not -path './out' -not -path './out/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    sha256sum peers/*.sh 2>/dev/null || true
  } | sha256sum | cut -c1-16
}

skipped=()
for dir in peers/*/ tools/*/; do
  name=$(basename "$dir")
  kind=peer
  [[ "$dir" == tools/* ]] && kind=tool
  [[ -x "$dir/build.sh" ]] || continue
  key=$(peer_key "$dir")
  out="$CACHE/$name-$key"
  if [[ ! -f "$out/.complete" ]]; then
    rm -rf "$out"
    mkdir -p "$out"
    say "building $kind $name (cache $out)"
    started=$(date +%s)
    status=0
    "$dir/build.sh" "$out" || status=$?
    if ((status == 3)); then
      rm -rf "$out" "$dir/out"
      skipped+=("$name")
      continue
    elif ((status != 0)); then
      rm -rf "$out"
      say "building $kind $name failed (exit $status)"
      exit 1
    fi
    echo "$(($(date +%s) - started))" >"$out/.build-seconds"
    touch "$out/.complete"
    # Older builds of this peer are no longer linked from this clone; others may still use them.
  fi
  ln -sfn "$out" "$dir/out"
done
if ((${#skipped[@]} > 0)); then
  say "skipped (their toolchain is missing, see the lines above): ${skipped[*]}; a peer is then listed as unavailable, a tool's check is skipped"
fi
