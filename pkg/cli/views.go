package cli

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/pipeline"
	"github.com/kubectl-secure/kubectl-secure/pkg/reach"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
)

// views computes what the html report shows besides the findings from the objects of the
// run, whose trees the run kept.
func views(res *pipeline.Result, s *check.Settings) *report.Views {
	return &report.Views{Graph: reach.FromObjects(res.Objects, s),
		AccessNote: "Access paths (ServiceAccount → bindings → capabilities) are not computed by this version."}
}
