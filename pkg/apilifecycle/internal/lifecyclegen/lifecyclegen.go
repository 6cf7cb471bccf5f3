// Package lifecyclegen writes the apilifecycle table from the Kubernetes API's own
// lifecycle data: the prerelease-lifecycle methods (APILifecycleDeprecated, Removed,
// Replacement) that k8s.io/api generates on every beta and alpha type, read from the types
// of every group package of the module, registered in one scheme. The apilifecycle test
// runs it and fails when the committed table differs, so the table follows the module.
package lifecyclegen

import (
	"bytes"
	"fmt"
	"go/format"
	"reflect"
	"runtime/debug"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	admissionv1 "k8s.io/api/admission/v1"
	admissionv1beta1 "k8s.io/api/admission/v1beta1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	admissionregistrationv1alpha1 "k8s.io/api/admissionregistration/v1alpha1"
	admissionregistrationv1beta1 "k8s.io/api/admissionregistration/v1beta1"
	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	apidiscoveryv2beta1 "k8s.io/api/apidiscovery/v2beta1"
	apiserverinternalv1alpha1 "k8s.io/api/apiserverinternal/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	appsv1beta2 "k8s.io/api/apps/v1beta2"
	authenticationv1 "k8s.io/api/authentication/v1"
	authenticationv1alpha1 "k8s.io/api/authentication/v1alpha1"
	authenticationv1beta1 "k8s.io/api/authentication/v1beta1"
	authorizationv1 "k8s.io/api/authorization/v1"
	authorizationv1beta1 "k8s.io/api/authorization/v1beta1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	certificatesv1 "k8s.io/api/certificates/v1"
	certificatesv1alpha1 "k8s.io/api/certificates/v1alpha1"
	certificatesv1beta1 "k8s.io/api/certificates/v1beta1"
	coordinationv1 "k8s.io/api/coordination/v1"
	coordinationv1alpha2 "k8s.io/api/coordination/v1alpha2"
	coordinationv1beta1 "k8s.io/api/coordination/v1beta1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	discoveryv1beta1 "k8s.io/api/discovery/v1beta1"
	eventsv1 "k8s.io/api/events/v1"
	eventsv1beta1 "k8s.io/api/events/v1beta1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	flowcontrolv1beta1 "k8s.io/api/flowcontrol/v1beta1"
	flowcontrolv1beta2 "k8s.io/api/flowcontrol/v1beta2"
	flowcontrolv1beta3 "k8s.io/api/flowcontrol/v1beta3"
	imagepolicyv1alpha1 "k8s.io/api/imagepolicy/v1alpha1"
	lifecyclev1alpha1 "k8s.io/api/lifecycle/v1alpha1"
	networkingv1 "k8s.io/api/networking/v1"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	nodev1 "k8s.io/api/node/v1"
	nodev1alpha1 "k8s.io/api/node/v1alpha1"
	nodev1beta1 "k8s.io/api/node/v1beta1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	rbacv1 "k8s.io/api/rbac/v1"
	rbacv1alpha1 "k8s.io/api/rbac/v1alpha1"
	rbacv1beta1 "k8s.io/api/rbac/v1beta1"
	resourcev1 "k8s.io/api/resource/v1"
	resourcev1alpha3 "k8s.io/api/resource/v1alpha3"
	resourcev1beta1 "k8s.io/api/resource/v1beta1"
	resourcev1beta2 "k8s.io/api/resource/v1beta2"
	schedulingv1 "k8s.io/api/scheduling/v1"
	schedulingv1alpha3 "k8s.io/api/scheduling/v1alpha3"
	schedulingv1beta1 "k8s.io/api/scheduling/v1beta1"
	storagev1 "k8s.io/api/storage/v1"
	storagev1alpha1 "k8s.io/api/storage/v1alpha1"
	storagev1beta1 "k8s.io/api/storage/v1beta1"
	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	storagemigrationv1beta1 "k8s.io/api/storagemigration/v1beta1"
)

// groups registers every group/version package of k8s.io/api: PackagesCovered (tested)
// holds the list to the module's directory, so a group added upstream is not missed.
var groups = []func(*runtime.Scheme) error{
	admissionv1.AddToScheme,
	admissionv1beta1.AddToScheme,
	admissionregistrationv1.AddToScheme,
	admissionregistrationv1alpha1.AddToScheme,
	admissionregistrationv1beta1.AddToScheme,
	apidiscoveryv2.AddToScheme,
	apidiscoveryv2beta1.AddToScheme,
	apiserverinternalv1alpha1.AddToScheme,
	appsv1.AddToScheme,
	appsv1beta1.AddToScheme,
	appsv1beta2.AddToScheme,
	authenticationv1.AddToScheme,
	authenticationv1alpha1.AddToScheme,
	authenticationv1beta1.AddToScheme,
	authorizationv1.AddToScheme,
	authorizationv1beta1.AddToScheme,
	autoscalingv1.AddToScheme,
	autoscalingv2.AddToScheme,
	batchv1.AddToScheme,
	batchv1beta1.AddToScheme,
	certificatesv1.AddToScheme,
	certificatesv1alpha1.AddToScheme,
	certificatesv1beta1.AddToScheme,
	coordinationv1.AddToScheme,
	coordinationv1alpha2.AddToScheme,
	coordinationv1beta1.AddToScheme,
	corev1.AddToScheme,
	discoveryv1.AddToScheme,
	discoveryv1beta1.AddToScheme,
	eventsv1.AddToScheme,
	eventsv1beta1.AddToScheme,
	extensionsv1beta1.AddToScheme,
	flowcontrolv1.AddToScheme,
	flowcontrolv1beta1.AddToScheme,
	flowcontrolv1beta2.AddToScheme,
	flowcontrolv1beta3.AddToScheme,
	imagepolicyv1alpha1.AddToScheme,
	lifecyclev1alpha1.AddToScheme,
	networkingv1.AddToScheme,
	networkingv1beta1.AddToScheme,
	nodev1.AddToScheme,
	nodev1alpha1.AddToScheme,
	nodev1beta1.AddToScheme,
	policyv1.AddToScheme,
	policyv1beta1.AddToScheme,
	rbacv1.AddToScheme,
	rbacv1alpha1.AddToScheme,
	rbacv1beta1.AddToScheme,
	resourcev1.AddToScheme,
	resourcev1alpha3.AddToScheme,
	resourcev1beta1.AddToScheme,
	resourcev1beta2.AddToScheme,
	schedulingv1.AddToScheme,
	schedulingv1alpha3.AddToScheme,
	schedulingv1beta1.AddToScheme,
	storagev1.AddToScheme,
	storagev1alpha1.AddToScheme,
	storagev1beta1.AddToScheme,
	storagemigrationv1.AddToScheme,
	storagemigrationv1beta1.AddToScheme,
}

// The interfaces of the generated lifecycle methods (k8s.io/apiserver's
// rest.APILifecycle* read them the same way).
type (
	deprecated  interface{ APILifecycleDeprecated() (major, minor int) }
	removed     interface{ APILifecycleRemoved() (major, minor int) }
	replacement interface {
		APILifecycleReplacement() schema.GroupVersionKind
	}
)

// row is one type that the module says is deprecated.
type row struct {
	gvk                schema.GroupVersionKind
	depMajor, depMinor int
	remMajor, remMinor int
	replacement        schema.GroupVersionKind
}

// Generate returns the Go source of the table file; apiVersion is the version of the
// k8s.io/api module linked (v0.37.2), which names the newest Kubernetes the build knows.
func Generate(apiVersion string) ([]byte, error) {
	scheme := runtime.NewScheme()
	for _, add := range groups {
		if err := add(scheme); err != nil {
			return nil, fmt.Errorf("registering k8s.io/api types: %w", err)
		}
	}
	var rows []row
	for gvk, typ := range scheme.AllKnownTypes() {
		if strings.HasSuffix(gvk.Kind, "List") || gvk.Version == runtime.APIVersionInternal {
			continue
		}
		obj := reflect.New(typ).Interface()
		d, ok := obj.(deprecated)
		if !ok {
			continue
		}
		r := row{gvk: gvk}
		r.depMajor, r.depMinor = d.APILifecycleDeprecated()
		if r.depMajor == 0 {
			continue
		}
		if rm, ok := obj.(removed); ok {
			r.remMajor, r.remMinor = rm.APILifecycleRemoved()
		}
		if rp, ok := obj.(replacement); ok {
			r.replacement = rp.APILifecycleReplacement()
		}
		if r.replacement.Empty() {
			r.replacement = sameKindServed(scheme, gvk)
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i].gvk, rows[j].gvk
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Kind < b.Kind
	})
	newest, err := kubernetesOf(apiVersion)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by go generate (internal/gen) from k8s.io/api's prerelease-lifecycle methods; DO NOT EDIT.\n\n")
	b.WriteString("package apilifecycle\n\n")
	fmt.Fprintf(&b, "// Newest is the newest Kubernetes minor version the build knows: that of the k8s.io/api\n// module the table was generated from.\nconst Newest = %q\n\n", newest)
	b.WriteString("// generated are the types k8s.io/api itself declares deprecated.\nvar generated = []Entry{\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "\t{GVK: GVK{%q, %q, %q}, Deprecated: Version{%d, %d}, Removed: Version{%d, %d}, Replacement: GVK{%q, %q, %q}},\n",
			r.gvk.Group, r.gvk.Version, r.gvk.Kind, r.depMajor, r.depMinor, r.remMajor, r.remMinor,
			r.replacement.Group, r.replacement.Version, r.replacement.Kind)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

// sameKindServed is the replacement of a type whose lifecycle names none (alpha and some
// beta types: node.k8s.io/v1beta1 RuntimeClass, events.k8s.io/v1beta1 Event): the same
// kind in another version of its group that is not deprecated, in the group's order of
// preference; none when there is no such version (ComponentStatus).
func sameKindServed(scheme *runtime.Scheme, gvk schema.GroupVersionKind) schema.GroupVersionKind {
	for _, gv := range scheme.PrioritizedVersionsForGroup(gvk.Group) {
		other := gv.WithKind(gvk.Kind)
		if gv.Version == gvk.Version || !scheme.Recognizes(other) {
			continue
		}
		obj, err := scheme.New(other)
		if err != nil {
			continue
		}
		if d, ok := obj.(deprecated); ok {
			if major, _ := d.APILifecycleDeprecated(); major != 0 {
				continue
			}
		}
		return other
	}
	return schema.GroupVersionKind{}
}

// kubernetesOf maps a k8s.io/api module version (v0.37.2) to its Kubernetes minor
// version (1.37).
func kubernetesOf(apiVersion string) (string, error) {
	var major, minor, patch int
	if _, err := fmt.Sscanf(apiVersion, "v%d.%d.%d", &major, &minor, &patch); err != nil || major != 0 {
		return "", fmt.Errorf("k8s.io/api version %q is not v0.X.Y", apiVersion)
	}
	return fmt.Sprintf("1.%d", minor), nil
}

// LinkedAPIVersion is the version of k8s.io/api in the running program's build
// information (go run records it; test binaries do not).
func LinkedAPIVersion() (string, error) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", fmt.Errorf("no build information to read the k8s.io/api version from")
	}
	for _, dep := range info.Deps {
		if dep.Path == "k8s.io/api" {
			if dep.Replace != nil {
				return dep.Replace.Version, nil
			}
			return dep.Version, nil
		}
	}
	return "", fmt.Errorf("k8s.io/api is not a dependency of this build")
}
