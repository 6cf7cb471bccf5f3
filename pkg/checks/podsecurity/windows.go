package podsecurity

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// windowsHostProcess implements PSA "windowsHostProcess".
var windowsHostProcess = &check.Check{
	ID:       "windows-host-process",
	AutoFix:  check.FixUnsafe,
	Category: catHost,
	Severity: finding.Critical,
	PSS:      finding.PSSBaseline,
	PSACheck: "windowsHostProcess",
	Doc: check.Doc{
		Title: "Windows container runs as a HostProcess",
		Why: `A Windows HostProcess container runs directly on the host, outside any container
isolation, with the host's network and filesystem: the Windows equivalent of a privileged
container.`,
		Bad: `securityContext:
  windowsOptions:
    hostProcess: true`,
		Good: `securityContext:
  windowsOptions:
    runAsUserName: "ContainerUser"`,
		Fix: "Remove windowsOptions.hostProcess; run node agents that need it in a separate, audited namespace.",
	},
	References: []check.Reference{check.CIS("5.2.11"), check.NSA("pod-security/enforcement"), check.MITRE("T1611")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			for _, s := range pod.SecurityContexts() {
				if v, set := workload.BoolField(s.Node, "windowsOptions", "hostProcess"); set && v {
					path := s.Path("windowsOptions", "hostProcess")
					p.Report(check.Diagnostic{Object: pod.Object, Path: path,
						Message: s.Label + " runs as a Windows HostProcess, outside container isolation",
						Fix:     check.NewFix("remove windowsOptions.hostProcess", false, check.Remove(path))})
				}
			}
		})
	},
}

func init() { check.Register(windowsHostProcess) }
