#!/usr/bin/env bash
# The whole test suite: formatting, vet, every Go test (unit, golden, PSA agreement, the real
# kubectl plugin test, corpus tests when ../shared/corpus is present), the suite again under
# the race detector (-short: without the corpus passes), and each fuzz target for a bounded
# time (FUZZTIME, default 10s here; scripts/fuzz.sh alone defaults to 30s).
# QUICK=1 skips the race and fuzz steps.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './dist/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -count=1 ./...
if [ "${QUICK:-}" != 1 ]; then
  echo "--- race detector"
  go test -race -short -count=1 ./...
  echo "--- fuzzing"
  FUZZTIME=${FUZZTIME:-10s} ./scripts/fuzz.sh
fi
