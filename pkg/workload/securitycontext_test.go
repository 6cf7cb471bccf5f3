package workload_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// onePod parses src and returns its only pod.
func onePod(t *testing.T, src string) *workload.Pod {
	t.Helper()
	res := manifest.Parse("test.yaml", []byte(src), manifest.DefaultLimits)
	if res.Err != nil || len(res.Objects) != 1 {
		t.Fatalf("parse: %v (%d objects)", res.Err, len(res.Objects))
	}
	pods := workload.Pods(res.Objects[0])
	if len(pods) != 1 {
		t.Fatalf("%d pods, want 1", len(pods))
	}
	return pods[0]
}

// deployment wraps a pod spec (indented as under `spec:`) in a Deployment.
func deployment(spec string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n" +
		indent(spec, "      ")
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = by + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestSecurityContextPaths(t *testing.T) {
	pod := onePod(t, deployment(`initContainers: [{name: init}]
containers: [{name: app}, {name: dup}, {name: dup}]`))
	if got, want := pod.SecurityContextPath("seccompProfile", "type").String(),
		"spec.template.spec.securityContext.seccompProfile.type"; got != want {
		t.Errorf("pod path %q, want %q", got, want)
	}
	if got, want := pod.SecurityContextPath().String(), "spec.template.spec.securityContext"; got != want {
		t.Errorf("pod path without keys %q, want %q", got, want)
	}
	var got []string
	for _, sc := range pod.SecurityContexts() {
		got = append(got, sc.Label+" "+sc.Path("runAsUser").String())
	}
	want := []string{
		"pod spec.template.spec.securityContext.runAsUser",
		`init container "init" spec.template.spec.initContainers[name=init].securityContext.runAsUser`,
		`container "app" spec.template.spec.containers[name=app].securityContext.runAsUser`,
		// a name that is not unique selects by index
		`container "dup" spec.template.spec.containers[1].securityContext.runAsUser`,
		`container "dup" spec.template.spec.containers[2].securityContext.runAsUser`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("security contexts\n got: %q\nwant: %q", got, want)
	}
	for i, c := range pod.Containers() {
		if got, want := c.Label()+" "+c.SecurityContextPath("runAsUser").String(), want[i+1]; got != want {
			t.Errorf("container path %q, want %q", got, want)
		}
	}
	if got := pod.ContainerNames(); fmt.Sprint(got) != "[init app dup dup]" {
		t.Errorf("container names %q", got)
	}
}

func TestSecurityContextPathDoesNotAlias(t *testing.T) {
	// Checks keep the paths they build in findings: two paths built from one base must not
	// share a backing array.
	pod := onePod(t, deployment("containers: [{name: app}]"))
	c := pod.Containers()[0]
	a, b := c.SecurityContextPath("runAsUser"), c.SecurityContextPath("runAsGroup")
	if a.String() == b.String() || !strings.HasSuffix(a.String(), "runAsUser") {
		t.Errorf("paths alias: %s, %s", a, b)
	}
	if c.Path.String() != "spec.template.spec.containers[name=app]" {
		t.Errorf("container path changed to %s", c.Path)
	}
}

func TestEffectiveSecurityContext(t *testing.T) {
	cases := []struct {
		name         string
		pod, ctr     string // securityContext bodies, "" for none
		key          []string
		value, where string // where: "pod", "container" or "" (set nowhere)
	}{
		{"container over pod", "runAsUser: 1", "runAsUser: 2", []string{"runAsUser"}, "2", "container"},
		{"pod when the container is silent", "runAsNonRoot: true", "readOnlyRootFilesystem: true", []string{"runAsNonRoot"}, "true", "pod"},
		{"pod when the container sets null", "runAsUser: 1", "runAsUser: null", []string{"runAsUser"}, "1", "pod"},
		{"container false over pod true", "runAsNonRoot: true", "runAsNonRoot: false", []string{"runAsNonRoot"}, "false", "container"},
		{"nested key", "seccompProfile: {type: RuntimeDefault}", "seccompProfile: {type: Localhost, localhostProfile: p}", []string{"seccompProfile", "type"}, "Localhost", "container"},
		{"nested key from the pod", "seccompProfile: {type: RuntimeDefault}", "", []string{"seccompProfile", "type"}, "RuntimeDefault", "pod"},
		{"neither", "", "", []string{"runAsUser"}, "", ""},
		{"null at both levels", "runAsUser: ~", "runAsUser: null", []string{"runAsUser"}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := "containers:\n- name: app\n"
			if tc.ctr != "" {
				spec += "  securityContext: {" + tc.ctr + "}\n"
			}
			if tc.pod != "" {
				spec += "securityContext: {" + tc.pod + "}\n"
			}
			pod := onePod(t, deployment(spec))
			c := pod.Containers()[0]
			n, path := pod.EffectiveSecurityContext(c, tc.key...)
			var want fieldpath.Path
			switch tc.where {
			case "pod":
				want = pod.SecurityContextPath(tc.key...)
			case "container":
				want = c.SecurityContextPath(tc.key...)
			}
			if path.String() != want.String() {
				t.Errorf("path %q, want %q", path, want)
			}
			got, _ := fieldpath.Str(n)
			if (n == nil) != (tc.where == "") || got != tc.value {
				t.Errorf("value %q (node %v), want %q", got, n != nil, tc.value)
			}
		})
	}
}

func TestPodSwitches(t *testing.T) {
	cases := []struct {
		spec                    string
		windows, userNamespaced bool
		account                 string
	}{
		{spec: "", account: "default"},
		{spec: "os: {name: windows}", windows: true, account: "default"},
		{spec: "os: {name: linux}", account: "default"},
		{spec: "hostUsers: false", userNamespaced: true, account: "default"},
		{spec: "hostUsers: true", account: "default"},
		// the API decodes hostUsers into *bool: a string is no boolean
		{spec: `hostUsers: "false"`, account: "default"},
		{spec: "serviceAccountName: web", account: "web"},
		{spec: "serviceAccount: legacy", account: "legacy"},
		{spec: "serviceAccountName: web\nserviceAccount: legacy", account: "web"},
		{spec: `serviceAccountName: ""`, account: "default"},
	}
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			pod := onePod(t, deployment(tc.spec+"\ncontainers: [{name: app}]"))
			if got := pod.IsWindows(); got != tc.windows {
				t.Errorf("IsWindows = %v", got)
			}
			if got := pod.UserNamespaced(); got != tc.userNamespaced {
				t.Errorf("UserNamespaced = %v", got)
			}
			if got := pod.ServiceAccountName(); got != tc.account {
				t.Errorf("ServiceAccountName = %q, want %q", got, tc.account)
			}
		})
	}
}

func TestFieldReaders(t *testing.T) {
	pod := onePod(t, deployment(`containers: [{name: app}]
securityContext:
  runAsNonRoot: yes
  readOnly: "true"
  nothing: null
  tilde: ~
  empty: {}
  seLinuxOptions: {type: spc_t}`))
	sc := pod.Field("securityContext")
	for _, tc := range []struct {
		key          string
		present      bool
		value, isSet bool
	}{
		{key: "runAsNonRoot", present: true, value: true, isSet: true}, // YAML 1.1, as kubectl reads it
		{key: "readOnly", present: true},                               // a quoted string is no boolean
		{key: "nothing"},
		{key: "tilde"},
		{key: "absent"},
		{key: "empty", present: true},
	} {
		n := fieldpath.MapGet(sc, tc.key)
		if got := workload.Present(n); got != tc.present {
			t.Errorf("Present(%s) = %v", tc.key, got)
		}
		if v, set := workload.BoolField(sc, tc.key); v != tc.value || set != tc.isSet {
			t.Errorf("BoolField(%s) = %v, %v", tc.key, v, set)
		}
	}
	if s, ok := workload.StringField(pod.Spec, "securityContext", "seLinuxOptions", "type"); !ok || s != "spc_t" {
		t.Errorf("StringField = %q, %v", s, ok)
	}
	if _, ok := workload.StringField(pod.Spec, "securityContext", "seLinuxOptions"); ok {
		t.Error("StringField of a mapping is ok")
	}
	if _, ok := workload.StringField(pod.Spec, "securityContext", "nothing"); ok {
		t.Error("StringField of null is ok")
	}
}
