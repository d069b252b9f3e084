package auth_test

import (
	"context"
	"slices"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestCreateUserReportsEveryProblem: a new user's every field at fault
// is reported at once, in the form's order, the first as the error's
// own code and field (the answer with that problem alone); nothing is
// created. Before: the first problem only.
func TestCreateUserReportsEveryProblem(t *testing.T) {
	ctx := context.Background()
	repo := workflowtest.NewRepository()
	s := &auth.Service{Repo: repo, Cost: bcrypt.MinCost}
	admin := &workflow.User{ID: "a", Roles: []workflow.Role{workflow.RoleAdmin}}
	tests := []struct {
		name   string
		in     auth.NewUser
		fields []string
	}{
		{"name and password", auth.NewUser{Username: "moi mới", Password: "short", Roles: []workflow.Role{"clerk"}},
			[]string{"username", "password"}},
		{"profile and roles", auth.NewUser{Username: "lan", Password: "secret-123", FullName: "Lan\u202e", Title: "T\x01", Roles: []workflow.Role{"boss"}},
			[]string{"full_name", "title", "roles"}},
		{"everything", auth.NewUser{Username: "", Password: "", Unit: "U\u2066", PersonalID: "12", Roles: nil},
			[]string{"username", "password", "unit", "personal_id", "roles"}},
		{"one", auth.NewUser{Username: "lan", Password: "secret-123", Roles: nil}, []string{"roles"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, admin, tt.in)
			if workflow.ErrorCode(err) != workflow.EINVALID || workflow.ErrorField(err) != tt.fields[0] {
				t.Fatalf("error %v (field %q), want invalid on %s", err, workflow.ErrorField(err), tt.fields[0])
			}
			var got []string
			for _, p := range workflow.Problems(err) {
				got = append(got, p.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Fatalf("problems on %v, want %v", got, tt.fields)
			}
		})
	}
	if us, err := repo.Users(ctx); err != nil || len(us) != 0 {
		t.Fatalf("%d users created (%v)", len(us), err)
	}
}
