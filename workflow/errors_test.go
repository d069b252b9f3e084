package workflow_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestOnField: an input's error gets its field, kept through wrapping
// and without losing its cause; other errors, and one naming its field
// already, are returned as they are.
func TestOnField(t *testing.T) {
	cause := workflow.Wrap(workflow.EINVALID, workflow.ErrNoReason, "no reason")
	tests := []struct {
		name      string
		err       error
		wantField string
		wantCode  string
	}{
		{"OK/invalid", workflow.Errorf(workflow.EINVALID, "bad"), "file", workflow.EINVALID},
		{"OK/wrapped", fmt.Errorf("file %q: %w", "a.pdf", workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "not a PDF")), "file", workflow.EUNSUPPORTEDMEDIA},
		{"OK/too large", workflow.Errorf(workflow.ETOOLARGE, "big"), "file", workflow.ETOOLARGE},
		{"OK/unprocessable", workflow.Errorf(workflow.EUNPROCESSABLE, "encrypted"), "file", workflow.EUNPROCESSABLE},
		{"OK/cause kept", cause, "file", workflow.EINVALID},
		{"Kept/field named", workflow.Errorf(workflow.EINVALID, "bad").On("subject"), "subject", workflow.EINVALID},
		{"Kept/unavailable", workflow.Errorf(workflow.EUNAVAILABLE, "down"), "", workflow.EUNAVAILABLE},
		{"Kept/forbidden", workflow.Errorf(workflow.EFORBIDDEN, "no"), "", workflow.EFORBIDDEN},
		{"Kept/plain error", io.ErrUnexpectedEOF, "", workflow.EINTERNAL},
		{"Kept/nil", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := workflow.OnField(tt.err, "file")
			if workflow.ErrorField(got) != tt.wantField || workflow.ErrorCode(got) != tt.wantCode {
				t.Fatalf("OnField(%v) = %v: field %q code %q, want %q %q", tt.err, got, workflow.ErrorField(got), workflow.ErrorCode(got), tt.wantField, tt.wantCode)
			}
			if tt.err != nil && !errors.Is(got, tt.err) {
				t.Fatalf("%v does not wrap %v", got, tt.err)
			}
			if tt.err != nil && workflow.ErrorMessage(got) != workflow.ErrorMessage(tt.err) {
				t.Fatalf("message %q, want %q", workflow.ErrorMessage(got), workflow.ErrorMessage(tt.err))
			}
		})
	}
	if !errors.Is(workflow.OnField(cause, "comment"), workflow.ErrNoReason) {
		t.Fatal("ErrNoReason lost")
	}
	// Logged once, not twice: the copy's text is its cause's.
	wrapped := fmt.Errorf("file %q: %w", "a.pdf", workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "not a PDF"))
	if got := workflow.OnField(wrapped, "file").Error(); got != wrapped.Error() {
		t.Errorf("OnField(%q).Error() = %q", wrapped, got)
	}
}

// TestCreateFileErrorsNameTheirPart: the inspector's refusal of the main
// file or of an attachment names the part (file, attachment).
func TestCreateFileErrorsNameTheirPart(t *testing.T) {
	e := newEnv(t)
	e.svc.Inspector = workflow.PDFInspectorFunc(func(_ context.Context, r io.ReaderAt, size int64) error {
		head := make([]byte, 5)
		if _, err := r.ReadAt(head, 0); err != nil || string(head) != "%PDF-" {
			return workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "not a PDF file")
		}
		return nil
	})
	upload := func(b []byte) *workflow.Upload {
		return &workflow.Upload{Name: "x", Size: int64(len(b)), Content: bytes.NewReader(b)}
	}
	notPDF := []byte("PK\x03\x04 a word file")
	for _, tt := range []struct {
		name        string
		file        *workflow.Upload
		attachments []workflow.Upload
		field       string
	}{
		{"file", upload(notPDF), nil, "file"},
		{"attachment", upload(minimalPDF), []workflow.Upload{*upload(minimalPDF), *upload(notPDF)}, "attachment"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Create(context.Background(), e.users[workflow.RoleHandler], workflow.CreateInput{Direction: workflow.Outgoing,
				Type: "QĐ", Subject: "s", SignerID: "u-officer", File: tt.file, Attachments: tt.attachments})
			if workflow.ErrorCode(err) != workflow.EUNSUPPORTEDMEDIA || workflow.ErrorField(err) != tt.field {
				t.Fatalf("got %v (field %q), want unsupported_media_type on %q", err, workflow.ErrorField(err), tt.field)
			}
		})
	}
}
