package exchange

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// envDateZone tells a child test process that it runs in a zone (TZ).
const envDateZone = "VANTHU_TEST_DATE_ZONE"

// TestEnvelopeDatesInAnyZone sends an issued document through the edXML
// envelope and receives it back, in child processes whose time zone is far
// from Vietnam on both sides: the date of issue is its day in Vietnam
// (issued at 00:30 on 20 November in Vietnam, 19 November in UTC), the due
// date is the day given, on the wire, in the DocumentId and in what the
// receiver stores.
func TestEnvelopeDatesInAnyZone(t *testing.T) {
	const name = "TestEnvelopeDatesInAnyZone"
	if z := os.Getenv(envDateZone); z == "" {
		for _, z := range []string{"America/Los_Angeles", "Pacific/Kiritimati", "UTC"} {
			t.Run(z, func(t *testing.T) {
				cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.count=1", "-test.v")
				cmd.Env = append(os.Environ(), "TZ="+z, envDateZone+"="+z)
				out, err := cmd.CombinedOutput()
				if err != nil || !strings.Contains(string(out), "--- PASS: "+name) {
					t.Fatalf("in TZ=%s: %v\n%s", z, err, out)
				}
			})
		}
		return
	} else if time.Local.String() != z {
		t.Fatalf("TZ=%s but time.Local is %s", z, time.Local)
	}
	ctx := context.Background()
	agency := cert(t, "UBND quận Bình Thủy", false, nil, x509.ExtKeyUsageAny)
	pdf := testpdf.Make(1, "edxml dates")
	sum := sha256.Sum256(pdf)
	hexsum := hex.EncodeToString(sum[:])
	blobs := workflowtest.TempBlobs(t)
	if _, err := blobs.Put(ctx, workflow.BlobKey(hexsum), bytes.NewReader(pdf), int64(len(pdf)), hexsum, workflow.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2026, 11, 20, 0, 30, 0, 0, workflow.Vietnam).In(time.Local)
	due := workflow.NewDate(2026, 12, 31)
	d := &workflow.Document{ID: "d1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định", Urgency: workflow.UrgencyNormal,
		State: workflow.Sent, Notation: "15/QĐ-UBND", IssuedAt: &issued, DueDate: &due,
		Recipients: []workflow.Org{{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}},
		Files:      []workflow.File{{SHA256: hexsum, Name: "qd.signed.pdf", Size: int64(len(pdf)), Kind: workflow.FileSigned}}}
	self := Identity{Org: workflow.Org{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy"}, Place: "Cần Thơ",
		Key: agency.PrivateKey.(crypto.Signer), Chain: []*x509.Certificate{agency.Leaf}}
	raw, id, err := BuildEnvelope(ctx, EnvelopeInput{Self: self, Doc: d, Blobs: blobs, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if want := "000.00.12.H13,2026/11/20,15/QĐ-UBND"; id != want {
		t.Errorf("DocumentId %q, want %q", id, want)
	}
	for _, want := range []string{"PromulgationDate>2026/11/20<", "DueDate>2026/12/31<"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("envelope lacks %q", want)
		}
	}
	m, err := edxml.Parse(bytes.NewReader(raw), edxml.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	in := ReceiveInput(m.Document)
	if in.OriginalDate == nil || *in.OriginalDate != workflow.NewDate(2026, 11, 20) || in.DueDate == nil || *in.DueDate != due {
		t.Errorf("received original_date %v due_date %v, want 2026-11-20 and %v", in.OriginalDate, in.DueDate, due)
	}
	st, err := BuildStatus(self, &workflow.Document{ExternalID: id, Sender: &self.Org, OriginalNumber: "15/QĐ-UBND", OriginalDate: in.OriginalDate},
		edxml.StatusArrived, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(st, []byte("PromulgationDate>2026/11/20<")) {
		t.Errorf("status message does not name the document's date 2026/11/20:\n%s", st)
	}
}
