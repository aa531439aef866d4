#!/usr/bin/env bash
# The whole test suite: install what is missing, typecheck, then every unit and e2e test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.tools/bin:$PATH"
npx tsc --noEmit -p .
mkdir -p .rafdir
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.rafdir/test-results.json "$@" || status=$?
# One plain closing line: "N passed, N failed".
node -e '
  const r = JSON.parse(require("fs").readFileSync(".rafdir/test-results.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit "$status"
