#!/usr/bin/env bash
# Measures lint --since on the Kustomize directories of the corpus (KUSTOMIZE_DIRS.txt):
# copies the corpus's kustomize/ tree into a temporary git repository, commits it, touches
# one overlay (a label in one kustomization) and times, median of RUNS:
#   full   lint of the 30 directories
#   since  the same with --since HEAD (only the touched overlay is linted, now and at HEAD)
# and the same two for `lint kustomize` (the tree walked as a repository).
# Usage: scripts/bench-since.sh [RUNS] [OVERLAY]
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
corpus=$(cd "${CORPUS:-../shared/corpus}" && pwd)
runs=${1:-5}
overlay=${2:-kustomize/metrics-server/manifests/overlays/release}
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install -y time)" >&2; exit 1; }
[ -f "$corpus/KUSTOMIZE_DIRS.txt" ] || { echo "corpus not found at $corpus (set CORPUS=...)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -trimpath -ldflags "-s -w" -o "$work/kubectl-secure" ./cmd/kubectl-secure
repo=$work/repo
mkdir -p "$repo"
cp -r "$corpus/kustomize" "$repo/"
cp "$corpus/KUSTOMIZE_DIRS.txt" "$repo/"
cd "$repo"
git init -q
git add -A
git -c user.name=bench -c user.email=bench@example.com commit -qm corpus
# Touch one overlay: a label its objects get, a change a reviewer would see in a pull request.
for k in "$overlay"/kustomization.yaml "$overlay"/kustomization.yml "$overlay"/Kustomization; do
  [ -f "$k" ] && break
done
printf '\ncommonLabels:\n  bench-since: touched\n' >>"$k"
mapfile -t dirs <KUSTOMIZE_DIRS.txt

median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
time_runs() { # label, then lint arguments: median wall and CPU (user+sys) seconds
  local label=$1; shift
  local walls=() cpus=() out
  for _ in $(seq "$runs"); do
    out=$(/usr/bin/time -f '%e %U %S' -o "$work/time" "$work/kubectl-secure" lint "$@" -o json 2>/dev/null || true)
    read -r wall user sys < <(tail -n 1 "$work/time")
    walls+=("$wall"); cpus+=("$(echo "$user + $sys" | bc)")
  done
  local w c n
  w=$(printf '%s\n' "${walls[@]}" | median)
  c=$(printf '%s\n' "${cpus[@]}" | median)
  n=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["summary"]["findings"], d["summary"]["objects"])')
  printf '%-12s wall %7.3f s  cpu %7.3f s  (new findings, objects linted: %s)\n' "$label" "$w" "$c" "$n"
  echo "$w $c" >"$work/$label.t"
}
time_runs full-dirs "${dirs[@]}"
time_runs since-dirs "${dirs[@]}" --since HEAD
time_runs full-walk kustomize
time_runs since-walk kustomize --since HEAD
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
t = {n: [float(x) for x in open(f"{w}/{n}.t").read().split()] for n in ("full-dirs", "since-dirs", "full-walk", "since-walk")}
for kind, full, since in (("30 directories", "full-dirs", "since-dirs"), ("walked tree", "full-walk", "since-walk")):
    print(f"since/full, {kind}: wall {t[since][0]/t[full][0]:.2f}, cpu {t[since][1]/t[full][1]:.2f} (target <= 0.25)")
PY
