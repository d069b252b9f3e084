package auth

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/vanthu/vanthu/workflow"
)

// MaxImportRows is the most users one bulk import creates (ImportUsers,
// ParseUsersCSV): a district's 40–120 staff fit many times over, and each
// costs a bcrypt hash (about 50 ms of one CPU), so the largest import
// answers within seconds, not minutes.
const MaxImportRows = 500

// ErrUsernameTaken is the cause of an import row's EINVALID on its
// username when a user of that name exists already.
var ErrUsernameTaken = errors.New("the username is taken")

// ErrDuplicateRow is the cause of an import row's EINVALID on its
// username when an earlier row of the same file has the same one.
var ErrDuplicateRow = errors.New("the username is on an earlier row")

// ErrNameMissing is the cause of an import row's EINVALID on its full
// name when it has none: a bulk import names its people.
var ErrNameMissing = errors.New("the full name is missing")

// ImportRow is one user of a bulk import: the line of the file it came
// from (1 is the header's), the user (Password empty: ImportUsers
// generates it) and their e-mail address ("" for none).
type ImportRow struct {
	Line  int
	User  NewUser
	Email string
}

// Imported is a user a bulk import created and their initial password,
// which nothing keeps but its bcrypt hash: the caller hands it to the
// admin once.
type Imported struct {
	User     *workflow.User
	Password string
	Email    string
}

// MailWriter is implemented by repositories that keep users' e-mail
// addresses (storage/gormdb.DB): ImportUsers sets the imported users'
// in its transaction (a nested Atomic joins it).
type MailWriter interface {
	SetUserMail(ctx context.Context, actorID, userID string, s workflow.MailSettings) error
}

// RowField is the field of a problem of line's column in a bulk import's
// answer: "lines.4.username" (workflow.Error.Field, the API's fields).
func RowField(line int, column string) string {
	return "lines." + strconv.Itoa(line) + "." + column
}

// ParseRowField is RowField's inverse; ok false for another field.
func ParseRowField(field string) (line int, column string, ok bool) {
	rest, ok := strings.CutPrefix(field, "lines.")
	if !ok {
		return 0, "", false
	}
	n, column, ok := strings.Cut(rest, ".")
	line, err := strconv.Atoi(n)
	return line, column, ok && err == nil
}

// rowProblem is err (one *workflow.Error) as row line's problem: the
// field RowField(line, its field), the message prefixed by the line.
func rowProblem(line int, e *workflow.Error) *workflow.Error {
	field := e.Field
	if field == "" {
		field = "row"
	}
	cause := e.Err
	if cause == nil {
		cause = e
	}
	return workflow.Wrap(workflow.EINVALID, cause, "line %d: %s", line, e.Message).On(RowField(line, field))
}

// CheckImport checks the rows of a bulk import as CreateUser checks one
// user (the same rules, validNewUser), and besides: a full name on each
// (ErrNameMissing), an e-mail address workflow.CheckEmail takes, a
// username no user has (ErrUsernameTaken) nor an earlier row
// (ErrDuplicateRow), at least one row and at most MaxImportRows. It
// returns the rows cleaned, or every problem of every row (each EINVALID
// on RowField(line, field), joined: workflow.Problems lists them).
// Admins only (EFORBIDDEN; actor nil: the system).
func (s *Service) CheckImport(ctx context.Context, actor *workflow.User, rows []ImportRow) ([]ImportRow, error) {
	if actor != nil && !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "only an admin creates users")
	}
	if len(rows) == 0 {
		return nil, workflow.Errorf(workflow.EINVALID, "the file has no users").On("file")
	}
	if len(rows) > MaxImportRows {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "the file has %d users; at most %d at a time", len(rows), MaxImportRows).On("file")
	}
	existing, err := s.Repo.Users(ctx)
	if err != nil {
		return nil, fmt.Errorf("import users: %w", err)
	}
	taken := make(map[string]bool, len(existing))
	for _, u := range existing {
		taken[u.Username] = true
	}
	seen := map[string]int{}
	out := make([]ImportRow, len(rows))
	var errs []error
	for i, row := range rows {
		in := row.User
		in.Password = "generated-later" // checked for length only: generated
		in, err := validNewUser(in)
		var ps []*workflow.Error
		ps = append(ps, workflow.Problems(err)...)
		if strings.TrimSpace(row.User.FullName) == "" && !hasField(ps, "full_name") {
			ps = append(ps, workflow.Wrap(workflow.EINVALID, ErrNameMissing, "full name is required").On("full_name"))
		}
		email, err := workflow.CheckEmail(row.Email)
		ps = append(ps, workflow.Problems(err)...)
		if !hasField(ps, "username") {
			if taken[in.Username] {
				ps = append(ps, workflow.Wrap(workflow.EINVALID, ErrUsernameTaken, "username %q is taken", in.Username).On("username"))
			} else if first, ok := seen[in.Username]; ok {
				ps = append(ps, workflow.Wrap(workflow.EINVALID, ErrDuplicateRow, "username %q is on line %d too", in.Username, first).On("username"))
			} else {
				seen[in.Username] = row.Line
			}
		}
		for _, p := range ps {
			errs = append(errs, rowProblem(row.Line, p))
		}
		in.Password, in.Temporary = "", true
		out[i] = ImportRow{Line: row.Line, User: in, Email: email}
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	return out, nil
}

func hasField(ps []*workflow.Error, field string) bool {
	for _, p := range ps {
		if p.Field == field {
			return true
		}
	}
	return false
}

// ImportUsers creates the users of rows at once, all or none: every row
// is checked first (CheckImport: any problem, and nobody is created),
// then each gets a generated initial password (temporary: changed at the
// first login, as one an admin gives), and all are created in one
// transaction, each with the audit event CreateUser writes (and the
// e-mail address's, MailWriter). A username taken meanwhile fails the
// transaction (ECONFLICT), creating nobody. The passwords are returned
// once, in the rows' order; only their hashes are kept. Admins only
// (EFORBIDDEN); actor nil is the system (the CLI's user import).
func (s *Service) ImportUsers(ctx context.Context, actor *workflow.User, rows []ImportRow) ([]Imported, error) {
	rows, err := s.CheckImport(ctx, actor, rows)
	if err != nil {
		return nil, err
	}
	mw, mailOK := s.Repo.(MailWriter)
	out := make([]Imported, len(rows))
	for i, row := range rows {
		if row.Email != "" && !mailOK {
			return nil, workflow.Errorf(workflow.EUNAVAILABLE, "this store keeps no e-mail addresses")
		}
		pw, err := GeneratePassword()
		if err != nil {
			return nil, err
		}
		out[i] = Imported{Password: pw, Email: row.Email}
	}
	hashes, err := s.hashAll(out)
	if err != nil {
		return nil, err
	}
	for i, row := range rows {
		out[i].User = s.userOf(actor, row.User, hashes[i])
	}
	actorID := ""
	if actor != nil {
		actorID = actor.ID
	}
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		for _, im := range out {
			if err := insertUser(ctx, tx, actor, im.User); err != nil {
				return err
			}
			if im.Email != "" {
				if err := mw.SetUserMail(ctx, actorID, im.User.ID, workflow.MailSettings{Email: im.Email}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import users: %w", err)
	}
	return out, nil
}

// hashAll hashes the passwords of ims on every CPU.
func (s *Service) hashAll(ims []Imported) ([]string, error) {
	hashes := make([]string, len(ims))
	errs := make([]error, len(ims))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ims)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				hashes[i], errs[i] = s.HashPassword(ims[i].Password)
			}
		}()
	}
	for i := range ims {
		next <- i
	}
	close(next)
	wg.Wait()
	return hashes, errors.Join(errs...)
}

// UserImporter is what checks and creates the users of a bulk import;
// Service is one. The API and the web take it from their Accounts when it
// has it.
type UserImporter interface {
	CheckImport(ctx context.Context, actor *workflow.User, rows []ImportRow) ([]ImportRow, error)
	ImportUsers(ctx context.Context, actor *workflow.User, rows []ImportRow) ([]Imported, error)
}

var _ UserImporter = (*Service)(nil)
