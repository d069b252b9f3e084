// Package pwbacktest is the first login of a user an admin created, for the
// tests, benchmarks and fault runs that log in again with the password
// the admin set: the user's own change clears must_change_password, and
// pw, in the user's password history from then on, is taken back only
// once auth.PasswordHistory other passwords have replaced it.
package pwbacktest

import (
	"fmt"

	"github.com/vanthu/vanthu/auth"
)

// Steps are the changes, {current, new}, that take a user from pw to
// passwords of their own and back to pw.
func Steps(pw string) [][2]string {
	var out [][2]string
	cur := pw
	for i := 1; i <= auth.PasswordHistory; i++ {
		next := fmt.Sprintf("%s-own-%d", pw, i)
		out = append(out, [2]string{cur, next})
		cur = next
	}
	return append(out, [2]string{cur, pw})
}
