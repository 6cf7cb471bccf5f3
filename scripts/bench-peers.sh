#!/usr/bin/env bash
# Runs kubectl-secure and its peers side by side on the real-world corpus (../shared/corpus)
# and prints median wall times and the ratios issue 7 sets as targets:
#   lint manifests        <= 0.25x kube-score, <= 1.0x kubeconform (parse only)
#   30 kustomize dirs     <= 0.5x `kustomize build` over the same dirs
#   one small file        < 50 ms
#   corpus Helm charts    <= 1.0x `helm template` of each chart with each of its values sets
# Peers are installed with `go install` (the module proxy serves them) and hyperfine from
# Debian when missing. Usage: scripts/bench-peers.sh [RUNS]   (default 10);
# BENCH_ONLY=charts scripts/bench-peers.sh [RUNS] runs the Helm section alone.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export GOTOOLCHAIN=local
corpus=$(cd "${CORPUS:-../shared/corpus}" 2>/dev/null && pwd) || { echo "corpus not found (set CORPUS=...)" >&2; exit 1; }
runs=${1:-10}
gobin=$(go env GOPATH)/bin
export PATH=$gobin:$PATH

need() { command -v "$1" >/dev/null 2>&1; }
need kube-score || go install github.com/zegl/kube-score/cmd/kube-score@v1.20.0
need kubeconform || go install github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0
need kustomize || go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2
need helm || go install helm.sh/helm/v4/cmd/helm@v4.3.2
if ! need hyperfine; then
  (apt-get update -qq && apt-get install -y -qq hyperfine) >/dev/null 2>&1 || { echo "hyperfine is required (apt-get install hyperfine)" >&2; exit 1; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$work/kubectl-secure
go build -trimpath -ldflags "-s -w" -o "$bin" ./cmd/kubectl-secure
go build -trimpath -ldflags "-s -w" -o "$work/kubectl-secure-full" ./cmd/kubectl-secure-full

# hyperfine exports one JSON per comparison; the median of each command is what we report.
bench() { # name, then commands
  local name=$1; shift
  hyperfine --style basic --runs "$runs" --warmup 1 -i --export-json "$work/$name.json" "$@" >/dev/null
}

cd "$corpus"
# Helm: the corpus charts that render (argo-cd's redis-ha dependency is not vendored), each
# rendered by helm template once per values set kubectl-secure lints (its values.yaml and
# each ci/*-values.yaml, as chart-testing does), against one kubectl-secure-full lint of all.
charts=(charts/alertmanager charts/argo-rollouts charts/argo-workflows charts/kube-state-metrics
  charts/prometheus-node-exporter charts/promtail repos/podinfo/charts/podinfo
  repos/gatekeeper/charts/gatekeeper repos/aks-store-demo/charts/aks-store-demo)
for c in "${charts[@]}"; do
  echo "helm template $c"
  for v in "$c"/ci/*-values.yaml; do [ -e "$v" ] && echo "helm template $c --values $v"; done
done >"$work/helm.sh"
echo "$(wc -l <"$work/helm.sh") renders of ${#charts[@]} charts" >&2
bench charts \
  -n ours "$work/kubectl-secure-full lint -o json ${charts[*]} >/dev/null" \
  -n helm "sh $work/helm.sh >/dev/null"
if [ "${BENCH_ONLY:-}" = charts ]; then
  python3 - "$work" <<'PY'
import json, statistics, sys, os
d = json.load(open(os.path.join(sys.argv[1], "charts.json")))
c = {r["command"]: statistics.median(r["times"]) for r in d["results"]}
print(f"charts: ours {c['ours']:.3f} s  helm template {c['helm']:.3f} s  ratio {c['ours']/c['helm']:.2f}x (target <= 1.0x)")
PY
  exit 0
fi

find manifests -type f \( -name '*.yaml' -o -name '*.yml' \) | sort >"$work/files.txt"
# kube-score stops at the first file it cannot parse (a duplicate key, a string port): it is
# timed on the files it accepts one by one, a subset of what we lint.
while read -r f; do
  kube-score score "$f" >/dev/null 2>"$work/err" || true
  grep -q "Failed to score" "$work/err" || echo "$f"
done <"$work/files.txt" >"$work/score-files.txt"
echo "kube-score accepts $(wc -l <"$work/score-files.txt") of $(wc -l <"$work/files.txt") files" >&2
mapfile -t kdirs < <(grep -v '^\s*$' KUSTOMIZE_DIRS.txt)
printf '%s\n' "${kdirs[@]}" >"$work/kdirs.txt"

bench manifests \
  -n ours "$bin lint manifests -o json >/dev/null" \
  -n kube-score "xargs kube-score score --output-format json <$work/score-files.txt >/dev/null" \
  -n kubeconform "kubeconform -ignore-missing-schemas -schema-location 'file:///nonexistent/{{ .ResourceKind }}.json' -output json manifests >/dev/null"
bench kustomize \
  -n ours "xargs $bin lint -o json <$work/kdirs.txt >/dev/null" \
  -n kustomize "while read -r d; do kustomize build \"\$d\" >/dev/null; done <$work/kdirs.txt"
bench small -N -n ours "$bin lint $repo/testdata/inputs/pod.yaml"

peak_rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
rss_manifests=$(peak_rss "$bin" lint manifests -o json || true)
rss_kustomize=$(peak_rss xargs -a "$work/kdirs.txt" "$bin" lint -o json || true)

python3 - "$work" "$rss_manifests" "$rss_kustomize" <<'PY'
import json, statistics, sys, os, datetime
work, rss_m, rss_k = sys.argv[1], sys.argv[2], sys.argv[3]
def med(name):
    d = json.load(open(os.path.join(work, name + ".json")))
    return {r["command"]: statistics.median(r["times"]) for r in d["results"]}
m, k, s, c = med("manifests"), med("kustomize"), med("small"), med("charts")
print(f"# {datetime.date.today()} on {os.cpu_count()} cores, median of the runs")
print(f"manifests: ours {m['ours']:.3f} s  kube-score {m['kube-score']:.3f} s  kubeconform {m['kubeconform']:.3f} s")
print(f"  ratio vs kube-score  {m['ours']/m['kube-score']:.2f}x (target <= 0.25x)")
print(f"  ratio vs kubeconform {m['ours']/m['kubeconform']:.2f}x (target <= 1.0x)")
print(f"  peak RSS {int(rss_m)/1024:.0f} MiB (target < 150 MiB)" if rss_m.isdigit() else "  peak RSS: n/a")
print(f"30 kustomize dirs: ours {k['ours']:.3f} s  kustomize build {k['kustomize']:.3f} s  ratio {k['ours']/k['kustomize']:.2f}x (target <= 0.5x)")
print(f"  peak RSS {int(rss_k)/1024:.0f} MiB" if rss_k.isdigit() else "  peak RSS: n/a")
print(f"one small file: {s['ours']*1000:.1f} ms (target < 50 ms)")
print(f"corpus charts: ours {c['ours']:.3f} s  helm template {c['helm']:.3f} s  ratio {c['ours']/c['helm']:.2f}x (target <= 1.0x)")
PY
