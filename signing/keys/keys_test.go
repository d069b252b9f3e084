package keys

import (
	"bytes"
	"strings"
	"testing"
)

func TestRedactURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"file:keys/officer.p12", "file:keys/officer.p12"},
		{"pkcs11:token=agency;object=sign", "pkcs11:token=agency;object=sign"},
		{"pkcs11:token=agency;object=sign;pin-value=123456", "pkcs11:token=agency;object=sign;pin-value=REDACTED"},
		{"pkcs11:token=a;object=s?pin-value=9999&module-path=/x.so", "pkcs11:token=a;object=s?pin-value=REDACTED&module-path=/x.so"},
		{"PKCS11:token=a;PIN-VALUE=42;object=s", "PKCS11:token=a;PIN-VALUE=REDACTED;object=s"},
		{"pkcs11:token=a;object=s;pin-env=AGENCY_PIN", "pkcs11:token=a;object=s;pin-env=AGENCY_PIN"},
		{"pkcs11:token=a;object=s;pin%2Dvalue=77", "pkcs11:token=a;object=s;pin%2Dvalue=REDACTED"},
	}
	for _, tt := range tests {
		if got := RedactURI(tt.in); got != tt.want {
			t.Errorf("RedactURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParsePKCS11URI(t *testing.T) {
	tests := []struct {
		name    string
		uri     string
		want    pkcs11URI
		wantErr string
	}{
		{name: "OK/minimal", uri: "pkcs11:token=agency;object=sign", want: pkcs11URI{token: "agency", object: "sign"}},
		{name: "OK/all", uri: "pkcs11:token=my%20token;object=sign;id=%01%02;module-path=/usr/lib/x.so;pin-env=P;type=private",
			want: pkcs11URI{token: "my token", object: "sign", id: []byte{1, 2}, module: "/usr/lib/x.so", pinEnv: "P"}},
		{name: "OK/query", uri: "pkcs11:token=t;object=o?module-path=/m.so&pin-source=file:/run/pin",
			want: pkcs11URI{token: "t", object: "o", module: "/m.so", pinSource: "file:/run/pin"}},
		{name: "ErrNoToken", uri: "pkcs11:object=o", wantErr: "exactly one of token"},
		{name: "ErrTwoTokens", uri: "pkcs11:token=a;serial=b;object=o", wantErr: "exactly one of token"},
		{name: "ErrNoObject", uri: "pkcs11:token=a", wantErr: "object"},
		{name: "ErrUnknownAttr", uri: "pkcs11:token=a;object=o;colour=red", wantErr: "unknown attribute"},
		{name: "ErrNoValue", uri: "pkcs11:token=a;object", wantErr: "no value"},
		{name: "ErrSlot", uri: "pkcs11:slot-id=x;object=o", wantErr: "slot-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePKCS11URI(tt.uri)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.token != tt.want.token || got.object != tt.want.object || !bytes.Equal(got.id, tt.want.id) ||
				got.module != tt.want.module || got.pinEnv != tt.want.pinEnv || got.pinSource != tt.want.pinSource {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseErrorDoesNotLeakPIN(t *testing.T) {
	_, err := parsePKCS11URI("pkcs11:token=a;object=o;pin-value=%zz-secret")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("err = %v", err)
	}
}
