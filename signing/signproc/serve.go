package signproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"

	"github.com/vanthu/vanthu/workflow"
)

// Serve is a worker's side: it says it is ready, then answers the calls
// read from r with s, one at a time, on w, until r ends — the server
// closed its end (a clean stop) or died. A panic in s answers EINTERNAL
// and the worker goes on. It returns nil at the end of r, else the error
// that broke the stream.
//
// forget (when not nil) drops what s reuses about revocations: it is
// called before the first call and before every call whose epoch
// differs from the one before (the server stored a revocation since).
func Serve(r io.Reader, w io.Writer, s workflow.Signer, forget func(), logger *slog.Logger) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if err := writeFrame(w, response{Ready: true}, nil); err != nil {
		return fmt.Errorf("signing worker: %w", err)
	}
	var epoch uint64
	first := true
	for {
		var req request
		body, err := readFrame(br, &req)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("signing worker: read: %w", err)
		}
		if forget != nil && (first || req.Epoch != epoch) {
			forget()
		}
		epoch, first = req.Epoch, false
		resp, out := answer(s, req, body, logger)
		if err := writeFrame(w, resp, out); err != nil {
			return fmt.Errorf("signing worker: write: %w", err)
		}
	}
}

// answer runs one call; a panic becomes EINTERNAL, logged with its stack.
func answer(s workflow.Signer, req request, pdf []byte, logger *slog.Logger) (resp response, out []byte) {
	defer func() {
		if p := recover(); p != nil {
			logger.Error("signing worker: panic", "op", req.Op, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp, out = errorResponse(fmt.Errorf("panic in the signing worker (%s): %v", req.Op, p)), nil
		}
	}()
	ctx := context.Background() // the server kills the worker to cancel a call
	var err error
	var v workflow.Verification
	switch req.Op {
	case opOfficial:
		out, err = s.SignOfficial(ctx, req.Doc, req.Signer, pdf)
	case opAgency:
		out, err = signAgency(ctx, s, req, pdf)
		if err == nil && req.Verify {
			return agencyVerified(ctx, s, req, out, logger), out
		}
	case opAttachment:
		out, err = s.SignAttachment(ctx, req.Doc, pdf)
	case opCopy:
		cs, ok := s.(workflow.CopySigner)
		if !ok || req.Copy == nil {
			err = workflow.Errorf(workflow.EUNAVAILABLE, "the signing worker cannot sign copies")
			break
		}
		out, err = cs.SignCopy(ctx, req.Copy, pdf)
	case opVerify:
		v, err = s.Verify(ctx, pdf)
	case opVerifyDocument:
		v, err = verifyDocument(ctx, s, req.Doc, pdf)
	default:
		err = fmt.Errorf("signing worker: unknown operation %q", req.Op)
	}
	if err != nil {
		return errorResponse(err), nil
	}
	if req.Op == opVerify || req.Op == opVerifyDocument {
		return response{Verification: &v}, nil
	}
	return response{}, out
}

// signAgency is s's SignAgency, or its SignAgencyOwn when the server
// named the layer-1 file pdf is (request.Own).
func signAgency(ctx context.Context, s workflow.Signer, req request, pdf []byte) ([]byte, error) {
	if o, ok := s.(workflow.OwnLayer1Signer); ok && req.Own != "" {
		return o.SignAgencyOwn(ctx, req.Doc, pdf, workflow.OwnLayer1{SHA256: req.Own})
	}
	return s.SignAgency(ctx, req.Doc, pdf)
}

// verifyDocument is s's VerifyDocument, or its Verify when s has no
// document rules.
func verifyDocument(ctx context.Context, s workflow.Signer, d *workflow.Document, pdf []byte) (workflow.Verification, error) {
	if dv, ok := s.(workflow.DocumentVerifier); ok {
		return dv.VerifyDocument(ctx, d, pdf)
	}
	return s.Verify(ctx, pdf)
}

// agencyVerified is the answer of a sign-agency call that asked for the
// verification of its result too: the report, checked on the signed
// bytes right after they were made. A verification that fails is not
// answered (logged): the server then asks for it on its own, and gets
// the error there.
func agencyVerified(ctx context.Context, s workflow.Signer, req request, signed []byte, logger *slog.Logger) response {
	v, err := verifyDocument(ctx, s, req.Doc, signed)
	if err != nil {
		logger.Debug("signing worker: the verification after layer 2 failed; left to the server's call", "err", err)
		return response{}
	}
	return response{Verification: &v}
}
