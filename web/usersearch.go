package web

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/workflow"
)

// userMatches are the users whose username, full name, title or unit
// contain every word of q, with or without diacritics ("nguyen van a"
// finds Nguyễn Văn A); all of them when q is empty. With sixty accounts
// the administrator scrolled the whole list to find one.
func userMatches(users []*workflow.User, q string) []*workflow.User {
	words := strings.Fields(foldVi(q))
	if len(words) == 0 {
		return users
	}
	var out []*workflow.User
	for _, x := range users {
		text := foldVi(strings.Join([]string{x.Username, x.FullName, x.Title, x.Unit}, " "))
		all := true
		for _, w := range words {
			all = all && strings.Contains(text, w)
		}
		if all {
			out = append(out, x)
		}
	}
	return out
}

// foldVi lowercases s and strips its diacritics (đ becomes d), as
// storage/gormdb.Fold folds the subjects the lists search.
func foldVi(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r == 'đ' || r == 'Đ' {
			r = 'd'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
