package workflow_test

import (
	"context"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestVerifyAuditFor: the audit chain is verified for admins only (the
// rule was a role check in the HTTP handler).
func TestVerifyAuditFor(t *testing.T) {
	svc := &workflow.Service{Repo: workflowtest.NewRepository()}
	for _, tc := range []struct {
		name  string
		actor *workflow.User
		want  string
	}{
		{"OK/admin", &workflow.User{ID: "a", Roles: []workflow.Role{workflow.RoleAdmin}}, ""},
		{"ErrForbidden/clerk", &workflow.User{ID: "c", Roles: []workflow.Role{workflow.RoleClerk}}, workflow.EFORBIDDEN},
		{"ErrForbidden/nobody", nil, workflow.EFORBIDDEN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := svc.VerifyAuditFor(context.Background(), tc.actor)
			if workflow.ErrorCode(err) != tc.want {
				t.Fatalf("err %v, want code %q", err, tc.want)
			}
			if err == nil && !r.OK {
				t.Errorf("report %+v on an empty trail", r)
			}
		})
	}
}
