package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Active is a set of what a PDF may carry that acts when it is opened
// rather than being read (File.Active).
type Active uint8

const (
	ActiveJavaScript   Active = 1 << iota // JavaScript: named, run on opening, on a page or an annotation
	ActiveLaunch                          // a launch action, which runs a program
	ActiveEmbeddedFile                    // an embedded or attached file
)

// activeNames are the kinds' names (the API's and the stored ones) and
// what they are for people, in order.
var activeNames = []struct {
	kind       Active
	name, text string
}{
	{ActiveJavaScript, "javascript", "JavaScript"},
	{ActiveLaunch, "launch", "a launch action"},
	{ActiveEmbeddedFile, "embedded_file", "an embedded or attached file"},
}

// Kinds are the names of the kinds in a, in order ("javascript",
// "launch", "embedded_file"); nil when none.
func (a Active) Kinds() []string {
	var out []string
	for _, k := range activeNames {
		if a&k.kind != 0 {
			out = append(out, k.name)
		}
	}
	return out
}

// String says the kinds in a for people: "JavaScript, a launch action".
func (a Active) String() string {
	var out []string
	for _, k := range activeNames {
		if a&k.kind != 0 {
			out = append(out, k.text)
		}
	}
	return strings.Join(out, ", ")
}

// ActiveOf is the set of the kinds named (Kinds); unknown names are left
// out.
func ActiveOf(kinds []string) Active {
	var a Active
	for _, n := range kinds {
		for _, k := range activeNames {
			if k.name == n {
				a |= k.kind
			}
		}
	}
	return a
}

// MarshalJSON writes a as its Kinds (null when none).
func (a Active) MarshalJSON() ([]byte, error) { return json.Marshal(a.Kinds()) }

// UnmarshalJSON reads Kinds.
func (a *Active) UnmarshalJSON(b []byte) error {
	var kinds []string
	if err := json.Unmarshal(b, &kinds); err != nil {
		return err
	}
	*a = ActiveOf(kinds)
	return nil
}

// ActiveInspector is implemented by PDF inspectors whose check of an
// upload also says what the PDF carries that acts when it is opened (in
// the same parse): the service records it on an incoming document's
// files and refuses an outgoing draft's attachment that carries any. One
// that is also a SignableChecker refuses in CheckSignable a PDF that
// carries any (an outgoing draft's), so a draft it passed carries none.
type ActiveInspector interface {
	InspectActive(ctx context.Context, r io.ReaderAt, size int64) (Active, error)
}

// Inspection says whether a file was inspected for what it carries that
// acts when it is opened (File.Inspection): only an Inspected file's
// Active says what it carries, none meaning nothing was found.
type Inspection string

const (
	// NotInspected: nothing is known of the file. Files stored before
	// inspections were recorded (vanthu files inspect fills in an
	// incoming document's: InspectionFill), one whose inspection could
	// not run then (the memory budget's wait ran out), and the signed
	// versions this system makes of an inspected draft.
	NotInspected Inspection = ""
	// Inspected: the file, a PDF, was walked; Active is all it carries.
	Inspected Inspection = "inspected"
	// Unreadable: the file is not a PDF the inspection can read (another
	// kind of file — a received .docx —, an encrypted or broken PDF):
	// nothing is known of it, and it is not tried again.
	Unreadable Inspection = "unreadable"
)

// InspectionOf is the Inspection of a file whose inspection ended with
// err: Inspected when nil, Unreadable when the file is not a PDF or one
// the inspection refuses (EUNSUPPORTEDMEDIA, EUNPROCESSABLE), else
// NotInspected (the store or the memory budget failed: the file itself
// may be fine, and is tried again).
func InspectionOf(err error) Inspection {
	switch ErrorCode(err) {
	case "":
		return Inspected
	case EUNSUPPORTEDMEDIA, EUNPROCESSABLE:
		return Unreadable
	}
	return NotInspected
}

// ActivePDF is the cause of an outgoing draft's attachment refused for
// what it carries (Is ErrPDFActive): the agency's signature would vouch
// for it and the agencies it is sent to would open it in readers that run
// it. Name is the attachment's.
type ActivePDF struct {
	Name   string
	Active Active
}

func (e *ActivePDF) Error() string {
	return fmt.Sprintf("%q contains %s", e.Name, e.Active)
}

// Unwrap is ErrPDFActive.
func (e *ActivePDF) Unwrap() error { return ErrPDFActive }

// inspectUpload is the inspection of an upload (PDFInspector), with what
// it carries that acts when it is opened when the inspector says
// (ActiveInspector: Inspected; else NotInspected).
func (s *Service) inspectUpload(ctx context.Context, u *Upload) (Active, Inspection, error) {
	if ai, ok := s.Inspector.(ActiveInspector); ok {
		a, err := ai.InspectActive(ctx, u.Content, u.Size)
		return a, Inspected, err
	}
	return 0, NotInspected, s.Inspector.InspectPDF(ctx, u.Content, u.Size)
}
