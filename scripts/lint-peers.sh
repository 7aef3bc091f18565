#!/usr/bin/env bash
# npm run lint's part for the peers: each peers/<name>/lint.sh runs its language's checks
# (gofmt and go vet, rustfmt and clippy, ruff). A peer setup skipped (no toolchain) is skipped
# here too.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in peers/*/; do
  [[ -x "$dir/lint.sh" ]] || continue
  if [[ ! -e "$dir/out/.complete" ]]; then
    printf 'lint: peer %s is not built (setup skipped it); not linted\n' "$(basename "$dir")" >&2
    continue
  fi
  (cd "$dir" && ./lint.sh)
done
