package auth_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/vanthu/vanthu/auth"
)

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"NoProxyConfigured", "203.0.113.9:5000", "1.2.3.4", nil, "203.0.113.9"},
		{"UntrustedPeerIgnoresHeader", "203.0.113.9:5000", "1.2.3.4", proxies, "203.0.113.9"},
		{"TrustedProxy", "10.1.2.3:5000", "198.51.100.20", proxies, "198.51.100.20"},
		{"ClientSpoofsLeftPart", "10.1.2.3:5000", "1.1.1.1, 198.51.100.20", proxies, "198.51.100.20"},
		{"ChainOfProxies", "10.1.2.3:5000", "198.51.100.20, 10.9.9.9", proxies, "198.51.100.20"},
		{"GarbledHeader", "10.1.2.3:5000", "not-an-ip", proxies, "10.1.2.3"},
		{"NoHeader", "[::1]:5000", "", proxies, "::1"},
		{"MappedIPv4", "[::ffff:192.0.2.1]:5000", "", nil, "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := auth.ClientAddr(r, tt.trusted); got != tt.want {
				t.Errorf("ClientAddr = %q, want %q", got, tt.want)
			}
		})
	}
}
