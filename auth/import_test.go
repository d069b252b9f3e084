package auth_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestParseUsersCSV: the forms a spreadsheet saves a users' file in are
// read (byte order mark, ";", quoted separators and line breaks,
// Vietnamese headers and role names, blank rows), each row with the line
// it starts on; a bad file or header is refused with its problems' fields.
func TestParseUsersCSV(t *testing.T) {
	type row struct {
		line                  int
		username, name, title string
		roles                 string
		email, pid, unit      string
	}
	tests := []struct {
		name   string
		in     string
		want   []row
		fields []string // the problems' fields; nil: no error
		code   string
	}{
		{name: "english comma", in: "username,full name,roles\nlan,Lan,clerk\n",
			want: []row{{line: 2, username: "lan", name: "Lan", roles: "clerk"}}},
		{name: "bom semicolon vietnamese", in: "\ufeffTên đăng nhập;Họ và tên;Vai trò;Phòng/Đơn vị;CCCD;E-mail\r\nlan;Lan;Văn thư, lãnh đạo;Văn phòng;001080012345;lan@x.vn\r\n",
			want: []row{{line: 2, username: "lan", name: "Lan", roles: "clerk,officer", unit: "Văn phòng", pid: "001080012345", email: "lan@x.vn"}}},
		{name: "quoted comma and newline", in: "username,full name,title,roles\nlan,\"Lê, Lan\",\"Chuyên viên\nphụ trách\",\"clerk,handler\"\nminh,Minh,,officer\n",
			want: []row{{line: 2, username: "lan", name: "Lê, Lan", title: "Chuyên viên\nphụ trách", roles: "clerk,handler"},
				{line: 4, username: "minh", name: "Minh", roles: "officer"}}},
		{name: "blank and empty rows", in: "HỌ TÊN;TÊN ĐĂNG NHẬP;VAI TRÒ\n\n;;\nLan;lan;Chuyên viên\n\n",
			want: []row{{line: 4, username: "lan", name: "Lan", roles: "handler"}}},
		{name: "unknown role kept", in: "username,full name,roles\nlan,Lan,boss\n",
			want: []row{{line: 2, username: "lan", name: "Lan", roles: "boss"}}},
		{name: "empty", in: "", fields: []string{"file"}, code: workflow.EINVALID},
		{name: "not utf-8", in: "username,full name,roles\nl\xe0n,Lan,clerk\n", fields: []string{"file"}, code: workflow.EINVALID},
		{name: "missing columns", in: "username,title\n", fields: []string{"lines.1.full_name", "lines.1.roles"}, code: workflow.EINVALID},
		{name: "unknown and repeated", in: "username,full name,roles,phone,Roles\n", fields: []string{"lines.1.header", "lines.1.roles"}, code: workflow.EINVALID},
		{name: "extra field", in: "username,full name,roles\nlan,Lan,clerk,x\n", fields: []string{"lines.2.row"}, code: workflow.EINVALID},
		{name: "bad quote", in: "username,full name,roles\nlan,\"Lan,clerk\n", fields: []string{"lines.2.row"}, code: workflow.EINVALID},
		{name: "too many rows", in: "username,full name,roles\n" + strings.Repeat("a,A,clerk\n", auth.MaxImportRows+1), fields: []string{"file"}, code: workflow.ETOOLARGE},
		{name: "too big", in: "username,full name,roles\n" + strings.Repeat("x", auth.MaxImportBytes), fields: []string{"file"}, code: workflow.ETOOLARGE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := auth.ParseUsersCSV(strings.NewReader(tt.in))
			if tt.fields != nil {
				var got []string
				for _, p := range workflow.Problems(err) {
					got = append(got, p.Field)
				}
				if workflow.ErrorCode(err) != tt.code || !slices.Equal(got, tt.fields) {
					t.Fatalf("error %v on %v, want %s on %v", err, got, tt.code, tt.fields)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, r := range rows {
				var roles []string
				for _, x := range r.User.Roles {
					roles = append(roles, string(x))
				}
				got = append(got, row{line: r.Line, username: r.User.Username, name: r.User.FullName, title: r.User.Title,
					roles: strings.Join(roles, ","), email: r.Email, pid: r.User.PersonalID, unit: r.User.Unit})
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("rows\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// TestParseUsersCSVExample: README's example file reads as six users.
func TestParseUsersCSVExample(t *testing.T) {
	f, err := os.Open("testdata/users-import.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := auth.ParseUsersCSV(f)
	if err != nil || len(rows) != 6 || rows[0].User.FullName != "Nguyễn Văn An" || rows[4].User.Title != "Chuyên viên; phụ trách cải cách hành chính" {
		t.Fatalf("%d rows %+v, %v", len(rows), rows, err)
	}
}

// TestCheckImportProblems: every bad row's every problem is reported,
// by line and column, with the rules of one user's creation and the
// import's own (name, e-mail, taken, repeated); nothing is created.
func TestCheckImportProblems(t *testing.T) {
	ctx := context.Background()
	repo := workflowtest.NewRepository()
	s := &auth.Service{Repo: repo, Cost: bcrypt.MinCost}
	admin := &workflow.User{ID: "a", Roles: []workflow.Role{workflow.RoleAdmin}}
	if _, err := s.CreateUser(ctx, nil, auth.NewUser{Username: "lan", Password: "password-1", Roles: []workflow.Role{"clerk"}}); err != nil {
		t.Fatal(err)
	}
	csv := "username;full name;roles;email;cccd\n" +
		"minh;Minh;clerk;;\n" + // good
		"lan;Lan;clerk;;\n" + // taken
		"minh;Minh 2;clerk;;\n" + // on line 2 too
		"hà nội;;boss;not-mail;12\n" + // everything
		"ok;Ok;;;\n" // no role
	rows, err := auth.ParseUsersCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.ImportUsers(ctx, admin, rows)
	want := []string{"lines.3.username", "lines.4.username", "lines.5.username", "lines.5.personal_id", "lines.5.roles",
		"lines.5.full_name", "lines.5.email", "lines.6.roles"}
	var got []string
	for _, p := range workflow.Problems(err) {
		got = append(got, p.Field)
		if p.Code != workflow.EINVALID {
			t.Errorf("%s: code %s", p.Field, p.Code)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("problems on %v, want %v (%v)", got, want, err)
	}
	ps := workflow.Problems(err)
	if !errors.Is(ps[0], auth.ErrUsernameTaken) || !errors.Is(ps[1], auth.ErrDuplicateRow) || !errors.Is(ps[5], auth.ErrNameMissing) {
		t.Fatalf("causes: %v", err)
	}
	if us, _ := repo.Users(ctx); len(us) != 1 {
		t.Fatalf("%d users, want only lan", len(us))
	}
	handler := &workflow.User{ID: "h", Roles: []workflow.Role{workflow.RoleHandler}}
	if _, err := s.ImportUsers(ctx, handler, rows[:1]); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("a handler's import: %v", err)
	}
}

// TestImportUsersAllOrNothing, on both databases: a file with one bad
// row creates nobody; a good file creates every user in one go, each
// with a temporary generated password (only its hash kept), their
// e-mail address and the audit event of a created user.
func TestImportUsersAllOrNothing(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		s := &auth.Service{Repo: db, Cost: bcrypt.MinCost}
		admin, err := s.CreateUser(ctx, nil, auth.NewUser{Username: "admin", Password: "password-1", Roles: []workflow.Role{"admin"}})
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.ReadFile("testdata/users-import.csv")
		if err != nil {
			t.Fatal(err)
		}
		bad := strings.Replace(string(f), "Lưu trữ;;", "Lưu trữ;không-phải-thư;", 1)
		rows, err := auth.ParseUsersCSV(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ImportUsers(ctx, admin, rows); workflow.ErrorField(err) != "lines.7.email" {
			t.Fatalf("bad row: %v", err)
		}
		if us, _ := db.Users(ctx); len(us) != 1 {
			t.Fatalf("a bad row created %d users", len(us)-1)
		}
		rows, _ = auth.ParseUsersCSV(strings.NewReader(string(f)))
		got, err := s.ImportUsers(ctx, admin, rows)
		if err != nil || len(got) != 6 {
			t.Fatalf("%d imported, %v", len(got), err)
		}
		for _, im := range got {
			u, err := db.UserByUsername(ctx, im.User.Username)
			if err != nil || !u.MustChangePassword || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(im.Password)) != nil ||
				strings.Contains(u.PasswordHash, im.Password) || len(im.Password) < 20 {
				t.Fatalf("%s: %+v, %v", im.User.Username, u, err)
			}
		}
		if m, _ := db.UserMail(ctx, got[0].User.ID); m.Email != "an.nv@quan1.gov.vn" {
			t.Fatalf("mail %+v", m)
		}
		events := 0
		evs, _ := db.EventsAfter(ctx, 0, 100)
		for _, e := range evs {
			if e.Kind == workflow.EventUser && e.Data["created_user"] != "" && e.Actor == admin.ID {
				events++
			}
		}
		if events != 6 {
			t.Fatalf("%d user events, want 6", events)
		}
		// Again: every username is taken now, and nothing more is created.
		if _, err := s.ImportUsers(ctx, admin, rows); len(workflow.Problems(err)) != 6 {
			t.Fatalf("again: %v", err)
		}
	})
}

// TestCreateUserInitial, on both databases: a user an admin creates with
// the password left empty (the web's form, POST /api/v1/users) gets a
// generated one — 24 characters, returned once, its hash alone kept, in
// no audit event — and must change it at the first login; a password
// given is checked as before and nothing is generated.
func TestCreateUserInitial(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		s := &auth.Service{Repo: db, Cost: bcrypt.MinCost}
		admin, err := s.CreateUser(ctx, nil, auth.NewUser{Username: "admin", Password: "password-1", Roles: []workflow.Role{"admin"}})
		if err != nil {
			t.Fatal(err)
		}
		u, pw, err := s.CreateUserInitial(ctx, admin, auth.NewUser{Username: "sinh", Roles: []workflow.Role{"handler"}})
		if err != nil || len(pw) != 24 || !u.MustChangePassword || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(pw)) != nil {
			t.Fatalf("no password: %+v %q %v", u, pw, err)
		}
		evs, _ := db.EventsAfter(ctx, 0, 100)
		for _, e := range evs {
			for k, v := range e.Data {
				if strings.Contains(v, pw) {
					t.Errorf("event %s names the generated password in %s", e.Kind, k)
				}
			}
		}
		for pw, code := range map[string]string{"mat-khau-tu-go": "", "ngan": workflow.EINVALID} {
			u, initial, err := s.CreateUserInitial(ctx, admin, auth.NewUser{Username: "go" + strconv.Itoa(len(pw)), Password: pw, Roles: []workflow.Role{"handler"}})
			if workflow.ErrorCode(err) != code || initial != "" || (err == nil && !u.MustChangePassword) {
				t.Errorf("password %q: %q %v, want %q and none generated", pw, initial, err, code)
			}
		}
	})
}
