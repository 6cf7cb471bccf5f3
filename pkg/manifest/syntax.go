package manifest

import (
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// syntaxErrorPrefix starts the message of every error Parse returns because the text is
// not YAML it can read (as opposed to a limit it refused to go past).
const syntaxErrorPrefix = "invalid YAML: "

// IsSyntaxError reports whether err, returned by Parse or ParseDocuments, says the text
// does not parse as YAML. The limits' errors (size, binary content, documents, line
// length, nesting, alias expansion) are not syntax errors: they guard this process and
// must stay errors whatever the file is.
func IsSyntaxError(err *finding.InputError) bool {
	return err != nil && strings.HasPrefix(err.Message, syntaxErrorPrefix)
}
