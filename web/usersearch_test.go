package web

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

// TestAdminFindsUser: with sixty accounts, the administrator finds one
// by a word of the name typed without diacritics, of the username or of
// the unit, the page saying how many of how many match; a search that
// matches nobody says so. The page listed every account with no search.
func TestAdminFindsUser(t *testing.T) {
	e := newTestEnv(t)
	for i := range 60 {
		if _, err := e.auth.CreateUser(context.Background(), nil, auth.NewUser{Username: fmt.Sprintf("cv%02d", i), Password: testPassword,
			FullName: fmt.Sprintf("Nguyễn Văn Thành %02d", i), Unit: "Phòng Tài nguyên", Roles: []workflow.Role{workflow.RoleHandler}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.auth.CreateUser(context.Background(), nil, auth.NewUser{Username: "dtlien", Password: testPassword,
		FullName: "Đặng Thị Liên", Unit: "Văn phòng HĐND-UBND", Roles: []workflow.Role{workflow.RoleClerk}}); err != nil {
		t.Fatal(err)
	}
	admin := e.login("quantri")
	rows := regexp.MustCompile(`<a href="/admin/users/[^"]+">([^<]+)</a>`)
	for _, tc := range []struct {
		q     string
		want  []string // usernames listed
		count string
	}{
		{"", nil, "68 người dùng"},
		{"dang thi lien", []string{"dtlien"}, "1 trong số 68 người dùng phù hợp"},
		{"ĐẶNG", []string{"dtlien"}, "1 trong số 68 người dùng phù hợp"},
		{"hdnd", []string{"dtlien"}, "1 trong số 68 người dùng phù hợp"},
		{"cv07", []string{"cv07"}, "1 trong số 68 người dùng phù hợp"},
		{"thanh 07", []string{"cv07"}, "1 trong số 68 người dùng phù hợp"},
		{"phong tai nguyen", nil, "60 trong số 68 người dùng phù hợp"},
		{"không có ai", []string{}, "0 trong số 68 người dùng phù hợp"},
	} {
		t.Run(tc.q, func(t *testing.T) {
			p := admin.get("/admin/users?q=" + url.QueryEscape(tc.q))
			if !strings.Contains(p.Body, `<p class="muted" id="users-count" role="status">`+tc.count+`</p>`) {
				t.Errorf("the count is not %q", tc.count)
			}
			if !strings.Contains(p.Body, `value="`+tc.q+`"`) {
				t.Error("the search box lost the search")
			}
			if tc.want == nil {
				return
			}
			var got []string
			for _, m := range rows.FindAllStringSubmatch(p.Body, -1) {
				got = append(got, m[1])
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("listed %v, want %v", got, tc.want)
			}
			if len(tc.want) == 0 && !strings.Contains(p.Body, "Không có người dùng nào phù hợp") {
				t.Error("an empty result says nothing")
			}
		})
	}
}
