package mediatype

import (
	"mime"
	"path"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Disposition is the Content-Disposition header of a file served as disp
// ("attachment" or "inline") under name (RFC 6266): filename= the name
// in ASCII (ASCIIName), which every client reads, and, when the name is
// not ASCII, filename*= the name as it is, in UTF-8 (RFC 8187), which
// browsers prefer. Both are written by mime.FormatMediaType, which
// writes a non-ASCII value as filename*= only (a client that does not
// read it, curl -J among them, would save the file under a name of its
// own).
func Disposition(disp, name string) string {
	ascii := ASCIIName(name)
	h := mime.FormatMediaType(disp, map[string]string{"filename": ascii})
	if ascii == name {
		return h
	}
	full := mime.FormatMediaType(disp, map[string]string{"filename": name})
	_, ext, ok := strings.Cut(full, ";") // " filename*=utf-8''..."
	if !ok || h == "" {
		return full
	}
	return h + ";" + ext
}

// ASCIIName is name in ASCII: Vietnamese letters without their marks
// (đ d, Đ D, ắ a), other characters beyond ASCII and control characters
// dropped; "tep" with name's extension when nothing of the name is left.
func ASCIIName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		switch {
		case r == 'đ':
			r = 'd'
		case r == 'Đ':
			r = 'D'
		case unicode.Is(unicode.Mn, r) || r < 0x20 || r >= 0x7f:
			continue
		}
		b.WriteRune(r)
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	if ext := path.Ext(out); strings.TrimSpace(strings.TrimSuffix(out, ext)) == "" {
		out = "tep" + ext
	}
	return out
}
