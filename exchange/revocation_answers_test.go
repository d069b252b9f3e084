package exchange

import (
	"context"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// statusStore is the part of Store that revocationAnswered reads.
type statusStore struct {
	Store
	sts []ReceivedStatus
}

func (s *statusStore) Statuses(context.Context, string) ([]ReceivedStatus, error) { return s.sts, nil }

// TestRevocationAnswersOfSeveralRecipients: the sender's document is
// revoked on the first recipient's acceptance whatever the others answer
// (before or after), refused only when every recipient refused, and
// waits while an answer is missing; answers to an earlier request do not
// count (docs/exchange.md).
func TestRevocationAnswersOfSeveralRecipients(t *testing.T) {
	const b, c, d = "000.00.31.H13", "000.00.32.H13", "000.00.33.H13"
	asked := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	st := func(org, code, desc string, after time.Duration) ReceivedStatus {
		return ReceivedStatus{DocumentID: "out1", OrgID: org, Code: code, Description: desc, At: asked.Add(after), ReceivedAt: asked.Add(after)}
	}
	for _, tc := range []struct {
		name        string
		sts         []ReceivedStatus
		state       workflow.State
		revokeState string
		answer      string
	}{
		{"OneAcceptsThenOneRefuses", []ReceivedStatus{st(b, "15", "", time.Minute), st(c, "16", "Đã niêm yết", 2*time.Minute)},
			workflow.Revoked, workflow.RevokeAccepted, ""},
		{"RefusalsThenAnAcceptance", []ReceivedStatus{st(b, "16", "Đã thi hành", time.Minute), st(c, "16", "Đã niêm yết", 2*time.Minute), st(d, "15", "", 3*time.Minute)},
			workflow.Revoked, workflow.RevokeAccepted, ""},
		{"OneRefusesOthersSilent", []ReceivedStatus{st(b, "16", "Đã thi hành", time.Minute)},
			workflow.Sent, workflow.RevokeRequested, ""},
		{"AllRefuse", []ReceivedStatus{st(b, "16", "Đã thi hành", time.Minute), st(c, "16", "", 2*time.Minute), st(d, "16", "Đã niêm yết", 3*time.Minute)},
			workflow.Sent, workflow.RevokeRefused, b + ": Đã thi hành; " + c + ": refused; " + d + ": Đã niêm yết"},
		{"AcceptanceOfAnEarlierRequest", []ReceivedStatus{st(b, "15", "", -time.Hour), st(c, "16", "Đã niêm yết", time.Minute)},
			workflow.Sent, workflow.RevokeRequested, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			repo := workflowtest.NewRepository()
			docs := &workflow.Service{Repo: repo, Now: func() time.Time { return asked.Add(time.Hour) }}
			doc := &workflow.Document{ID: "out1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định",
				Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Sent, Version: 7,
				RevokeState: workflow.RevokeRequested, RevokeReason: "Ban hành nhầm",
				Recipients: []workflow.Org{{OrgID: b}, {OrgID: c}, {OrgID: d}}, CreatedAt: asked, UpdatedAt: asked}
			err := repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				if err := tx.CreateDocument(ctx, doc); err != nil {
					return err
				}
				return tx.AppendEvent(ctx, &workflow.Event{DocumentID: doc.ID, Actor: "clerk", Kind: workflow.EventTransition,
					Action: workflow.RequestRevoke, From: workflow.Sent, To: workflow.Sent, At: asked})
			})
			if err != nil {
				t.Fatal(err)
			}
			r := &Receiver{Docs: docs, Repo: repo, Store: &statusStore{sts: tc.sts}}
			if err := r.revocationAnswered(ctx, doc.ID); err != nil {
				t.Fatal(err)
			}
			got, err := repo.Document(ctx, doc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != tc.state || got.RevokeState != tc.revokeState || got.RevokeAnswer != tc.answer {
				t.Fatalf("state %s, revoke_state %q, answer %q; want %s, %q, %q", got.State, got.RevokeState, got.RevokeAnswer, tc.state, tc.revokeState, tc.answer)
			}
		})
	}
}
