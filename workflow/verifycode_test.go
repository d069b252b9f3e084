package workflow_test

import (
	"context"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestVerifyCodeRevoked: the public look-up of a revoked document says
// so, classified or not; a classified one still shows nothing of its
// content. Before, a revoked classified document's code was answered
// "valid" and nothing more: a holder of the recalled copy was told it
// stood.
func TestVerifyCodeRevoked(t *testing.T) {
	e := newEnv(t)
	e.svc.VerifyCodes = true
	ctx := context.Background()
	for _, conf := range []workflow.Confidentiality{workflow.Public, workflow.Confidential, workflow.TopSecret} {
		t.Run(string(conf), func(t *testing.T) {
			d := e.create(t, workflow.Outgoing, conf)
			for _, a := range []workflow.Action{"submit", "approve", "sign", "issue", "send"} {
				var err error
				if d, err = e.svc.Apply(ctx, e.actorFor(d, a), d.ID, a, e.inputFor(a)); err != nil {
					t.Fatalf("%s: %v", a, err)
				}
			}
			code := d.VerifyCode
			if p, err := e.svc.VerifyCode(ctx, code); err != nil || p.Revoked || p.Classified != conf.Classified() {
				t.Fatalf("before the revocation: %+v, %v", p, err)
			}
			for _, a := range []workflow.Action{"request_revoke", "accept_revoke"} {
				if _, err := e.svc.Apply(ctx, e.actorFor(d, a), d.ID, a, e.inputFor(a)); err != nil {
					t.Fatalf("%s: %v", a, err)
				}
			}
			p, err := e.svc.VerifyCode(ctx, code)
			if err != nil || !p.Revoked {
				t.Fatalf("revoked: %+v, %v", p, err)
			}
			if conf.Classified() && (p.Subject != "" || p.Notation != "" || p.SHA256 != "" || p.Type != "" || p.IssuedAt != nil || p.Size != 0) {
				t.Fatalf("classified document leaks: %+v", p)
			}
		})
	}
}
