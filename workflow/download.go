package workflow

import (
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A file downloaded under the name it was uploaded under (duthao.pdf,
// scan0001.pdf, the draft's name with .signed.pdf) could not be told
// from the others in a folder of downloads. A district office names a
// document's file by the document: its number and notation and its
// subject, "05-QĐ-UBND Quyết định Phê duyệt kế hoạch.pdf".

// MaxDownloadStem is the most characters of a download's name before
// its extension.
const MaxDownloadStem = 80

// DownloadName is the name file f of d is downloaded under, in
// Vietnamese as it is written (the HTTP layer adds its ASCII fallback):
//
//   - what identifies the document: its notation with "-" for "/"
//     (05-QĐ-UBND) once numbered; for an incoming one the sender's
//     notation, else "Văn bản đến" (with its incoming number when
//     registered); an outgoing one not yet numbered, "Dự thảo";
//   - the type's name and the subject (the subject cut at a word so the
//     name keeps to MaxDownloadStem characters); an attachment's own
//     name comes before them, after "Phụ lục" unless it starts so, and
//     so does the own name of a file of a kind not a document's (an
//     archived record's metadata.json: FileKind "record");
//   - in parentheses, what the file is when it is not the document's
//     current one: "dự thảo", "bản ký lần 1", "bản ký đã rút",
//     "dự thảo trước"; a name another file of d already has gets a
//     number ("(2)");
//   - the extension of the file's stored name.
//
// Characters file systems refuse (\ / : * ? " < > | and control
// characters) are not kept: a slash is a "-", the others a space. The
// name is never empty, and no two files of d get the same one (compared
// as Windows does, ignoring case).
func DownloadName(d *Document, f File) string {
	seen := map[string]bool{}
	for _, x := range d.Files {
		name := uniqueName(d, x, seen)
		if sameFile(x, f) {
			return name
		}
	}
	return downloadName(d, f, 1) // a file d does not list (an archived object)
}

func uniqueName(d *Document, f File, seen map[string]bool) string {
	for n := 1; ; n++ {
		name := downloadName(d, f, n)
		if key := strings.ToLower(name); !seen[key] {
			seen[key] = true
			return name
		}
	}
}

func sameFile(a, b File) bool {
	return a.SHA256 == b.SHA256 && a.Kind == b.Kind && a.Name == b.Name && a.CreatedAt.Equal(b.CreatedAt)
}

// downloadName is f's name, the n-th of its name in d (n > 1: numbered).
func downloadName(d *Document, f File, n int) string {
	head := cutText(downloadHead(d), MaxDownloadStem/2)
	label := fileLabel(d, f)
	if n > 1 {
		label = strings.TrimSpace(label + " " + strconv.Itoa(n))
	}
	if label != "" {
		label = " (" + label + ")"
	}
	room := MaxDownloadStem - utf8.RuneCountInString(head) - utf8.RuneCountInString(label)
	body := typeAndSubject(d)
	if f.Kind == FileAttachment || !documentKind(f.Kind) {
		own := cutText(ownTitle(f), room-1)
		room -= utf8.RuneCountInString(own) + 1
		if rest := cutText(body, room-3); utf8.RuneCountInString(rest) >= 10 {
			own += " - " + rest
		}
		body = own
	} else {
		body = cutText(body, room-1)
	}
	stem := strings.TrimRight(strings.TrimSpace(head+" "+body)+label, ". ")
	return stem + fileExt(f.Name)
}

// downloadHead is what identifies d in its files' names.
func downloadHead(d *Document) string {
	switch {
	case d.Direction != Incoming && cleanName(d.Notation) != "":
		return cleanName(d.Notation)
	case d.Direction != Incoming:
		return "Dự thảo"
	case cleanName(d.OriginalNumber) != "":
		return cleanName(d.OriginalNumber)
	case d.Number > 0:
		return "Văn bản đến số " + strconv.Itoa(d.Number)
	}
	return "Văn bản đến"
}

// typeAndSubject is d's type name and subject, the name left out when
// the subject starts with it.
func typeAndSubject(d *Document) string {
	subject, typ := cleanName(d.Subject), DocTypes[d.Type]
	if typ == "" || strings.HasPrefix(strings.ToLower(subject), strings.ToLower(typ)) {
		return subject
	}
	return strings.TrimSpace(typ + " " + subject)
}

// documentKind reports whether k is a kind of a document's file.
func documentKind(k FileKind) bool {
	switch k {
	case FileMain, FileSigned, FileAttachment, FileWithdrawn, FileSuperseded:
		return true
	}
	return false
}

// ownTitle is f's stored name without its extension; an attachment's
// after "Phụ lục" unless it says so already.
func ownTitle(f File) string {
	name := f.Name
	if fileExt(name) != "" {
		name = strings.TrimSuffix(name, path.Ext(name))
	}
	t := cleanName(name)
	if f.Kind != FileAttachment {
		return t
	}
	for _, p := range []string{"phụ lục", "phu luc", "phu-luc", "phuluc"} {
		if strings.HasPrefix(strings.ToLower(t), p) {
			return t
		}
	}
	return strings.TrimSpace("Phụ lục " + t)
}

// fileLabel says what f is when it is not d's current file.
func fileLabel(d *Document, f File) string {
	switch f.Kind {
	case FileAttachment:
		if unsignedAttachment(d, f) {
			return "dự thảo"
		}
		return ""
	case FileWithdrawn:
		return "bản ký đã rút"
	case FileSuperseded:
		return "dự thảo trước"
	}
	if !documentKind(f.Kind) {
		return ""
	}
	if m, ok := d.MainFile(); !ok || sameFile(m, f) {
		return ""
	}
	if f.Kind == FileMain {
		if d.Direction == Outgoing {
			return "dự thảo"
		}
		return "bản gốc"
	}
	n := 0
	for _, x := range d.Files {
		if x.Kind == FileSigned {
			n++
		}
		if sameFile(x, f) {
			break
		}
	}
	return "bản ký lần " + strconv.Itoa(n) // FileSigned
}

// unsignedAttachment reports whether f is an attachment of an issued
// document that the agency signed a copy of at issue (the copy is the
// one sent and archived).
func unsignedAttachment(d *Document, f File) bool {
	if d.Direction != Outgoing || d.IssuedAt == nil {
		return false
	}
	issued := d.IssuedAt.Truncate(time.Microsecond)
	if !f.CreatedAt.Before(issued) {
		return false
	}
	for _, x := range d.Files {
		if x.Kind == FileAttachment && !x.CreatedAt.Before(issued) {
			return true
		}
	}
	return false
}

// fileExt is name's extension when it looks like one (a dot, then at
// most 10 letters or digits), lowercase; "" otherwise.
func fileExt(name string) string {
	ext := path.Ext(name)
	if len(ext) < 2 || len(ext) > 11 {
		return ""
	}
	for _, r := range ext[1:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return ""
		}
	}
	return strings.ToLower(ext)
}

// cleanName is s as part of a file name: slashes "-", the other
// characters Windows refuses in names and every white space a space,
// control and format characters (bidirectional overrides, zero-width
// spaces) dropped, runs of spaces one, the ends trimmed.
func cleanName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '/' || r == '\\':
			r = '-'
		case strings.ContainsRune(`:*?"<>|`, r) || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cutText is s in at most n characters, cut at the last space of the
// second half when it must be cut (else within the word), without the
// spaces and separators it would end with.
func cutText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	cut := n
	for i := n; i > n/2; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(r[:cut]), " -,;.")
}
