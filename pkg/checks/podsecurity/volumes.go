package podsecurity

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

type workloadVolume struct{ node *yaml.Node }

// allowedVolumeSources are the volume types PSA "restrictedVolumes" allows.
var allowedVolumeSources = map[string]bool{
	"configMap": true, "csi": true, "downwardAPI": true, "emptyDir": true, "ephemeral": true,
	"image": true, "persistentVolumeClaim": true, "projected": true, "secret": true,
}

// volumeSources are the fields of the API's VolumeSource. A key outside this list (a typo,
// a field of a newer API) is dropped when the API server decodes the pod.
var volumeSources = map[string]bool{
	"hostPath": true, "emptyDir": true, "gcePersistentDisk": true, "awsElasticBlockStore": true,
	"gitRepo": true, "secret": true, "nfs": true, "iscsi": true, "glusterfs": true,
	"persistentVolumeClaim": true, "rbd": true, "flexVolume": true, "cinder": true, "cephfs": true,
	"flocker": true, "downwardAPI": true, "fc": true, "azureFile": true, "configMap": true,
	"vsphereVolume": true, "quobyte": true, "azureDisk": true, "photonPersistentDisk": true,
	"projected": true, "portworxVolume": true, "scaleIO": true, "storageos": true, "csi": true,
	"ephemeral": true, "image": true,
}

// sources returns the volume's types in document order: its known source fields that are
// not null. None means the API server defaults the volume to emptyDir.
func (v *workloadVolume) sources() []string {
	var out []string
	fieldpath.Pairs(v.node, func(key string, _, val *yaml.Node) {
		if volumeSources[key] && workload.Present(val) {
			out = append(out, key)
		}
	})
	return out
}

// restricted returns the source that puts the volume outside the restricted set, or "".
// Like PSA, one allowed source is enough (a volume with two fails validation anyway).
func (v *workloadVolume) restricted() string {
	bad := ""
	for _, src := range v.sources() {
		if allowedVolumeSources[src] {
			return ""
		}
		if bad == "" {
			bad = src
		}
	}
	return bad
}

// hostPath returns the volume's hostPath source, or nil.
func (v *workloadVolume) hostPath() *yaml.Node {
	hp := fieldpath.MapGet(v.node, "hostPath")
	if !workload.Present(hp) {
		return nil
	}
	return hp
}

// restrictedVolumeTypes implements PSA "restrictedVolumes", except for hostPath, which
// host-path-volume reports (PSA's restricted check overrides the baseline one the same way).
var restrictedVolumeTypes = &check.Check{
	ID:       "restricted-volume-types",
	Category: catVolumes,
	Severity: finding.Medium,
	PSS:      finding.PSSRestricted,
	PSACheck: "restrictedVolumes",
	Doc: check.Doc{
		Title: "Pod uses a volume type the restricted standard does not allow",
		Why: `The restricted standard allows only volume types whose access is mediated by Kubernetes:
configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected
and secret. In-tree network and cloud volumes (nfs, iscsi, rbd, cephfs, gitRepo, awsElasticBlockStore,
...) let a pod author mount storage directly, bypassing PersistentVolume access control;
gitRepo has had host-escape vulnerabilities.`,
		Bad: `volumes:
  - name: shared
    nfs: {server: nfs.example.com, path: /exports}`,
		Good: `volumes:
  - name: shared
    persistentVolumeClaim: {claimName: shared}`,
		Fix: "Provision the storage as a PersistentVolume and mount it through a PersistentVolumeClaim, or use a CSI driver.",
	},
	References: []check.Reference{check.NSA("pod-security/enforcement")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			volumes(pod, func(vp fieldpath.Path, name string, v *workloadVolume) {
				src := v.restricted()
				if src == "" || v.hostPath() != nil {
					return
				}
				p.Report(check.Diagnostic{Object: pod.Object, Path: vp.Keys(src),
					Message: fmt.Sprintf("volume %q uses type %q, which the restricted standard does not allow", name, src),
					Fix:     check.NewFix("mount the storage through a persistentVolumeClaim or csi volume", false)})
			})
		})
	},
}

func init() { check.Register(restrictedVolumeTypes) }
