package fix

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// checkNewObject refuses an object a fix would add whose namespace is not a DNS-1123 label
// or whose name is not a DNS-1123 subdomain, as the API server would: such a value came
// from the manifest as written, and copying it into a new file would put text chosen by
// whoever wrote the manifest into a file the tool vouches for.
func checkNewObject(ref finding.ObjectRef) error {
	if ref.Namespace != "" {
		if errs := validation.IsDNS1123Label(ref.Namespace); len(errs) > 0 {
			return fmt.Errorf("add object: namespace %q is not a valid DNS-1123 label (%s); not written", ref.Namespace, strings.Join(errs, "; "))
		}
	}
	if errs := validation.IsDNS1123Subdomain(ref.Name); len(errs) > 0 {
		return fmt.Errorf("add object: name %q is not a valid DNS-1123 subdomain (%s); not written", ref.Name, strings.Join(errs, "; "))
	}
	return nil
}
