// Package workload finds the pod specs inside objects: the built-in workload kinds and any
// custom resource whose shape holds a pod template (Argo Rollouts, Knative, Kubeflow jobs).
package workload

import (
	"strconv"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Pod is one pod spec inside an object.
type Pod struct {
	Object   *manifest.Object
	Path     fieldpath.Path // path of the pod spec mapping
	Spec     *yaml.Node
	MetaPath fieldpath.Path // path of the pod's metadata (template metadata for workloads)
	Meta     *yaml.Node     // may be nil

	containersOnce sync.Once
	containers     []Container
}

// Container is one entry of containers, initContainers or ephemeralContainers.
type Container struct {
	Name string
	List string // "containers", "initContainers" or "ephemeralContainers"
	Path fieldpath.Path
	Node *yaml.Node
}

// ContainerLists are the pod spec fields that hold containers, in the order PSA visits them.
var ContainerLists = []string{"initContainers", "containers", "ephemeralContainers"}

// notWorkloads never hold a live pod template, however their schema looks.
var notWorkloads = map[string]bool{"CustomResourceDefinition": true, "ConfigMap": true, "Secret": true}

// maxSearchDepth bounds the shape search in custom resources.
const maxSearchDepth = 10

// Pods returns every pod spec in obj. Every check asks for them, so they are found once per
// object and shared; callers must not modify the result.
func Pods(obj *manifest.Object) []*Pod {
	return obj.Memo(podsKey{}, func() any { return findPods(obj) }).([]*Pod)
}

type podsKey struct{}

func findPods(obj *manifest.Object) []*Pod {
	if keys, ok := manifest.BuiltinPodSpec(obj.Ref); ok {
		specPath := fieldpath.New(keys...)
		spec := obj.Get(specPath)
		if spec == nil || spec.Kind != yaml.MappingNode {
			return nil
		}
		metaPath := specPath[:len(specPath)-1].Keys("metadata")
		return []*Pod{newPod(obj, specPath, spec, metaPath)}
	}
	if notWorkloads[obj.Ref.Kind] || obj.Ref.APIVersion == "v1" {
		return nil
	}
	var pods []*Pod
	spec := fieldpath.MapGet(obj.Root, "spec")
	path := make(fieldpath.Path, 1, maxSearchDepth+4)
	path[0] = fieldpath.Key("spec")
	search(obj, path, spec, 0, &pods)
	return pods
}

func newPod(obj *manifest.Object, specPath fieldpath.Path, spec *yaml.Node, metaPath fieldpath.Path) *Pod {
	return &Pod{Object: obj, Path: specPath, Spec: spec, MetaPath: metaPath, Meta: obj.Get(metaPath)}
}

// search looks for `template: {spec: {containers: [...]}}` shapes below n. path is a
// scratch stack shared by the whole walk (most objects hold no pod, so paths are copied
// only for a match).
func search(obj *manifest.Object, path fieldpath.Path, n *yaml.Node, depth int, out *[]*Pod) {
	n = fieldpath.Deref(n)
	if n == nil || depth > maxSearchDepth {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		if t := fieldpath.MapGet(n, "template"); t != nil {
			if spec := fieldpath.MapGet(t, "spec"); isPodSpec(spec) {
				tp := path.Child().Keys("template")
				*out = append(*out, newPod(obj, tp.Keys("spec"), spec, tp.Keys("metadata")))
				return
			}
		}
		fieldpath.Pairs(n, func(key string, _, v *yaml.Node) {
			search(obj, append(path, fieldpath.Key(key)), v, depth+1, out)
		})
	case yaml.SequenceNode:
		for i, item := range n.Content {
			search(obj, append(path, fieldpath.Index(i)), item, depth+1, out)
		}
	}
}

// isPodSpec: a mapping with a non-empty containers sequence whose items are mappings
// with an image or a name. CRD schemas have `containers: {type: array}` and do not match.
func isPodSpec(n *yaml.Node) bool {
	items := fieldpath.Items(fieldpath.MapGet(n, "containers"))
	if len(items) == 0 {
		return false
	}
	for _, c := range items {
		if c == nil || c.Kind != yaml.MappingNode {
			return false
		}
		if fieldpath.MapGet(c, "image") == nil && fieldpath.MapGet(c, "name") == nil {
			return false
		}
	}
	return true
}

// Containers lists the pod's containers of every kind, each with a path that selects it by
// name ([name=app]) when the name is set and unique, by index otherwise.
func (p *Pod) Containers() []Container {
	p.containersOnce.Do(func() { p.containers = p.findContainers() })
	return p.containers
}

func (p *Pod) findContainers() []Container {
	var out []Container
	for _, list := range ContainerLists {
		items := fieldpath.Items(fieldpath.MapGet(p.Spec, list))
		seen := map[string]int{}
		for _, c := range items {
			if name, ok := fieldpath.Str(fieldpath.MapGet(c, "name")); ok {
				seen[name]++
			}
		}
		for i, c := range items {
			if c == nil || c.Kind != yaml.MappingNode {
				continue
			}
			name, _ := fieldpath.Str(fieldpath.MapGet(c, "name"))
			seg := fieldpath.Index(i)
			if name != "" && seen[name] == 1 {
				seg = fieldpath.Select("name", name)
			}
			out = append(out, Container{Name: name, List: list, Path: p.Path.Keys(list).Child(seg), Node: c})
		}
	}
	return out
}

// Label names a container for messages: `container "app"`, `init container "setup"`.
func (c Container) Label() string {
	kind := "container"
	switch c.List {
	case "initContainers":
		kind = "init container"
	case "ephemeralContainers":
		kind = "ephemeral container"
	}
	name := c.Name
	if name == "" {
		name = "#" + strconv.Itoa(c.Path[len(c.Path)-1].Index)
	}
	return kind + " " + strconv.Quote(name)
}

// Field returns the node at the keys below the pod spec.
func (p *Pod) Field(keys ...string) *yaml.Node {
	return fieldpath.LookupKeys(p.Spec, keys...)
}

// Field returns the node at the keys below the container.
func (c Container) Field(keys ...string) *yaml.Node {
	return fieldpath.LookupKeys(c.Node, keys...)
}

// selectorRequired are the built-in kinds whose API requires spec.selector.
var selectorRequired = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true, "ReplicaSet": true}

// Fragment says why obj is a strategic-merge patch fragment rather than a whole workload,
// or "" when it is not one: a built-in workload that the API server would refuse as an
// object because it lacks spec.selector or its pod template, or whose containers do not all
// name an image (a patch names a container to merge into and changes its args or ports).
// Kubebuilder's layout keeps such patches beside the kustomization that lists them
// commented out; linted as objects they would be Deployments missing every default.
func Fragment(obj *manifest.Object) string {
	if !isBuiltinWorkload(obj) {
		return ""
	}
	if selectorRequired[obj.Ref.Kind] && obj.Get(fieldpath.New("spec", "selector")) == nil {
		return obj.Ref.Kind + " without spec.selector"
	}
	pods := Pods(obj)
	if len(pods) == 0 {
		return obj.Ref.Kind + " without a pod template"
	}
	for _, c := range pods[0].Containers() {
		if n := c.Field("image"); n == nil || n.Tag == "!!null" {
			return c.Label() + " without an image"
		}
	}
	if len(pods[0].Containers()) == 0 {
		return obj.Ref.Kind + " without containers"
	}
	return ""
}

// isBuiltinWorkload reports a kind findPods knows by name.
func isBuiltinWorkload(obj *manifest.Object) bool {
	_, ok := manifest.BuiltinPodSpec(obj.Ref)
	return ok
}
