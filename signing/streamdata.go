package signing

import (
	"bufio"
	"bytes"
	"compress/lzw"
	"compress/zlib"
	"encoding/ascii85"
	"io"
	"strconv"
	"strings"

	"github.com/digitorus/pdf"
	tifflzw "golang.org/x/image/tiff/lzw"
)

// Streams the PDF library cannot decode. It decodes ASCII85Decode with
// encoding/ascii85, which takes the filter's end-of-data marker "~>"
// (ISO 32000-1 7.4.3: every such stream ends with it) for bad data and
// returns nothing: FOP's filterList "ascii-85", PostScript converters
// and PDF/A tools that keep streams 7-bit write page content so. It has
// no LZWDecode (7.4.4: Acrobat before 5, old Distiller and PDFMaker
// versions, TIFF converters, and the documents of the 1990s an archive
// scans in) and no RunLengthDecode (7.4.5). Pages written with those
// read as if they had no text. streamData decodes a stream whose chain
// has one of them from the file's bytes itself; the others are the
// library's.

// streamData returns a reader of stream s of the file src (the bytes the
// reader was made from; nil: the library's decoding only).
func streamData(s pdf.Value, src []byte) io.ReadCloser {
	filters := filterNames(s.Key("Filter"))
	if src == nil || !needsOwnDecoding(filters) {
		return s.Reader()
	}
	raw, ok := rawStream(s, src)
	if !ok {
		return s.Reader()
	}
	rd, ok := decodeChain(raw, filters, s.Key("DecodeParms"))
	if !ok {
		return s.Reader()
	}
	return io.NopCloser(rd)
}

// streamBytes is streamData read whole, at most limit bytes.
func streamBytes(s pdf.Value, src []byte, limit int64) []byte {
	rc := streamData(s, src)
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, limit))
	return b
}

// filterNames lists a stream's /Filter: one name or an array of them.
func filterNames(f pdf.Value) []string {
	if f.Kind() == pdf.Name {
		return []string{f.Name()}
	}
	var out []string
	for i := 0; i < f.Len(); i++ {
		out = append(out, f.Index(i).Name())
	}
	return out
}

func needsOwnDecoding(filters []string) bool {
	for _, f := range filters {
		switch f {
		case "ASCII85Decode", "A85", "LZWDecode", "LZW", "RunLengthDecode", "RL":
			return true
		}
	}
	return false
}

// rawStream returns stream s's bytes as they are in src. The library
// keeps a stream's offset to itself; its text form ends with it
// ("<<…>>@1234").
func rawStream(s pdf.Value, src []byte) ([]byte, bool) {
	str := s.String()
	at := strings.LastIndexByte(str, '@')
	if at < 0 {
		return nil, false
	}
	off, err := strconv.ParseInt(str[at+1:], 10, 64)
	n := s.Key("Length").Int64()
	if err != nil || off < 0 || n < 0 || off > int64(len(src)) || n > int64(len(src))-off {
		return nil, false
	}
	return src[off : off+n], true
}

// decodeChain applies filters to raw when each is one of those content,
// CMaps and fonts are written with: the ASCII ones first (ASCII85Decode,
// ASCIIHexDecode), then FlateDecode or LZWDecode without a predictor,
// RunLengthDecode; false for any other chain, which is left to the
// library. The abbreviations of inline images (8.9.7) are taken too.
func decodeChain(raw []byte, filters []string, parms pdf.Value) (io.Reader, bool) {
	var rd io.Reader = bytes.NewReader(raw)
	for i, f := range filters {
		p := parms
		if parms.Kind() == pdf.Array {
			p = parms.Index(i)
		}
		switch {
		case (f == "ASCII85Decode" || f == "A85") && i == 0:
			rd = ascii85.NewDecoder(bytes.NewReader(ascii85Data(raw)))
		case (f == "ASCIIHexDecode" || f == "AHx") && i == 0:
			rd = bytes.NewReader(asciiHexData(raw))
		case p.Key("Predictor").Int64() > 1:
			return nil, false
		case f == "FlateDecode" || f == "Fl":
			zr, err := zlib.NewReader(rd)
			if err != nil {
				return nil, false
			}
			rd = zr
		case f == "LZWDecode" || f == "LZW":
			rd = lzwReader(rd, p)
		case f == "RunLengthDecode" || f == "RL":
			rd = &runLengthReader{r: bufio.NewReader(rd)}
		default:
			return nil, false
		}
	}
	return rd, true
}

// lzwReader decodes LZWDecode data (7.4.4): codes of 9 to 12 bits, most
// significant bit first. With /EarlyChange 1, the default, the code
// width grows one code early, as TIFF's LZW does; with 0 as GIF's does.
func lzwReader(rd io.Reader, parms pdf.Value) io.Reader {
	if ec := parms.Key("EarlyChange"); ec.Kind() == pdf.Integer && ec.Int64() == 0 {
		return lzw.NewReader(rd, lzw.MSB, 8)
	}
	return tifflzw.NewReader(rd, tifflzw.MSB, 8)
}

// runLengthReader decodes RunLengthDecode data (7.4.5): a length byte n,
// then n+1 bytes to copy (n < 128) or one byte to repeat 257-n times
// (n > 128); 128 ends the data.
type runLengthReader struct {
	r     *bufio.Reader
	copyN int  // literal bytes left of the current run
	repN  int  // repeats left of b
	b     byte // the byte repeated
	atEOD bool
}

func (r *runLengthReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		switch {
		case r.repN > 0:
			p[n] = r.b
			r.repN--
			n++
		case r.copyN > 0:
			c, err := r.r.ReadByte()
			if err != nil {
				return n, io.ErrUnexpectedEOF
			}
			p[n] = c
			r.copyN--
			n++
		case r.atEOD:
			return n, io.EOF
		default:
			if err := r.next(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// next reads the length byte of the next run.
func (r *runLengthReader) next() error {
	l, err := r.r.ReadByte()
	if err == io.EOF || err == nil && l == 128 {
		r.atEOD = true
		return nil
	}
	if err != nil {
		return err
	}
	if l < 128 {
		r.copyN = int(l) + 1
		return nil
	}
	c, err := r.r.ReadByte()
	if err != nil {
		return io.ErrUnexpectedEOF
	}
	r.b, r.repN = c, 257-int(l)
	return nil
}

// asciiHexData decodes ASCIIHexDecode data (7.4.2): white space is left
// out, ">" ends it, an odd last digit is followed by 0; other characters
// end the data too (what came before is kept).
func asciiHexData(raw []byte) []byte {
	out := make([]byte, 0, len(raw)/2)
	var hi byte
	odd := false
	for _, c := range raw {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0:
			continue
		default:
			if odd {
				out = append(out, hi<<4)
			}
			return out
		}
		if odd {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		odd = !odd
	}
	if odd {
		out = append(out, hi<<4)
	}
	return out
}

// ascii85Data is the encoded part of an ASCII85 stream: without the
// leading "<~" some writers put and from the end marker "~>" on ('~' is
// no base-85 digit).
func ascii85Data(raw []byte) []byte {
	raw = bytes.TrimLeft(raw, " \t\r\n\f\x00")
	raw = bytes.TrimPrefix(raw, []byte("<~"))
	if i := bytes.IndexByte(raw, '~'); i >= 0 {
		raw = raw[:i]
	}
	return raw
}
