package api_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// anchorSource is a workflow.AnchorSource answering fn.
type anchorSource func(ctx context.Context) ([]workflow.AuditAnchor, error)

func (f anchorSource) AuditAnchors(ctx context.Context) ([]workflow.AuditAnchor, error) {
	return f(ctx)
}

// GET /audit/verify answers the anchors' check in `anchors` (the answer
// is validated against api/openapi.yaml): agreeing, rejected, then an
// anchor the chain disagrees with (first_broken is the event at its
// position) or one past its end (a restore: no first_broken).
func TestAuditVerifyReportsAnchors(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	var repo workflow.Repository
	var extra []workflow.AuditAnchor
	anchors := anchorSource(func(ctx context.Context) ([]workflow.AuditAnchor, error) {
		var first workflow.Event
		repo.WalkEvents(ctx, func(e workflow.Event) error {
			if e.Seq == 1 {
				first = e
			}
			return nil
		})
		return append([]workflow.AuditAnchor{{Key: "audit/anchors/1.p7m", Seq: 1, Hash: first.Hash, At: at, Instance: "a/1"},
			{Key: "audit/anchors/forged.p7m", Rejected: "not signed by the agency's certificate"}}, extra...), nil
	})
	f := newFixtureWith(t, 5<<20, func(s *workflow.Service) { s.Anchors, repo = anchors, s.Repo })
	type report struct {
		OK          bool            `json:"ok"`
		FirstBroken *workflow.Event `json:"first_broken"`
		Reason      string          `json:"reason"`
		Anchors     struct {
			Found, Checked int
			Rejected       []struct{ Key, Rejected string }
			Last, Broken   *struct{ Key string }
			Behind         *struct{ Key string }
		} `json:"anchors"`
	}
	get := func() report {
		rec := f.do(t, "admin", "GET", "/api/v1/audit/verify", nil, "")
		var r report
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &r) != nil {
			t.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
		return r
	}
	r := get()
	if !r.OK || r.Anchors.Found != 2 || r.Anchors.Checked != 1 || len(r.Anchors.Rejected) != 1 || r.Anchors.Last == nil || r.Anchors.Last.Key != "audit/anchors/1.p7m" {
		t.Fatalf("intact: %+v", r)
	}
	extra = []workflow.AuditAnchor{{Key: "audit/anchors/1000.p7m", Seq: 1000, Hash: "ff", At: at}}
	if r = get(); r.OK || r.FirstBroken != nil || r.Anchors.Behind == nil || r.Reason == "" {
		t.Fatalf("behind: %+v", r)
	}
	extra = []workflow.AuditAnchor{{Key: "audit/anchors/2.p7m", Seq: 2, Hash: "ee", At: at}}
	if r = get(); r.OK || r.FirstBroken == nil || r.FirstBroken.Seq != 2 || r.Anchors.Broken == nil || r.Anchors.Broken.Key != "audit/anchors/2.p7m" {
		t.Fatalf("broken: %+v", r)
	}
}

// An archive store that cannot be read makes the verification 503, not a
// verdict without the anchors.
func TestAuditVerifyAnchorsUnavailable(t *testing.T) {
	down := anchorSource(func(context.Context) ([]workflow.AuditAnchor, error) {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "archive store unreachable")
	})
	f := newFixtureWith(t, 5<<20, func(s *workflow.Service) { s.Anchors = down })
	if rec := f.do(t, "admin", "GET", "/api/v1/audit/verify", nil, ""); rec.Code != 503 {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
}
