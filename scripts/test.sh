#!/usr/bin/env bash
# The whole test suite: formatting, vet, and every Go test (unit, golden, PSA agreement,
# the real kubectl plugin test, corpus tests when ../shared/corpus is present).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './dist/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -count=1 ./...
