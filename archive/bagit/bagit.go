// Package bagit writes BagIt packages (RFC 8493, version 1.0) as a
// streamed zip: one top-level directory named after the bag holding
// bagit.txt, data/ (the payload), manifest-sha256.txt, bag-info.txt and
// tagmanifest-sha256.txt. Payload files are hashed while they are
// written, so nothing is held in memory.
package bagit

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"
)

// Writer writes one bag into a zip stream.
type Writer struct {
	zw       *zip.Writer
	root     string
	modified time.Time
	manifest []line // payload
	files    int64
	bytes    int64
	closed   bool
}

type line struct{ sum, name string }

// NewWriter starts a bag named root (the zip's top-level directory);
// modified is the time stamped on every entry.
func NewWriter(w io.Writer, root string, modified time.Time) *Writer {
	return &Writer{zw: zip.NewWriter(w), root: strings.Trim(root, "/"), modified: modified}
}

// AddFile copies r into data/name and returns its SHA-256 and size.
func (b *Writer) AddFile(name string, r io.Reader) (string, int64, error) {
	name = path.Clean(strings.TrimPrefix(name, "/"))
	if name == "." || strings.HasPrefix(name, "../") || strings.ContainsAny(name, "\r\n\\") {
		return "", 0, fmt.Errorf("bagit: bad payload name %q", name)
	}
	rel := "data/" + name
	w, err := b.zw.CreateHeader(&zip.FileHeader{Name: b.root + "/" + rel, Method: zip.Deflate, Modified: b.modified})
	if err != nil {
		return "", 0, fmt.Errorf("bagit: %s: %w", rel, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), r)
	if err != nil {
		return "", n, fmt.Errorf("bagit: %s: %w", rel, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	b.manifest = append(b.manifest, line{sum, rel})
	b.files++
	b.bytes += n
	return sum, n, nil
}

// Info is bag-info.txt: label-value pairs in order. Payload-Oxum and
// Bagging-Date are added by Close.
type Info [][2]string

// Close writes the tag files (bagit.txt, manifest-sha256.txt,
// bag-info.txt, tagmanifest-sha256.txt) and finishes the zip.
func (b *Writer) Close(info Info) error {
	if b.closed {
		return nil
	}
	b.closed = true
	var tags []line
	put := func(name string, content []byte) error {
		w, err := b.zw.CreateHeader(&zip.FileHeader{Name: b.root + "/" + name, Method: zip.Deflate, Modified: b.modified})
		if err != nil {
			return fmt.Errorf("bagit: %s: %w", name, err)
		}
		if _, err := w.Write(content); err != nil {
			return fmt.Errorf("bagit: %s: %w", name, err)
		}
		s := sha256.Sum256(content)
		tags = append(tags, line{hex.EncodeToString(s[:]), name})
		return nil
	}
	if err := put("bagit.txt", []byte("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")); err != nil {
		return err
	}
	if err := put("manifest-sha256.txt", manifest(b.manifest)); err != nil {
		return err
	}
	var bi bytes.Buffer
	for _, kv := range info {
		fmt.Fprintf(&bi, "%s: %s\n", kv[0], strings.ReplaceAll(kv[1], "\n", " "))
	}
	fmt.Fprintf(&bi, "Bagging-Date: %s\n", b.modified.Format("2006-01-02"))
	fmt.Fprintf(&bi, "Payload-Oxum: %d.%d\n", b.bytes, b.files)
	if err := put("bag-info.txt", bi.Bytes()); err != nil {
		return err
	}
	if err := put("tagmanifest-sha256.txt", manifest(tags)); err != nil {
		return err
	}
	return b.zw.Close()
}

// manifest formats "checksum path" lines (two spaces, as sha256sum),
// sorted by path; paths percent-encode CR, LF and '%' (RFC 8493 §2.1.3).
func manifest(ls []line) []byte {
	sort.Slice(ls, func(i, j int) bool { return ls[i].name < ls[j].name })
	enc := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	var buf bytes.Buffer
	for _, l := range ls {
		fmt.Fprintf(&buf, "%s  %s\n", l.sum, enc.Replace(l.name))
	}
	return buf.Bytes()
}
