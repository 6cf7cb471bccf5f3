#!/usr/bin/env bash
# The whole test suite, what .ci/run runs: formatting, go vet, go mod tidy -diff,
# staticcheck, every Go test (unit, golden, PSA agreement, the real kubectl, pre-commit and
# goreleaser tests, corpus tests when ../shared/corpus is present), the suite again under
# the race detector (-short, without test/dist's child-process tests), and each fuzz target for a bounded time (FUZZTIME, default
# 10s here; scripts/fuzz.sh alone defaults to 30s). Each step prints how long it took.
#
# QUICK=1 is the inner loop: the same static checks, then `go test -short` (corpus passes
# and the slow real-tool tests skipped), no race or fuzz steps.
#
# Tests that skip because this machine lacks something (a tool, the corpus) are listed at
# the end. Under CI (CI=true) such a skip is a failure instead.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
export PATH="$PATH:$(go env GOPATH)/bin"

skiplog=$(mktemp)
trap 'rm -f "$skiplog"' EXIT
export KUBECTL_SECURE_SKIPLOG=$skiplog

suite_start=$SECONDS
step() { # name, then the command
  local name=$1; shift
  local start=$SECONDS
  echo "--- $name"
  "$@"
  echo "--- $name: ok in $((SECONDS - start)) s"
}

gofmt_check() {
  local unformatted
  unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './dist/*'))
  if [ -n "$unformatted" ]; then
    echo "gofmt would change:"; echo "$unformatted"; return 1
  fi
}

staticcheck_run() {
  if ! command -v staticcheck >/dev/null; then
    if [ "${CI:-}" = true ]; then
      echo "staticcheck is not installed (.ci/run installs honnef.co/go/tools/cmd/staticcheck@v0.8.2)" >&2
      return 1
    fi
    echo "staticcheck: not installed, skipped (go install honnef.co/go/tools/cmd/staticcheck@v0.8.2)" | tee -a "$skiplog"
    return 0
  fi
  staticcheck ./...
}

step gofmt gofmt_check
step "go vet" go vet ./...
step "go mod tidy -diff" go mod tidy -diff
step staticcheck staticcheck_run
if [ "${QUICK:-}" = 1 ]; then
  step "go test -short" go test -short -count=1 ./...
else
  step "go test" go test -count=1 -timeout 25m ./...
  # test/dist drives the built binaries in child processes, where the detector of the test
  # process sees nothing: it is left out of the race step.
  step "race detector (-short)" go test -race -short -count=1 -timeout 25m $(go list ./... | grep -v '/test/dist$')
  step fuzzing env FUZZTIME="${FUZZTIME:-10s}" ./scripts/fuzz.sh
fi

if [ -s "$skiplog" ]; then
  echo "skipped for want of something on this machine ($(sort -u "$skiplog" | wc -l)):"
  sort -u "$skiplog" | sed 's/^/  /'
else
  echo "nothing skipped for want of a tool or the corpus"
fi
echo "suite passed in $((SECONDS - suite_start)) s"
