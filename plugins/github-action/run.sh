#!/usr/bin/env bash
# The steps of the kubectl-secure GitHub Action (action.yml): install, lint, report.
#
# Reads the action's inputs from INPUT_* and what a runner provides: RUNNER_OS, RUNNER_ARCH,
# RUNNER_TEMP, GITHUB_WORKSPACE, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH (the event's JSON),
# GITHUB_STEP_SUMMARY, GITHUB_OUTPUT and GITHUB_PATH. Writes the outputs exit-code and
# sarif-file; exits non-zero only when kubectl-secure could not be installed (lint's own
# status is the output, so that the SARIF is uploaded before the job fails).
set -euo pipefail

paths=${INPUT_PATHS:-.}
fail_on=${INPUT_FAIL_ON:-low}
since=${INPUT_SINCE:-}
config=${INPUT_CONFIG:-}
version=${INPUT_VERSION:-latest}
from_source=${INPUT_BUILD_FROM_SOURCE:-false}
release_url=${INPUT_RELEASE_URL:-https://github.com/kubectl-secure/kubectl-secure/releases}
temp=${RUNNER_TEMP:-$(mktemp -d)}
action_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fail() { echo "::error title=kubectl-secure::$*"; exit 2; }

# platform prints goos and goarch for the runner, as goreleaser names the archives.
platform() {
  local os arch
  case "${RUNNER_OS:-$(uname -s)}" in
    Linux) os=linux ;;
    macOS | Darwin) os=darwin ;;
    Windows | MINGW* | MSYS*) os=windows ;;
    *) fail "unsupported runner OS ${RUNNER_OS:-}" ;;
  esac
  case "${RUNNER_ARCH:-$(uname -m)}" in
    X64 | x86_64 | amd64) arch=amd64 ;;
    ARM64 | arm64 | aarch64) arch=arm64 ;;
    *) fail "unsupported runner architecture ${RUNNER_ARCH:-}" ;;
  esac
  echo "$os $arch"
}

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# install puts kubectl-secure into $bin: built from the action's source, or the release's
# archive for this platform, whose sha256 must be the one checksums.txt lists.
install() {
  bin=$temp/kubectl-secure-bin
  mkdir -p "$bin"
  read -r os arch < <(platform)
  local exe=kubectl-secure
  [ "$os" = windows ] && exe=kubectl-secure.exe
  if [ "$from_source" = true ]; then
    (cd "$action_dir/../.." && go build -trimpath -o "$bin/$exe" ./cmd/kubectl-secure) || fail "go build failed"
    return
  fi
  local dl=$release_url/download/$version
  if [ "$version" = latest ]; then
    dl=$release_url/latest/download
  elif [[ $version != v* ]]; then
    version=v$version
    dl=$release_url/download/$version
  fi
  local ext=tar.gz
  [ "$os" = windows ] && ext=zip
  curl -fsSL --retry 3 -o "$temp/checksums.txt" "$dl/checksums.txt" || fail "cannot download $dl/checksums.txt"
  local asset
  if [ "$version" = latest ]; then
    asset=$(awk -v suffix="_${os}_${arch}.${ext}" '{ n = $2; if (substr(n, length(n) - length(suffix) + 1) == suffix && index(n, "kubectl-secure_v") == 1) print n }' "$temp/checksums.txt" | head -n 1)
    [ -n "$asset" ] || fail "checksums.txt of the latest release lists no archive for ${os}/${arch}"
  else
    asset=kubectl-secure_${version}_${os}_${arch}.${ext}
  fi
  local want
  want=$(awk -v a="$asset" '$2 == a { print $1 }' "$temp/checksums.txt")
  [ -n "$want" ] || fail "checksums.txt lists no $asset"
  curl -fsSL --retry 3 -o "$temp/$asset" "$dl/$asset" || fail "cannot download $dl/$asset"
  local got
  got=$(sha256 "$temp/$asset")
  [ "$got" = "$want" ] || fail "checksum mismatch for $asset: got $got, checksums.txt says $want"
  if [ "$ext" = zip ]; then
    unzip -o -q "$temp/$asset" "$exe" -d "$bin"
  else
    tar -xzf "$temp/$asset" -C "$bin" "$exe"
  fi
  echo "installed $asset (sha256 $got)"
}

# event_base prints the pull request's base commit from the event payload, if there is one.
event_base() {
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target) ;;
    *) return 0 ;;
  esac
  [ -f "${GITHUB_EVENT_PATH:-}" ] || return 0
  if command -v jq >/dev/null; then
    jq -r '.pull_request.base.sha // empty' "$GITHUB_EVENT_PATH"
  else
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("pull_request", {}).get("base", {}).get("sha", ""))' "$GITHUB_EVENT_PATH"
  fi
}

install
cd "${GITHUB_WORKSPACE:-.}"
if [ -z "$since" ]; then
  since=$(event_base)
fi
[ "$since" = none ] && since=

args=(lint)
read -r -d '' -a list < <(printf '%s\0' "$paths" | tr '\n' ' ') || true
args+=("${list[@]}" --fail-on "$fail_on")
[ -n "$config" ] && args+=(--config "$config")
if [ -n "$since" ]; then
  [[ $since != -* ]] || fail "since: $since is not a revision"
  # actions/checkout fetches one commit: fetch the base too when it is missing.
  if ! git cat-file -e "$since^{commit}" 2>/dev/null; then
    git fetch --no-tags --depth=1 origin "$since" || fail "cannot fetch $since for --since"
  fi
  args+=(--since "$since")
fi

sarif=$temp/kubectl-secure.sarif
status=0
"$bin/kubectl-secure" "${args[@]}" -o sarif >"$sarif" || status=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  "$bin/kubectl-secure" "${args[@]}" -o markdown --color never >>"$GITHUB_STEP_SUMMARY" 2>/dev/null || true
fi
if [ "$status" -ge 2 ]; then
  echo "::error title=kubectl-secure::kubectl secure lint exited with status $status (usage, configuration or input error); see the log above"
fi
{
  echo "exit-code=$status"
  echo "sarif-file=$sarif"
} >>"${GITHUB_OUTPUT:-/dev/null}"
echo "kubectl secure lint: exit status $status"
