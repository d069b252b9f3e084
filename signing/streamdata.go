package signing

import (
	"bytes"
	"compress/zlib"
	"encoding/ascii85"
	"io"
	"strconv"
	"strings"

	"github.com/digitorus/pdf"
)

// Streams written with ASCII85Decode. The PDF library decodes that filter
// with encoding/ascii85, which takes the filter's end-of-data marker "~>"
// (ISO 32000-1 7.4.3: every such stream ends with it) for bad data and
// returns nothing: FOP's filterList "ascii-85", PostScript converters
// and PDF/A tools that keep streams 7-bit write page content so, and
// those pages read as if they had no text. streamData decodes such a
// stream from the file's bytes itself; the others are the library's.

// streamData returns a reader of stream s of the file src (the bytes the
// reader was made from; nil: the library's decoding only).
func streamData(s pdf.Value, src []byte) io.ReadCloser {
	filters := filterNames(s.Key("Filter"))
	if src == nil || !hasASCII85(filters) {
		return s.Reader()
	}
	raw, ok := rawStream(s, src)
	if !ok {
		return s.Reader()
	}
	rd, ok := decodeASCII85Chain(raw, filters, s.Key("DecodeParms"))
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

func hasASCII85(filters []string) bool {
	for _, f := range filters {
		if f == "ASCII85Decode" {
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

// decodeASCII85Chain applies filters to raw when each is ASCII85Decode or
// FlateDecode without a predictor (what content, CMaps and fonts are
// written with); false for any other chain, which is left to the library.
func decodeASCII85Chain(raw []byte, filters []string, parms pdf.Value) (io.Reader, bool) {
	var rd io.Reader = bytes.NewReader(raw)
	for i, f := range filters {
		p := parms
		if parms.Kind() == pdf.Array {
			p = parms.Index(i)
		}
		switch {
		case f == "ASCII85Decode" && i == 0:
			rd = ascii85.NewDecoder(bytes.NewReader(ascii85Data(raw)))
		case f == "FlateDecode" && p.Key("Predictor").Int64() <= 1:
			zr, err := zlib.NewReader(rd)
			if err != nil {
				return nil, false
			}
			rd = zr
		default:
			return nil, false
		}
	}
	return rd, true
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
