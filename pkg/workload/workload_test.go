package workload

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// podSpec is a minimal pod spec body, indented by the caller.
const podSpec = "containers:\n- name: app\n  image: nginx:1.27\n"

func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestPods covers every kind Pods recognises, where it finds the pod spec, and kinds that
// must not be treated as workloads.
func TestPods(t *testing.T) {
	template := "  template:\n    metadata:\n      labels: {app: a}\n    spec:\n" + indent(podSpec, 6)
	cases := []struct {
		name, apiVersion, kind, body string
		want                         []string // pod spec paths; empty: not a workload
		wantMeta                     string   // metadata path of the first pod
	}{
		{"pod", "v1", "Pod", "spec:\n" + indent(podSpec, 2), []string{"spec"}, "metadata"},
		{"pod template", "v1", "PodTemplate", "template:\n  metadata: {}\n  spec:\n" + indent(podSpec, 4),
			[]string{"template.spec"}, "template.metadata"},
		{"deployment", "apps/v1", "Deployment", "spec:\n" + template, []string{"spec.template.spec"}, "spec.template.metadata"},
		{"deployment extensions", "extensions/v1beta1", "Deployment", "spec:\n" + template, []string{"spec.template.spec"}, "spec.template.metadata"},
		{"statefulset", "apps/v1", "StatefulSet", "spec:\n" + template, []string{"spec.template.spec"}, "spec.template.metadata"},
		{"daemonset", "apps/v1", "DaemonSet", "spec:\n" + template, []string{"spec.template.spec"}, "spec.template.metadata"},
		{"replicaset", "apps/v1", "ReplicaSet", "spec:\n" + template, []string{"spec.template.spec"}, "spec.template.metadata"},
		{"replicationcontroller", "v1", "ReplicationController", "spec:\n" + template, []string{"spec.template.spec"}, "spec.template.metadata"},
		{"job", "batch/v1", "Job", "spec:\n" + template, []string{"spec.template.spec"}, "spec.template.metadata"},
		{"cronjob", "batch/v1", "CronJob", "spec:\n  jobTemplate:\n    spec:\n" + indent(template, 4),
			[]string{"spec.jobTemplate.spec.template.spec"}, "spec.jobTemplate.spec.template.metadata"},
		{"cronjob v1beta1", "batch/v1beta1", "CronJob", "spec:\n  jobTemplate:\n    spec:\n" + indent(template, 4),
			[]string{"spec.jobTemplate.spec.template.spec"}, "spec.jobTemplate.spec.template.metadata"},
		// OpenShift 3 served DeploymentConfig from the core group; both spellings are live.
		{"deploymentconfig legacy v1", "v1", "DeploymentConfig", "spec:\n  replicas: 1\n  selector: {app: a}\n" + template,
			[]string{"spec.template.spec"}, "spec.template.metadata"},
		{"deploymentconfig apps.openshift.io", "apps.openshift.io/v1", "DeploymentConfig", "spec:\n" + template,
			[]string{"spec.template.spec"}, "spec.template.metadata"},
		// Custom resources are searched by shape.
		{"argo rollout", "argoproj.io/v1alpha1", "Rollout", "spec:\n" + template, []string{"spec.template.spec"}, "spec.template.metadata"},
		{"custom resource called Deployment", "example.com/v1", "Deployment", "spec:\n  worker:\n" + indent(template, 2),
			[]string{"spec.worker.template.spec"}, "spec.worker.template.metadata"},
		// Not workloads.
		{"deployment without template", "apps/v1", "Deployment", "spec:\n  replicas: 1\n", nil, ""},
		{"template spec not a mapping", "apps/v1", "Deployment", "spec:\n  template:\n    spec: []\n", nil, ""},
		{"configmap holding a template", "v1", "ConfigMap", "data:\n  spec:\n" + indent(template, 2), nil, ""},
		{"core kind with a template shape", "v1", "Service", "spec:\n" + template, nil, ""},
		{"crd schema", "apiextensions.k8s.io/v1", "CustomResourceDefinition",
			"spec:\n  versions:\n  - name: v1\n    schema:\n" + indent("spec:\n"+template, 6), nil, ""},
		{"custom resource without containers", "example.com/v1", "Widget", "spec:\n  template:\n    spec:\n      containers: {type: array}\n", nil, ""},
		{"deploymentconfig in another group", "example.com/v1", "DeploymentConfig", "spec:\n  template: {}\n", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "apiVersion: " + tc.apiVersion + "\nkind: " + tc.kind + "\nmetadata:\n  name: x\n" + tc.body
			res := manifest.Parse("w.yaml", []byte(src), manifest.DefaultLimits)
			if res.Err != nil || len(res.Objects) != 1 {
				t.Fatalf("parse: %v, %d objects\n%s", res.Err, len(res.Objects), src)
			}
			pods := Pods(res.Objects[0])
			var got []string
			for _, p := range pods {
				got = append(got, p.Path.String())
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("pod paths = %q, want %q\n%s", got, tc.want, src)
			}
			if len(pods) == 0 {
				return
			}
			if m := pods[0].MetaPath.String(); m != tc.wantMeta {
				t.Errorf("meta path = %q, want %q", m, tc.wantMeta)
			}
			if cs := pods[0].Containers(); len(cs) != 1 || cs[0].Name != "app" {
				t.Errorf("containers = %+v, want one named app", cs)
			}
		})
	}
}

// TestFragment: built-in workloads that cannot be whole objects are patch fragments; whole
// workloads and other kinds are not.
func TestFragment(t *testing.T) {
	template := "  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1.0\n"
	noImage := "  template:\n    spec:\n      containers:\n      - name: manager\n        args: [--metrics]\n"
	cases := []struct {
		name, apiVersion, kind, body, want string
	}{
		{"whole deployment", "apps/v1", "Deployment", "spec:\n  selector: {matchLabels: {a: b}}\n" + template, ""},
		{"deployment without selector", "apps/v1", "Deployment", "spec:\n" + template, "Deployment without spec.selector"},
		{"container without image", "apps/v1", "Deployment", "spec:\n  selector: {matchLabels: {a: b}}\n" + noImage, `container "manager" without an image`},
		{"null image", "apps/v1", "StatefulSet", "spec:\n  selector: {}\n  template:\n    spec:\n      containers: [{name: a, image: null}]\n", `container "a" without an image`},
		{"replicas only", "apps/v1", "Deployment", "spec:\n  selector: {}\n  replicas: 3\n", "Deployment without a pod template"},
		{"no containers", "v1", "Pod", "spec:\n  hostNetwork: true\n", "Pod without containers"},
		{"pod needs no selector", "v1", "Pod", "spec:\n  containers: [{name: a, image: a:1}]\n", ""},
		{"job needs no selector", "batch/v1", "Job", "spec:\n" + template, ""},
		{"job container without image", "batch/v1", "Job", "spec:\n" + noImage, `container "manager" without an image`},
		{"daemonset without selector", "apps/v1", "DaemonSet", "spec:\n" + template, "DaemonSet without spec.selector"},
		{"deploymentconfig needs no selector", "apps.openshift.io/v1", "DeploymentConfig", "spec:\n" + template, ""},
		{"custom resource", "argoproj.io/v1alpha1", "Rollout", "spec:\n" + noImage, ""},
		{"service", "v1", "Service", "spec:\n  ports: [{port: 80}]\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "apiVersion: " + tc.apiVersion + "\nkind: " + tc.kind + "\nmetadata:\n  name: x\n" + tc.body
			res := manifest.Parse("w.yaml", []byte(src), manifest.DefaultLimits)
			if res.Err != nil || len(res.Objects) != 1 {
				t.Fatalf("parse: %v\n%s", res.Err, src)
			}
			if got := Fragment(res.Objects[0]); got != tc.want {
				t.Errorf("Fragment = %q, want %q", got, tc.want)
			}
		})
	}
}
