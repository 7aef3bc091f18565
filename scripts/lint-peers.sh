#!/usr/bin/env bash
# npm run lint's part for the peers: each peers/<name>/lint.sh runs its language's checks
# (gofmt and go vet, rustfmt and clippy, ruff). A peer setup skipped (no toolchain) is skipped
# here too. Then actionlint (tools/actionlint, built by setup from its pin) checks the GitHub
# Actions workflows, offline: it needs no network.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in peers/*/ tools/*/; do
  [[ -x "$dir/lint.sh" ]] || continue
  if [[ ! -e "$dir/out/.complete" ]]; then
    printf 'lint: %s is not built (setup skipped it); not linted\n' "${dir%/}" >&2
    continue
  fi
  (cd "$dir" && ./lint.sh)
done

actionlint=tools/actionlint/out/bin/actionlint
if [[ ! -x "$actionlint" ]]; then
  printf 'lint: actionlint is not built (setup skipped it: no Go); .github/workflows not linted\n' >&2
elif compgen -G '.github/workflows/*.yml' >/dev/null; then
  "$actionlint" -no-color .github/workflows/*.yml
fi
