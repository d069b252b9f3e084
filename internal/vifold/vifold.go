// Package vifold folds Vietnamese text for accent-insensitive search and
// matching: the one fold the database's search columns, the archive's
// object names and the web's lists use.
package vifold

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold returns s lowercased and without diacritics, for accent-insensitive
// search of Vietnamese: "Bình Thủy" and "BINH THUY" both fold to
// "binh thuy". Marks are stripped after canonical decomposition (NFD);
// đ/Đ, which does not decompose, becomes d. Documents keep
// Fold(Subject) in subject_norm, and queries are folded the same way.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'đ', 'Đ':
			r = 'd'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return norm.NFC.String(b.String())
}
