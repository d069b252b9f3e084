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
	var res scanResult
	br := bufio.NewReader(r)
	head, err := br.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) {
		return res, workflow.Wrap(workflow.EINVALID, err, "edxml: reading package")
	}
	if bytes.Equal(head, []byte("\xef\xbb\xbf")) {
		br.Discard(3) // UTF-8 byte order mark
	}
	first, _ := br.Peek(16)
	if len(first) == 0 {
		return res, workflow.Errorf(workflow.EINVALID, "edxml: empty package")
	}
	// The first thing that is not white space must be markup. (White space
	// before an XML declaration is refused below, by the declaration's offset.)
	if trimmed := bytes.TrimLeft(first, " \t\r\n"); len(trimmed) > 0 && trimmed[0] != '<' {
		return res, workflow.Errorf(workflow.EINVALID,
			"edxml: malformed XML: %q before the XML declaration or root element (the package must start with '<')", first)
	}
	d := xml.NewDecoder(br)
	d.Strict = true

	type frame struct {
		name     xml.Name // raw: Space is the prefix
		bindings map[string]string
	}
	var stack []frame
	// lookup resolves a prefix ("" = default namespace) in the current scope.
	lookup := func(prefix string) (string, bool) {
		switch prefix {
		case "xml":
			return "http://www.w3.org/XML/1998/namespace", true
		case "xmlns":
			return "http://www.w3.org/2000/xmlns/", true
		}
		for i := len(stack) - 1; i >= 0; i-- {
			if ns, ok := stack[i].bindings[prefix]; ok {
				return ns, true
			}
		}
		if prefix == "" {
			return "", true
		}
		return "", false
	}
	malformed := func(format string, args ...any) error {
		line, col := d.InputPos()
		return workflow.Errorf(workflow.EINVALID, "edxml: malformed XML at line %d, column %d: %s",
			line, col, fmt.Sprintf(format, args...))
	}

	roots, attachments, references := 0, 0, 0
	for {
		offset := d.InputOffset()
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return res, workflow.Wrap(workflow.EINVALID, err, "edxml: malformed XML at line %d: %s", se.Line, se.Msg)
			}
			return res, workflow.Wrap(workflow.EINVALID, err, "edxml: malformed XML")
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			if strings.EqualFold(t.Target, "xml") && offset != 0 {
				return res, malformed("the XML declaration must come first in the package")
			}
		case xml.Directive:
			return res, malformed("DTDs and other <!...> declarations are not accepted")
		case xml.CharData:
			if len(stack) == 0 && len(bytes.TrimSpace(t)) > 0 {
				return res, malformed("text %q outside the root element", abbreviate(string(t), 16))
			}
		case xml.StartElement:
			if len(stack) == 0 {
				roots++
				if roots > 1 {
					return res, malformed("more than one root element")
				}
			}
			if len(stack) >= lim.MaxDepth {
				return res, malformed("elements nested deeper than %d levels", lim.MaxDepth)
			}
			f := frame{name: t.Name}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					if f.bindings == nil {
						f.bindings = map[string]string{}
					}
					f.bindings[""] = a.Value
				case a.Name.Space == "xmlns":
					if a.Value == "" {
						return res, malformed("namespace prefix %q bound to an empty name", a.Name.Local)
					}
					if f.bindings == nil {
						f.bindings = map[string]string{}
					}
					f.bindings[a.Name.Local] = a.Value
				}
			}
			stack = append(stack, f)
			ns, ok := lookup(t.Name.Space)
			if !ok {
				return res, malformed("namespace prefix %q of <%s> is not declared", t.Name.Space, rawName(t.Name))
			}
			for _, a := range t.Attr {
				if a.Name.Space == "" || a.Name.Space == "xmlns" {
					continue
				}
				if _, ok := lookup(a.Name.Space); !ok {
					return res, malformed("namespace prefix %q of attribute %s on <%s> is not declared",
						a.Name.Space, rawName(a.Name), rawName(t.Name))
				}
			}
			if len(stack) == 1 && (t.Name.Local != "edXML" || ns != Namespace) {
				return res, workflow.Errorf(workflow.EINVALID,
					"edxml: root element is <%s> in namespace %q, want <edXML> in %q", rawName(t.Name), ns, Namespace)
			}
			switch {
			case ns == dsigNamespace && t.Name.Local == "Signature":
				res.signed = true
			case ns == Namespace && t.Name.Local == "Attachment" && len(stack) == 3:
				attachments++
			case ns == Namespace && t.Name.Local == "Reference" && len(stack) == 5 && stack[3].name.Local == "edXMLManifest":
				references++ // edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference
			}
			if attachments > lim.MaxAttachments || references > lim.MaxAttachments {
				return res, workflow.Errorf(workflow.ETOOLARGE, "edxml: more than %d attachments", lim.MaxAttachments)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				return res, malformed("unexpected end tag </%s>", rawName(t.Name))
			}
			top := stack[len(stack)-1]
			if top.name != t.Name {
				return res, malformed("end tag </%s> does not match <%s>", rawName(t.Name), rawName(top.name))
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return res, malformed("unexpected end of input inside <%s>", rawName(stack[len(stack)-1].name))
	}
	if roots == 0 {
		return res, workflow.Errorf(workflow.EINVALID, "edxml: no root element")
	}
	return res, nil
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
