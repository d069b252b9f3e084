package minio

import (
	"errors"
	"testing"

	s3 "github.com/minio/minio-go/v7"

	"github.com/vanthu/vanthu/workflow"
)

// TestMapErrAnswersWithoutBody: an answer the server gave without an
// error body (no code) is judged by its status: MinIO's 499 while it
// stops and any 5xx are unavailable (503, retryable), not internal.
func TestMapErrAnswersWithoutBody(t *testing.T) {
	s := &Store{}
	for _, tc := range []struct {
		status int
		want   string
	}{
		{499, workflow.EUNAVAILABLE},
		{500, workflow.EUNAVAILABLE},
		{502, workflow.EUNAVAILABLE},
		{503, workflow.EUNAVAILABLE},
	} {
		err := s.mapErr(s3.ErrorResponse{StatusCode: tc.status, Message: "status code"}, "put %q", "blobs/x")
		if got := workflow.ErrorCode(err); got != tc.want {
			t.Errorf("status %d: code %q (%v), want %q", tc.status, got, err, tc.want)
		}
	}
	if err := s.mapErr(errors.New("other"), "put"); workflow.ErrorCode(err) == workflow.EUNAVAILABLE {
		t.Errorf("a plain error became unavailable: %v", err)
	}
}
