package signing

import (
	"bytes"
	"encoding/ascii85"
	"fmt"
	"os/exec"
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
		{"lzw", "/Filter /LZWDecode", func(b []byte) []byte { return lzwEncode(b, true) }},
		{"lzw-early-change-0", "/Filter /LZWDecode /DecodeParms << /EarlyChange 0 >>", func(b []byte) []byte { return lzwEncode(b, false) }},
		{"ascii85-lzw", "/Filter [/ASCII85Decode /LZWDecode]", func(b []byte) []byte { return ascii85Encode(lzwEncode(b, true), false) }},
		{"asciihex-lzw", "/Filter [/ASCIIHexDecode /LZWDecode]", func(b []byte) []byte { return []byte(fmt.Sprintf("%X>", lzwEncode(b, true))) }},
		{"runlength", "/Filter /RunLengthDecode", runLengthEncode},
		// Long enough for 10, 11 and 12-bit codes and a table cleared.
		{"lzw-long", "/Filter /LZWDecode", func(b []byte) []byte { return lzwEncode(padComments(b), true) }},
		{"lzw-long-early-change-0", "/Filter /LZWDecode /DecodeParms << /EarlyChange 0 >>", func(b []byte) []byte { return lzwEncode(padComments(b), false) }},
		{"runlength-long", "/Filter /RunLengthDecode", func(b []byte) []byte { return runLengthEncode(padComments(b)) }},
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
			// poppler reads what the test wrote (not the "<~" some writers
			// put first, which it takes for bad data)
			if _, err := exec.LookPath("pdftotext"); err == nil && c.name != "ascii85-opened-flate" {
				out, err := run(t, "pdftotext", writeTemp(t, "in.pdf", in), "-")
				if err != nil || !strings.Contains(out, "BeforeỐ") {
					t.Fatalf("pdftotext: %q, %v", out, err)
				}
			}
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

// lzwEncode writes data as LZWDecode's codes (ISO 32000-1 7.4.4.2): a
// clear-table code first, codes 9 to 12 bits wide, most significant bit
// first, the width growing one code early when early is set (the
// default /EarlyChange 1), EOD last.
func lzwEncode(data []byte, early bool) []byte {
	const clearCode, eod = 256, 257
	var out []byte
	var acc uint32
	var nacc uint
	width := uint(9)
	put := func(code int) {
		acc = acc<<width | uint32(code)
		for nacc += width; nacc >= 8; nacc -= 8 {
			out = append(out, byte(acc>>(nacc-8)))
		}
	}
	table := map[string]int{}
	next := 258
	reset := func() {
		clear(table)
		next, width = 258, 9
	}
	put(clearCode)
	w := ""
	for _, c := range data {
		wc := w + string(c)
		if _, ok := table[wc]; ok || len(wc) == 1 {
			w = wc
			continue
		}
		put(code(table, w))
		table[wc] = next
		next++
		limit := next
		if early {
			limit++
		}
		if limit > 1<<width {
			width++
		}
		if next >= 4094 {
			put(clearCode)
			reset()
		}
		w = string(c)
	}
	if w != "" {
		put(code(table, w))
	}
	put(eod)
	if nacc > 0 {
		out = append(out, byte(acc<<(8-nacc)))
	}
	return out
}

// code is w's code: its byte for one byte, its table entry otherwise.
func code(table map[string]int, w string) int {
	if len(w) == 1 {
		return int(w[0])
	}
	return table[w]
}

// runLengthEncode writes data as RunLengthDecode's runs (7.4.5): repeats
// of three or more bytes as one run, the rest as literal runs of at most
// 128 bytes, 128 last.
func runLengthEncode(data []byte) []byte {
	var out []byte
	for i := 0; i < len(data); {
		j := i
		for j < len(data) && j-i < 128 && data[j] == data[i] {
			j++
		}
		if j-i >= 3 {
			out = append(out, byte(257-(j-i)), data[i])
			i = j
			continue
		}
		j = i
		for j < len(data) && j-i < 128 && !(j+2 < len(data) && data[j] == data[j+1] && data[j] == data[j+2]) {
			j++
		}
		out = append(out, byte(j-i-1))
		out = append(out, data[i:j]...)
		i = j
	}
	return append(out, 128)
}

// padComments adds to content comment lines of varied digits and runs of
// one byte: 40 KB that draw nothing.
func padComments(content []byte) []byte {
	b := bytes.NewBuffer(append([]byte(nil), content...))
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(b, "%% %d %x %s\n", i*7919%10007, i*i, strings.Repeat("-", i%9))
	}
	return b.Bytes()
}
