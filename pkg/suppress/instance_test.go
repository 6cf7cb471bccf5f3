package suppress

import (
	"strings"
	"testing"
)

// annotatedPod is plainPod with an annotation suppressing privileged-container (line 7);
// privileged is then on line 14.
var annotatedPod = strings.Replace(plainPod, "  namespace: shop\n",
	"  namespace: shop\n  annotations:\n    kubectl-secure.io/ignore: \"privileged-container: needs /dev/fuse\"\n", 1)

// An annotation suppresses the findings of the object that carries it: not those of
// another object of the same kind, namespace and name in another file or document.
func TestAnnotationBoundToItsDocument(t *testing.T) {
	check1(t, []tcase{
		{name: "same kind, namespace and name in two files", files: map[string]string{"a.yaml": annotatedPod, "b.yaml": plainPod},
			want: []string{"kept host-namespaces@a.yaml:9", "kept host-namespaces@b.yaml:7", "kept privileged-container@b.yaml:12",
				"suppressed privileged-container@a.yaml:14 by annotation@a.yaml:7: needs /dev/fuse"}},
		{name: "same kind, namespace and name in two documents of one file", files: map[string]string{"a.yaml": annotatedPod + "---\n" + plainPod},
			want: []string{"kept host-namespaces@a.yaml:9", "kept host-namespaces@a.yaml:22", "kept privileged-container@a.yaml:27",
				"suppressed privileged-container@a.yaml:14 by annotation@a.yaml:7: needs /dev/fuse"}},
		{name: "the unannotated copy first", files: map[string]string{"a.yaml": plainPod + "---\n" + annotatedPod},
			want: []string{"kept host-namespaces@a.yaml:7", "kept privileged-container@a.yaml:12", "kept host-namespaces@a.yaml:22",
				"suppressed privileged-container@a.yaml:27 by annotation@a.yaml:20: needs /dev/fuse"}},
	})
}

// devIgnore is a patch that adds a suppression annotation for privileged-container to the
// pod template (line 8).
const devIgnore = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    metadata:
      annotations:
        kubectl-secure.io/ignore: "privileged-container: dev needs /dev/fuse"
`

// prodUnprivileged is a patch that fixes the privileged container.
const prodUnprivileged = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
      - name: api
        securityContext: {privileged: false}
`

// kustomizeTree is a base Deployment built by a dev and a prod overlay, each in the
// namespace given ("" for none) and with the patch given ("" for none).
func kustomizeTree(base, devNS, devPatch, prodNS, prodPatch string) map[string]string {
	files := map[string]string{
		"base/kustomization.yaml": "resources: [deploy.yaml]\n",
		"base/deploy.yaml":        base,
	}
	overlay := func(name, ns, patch string) {
		k := "resources: [../../base]\n"
		if ns != "" {
			k += "namespace: " + ns + "\n"
		}
		if patch != "" {
			k += "patches: [{path: patch.yaml}]\n"
			files["overlays/"+name+"/patch.yaml"] = patch
		}
		files["overlays/"+name+"/kustomization.yaml"] = k
	}
	overlay("dev", devNS, devPatch)
	overlay("prod", prodNS, prodPatch)
	return files
}

const baseDeploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      hostPID: true
      containers:
      - name: api
        image: nginx:1.27
        securityContext: {privileged: true}
`

// An annotation in a Kustomize tree applies to the objects of the builds that carry it:
// one overlay's patch does not silence the other overlay's finding, a base annotation
// reaches every build, and a comment applies to its line whichever build reaches it.
func TestAnnotationBoundToItsBuild(t *testing.T) {
	both := []string{"overlays/dev", "overlays/prod"}
	baseAnnotated := strings.Replace(baseDeploy, "    metadata: {labels: {app: api}}\n",
		"    metadata:\n      labels: {app: api}\n      annotations:\n        kubectl-secure.io/ignore: \"privileged-container: the base needs /dev/fuse\"\n", 1)
	baseComment := strings.Replace(baseDeploy, "{privileged: true}", "{privileged: true} # kubectl-secure:ignore privileged-container fuse everywhere", 1)
	check1(t, []tcase{
		{name: "one overlay's patch, both builds in one namespace", files: kustomizeTree(baseDeploy, "", devIgnore, "", ""), builds: both,
			// The base line is one place that two builds reach: prod's object does not
			// carry the annotation, so its finding stands; dev's is suppressed (the
			// annotation is used, not stale). Reports show each place once (Merge).
			want: []string{"kept host-namespaces@base/deploy.yaml:10", "kept privileged-container@base/deploy.yaml:14",
				"suppressed privileged-container@base/deploy.yaml:14 by annotation@overlays/dev/patch.yaml:8: dev needs /dev/fuse"}},
		{name: "one overlay's patch, the other build first", files: kustomizeTree(baseDeploy, "", devIgnore, "", ""), builds: []string{"overlays/prod", "overlays/dev"},
			want: []string{"kept host-namespaces@base/deploy.yaml:10", "kept privileged-container@base/deploy.yaml:14",
				"suppressed privileged-container@base/deploy.yaml:14 by annotation@overlays/dev/patch.yaml:8: dev needs /dev/fuse"}},
		{name: "one overlay's patch, builds in their own namespaces", files: kustomizeTree(baseDeploy, "dev", devIgnore, "prod", ""), builds: both,
			want: []string{"kept host-namespaces@base/deploy.yaml:10", "kept privileged-container@base/deploy.yaml:14",
				"suppressed privileged-container@base/deploy.yaml:14 by annotation@overlays/dev/patch.yaml:8: dev needs /dev/fuse"}},
		{name: "the overlay with the patch alone", files: kustomizeTree(baseDeploy, "", devIgnore, "", ""), builds: []string{"overlays/dev"},
			want: []string{"kept host-namespaces@base/deploy.yaml:10",
				"suppressed privileged-container@base/deploy.yaml:14 by annotation@overlays/dev/patch.yaml:8: dev needs /dev/fuse"}},
		{name: "the overlay without the patch alone", files: kustomizeTree(baseDeploy, "", devIgnore, "", ""), builds: []string{"overlays/prod"},
			want: []string{"kept host-namespaces@base/deploy.yaml:10", "kept privileged-container@base/deploy.yaml:14"}},
		{name: "a base annotation reaches both builds", files: kustomizeTree(baseAnnotated, "", "", "", ""), builds: both,
			want: []string{"kept host-namespaces@base/deploy.yaml:13",
				"suppressed privileged-container@base/deploy.yaml:17 by annotation@base/deploy.yaml:11: the base needs /dev/fuse"}},
		{name: "a base annotation reaches both builds in their own namespaces", files: kustomizeTree(baseAnnotated, "dev", "", "prod", ""), builds: both,
			want: []string{"kept host-namespaces@base/deploy.yaml:13",
				"suppressed privileged-container@base/deploy.yaml:17 by annotation@base/deploy.yaml:11: the base needs /dev/fuse"}},
		{name: "a comment on a base line applies in every build", files: kustomizeTree(baseComment, "dev", "", "prod", ""), builds: both,
			want: []string{"kept host-namespaces@base/deploy.yaml:10",
				"suppressed privileged-container@base/deploy.yaml:14 by comment@base/deploy.yaml:14: fuse everywhere"}},
		{name: "an overlay's annotation that matches nothing in its build is stale once",
			files: kustomizeTree(strings.Replace(baseDeploy, "{privileged: true}", "{privileged: false}", 1), "dev", devIgnore, "prod", ""), builds: both,
			want: []string{"kept host-namespaces@base/deploy.yaml:10",
				`extra stale-suppression@overlays/dev/patch.yaml:8: suppression of privileged-container in annotation kubectl-secure.io/ignore matches no finding of Deployment "api": remove it`}},
		{name: "a base annotation used by one build only is not stale", files: kustomizeTree(baseAnnotated, "dev", "", "prod", prodUnprivileged), builds: both,
			// prod's own patch fixes the field: the annotation still hides dev's finding.
			want: []string{"kept host-namespaces@base/deploy.yaml:13",
				"suppressed privileged-container@base/deploy.yaml:17 by annotation@base/deploy.yaml:11: the base needs /dev/fuse"}},
	})
}
