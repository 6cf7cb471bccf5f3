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

// source returns the volume's type: the key of its mapping that is not name. A volume
// with no source is defaulted to emptyDir by the API server.
func (v *workloadVolume) source() (string, fieldpath.Path) {
	var src string
	fieldpath.Pairs(v.node, func(key string, _, _ *yaml.Node) {
		if key != "name" && src == "" {
			src = key
		}
	})
	if src == "" {
		return "emptyDir", nil
	}
	return src, fieldpath.New(src)
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
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			volumes(pod, func(vp fieldpath.Path, name string, v *workloadVolume) {
				src, sp := v.source()
				if allowedVolumeSources[src] || src == "hostPath" {
					return
				}
				p.Report(check.Diagnostic{Object: pod.Object, Path: append(vp, sp...),
					Message: fmt.Sprintf("volume %q uses type %q, which the restricted standard does not allow", name, src),
					Fix:     &finding.Fix{Description: "mount the storage through a persistentVolumeClaim or csi volume", Safe: false}})
			})
		})
	},
}

func init() { check.Register(restrictedVolumeTypes) }
