#!/usr/bin/env bash
# The whole test suite: install what is missing, typecheck, then every unit and e2e test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.tools/bin:$PATH"
npx tsc --noEmit -p .
npx vitest run "$@"
