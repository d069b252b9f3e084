package signing

import (
	"bytes"
	"encoding/ascii85"
	"fmt"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// ascii85Encode writes data as an ASCII85 stream does: lines of 64
// characters, the end marker "~>" last; open adds the "<~" some writers
// put first.
func ascii85Encode(data []byte, open bool) []byte {
	enc := make([]byte, ascii85.MaxEncodedLen(len(data)))
	enc = enc[:ascii85.Encode(enc, data)]
	var b bytes.Buffer
	if open {
		b.WriteString("<~")
	}
	for len(enc) > 64 {
		b.Write(enc[:64])
		b.WriteByte('\n')
		enc = enc[64:]
	}
	b.Write(enc)
	b.WriteString("~>")
	return b.Bytes()
}

// TestASCII85Streams: the text of a page whose content stream and
// ToUnicode CMap are written with ASCII85Decode (alone or before
// FlateDecode, as FOP's filterList "flate, ascii-85" writes them) is read,
// and DetectLayout finds its signature block. The PDF library decoded
// them to nothing: its ASCII85 decoder refuses the end marker "~>".
func TestASCII85Streams(t *testing.T) {
	content := "BT /F1 12 Tf 72 700 Td (Before) Tj (X) Tj ET\n" +
		"BT /F1 13 Tf 380 220 Td (TM. UY BAN NHAN DAN) Tj ET\nBT /F1 13 Tf 410 204 Td (CHU TICH) Tj ET\n" +
		"BT /F1 13 Tf 395 120 Td (Nguyen Van An) Tj ET\n"
	cmap := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /U def\n" +
		"1 begincodespacerange <00> <FF> endcodespacerange\n2 beginbfchar <58> <1ED0> <41> <0041> endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end"
	cases := []struct {
		name   string
		filter string
		encode func([]byte) []byte
	}{
		{"none", "", func(b []byte) []byte { return b }},
		{"flate", "/Filter /FlateDecode", testpdf.Deflate},
		{"ascii85", "/Filter /ASCII85Decode", func(b []byte) []byte { return ascii85Encode(b, false) }},
		{"ascii85-flate", "/Filter [/ASCII85Decode /FlateDecode]", func(b []byte) []byte { return ascii85Encode(testpdf.Deflate(b), false) }},
		{"ascii85-opened-flate", "/Filter [/ASCII85Decode /FlateDecode] /DecodeParms [null null]", func(b []byte) []byte { return ascii85Encode(testpdf.Deflate(b), true) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := buildPDF("1.7", [][]byte{
				[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
				[]byte("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
				[]byte("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"),
				[]byte(testpdf.Stream(c.filter, c.encode([]byte(content)))),
				[]byte("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>"),
				[]byte(testpdf.Stream(c.filter, c.encode([]byte(cmap)))),
			})
			gs, _, err := pageGlyphs(mustReader(t, in), in, 1, fontCache{})
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			for _, g := range gs {
				text.WriteRune(g.r)
			}
			if !strings.HasPrefix(text.String(), "BeforeỐ") {
				t.Errorf("page text %q, want it to start with %q", text.String(), "BeforeỐ")
			}
			det, err := DetectLayout(in)
			if err != nil || det.Layout.Signature == nil {
				t.Errorf("DetectLayout: signature %v, err %v, notes %s", det.Layout.Signature, err, fmt.Sprint(det.Notes))
			}
		})
	}
}
