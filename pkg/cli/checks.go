package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
)

func newChecksCommand(streams genericiooptions.IOStreams) *cobra.Command {
	var output string
	var show bool
	var policies []string
	o := defaultLintOptions(streams)
	cmd := &cobra.Command{
		Use:   "checks [CHECK-ID]",
		Short: "List the checks, or explain one",
		Example: `  kubectl secure checks
  kubectl secure checks privileged-container
  kubectl secure checks --show-config --fail-on high`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if show {
				if len(args) > 0 || cmd.Flags().Changed("output") {
					return fmt.Errorf("--show-config takes no check ID and prints YAML only")
				}
				return showConfig(streams.Out, cmd, o)
			}
			for _, name := range settingsFlags {
				if cmd.Flags().Changed(name) {
					return fmt.Errorf("--%s needs --show-config", name)
				}
			}
			if output != "text" && output != "json" {
				return fmt.Errorf("unknown output format %q: want text or json", output)
			}
			all, err := checksWithPolicies(o.ConfigFile, policies)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				c := lookupIn(all, args[0])
				if c == nil {
					return fmt.Errorf("unknown check %q (see `kubectl secure checks`)", args[0])
				}
				if output == "json" {
					return writeChecksJSON(streams.Out, []*check.Check{c})
				}
				return explain(streams.Out, c)
			}
			if output == "json" {
				return writeChecksJSON(streams.Out, all)
			}
			return listChecks(streams.Out, all)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "text", "Output format: text or json.")
	f.StringArrayVar(&policies, "policy", nil, "Also list the checks of the ValidatingAdmissionPolicies of this file or directory (repeatable), as lint --policy; the config's policies: are listed too.")
	f.BoolVar(&show, "show-config", false, "Print the configuration lint would use, as YAML: the config file found (or --config) merged with the flags below.")
	f.StringVar(&o.ConfigFile, "config", "", "With --show-config: config file (default: "+config.FileName+" in the working directory or the nearest parent).")
	f.StringSliceVar(&o.Enable, "enable", nil, "With --show-config: as lint --enable.")
	f.StringSliceVar(&o.Disable, "disable", nil, "With --show-config: as lint --disable.")
	f.StringVar(&o.FailOn, "fail-on", o.FailOn, "With --show-config: as lint --fail-on.")
	f.StringVar(&o.PSS, "pss", o.PSS, "With --show-config: as lint --pss.")
	f.StringVarP(&o.Namespace, "namespace", "n", "", "With --show-config: as lint --namespace.")
	f.StringSliceVar(&o.AllowedRegistries, "allowed-registries", nil, "With --show-config: as lint --allowed-registries.")
	f.StringSliceVar(&o.CoveredNamespaces, "covered-namespaces", nil, "With --show-config: as lint --covered-namespaces.")
	f.StringVar(&o.Suppressions, "suppressions", o.Suppressions, "With --show-config: as lint --suppressions.")
	return cmd
}

// settingsFlags are the lint settings `checks` accepts for --show-config.
var settingsFlags = []string{"config", "enable", "disable", "fail-on", "pss", "namespace", "allowed-registries", "covered-namespaces", "suppressions"}

func listChecks(w io.Writer, cs []*check.Check) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCATEGORY\tSEVERITY\tPSS\tTITLE")
	for _, c := range cs {
		pss := c.PSS
		if pss == "" {
			pss = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Category, c.Severity, pss, c.Doc.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d checks. `kubectl secure checks ID` explains one.\n", len(cs))
	return err
}

func explain(w io.Writer, c *check.Check) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n\n", c.ID, c.Doc.Title)
	fmt.Fprintf(&b, "  category:  %s\n  severity:  %s\n", c.Category, c.Severity)
	if c.PSS != "" {
		fmt.Fprintf(&b, "  pss:       %s (Pod Security Standards, control %q)\n", c.PSS, c.PSACheck)
	}
	section := func(title, text string) {
		if strings.TrimSpace(text) == "" {
			return
		}
		fmt.Fprintf(&b, "\n%s\n", title)
		for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
			b.WriteString("  " + line + "\n")
		}
	}
	section("Why it matters", c.Doc.Why)
	section("Fires on", c.Doc.Bad)
	section("Passes", c.Doc.Good)
	section("How to fix", c.Doc.Fix)
	section("Automatic fix", c.AutoFix.Explain())
	section("References (--enable/--disable select by these keys or their prefixes)", referenceLines(c.References))
	_, err := io.WriteString(w, b.String())
	return err
}

// referenceLines lists references one a line, key first, aligned.
func referenceLines(refs []check.Reference) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, r := range refs {
		id := " " + r.ID
		if r.Framework == check.FrameworkNSA {
			id = "" // the guide numbers nothing: its ID is ours, the key says it
		}
		fmt.Fprintf(tw, "%s\t%s%s: %s\n", r.Key(), r.Framework.Name(), id, r.Title)
	}
	_ = tw.Flush() // a strings.Builder does not fail
	return b.String()
}

type checkDoc struct {
	ID       string `json:"id"`
	Category string `json:"category"`
	Severity string `json:"severity"`
	PSS      string `json:"pss,omitempty"`
	Title    string `json:"title"`
	Why      string `json:"why,omitempty"`
	Bad      string `json:"bad,omitempty"`
	Good     string `json:"good,omitempty"`
	Fix      string `json:"fix,omitempty"`
	AutoFix  string `json:"autoFix"`
	// References are the published controls the check implements; [] when none.
	References []referenceDoc `json:"references"`
}

type referenceDoc struct {
	Framework string `json:"framework"`
	ID        string `json:"id"`
	Title     string `json:"title"`
	Key       string `json:"key"`
}

func writeChecksJSON(w io.Writer, cs []*check.Check) error {
	docs := make([]checkDoc, len(cs))
	for i, c := range cs {
		docs[i] = checkDoc{ID: c.ID, Category: c.Category, Severity: c.Severity.String(), PSS: c.PSS,
			Title: c.Doc.Title, Why: c.Doc.Why, Bad: c.Doc.Bad, Good: c.Doc.Good, Fix: c.Doc.Fix,
			AutoFix: c.AutoFix.String(), References: []referenceDoc{}}
		for _, r := range c.References {
			docs[i].References = append(docs[i].References, referenceDoc{Framework: string(r.Framework), ID: r.ID, Title: r.Title, Key: r.Key()})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(docs)
}

// checksWithPolicies is every registered check and the checks of the policies of flags
// and of the config file's policies:. A config file that cannot be read only matters
// when it is where the policies come from: listing the built-in checks never needed it.
func checksWithPolicies(configFile string, flags []string) ([]*check.Check, error) {
	cfg, err := loadConfig(configFile)
	if err != nil {
		if len(flags) > 0 || configFile != "" {
			return nil, err
		}
		cfg = &config.Config{}
	}
	run, err := loadPolicies(cfg, flags)
	if err != nil {
		return nil, err
	}
	return append(check.All(), run.Checks()...), nil
}

// lookupIn returns the check of all with id, or nil.
func lookupIn(all []*check.Check, id string) *check.Check {
	for _, c := range all {
		if c.ID == id {
			return c
		}
	}
	return nil
}
