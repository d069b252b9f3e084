package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestMachineCreatedHistory: a document the exchange received says when
// it arrived (Nhận qua liên thông, not an empty creator) and its
// history says, in Vietnamese, that it came over the exchange — without
// the service's own English note ("received over the exchange"); an
// imported one says it was imported, without "imported from an existing
// archive".
func TestMachineCreatedHistory(t *testing.T) {
	e := newTestEnv(t)
	upload := func() *workflow.Upload {
		return &workflow.Upload{Name: "cv.pdf", Size: int64(len(fakePDF)), Content: bytes.NewReader(fakePDF)}
	}
	day := workflow.NewDate(2026, 11, 20)
	in := workflow.CreateInput{Type: "CV", Subject: "Về việc đôn đốc thu ngân sách", Urgency: workflow.UrgencyNormal,
		Confidentiality: workflow.Public, OriginalNumber: "12/UBND-VP", OriginalDate: &day, File: upload(),
		Sender: &workflow.Org{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy"}}
	received, _, err := e.docs.Receive(t.Context(), workflow.ReceiveInput{CreateInput: in, ExternalID: "ext-1"})
	if err != nil {
		t.Fatal(err)
	}
	in.File = upload()
	imported, err := e.docs.Import(t.Context(), e.users["vanthu"], in, "kho-cu.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Archived by `vanthu archive import` before walk 12, with the
	// comment "import": not shown as a person's words.
	importer := &workflow.User{ID: "system:import", Roles: []workflow.Role{workflow.RoleClerk, workflow.RoleArchivist}}
	if _, err := e.docs.Apply(t.Context(), importer, imported.ID, workflow.Archive, workflow.ActionInput{Comment: "import"}); err != nil {
		t.Fatal(err)
	}
	clerk := e.login("vanthu")
	for _, c := range []struct {
		id, want, creator string
		not               []string
	}{
		{received.ID, "Nhận văn bản qua trục liên thông", "<dt>Nhận qua liên thông</dt><dd>", []string{"received over the exchange", "<dd> · ", "<dt>Người tạo</dt>"}},
		{imported.ID, "Nhập văn bản từ kho lưu trữ có sẵn (tệp “kho-cu.csv”)", "<dd>" + displayName(e.users["vanthu"]) + " · ", []string{"imported from an existing archive", "<q>import</q>"}},
	} {
		body := clerk.get("/documents/" + c.id).Body
		if !strings.Contains(body, c.want) || !strings.Contains(body, c.creator) {
			t.Errorf("%s: lacks %q or the creator %q", c.id, c.want, c.creator)
		}
		for _, n := range c.not {
			if strings.Contains(body, n) {
				t.Errorf("%s: shows %q", c.id, n)
			}
		}
	}
}
