package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/pipeline"
	"github.com/kubectl-secure/kubectl-secure/pkg/reach"
)

// graphFormats are the outputs of `graph`, the default first.
var graphFormats = []struct {
	name  string
	write func(w io.Writer, g *reach.Graph, namespaces []string) error
}{
	{"mermaid", reach.Mermaid},
	{"json", func(w io.Writer, g *reach.Graph, _ []string) error { return reach.JSON(w, g) }},
	{"dot", reach.DOT},
}

func graphFormatNames() string {
	names := ""
	for i, f := range graphFormats {
		switch {
		case i == 0:
		case i == len(graphFormats)-1:
			names += " or "
		default:
			names += ", "
		}
		names += f.name
	}
	return names
}

func newGraphCommand(streams genericiooptions.IOStreams) *cobra.Command {
	o := defaultLintOptions(streams)
	o.Output = graphFormats[0].name
	var namespaces []string
	cmd := &cobra.Command{
		Use:   "graph [PATH...] [-f FILE|DIR|-]... [-k DIR] [-R]",
		Short: "Show which workloads the NetworkPolicies let talk to which",
		Long: `Print the reachability graph of the inputs: which workloads (pod templates) the
NetworkPolicies let open connections to which, as the NetworkPolicy API defines it. Inputs are
read as lint reads them (files, directories, Kustomize overlays, stdin), and namespaces are
grouped by deploy unit as the network-policy checks group them.

Per direction, a pod no policy of that type selects allows everything; policies add up; a
connection needs the source's egress and the target's ingress to allow it. podSelector,
namespaceSelector (against the input's Namespace objects and the kubernetes.io/metadata.name
label), both in one peer, ipBlock with except, ports (numbers, names resolved against the
target's container ports, protocols, endPort) are modelled. Outside the input there are two
nodes: "external (ipBlock)" for addresses outside the cluster, and "other namespaces" for pods
of namespaces the input does not hold that a namespaceSelector may select.

An edge is listed when a policy allows it. Traffic neither side restricts is not listed pair
by pair: such workloads are marked open ("no ingress policy") instead. Workloads a Cilium or
Calico policy selects are marked, and their edges are approximate (dashed): those policies'
rules are not modelled.

-o mermaid (default) renders in GitHub Markdown; -o dot is Graphviz; -o json lists namespaces,
nodes (kind, namespace, name, labels, ports, isolation and what is open per direction,
privileged, service account) and edges (from, to, ports, the policies that allow them).`,
		Example: `  kubectl secure graph manifests/
  kubectl secure graph overlays/prod -o json
  kubectl secure graph . -o dot | dot -Tsvg > graph.svg
  kubectl secure graph . --namespaces shop,payments >> summary.md`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
				return err
			}
			return runGraph(o, namespaces)
		},
	}
	f := cmd.Flags()
	addFileFlags(f, o)
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format: "+graphFormatNames()+".")
	f.StringSliceVar(&namespaces, "namespaces", nil, "Show only these namespaces (and the edges that reach them); default all.")
	f.StringVarP(&o.Namespace, "namespace", "n", "", "Namespace of objects that set none (as kubectl apply -n); default \"default\".")
	f.StringVar(&o.ConfigFile, "config", "", "Config file (default: "+config.FileName+" in the working directory or the nearest parent).")
	f.BoolVar(&o.IncludeHidden, "include-hidden", false, "Also read hidden directories and node_modules, which a directory walk leaves out.")
	f.StringArrayVar(&o.Exclude, "exclude", nil, "Leave out files and directories a directory walk finds that match this glob (repeatable).")
	f.StringVar(&o.LoadRestrictor, "load-restrictor", o.LoadRestrictor, "As kustomize's: rootOnly or none.")
	return cmd
}

// runGraph loads the inputs as lint does, runs no check, and writes the graph.
func runGraph(o *LintOptions, namespaces []string) error {
	if o.Kustomize != "" && (len(o.Filenames) > 0 || o.Recursive) {
		return fmt.Errorf("-k/--kustomize can't be used together with -f/--filename or -R/--recursive")
	}
	if err := pipeline.ValidateExclude(o.Exclude); err != nil {
		return err
	}
	var write func(io.Writer, *reach.Graph, []string) error
	for _, f := range graphFormats {
		if f.name == o.Output {
			write = f.write
		}
	}
	if write == nil {
		return fmt.Errorf("unknown output format %q: want %s", o.Output, graphFormatNames())
	}
	o.checks = []*check.Check{} // none: the graph needs the objects, not findings
	o.keepTrees = true
	res, err := pipeline.Lint(context.Background(), o.runOptions())
	if err != nil {
		return err
	}
	o.printErrors(res.Errors)
	o.printNotes(res)
	g := reach.FromObjects(res.Objects, o.settings)
	for _, n := range g.Notes {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: note: %s\n", n)
	}
	if err := write(o.Out, g, namespaces); err != nil {
		return fmt.Errorf("writing graph: %w", err)
	}
	if len(res.Errors) > 0 {
		return exitError{ExitError}
	}
	return nil
}
