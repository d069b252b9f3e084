package pwbacktest_test

import (
	"context"
	"testing"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/pwbacktest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestStepsLeadBack: a user an admin created changes their temporary
// password with Steps and logs in with it again, no longer bound to
// change it; one step fewer and the last change is refused as a reuse.
func TestStepsLeadBack(t *testing.T) {
	ctx := context.Background()
	s := &auth.Service{Repo: workflowtest.NewRepository(), Cost: 4}
	admin, err := s.CreateUser(ctx, nil, auth.NewUser{Username: "quantri", Password: "admin-password", Roles: []workflow.Role{workflow.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	for _, skip := range []int{0, 1} {
		name := []string{"vanthu", "vanthu2"}[skip]
		if _, err := s.CreateUser(ctx, admin, auth.NewUser{Username: name, Password: "password-1", Roles: []workflow.Role{workflow.RoleClerk}}); err != nil {
			t.Fatal(err)
		}
		tok, _, _, err := s.Login(ctx, name, "password-1")
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.Authenticate(ctx, tok)
		if err != nil || !u.MustChangePassword {
			t.Fatalf("authenticate: %v %+v", err, u)
		}
		steps := pwbacktest.Steps("password-1")
		if skip == 1 { // from the one before the last of their own straight back
			n := len(steps) - 2
			steps = append(steps[:n:n], [2]string{steps[n][0], "password-1"})
		}
		for i, st := range steps {
			_, err = s.ChangePasswordFrom(ctx, "", u, tok, st[0], st[1])
			if i < len(steps)-1 && err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		if (err == nil) != (skip == 0) {
			t.Errorf("%d steps fewer: back to the password: %v", skip, err)
		}
	}
}
