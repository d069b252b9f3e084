package minio

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// cannedTransport answers every request at once with a small body.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Header: http.Header{}, Request: r}, nil
}

// BenchmarkQuietTransport: what the silence watchdog adds to a request
// (its context, timer and body wrappers), without the network: "bare" is
// the canned transport alone, "quiet" with the watchdog.
func BenchmarkQuietTransport(b *testing.B) {
	for _, mode := range []struct {
		name string
		rt   http.RoundTripper
	}{{"bare", cannedTransport{}}, {"quiet", &quietTransport{base: cannedTransport{}, timeout: DefaultTimeout}}} {
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := operation(b.Context())
			for b.Loop() {
				req, _ := http.NewRequestWithContext(ctx, "PUT", "http://127.0.0.1:9/b/k", strings.NewReader("content"))
				resp, err := mode.rt.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
