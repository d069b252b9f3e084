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

func (s *oneSentStore) RecordStatus(_ context.Context, st ReceivedStatus) (bool, bool, error) {
	s.recorded = append(s.recorded, st)
	return true, st.Code == workflow.StatusRefused, nil
}

// statusEndpoint is a Receiver with one document sent to peerOrg, served
// over TLS; post signs a status message about it as the peer, with its
// Description set to desc in the XML (so past what BuildStatus writes),
// and returns the answer's status and body.
type statusEndpoint struct {
	store *oneSentStore
	post  func(t *testing.T, code edxml.StatusCode, desc string, at time.Time) (int, []byte)
}

func newStatusEndpoint(t *testing.T, now time.Time) *statusEndpoint {
	ca := cert(t, "Exchange CA", true, nil, 0)
	peer := cert(t, "peer", false, &ca, x509.ExtKeyUsageClientAuth)
	serverCert := cert(t, "server", false, &ca, x509.ExtKeyUsageServerAuth, "localhost")
	store := &oneSentStore{memStore: memStore{list: []*Agency{{OrgID: peerOrg, Name: "An Thới", TLSCertPEM: certPEM(peer), SigningCertPEM: certPEM(peer)}}}}
	recv := &Receiver{Store: store, Self: workflow.Org{OrgID: selfOrg}, Now: func() time.Time { return now }}
	srv := httptest.NewUnstartedServer(recv.Handler())
	srv.TLS = ServerTLSConfig(serverCert)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true,
		Certificates: []tls.Certificate{peer}}}}
	post := func(t *testing.T, code edxml.StatusCode, desc string, at time.Time) (int, []byte) {
		t.Helper()
		raw, err := edxml.BuildStatus(edxml.Status{From: edxml.Organization{ID: peerOrg, Name: "An Thới"},
			ResponseFor: edxml.DocRef{OrganID: selfOrg, DocumentID: selfOrg + ",2026/12/01,15/QĐ-UBND"}, Code: code, Description: "x", Time: at})
		if err != nil {
			t.Fatal(err)
		}
		raw = bytes.Replace(raw, []byte(">x</"), []byte(">"+desc+"</"), 1)
		body, err := edxml.Sign(raw, peer.PrivateKey.(crypto.Signer), []*x509.Certificate{peer.Leaf})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Post(srv.URL+PathStatus, "application/xml", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	return &statusEndpoint{store: store, post: post}
}

// refusedInvalid fails t unless b is a 400's EINVALID naming want and
// nothing more was stored than before.
func (s *statusEndpoint) refusedInvalid(t *testing.T, status int, b []byte, want string, before int) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if json.Unmarshal(b, &e); status != 400 || e.Error.Code != workflow.EINVALID || !strings.Contains(e.Error.Message, want) ||
		len(s.store.recorded) != before {
		t.Fatalf("%d %s, stored %d; want 400 naming %q, nothing stored", status, b, len(s.store.recorded)-before, want)
	}
}

// TestStatusDatedAhead: a status message dated more than StatusAhead
// after it arrives is refused 400 saying why, and not stored; one a few
// hours ahead (a clock or a time zone off) is taken. Before, a 03 dated
// 2076 was stored, and the delivery's last status stayed 03 when the 06
// (completed) came: it moves only to a later time.
func TestStatusDatedAhead(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	s := newStatusEndpoint(t, now)
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
			before := len(s.store.recorded)
			status, b := s.post(t, edxml.StatusAccepted, "x", tc.at)
			if tc.status == 400 {
				s.refusedInvalid(t, status, b, "clock", before)
			} else if status != 200 || len(s.store.recorded) != before+1 {
				t.Fatalf("%d %s, stored %d", status, b, len(s.store.recorded)-before)
			}
		})
	}
}

// TestStatusDescription: a status message's Description (a refusal's
// reason) is stored without the characters a received document's fields
// lose (a bidirectional override, which made "Không đúng thẩm quyền
// <RLO>fdp.exe" read otherwise on the deliveries page and in the clerks'
// mail), and one longer than MaxDescription characters is refused 400
// (a peer's 02 carried megabytes into the trail and the clerks' mail).
func TestStatusDescription(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	s := newStatusEndpoint(t, now)
	status, b := s.post(t, edxml.StatusRejected, "Không đúng \u202efdp.exe thẩm quyền\u200b", now)
	if got := s.store.recorded; status != 200 || len(got) != 1 || got[0].Description != "Không đúng fdp.exe thẩm quyền" {
		t.Fatalf("%d %s: recorded %+q", status, b, got)
	}
	long := strings.Repeat("ý", edxml.MaxDescription)
	if status, b := s.post(t, edxml.StatusRejected, long, now); status != 200 || s.store.recorded[1].Description != long {
		t.Fatalf("%d characters: %d %.200s", edxml.MaxDescription, status, b)
	}
	status, b = s.post(t, edxml.StatusRejected, long+"y", now)
	s.refusedInvalid(t, status, b, "at most 4000", 2)
}

// TestOurStatusDescriptionFits: a status message we send about a received
// document carries at most MaxDescription characters of its reason (the
// end cut, marked "…"), so a peer that holds to the same limit takes it;
// without the cut, building it failed and the status was never sent.
func TestOurStatusDescriptionFits(t *testing.T) {
	agency := cert(t, "UBND quận Bình Thủy", false, nil, x509.ExtKeyUsageAny)
	self := Identity{Org: workflow.Org{OrgID: selfOrg, Name: "UBND quận Bình Thủy"},
		Key: agency.PrivateKey.(crypto.Signer), Chain: []*x509.Certificate{agency.Leaf}}
	d := &workflow.Document{ID: "d1", ExternalID: peerOrg + ",2026/12/01,15/QĐ-UBND", Sender: &workflow.Org{OrgID: peerOrg}}
	for _, n := range []int{edxml.MaxDescription, edxml.MaxDescription + 1, 3 * edxml.MaxDescription} {
		body, err := BuildStatus(self, d, edxml.StatusRejected, strings.Repeat("ý", n), time.Now())
		if err != nil {
			t.Fatalf("%d characters: %v", n, err)
		}
		m, err := edxml.ParseBytes(body, edxml.Limits{})
		if err != nil {
			t.Fatalf("%d characters: %v", n, err)
		}
		got := []rune(m.Status.Description)
		if len(got) != min(n, edxml.MaxDescription) || n > edxml.MaxDescription && got[len(got)-1] != '…' {
			t.Errorf("%d characters sent as %d, ending %q", n, len(got), got[len(got)-1])
		}
	}
}
