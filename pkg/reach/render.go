package reach

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// JSON writes the graph as indented JSON.
func JSON(w io.Writer, g *Graph) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(g)
}

// view is the part of a graph one rendering shows: the namespaces asked for, their nodes,
// the edges that touch them and the outside nodes those edges reach.
type view struct {
	namespaces []*Namespace
	members    map[string][]*Node // by namespace ID
	outside    []*Node
	edges      []*Edge
	short      map[string]string // node ID → n0, n1, ... (IDs safe in any syntax)
}

func newView(g *Graph, namespaces []string) *view {
	want := map[string]bool{}
	for _, n := range namespaces {
		want[n] = true
	}
	in := func(ns *Namespace) bool { return len(want) == 0 || want[ns.Name] || want[ns.ID] }
	v := &view{members: map[string][]*Node{}, short: map[string]string{}}
	shown := map[string]bool{}
	for _, ns := range g.Namespaces {
		if in(ns) {
			v.namespaces = append(v.namespaces, ns)
			shown[ns.ID] = true
		}
	}
	for _, n := range g.Nodes {
		if n.NSID != "" && shown[n.NSID] {
			v.members[n.NSID] = append(v.members[n.NSID], n)
			v.short[n.ID] = fmt.Sprintf("n%d", len(v.short))
		}
	}
	for _, e := range g.Edges {
		if v.short[e.From] != "" || v.short[e.To] != "" {
			v.edges = append(v.edges, e)
		}
	}
	// Outside nodes and workloads of other namespaces an edge reaches are drawn too.
	for _, e := range v.edges {
		for _, id := range []string{e.From, e.To} {
			if v.short[id] == "" {
				n := g.Node(id)
				v.short[id] = fmt.Sprintf("n%d", len(v.short))
				v.outside = append(v.outside, n)
			}
		}
	}
	return v
}

// flags are what a node's label says besides its name.
func flags(n *Node) []string {
	var out []string
	if n.Kind == "Outside" {
		return nil
	}
	switch {
	case n.OpenIngress() && !n.Ingress.Isolated:
		out = append(out, "no ingress policy")
	case n.OpenIngress():
		out = append(out, "ingress open to all")
	case n.Ingress.Open != nil:
		out = append(out, "any source: "+n.Ingress.Open.String())
	}
	if len(n.Privileged) > 0 {
		out = append(out, "privileged")
	}
	if len(n.CNI) > 0 {
		out = append(out, "CNI policy")
	}
	return out
}

// nodeTitle is the node's label; a workload drawn outside its namespace's subgraph (one of
// a namespace not shown) is named with its namespace.
func nodeTitle(n *Node, inSubgraph bool) string {
	switch {
	case n.Kind == "Outside":
		return n.Name
	case inSubgraph:
		return n.Kind + " " + n.Name
	}
	return n.Kind + " " + n.Namespace + "/" + n.Name
}

// Mermaid writes the graph of the namespaces named (all when none) as a Mermaid flowchart
// that GitHub renders: a subgraph per namespace, workloads open to every source in red,
// privileged ones with a thick border, approximate edges dashed. Namespaces are named by
// name or by ID (name@unit for an implicit namespace). It is what the pull-request summary
// embeds.
func Mermaid(w io.Writer, g *Graph, namespaces []string) error {
	v := newView(g, namespaces)
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "flowchart LR")
	var open, priv []string
	node := func(indent string, n *Node) {
		id := v.short[n.ID]
		label := mermaidText(nodeTitle(n, indent != "  "))
		if f := flags(n); len(f) > 0 {
			label += "<br/><i>" + mermaidText(strings.Join(f, ", ")) + "</i>"
		}
		if n.Kind == "Outside" {
			fmt.Fprintf(bw, "%s%s((\"%s\"))\n", indent, id, label)
			return
		}
		fmt.Fprintf(bw, "%s%s[\"%s\"]\n", indent, id, label)
		if n.OpenIngress() {
			open = append(open, id)
		}
		if len(n.Privileged) > 0 {
			priv = append(priv, id)
		}
	}
	for i, ns := range v.namespaces {
		title := "namespace " + ns.Name
		if ns.Unit != "" {
			title += " (" + ns.Unit + ")"
		}
		fmt.Fprintf(bw, "  subgraph s%d[\"%s\"]\n", i, mermaidText(title))
		for _, n := range v.members[ns.ID] {
			node("    ", n)
		}
		fmt.Fprintln(bw, "  end")
	}
	for _, n := range v.outside {
		node("  ", n)
	}
	for _, e := range v.edges {
		arrow := "-->"
		if e.Approximate {
			arrow = "-.->"
		}
		fmt.Fprintf(bw, "  %s %s|\"%s\"| %s\n", v.short[e.From], arrow, mermaidText(e.Ports.String()), v.short[e.To])
	}
	fmt.Fprintln(bw, "  classDef open fill:#fde2e1,stroke:#c62828,color:#000")
	fmt.Fprintln(bw, "  classDef privileged stroke:#6a1b9a,stroke-width:4px")
	if len(open) > 0 {
		fmt.Fprintf(bw, "  class %s open\n", strings.Join(open, ","))
	}
	if len(priv) > 0 {
		fmt.Fprintf(bw, "  class %s privileged\n", strings.Join(priv, ","))
	}
	return bw.Flush()
}

// mermaidText escapes text for a quoted Mermaid label: quotes, angle brackets and the
// entity character itself become Mermaid entity codes, so that no user text ends a label
// or reads as markup.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '#':
			b.WriteString("#35;")
		case '"':
			b.WriteString("#quot;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DOT writes the graph of the namespaces named (all when none) in Graphviz DOT: a cluster
// per namespace, edges labelled with their ports, their policies as tooltips.
func DOT(w io.Writer, g *Graph, namespaces []string) error {
	v := newView(g, namespaces)
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph reachability {")
	fmt.Fprintln(bw, `  rankdir=LR; fontname="Helvetica";`)
	fmt.Fprintln(bw, `  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];`)
	fmt.Fprintln(bw, `  edge [fontname="Helvetica", fontsize=10];`)
	node := func(indent string, n *Node) {
		label := nodeTitle(n, indent != "  ")
		if f := flags(n); len(f) > 0 {
			label += "\n" + strings.Join(f, ", ")
		}
		attrs := fmt.Sprintf("label=%s", dotQuote(label))
		switch {
		case n.Kind == "Outside":
			attrs += `, shape=ellipse, fillcolor="#eeeeee"`
		case n.OpenIngress():
			attrs += `, fillcolor="#fde2e1"`
		}
		switch {
		case len(n.Privileged) > 0:
			attrs += `, penwidth=3, color="#6a1b9a"`
		case n.OpenIngress() && n.Kind != "Outside":
			attrs += `, color="#c62828"`
		}
		fmt.Fprintf(bw, "%s%s [%s];\n", indent, v.short[n.ID], attrs)
	}
	for i, ns := range v.namespaces {
		title := "namespace " + ns.Name
		if ns.Unit != "" {
			title += " (" + ns.Unit + ")"
		}
		fmt.Fprintf(bw, "  subgraph cluster_%d {\n    label=%s;\n", i, dotQuote(title))
		for _, n := range v.members[ns.ID] {
			node("    ", n)
		}
		fmt.Fprintln(bw, "  }")
	}
	for _, n := range v.outside {
		node("  ", n)
	}
	for _, e := range v.edges {
		pols := make([]string, len(e.Policies))
		for i, p := range e.Policies {
			pols[i] = p.String()
		}
		attrs := fmt.Sprintf("label=%s, tooltip=%s", dotQuote(e.Ports.String()), dotQuote(strings.Join(pols, "\n")))
		if e.Approximate {
			attrs += ", style=dashed"
		}
		fmt.Fprintf(bw, "  %s -> %s [%s];\n", v.short[e.From], v.short[e.To], attrs)
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// dotQuote quotes s as a DOT string: backslashes and quotes escaped, newlines as \n.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")
	return `"` + r.Replace(s) + `"`
}
