package keys

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestStoredAgencyIn: the agency of a PKI kept in a store is read back
// whether its entries are in clear or sealed (with the secret); without
// the secret, or with another one, the error says which setting is
// missing; an empty store is fs.ErrNotExist.
func TestStoredAgencyIn(t *testing.T) {
	ctx := context.Background()
	sealed := func(t *testing.T, dir, secret string) PKIStore {
		t.Helper()
		s, err := EncryptPKIStore(DirStore(dir), secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct {
		name       string
		written    string // "" = in clear
		read       string // the secret the reader has; "" = none
		wantErr    string // "" = no error
		wantAbsent bool
	}{
		{name: "Clear"},
		{name: "ClearReadWithSecret", read: "s1"},
		{name: "Sealed", written: "s1", read: "s1"},
		{name: "SealedNoSecret", written: "s1", wantErr: "VANTHU_DEV_PKI_SECRET"},
		{name: "SealedWrongSecret", written: "s1", read: "s2", wantErr: "wrong secret"},
		{name: "Empty", wantAbsent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "pki")
			if !tc.wantAbsent {
				var store PKIStore = DirStore(dir)
				if tc.written != "" {
					store = sealed(t, dir, tc.written)
				}
				if _, err := OpenSharedDevPKI(store, "", "UBND Quận Một", "000.00.00.H13", nil); err != nil {
					t.Fatal(err)
				}
			}
			var store PKIStore = DirStore(dir)
			if tc.read != "" {
				store = sealed(t, dir, tc.read)
			}
			name, org, err := StoredAgencyIn(ctx, store)
			switch {
			case tc.wantAbsent:
				if !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("empty store: %v, want fs.ErrNotExist", err)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
				}
			case err != nil || name != "UBND Quận Một" || org != "000.00.00.H13":
				t.Fatalf("StoredAgencyIn = %q, %q, %v", name, org, err)
			}
		})
	}
}
