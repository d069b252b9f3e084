package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/workflow"
)

// MaxProfileText is the longest full name, title or unit accepted, in
// characters.
const MaxProfileText = 200

// NormalizeUsername returns a login name as it is stored and looked up:
// in NFC (a name typed with decomposed accents is the same name), the
// ends trimmed. A new name must be 1-64 characters, each a letter, a
// digit, a combining mark or one of . _ - @ (EINVALID otherwise): a name
// is shown in audit trails and registers, and a space, a control or an
// invisible character made two accounts look alike.
func NormalizeUsername(s string) (string, error) {
	s = norm.NFC.String(strings.TrimSpace(s))
	if s == "" || utf8.RuneCountInString(s) > 64 {
		return s, workflow.Errorf(workflow.EINVALID, "username must be 1-64 characters").On("username")
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && !strings.ContainsRune("._-@", r) {
			return s, workflow.Errorf(workflow.EINVALID, "username %q has %q: use letters, digits and . _ - @ only", s, r).On("username")
		}
	}
	return s, nil
}

// cleanProfile cleans a user's full name, title and unit as a document's
// one-line fields are (workflow.CleanLine, after NFC) and bounds them
// (EINVALID).
func cleanProfile(u *workflow.User) error {
	var errs []error
	for _, f := range []struct {
		name string
		text *string
	}{{"full_name", &u.FullName}, {"title", &u.Title}, {"unit", &u.Unit}} {
		t, err := workflow.CleanLine(f.name, norm.NFC.String(*f.text))
		switch {
		case err != nil:
			errs = append(errs, err)
		case utf8.RuneCountInString(t) > MaxProfileText:
			errs = append(errs, workflow.Errorf(workflow.EINVALID, "%s is longer than %d characters", f.name, MaxProfileText).On(f.name))
		default:
			*f.text = t
		}
	}
	if len(errs) > 0 {
		return joinErrs(errs)
	}
	return nil
}
