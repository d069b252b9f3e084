package signing

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/digitorus/pdf"
)

// An incremental update written by us (not by pdfsign): the long-term
// validation data (/DSS) and the document time-stamp. The update is built
// in memory — it holds only the new objects, a few kilobytes — and is
// appended to the file, which is read through an io.ReaderAt and never
// copied.

// incUpdate collects the objects of one incremental update appended to a
// file of base bytes.
type incUpdate struct {
	rdr     *pdf.Reader
	base    int64 // size of the file before the update: offset of buf[0]
	buf     bytes.Buffer
	offsets map[uint32]int64 // object number -> absolute offset
	gens    map[uint32]int
	frees   map[uint32]int // object number -> generation, listed free
	next    uint32         // next unused object number
}

// newIncUpdate starts an update to the file r (size bytes), read by rdr.
func newIncUpdate(r io.ReaderAt, size int64, rdr *pdf.Reader) (*incUpdate, error) {
	u := &incUpdate{rdr: rdr, base: size, offsets: map[uint32]int64{}, gens: map[uint32]int{}, frees: map[uint32]int{}}
	n := rdr.Trailer().Key("Size").Int64()
	if n <= 0 {
		return nil, fmt.Errorf("the trailer has no /Size")
	}
	u.next = uint32(n)
	// Start on a new line after %%EOF.
	if size > 0 {
		last := make([]byte, 1)
		if _, err := r.ReadAt(last, size-1); err != nil {
			return nil, err
		}
		if last[0] != '\n' && last[0] != '\r' {
			u.buf.WriteByte('\n')
		}
	}
	return u, nil
}

// alloc reserves a new object number.
func (u *incUpdate) alloc() uint32 {
	n := u.next
	u.next++
	return n
}

// put writes object num (generation gen) with the given body.
func (u *incUpdate) put(num uint32, gen int, body string) {
	u.offsets[num] = u.base + int64(u.buf.Len())
	u.gens[num] = gen
	fmt.Fprintf(&u.buf, "%d %d obj\n%s\nendobj\n", num, gen, body)
}

// free lists object num as free, with generation gen (the next one a
// writer that reuses the number would give it).
func (u *incUpdate) free(num uint32, gen int) { u.frees[num] = gen }

// entries is every object number the update lists, in order.
func (u *incUpdate) entries() []uint32 {
	nums := slices.Collect(mapKeys(u.offsets))
	for n := range u.frees {
		if _, put := u.offsets[n]; !put {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	return nums
}

// add writes a new object and returns its number.
func (u *incUpdate) add(body string) uint32 {
	n := u.alloc()
	u.put(n, 0, body)
	return n
}

// addStream writes a new stream object holding data.
func (u *incUpdate) addStream(data []byte) uint32 { return u.addStreamDict("", data) }

// addStreamDict writes a new stream object holding data, with the
// dictionary entries entries ("/Type /XObject ...") beside its /Length.
func (u *incUpdate) addStreamDict(entries string, data []byte) uint32 {
	n := u.alloc()
	u.offsets[n] = u.base + int64(u.buf.Len())
	u.gens[n] = 0
	if entries != "" {
		entries += " "
	}
	fmt.Fprintf(&u.buf, "%d 0 obj\n<< %s/Length %d >>\nstream\n", n, entries, len(data))
	u.buf.Write(data)
	u.buf.WriteString("\nendstream\nendobj\n")
	return n
}

// finish writes the cross-reference section and trailer in the form the
// file's newest section has (a table or a stream), with /Prev pointing to
// it, and the new startxref.
func (u *incUpdate) finish() error {
	tr := u.rdr.Trailer()
	root := tr.Key("Root").GetPtr()
	if root.GetID() == 0 {
		return fmt.Errorf("the trailer has no /Root")
	}
	extra := fmt.Sprintf(" /Root %d %d R /Prev %d", root.GetID(), root.GetGen(), u.rdr.XrefInformation.StartPos)
	if info := tr.Key("Info").GetPtr(); info.GetID() != 0 && !tr.Key("Info").IsNull() {
		extra += fmt.Sprintf(" /Info %d %d R", info.GetID(), info.GetGen())
	}
	if id := tr.Key("ID"); id.Kind() == pdf.Array && id.Len() == 2 {
		extra += fmt.Sprintf(" /ID [<%s> <%s>]", hex.EncodeToString([]byte(id.Index(0).RawString())), hex.EncodeToString([]byte(id.Index(1).RawString())))
	}
	if u.rdr.XrefInformation.Type == "stream" {
		return u.finishStream(extra)
	}
	nums := u.entries()
	if len(nums) == 0 {
		// An update that writes no object (only a trailer of our own:
		// trailerUneditable) lists object 0, the head of the free list, as
		// incremental updates commonly do: a section without a subsection
		// is invalid syntax to qpdf.
		u.free(0, 65535)
		nums = []uint32{0}
	}
	xref := u.base + int64(u.buf.Len())
	u.buf.WriteString("xref\n")
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		fmt.Fprintf(&u.buf, "%d %d\n", nums[i], j-i+1)
		for _, n := range nums[i : j+1] {
			if g, free := u.frees[n]; free && u.offsets[n] == 0 {
				fmt.Fprintf(&u.buf, "%010d %05d f\r\n", 0, g)
			} else {
				fmt.Fprintf(&u.buf, "%010d %05d n\r\n", u.offsets[n], u.gens[n])
			}
		}
		i = j + 1
	}
	fmt.Fprintf(&u.buf, "trailer\n<< /Size %d%s >>\nstartxref\n%d\n%%%%EOF\n", u.next, extra, xref)
	return nil
}

func (u *incUpdate) finishStream(extra string) error {
	self := u.alloc()
	xref := u.base + int64(u.buf.Len())
	u.offsets[self] = xref
	u.gens[self] = 0
	nums := u.entries()
	ow := 1
	for v := xref; v > 0xff; v >>= 8 {
		ow++
	}
	var index []string
	var data []byte
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		index = append(index, strconv.Itoa(int(nums[i])), strconv.Itoa(j-i+1))
		for _, n := range nums[i : j+1] {
			typ, off, gen := byte(1), u.offsets[n], u.gens[n]
			if g, free := u.frees[n]; free && u.offsets[n] == 0 {
				typ, off, gen = 0, 0, g
			}
			data = append(data, typ)
			for k := ow - 1; k >= 0; k-- {
				data = append(data, byte(off>>(8*k)))
			}
			data = append(data, byte(gen>>8), byte(gen))
		}
		i = j + 1
	}
	fmt.Fprintf(&u.buf, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 %d 2] /Index [%s]%s /Length %d >>\nstream\n",
		self, u.next, ow, strings.Join(index, " "), extra, len(data))
	u.buf.Write(data)
	fmt.Fprintf(&u.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return nil
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// pdfValue writes v as PDF syntax. Values held in another object than
// container are written as references; direct values are written out.
func pdfValue(w *strings.Builder, v pdf.Value, container uint32) {
	pdfValueAt(w, v, &holder{id: container}, 0)
}

// pdfValueIn is pdfValue for a value held in object in, which a value
// inside it may refer to (written as a reference, not as a copy of in).
func pdfValueIn(w *strings.Builder, v pdf.Value, in pdf.Value) {
	pdfValueAt(w, v, &holder{id: in.GetPtr().GetID(), self: in}, 0)
}

// holder is the object the values being written are held in. The parser
// resolves a reference as it reads it, so a reference to the holder itself
// (a page's action that goes to the page, a catalog entry naming the
// catalog) looks like a direct value; with self known, such a value is
// told by being the holder (a direct value inside it is a strict part of
// it, never equal to it) and written as the reference it is.
type holder struct {
	id      uint32
	self    pdf.Value // the holder, when known
	keys    int       // how many entries self has, once needed (0: not yet)
	printed string    // self as the parser prints it, once needed
	// refs, when set, writes a reference to another object (v) or a null
	// read with an error (v.Err()): the extractor (extract.go) numbers the
	// objects it copies anew. Unset: the reference as it is in the file.
	refs func(v pdf.Value) string
}

// refersToSelf says whether v, a value with the holder's object number,
// is the holder itself.
func (h *holder) refersToSelf(v pdf.Value) bool {
	if h.self.Kind() != pdf.Dict || v.Kind() != pdf.Dict {
		return false
	}
	if h.keys == 0 {
		h.keys = len(h.self.Keys())
	}
	if len(v.Keys()) != h.keys {
		return false
	}
	if h.printed == "" {
		h.printed = h.self.String()
	}
	return v.String() == h.printed
}

// maxWriteDepth bounds how deep pdfValue writes values inside one another.
// A value that refers to its container itself, unless the container is
// known (pdfValueIn, pdfDict), looks like a direct one and would be
// written inside itself for ever: a stack overflow kills the process, and
// no recover catches it. Past the bound the write panics instead, which
// the signing entry points (safely) and repairForEngine answer with an
// error. checkPagesRewritable and checkCatalogRewritable refuse such a
// draft before layer 1 when the engine would not write it back; this is
// the guard for whatever else reaches these writers.
const maxWriteDepth = 64

func pdfValueAt(w *strings.Builder, v pdf.Value, h *holder, depth int) {
	if depth > maxWriteDepth {
		panic(fmt.Sprintf("a value of object %d nests more than %d deep or refers to its own object", h.id, maxWriteDepth))
	}
	if p := v.GetPtr(); p.GetID() != 0 && (p.GetID() != h.id || h.refersToSelf(v)) {
		if h.refs != nil {
			w.WriteString(h.refs(v))
			return
		}
		fmt.Fprintf(w, "%d %d R", p.GetID(), p.GetGen())
		return
	}
	if h.refs != nil && v.Err() != nil {
		w.WriteString(h.refs(v))
		return
	}
	switch v.Kind() {
	case pdf.Null:
		w.WriteString("null")
	case pdf.Bool:
		w.WriteString(strconv.FormatBool(v.Bool()))
	case pdf.Integer:
		w.WriteString(strconv.FormatInt(v.Int64(), 10))
	case pdf.Real:
		// A real stays a real: "1.0" written "1" would be an integer, which
		// some readers refuse where the specification asks for a number
		// (pdfcpu: "validateFloat: invalid type").
		r := strconv.FormatFloat(v.Float64(), 'f', -1, 64)
		if !strings.Contains(r, ".") {
			r += ".0"
		}
		w.WriteString(r)
	case pdf.String:
		w.WriteString("<" + hex.EncodeToString([]byte(v.RawString())) + ">")
	case pdf.Name:
		w.WriteString(pdfName(v.Name()))
	case pdf.Array:
		w.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				w.WriteString(" ")
			}
			pdfValueAt(w, v.Index(i), h, depth+1)
		}
		w.WriteString("]")
	case pdf.Dict:
		pdfDictAt(w, v, h, nil, depth+1)
	default:
		w.WriteString("null")
	}
}

// pdfDict writes dictionary v, held in object container (v itself when it
// is an object of its own), with the entries of set replacing or adding
// to its own (a set value "" drops the key).
func pdfDict(w *strings.Builder, v pdf.Value, container uint32, set map[string]string) {
	pdfDictAt(w, v, &holder{id: container, self: v}, set, 0)
}

func pdfDictAt(w *strings.Builder, v pdf.Value, h *holder, set map[string]string, depth int) {
	w.WriteString("<<")
	for _, k := range v.Keys() {
		if _, over := set[k]; over {
			continue
		}
		w.WriteString(" " + pdfName(k) + " ")
		pdfValueAt(w, v.Key(k), h, depth+1)
	}
	for _, k := range slices.Sorted(mapKeys(set)) {
		if set[k] != "" {
			w.WriteString(" " + pdfName(k) + " " + set[k])
		}
	}
	w.WriteString(" >>")
}

// pdfName writes a name with the characters that need it escaped (#xx).
func pdfName(n string) string {
	var b strings.Builder
	b.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < '!' || c > '~' || strings.IndexByte("()<>[]{}/%#", c) >= 0 {
			fmt.Fprintf(&b, "#%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// readerAtFunc joins a file and the bytes appended to it into one
// io.ReaderAt.
type appended struct {
	r    io.ReaderAt
	size int64
	tail []byte
}

func (a appended) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	if off < a.size {
		k := min(int64(len(p)), a.size-off)
		m, err := a.r.ReadAt(p[:k], off)
		n += m
		if err != nil && !(err == io.EOF && int64(m) == k) {
			return n, err
		}
		off += int64(m)
	}
	if n == len(p) {
		return n, nil
	}
	t := off - a.size
	if t >= int64(len(a.tail)) {
		return n, io.EOF
	}
	m := copy(p[n:], a.tail[t:])
	n += m
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Runs of blanks and of '0' for placeholders, written without making a
// string of the placeholder's length first.
var (
	blanks = strings.Repeat(" ", 64)
	zeros  = strings.Repeat("0", 4096)
)

// copyBuffers are io.CopyBuffer's buffers for hashPrefix.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// hashPrefix writes the first n bytes of r to h.
func hashPrefix(h io.Writer, r io.ReaderAt, n int64) error { return hashRange(h, r, 0, n) }

// hashRange writes the bytes from offset from to offset to of r to h: in
// place when r is a document in memory (docParts, or appended to one),
// else through a pooled buffer.
func hashRange(h io.Writer, r io.ReaderAt, from, to int64) error {
	switch v := r.(type) {
	case docParts:
		var off int64
		for _, p := range v {
			if s, e := max(from, off), min(to, off+int64(len(p))); s < e {
				h.Write(p[s-off : e-off])
			}
			off += int64(len(p))
		}
		if off < to {
			return io.ErrUnexpectedEOF
		}
		return nil
	case appended:
		if from < v.size {
			if err := hashRange(h, v.r, from, min(to, v.size)); err != nil {
				return err
			}
		}
		if to > v.size {
			if to-v.size > int64(len(v.tail)) {
				return io.ErrUnexpectedEOF
			}
			h.Write(v.tail[max(from, v.size)-v.size : to-v.size])
		}
		return nil
	}
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	_, err := io.CopyBuffer(h, io.NewSectionReader(r, from, to-from), *buf)
	return err
}
