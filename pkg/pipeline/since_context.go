package pipeline

import (
	"os"
	"regexp"
	"slices"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
)

// namespaceEntry finds the namespaces a file names: `namespace: NAME` in an object's
// metadata, a kustomization, a binding's subject or a policy, in block or flow style.
var namespaceEntry = regexp.MustCompile(`(?m)(?:^|[\s{,-])"?namespace"?:[ \t]*["']?([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)["']?[ \t]*(?:[,}#]|$)`)

// withContext adds to the affected inputs the unaffected ones that cross-object checks
// relate them to, so that --since judges a changed unit as a whole run would: objects that
// name their namespace meet across units, so a unit naming a namespace an affected unit
// names comes too (a NetworkPolicy kept in policies/ still covers a new app in apps/). The
// added units are linted at the revision as well, so their own findings existed and are
// not reported. With deployScope repository every unit relates, and all are linted.
func withContext(all, affected []discover.Input, settings *check.Settings) []discover.Input {
	if len(affected) == 0 {
		return affected
	}
	if settings != nil && settings.DeployScope == check.ScopeRepository {
		return all
	}
	names := map[string][]string{} // file -> the namespaces it names
	read := func(file string) []string {
		if ns, ok := names[file]; ok {
			return ns
		}
		var ns []string
		if data, err := os.ReadFile(file); err == nil {
			for _, m := range namespaceEntry.FindAllSubmatch(data, -1) {
				if n := string(m[1]); !slices.Contains(ns, n) {
					ns = append(ns, n)
				}
			}
		}
		names[file] = ns
		return ns
	}
	namespaces := func(in discover.Input) []string {
		var ns []string
		for _, f := range inputFiles(in) {
			ns = append(ns, read(f)...)
		}
		return ns
	}
	wanted := map[string]bool{}
	chosen := map[string]bool{}
	for _, in := range affected {
		chosen[in.Path] = true
		for _, n := range namespaces(in) {
			wanted[n] = true
		}
	}
	if len(wanted) == 0 {
		return affected
	}
	var out []discover.Input
	for _, in := range all {
		if chosen[in.Path] || slices.ContainsFunc(namespaces(in), func(n string) bool { return wanted[n] }) {
			out = append(out, in)
		}
	}
	return out
}

// inputFiles are the files an input reads: a Kustomize tree's files, or the file itself.
func inputFiles(in discover.Input) []string {
	if in.Kind == discover.Kustomize {
		return in.Reads
	}
	return []string{in.Path}
}
