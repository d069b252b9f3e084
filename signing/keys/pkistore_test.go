package keys

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSealedDevPKI: with a secret the PKI's entries are sealed at rest,
// reopening with the same secret gives the same root and agency key, and
// without it or with another one opening fails and names the setting.
func TestSealedDevPKI(t *testing.T) {
	dir := t.TempDir()
	sealed, err := EncryptPKIStore(DirStore(dir), "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	p1, err := OpenSharedDevPKI(sealed, "", "UBND xã A", "000.00.01.H13", nil)
	if err != nil {
		t.Fatal(err)
	}
	a1, _ := p1.Agency()
	for _, name := range []string{rootFile, agencyFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || bytes.Contains(b, []byte("PRIVATE KEY")) || !bytes.HasPrefix(b, encPrefix) {
			t.Fatalf("%s not sealed (%v): %.40q", name, err, b)
		}
	}
	p2, err := OpenSharedDevPKI(sealed, "", "UBND xã A", "000.00.01.H13", nil)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := p2.Agency()
	if !p2.Root().Equal(p1.Root()) || !a2.Chain[0].Equal(a1.Chain[0]) {
		t.Fatal("reopened sealed PKI has another root or agency certificate")
	}
	other, _ := EncryptPKIStore(DirStore(dir), "other")
	for _, tc := range []struct {
		name  string
		store PKIStore
		want  string
	}{{"NoSecret", DirStore(dir), "VANTHU_DEV_PKI_SECRET"}, {"WrongSecret", other, "wrong secret"}} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenSharedDevPKI(tc.store, "", "UBND xã A", "000.00.01.H13", nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := sealed.Get(context.Background(), "missing.pem"); !isNotExist(err) {
		t.Fatalf("missing entry: %v", err)
	}
}
