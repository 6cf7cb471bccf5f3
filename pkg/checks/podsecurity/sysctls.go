package podsecurity

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// safeSysctls is PSA's allowed set at its latest version (1.37): namespaced sysctls that
// cannot affect other pods on the node.
var safeSysctls = map[string]bool{
	"kernel.shm_rmid_forced": true, "net.ipv4.ip_local_port_range": true, "net.ipv4.tcp_syncookies": true,
	"net.ipv4.ping_group_range": true, "net.ipv4.ip_unprivileged_port_start": true,
	"net.ipv4.ip_local_reserved_ports": true, "net.ipv4.tcp_keepalive_time": true,
	"net.ipv4.tcp_fin_timeout": true, "net.ipv4.tcp_keepalive_intvl": true, "net.ipv4.tcp_keepalive_probes": true,
	"net.ipv4.tcp_rmem": true, "net.ipv4.tcp_wmem": true,
	"net.ipv4.tcp_slow_start_after_idle": true, "net.ipv4.tcp_notsent_lowat": true,
}

// unsafeSysctls implements PSA "sysctls".
var unsafeSysctls = &check.Check{
	ID:       "unsafe-sysctls",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.High,
	PSS:      finding.PSSBaseline,
	PSACheck: "sysctls",
	Doc: check.Doc{
		Title: "Pod sets a sysctl outside the safe set",
		Why: `Sysctls outside the safe, namespaced set can change kernel behaviour for every pod on the
node (memory, scheduling, networking) or weaken isolation. The kubelet rejects them unless an
administrator allows them explicitly.`,
		Bad: `securityContext:
  sysctls:
    - name: kernel.msgmax
      value: "65536"`,
		Good: `securityContext:
  sysctls:
    - name: net.ipv4.ip_local_port_range
      value: "1024 65535"`,
		Fix: "Remove the sysctl, or tune it on dedicated nodes through node configuration. Safe sysctls: kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_keepalive_time/intvl/probes, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_rmem/wmem, net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat.",
	},
	References: []check.Reference{check.CIS("5.7.3"), check.NSA("pod-security/enforcement")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			items := fieldpath.Items(pod.Field("securityContext", "sysctls"))
			count := map[string]int{}
			for _, item := range items {
				name, _ := fieldpath.Str(fieldpath.MapGet(item, "name"))
				count[name]++
			}
			for i, item := range items {
				name, _ := fieldpath.Str(fieldpath.MapGet(item, "name"))
				if safeSysctls[name] {
					continue
				}
				elem := pod.SecurityContextPath("sysctls").Child(fieldpath.Index(i))
				// The entry is removed by name when the name is unique, so that removing
				// several entries does not depend on the order they are removed in.
				target := elem
				if name != "" && count[name] == 1 {
					target = pod.SecurityContextPath("sysctls").Child(fieldpath.Select("name", name))
				}
				p.Report(check.Diagnostic{Object: pod.Object, Path: elem.Keys("name"),
					Message: fmt.Sprintf("pod sets sysctl %q, which is not in the safe set", name),
					Fix:     check.NewFix(fmt.Sprintf("remove the sysctl %s", name), false, check.Remove(target))})
			}
		})
	},
}

func init() { check.Register(unsafeSysctls) }
