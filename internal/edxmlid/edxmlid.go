package edxmlid

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Identifier reads an identifier of an edXML envelope — a DocumentId
// ("OrganId,yyyy/MM/dd,Số/KýHiệu" or the gateway's UUID) or an OrganId —
// as the same identifier however its sender spaced it: in NFC, every
// white space character (XML's four, and the no-break space, line
// separators and the other Unicode spaces that copying from a word
// processor or a web page leaves) taken as a space, the ends trimmed and
// each run made one space (XML Schema's whiteSpace="collapse", xs:token),
// and no space kept beside the separators of the identifier's parts —
// ',' between a DocumentId's fields, '/' in its date and between number
// and notation, '.' between an OrganId's groups — since no part holds
// white space at its ends (an organisation code, a yyyy/MM/dd date, a
// number and a notation of Decree 30 are written without). Before, a
// DocumentId a pretty-printer broke after its commas, or written
// "OrganId, date, Số/KýHiệu", was refused 400 for its date, and one with
// a second space inside its notation was stored as another identifier
// than its redelivery written with one. A space inside a part (a
// notation "QĐ UBND") is kept, collapsed: that identifier stays distinct
// from "QĐ-UBND" and "QĐUBND". Migration 18 (storage/gormdb) rewrites
// with it the DocumentIds stored before this reading.
func Identifier(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is pending: written before the next part character
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			last, _ := utf8.DecodeLastRuneInString(b.String())
			space = b.Len() > 0 && !idSeparator(last)
		case idSeparator(r):
			space = false
			b.WriteRune(r)
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

func idSeparator(r rune) bool { return r == ',' || r == '/' || r == '.' }
