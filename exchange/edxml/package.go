package edxml

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"io"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/vanthu/vanthu/workflow"
)

// Package is a package in memory, read once for Parse and Verify. A
// receiver that did both with ParseBytes and Verify had the XML reader
// go through each attachment's base64 four times (scan and unmarshal to
// parse, scan and etree to verify), and goxmldsig reads the canonical
// form once more after checking the digest; with Open, only that last.
//
// How: the structural scan (see scan) reads the package from memory and,
// at each attachment's ContentTransferEncoded element whose content is
// base64 text only (the alphabet, "=" and white space, up to the end
// tag), steps over that text instead of tokenising it, keeping where it
// is. The package is then unmarshalled and read into the tree the
// signature is checked on with each such text replaced by a marker (a
// random nonce and the text's index, not base64, so a marker can only be
// the text it stands for); Parse decodes the attachment from the bytes
// the marker stands for, and Verify puts those bytes back into the tree
// before the digest is taken. The signature thus covers exactly the bytes
// Parse hands on. An element with anything else in it (an entity, a
// comment, CDATA, a child) is read as it is, and a package where a
// stepped-over text turns out to be followed by more than the end tag is
// read again, whole, without stepping over anything.
type Package struct {
	data   []byte     // as received
	elided []byte     // data with texts replaced by markers (data itself when there are none)
	texts  [][2]int   // where the stepped-over texts are in data
	marker string     // the markers' prefix: "#" + nonce + "."
	res    scanResult // what the scan learnt
}

// Open checks a package in memory like Parse does before it decodes
// anything (size, well-formedness, depth, namespaces, attachment count):
// errors are Parse's ETOOLARGE and EINVALID. Parse and Verify of the
// package then share that reading.
func Open(data []byte, lim Limits) (*Package, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxBytes {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "edxml: package larger than %d bytes", lim.MaxBytes)
	}
	start := 0
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		start = 3 // UTF-8 byte order mark
	}
	if err := checkOpening(data[start:min(len(data), start+16)]); err != nil {
		return nil, err
	}
	r := &packageReader{data: data, start: start, pos: start}
	d := xml.NewDecoder(r) // r is an io.ByteReader: the decoder reads no further than it needs
	d.Strict = true
	sc := &scanner{d: d, lim: lim, skip: r}
	if err := sc.run(); err != nil {
		return nil, err
	}
	if r.mixed {
		sr, err := scan(bytes.NewReader(data), lim)
		if err != nil {
			return nil, err
		}
		return &Package{data: data, elided: data, res: sr}, nil
	}
	p := &Package{data: data, elided: data, texts: r.texts, res: sc.res}
	if len(r.texts) > 0 {
		if err := p.elide(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// elide builds p.elided: data with each stepped-over text replaced by
// its marker.
func (p *Package) elide() error {
	var err error
	if p.marker, err = newMarker(); err != nil {
		return err
	}
	n := len(p.data)
	for _, t := range p.texts {
		n -= t[1] - t[0]
	}
	out := make([]byte, 0, n+len(p.texts)*(len(p.marker)+8))
	prev := 0
	for i, t := range p.texts {
		out = append(out, p.data[prev:t[0]]...)
		out = append(out, p.marker...)
		out = strconv.AppendInt(out, int64(i), 10)
		prev = t[1]
	}
	p.elided = append(out, p.data[prev:]...)
	return nil
}

// index returns the index of the stepped-over text s is the marker of.
func (p *Package) index(s string) (int, bool) {
	if p.marker == "" {
		return 0, false
	}
	rest, ok := strings.CutPrefix(s, p.marker)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	if err != nil || i < 0 || i >= len(p.texts) || strconv.Itoa(i) != rest {
		return 0, false
	}
	return i, true
}

// newMarker returns a marker prefix: "#", a random nonce and ".". It is
// not base64 and contains nothing XML escapes.
func newMarker() (string, error) {
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", workflow.Wrap(workflow.EINTERNAL, err, "edxml: marker")
	}
	return "#" + hex.EncodeToString(nonce[:]) + ".", nil
}

// text returns the stepped-over text s is the marker of.
func (p *Package) text(s string) ([]byte, bool) {
	i, ok := p.index(s)
	if !ok {
		return nil, false
	}
	t := p.texts[i]
	return p.data[t[0]:t[1]], true
}

// Parse decodes the package as ParseBytes does.
func (p *Package) Parse() (*Message, error) {
	return decode(p)
}

// attachmentData decodes an attachment's ContentTransferEncoded text as
// unmarshalled (or the text its marker stands for).
func (p *Package) attachmentData(encoded string) ([]byte, error) {
	if b, ok := p.text(encoded); ok {
		return decodeBase64Bytes(b)
	}
	return decodeBase64(encoded)
}

// tree reads the package into the tree its signature is checked on, each
// stepped-over text still its marker, in the order read (the digest puts
// the texts back: see validation).
func (p *Package) tree() (*etree.Document, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(p.elided); err != nil {
		return nil, workflow.Wrap(workflow.EINVALID, err, "edxml: verify: reading package")
	}
	if len(p.texts) == 0 {
		return doc, nil
	}
	put := 0
	for _, e := range encodedElements(doc.Root()) {
		if i, ok := p.index(e.Text()); ok {
			if i != put {
				break // not in the order read: refused below
			}
			put++
		}
	}
	if put != len(p.texts) {
		return nil, workflow.Wrap(workflow.EINVALID, ErrBadSignature, "edxml: verify: %d of %d attachment texts found again", put, len(p.texts))
	}
	return doc, nil
}

// packageReader is the io.ByteReader Open's decoder reads the package
// from; skipEncoded moves it over a text the decoder then never sees.
type packageReader struct {
	data       []byte
	start, pos int      // start: after a byte order mark
	texts      [][2]int // the texts stepped over
	mixed      bool     // a stepped-over text was followed by more than its end tag
	// Where the decoder is off, having never seen the texts: lines is
	// the count of line ends in them, and on the decoder's line lastLine
	// (where it stepped over the last one, as it counts lines) its
	// columns are colDelta short.
	lines, lastLine, colDelta int
}

func (r *packageReader) Read(b []byte) (int, error) {
	if r.pos >= len(r.data) {
		return 0, io.EOF
	}
	n := copy(b, r.data[r.pos:])
	r.pos += n
	return n, nil
}

func (r *packageReader) ReadByte() (byte, error) {
	if r.pos >= len(r.data) {
		return 0, io.EOF
	}
	b := r.data[r.pos]
	r.pos++
	return b, nil
}

// skipEncoded steps over the base64 text of the element whose start tag
// the decoder just read, when it is one (see Package), and reports
// whether it did. The decoder has read up to the start tag's ">" and no
// further: it reads no byte ahead of a token; line and col are its
// position there.
func (r *packageReader) skipEncoded(line, col int) bool {
	if r.pos < 2 || r.data[r.pos-1] != '>' || r.data[r.pos-2] == '/' {
		return false // <ContentTransferEncoded/>: no text
	}
	n := bytes.IndexByte(r.data[r.pos:], '<')
	if n <= 0 || !base64Text(r.data[r.pos:r.pos+n]) {
		return false
	}
	text := r.data[r.pos : r.pos+n]
	delta := 0 // the column after the text, as received, less col
	if i := bytes.LastIndexByte(text, '\n'); i >= 0 {
		delta = len(text) - i - col
	} else {
		if line == r.lastLine {
			delta = r.colDelta
		}
		delta += len(text)
	}
	r.lines += bytes.Count(text, []byte{'\n'})
	r.lastLine, r.colDelta = line, delta
	r.texts = append(r.texts, [2]int{r.pos, r.pos + n})
	r.pos += n
	return true
}

// position is the line and column in the package as received of a
// position the decoder gives as line and col.
func (r *packageReader) position(line, col int) (int, int) {
	if line == r.lastLine {
		col += r.colDelta
	}
	return line + r.lines, col
}

// base64Text reports whether b is base64 text with white space, some of
// it not white space: text that XML reads as it is written (no markup,
// no entity), but for line ends (see readText).
func base64Text(b []byte) bool {
	some := false
	for _, c := range b {
		switch base64Class[c] {
		case 0:
			return false
		case 1:
			some = true
		}
	}
	return some
}

// base64Class is 1 for the letters of base64 and "=", 2 for white space,
// 0 for any other byte.
var base64Class = func() (t [256]byte) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") {
		t[c] = 1
	}
	for _, c := range []byte(" \t\r\n") {
		t[c] = 2
	}
	return t
}()

// readText is the text an XML reader reads for b (base64Text): "\r\n" and
// a lone "\r" are read as "\n".
func readText(b []byte) string {
	if bytes.IndexByte(b, '\r') < 0 {
		return string(b)
	}
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// decodeBase64Bytes is decodeBase64 for bytes.
func decodeBase64Bytes(b []byte) ([]byte, error) {
	if bytes.ContainsAny(b, " \t\r\n") {
		c := make([]byte, 0, len(b))
		for _, x := range b {
			switch x {
			case ' ', '\t', '\r', '\n':
			default:
				c = append(c, x)
			}
		}
		b = c
	}
	enc := base64.StdEncoding
	if len(b)%4 != 0 && bytes.IndexByte(b, '=') < 0 {
		// Without its padding, as some encoders write it (and as base64url
		// is written): the length says how many bytes the last group holds.
		enc = base64.RawStdEncoding
	}
	out := make([]byte, enc.DecodedLen(len(b)))
	n, err := enc.Decode(out, b)
	return out[:n], err
}
