package cli

import (
	"path/filepath"

	"github.com/kubectl-secure/kubectl-secure/pkg/access"
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/pipeline"
	"github.com/kubectl-secure/kubectl-secure/pkg/reach"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
)

// views computes what the html report shows besides the findings from the objects of the
// run, whose trees the run kept: the reachability graph, and each workload's access path
// attached to its node.
func views(res *pipeline.Result, s *check.Settings) *report.Views {
	g := reach.FromObjects(res.Objects, s)
	model := access.Analyze(reach.CollectFacts(res.Objects, s, access.Facts), s)
	return &report.Views{Graph: g, Access: accessPaths(g, model)}
}

// accessPaths turns the access model into the report's paths, one per graph node (the
// pod specs of one object are one node).
func accessPaths(g *reach.Graph, m *access.Model) []report.AccessPath {
	var out []report.AccessPath
	at := map[string]int{}
	for _, w := range m.Workloads() {
		n := g.NodeOf(w.Object)
		if n == nil {
			continue
		}
		i, ok := at[n.ID]
		if !ok {
			i = len(out)
			at[n.ID] = i
			out = append(out, report.AccessPath{Workload: n.ID, ServiceAccount: w.Account,
				Bindings: []report.AccessBinding{}, Grants: []report.AccessGrant{}})
		}
		p := &out[i]
		for _, b := range w.Bindings {
			p.Bindings = append(p.Bindings, report.AccessBinding{Binding: bindingName(b), Role: roleName(&b.Role),
				Group: b.Group, File: filepath.ToSlash(b.At.File), Line: b.At.Line})
		}
		for _, gr := range w.Grants {
			ag := report.AccessGrant{Capability: gr.Capability.String(), Description: gr.Capability.Describe(),
				Binding: bindingName(gr.Binding), Role: roleName(gr.Role), Scope: gr.Scope,
				File: filepath.ToSlash(gr.Binding.At.File), Line: gr.Binding.At.Line}
			if gr.ClusterWide() {
				ag.Scope = "cluster"
			}
			if gr.Source != nil && *gr.Source != *gr.Role {
				ag.Source = roleName(gr.Source)
			}
			p.Grants = append(p.Grants, ag)
		}
	}
	return out
}

func bindingName(b *access.BindingRef) string {
	if b.Namespace != "" {
		return b.Kind + " " + b.Namespace + "/" + b.Name
	}
	return b.Kind + " " + b.Name
}

func roleName(r *access.RoleRef) string {
	name := r.Kind + " " + r.Name
	if r.Namespace != "" {
		name = r.Kind + " " + r.Namespace + "/" + r.Name
	}
	if r.Builtin && r.Object == nil {
		name += " (built-in)"
	}
	return name
}
