package workflow

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What people and peers write into a document's or a user's fields is
// stored as it reads. Text pasted from a word processor or a web page
// brings characters nobody sees: no-break and other Unicode spaces, line
// breaks inside a subject, zero-width spaces and soft hyphens. Stored as
// they came, a word with a zero-width space or a soft hyphen inside
// ("đ<ZWSP>ịnh") was not found by a search for it (search matches
// words), and the same subject was stored in several spellings. Others
// change what is read: a bidirectional override (U+202E) shows the
// characters after it in reverse, so a register line or a notation can
// read otherwise than it is stored and searched, and control characters
// are not text at all (XML, and so an edXML package, cannot carry most of
// them).

// textRule says how a field's text is cleaned.
type textRule struct {
	lines bool // several lines (notes): line ends and tabs kept, spaces not joined
	drop  bool // a peer's text: unsafe characters dropped instead of refused
}

// CleanLine returns a one-line field (a subject, a name, a number) as it
// is stored: every white-space character (tab, line end, no-break space,
// the other Unicode spaces) a space, a run of them one, the ends trimmed,
// and the invisible characters that only break search (zero-width space,
// word joiner, byte order mark, soft hyphen, left-to-right and
// right-to-left marks) removed. EINVALID on field for a control
// character, a bidirectional embedding, override or isolate (U+202A to
// U+202E, U+2066 to U+2069) or bytes that are not UTF-8, naming the
// character and where it is.
func CleanLine(field, s string) (string, error) {
	return cleanText(field, s, textRule{})
}

// CleanLines is CleanLine for a field of several lines (notes): line ends
// (CR LF and CR become LF) and tabs are kept, other spaces become a space
// without being joined, and only the whole text is trimmed.
func CleanLines(field, s string) (string, error) {
	return cleanText(field, s, textRule{lines: true})
}

// CleanPeerLines is CleanLines for a peer's text that no action checks (a
// status message's description): the characters CleanLines refuses are
// dropped instead, as they are from a received document's fields — a
// bidirectional override in a refusal's reason read otherwise on the
// deliveries page and in the clerks' mail than it was stored.
func CleanPeerLines(s string) string {
	out, _ := cleanText("", s, textRule{lines: true, drop: true})
	return out
}

// CheckComment refuses (EINVALID) a person's comment, reason or remark
// longer than MaxComment or with a character CleanLines refuses: an
// action's comment, a legal hold's, a certificate revocation's. The text
// is kept as written.
func CheckComment(text string) error {
	if utf8.RuneCountInString(text) > MaxComment {
		return Errorf(EINVALID, "comment is longer than %d characters", MaxComment).On("comment")
	}
	if i, r, ok := firstUnsafe(text); !ok {
		return unsafeError("comment", text, i, r)
	}
	return nil
}

func cleanText(field, s string, rule textRule) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is due before the next character
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case rule.lines && r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue
			}
			b.WriteByte('\n')
		case rule.lines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case unicode.IsSpace(r):
			if rule.lines {
				b.WriteByte(' ')
			} else {
				space = b.Len() > 0
			}
		case unsafeRune(r, n) && !rule.drop:
			return "", unsafeError(field, s, i-n, r)
		case invisible(r) || unsafeRune(r, n):
			// dropped (unsafe ones only from a peer's text)
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String()), nil
}

// firstUnsafe returns the byte offset and rune of the first character of
// s that is refused (ok false), if any: white space never is (a one-line
// field makes it a space).
func firstUnsafe(s string) (int, rune, bool) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, n) && !unicode.IsSpace(r) {
			return i, r, false
		}
		i += n
	}
	return 0, 0, true
}

// unsafeRune says whether r (n bytes long) is refused in any field: a
// control character, a bidirectional embedding, override or isolate, or
// a byte that is not UTF-8.
func unsafeRune(r rune, n int) bool {
	return (r == utf8.RuneError && n == 1) || unicode.IsControl(r) || bidiControl(r)
}

// bidiControl: the embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and
// isolates (LRI, RLI, FSI, PDI), which reorder the text around them.
func bidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// invisible: characters with no glyph that carry nothing in an official
// text and only keep words from being found.
func invisible(r rune) bool {
	switch r {
	case 0x200B, 0x2060, 0xFEFF, 0x00AD, 0x200E, 0x200F:
		return true
	}
	return false
}

// UnsafeText is the cause (errors.As) of the EINVALID with which a text
// field is refused for a character CleanLine refuses, so that an
// interface can say it in its own words.
type UnsafeText struct {
	Rune    rune // the character (utf8.RuneError for a byte that is not UTF-8)
	Byte    byte // that byte, when Rune is utf8.RuneError
	Pos     int  // its position in the text, in characters from 1
	Control bool // a control character (else a bidirectional control, or not UTF-8)
}

func (u *UnsafeText) Error() string {
	if u.Rune == utf8.RuneError {
		return fmt.Sprintf("byte 0x%02X at character %d", u.Byte, u.Pos)
	}
	return fmt.Sprintf("U+%04X at character %d", u.Rune, u.Pos)
}

// unsafeError says which character of field's text s at byte i is refused.
func unsafeError(field, s string, i int, r rune) error {
	u := &UnsafeText{Rune: r, Pos: utf8.RuneCountInString(s[:i]) + 1, Control: unicode.IsControl(r)}
	var what string
	switch {
	case r == utf8.RuneError:
		u.Byte = s[i]
		what = fmt.Sprintf("byte 0x%02X, which is not UTF-8 text", s[i])
	case bidiControl(r):
		what = fmt.Sprintf("U+%04X, an invisible character that changes the direction the text around it reads in", r)
	default:
		what = fmt.Sprintf("the control character U+%04X", r)
	}
	return Wrap(EINVALID, u, "%s has %s at character %d: remove it and send the text again", field, what, u.Pos).On(field)
}
