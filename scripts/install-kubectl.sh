#!/usr/bin/env bash
# Installs kubectl into $(go env GOPATH)/bin when the machine has none. The real tests need
# the real kubectl (plugin discovery, `kubectl kustomize` as the build reference). There is
# no `go install` path for it (k8s.io/kubernetes has replace directives), so this builds
# the same command kubernetes/cmd/kubectl builds, from k8s.io/kubectl's own package, in a
# throw-away module, at the k8s.io release this project uses.
set -euo pipefail
export GOTOOLCHAIN=local
version=${KUBECTL_MODULE_VERSION:-v0.37.2}
bin=$(go env GOPATH)/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat >main.go <<'GO'
// kubectl, as kubernetes/cmd/kubectl builds it.
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
GO
go mod init kubectl-build >/dev/null 2>&1
go get "k8s.io/kubectl@$version" "k8s.io/component-base@$version" >/dev/null
go mod tidy >/dev/null
mkdir -p "$bin"
go build -trimpath -o "$bin/kubectl" .
"$bin/kubectl" version --client
