package apilifecycle

// supplement holds the deprecated built-in APIs whose Go types are no longer in the
// k8s.io/api module (or never were: CustomResourceDefinition and APIService live in the
// apiextensions-apiserver and kube-aggregator modules), so the generated table cannot know
// them. It is used only for types the module does not declare (TestSupplementOnlyOutsideModule).
//
// Source: the Kubernetes Deprecated API Migration Guide,
// https://kubernetes.io/docs/reference/using-api/deprecation-guide/ (sections v1.16, v1.22,
// v1.25, v1.26), and for the deprecation versions the release notes it links; rbac v1alpha1
// from the v1.22 release notes ("rbac.authorization.k8s.io/v1alpha1 ... no longer served").
var supplement = []Entry{
	// v1.16: PodSecurityPolicy moved from extensions/v1beta1 to policy/v1beta1.
	{GVK: GVK{"extensions", "v1beta1", "PodSecurityPolicy"}, Deprecated: Version{1, 11}, Removed: Version{1, 16}, Replacement: GVK{"policy", "v1beta1", "PodSecurityPolicy"}},
	// v1.22: CustomResourceDefinition, APIService and the rbac alpha version.
	{GVK: GVK{"apiextensions.k8s.io", "v1beta1", "CustomResourceDefinition"}, Deprecated: Version{1, 16}, Removed: Version{1, 22}, Replacement: GVK{"apiextensions.k8s.io", "v1", "CustomResourceDefinition"}},
	{GVK: GVK{"apiregistration.k8s.io", "v1beta1", "APIService"}, Deprecated: Version{1, 19}, Removed: Version{1, 22}, Replacement: GVK{"apiregistration.k8s.io", "v1", "APIService"}},
	{GVK: GVK{"rbac.authorization.k8s.io", "v1alpha1", "ClusterRole"}, Deprecated: Version{1, 17}, Removed: Version{1, 22}, Replacement: GVK{"rbac.authorization.k8s.io", "v1", "ClusterRole"}},
	{GVK: GVK{"rbac.authorization.k8s.io", "v1alpha1", "ClusterRoleBinding"}, Deprecated: Version{1, 17}, Removed: Version{1, 22}, Replacement: GVK{"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"}},
	{GVK: GVK{"rbac.authorization.k8s.io", "v1alpha1", "Role"}, Deprecated: Version{1, 17}, Removed: Version{1, 22}, Replacement: GVK{"rbac.authorization.k8s.io", "v1", "Role"}},
	{GVK: GVK{"rbac.authorization.k8s.io", "v1alpha1", "RoleBinding"}, Deprecated: Version{1, 17}, Removed: Version{1, 22}, Replacement: GVK{"rbac.authorization.k8s.io", "v1", "RoleBinding"}},
	// v1.25: PodSecurityPolicy removed with no replacement (Pod Security Admission replaces
	// it, not an API); autoscaling/v2beta1.
	{GVK: GVK{"policy", "v1beta1", "PodSecurityPolicy"}, Deprecated: Version{1, 21}, Removed: Version{1, 25}},
	{GVK: GVK{"autoscaling", "v2beta1", "HorizontalPodAutoscaler"}, Deprecated: Version{1, 22}, Removed: Version{1, 25}, Replacement: GVK{"autoscaling", "v2", "HorizontalPodAutoscaler"}},
	// v1.26: autoscaling/v2beta2.
	{GVK: GVK{"autoscaling", "v2beta2", "HorizontalPodAutoscaler"}, Deprecated: Version{1, 23}, Removed: Version{1, 26}, Replacement: GVK{"autoscaling", "v2", "HorizontalPodAutoscaler"}},
}

// sameShape are the renames whose replacement has the same fields with the same meaning,
// so that changing apiVersion is the whole migration (the deprecation guide lists "no
// notable changes" for each). Left out on purpose, though their replacement exists:
// extensions and apps/v1beta* workloads (apps/v1 requires spec.selector and changed
// defaults), Ingress (backend fields renamed), policy/v1beta1 PodDisruptionBudget (an empty
// selector matches no pod in v1beta1 and every pod in v1), EndpointSlice (topology
// dropped), flowcontrol (v1 reads a zero nominalConcurrencyShares differently),
// admissionregistration webhooks (required fields and defaults changed),
// CertificateSigningRequest (signerName required), CRDs (schema structure), and
// autoscaling/v2beta1 (metric targets restructured).
var sameShape = map[GVK]bool{
	{"rbac.authorization.k8s.io", "v1alpha1", "ClusterRole"}:        true,
	{"rbac.authorization.k8s.io", "v1alpha1", "ClusterRoleBinding"}: true,
	{"rbac.authorization.k8s.io", "v1alpha1", "Role"}:               true,
	{"rbac.authorization.k8s.io", "v1alpha1", "RoleBinding"}:        true,
	{"rbac.authorization.k8s.io", "v1beta1", "ClusterRole"}:         true,
	{"rbac.authorization.k8s.io", "v1beta1", "ClusterRoleBinding"}:  true,
	{"rbac.authorization.k8s.io", "v1beta1", "Role"}:                true,
	{"rbac.authorization.k8s.io", "v1beta1", "RoleBinding"}:         true,
	{"scheduling.k8s.io", "v1beta1", "PriorityClass"}:               true,
	{"networking.k8s.io", "v1beta1", "IngressClass"}:                true,
	{"storage.k8s.io", "v1beta1", "StorageClass"}:                   true,
	{"storage.k8s.io", "v1beta1", "VolumeAttachment"}:               true,
	{"storage.k8s.io", "v1beta1", "CSINode"}:                        true,
	{"storage.k8s.io", "v1beta1", "CSIStorageCapacity"}:             true,
	{"coordination.k8s.io", "v1beta1", "Lease"}:                     true,
	{"node.k8s.io", "v1beta1", "RuntimeClass"}:                      true,
	{"batch", "v1beta1", "CronJob"}:                                 true,
	{"autoscaling", "v2beta2", "HorizontalPodAutoscaler"}:           true,
}
