#!/usr/bin/env bash
# Runs every native Go fuzz target for a bounded time, one after the other, and fails when
# one finds a crasher. Go writes the failing input under the package's
# testdata/fuzz/<Target>/, where `go test` replays it from then on: commit it with the fix.
#
# Usage: scripts/fuzz.sh [TARGET...]     (default: all targets)
#   FUZZTIME          time per target (default 30s; any -fuzztime value, e.g. 2m or 10000x)
#   FUZZMINIMIZETIME  time spent minimising each new input (default 5s; Go's default of 60s
#                     would eat most of a short run)
#   FUZZPARALLEL      fuzzing workers per target (default: GOMAXPROCS)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

fuzztime=${FUZZTIME:-30s}
minimize=${FUZZMINIMIZETIME:-5s}

# package:target pairs. A package's target is listed only when its test files define it, so
# the script keeps working as targets come and go (pkg/fix's is written separately).
targets=()
add() { # package, target
  local pkg=$1 target=$2
  if grep -qs "^func ${target}(" "$pkg"/*_test.go; then
    targets+=("$pkg:$target")
  fi
}
add pkg/manifest FuzzParse
add pkg/manifest FuzzValidBlockYAML
add pkg/manifest FuzzBuildBlockYAML
add pkg/manifest FuzzDecodeAgreesWithAPIServer
add pkg/fieldpath FuzzLocate
add pkg/lint FuzzChecks
add pkg/report FuzzWriters
add pkg/checks/image FuzzParseReference
for f in $(grep -ls '^func Fuzz[A-Za-z0-9_]*(' pkg/fix/*_test.go 2>/dev/null || true); do
  for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$f"); do
    targets+=("pkg/fix:$target")
  done
done

if [ $# -gt 0 ]; then
  wanted=" $* "
  selected=()
  for t in "${targets[@]}"; do
    [[ $wanted == *" ${t#*:} "* ]] && selected+=("$t")
  done
  [ ${#selected[@]} -eq $# ] || { echo "unknown target among: $*" >&2; printf '  %s\n' "${targets[@]#*:}" >&2; exit 2; }
  targets=("${selected[@]}")
fi

parallel=()
[ -n "${FUZZPARALLEL:-}" ] && parallel=(-parallel "$FUZZPARALLEL")

failed=()
for t in "${targets[@]}"; do
  pkg=${t%%:*} target=${t#*:}
  echo "== $target ($pkg, $fuzztime)"
  start=$SECONDS
  log=$(mktemp)
  ok=0
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" "${parallel[@]}" "./$pkg" 2>&1 | tee "$log" && ok=1
  # Go reports "context deadline exceeded", with no failing input, when the time runs out
  # before the seed corpus has been run once (a slow target on a loaded machine). That is
  # not a finding: run once more with three times the time, which gets past the seeds.
  if [ $ok = 0 ] && grep -q "context deadline exceeded" "$log" && ! grep -q "Failing input written" "$log"; then
    echo "== $target: time ran out before the seed inputs finished; retrying with 3x the time" >&2
    retry=$fuzztime
    [[ $fuzztime =~ ^[0-9]+s$ ]] && retry="$(( ${fuzztime%s} * 3 ))s"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$retry" -fuzzminimizetime "$minimize" "${parallel[@]}" "./$pkg" && ok=1
  fi
  rm -f "$log"
  if [ $ok = 1 ]; then
    echo "== $target: no failure in $((SECONDS - start)) s"
  else
    echo "== $target: FAILED; the input is under $pkg/testdata/fuzz/$target/ (replay: go test -run '^$target\$' ./$pkg)" >&2
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzing passed: ${#targets[@]} targets, $fuzztime each"
