package exchange

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Paths of the exchange endpoint.
const (
	PathEdXML  = "/exchange/v1/edxml"
	PathStatus = "/exchange/v1/status"
)

// Ack is the answer of the exchange endpoint to a package it accepted.
type Ack struct {
	DocumentID  string `json:"document_id"`
	StatusCode  string `json:"status_code"`           // 01, 02, 13...
	Description string `json:"description,omitempty"` // the reason of a 02
}

// Client POSTs packages to connected agencies over mutual TLS: it presents
// Cert and accepts the server only if its certificate matches the agency's
// registered TLS certificate (or chains to it as a CA, naming the host).
type Client struct {
	Cert    tls.Certificate
	Timeout time.Duration // per request; default 60 s
	// MaxConns bounds the connections to one agency; default 4, the
	// Worker's default Concurrency. Without the bound, a package sent
	// while the connection an answered one used was not yet back in the
	// pool opened another one (a TLS handshake with client certificate),
	// closed again when the pool was full.
	MaxConns int
	Now      func() time.Time

	mu      sync.Mutex
	clients map[string]*http.Client // by org + endpoint + trust
}

// PeerError is a refusal (4xx) or failure (5xx, network) of a peer.
type PeerError struct {
	Status  int // 0 for network errors
	Message string
}

func (e *PeerError) Error() string {
	if e.Status == 0 {
		return e.Message
	}
	return fmt.Sprintf("peer answered %d: %s", e.Status, e.Message)
}

// Permanent reports whether retrying cannot help: the peer refused (4xx,
// except 408 and 429).
func (e *PeerError) Permanent() bool {
	return e.Status >= 400 && e.Status < 500 && e.Status != http.StatusRequestTimeout && e.Status != http.StatusTooManyRequests
}

func (c *Client) httpClient(a *Agency) (*http.Client, error) {
	key := a.OrgID + "\x00" + a.Endpoint + "\x00" + a.TLSCertPEM
	c.mu.Lock()
	defer c.mu.Unlock()
	if hc, ok := c.clients[key]; ok {
		return hc, nil
	}
	trust, err := ParseCertsPEM("TLS certificate of "+a.OrgID, []byte(a.TLSCertPEM))
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(a.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("agency %s: endpoint %q is not https://host:port", a.OrgID, a.Endpoint)
	}
	host := u.Hostname()
	now := c.Now
	if now == nil {
		now = time.Now
	}
	cert := c.Cert
	tc := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		// The server is checked against the agency's registered
		// certificate below, not against system roots.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return matchesTrust(cs.PeerCertificates, trust, x509.ExtKeyUsageServerAuth, host, now())
		},
	}
	conns := c.MaxConns
	if conns <= 0 {
		conns = 4
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	hc := &http.Client{Timeout: timeout,
		// Never follow a redirect: the package goes to the registered
		// endpoint only (a 3xx is a failed delivery, see Post).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			TLSClientConfig:     tc,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		}}
	if c.clients == nil {
		c.clients = map[string]*http.Client{}
	}
	c.clients[key] = hc
	return hc, nil
}

// Post sends a package to path on agency a and returns its Ack. Errors
// from the peer are *PeerError.
func (c *Client) Post(ctx context.Context, a *Agency, path string, body []byte) (*Ack, error) {
	hc, err := c.httpClient(a)
	if err != nil {
		return nil, &PeerError{Status: http.StatusBadRequest, Message: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(a.Endpoint, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, &PeerError{Status: http.StatusBadRequest, Message: err.Error()}
	}
	req.Header.Set("Content-Type", "application/xml")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &PeerError{Message: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 == 3 {
		return nil, &PeerError{Status: resp.StatusCode, Message: fmt.Sprintf("redirect to %q not followed: packages go to the registered endpoint only",
			resp.Header.Get("Location"))}
	}
	if resp.StatusCode/100 != 2 {
		return nil, &PeerError{Status: resp.StatusCode, Message: errorMessage(b)}
	}
	var ack Ack
	if err := json.Unmarshal(b, &ack); err != nil {
		return nil, &PeerError{Status: resp.StatusCode, Message: "unreadable acknowledgement: " + err.Error()}
	}
	return &ack, nil
}

// errorMessage extracts {"error":{"message"}} or returns the body, short.
func errorMessage(b []byte) string {
	var e struct {
		Error struct{ Code, Message string }
	}
	if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}
