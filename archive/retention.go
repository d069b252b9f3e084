package archive

import (
	"fmt"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Retention classes.
const (
	Class5y        = "5y"
	Class10y       = "10y"
	Class20y       = "20y"
	ClassPermanent = "permanent"
)

// Forever is the retain-until date of permanent records: the last second
// of year 9999, the latest date S3 object lock (and MinIO) accept in the
// ISO 8601 form they use.
var Forever = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// ValidClass reports whether c is a retention class.
func ValidClass(c string) bool {
	switch c {
	case Class5y, Class10y, Class20y, ClassPermanent:
		return true
	}
	return false
}

// RetainUntil is the standard retention rule: the class's number of
// years after the archive date (to the second), Forever for permanent.
func RetainUntil(class string, archivedAt time.Time) (time.Time, error) {
	t := archivedAt.UTC().Truncate(time.Second)
	switch class {
	case Class5y:
		return t.AddDate(5, 0, 0), nil
	case Class10y:
		return t.AddDate(10, 0, 0), nil
	case Class20y:
		return t.AddDate(20, 0, 0), nil
	case ClassPermanent:
		return Forever, nil
	}
	return time.Time{}, workflow.Errorf(workflow.EINVALID, "unknown retention class %q: want 5y, 10y, 20y or permanent", class)
}

// Defaults gives the retention class of a document that names none, by
// its type.
type Defaults struct {
	ByType   map[workflow.DocType]string
	Fallback string // for any other type ("*")
}

// ParseDefaults parses VANTHU_RETENTION_DEFAULTS: "TYPE=class,...,*=class"
// (e.g. "QĐ=permanent,NQ=permanent,*=10y"). Without a "*" entry the
// fallback is 10y.
func ParseDefaults(s string) (Defaults, error) {
	d := Defaults{ByType: map[workflow.DocType]string{}, Fallback: Class10y}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		typ, class, ok := strings.Cut(part, "=")
		typ, class = strings.TrimSpace(typ), strings.TrimSpace(class)
		if !ok || typ == "" {
			return Defaults{}, fmt.Errorf("retention defaults: %q is not TYPE=class", part)
		}
		if !ValidClass(class) {
			return Defaults{}, fmt.Errorf("retention defaults: %q: class must be 5y, 10y, 20y or permanent", part)
		}
		if typ == "*" {
			d.Fallback = class
			continue
		}
		if !workflow.DocType(typ).Valid() {
			return Defaults{}, fmt.Errorf("retention defaults: %q: unknown document type %q", part, typ)
		}
		d.ByType[workflow.DocType(typ)] = class
	}
	return d, nil
}

// Class returns the retention class of d: its own, else the default of
// its type, else the fallback.
func (d Defaults) Class(doc *workflow.Document) string {
	if doc.Retention != "" {
		return doc.Retention
	}
	if c, ok := d.ByType[doc.Type]; ok {
		return c
	}
	if d.Fallback != "" {
		return d.Fallback
	}
	return Class10y
}
