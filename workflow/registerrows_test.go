package workflow_test

import (
	"context"
	"slices"
	"testing"
	"time"

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

func TestRowsInMonth(t *testing.T) {
	day := func(m time.Month, d int) *workflow.Date { x := workflow.NewDate(2026, m, d); return &x }
	rows := []workflow.RegisterRow{
		{Number: 1, Date: day(time.January, 1)},
		{Number: 2, Date: day(time.January, 31)},
		{Number: 3, Date: day(time.February, 1), Status: workflow.NumberVoided},
		{Number: 4},
		{Number: 5, Date: day(time.December, 31)},
	}
	numbers := func(rs []workflow.RegisterRow) []int {
		var out []int
		for _, r := range rs {
			out = append(out, r.Number)
		}
		return out
	}
	for _, tc := range []struct {
		month string
		want  []int
	}{
		{"", []int{1, 2, 3, 4, 5}},
		{"1", []int{1, 2}},
		{"2", []int{3}},
		{"12", []int{5}},
		{"6", nil},
	} {
		m, err := workflow.ParseRegisterMonth(tc.month)
		if err != nil {
			t.Fatalf("month %q: %v", tc.month, err)
		}
		if got := numbers(workflow.RowsInMonth(rows, m)); !slices.Equal(got, tc.want) {
			t.Errorf("month %q: numbers %v, want %v", tc.month, got, tc.want)
		}
	}
	for _, bad := range []string{"0", "13", "-1", "tháng 1", "1.5", " 1"} {
		if _, err := workflow.ParseRegisterMonth(bad); workflow.ErrorCode(err) != workflow.EINVALID {
			t.Errorf("month %q: %v, want EINVALID", bad, err)
		}
	}
}
