package cel

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/policy/generic"
	"k8s.io/apiserver/pkg/admission/plugin/policy/matching"
	"k8s.io/apiserver/pkg/authentication/user"
	listersv1 "k8s.io/client-go/listers/core/v1"

	"github.com/kubectl-secure/kubectl-secure/pkg/policy"
)

type metaLabelSelector = metav1.LabelSelector

// objectInterfaces converts nothing: the object is evaluated in the version it is
// written in, and no resource is equivalent to another (matchPolicy Equivalent then
// matches as Exact does), as no API server is there to say which versions it serves.
var objectInterfaces = admission.NewObjectInterfacesFromScheme(runtime.NewScheme())

// request is one object's admission: its attributes and the matcher that reads the
// input's namespaces.
type request struct {
	attrs     admission.Attributes
	matcher   generic.PolicyMatcher
	namespace *corev1.Namespace // nil for a cluster-scoped object
}

// newRequest makes the admission of t's creation by the API server: a CREATE by a user
// of the linter's name, no old object, the namespace the object goes to.
func newRequest(t *policy.Target, in *policy.Input) (*request, error) {
	obj := &unstructured.Unstructured{Object: t.Value}
	gvk := obj.GroupVersionKind()
	gvr, namespaced := resourceFor(gvk)
	ns := ""
	if namespaced {
		ns = t.Namespace
	}
	attrs := admission.NewAttributesRecord(obj, nil, gvk, ns, obj.GetName(), gvr, "", admission.Create,
		&metav1.CreateOptions{}, false, &user.DefaultInfo{Name: "kubectl-secure"})
	lister := namespaces{in: in}
	r := &request{attrs: attrs, matcher: generic.NewPolicyMatcher(matching.NewMatcher(lister, nil))}
	if ns != "" {
		r.namespace, _ = lister.Get(ns)
	}
	return r, nil
}

// resourceFor maps a kind to its resource and scope without a cluster: the built-in kinds
// by the table below and the API's naming rule; a custom resource's plural is guessed
// as the API server's default (lower case, plural: "Widget" is "widgets") and it is taken
// as namespaced unless the table knows it.
func resourceFor(gvk schema.GroupVersionKind) (schema.GroupVersionResource, bool) {
	plural, _ := meta.UnsafeGuessKindToResource(gvk)
	if p, ok := irregular[gvk.Kind]; ok {
		plural.Resource = p
	}
	return plural, !clusterScoped[gvk.GroupKind()]
}

// irregular are the built-in kinds whose resource the guessing rule gets wrong.
var irregular = map[string]string{"Endpoints": "endpoints"}

// clusterScoped are the built-in kinds (and well-known add-ons') that are not namespaced.
var clusterScoped = map[schema.GroupKind]bool{}

func init() {
	for _, gk := range []string{
		"Namespace", "Node", "PersistentVolume", "ComponentStatus",
		"ClusterRole.rbac.authorization.k8s.io", "ClusterRoleBinding.rbac.authorization.k8s.io",
		"StorageClass.storage.k8s.io", "CSIDriver.storage.k8s.io", "CSINode.storage.k8s.io",
		"VolumeAttachment.storage.k8s.io", "VolumeAttributesClass.storage.k8s.io",
		"CustomResourceDefinition.apiextensions.k8s.io", "APIService.apiregistration.k8s.io",
		"ValidatingWebhookConfiguration.admissionregistration.k8s.io", "MutatingWebhookConfiguration.admissionregistration.k8s.io",
		"ValidatingAdmissionPolicy.admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io",
		"MutatingAdmissionPolicy.admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding.admissionregistration.k8s.io",
		"PriorityClass.scheduling.k8s.io", "RuntimeClass.node.k8s.io", "IngressClass.networking.k8s.io",
		"IPAddress.networking.k8s.io", "ServiceCIDR.networking.k8s.io",
		"CertificateSigningRequest.certificates.k8s.io", "ClusterTrustBundle.certificates.k8s.io",
		"FlowSchema.flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io",
		"DeviceClass.resource.k8s.io", "ResourceSlice.resource.k8s.io", "StorageVersion.internal.apiserver.k8s.io",
		"ClusterIssuer.cert-manager.io", "ClusterPolicy.kyverno.io",
	} {
		clusterScoped[schema.ParseGroupKind(gk)] = true
	}
}

// namespaces is the NamespaceLister of the input: its Namespace objects, and for a name
// the input does not define, the Namespace the API server would have made for it (with
// the kubernetes.io/metadata.name label it sets on every namespace), so that a selector on
// that label works offline too.
type namespaces struct{ in *policy.Input }

var _ listersv1.NamespaceLister = namespaces{}

func (n namespaces) Get(name string) (*corev1.Namespace, error) {
	ns := &corev1.Namespace{}
	if v, ok := n.in.Namespaces[name]; ok {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(v, ns); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
	} else {
		ns.Name = name
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	if _, ok := ns.Labels[corev1.LabelMetadataName]; !ok {
		ns.Labels[corev1.LabelMetadataName] = ns.Name
	}
	ns.APIVersion, ns.Kind = "v1", "Namespace"
	return ns, nil
}

func (n namespaces) List(selector labels.Selector) ([]*corev1.Namespace, error) {
	var out []*corev1.Namespace
	for name := range n.in.Namespaces {
		ns, err := n.Get(name)
		if err != nil {
			return nil, err
		}
		if selector.Matches(labels.Set(ns.Labels)) {
			out = append(out, ns)
		}
	}
	return out, nil
}

// apiVersionOf splits "group/version" (or "v1") into a GroupVersion.
func apiVersionOf(s string) schema.GroupVersion {
	gv, _ := schema.ParseGroupVersion(strings.TrimSpace(s))
	return gv
}
