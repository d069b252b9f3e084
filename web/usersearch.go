package web

import (
	"strings"

	"github.com/vanthu/vanthu/internal/vifold"
	"github.com/vanthu/vanthu/workflow"
)

// userMatches are the users whose username, full name, title or unit
// contain every word of q, with or without diacritics ("nguyen van a"
// finds Nguyễn Văn A); all of them when q is empty. With sixty accounts
// the administrator scrolled the whole list to find one.
func userMatches(users []*workflow.User, q string) []*workflow.User {
	words := strings.Fields(vifold.Fold(q))
	if len(words) == 0 {
		return users
	}
	var out []*workflow.User
	for _, x := range users {
		text := vifold.Fold(strings.Join([]string{x.Username, x.FullName, x.Title, x.Unit}, " "))
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
