package podsecurity

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// ccase is one row of a check's table. src marks each line a finding is expected on with
// `# want: <check-id>` (checktest.RunCases); for each finding, in order, the row lists its
// PSS level, a fragment its message must contain (the container, volume or field it names)
// and its fix as renderFix prints it, which pins the path the fix edits. want, in
// checktest.Short form, is only for rows that pin a finding's column or path beyond that.
type ccase struct {
	name  string
	src   string
	want  []string
	pss   []string // per finding; nil: every finding at the check's own level
	msgs  []string
	fixes []string
}

// runTable runs the cases through checktest.RunCases, then checks what the marked lines
// leave out: how many findings, their levels, messages and fixes.
func runTable(t *testing.T, id string, cases []ccase) {
	t.Helper()
	c := check.Lookup(id)
	if c == nil {
		t.Fatalf("no check %q", id)
	}
	fired, quiet := false, false
	rows := make([]checktest.Case, len(cases))
	for i, tc := range cases {
		rows[i] = checktest.Case{Name: tc.name, Src: tc.src, Want: tc.want}
		fired = fired || len(tc.msgs) > 0
		quiet = quiet || len(tc.msgs) == 0
	}
	if !fired || !quiet {
		t.Errorf("%s: the table needs a firing and a non-firing case", id)
	}
	checktest.RunCases(t, id, rows)
	for _, tc := range cases {
		t.Run(tc.name+"/details", func(t *testing.T) {
			if len(tc.fixes) != len(tc.msgs) || tc.pss != nil && len(tc.pss) != len(tc.msgs) {
				t.Fatalf("case lists %d messages, %d fixes, %d levels", len(tc.msgs), len(tc.fixes), len(tc.pss))
			}
			if len(tc.msgs) > 0 && len(checktest.WantLines(tc.src, id)) == 0 {
				t.Fatalf("a firing case marks its lines with `# want: %s`", id)
			}
			fs := checktest.Run(t, tc.src, id)
			if len(fs) != len(tc.msgs) {
				// marked lines do not count findings that share a line
				t.Fatalf("%d findings, want %d: %q", len(fs), len(tc.msgs), checktest.Short(fs))
			}
			for i, f := range fs {
				pss := c.PSS
				if tc.pss != nil {
					pss = tc.pss[i]
				}
				if f.PSS != pss {
					t.Errorf("finding %d: pss %q, want %q", i, f.PSS, pss)
				}
				if !strings.Contains(f.Message, tc.msgs[i]) {
					t.Errorf("finding %d: message %q does not name %q", i, f.Message, tc.msgs[i])
				}
				if got := renderFix(f.Fix); got != tc.fixes[i] {
					t.Errorf("finding %d: fix\n got: %s\nwant: %s", i, got, tc.fixes[i])
				}
				if f.Fix != nil && f.Fix.Description == "" {
					t.Errorf("finding %d: fix without a description", i)
				}
			}
		})
	}
}

// renderFix prints a fix as "safe|unsafe: op path[=value]; ...", or "advice" when it has
// no changes to apply.
func renderFix(f *finding.Fix) string {
	if f == nil {
		return "none"
	}
	if len(f.Changes) == 0 {
		return "advice"
	}
	kind := "unsafe"
	if f.Safe {
		kind = "safe"
	}
	var parts []string
	for _, c := range f.Changes {
		var s string
		switch c.Op {
		case finding.Set:
			s = fmt.Sprintf("set %s=%v", c.Path, c.Value)
		case finding.Remove:
			s = "remove " + c.Path.String()
		case finding.Append:
			s = fmt.Sprintf("append %s+=%v", c.Path, c.Value)
		default:
			s = fmt.Sprintf("op%d %s", c.Op, c.Path)
		}
		parts = append(parts, s)
	}
	return kind + ": " + strings.Join(parts, "; ")
}

// pod prefixes a pod spec body (indented two spaces) with a Pod header; the body starts
// on line 6.
func pod(body string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n" + body
}

// deployment wraps a pod spec body (indented six spaces) in a Deployment; the body starts
// on line 8.
func deployment(body string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n" + body
}

func TestPrivilegedContainer(t *testing.T) {
	runTable(t, "privileged-container", []ccase{
		{name: "privileged", src: pod(`  containers:
    - name: app
      securityContext:
        privileged: true # want: privileged-container
`),
			msgs:  []string{`container "app"`},
			fixes: []string{"unsafe: set spec.containers[name=app].securityContext.privileged=false"}},
		{name: "init and ephemeral containers", src: pod(`  initContainers:
    - name: setup
      securityContext: {privileged: true} # want: privileged-container
  containers:
    - name: app
  ephemeralContainers:
    - name: debug
      securityContext: {privileged: yes} # want: privileged-container
`),
			msgs: []string{`init container "setup"`, `ephemeral container "debug"`},
			fixes: []string{
				"unsafe: set spec.initContainers[name=setup].securityContext.privileged=false",
				"unsafe: set spec.ephemeralContainers[name=debug].securityContext.privileged=false",
			}},
		{name: "false, quoted and absent", src: pod(`  containers:
    - name: a
      securityContext: {privileged: false}
    - name: b
      securityContext: {privileged: "true"}
    - name: c
`)},
	})
}

func TestHostNamespaces(t *testing.T) {
	runTable(t, "host-namespaces", []ccase{
		{name: "all three", src: deployment(`      hostNetwork: true # want: host-namespaces
      hostPID: true # want: host-namespaces
      hostIPC: true # want: host-namespaces
      containers: [{name: app}]
`),
			msgs: []string{"hostNetwork", "hostPID", "hostIPC"},
			fixes: []string{
				"unsafe: remove spec.template.spec.hostNetwork",
				"unsafe: remove spec.template.spec.hostPID",
				"unsafe: remove spec.template.spec.hostIPC",
			}},
		{name: "false", src: pod(`  hostNetwork: false
  hostPID: false
  containers: [{name: app}]
`)},
	})
}

func TestCapabilitiesAdded(t *testing.T) {
	runTable(t, "capabilities-added", []ccase{
		{name: "non-default", src: pod(`  containers:
    - name: app
      securityContext:
        capabilities:
          add: [NET_ADMIN, CHOWN, SYS_ADMIN] # want: capabilities-added
`),
			// want pins the columns: both findings are on one line, each at its own item.
			want: []string{
				"capabilities-added@10:17 spec.containers[name=app].securityContext.capabilities.add[0]",
				"capabilities-added@10:35 spec.containers[name=app].securityContext.capabilities.add[2]",
			},
			msgs: []string{`container "app" adds capability "NET_ADMIN"`, `container "app" adds capability "SYS_ADMIN"`},
			fixes: []string{
				"unsafe: remove spec.containers[name=app].securityContext.capabilities.add[0]",
				"unsafe: remove spec.containers[name=app].securityContext.capabilities.add[2]",
			}},
		// Admission compares names exactly: a default capability in lower case or with a
		// CAP_ prefix is refused, and the finding says why instead of calling it
		// dangerous; any other name keeps the usual message whatever its spelling.
		{name: "case", src: pod(`  containers:
    - name: app
      securityContext:
        capabilities:
          add:
            - chown # want: capabilities-added
            - CAP_SETUID # want: capabilities-added
            - nEt_aDmIn # want: capabilities-added
`),
			msgs: []string{
				`container "app" adds capability "chown": Pod Security admission compares names exactly and allows only "CHOWN" (upper case, no CAP_ prefix)`,
				`container "app" adds capability "CAP_SETUID": Pod Security admission compares names exactly and allows only "SETUID"`,
				`container "app" adds capability "nEt_aDmIn", which is not in the baseline set`,
			},
			fixes: []string{
				"unsafe: remove spec.containers[name=app].securityContext.capabilities.add[0]",
				"unsafe: remove spec.containers[name=app].securityContext.capabilities.add[1]",
				"unsafe: remove spec.containers[name=app].securityContext.capabilities.add[2]",
			}},
		{name: "windows pod still baseline", src: pod(`  os: {name: windows}
  containers:
    - name: app
      securityContext: {capabilities: {add: [NET_RAW]}} # want: capabilities-added
`),
			msgs:  []string{`container "app"`},
			fixes: []string{"unsafe: remove spec.containers[name=app].securityContext.capabilities.add[0]"}},
		{name: "default set", src: pod(`  containers:
    - name: app
      securityContext:
        capabilities:
          add: [CHOWN, NET_BIND_SERVICE, SYS_CHROOT]
`)},
	})
}

func TestCapabilitiesAddedRestricted(t *testing.T) {
	runTable(t, "capabilities-added-restricted", []ccase{
		{name: "default capabilities", src: pod(`  containers:
    - name: app
      securityContext:
        capabilities:
          drop: [ALL]
          add: [CHOWN, NET_BIND_SERVICE, SYS_ADMIN, SETUID] # want: capabilities-added-restricted
`),
			msgs: []string{`container "app" adds capability "CHOWN"`, `container "app" adds capability "SETUID"`},
			fixes: []string{
				"unsafe: remove spec.containers[name=app].securityContext.capabilities.add[0]",
				"unsafe: remove spec.containers[name=app].securityContext.capabilities.add[3]",
			}},
		{name: "net bind service only", src: pod(`  containers:
    - name: app
      securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}
`)},
		{name: "windows pods are exempt", src: pod(`  os: {name: windows}
  containers:
    - name: app
      securityContext: {capabilities: {add: [CHOWN]}}
`)},
	})
}

func TestCapabilitiesNotDropped(t *testing.T) {
	runTable(t, "capabilities-not-dropped", []ccase{
		{name: "missing and partial", src: pod(`  containers:
    - name: bare # want: capabilities-not-dropped
      image: app:1
    - name: partial
      securityContext:
        capabilities:
          drop: [NET_RAW] # want: capabilities-not-dropped
`),
			msgs: []string{`container "bare" does not drop ALL`, `container "partial" does not drop ALL`},
			fixes: []string{
				"unsafe: append spec.containers[name=bare].securityContext.capabilities.drop+=ALL",
				"unsafe: append spec.containers[name=partial].securityContext.capabilities.drop+=ALL",
			}},
		// Admission compares "ALL" exactly: "all" does not count, and the fix rewrites the
		// entry instead of appending a second one.
		{name: "all in lower case", src: pod(`  containers:
    - name: lower
      securityContext:
        capabilities:
          drop:
            - NET_RAW
            - all # want: capabilities-not-dropped
`),
			msgs:  []string{`container "lower" drops "all", but Pod Security admission accepts only "ALL" in upper case`},
			fixes: []string{"unsafe: set spec.containers[name=lower].securityContext.capabilities.drop[1]=ALL"}},
		{name: "dropped", src: pod(`  containers:
    - name: app
      securityContext: {capabilities: {drop: [ALL]}}
`)},
		{name: "windows pods are exempt", src: pod(`  os: {name: windows}
  containers:
    - name: app
`)},
	})
}

func TestHostPathVolume(t *testing.T) {
	runTable(t, "host-path-volume", []ccase{
		{name: "ordinary host path", src: pod(`  containers: [{name: app}]
  volumes:
    - name: logs
      hostPath:
        path: /var/log/app # want: host-path-volume
`),
			msgs:  []string{`volume "logs" mounts host path "/var/log/app"`},
			fixes: []string{"advice"}},
		{name: "null host path is an emptyDir", src: pod(`  containers: [{name: app}]
  volumes:
    - name: scratch
      hostPath: null
`)},
		{name: "other volumes", src: pod(`  containers: [{name: app}]
  volumes:
    - {name: cfg, configMap: {name: cfg}}
`)},
	})
}

// TestSensitiveHostPaths checks that mounting what amounts to the node is critical, and
// that an ordinary directory stays at the check's severity.
func TestSensitiveHostPaths(t *testing.T) {
	for _, tc := range []struct {
		path     string
		critical bool
	}{
		{"/var/run/docker.sock", true},
		{"/run/containerd/containerd.sock", true},
		{"/var/run/crio/crio.sock", true},
		{"/var/run/cri-dockerd.sock", true},
		{"/proc", true},
		{"/proc/1/ns", true},
		{"/etc", true},
		{"/etc/", true},
		{"/", true},
		{"//", true},
		{"/var/run", true},
		{"/run", true},
		{"/root", true},
		{"/root/.ssh", true},
		{"/var/lib/kubelet", true},
		{"/var/lib/kubelet/pods", true},
		{"/etc/kubernetes/pki", true},
		{"/var/lib/docker", true},
		{"/var/lib/containerd", true},
		{"/sys", true},
		{"/dev", true},
		{"/boot", true},
		{"/home", true},
		{"/var/../etc", true},
		{"/run/containerd", true},
		{"/var/run/crio", true},
		{"/var/run/docker", true},
		{"/run/cri-dockerd/", true},
		{"/var/log/app", false},
		{"/data/cache", false},
		{"/etc-backup", false},
		{"/var/lib/app", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			fs := checktest.Run(t, pod(`  containers: [{name: app}]
  volumes:
    - name: v
      hostPath: {path: "`+tc.path+`"}
`), "host-path-volume")
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1", len(fs))
			}
			want := finding.High
			if tc.critical {
				want = finding.Critical
			}
			if fs[0].Severity != want {
				t.Errorf("severity %s, want %s (%s)", fs[0].Severity, want, fs[0].Message)
			}
		})
	}
}

// TestWritableBinaryHostPaths: a directory of the node's programs is critical when a
// container can write to it, and only then; reading /usr gives nothing away.
func TestWritableBinaryHostPaths(t *testing.T) {
	for _, tc := range []struct {
		name, path, mounts string
		critical           bool
		msg                string
	}{
		{"writable /usr", "/usr", "  containers:\n    - name: app\n      volumeMounts: [{name: v, mountPath: /host/usr}]\n", true,
			`volume "v" mounts host path "/usr", which holds the node's programs, and container "app" can write to it`},
		{"read-only /usr", "/usr", "  containers:\n    - name: app\n      volumeMounts: [{name: v, mountPath: /host/usr, readOnly: true}]\n", false, ""},
		{"mounted by no container", "/lib", "  containers: [{name: app}]\n", false, ""},
		{"an init container writes /usr/libexec/", "/usr/libexec/", "  initContainers:\n    - name: setup\n      volumeMounts: [{name: v, mountPath: /x, subPath: kubernetes}]\n  containers:\n    - name: app\n      volumeMounts: [{name: v, mountPath: /x, readOnly: true}]\n", true,
			`init container "setup" can write to it`},
		{"readOnly false", "/sbin", "  containers:\n    - name: app\n      volumeMounts: [{name: v, mountPath: /x, readOnly: false}]\n", true, ""},
		{"another mount of another volume", "/bin", "  containers:\n    - name: app\n      volumeMounts: [{name: w, mountPath: /x}, {name: v, mountPath: /y, readOnly: true}]\n", false, ""},
		{"below /usr is not the node's programs", "/usr/share/zoneinfo", "  containers:\n    - name: app\n      volumeMounts: [{name: v, mountPath: /x}]\n", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := checktest.Run(t, pod(tc.mounts+"  volumes:\n    - name: v\n      hostPath: {path: \""+tc.path+"\"}\n    - {name: w, emptyDir: {}}\n"), "host-path-volume")
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1", len(fs))
			}
			want := finding.High
			if tc.critical {
				want = finding.Critical
			}
			if fs[0].Severity != want {
				t.Errorf("severity %s, want %s (%s)", fs[0].Severity, want, fs[0].Message)
			}
			if !strings.Contains(fs[0].Message, tc.msg) {
				t.Errorf("message %q, want %q", fs[0].Message, tc.msg)
			}
		})
	}
}

func TestRestrictedVolumeTypes(t *testing.T) {
	runTable(t, "restricted-volume-types", []ccase{
		{name: "in-tree network volumes", src: pod(`  containers: [{name: app}]
  volumes:
    - name: shared
      nfs: {server: nfs.example.com, path: /exports} # want: restricted-volume-types
    - name: repo
      emptyDir: null
      gitRepo: {repository: "https://example.com/r.git"} # want: restricted-volume-types
`),
			msgs:  []string{`volume "shared" uses type "nfs"`, `volume "repo" uses type "gitRepo"`},
			fixes: []string{"advice", "advice"}},
		{name: "allowed, sourceless and unknown keys", src: pod(`  containers: [{name: app}]
  volumes:
    - {name: a, configMap: {name: cfg}}
    - {name: b, csi: {driver: x}}
    - {name: c, ephemeral: {}}
    - {name: d, image: {reference: "r/x:1"}}
    - name: e
    - {name: f, emptydir: {}}
    - {name: g, hostPath: {path: /tmp}}
`)},
	})
}

func TestHostPort(t *testing.T) {
	runTable(t, "host-port", []ccase{
		{name: "host port", src: pod(`  containers:
    - name: web
      ports:
        - containerPort: 8080
        - containerPort: 8443
          hostPort: 443 # want: host-port
`),
			msgs:  []string{`container "web" binds host port 443`},
			fixes: []string{"unsafe: remove spec.containers[name=web].ports[1].hostPort"}},
		{name: "zero and null", src: pod(`  containers:
    - name: web
      ports:
        - {containerPort: 8080, hostPort: 0}
        - {containerPort: 8081, hostPort: null}
`)},
	})
}

func TestAppArmorUnconfined(t *testing.T) {
	runTable(t, "apparmor-unconfined", []ccase{
		{name: "fields", src: pod(`  securityContext:
    appArmorProfile: {type: Unconfined} # want: apparmor-unconfined
  containers:
    - name: app
      securityContext:
        appArmorProfile:
          type: Unconfined # want: apparmor-unconfined
          localhostProfile: leftover
    - name: empty
      securityContext: {appArmorProfile: {}} # want: apparmor-unconfined
`),
			msgs: []string{"pod sets AppArmor", `container "app"`, `container "empty" sets appArmorProfile without a type`},
			fixes: []string{
				"unsafe: set spec.securityContext.appArmorProfile.type=RuntimeDefault",
				"unsafe: set spec.containers[name=app].securityContext.appArmorProfile.type=RuntimeDefault; remove spec.containers[name=app].securityContext.appArmorProfile.localhostProfile",
				"unsafe: set spec.containers[name=empty].securityContext.appArmorProfile.type=RuntimeDefault",
			}},
		{name: "annotation on a template", src: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/web: unconfined # want: apparmor-unconfined
        container.apparmor.security.beta.kubernetes.io/side: runtime/default
    spec:
      containers: [{name: web}, {name: side}]
`,
			msgs:  []string{`annotation container.apparmor.security.beta.kubernetes.io/web="unconfined" disables AppArmor for container "web"`},
			fixes: []string{`unsafe: set spec.template.metadata.annotations."container.apparmor.security.beta.kubernetes.io/web"=runtime/default`}},
		// A value that is no profile fails baseline too (PSA allows only runtime/default and
		// localhost/*), but it does not "disable" AppArmor: the message says what is wrong.
		{name: "annotation naming no profile", src: `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    container.apparmor.security.beta.kubernetes.io/hello: custom # want: apparmor-unconfined
spec:
  containers: [{name: hello}]
`,
			msgs:  []string{`annotation container.apparmor.security.beta.kubernetes.io/hello="custom" for container "hello" is not an AppArmor profile Kubernetes knows`},
			fixes: []string{`unsafe: set metadata.annotations."container.apparmor.security.beta.kubernetes.io/hello"=runtime/default`}},
		{name: "allowed", src: `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    container.apparmor.security.beta.kubernetes.io/app: localhost/k8s-app
spec:
  securityContext:
    appArmorProfile: {type: RuntimeDefault}
  containers:
    - name: app
      securityContext:
        appArmorProfile: {type: Localhost, localhostProfile: k8s-app}
    - name: b
      securityContext: {appArmorProfile: null}
`},
	})
}

func TestSELinuxOptions(t *testing.T) {
	runTable(t, "selinux-options", []ccase{
		{name: "type user role", src: pod(`  securityContext:
    seLinuxOptions: {type: spc_t} # want: selinux-options
  containers:
    - name: app
      securityContext:
        seLinuxOptions:
          user: system_u # want: selinux-options
          role: system_r # want: selinux-options
`),
			msgs: []string{`pod sets SELinux type "spc_t"`, `container "app" sets SELinux user`, `container "app" sets SELinux role`},
			fixes: []string{
				"unsafe: remove spec.securityContext.seLinuxOptions.type",
				"unsafe: remove spec.containers[name=app].securityContext.seLinuxOptions.user",
				"unsafe: remove spec.containers[name=app].securityContext.seLinuxOptions.role",
			}},
		{name: "allowed", src: pod(`  securityContext:
    seLinuxOptions: {level: "s0:c1,c2", type: container_engine_t}
  containers:
    - name: app
      securityContext: {seLinuxOptions: {type: container_init_t}}
`)},
	})
}

func TestProcMount(t *testing.T) {
	runTable(t, "proc-mount", []ccase{
		{name: "unmasked", src: pod(`  containers:
    - name: app
      securityContext: {procMount: Unmasked} # want: proc-mount
    - name: ok
      securityContext: {procMount: Default}
`),
			msgs:  []string{`container "app" sets procMount "Unmasked"`},
			fixes: []string{"unsafe: set spec.containers[name=app].securityContext.procMount=Default"}},
		{name: "user namespace: restricted only", src: pod(`  hostUsers: false
  containers:
    - name: app
      securityContext: {procMount: Unmasked} # want: proc-mount
`),
			pss:   []string{finding.PSSRestricted},
			msgs:  []string{`container "app"`},
			fixes: []string{"unsafe: set spec.containers[name=app].securityContext.procMount=Default"}},
		{name: "default", src: pod(`  containers:
    - name: app
`)},
	})
}

func TestSeccompUnconfined(t *testing.T) {
	runTable(t, "seccomp-unconfined", []ccase{
		{name: "pod and container", src: pod(`  securityContext:
    seccompProfile:
      type: Unconfined # want: seccomp-unconfined
  containers:
    - name: app
      securityContext:
        seccompProfile: {type: unconfined, localhostProfile: x.json} # want: seccomp-unconfined
`),
			msgs: []string{`pod sets seccompProfile.type "Unconfined"`, `container "app"`},
			fixes: []string{
				"unsafe: set spec.securityContext.seccompProfile.type=RuntimeDefault",
				"unsafe: set spec.containers[name=app].securityContext.seccompProfile.type=RuntimeDefault; remove spec.containers[name=app].securityContext.seccompProfile.localhostProfile",
			}},
		// seccompProfile: {} (trivy-checks KSV030 test_both_undefined_type_denied): the API
		// requires a type, and the message names the missing type rather than type "".
		{name: "no type", src: pod(`  containers:
    - name: app
      securityContext: {seccompProfile: {}} # want: seccomp-unconfined
`),
			msgs:  []string{`container "app" sets seccompProfile without a type`},
			fixes: []string{"unsafe: set spec.containers[name=app].securityContext.seccompProfile.type=RuntimeDefault"}},
		{name: "allowed and null", src: pod(`  securityContext:
    seccompProfile: {type: Localhost, localhostProfile: p.json}
  containers:
    - name: app
      securityContext: {seccompProfile: {type: RuntimeDefault}}
    - name: b
      securityContext: {seccompProfile: null}
`)},
	})
}

func TestSeccompProfileMissing(t *testing.T) {
	runTable(t, "seccomp-profile-missing", []ccase{
		{name: "no container sets it: pod level", src: deployment(`      containers: # want: seccomp-profile-missing
        - name: app
        - name: sidecar
`),
			msgs:  []string{`"app", "sidecar"`},
			fixes: []string{"safe: set spec.template.spec.securityContext.seccompProfile.type=RuntimeDefault"}},
		{name: "some containers set it: container level", src: pod(`  containers:
    - name: app
      securityContext: {seccompProfile: {type: RuntimeDefault}}
    - name: sidecar # want: seccomp-profile-missing
      image: sidecar:1
  initContainers:
    - name: init
      securityContext: {seccompProfile: null} # want: seccomp-profile-missing
`),
			msgs: []string{`container "sidecar"`, `init container "init"`},
			fixes: []string{
				"safe: set spec.containers[name=sidecar].securityContext.seccompProfile.type=RuntimeDefault",
				"safe: set spec.initContainers[name=init].securityContext.seccompProfile.type=RuntimeDefault",
			}},
		// The deprecated annotations still fail (PSA reads only the fields since 1.19); the
		// message says why, so the finding does not read as a false alarm.
		{name: "deprecated annotation: pod level", src: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    metadata:
      annotations:
        seccomp.security.alpha.kubernetes.io/pod: runtime/default
    spec:
      containers: # want: seccomp-profile-missing
        - name: app
`,
			msgs:  []string{`"app": they run Unconfined; the annotation seccomp.security.alpha.kubernetes.io/pod is deprecated and current Kubernetes versions ignore it`},
			fixes: []string{"safe: set spec.template.spec.securityContext.seccompProfile.type=RuntimeDefault"}},
		{name: "deprecated annotation: container level", src: `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    container.seccomp.security.alpha.kubernetes.io/side%car: docker/default
spec:
  securityContext: {}
  containers:
    - name: app
      securityContext: {seccompProfile: {type: RuntimeDefault}}
    - name: sidecar # want: seccomp-profile-missing
`,
			msgs:  []string{`container "sidecar" sets no seccomp profile and the pod sets none: it runs Unconfined; the annotation container.seccomp.security.alpha.kubernetes.io/side%car is deprecated`},
			fixes: []string{"safe: set spec.containers[name=sidecar].securityContext.seccompProfile.type=RuntimeDefault"}},
		// A PodSecurityPolicy's annotation written on a pod never set a profile.
		{name: "PodSecurityPolicy annotation on a pod", src: `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default
spec:
  containers: # want: seccomp-profile-missing
    - name: app
`,
			msgs:  []string{`"app": they run Unconfined; the annotation seccomp.security.alpha.kubernetes.io/defaultProfileName is a PodSecurityPolicy's and sets no profile on a pod: set securityContext.seccompProfile instead`},
			fixes: []string{"safe: set spec.securityContext.seccompProfile.type=RuntimeDefault"}},
		{name: "pod level covers all", src: pod(`  securityContext:
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: app
`)},
		{name: "windows pods are exempt", src: pod(`  os: {name: windows}
  containers:
    - name: app
`)},
	})
}

func TestUnsafeSysctls(t *testing.T) {
	runTable(t, "unsafe-sysctls", []ccase{
		{name: "unsafe", src: pod(`  securityContext:
    sysctls:
      - name: net.ipv4.tcp_syncookies
        value: "1"
      - name: kernel.msgmax # want: unsafe-sysctls
        value: "65536"
      - {name: vm.swappiness, value: "10"} # want: unsafe-sysctls
      - {name: vm.swappiness, value: "20"} # want: unsafe-sysctls
  containers: [{name: app}]
`),
			// want pins the finding paths: the finding names the sysctl by index (the name field),
			// the fix selects it by name when the name is unique.
			want: []string{
				"unsafe-sysctls@10:15 spec.securityContext.sysctls[1].name",
				"unsafe-sysctls@12:16 spec.securityContext.sysctls[2].name",
				"unsafe-sysctls@13:16 spec.securityContext.sysctls[3].name",
			},
			msgs: []string{`"kernel.msgmax"`, `"vm.swappiness"`, `"vm.swappiness"`},
			fixes: []string{
				"unsafe: remove spec.securityContext.sysctls[name=kernel.msgmax]",
				"unsafe: remove spec.securityContext.sysctls[2]",
				"unsafe: remove spec.securityContext.sysctls[3]",
			}},
		{name: "safe set", src: pod(`  securityContext:
    sysctls:
      - {name: net.ipv4.ip_local_port_range, value: "1024 65535"}
      - {name: net.ipv4.tcp_notsent_lowat, value: "16384"}
  containers: [{name: app}]
`)},
	})
}

func TestWindowsHostProcess(t *testing.T) {
	runTable(t, "windows-host-process", []ccase{
		{name: "pod and container", src: pod(`  os: {name: windows}
  hostNetwork: true
  securityContext:
    windowsOptions: {hostProcess: true} # want: windows-host-process
  containers:
    - name: agent
      securityContext:
        windowsOptions:
          hostProcess: true # want: windows-host-process
`),
			msgs: []string{"pod runs as a Windows HostProcess", `container "agent"`},
			fixes: []string{
				"unsafe: remove spec.securityContext.windowsOptions.hostProcess",
				"unsafe: remove spec.containers[name=agent].securityContext.windowsOptions.hostProcess",
			}},
		{name: "not host process", src: pod(`  os: {name: windows}
  securityContext:
    windowsOptions: {hostProcess: false, runAsUserName: ContainerUser}
  containers: [{name: app}]
`)},
	})
}

func TestHostProbeOrLifecycle(t *testing.T) {
	runTable(t, "host-probe-or-lifecycle", []ccase{
		{name: "probes and hooks", src: pod(`  containers:
    - name: app
      livenessProbe:
        httpGet: {host: 169.254.169.254, path: /, port: 80} # want: host-probe-or-lifecycle
      startupProbe:
        tcpSocket: {host: db, port: 5432} # want: host-probe-or-lifecycle
      lifecycle:
        preStop:
          httpGet: {host: example.com, path: /bye, port: 80} # want: host-probe-or-lifecycle
`),
			msgs: []string{`container "app" livenessProbe`, `container "app" startupProbe`, `container "app" preStop`},
			fixes: []string{
				"unsafe: remove spec.containers[name=app].livenessProbe.httpGet.host",
				"unsafe: remove spec.containers[name=app].startupProbe.tcpSocket.host",
				"unsafe: remove spec.containers[name=app].lifecycle.preStop.httpGet.host",
			}},
		{name: "own IP", src: pod(`  containers:
    - name: app
      readinessProbe:
        httpGet: {host: "", path: /healthz, port: 8080}
`)},
	})
}

func TestPrivilegeEscalationAllowed(t *testing.T) {
	runTable(t, "privilege-escalation-allowed", []ccase{
		{name: "missing and true", src: pod(`  containers:
    - name: implicit # want: privilege-escalation-allowed
      image: app:1
    - name: explicit
      securityContext:
        allowPrivilegeEscalation: true # want: privilege-escalation-allowed
`),
			msgs: []string{`container "implicit" does not set`, `container "explicit" sets allowPrivilegeEscalation: true`},
			fixes: []string{
				"safe: set spec.containers[name=implicit].securityContext.allowPrivilegeEscalation=false",
				"unsafe: set spec.containers[name=explicit].securityContext.allowPrivilegeEscalation=false",
			}},
		{name: "privileged or SYS_ADMIN: only with their removal", src: pod(`  containers:
    - name: priv
      securityContext: {privileged: true} # want: privilege-escalation-allowed
    - name: admin
      securityContext: {capabilities: {add: [SYS_ADMIN]}} # want: privilege-escalation-allowed
`),
			msgs: []string{`container "priv"`, `container "admin"`},
			fixes: []string{
				"unsafe: set spec.containers[name=priv].securityContext.allowPrivilegeEscalation=false",
				"unsafe: set spec.containers[name=admin].securityContext.allowPrivilegeEscalation=false",
			}},
		// Written in the pod's securityContext (as in checkov's Seccomp fixtures
		// pod-seccomp-PASSED4/5) the field does not exist and is dropped: the containers
		// still allow escalation, and the message says where the field has to go.
		{name: "set on the pod instead", src: deployment(`      securityContext:
        allowPrivilegeEscalation: false
      containers:
        - name: app # want: privilege-escalation-allowed
`),
			msgs:  []string{`container "app" does not set allowPrivilegeEscalation: false; the pod's securityContext sets allowPrivilegeEscalation, but it is a container field`},
			fixes: []string{"safe: set spec.template.spec.containers[name=app].securityContext.allowPrivilegeEscalation=false"}},
		{name: "false", src: pod(`  containers:
    - name: app
      securityContext: {allowPrivilegeEscalation: false}
`)},
		{name: "windows pods are exempt", src: pod(`  os: {name: windows}
  containers:
    - name: app
`)},
	})
}

func TestRunAsNonRoot(t *testing.T) {
	runTable(t, "run-as-non-root", []ccase{
		{name: "nothing set: pod level", src: pod(`  containers: # want: run-as-non-root
    - name: app
    - name: sidecar
`),
			msgs:  []string{`"app", "sidecar"`},
			fixes: []string{"unsafe: set spec.securityContext.runAsNonRoot=true"}},
		{name: "some containers: container level", src: pod(`  containers:
    - name: app
      securityContext: {runAsNonRoot: true}
    - name: sidecar
      securityContext: {allowPrivilegeEscalation: false} # want: run-as-non-root
`),
			msgs:  []string{`container "sidecar"`},
			fixes: []string{"unsafe: set spec.containers[name=sidecar].securityContext.runAsNonRoot=true"}},
		{name: "explicit false", src: pod(`  securityContext:
    runAsNonRoot: false # want: run-as-non-root
  containers:
    - name: app
      securityContext: {runAsNonRoot: false} # want: run-as-non-root
`),
			msgs: []string{"pod sets runAsNonRoot: false", `container "app" sets runAsNonRoot: false`},
			fixes: []string{
				"unsafe: set spec.securityContext.runAsNonRoot=true",
				"unsafe: set spec.containers[name=app].securityContext.runAsNonRoot=true",
			}},
		{name: "pod level true", src: pod(`  securityContext: {runAsNonRoot: true}
  containers:
    - name: app
`)},
		{name: "user namespace is exempt", src: pod(`  hostUsers: false
  securityContext: {runAsNonRoot: false}
  containers:
    - name: app
`)},
	})
}

func TestRunAsRootUser(t *testing.T) {
	runTable(t, "run-as-root-user", []ccase{
		{name: "uid 0", src: pod(`  securityContext:
    runAsUser: 0 # want: run-as-root-user
  containers:
    - name: app
      securityContext: {runAsUser: 0} # want: run-as-root-user
`),
			msgs: []string{"pod sets runAsUser: 0", `container "app" sets runAsUser: 0`},
			fixes: []string{
				"unsafe: remove spec.securityContext.runAsUser",
				"unsafe: remove spec.containers[name=app].securityContext.runAsUser",
			}},
		{name: "every container sets its own uid", src: pod(`  securityContext:
    runAsUser: 0 # want: run-as-root-user
  containers:
    - name: app
      securityContext: {runAsUser: 10001}
`),
			msgs:  []string{"pod sets runAsUser: 0; its containers set their own uid, but a container added later"},
			fixes: []string{"unsafe: remove spec.securityContext.runAsUser"}},
		{name: "a container inherits the pod's root", src: pod(`  securityContext:
    runAsUser: 0 # want: run-as-root-user
  containers:
    - name: app
      securityContext: {runAsUser: 10001}
    - name: sidecar
`),
			msgs:  []string{"pod sets runAsUser: 0 and runs as root"},
			fixes: []string{"unsafe: remove spec.securityContext.runAsUser"}},
		{name: "non-zero", src: pod(`  securityContext: {runAsUser: 10001}
  containers:
    - name: app
`)},
		{name: "user namespace is exempt", src: pod(`  hostUsers: false
  securityContext: {runAsUser: 0}
  containers:
    - name: app
`)},
	})
}

func TestReadOnlyRootFilesystem(t *testing.T) {
	runTable(t, "read-only-root-filesystem", []ccase{
		{name: "writable", src: pod(`  containers:
    - name: app
      securityContext:
        readOnlyRootFilesystem: false # want: read-only-root-filesystem
    - name: sidecar # want: read-only-root-filesystem
`),
			msgs: []string{`container "app"`, `container "sidecar"`},
			fixes: []string{
				"unsafe: set spec.containers[name=app].securityContext.readOnlyRootFilesystem=true",
				"unsafe: set spec.containers[name=sidecar].securityContext.readOnlyRootFilesystem=true",
			}},
		{name: "read-only", src: pod(`  containers:
    - name: app
      securityContext: {readOnlyRootFilesystem: true}
`)},
	})
}

func TestRunAsRootGroup(t *testing.T) {
	runTable(t, "run-as-root-group", []ccase{
		{name: "gid 0", src: pod(`  securityContext:
    runAsGroup: 0 # want: run-as-root-group
    fsGroup: 0 # want: run-as-root-group
    supplementalGroups: [1000, 0] # want: run-as-root-group
  containers:
    - name: app
      securityContext: {runAsGroup: 0} # want: run-as-root-group
`),
			msgs: []string{"pod sets runAsGroup: 0", "pod sets fsGroup: 0", `containers "app"`, `container "app" sets runAsGroup: 0`},
			fixes: []string{
				"unsafe: remove spec.securityContext.runAsGroup",
				"unsafe: remove spec.securityContext.fsGroup",
				"unsafe: remove spec.securityContext.supplementalGroups[1]",
				"unsafe: remove spec.containers[name=app].securityContext.runAsGroup",
			}},
		{name: "non-zero", src: pod(`  securityContext: {runAsGroup: 1000, fsGroup: 2000, supplementalGroups: [3000]}
  containers:
    - name: app
      securityContext: {runAsGroup: 1000}
`)},
		{name: "user namespace and windows are exempt", src: pod(`  hostUsers: false
  securityContext: {runAsGroup: 0, fsGroup: 0}
  containers: [{name: app}]
---
apiVersion: v1
kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  securityContext: {runAsGroup: 0}
  containers: [{name: app}]
`)},
	})
}
