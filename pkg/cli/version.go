package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/addon"
	"github.com/kubectl-secure/kubectl-secure/pkg/version"
)

func newVersionCommand(streams genericiooptions.IOStreams) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of kubectl-secure",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := version.Get()
			// The full binary names its add-ons, so a user can tell which one answered.
			addons := addon.LinkedNames()
			switch output {
			case "json":
				enc := json.NewEncoder(streams.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					version.Info
					Addons []string `json:"addons,omitempty"`
				}{info, addons})
			case "text":
				line := info.String()
				if len(addons) > 0 {
					line += " with add-ons: " + addon.Describe()
				}
				_, err := fmt.Fprintln(streams.Out, line)
				return err
			}
			return fmt.Errorf("unknown output format %q: want text or json", output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "Output format: text or json.")
	return cmd
}
