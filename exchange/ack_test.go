package exchange

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/iotest"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestAckOfANewDocument: the answer to the request that created a
// document, taken from the document Receive returned, is the answer a
// redelivery gets from the document's events — 01, or 02 with the same
// reason (an envelope error ending in a space included).
func TestAckOfANewDocument(t *testing.T) {
	repo := workflowtest.NewRepository()
	svc := &workflow.Service{Repo: repo, Blobs: workflowtest.TempBlobs(t)}
	r := &Receiver{Docs: svc, Repo: repo}
	ctx := context.Background()
	pdf := testpdf.Make(1, "ack")
	od := workflow.NewDate(2026, 12, 3)
	for _, tc := range []struct {
		name, envErr, code string
	}{
		{"arrived", "", string(edxml.StatusArrived)},
		{"envelope failed", "digest mismatch ", string(edxml.StatusRejected)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := workflow.ReceiveInput{ExternalID: "000.00.31.H13,2026/12/03,1/" + tc.name, EnvelopeError: tc.envErr,
				CreateInput: workflow.CreateInput{Type: "CV", Subject: "Văn bản " + tc.name, OriginalNumber: "1/" + tc.name, OriginalDate: &od,
					Sender: &workflow.Org{OrgID: "000.00.31.H13", Name: "B"},
					File:   &workflow.Upload{Name: "vb.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}}}
			d, created, err := svc.Receive(ctx, in)
			if err != nil || !created {
				t.Fatalf("receive: %v %v", created, err)
			}
			first, err := r.ackFor(ctx, d, true)
			if err != nil {
				t.Fatal(err)
			}
			again, err := r.ackFor(ctx, d, false)
			if err != nil {
				t.Fatal(err)
			}
			if *first != *again {
				t.Fatalf("first answer %+v, redelivery's %+v", first, again)
			}
			if first.StatusCode != tc.code || (tc.envErr != "" && first.Description != "envelope: digest mismatch") {
				t.Fatalf("answer %+v, want %s", first, tc.code)
			}
		})
	}
}

// TestReadAll: the body is read whole and exactly, whatever the size
// given (the Content-Length: exact, short, long, unknown).
func TestReadAll(t *testing.T) {
	body := bytes.Repeat([]byte("edXML base64 "), 10_000)
	for _, size := range []int64{-1, 0, 1, 511, int64(len(body)) - 1, int64(len(body)), int64(len(body)) + 1, 3 * int64(len(body))} {
		got, err := readAll(iotest.OneByteReader(bytes.NewReader(body[:len(body)/3])), size)
		if err != nil || !bytes.Equal(got, body[:len(body)/3]) {
			t.Fatalf("size %d, one byte at a time: %d bytes, %v", size, len(got), err)
		}
		got, err = readAll(bytes.NewReader(body), size)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("size %d: %d bytes, %v", size, len(got), err)
		}
	}
	want := errors.New("reset")
	if _, err := readAll(iotest.ErrReader(want), 10); !errors.Is(err, want) {
		t.Fatalf("error: %v", err)
	}
}
