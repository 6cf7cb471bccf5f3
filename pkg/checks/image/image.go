// Package image checks where container images come from and whether the reference says
// exactly which image runs: the latest tag, missing digests, registries outside the user's
// allow-list, pull policies that trust a node's cache, and references that do not parse.
package image

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

const category = "image"

// use is one container's image as the checks see it.
type use struct {
	obj       *manifest.Object
	container workload.Container
	raw       string
	ref       Reference
	err       error // non-nil for a malformed reference; ref is then zero
}

// imagePath is where image findings are reported.
func (u use) imagePath() fieldpath.Path { return u.container.Path.Keys("image") }

// forEachImage calls fn for every container of every pod spec that names an image. A
// container without one (null or absent) is skipped: the API lets workload templates omit
// it for config management to fill in.
func forEachImage(p *check.Pass, fn func(use)) {
	p.ForEachPod(func(pod *workload.Pod) {
		for _, c := range pod.Containers() {
			n := c.Field("image")
			if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
				continue
			}
			if isIstioAuto(c, n.Value) || IsBuildPlaceholder(n.Value) {
				continue
			}
			u := use{obj: pod.Object, container: c, raw: n.Value}
			u.ref, u.err = ParseReference(n.Value)
			fn(u)
		}
	})
}

// isIstioAuto: Istio's injector replaces `image: auto` of the istio-proxy container with
// its own proxy image (gateway and proxy-override deployments), so the literal value never
// reaches a node.
func isIstioAuto(c workload.Container, image string) bool {
	return image == "auto" && c.Name == "istio-proxy"
}

// buildSchemes start the image references of build tools that resolve them at deploy time:
// ko (`ko://github.com/org/repo/cmd/app`, in tektoncd, Knative and many Go operators)
// builds the Go package, pushes it and writes the pushed image by digest in its place
// (`ko resolve`, `ko apply`). Skaffold and Tilt rewrite plain image names and need no
// scheme, so they have none here.
var buildSchemes = []string{"ko://"}

// IsBuildPlaceholder reports an image reference a build tool replaces before the manifest
// reaches a cluster. No image check judges it: its registry, tag, digest and pull policy
// are the build's, not the literal text's.
func IsBuildPlaceholder(image string) bool {
	for _, s := range buildSchemes {
		if len(image) > len(s) && strings.HasPrefix(image, s) {
			return true
		}
	}
	return false
}

// wellFormed is forEachImage over the references that parse; image-malformed reports the
// others once.
func wellFormed(p *check.Pass, fn func(use)) {
	forEachImage(p, func(u use) {
		if u.err == nil {
			fn(u)
		}
	})
}

func init() {
	check.Register(latestTag, notPinned, registryNotAllowed, pullPolicy, malformed)
}
