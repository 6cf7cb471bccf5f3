package manifest

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// plainQuantity accepts only what resource.ParseQuantity accepts.
func TestPlainQuantityAgreesWithParseQuantity(t *testing.T) {
	for _, v := range []string{"0", "1", "500m", "128Mi", "1.5Gi", "2k", "10E", "1.", ".5", "1.5.5", "1GB", "1gi", "Mi", "", " 1", "1 ", "1e3", "+1", "-1", "0.000m", "99999999999999999999999Ei"} {
		_, err := resource.ParseQuantity(v)
		if plainQuantity(v) && err != nil {
			t.Errorf("%q: plainQuantity accepts what ParseQuantity refuses: %v", v, err)
		}
	}
}
