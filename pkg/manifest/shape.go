package manifest

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// The API server decodes an object's JSON into typed Go structs: a value of the wrong JSON
// type (a list where an object is required, `privileged: "true"`, `runAsUser: "0"`) makes
// kubectl refuse the object. A check reading such a value would see "not set" and pass in
// silence; instead, for the fields the checks read, a value of the wrong type is an input
// error at its line. Null stands for "not set" everywhere, as it does in JSON.

type valueType uint8

const (
	anyType valueType = iota
	objectType
	listType
	stringType
	boolType
	intType
	floatType
	// quantityType is a resource quantity: a number, or a string such as "500m" or "1Gi"
	// that the API server parses (resource.ParseQuantity) or refuses the object.
	quantityType
)

func (t valueType) String() string {
	switch t {
	case objectType:
		return "an object"
	case listType:
		return "a list"
	case stringType:
		return "a string"
	case boolType:
		return "a boolean"
	case intType:
		return "an integer"
	case floatType:
		return "a fractional number"
	case quantityType:
		return "a quantity"
	}
	return "a value"
}

// shape is what a field must hold: its type, the shapes of the fields of an object, or the
// shape of the items of a list (or of the values of a map, with values set).
type shape struct {
	typ    valueType
	fields map[string]*shape
	items  *shape
	values *shape
	// closed: a key outside fields is an unknown field kubectl refuses (and that the API
	// server drops with --validate=false). Set only where dropping it changes what the
	// object does.
	closed bool
	// profile marks a seccompProfile or appArmorProfile: localhostProfile is required
	// with type Localhost and refused with any other type.
	profile bool
}

var (
	str     = &shape{typ: stringType}
	boolean = &shape{typ: boolType}
	integer = &shape{typ: intType}
	strList = &shape{typ: listType, items: str}
	strMap  = &shape{typ: objectType, values: str}
	// resourcesShape is a container's (or a pod's) resources: the checks read whether its
	// limits and requests are set, and a value that is no quantity ("1GB", "500 m") is one
	// the API server refuses while the checks would count it as set.
	resourcesShape = &shape{typ: objectType, fields: map[string]*shape{
		"limits":   {typ: objectType, values: &shape{typ: quantityType}},
		"requests": {typ: objectType, values: &shape{typ: quantityType}},
	}}
)

var securityContextShape = &shape{typ: objectType, fields: map[string]*shape{
	"privileged":               boolean,
	"allowPrivilegeEscalation": boolean,
	"readOnlyRootFilesystem":   boolean,
	"runAsNonRoot":             boolean,
	"runAsUser":                integer,
	"runAsGroup":               integer,
	"procMount":                str,
	"capabilities":             {typ: objectType, fields: map[string]*shape{"add": strList, "drop": strList}},
	"seccompProfile":           profileShape,
	"appArmorProfile":          profileShape,
	"seLinuxOptions":           {typ: objectType},
	"windowsOptions":           {typ: objectType, fields: map[string]*shape{"hostProcess": boolean}},
}}

var profileShape = &shape{typ: objectType, fields: map[string]*shape{"type": str, "localhostProfile": str}, profile: true}

var containerShape = &shape{typ: objectType, fields: map[string]*shape{
	"name":            str,
	"image":           str,
	"imagePullPolicy": str,
	"command":         strList,
	"args":            strList,
	"securityContext": securityContextShape,
	"env": {typ: listType, items: &shape{typ: objectType, fields: map[string]*shape{
		"name": str, "value": str, "valueFrom": {typ: objectType}}}},
	"envFrom":        {typ: listType, items: &shape{typ: objectType}},
	"ports":          {typ: listType, items: &shape{typ: objectType, fields: map[string]*shape{"hostPort": integer, "containerPort": integer}}},
	"resources":      resourcesShape,
	"volumeMounts":   {typ: listType, items: &shape{typ: objectType}},
	"livenessProbe":  {typ: objectType},
	"readinessProbe": {typ: objectType},
	"startupProbe":   {typ: objectType},
}}

var podSecurityContextShape = &shape{typ: objectType, fields: map[string]*shape{
	"runAsNonRoot":        boolean,
	"runAsUser":           integer,
	"runAsGroup":          integer,
	"fsGroup":             integer,
	"supplementalGroups":  {typ: listType, items: integer},
	"seccompProfile":      securityContextShape.fields["seccompProfile"],
	"appArmorProfile":     securityContextShape.fields["appArmorProfile"],
	"seLinuxOptions":      {typ: objectType},
	"windowsOptions":      securityContextShape.fields["windowsOptions"],
	"sysctls":             {typ: listType, items: &shape{typ: objectType, fields: map[string]*shape{"name": str, "value": str}}},
	"fsGroupChangePolicy": str,
}}

var podSpecShape = &shape{typ: objectType, fields: map[string]*shape{
	"containers":                   {typ: listType, items: containerShape},
	"initContainers":               {typ: listType, items: containerShape},
	"ephemeralContainers":          {typ: listType, items: containerShape},
	"securityContext":              podSecurityContextShape,
	"hostNetwork":                  boolean,
	"hostPID":                      boolean,
	"hostIPC":                      boolean,
	"hostUsers":                    boolean,
	"shareProcessNamespace":        boolean,
	"automountServiceAccountToken": boolean,
	"serviceAccountName":           str,
	"serviceAccount":               str,
	"volumes":                      {typ: listType, items: &shape{typ: objectType}},
	"nodeName":                     str,
	"resources":                    resourcesShape,
}}

var metadataShape = &shape{typ: objectType, fields: map[string]*shape{
	"name":         str,
	"generateName": str,
	"namespace":    str,
	"labels":       strMap,
	"annotations":  strMap,
}}

// builtinPodSpecs are the paths of the pod spec in the built-in workload kinds.
var builtinPodSpecs = map[string][]string{
	"Pod":                   {"spec"},
	"PodTemplate":           {"template", "spec"},
	"Deployment":            {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
}

// builtinGroups are the API groups whose kinds above are the real workload kinds; a custom
// resource that happens to be called "Deployment" is searched by shape instead.
var builtinGroups = map[string]bool{"v1": true, "apps/v1": true, "batch/v1": true, "batch/v1beta1": true,
	"apps/v1beta1": true, "apps/v1beta2": true, "extensions/v1beta1": true}

// openshiftPodSpecs are OpenShift's workload kinds, which hold a pod template at the same
// place as a Deployment. A legacy DeploymentConfig is still written as `apiVersion: v1`
// (OpenShift 3 served it from the core group), where a search by shape never looks.
var openshiftPodSpecs = map[string][]string{"DeploymentConfig": {"spec", "template", "spec"}}

// openshiftGroups are the apiVersions OpenShift serves those kinds from.
var openshiftGroups = map[string]bool{"v1": true, "apps.openshift.io/v1": true}

// BuiltinPodSpec returns the keys of the pod spec of a built-in workload kind (Kubernetes'
// own, or OpenShift's DeploymentConfig).
func BuiltinPodSpec(ref finding.ObjectRef) ([]string, bool) {
	if keys, ok := builtinPodSpecs[ref.Kind]; ok && builtinGroups[ref.APIVersion] {
		return keys, true
	}
	keys, ok := openshiftPodSpecs[ref.Kind]
	return keys, ok && openshiftGroups[ref.APIVersion]
}

// objectShapes are the shapes of whole objects of the built-in workload kinds: the pod
// spec at its path, with objects on the way to it (and the template's metadata).
var objectShapes = func() map[string]*shape {
	m := map[string]*shape{}
	kinds := map[string][]string{}
	for _, table := range []map[string][]string{builtinPodSpecs, openshiftPodSpecs} {
		for kind, keys := range table {
			kinds[kind] = keys
		}
	}
	for kind, keys := range kinds {
		s := podSpecShape
		for i := len(keys) - 1; i >= 0; i-- {
			fields := map[string]*shape{keys[i]: s}
			if i > 0 && keys[i] == "spec" {
				fields["metadata"] = metadataShape // a template's metadata
			}
			s = &shape{typ: objectType, fields: fields}
		}
		s.fields["metadata"] = metadataShape
		m[kind] = s
	}
	return m
}()

// labelSelectorShape is a LabelSelector, which holds only matchLabels and
// matchExpressions. Labels written straight under it (`podSelector: {app: api}`) are
// refused by kubectl; with --validate=false the API server drops them and the selector,
// now empty, selects every pod (or namespace): a NetworkPolicy meant for one app then
// applies to the whole namespace, or a rule meant to admit one app admits every pod.
var labelSelectorShape = &shape{typ: objectType, closed: true, fields: map[string]*shape{
	"matchLabels":      strMap,
	"matchExpressions": {typ: listType, items: &shape{typ: objectType, fields: map[string]*shape{"key": str, "operator": str, "values": strList}}},
}}

// networkPolicyShape is a NetworkPolicy's selectors and peers, which the network-policy
// checks match against the workloads.
var networkPolicyShape = func() *shape {
	peers := &shape{typ: listType, items: &shape{typ: objectType, fields: map[string]*shape{
		"podSelector": labelSelectorShape, "namespaceSelector": labelSelectorShape}}}
	return &shape{typ: objectType, fields: map[string]*shape{
		"metadata": metadataShape,
		"spec": {typ: objectType, fields: map[string]*shape{
			"podSelector": labelSelectorShape,
			"policyTypes": strList,
			"ingress":     {typ: listType, items: &shape{typ: objectType, fields: map[string]*shape{"from": peers}}},
			"egress":      {typ: listType, items: &shape{typ: objectType, fields: map[string]*shape{"to": peers}}},
		}},
	}}
}()

// genericShape is what every object must hold.
var genericShape = &shape{typ: objectType, fields: map[string]*shape{"metadata": metadataShape}}

// limitRangeShape is a core LimitRange: the resources checks count its defaults as the
// values of the containers that set none, so a default that is no quantity ("1GB") would
// excuse them while the API server refuses the LimitRange.
var limitRangeShape = func() *shape {
	quantities := &shape{typ: objectType, values: &shape{typ: quantityType}}
	item := &shape{typ: objectType, fields: map[string]*shape{
		"type": str, "default": quantities, "defaultRequest": quantities, "max": quantities,
		"min": quantities, "maxLimitRequestRatio": quantities}}
	return &shape{typ: objectType, fields: map[string]*shape{
		"metadata": metadataShape,
		"spec":     {typ: objectType, fields: map[string]*shape{"limits": {typ: listType, items: item}}},
	}}
}()

// serviceShape is a core Service: the exposure checks read its type, addresses and ports.
// A port or nodePort is an int32, so a string there (`port: "80"`, an unexpanded
// `nodePort: ${PORT}`) is refused by kubectl, while the checks would read "not set" (a
// NodePort Service "whose port the API server allocates"). targetPort is an int or a
// port name, and is not typed here.
var serviceShape = &shape{typ: objectType, fields: map[string]*shape{
	"metadata": metadataShape,
	"spec": {typ: objectType, fields: map[string]*shape{
		"type":                     str,
		"clusterIP":                str,
		"externalName":             str,
		"externalIPs":              strList,
		"loadBalancerSourceRanges": strList,
		"selector":                 strMap,
		"ports": {typ: listType, items: &shape{typ: objectType, fields: map[string]*shape{
			"name": str, "protocol": str, "port": integer, "nodePort": integer}}},
	}},
}}

// rbacShapes are the RBAC kinds' shapes: the rbac checks read rules, subjects and roleRef,
// and would pass in silence over `subjects: {kind: Group, ...}` (a mapping, not a list) or
// `verbs: "*"`, which the API server refuses.
var rbacShapes = func() map[string]*shape {
	rule := &shape{typ: objectType, fields: map[string]*shape{
		"apiGroups": strList, "resources": strList, "verbs": strList,
		"resourceNames": strList, "nonResourceURLs": strList}}
	role := &shape{typ: objectType, fields: map[string]*shape{
		"metadata": metadataShape, "rules": {typ: listType, items: rule}}}
	ref := &shape{typ: objectType, fields: map[string]*shape{"apiGroup": str, "kind": str, "name": str}}
	subject := &shape{typ: objectType, fields: map[string]*shape{"apiGroup": str, "kind": str, "name": str, "namespace": str}}
	binding := &shape{typ: objectType, fields: map[string]*shape{
		"metadata": metadataShape, "roleRef": ref, "subjects": {typ: listType, items: subject}}}
	return map[string]*shape{"Role": role, "ClusterRole": role, "RoleBinding": binding, "ClusterRoleBinding": binding}
}()

// rbacGroups are the apiVersions that serve the RBAC kinds.
var rbacGroups = map[string]bool{"rbac.authorization.k8s.io/v1": true,
	"rbac.authorization.k8s.io/v1beta1": true, "rbac.authorization.k8s.io/v1alpha1": true}

// shapeErrors appends an error for each field the checks read whose value has the wrong
// JSON type for the object's kind.
func shapeErrors(errs []finding.InputError, file string, ref finding.ObjectRef, root *yaml.Node) []finding.InputError {
	s := genericShape
	if _, ok := BuiltinPodSpec(ref); ok {
		s = objectShapes[ref.Kind]
	} else if ref.Kind == "Service" && ref.APIVersion == "v1" {
		s = serviceShape
	} else if ref.Kind == "LimitRange" && ref.APIVersion == "v1" {
		s = limitRangeShape
	} else if ref.Kind == "NetworkPolicy" && ref.APIVersion == "networking.k8s.io/v1" {
		s = networkPolicyShape
	} else if rs, ok := rbacShapes[ref.Kind]; ok && rbacGroups[ref.APIVersion] {
		s = rs
	}
	v := shapeVisitor{file: file, errs: errs}
	v.visit(s, root, 0)
	return v.errs
}

type shapeVisitor struct {
	file string
	errs []finding.InputError
	path []fieldpath.Segment // where the walk is, to name the field in an error
}

func (v *shapeVisitor) visit(s *shape, n *yaml.Node, depth int) {
	n = fieldpath.Deref(n)
	if n == nil || depth > 64 || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if s.typ == quantityType {
		v.quantity(n)
		return
	}
	if got := typeOf(n); s.typ != anyType && got != anyType && got != s.typ {
		v.errs = append(v.errs, finding.InputError{File: v.file, Line: n.Line, Message: fmt.Sprintf(
			"%s: %s is required, not %s; kubectl refuses the object", v.where(), s.typ, got)})
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		if s.fields == nil && s.values == nil {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			fs := s.values
			if s.fields != nil {
				fs = s.fields[key]
			}
			if fs == nil {
				if s.closed {
					v.path = append(v.path, fieldpath.Key(key))
					v.errs = append(v.errs, finding.InputError{File: v.file, Line: n.Content[i].Line, Message: fmt.Sprintf(
						"%s: unknown field: a label selector holds only matchLabels and matchExpressions; kubectl refuses the object (with --validate=false the API server drops the field and the selector matches everything)", v.where())})
					v.path = v.path[:len(v.path)-1]
				}
				continue
			}
			v.path = append(v.path, fieldpath.Key(key))
			v.visit(fs, n.Content[i+1], depth+1)
			v.path = v.path[:len(v.path)-1]
		}
		if s.profile {
			v.profile(n)
		}
	case yaml.SequenceNode:
		if s.items == nil {
			return
		}
		for i, c := range n.Content {
			v.path = append(v.path, fieldpath.Index(i))
			v.visit(s.items, c, depth+1)
			v.path = v.path[:len(v.path)-1]
		}
	}
}

// profile checks the pairing the API server's validation requires of a seccompProfile or
// appArmorProfile: type Localhost names its profile in localhostProfile, and no other type
// has one. A profile without a type is left to the checks, which report it.
func (v *shapeVisitor) profile(n *yaml.Node) {
	t := fieldpath.Deref(fieldpath.MapGet(n, "type"))
	if t == nil || typeOf(t) != stringType {
		return
	}
	lp := fieldpath.Deref(fieldpath.MapGet(n, "localhostProfile"))
	if lp != nil && lp.Kind == yaml.ScalarNode && lp.Tag == "!!null" {
		lp = nil
	}
	switch {
	case t.Value == "Localhost" && lp == nil:
		v.errs = append(v.errs, finding.InputError{File: v.file, Line: t.Line, Message: fmt.Sprintf(
			"%s: type Localhost needs localhostProfile, the profile's file on the node; the API server refuses the object", v.where())})
	case t.Value != "Localhost" && lp != nil:
		v.errs = append(v.errs, finding.InputError{File: v.file, Line: lp.Line, Message: fmt.Sprintf(
			"%s: localhostProfile is only allowed with type Localhost, not %q; the API server refuses the object", v.where(), t.Value)})
	}
}

// quantity checks a resource quantity: JSON numbers always parse; a string must be one
// the API server's Quantity decoding accepts (it trims spaces first); anything else is
// the wrong type.
func (v *shapeVisitor) quantity(n *yaml.Node) {
	switch got := typeOf(n); got {
	case intType, floatType, anyType:
	case stringType:
		if plainQuantity(n.Value) {
			return
		}
		if _, err := resource.ParseQuantity(strings.TrimSpace(n.Value)); err != nil {
			v.errs = append(v.errs, finding.InputError{File: v.file, Line: n.Line, Message: fmt.Sprintf(
				"%s: %q is not a quantity (such as 500m, 128Mi or 1.5Gi); the API server refuses the object", v.where(), n.Value)})
		}
	default:
		v.errs = append(v.errs, finding.InputError{File: v.file, Line: n.Line, Message: fmt.Sprintf(
			"%s: a quantity is required, not %s; kubectl refuses the object", v.where(), got)})
	}
}

// plainQuantity reports the usual quantities, digits with an optional fraction and SI
// suffix (500m, 128Mi, 1.5Gi, 2), without the cost of parsing them; the rest is left to
// resource.ParseQuantity.
func plainQuantity(v string) bool {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == 0 {
		return false
	}
	if i < len(v) && v[i] == '.' {
		j := i + 1
		for j < len(v) && v[j] >= '0' && v[j] <= '9' {
			j++
		}
		if j == i+1 {
			return false
		}
		i = j
	}
	switch v[i:] {
	case "", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei":
		return true
	}
	return false
}

// where names the current field; an error is rare, so the path is built only then.
func (v *shapeVisitor) where() string {
	var b strings.Builder
	for i, s := range v.path {
		if s.IsIndex {
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.Key)
	}
	return b.String()
}

// typeOf is the JSON type of a normalised node.
func typeOf(n *yaml.Node) valueType {
	switch n.Kind {
	case yaml.MappingNode:
		return objectType
	case yaml.SequenceNode:
		return listType
	}
	switch n.Tag {
	case "!!bool":
		return boolType
	case "!!int":
		return intType
	case "!!str":
		return stringType
	case "!!float":
		return floatType
	}
	return anyType // refused already (invalidTag) // JSON's number with a fraction, which no field read here may hold
}
