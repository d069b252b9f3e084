package signproc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestReadFrameGarbageLength: a frame that announces a body of 2 GiB and
// ends after a few bytes fails without allocating what it announced.
func TestReadFrameGarbageLength(t *testing.T) {
	var frame bytes.Buffer
	hdr := []byte(`{}`)
	var lens [8]byte
	binary.BigEndian.PutUint32(lens[0:4], uint32(len(hdr)))
	binary.BigEndian.PutUint32(lens[4:8], 1<<31)
	frame.Write(lens[:])
	frame.Write(hdr)
	frame.WriteString("garbage")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var h response
	_, err := readFrame(&frame, &h)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err = %v, want unexpected EOF", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 2*trustAfter {
		t.Errorf("allocated %d bytes for a frame of %d: the announced length was believed", got, frame.Len())
	}
}

// TestReadFrameLargeBody: a body longer than trustAfter comes back whole.
func TestReadFrameLargeBody(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), (trustAfter+12345)/16)
	var frame bytes.Buffer
	if err := writeFrame(&frame, request{Op: "x"}, body); err != nil {
		t.Fatal(err)
	}
	var req request
	got, err := readFrame(&frame, &req)
	if err != nil || req.Op != "x" || !bytes.Equal(got, body) {
		t.Errorf("readFrame = %d bytes, op %q, %v; want the %d bytes written", len(got), req.Op, err, len(body))
	}
}

// TestPoolWaitEnds: a call whose request ends while it waits for a busy
// worker is EUNAVAILABLE (503, retryable), not an internal error.
func TestPoolWaitEnds(t *testing.T) {
	p := newPool(t, 1, 0)
	ctx := context.Background()
	issued := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	d := &workflow.Document{ID: "d1", Notation: "15/QĐ-UBND", IssuedAt: &issued}
	busy := make(chan error, 1)
	go func() { _, err := p.SignAgency(ctx, d, []byte("slow")); busy <- err }()
	time.Sleep(100 * time.Millisecond) // the slow call has the one worker
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := p.SignAgency(wctx, d, []byte("%PDF"))
	if workflow.ErrorCode(err) != workflow.EUNAVAILABLE || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v (code %s), want unavailable caused by the deadline", err, workflow.ErrorCode(err))
	}
	if err := <-busy; err != nil {
		t.Errorf("the slow call: %v", err)
	}
}
