package podsecurity

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// seLinuxTypes are the SELinux types PSA "seLinuxOptions" (1.31+) allows.
var seLinuxTypes = map[string]bool{"": true, "container_t": true, "container_init_t": true, "container_kvm_t": true, "container_engine_t": true}

// seLinux implements PSA "seLinuxOptions": type from the allowed list, no user, no role.
var seLinux = &check.Check{
	ID:       "selinux-options",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.High,
	PSS:      finding.PSSBaseline,
	PSACheck: "seLinuxOptions",
	Doc: check.Doc{
		Title: "Pod or container sets a custom SELinux type, user or role",
		Why: `SELinux labels confine containers to the container_t domain. A custom type (spc_t,
unconfined_t) or an SELinux user or role escapes that confinement, typically to gain the
access of a privileged container.`,
		Bad: `securityContext:
  seLinuxOptions:
    type: spc_t`,
		Good: `securityContext:
  seLinuxOptions:
    level: "s0:c123,c456"`,
		Fix: "Remove seLinuxOptions.type, .user and .role; set only level if you need MCS separation. Allowed types are container_t, container_init_t, container_kvm_t and container_engine_t.",
	},
	References: []check.Reference{check.CIS("5.7.3"), check.NSA("pod-security/enforcement"), check.MITRE("T1611")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			for _, s := range pod.SecurityContexts() {
				opts := fieldpath.MapGet(s.Node, "seLinuxOptions")
				if opts == nil {
					continue
				}
				base := s.Path("seLinuxOptions")
				if t, _ := fieldpath.Str(fieldpath.MapGet(opts, "type")); !seLinuxTypes[t] {
					p.Report(check.Diagnostic{Object: pod.Object, Path: base.Keys("type"),
						Message: fmt.Sprintf("%s sets SELinux type %q, outside the container types", s.Label, t),
						Fix:     check.NewFix("remove seLinuxOptions.type", false, check.Remove(base.Keys("type")))})
				}
				for _, f := range []string{"user", "role"} {
					if v, _ := fieldpath.Str(fieldpath.MapGet(opts, f)); v != "" {
						p.Report(check.Diagnostic{Object: pod.Object, Path: base.Keys(f),
							Message: fmt.Sprintf("%s sets SELinux %s %q; it may not be set", s.Label, f, v),
							Fix:     check.NewFix("remove seLinuxOptions."+f, false, check.Remove(base.Keys(f)))})
					}
				}
			}
		})
	},
}

func init() { check.Register(seLinux) }
