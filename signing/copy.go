package signing

import (
	"context"
	"fmt"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// CopyLayer is the agency's signature of a copy (bản sao, Decree 30 Art.
// 25–27, Appendix I): the agency key, name and place of an AgencyLayer,
// its Notation the copy's ("07/SY-UBND"), and the form as printed.
type CopyLayer struct {
	AgencyLayer
	Form string // "SAO Y", "SAO LỤC", "TRÍCH SAO"
}

// SignCopy signs in, the original's PDF (signed or a scan), as a copy:
// no image; at the top right of page 1 the form of copy, the copying
// agency's name, "Số: " and the copy's number, and the signing time
// (ISO 8601, +07:00), in Tinos 10 pt, black — where SignAttachment puts
// an attachment's. An incremental update: the signatures in carries
// stay as they are, and a viewer shows them beside the copy's.
func SignCopy(ctx context.Context, in []byte, l CopyLayer) ([]byte, error) {
	if strings.TrimSpace(l.AgencyName) == "" || strings.TrimSpace(l.Notation) == "" || strings.TrimSpace(l.Form) == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "the form of copy, the agency name and the copy's number are required")
	}
	stamp := StampTime(orNow(l.Time))
	number := "Số: " + l.Notation
	return bytesOf(signTopRight(ctx, in, l.AgencyLayer, []string{l.Form, l.AgencyName, number, stamp},
		fmt.Sprintf("%s số %s; %s", l.Form, l.Notation, stamp)))
}
