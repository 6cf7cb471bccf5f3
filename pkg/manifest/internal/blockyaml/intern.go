package blockyaml

// commonStrings are keys and values that most Kubernetes objects spell many times. Sharing
// one copy of each spares an allocation per occurrence when trees are built; the table is
// read-only after initialisation.
var commonStrings = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{
		"apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations", "spec", "status",
		"app", "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component",
		"app.kubernetes.io/part-of", "app.kubernetes.io/version", "app.kubernetes.io/managed-by",
		"selector", "matchLabels", "matchExpressions", "key", "operator", "values", "value", "valueFrom",
		"template", "containers", "initContainers", "image", "imagePullPolicy", "command", "args",
		"env", "envFrom", "ports", "port", "containerPort", "targetPort", "protocol", "TCP", "UDP",
		"resources", "limits", "requests", "cpu", "memory", "volumeMounts", "mountPath", "readOnly",
		"volumes", "configMap", "secret", "secretName", "configMapKeyRef", "secretKeyRef", "fieldRef",
		"fieldPath", "optional", "securityContext", "runAsNonRoot", "runAsUser", "runAsGroup", "fsGroup",
		"allowPrivilegeEscalation", "readOnlyRootFilesystem", "privileged", "capabilities", "drop", "add",
		"ALL", "seccompProfile", "type", "RuntimeDefault", "replicas", "serviceAccountName",
		"livenessProbe", "readinessProbe", "startupProbe", "httpGet", "path", "scheme", "HTTP",
		"initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold",
		"rules", "apiGroups", "verbs", "get", "list", "watch", "create", "update", "patch", "delete",
		"subjects", "roleRef", "ServiceAccount", "ClusterRole", "Role", "rbac.authorization.k8s.io",
		"data", "items", "description", "true", "false", "IfNotPresent", "Always", "default",
		"nodeSelector", "tolerations", "affinity", "effect", "restartPolicy", "strategy", "emptyDir",
		"hostPath", "persistentVolumeClaim", "claimName", "terminationGracePeriodSeconds", "v1", "apps/v1",
		"Deployment", "Service", "ConfigMap", "Secret", "version", "component", "release", "heritage",
		"chart", "helm.sh/chart", "ClusterIP", "http", "https", "metrics", "storage", "group",
	} {
		m[s] = s
	}
	return m
}()

// internText returns b as a string, shared when it is a common one.
func internText(b []byte) string {
	if s, ok := commonStrings[string(b)]; ok {
		return s
	}
	return string(b)
}
