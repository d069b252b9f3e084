package auth_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestUserNames: a login name is letters, digits and . _ - @ in NFC (a
// space, a control or an invisible character made two accounts look
// alike in audit trails); a full name, title and unit are cleaned as a
// document's fields (workflow.CleanLine) and bounded, at creation and at
// every change; a login typed with decomposed accents or a trailing space
// (a phone keyboard's) finds its account.
func TestUserNames(t *testing.T) {
	ctx := context.Background()
	s := &auth.Service{Repo: workflowtest.NewRepository(), Cost: bcrypt.MinCost}
	admin := &workflow.User{ID: "a", Roles: []workflow.Role{workflow.RoleAdmin}}
	clerk := []workflow.Role{workflow.RoleClerk}
	for _, tt := range []struct {
		name, username, field string
	}{
		{"Space", "van thu", "username"},
		{"NoBreakSpace", "van\u00a0thu", "username"},
		{"ZeroWidth", "admin\u200b", "username"},
		{"Override", "admin\u202e", "username"},
		{"NUL", "a\x00b", "username"},
		{"Slash", "a/b", "username"},
		{"Empty", " ", "username"},
		{"Long", strings.Repeat("a", 65), "username"},
	} {
		if _, err := s.CreateUser(ctx, admin, auth.NewUser{Username: tt.username, Password: "secret-123", Roles: clerk}); workflow.ErrorCode(err) != workflow.EINVALID || workflow.ErrorField(err) != tt.field {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	for _, f := range []func(*auth.NewUser){
		func(n *auth.NewUser) { n.FullName = "Nguyễn\u202e Văn A" },
		func(n *auth.NewUser) { n.Title = "Chánh\x07 Văn phòng" },
		func(n *auth.NewUser) { n.Unit = strings.Repeat("Phòng ", 40) },
	} {
		n := auth.NewUser{Username: "x", Password: "secret-123", Roles: clerk}
		f(&n)
		if _, err := s.CreateUser(ctx, admin, n); workflow.ErrorCode(err) != workflow.EINVALID {
			t.Errorf("profile %+v: %v", n, err)
		}
	}
	nfd := "tra\u0302\u0300n.v-a@ubnd" // "trần.v-a@ubnd" with decomposed accents
	u, err := s.CreateUser(ctx, admin, auth.NewUser{Username: " " + nfd + " ", Password: "secret-123", Roles: clerk,
		FullName: "Trần\u00a0Văn\u200b A", Title: " Chuyên viên\t", Unit: "Văn phòng\r\nHĐND"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "trần.v-a@ubnd" || u.FullName != "Trần Văn A" || u.Title != "Chuyên viên" || u.Unit != "Văn phòng HĐND" {
		t.Fatalf("stored %q %q %q %q", u.Username, u.FullName, u.Title, u.Unit)
	}
	for _, login := range []string{"trần.v-a@ubnd", nfd, "trần.v-a@ubnd "} {
		if _, _, got, err := s.Login(ctx, login, "secret-123"); err != nil || got.ID != u.ID {
			t.Errorf("login %q: %v", login, err)
		}
	}
	if _, err := s.UpdateUser(ctx, admin, u.ID, func(u *workflow.User) error { u.Title = "Phó\u2066 Chánh"; return nil }); workflow.ErrorField(err) != "title" {
		t.Errorf("an override in a changed title: %v", err)
	}
	changed := *u
	changed.FullName = "x\u202e"
	if err := auth.CheckUserUpdate(admin, &changed); workflow.ErrorField(err) != "full_name" || changed.FullName != "x\u202e" {
		t.Errorf("CheckUserUpdate: %v, changed the copy to %q", err, changed.FullName)
	}
	got, err := s.UpdateUser(ctx, admin, u.ID, func(u *workflow.User) error { u.FullName = "Trần\u00a0Văn B "; return nil })
	if err != nil || got.FullName != "Trần Văn B" {
		t.Fatalf("update: %v %+v", err, got)
	}
}
