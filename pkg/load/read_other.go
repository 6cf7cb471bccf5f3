//go:build !linux

package load

import "github.com/kubectl-secure/kubectl-secure/pkg/finding"

func readRegularFile(path string, max int64) ([]byte, *finding.InputError) {
	return readPortable(path, max)
}
