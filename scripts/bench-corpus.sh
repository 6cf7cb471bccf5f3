#!/usr/bin/env bash
# Lints the real-world corpus (../shared/corpus) with a release-like build and prints wall
# time, objects per second and peak memory for: the plain manifests, and all Kustomize
# directories of KUSTOMIZE_DIRS.txt in one invocation. Usage: scripts/bench-corpus.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
corpus=${CORPUS:-../shared/corpus}
runs=${1:-5}
if [ ! -d "$corpus/manifests" ]; then
  echo "corpus not found at $corpus (set CORPUS=...); nothing to measure" >&2
  exit 1
fi
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install -y time)" >&2; exit 1; }
bin=$(mktemp -d)/kubectl-secure
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -trimpath -ldflags "-s -w" -o "$bin" ./cmd/kubectl-secure

measure() { # label, then the lint arguments; run from the corpus directory
  local label=$1; shift
  local best_wall="" best_rss="" objects=0
  for _ in $(seq "$runs"); do
    local tf; tf=$(mktemp)
    (cd "$corpus" && /usr/bin/time -f '%e %M' -o "$tf" "$bin" lint "$@" -o json >"$tf.json" 2>/dev/null) || true
    read -r wall rss < <(tail -n 1 "$tf")
    objects=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["objects"])' "$tf.json")
    rm -f "$tf" "$tf.json"
    walls+=("$wall"); rsss+=("$rss")
  done
  local med_wall med_rss
  med_wall=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  med_rss=$(printf '%s\n' "${rsss[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  unset walls rsss
  python3 - "$label" "$objects" "$med_wall" "$med_rss" "$runs" <<'PY'
import sys
label, objects, wall, rss, runs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rate = objects / wall if wall > 0 else float("inf")
print(f"{label:<28} {objects:>6} objects  median wall {wall:6.2f} s  {rate:9.0f} objects/s  peak RSS {rss/1024:7.1f} MiB  ({runs} runs)")
PY
}

declare -a walls rsss
mapfile -t kdirs < <(grep -v '^\s*$' "$corpus/KUSTOMIZE_DIRS.txt")
measure "manifests/" manifests
measure "30 kustomize dirs" "${kdirs[@]}"
