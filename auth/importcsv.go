package auth

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/vanthu/vanthu/internal/csvsafe"
	"github.com/vanthu/vanthu/internal/vifold"
	"github.com/vanthu/vanthu/workflow"
)

// MaxImportBytes is the largest CSV file of users ParseUsersCSV reads
// (ETOOLARGE beyond): MaxImportRows rows of a few hundred bytes each.
const MaxImportBytes = 256 << 10

// importColumns are the columns of a users' CSV file by the folded
// (vifold) names their header may give them, English or Vietnamese, and
// the names this package gives them (the fields of the problems).
var importColumns = map[string]string{
	"username": "username", "ten dang nhap": "username", "tai khoan": "username",
	"full name": "full_name", "full_name": "full_name", "name": "full_name", "ho va ten": "full_name", "ho ten": "full_name",
	"title": "title", "chuc vu": "title",
	"unit": "unit", "don vi": "unit", "phong": "unit", "phong ban": "unit", "phong/don vi": "unit",
	"roles": "roles", "role": "roles", "vai tro": "roles",
	"email": "email", "e-mail": "email", "thu dien tu": "email",
	"personal id": "personal_id", "personal_id": "personal_id", "cccd": "personal_id", "so cccd": "personal_id",
	"so dinh danh": "personal_id", "so dinh danh ca nhan": "personal_id",
}

// requiredColumns must be in every file's header.
var requiredColumns = []string{"username", "full_name", "roles"}

// roleWords are the roles by the folded names a file may give them: the
// API's (clerk) and the web's Vietnamese ones (Văn thư).
var roleWords = map[string]workflow.Role{
	"van thu": workflow.RoleClerk, "lanh dao": workflow.RoleOfficer, "chuyen vien": workflow.RoleHandler,
	"luu tru": workflow.RoleArchivist, "quan tri": workflow.RoleAdmin,
}

// ParseUsersCSV reads a bulk import's CSV file: UTF-8 with or without a
// byte order mark, its fields separated by commas or semicolons (the one
// of the header line that is more frequent: Vietnamese Excel saves ";"),
// quoted as RFC 4180 says (a quoted field may hold separators and line
// breaks). The first line names the columns, in any order, in English or
// Vietnamese, case and accents ignored (importColumns): username (tên
// đăng nhập), full name (họ và tên), roles (vai trò) are required; title
// (chức vụ), unit (đơn vị, phòng), email and personal ID (CCCD) may be
// left out. Roles are separated by commas or semicolons, each the API's
// name or the web's (clerk or Văn thư, officer or Lãnh đạo, handler or
// Chuyên viên, archivist or Lưu trữ, admin or Quản trị); another is kept
// as given, for CheckImport to refuse. Blank lines, and lines whose
// fields are all empty (a spreadsheet's empty rows), are skipped. Each
// row's Line is the file's line where it starts. Errors: EINVALID on
// "file" for a file that is not UTF-8 CSV, on RowField(1, column) for a
// header's unknown, repeated or missing column, on RowField(line, "row")
// for a row with more fields than the header; ETOOLARGE on "file" beyond
// MaxImportBytes or MaxImportRows.
func ParseUsersCSV(r io.Reader) ([]ImportRow, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImportBytes {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "the file is larger than %d KiB", MaxImportBytes>>10).On("file")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, workflow.Errorf(workflow.EINVALID, "the file is not UTF-8 text: save it as \"CSV UTF-8\"").On("file")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = separator(data)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, workflow.Errorf(workflow.EINVALID, "the file is empty").On("file")
	}
	if err != nil {
		return nil, csvError(err)
	}
	cols, err := headerColumns(header)
	if err != nil {
		return nil, err
	}
	return readRows(cr, cols)
}

// separator is the header line's more frequent of ';' and ','.
func separator(data []byte) rune {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		return ';'
	}
	return ','
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return workflow.Wrap(workflow.EINVALID, err, "line %d: not valid CSV: %v", pe.StartLine, pe.Err).On(RowField(pe.StartLine, "row"))
	}
	return workflow.Wrap(workflow.EINVALID, err, "not valid CSV").On("file")
}

// headerColumns names the header's columns (importColumns); every
// problem of the header at once.
func headerColumns(header []string) ([]string, error) {
	cols := make([]string, len(header))
	have := map[string]bool{}
	var errs []error
	for i, h := range header {
		name := strings.Join(strings.Fields(vifold.Fold(h)), " ")
		col, ok := importColumns[name]
		switch {
		case name == "":
			errs = append(errs, workflow.Errorf(workflow.EINVALID, "line 1: column %d has no name", i+1).On(RowField(1, "header")))
		case !ok:
			errs = append(errs, workflow.Errorf(workflow.EINVALID, "line 1: unknown column %q (username, full name, title, unit, roles, email, personal ID)", h).On(RowField(1, "header")))
		case have[col]:
			errs = append(errs, workflow.Errorf(workflow.EINVALID, "line 1: column %q is there twice", h).On(RowField(1, col)))
		}
		cols[i], have[col] = col, true
	}
	for _, c := range requiredColumns {
		if !have[c] {
			errs = append(errs, workflow.Errorf(workflow.EINVALID, "line 1: the column %s is missing", c).On(RowField(1, c)))
		}
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	return cols, nil
}

// readRows reads the rows after the header.
func readRows(cr *csv.Reader, cols []string) ([]ImportRow, error) {
	var rows []ImportRow
	var errs []error
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if len(rows) == MaxImportRows {
			return nil, workflow.Errorf(workflow.ETOOLARGE, "the file has more than %d users; import them in parts", MaxImportRows).On("file")
		}
		if len(rec) > len(cols) {
			errs = append(errs, workflow.Errorf(workflow.EINVALID, "line %d: %d fields, the header names %d", line, len(rec), len(cols)).On(RowField(line, "row")))
			continue
		}
		rows = append(rows, rowOf(line, cols, rec))
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	return rows, nil
}

// rowOf is record rec of line: its fields by cols (missing trailing
// fields are empty).
func rowOf(line int, cols, rec []string) ImportRow {
	row := ImportRow{Line: line}
	for i, v := range rec {
		switch cols[i] {
		case "username":
			row.User.Username = v
		case "full_name":
			row.User.FullName = v
		case "title":
			row.User.Title = v
		case "unit":
			row.User.Unit = v
		case "roles":
			row.User.Roles = parseRoles(v)
		case "email":
			row.Email = v
		case "personal_id":
			row.User.PersonalID = v
		}
	}
	return row
}

// parseRoles reads a row's roles (ParseUsersCSV).
func parseRoles(s string) []workflow.Role {
	var out []workflow.Role
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		folded := strings.Join(strings.Fields(vifold.Fold(w)), " ")
		if r, ok := roleWords[folded]; ok {
			out = append(out, r)
		} else if r := workflow.Role(folded); r.Valid() {
			out = append(out, r)
		} else {
			out = append(out, workflow.Role(w))
		}
	}
	return out
}

// WritePasswordsCSV writes the initial passwords of an import as CSV
// (csvsafe): a header "username,initial_password" and a row per user.
func WritePasswordsCSV(w io.Writer, ims []Imported) error {
	cw := csvsafe.NewWriter(w)
	if err := cw.Write([]string{"username", "initial_password"}); err != nil {
		return err
	}
	for _, im := range ims {
		if err := cw.Write([]string{im.User.Username, im.Password}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
