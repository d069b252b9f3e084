package edxml

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

const dsigNamespace = "http://www.w3.org/2000/09/xmldsig#"

// readScanned reads a package from r and scans it on the way (see scan),
// so that a depth bomb or junk is refused after reading only up to the
// offending token, and an oversize package after at most lim.MaxBytes+1
// bytes. It returns the bytes read and what the scan learnt.
func readScanned(r io.Reader, lim Limits) ([]byte, scanResult, error) {
	var buf bytes.Buffer
	lr := &io.LimitedReader{R: r, N: lim.MaxBytes + 1}
	res, err := scan(io.TeeReader(lr, &buf), lim)
	if int64(buf.Len()) > lim.MaxBytes {
		return nil, res, workflow.Errorf(workflow.ETOOLARGE, "edxml: package larger than %d bytes", lim.MaxBytes)
	}
	if err != nil {
		return nil, res, err
	}
	return buf.Bytes(), res, nil
}

// scanResult is what the streaming check learnt on the way.
type scanResult struct {
	signed bool // a Signature element in the xmldsig namespace was seen
}

// scan walks the raw token stream once, before anything is unmarshalled or
// handed to etree, and refuses what encoding/xml lets through or what would
// be costly: text or junk outside the root element, an XML declaration that
// is not at the very start, DTDs, nesting deeper than lim.MaxDepth, namespace
// prefixes that are not declared (encoding/xml silently keeps an unbound
// prefix as if it were a namespace name), mismatched end tags, a root that is
// not edXML in the edXML namespace, and more attachments than allowed.
func scan(r io.Reader, lim Limits) (scanResult, error) {
	br, err := openPackage(r)
	if err != nil {
		return scanResult{}, err
	}
	d := xml.NewDecoder(br)
	d.Strict = true
	sc := &scanner{d: d, lim: lim}
	err = sc.run()
	return sc.res, err
}

// run reads every token of the package and checks it (see scan).
func (sc *scanner) run() error {
	d := sc.d
	for {
		offset := d.InputOffset()
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line, _ := sc.position(se.Line, 0)
				// The line as received also in the decoder's own error.
				return workflow.Wrap(workflow.EINVALID, &xml.SyntaxError{Msg: se.Msg, Line: line}, "edxml: malformed XML at line %d: %s", line, se.Msg)
			}
			// Not a syntax error: a declared encoding other than UTF-8 (the
			// decoder has no CharsetReader), which the message must name.
			return workflow.Wrap(workflow.EINVALID, err, "edxml: malformed XML: %v (packages are UTF-8)", err)
		}
		if err := sc.token(tok, offset); err != nil {
			return err
		}
	}
	if len(sc.stack) > 0 {
		return sc.malformed("unexpected end of input inside <%s>", rawName(sc.stack[len(sc.stack)-1].name))
	}
	if sc.roots == 0 {
		return workflow.Errorf(workflow.EINVALID, "edxml: no root element")
	}
	return nil
}

// openPackage skips a UTF-8 byte order mark and refuses an empty package
// or one that does not start with markup.
func openPackage(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, workflow.Wrap(workflow.EINVALID, err, "edxml: reading package")
	}
	if bytes.Equal(head, []byte("\xef\xbb\xbf")) {
		br.Discard(3) // UTF-8 byte order mark
	}
	first, _ := br.Peek(16)
	if err := checkOpening(first); err != nil {
		return nil, err
	}
	return br, nil
}

// checkOpening refuses a package whose first bytes (after a byte order
// mark; 16 of them) are none or do not start with markup.
func checkOpening(first []byte) error {
	if len(first) == 0 {
		return workflow.Errorf(workflow.EINVALID, "edxml: empty package")
	}
	if bytes.HasPrefix(first, []byte("\xff\xfe")) || bytes.HasPrefix(first, []byte("\xfe\xff")) {
		return workflow.Errorf(workflow.EINVALID, "edxml: the package is UTF-16 (byte order mark %q); packages are UTF-8", first[:2])
	}
	// The first thing that is not white space must be markup. (White space
	// before an XML declaration is refused below, by the declaration's offset.)
	if trimmed := bytes.TrimLeft(first, " \t\r\n"); len(trimmed) > 0 && trimmed[0] != '<' {
		return workflow.Errorf(workflow.EINVALID,
			"edxml: malformed XML: %q before the XML declaration or root element (the package must start with '<')", first)
	}
	return nil
}

// scanFrame is an open element: its raw name (Space is the prefix) and
// the namespace prefixes it binds.
type scanFrame struct {
	name     xml.Name
	ns       string // the namespace name resolves to
	bindings map[string]string
}

// scanner is the state of scan's walk over the tokens.
type scanner struct {
	d                              *xml.Decoder
	lim                            Limits
	stack                          []scanFrame
	roots, attachments, references int
	res                            scanResult
	// skip, when set, is the package in memory the decoder reads: the
	// scanner then steps over the base64 text of attachments (see
	// skipEncoded) instead of tokenising it.
	skip  *packageReader
	after bool // the last token was a start tag whose text was stepped over
}

// lookup resolves a prefix ("" = default namespace) in the current scope.
func (s *scanner) lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return "http://www.w3.org/XML/1998/namespace", true
	case "xmlns":
		return "http://www.w3.org/2000/xmlns/", true
	}
	for i := len(s.stack) - 1; i >= 0; i-- {
		if ns, ok := s.stack[i].bindings[prefix]; ok {
			return ns, true
		}
	}
	if prefix == "" {
		return "", true
	}
	return "", false
}

func (s *scanner) malformed(format string, args ...any) error {
	line, col := s.position(s.d.InputPos())
	return workflow.Errorf(workflow.EINVALID, "edxml: malformed XML at line %d, column %d: %s",
		line, col, fmt.Sprintf(format, args...))
}

// token checks one raw token, read at offset.
func (s *scanner) token(tok xml.Token, offset int64) error {
	if s.after {
		s.after = false
		if _, ok := tok.(xml.EndElement); !ok {
			s.skip.mixed = true // more than text in the element: see readPackage
		}
	}
	switch t := tok.(type) {
	case xml.ProcInst:
		if strings.EqualFold(t.Target, "xml") && offset != 0 {
			return s.malformed("the XML declaration must come first in the package")
		}
	case xml.Directive:
		return s.malformed("DTDs and other <!...> declarations are not accepted")
	case xml.CharData:
		if len(s.stack) == 0 && len(bytes.TrimSpace(t)) > 0 {
			return s.malformed("text %q outside the root element", abbreviate(string(t), 16))
		}
	case xml.StartElement:
		return s.start(t)
	case xml.EndElement:
		if len(s.stack) == 0 {
			return s.malformed("unexpected end tag </%s>", rawName(t.Name))
		}
		top := s.stack[len(s.stack)-1]
		if top.name != t.Name {
			return s.malformed("end tag </%s> does not match <%s>", rawName(t.Name), rawName(top.name))
		}
		s.stack = s.stack[:len(s.stack)-1]
	}
	return nil
}

// start checks a start tag: one root, depth, namespace declarations and
// their use, the root's name, and counts signatures and attachments.
func (s *scanner) start(t xml.StartElement) error {
	if len(s.stack) == 0 {
		s.roots++
		if s.roots > 1 {
			return s.malformed("more than one root element")
		}
	}
	if len(s.stack) >= s.lim.MaxDepth {
		return s.malformed("elements nested deeper than %d levels", s.lim.MaxDepth)
	}
	f := scanFrame{name: t.Name}
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			if f.bindings == nil {
				f.bindings = map[string]string{}
			}
			f.bindings[""] = a.Value
		case a.Name.Space == "xmlns":
			if a.Value == "" {
				return s.malformed("namespace prefix %q bound to an empty name", a.Name.Local)
			}
			if f.bindings == nil {
				f.bindings = map[string]string{}
			}
			f.bindings[a.Name.Local] = a.Value
		}
	}
	s.stack = append(s.stack, f)
	ns, ok := s.lookup(t.Name.Space)
	if !ok {
		return s.malformed("namespace prefix %q of <%s> is not declared", t.Name.Space, rawName(t.Name))
	}
	s.stack[len(s.stack)-1].ns = ns
	for _, a := range t.Attr {
		if a.Name.Space == "" || a.Name.Space == "xmlns" {
			continue
		}
		if _, ok := s.lookup(a.Name.Space); !ok {
			return s.malformed("namespace prefix %q of attribute %s on <%s> is not declared",
				a.Name.Space, rawName(a.Name), rawName(t.Name))
		}
	}
	if len(s.stack) == 1 && (t.Name.Local != "edXML" || ns != Namespace) {
		return workflow.Errorf(workflow.EINVALID,
			"edxml: root element is <%s> in namespace %q, want <edXML> in %q", rawName(t.Name), ns, Namespace)
	}
	switch {
	case ns == dsigNamespace && t.Name.Local == "Signature":
		s.res.signed = true
	case ns == Namespace && t.Name.Local == "Attachment" && len(s.stack) == 3:
		s.attachments++
	case ns == Namespace && t.Name.Local == "Reference" && len(s.stack) == 5 && s.stack[3].name.Local == "edXMLManifest":
		s.references++ // edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference
	}
	if s.attachments > s.lim.MaxAttachments || s.references > s.lim.MaxAttachments {
		return workflow.Errorf(workflow.ETOOLARGE, "edxml: more than %d attachments", s.lim.MaxAttachments)
	}
	if s.skip != nil && s.encodedElement() {
		s.after = s.skip.skipEncoded(s.d.InputPos())
	}
	return nil
}

// encodedElement reports whether the element just opened is an
// attachment's base64 text: edXML/AttachmentEncoded/Attachment/
// ContentTransferEncoded, every one in the edXML namespace.
func (s *scanner) encodedElement() bool {
	if len(s.stack) != 4 {
		return false
	}
	for i, local := range [...]string{"edXML", "AttachmentEncoded", "Attachment", "ContentTransferEncoded"} {
		if f := s.stack[i]; f.ns != Namespace || f.name.Local != local {
			return false
		}
	}
	return true
}

// position is line and col (as the decoder counts them, without the
// bytes the scanner stepped over) in the package as received.
func (s *scanner) position(line, col int) (int, int) {
	if s.skip == nil || len(s.skip.texts) == 0 {
		return line, col
	}
	return s.skip.position(line, col)
}

func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func abbreviate(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
