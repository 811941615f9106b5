#!/bin/sh
# Fallback for a clone where `sortie init` has not written .husky/_/sortie.sh yet: no fast path,
# but the checks still run. `sortie init` replaces this with the machine-local runner.
[ "${SORTIE_SKIP-}" = "1" ] && exit 0
entry="$(dirname "$0")/../dist/hook.cjs"
[ -f "$entry" ] || { echo "sortie: not built; run npm install" >&2; exit 0; }
exec node "$entry" git "$@"
