package podsecurity

import (
	"fmt"
	"path"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// sensitiveHostPaths are host directories whose mount amounts to owning the node: the
// root filesystem, system configuration, the kubelet's and the runtime's state.
var sensitiveHostPaths = map[string]bool{
	"/": true, "/etc": true, "/root": true, "/home": true, "/proc": true, "/sys": true,
	"/boot": true, "/dev": true, "/var": true, "/var/run": true, "/run": true,
	"/var/lib/kubelet": true, "/var/lib/docker": true, "/var/lib/containerd": true,
	"/etc/kubernetes": true,
	// The runtimes' socket directories: mounting one exposes the socket inside it.
	"/var/run/docker": true, "/run/docker": true, "/var/run/containerd": true, "/run/containerd": true,
	"/var/run/crio": true, "/run/crio": true, "/var/run/cri-dockerd": true, "/run/cri-dockerd": true,
}

// sensitiveHostPrefixes are directories nothing below which is safe to mount: node
// credentials, other processes, the boot chain.
var sensitiveHostPrefixes = []string{"/etc/kubernetes/", "/var/lib/kubelet/", "/proc/", "/root/", "/boot/"}

// binaryHostPaths hold the programs and libraries the node runs as root (the kubelet,
// the runtime, their plugins): harmless to read, but a container that can write there
// replaces them and runs its code as root on the node.
var binaryHostPaths = map[string]bool{
	"/usr": true, "/lib": true, "/lib64": true, "/bin": true, "/sbin": true, "/usr/bin": true,
	"/usr/sbin": true, "/usr/lib": true, "/usr/lib64": true, "/usr/local/bin": true, "/usr/libexec": true,
}

// writableBy returns the first container that mounts the volume name without readOnly,
// or "".
func writableBy(pod *workload.Pod, name string) string {
	for _, c := range pod.Containers() {
		for _, m := range fieldpath.Items(c.Field("volumeMounts")) {
			if n, _ := fieldpath.Str(fieldpath.MapGet(m, "name")); n != name {
				continue
			}
			if ro, _ := workload.BoolField(m, "readOnly"); !ro {
				return c.Label()
			}
		}
	}
	return ""
}

// sensitiveHostPath reports a host path whose mount lets a container take over the node;
// any *.sock is a runtime or agent control socket.
func sensitiveHostPath(p string) bool {
	clean := path.Clean("/" + strings.TrimSpace(p))
	if sensitiveHostPaths[clean] || strings.HasSuffix(clean, ".sock") {
		return true
	}
	for _, prefix := range sensitiveHostPrefixes {
		if strings.HasPrefix(clean, prefix) {
			return true
		}
	}
	return false
}

// volumes calls fn for every volume of the pod, with its path and name.
func volumes(pod *workload.Pod, fn func(path fieldpath.Path, name string, v *workloadVolume)) {
	items := fieldpath.Items(pod.Field("volumes"))
	seen := map[string]int{}
	for _, item := range items {
		if n, ok := fieldpath.Str(fieldpath.MapGet(item, "name")); ok {
			seen[n]++
		}
	}
	for i, item := range items {
		name, _ := fieldpath.Str(fieldpath.MapGet(item, "name"))
		seg := fieldpath.Index(i)
		if name != "" && seen[name] == 1 {
			seg = fieldpath.Select("name", name)
		}
		fn(pod.Path.Child(fieldpath.Key("volumes"), seg), name, &workloadVolume{item})
	}
}

// hostPathVolume implements PSA "hostPathVolumes".
var hostPathVolume = &check.Check{
	ID:       "host-path-volume",
	Category: catHost,
	Severity: finding.High,
	PSS:      finding.PSSBaseline,
	PSACheck: "hostPathVolumes",
	Doc: check.Doc{
		Title: "Pod mounts a directory of the node (hostPath)",
		Why: `A hostPath volume exposes the node's filesystem to the container. Mounting the container
runtime socket (/var/run/docker.sock, containerd.sock), /, /etc, /proc or the kubelet's
directory lets the container start privileged containers or read node credentials: that is
reported as critical. So is a directory of the node's programs and libraries (/usr, /lib,
/bin, /sbin, /usr/libexec, ...) that a container mounts without readOnly: it can replace
what the node runs as root. Any hostPath also ties the pod to one node's state.`,
		Bad: `volumes:
  - name: docker
    hostPath:
      path: /var/run/docker.sock`,
		Good: `volumes:
  - name: cache
    emptyDir: {}`,
		Fix: "Use emptyDir, a PersistentVolumeClaim, a ConfigMap/Secret or a CSI volume instead. Node agents that truly need the host belong in a separate, audited namespace.",
	},
	References: []check.Reference{check.CIS("5.2.12"), check.NSA("pod-security/enforcement"), check.MITRE("T1611")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			volumes(pod, func(vp fieldpath.Path, name string, v *workloadVolume) {
				hp := v.hostPath()
				if hp == nil {
					return
				}
				dir, _ := fieldpath.Str(fieldpath.MapGet(hp, "path"))
				d := check.Diagnostic{Object: pod.Object, Path: vp.Keys("hostPath", "path"),
					Message: fmt.Sprintf("volume %q mounts host path %q", name, dir),
					Fix:     check.NewFix("replace the hostPath volume with emptyDir or a PersistentVolumeClaim", false)}
				if sensitiveHostPath(dir) {
					d.Severity = finding.Critical
					d.Message = fmt.Sprintf("volume %q mounts sensitive host path %q: a container with it can take over the node", name, dir)
				} else if binaryHostPaths[path.Clean("/"+strings.TrimSpace(dir))] {
					if c := writableBy(pod, name); c != "" {
						d.Severity = finding.Critical
						d.Message = fmt.Sprintf("volume %q mounts host path %q, which holds the node's programs, and %s can write to it: it can replace them and run code as root on the node", name, dir, c)
						d.Fix = check.NewFix("mount the volume with readOnly: true in every container, or replace it with emptyDir or a PersistentVolumeClaim", false)
					}
				}
				p.Report(d)
			})
		})
	},
}

func init() { check.Register(hostPathVolume) }
