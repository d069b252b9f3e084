package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/apitest"
)

// TestMetricsOwnAddress: with VANTHU_METRICS_ADDR and
// VANTHU_METRICS_TOKEN, /metrics leaves the main listener and needs the
// token on its own.
func TestMetricsOwnAddress(t *testing.T) {
	s := startServer(t, map[string]string{"VANTHU_METRICS_ADDR": "127.0.0.1:0", "VANTHU_METRICS_TOKEN": "metrics-token-1"})
	addr := s.metrics
	get := func(url, token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := apitest.Client(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(s.base+"/metrics", "metrics-token-1"); code != http.StatusNotFound {
		t.Errorf("main listener /metrics: %d, want 404", code)
	}
	if code, _ := get("http://"+addr+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("metrics without token: %d, want 401", code)
	}
	code, body := get("http://"+addr+"/metrics", "metrics-token-1")
	if code != http.StatusOK || !strings.Contains(body, "vanthu_http_requests_total") {
		t.Errorf("metrics with token: %d", code)
	}
}
