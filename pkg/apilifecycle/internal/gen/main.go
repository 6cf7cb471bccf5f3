// Command gen writes ../../table_generated.go (run by go generate in pkg/apilifecycle).
package main

import (
	"fmt"
	"os"

	"github.com/kubectl-secure/kubectl-secure/pkg/apilifecycle/internal/lifecyclegen"
)

func main() {
	version, err := lifecyclegen.LinkedAPIVersion()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	src, err := lifecyclegen.Generate(version)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("table_generated.go", src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
