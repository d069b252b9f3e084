package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"maps"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestServeAnnouncesBoundAddresses: with port 0 for its HTTP, exchange
// and pprof listeners, serve binds ports of its choosing and announces
// each on stdout before it says it is listening: /readyz answers on the
// announced HTTP address, the exchange listener on its announced address
// presents the TLS certificate agency export gives peers to pin, and
// pprof answers on its own. agency export refuses port 0 without
// VANTHU_EXCHANGE_URL (it printed the endpoint https://127.0.0.1:0
// before). The tests start their servers so and never pick a port
// themselves: a port picked by listening and closing can be taken by
// another process before serve binds it.
func TestServeAnnouncesBoundAddresses(t *testing.T) {
	p := newPeer(t, "A", "000.00.12.H13", "UBND quận Bình Thủy", "UBND")
	p.env["VANTHU_PPROF_ADDR"] = "127.0.0.1:0"
	var stdout, stderr bytes.Buffer
	if code := runWith(context.Background(), p.opts, []string{"agency", "export"}, p.getenv, &stdout, &stderr); code == 0 ||
		!strings.Contains(stderr.String(), "VANTHU_EXCHANGE_URL") {
		t.Fatalf("agency export with port 0 and no VANTHU_EXCHANGE_URL: exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}

	ann, _ := serveAnnounced(t, maps.Clone(p.env))
	for what, addr := range map[string]string{"HTTP": strings.TrimPrefix(ann.base, "http://"), "exchange": ann.exchange, "pprof": ann.pprof} {
		if _, port, err := net.SplitHostPort(addr); err != nil || port == "0" {
			t.Fatalf("%s listener announced %q", what, addr)
		}
	}
	if r := getReadyz(t, ann.base); r.Status != "ready" {
		t.Fatalf("/readyz on the announced address: %+v", r)
	}
	resp, err := http.Get("http://" + ann.pprof + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("pprof on the announced address: %d", resp.StatusCode)
	}

	p.announce(ann.exchange)
	a := p.agency(t)
	if a.Endpoint != "https://"+ann.exchange {
		t.Fatalf("agency export's endpoint %q, serve announced %s", a.Endpoint, ann.exchange)
	}
	pinned, _ := pem.Decode([]byte(a.TLSCertPEM))
	client, _ := peerClient(t, p)
	conn, err := tls.Dial("tcp", ann.exchange, &tls.Config{Certificates: []tls.Certificate{client.Cert}, InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("exchange listener at the announced address: %v", err)
	}
	defer conn.Close()
	if certs := conn.ConnectionState().PeerCertificates; pinned == nil || len(certs) == 0 || !bytes.Equal(certs[0].Raw, pinned.Bytes) {
		t.Fatal("the exchange listener does not present the certificate agency export gives peers")
	}
}
