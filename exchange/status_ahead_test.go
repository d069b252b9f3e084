package exchange

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/workflow"
)

// oneSentStore is a Store with one document sent to peerOrg, recording the
// status messages it is given.
type oneSentStore struct {
	memStore
	recorded []ReceivedStatus
}

func (s *oneSentStore) SentDocument(_ context.Context, externalID string) (*workflow.Document, error) {
	return &workflow.Document{ID: "d1", Recipients: []workflow.Org{{OrgID: peerOrg}}}, nil
}

func (s *oneSentStore) RecordStatus(_ context.Context, st ReceivedStatus) (bool, error) {
	s.recorded = append(s.recorded, st)
	return true, nil
}

// TestStatusDatedAhead: a status message dated more than StatusAhead
// after it arrives is refused 400 saying why, and not stored; one a few
// hours ahead (a clock or a time zone off) is taken. Before, a 03 dated
// 2076 was stored, and the delivery's last status stayed 03 when the 06
// (completed) came: it moves only to a later time.
func TestStatusDatedAhead(t *testing.T) {
	ca := cert(t, "Exchange CA", true, nil, 0)
	peer := cert(t, "peer", false, &ca, x509.ExtKeyUsageClientAuth)
	serverCert := cert(t, "server", false, &ca, x509.ExtKeyUsageServerAuth, "localhost")
	store := &oneSentStore{memStore: memStore{list: []*Agency{{OrgID: peerOrg, Name: "An Thới", TLSCertPEM: certPEM(peer), SigningCertPEM: certPEM(peer)}}}}
	now := time.Now().Truncate(time.Second)
	recv := &Receiver{Store: store, Self: workflow.Org{OrgID: selfOrg}, Now: func() time.Time { return now }}
	srv := httptest.NewUnstartedServer(recv.Handler())
	srv.TLS = ServerTLSConfig(serverCert)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true,
		Certificates: []tls.Certificate{peer}}}}
	for _, tc := range []struct {
		name   string
		at     time.Time
		status int
	}{
		{"now", now, 200},
		{"seven hours ahead (Vietnam time sent as UTC)", now.Add(7 * time.Hour), 200},
		{"a day and a minute ahead", now.Add(24*time.Hour + time.Minute), 400},
		{"fifty years ahead", now.AddDate(50, 0, 0), 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(store.recorded)
			raw, err := edxml.BuildStatus(edxml.Status{From: edxml.Organization{ID: peerOrg, Name: "An Thới"},
				ResponseFor: edxml.DocRef{OrganID: selfOrg, DocumentID: selfOrg + ",2026/12/01,15/QĐ-UBND"}, Code: edxml.StatusAccepted, Time: tc.at})
			if err != nil {
				t.Fatal(err)
			}
			body, err := edxml.Sign(raw, peer.PrivateKey.(crypto.Signer), []*x509.Certificate{peer.Leaf})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hc.Post(srv.URL+PathStatus, "application/xml", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, b, tc.status)
			}
			stored := len(store.recorded) - before
			if tc.status == 200 {
				if stored != 1 {
					t.Fatalf("stored %d", stored)
				}
				return
			}
			var e struct {
				Error struct{ Code, Message string }
			}
			if json.Unmarshal(b, &e); e.Error.Code != workflow.EINVALID || !strings.Contains(e.Error.Message, "clock") || stored != 0 {
				t.Fatalf("answer %s, stored %d", b, stored)
			}
		})
	}
}
