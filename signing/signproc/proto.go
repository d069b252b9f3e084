// Package signproc runs the signatures in worker processes: a Pool is a
// workflow.Signer whose calls go to a few child processes (vanthu
// re-executed as "vanthu sign-worker"), each running Serve over a pair of
// pipes with the signing service it built from the same configuration.
// The server's Go runtime then carries none of the signing CPU and none of
// its allocations: its scheduler and its collector serve requests only,
// and the kernel, which sees the workers as processes of lower priority,
// gives the requests a CPU first (docs/signing.md, "Eighth session").
//
// What crosses the pipes: the document (its metadata, or only what the
// signer reads of it: Config.View), the signer (no password hash), the PDF
// in, the signed PDF or the validation report (or both, for layer 2 and
// its verification) out, and errors as their workflow code and message. Keys never do: a worker
// opens them itself from the configuration.
package signproc

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/vanthu/vanthu/workflow"
)

// The operations a worker answers: the methods of workflow.Signer and
// workflow.DocumentVerifier.
const (
	opOfficial       = "sign-official"
	opAgency         = "sign-agency"
	opAttachment     = "sign-attachment"
	opCopy           = "sign-copy" // workflow.CopySigner
	opVerify         = "verify"
	opVerifyDocument = "verify-document"
)

// request is the header of a call; the PDF is the frame's body. Epoch is
// the server's revocation epoch (Config.Epoch) when the call was made.
// Verify, with sign-agency, asks for the verification of the signed PDF
// too (VerifyDocument with Doc), answered in the response's Verification.
// Own, with sign-agency, is the SHA-256 of the layer-1 file the PDF is
// (workflow.OwnLayer1: SignAgencyOwn).
type request struct {
	Op     string
	Doc    *workflow.Document `json:",omitempty"`
	Signer *workflow.User     `json:",omitempty"`
	Copy   *workflow.Copy     `json:",omitempty"` // sign-copy
	Epoch  uint64             `json:",omitempty"`
	Verify bool               `json:",omitempty"`
	Own    string             `json:",omitempty"`
}

// response is the header of an answer; a signed PDF is the frame's body.
// The first frame a worker writes, once it can sign, has Ready set.
type response struct {
	Ready        bool                   `json:",omitempty"`
	Code         string                 `json:",omitempty"` // workflow error code; "" = no error
	Message      string                 `json:",omitempty"` // workflow.ErrorMessage
	Detail       string                 `json:",omitempty"` // the error's full text, for the server's log
	Verification *workflow.Verification `json:",omitempty"`
}

// err rebuilds the worker's error: the same code and user-facing message,
// the full text as its cause.
func (r *response) err() error {
	if r.Code == "" {
		return nil
	}
	cause := errors.New(r.Detail)
	if r.Code == workflow.EINTERNAL && r.Message == workflow.ErrorMessage(cause) {
		return cause // not a workflow error in the worker either
	}
	return workflow.Wrap(r.Code, cause, "%s", r.Message)
}

// errorResponse encodes err for the server.
func errorResponse(err error) response {
	return response{Code: workflow.ErrorCode(err), Message: workflow.ErrorMessage(err), Detail: err.Error()}
}

// Frames: a 4-byte header length and a 4-byte body length (big-endian),
// the header (JSON), the body.
const (
	maxHeader  = 16 << 20
	maxBody    = 1<<32 - 1
	trustAfter = 8 << 20
)

// writeFrame writes one frame.
func writeFrame(w io.Writer, hdr any, body []byte) error {
	h, err := json.Marshal(hdr)
	if err != nil {
		return err
	}
	if uint64(len(body)) > maxBody {
		return workflow.Errorf(workflow.ETOOLARGE, "a PDF of %d bytes is too large for the signing worker", len(body))
	}
	buf := make([]byte, 8, 8+len(h))
	binary.BigEndian.PutUint32(buf[0:4], uint32(len(h)))
	binary.BigEndian.PutUint32(buf[4:8], uint32(len(body)))
	if _, err := w.Write(append(buf, h...)); err != nil {
		return err
	}
	if len(body) > 0 {
		_, err = w.Write(body)
	}
	return err
}

// readFrame reads one frame into hdr and returns its body (nil when
// empty). io.EOF only when the stream ended before a frame began.
func readFrame(r io.Reader, hdr any) ([]byte, error) {
	var lens [8]byte
	if _, err := io.ReadFull(r, lens[:]); err != nil {
		return nil, err
	}
	hn, bn := binary.BigEndian.Uint32(lens[0:4]), binary.BigEndian.Uint32(lens[4:8])
	if hn > maxHeader {
		return nil, fmt.Errorf("frame header of %d bytes", hn)
	}
	h := make([]byte, hn)
	if _, err := io.ReadFull(r, h); err != nil {
		return nil, unexpected(err)
	}
	if err := json.Unmarshal(h, hdr); err != nil {
		return nil, fmt.Errorf("frame header: %w", err)
	}
	if bn == 0 {
		return nil, nil
	}
	// The length is believed once trustAfter bytes of the body came: a
	// broken peer's garbage length allocates at most that much.
	body := make([]byte, min(bn, trustAfter))
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, unexpected(err)
	}
	if uint32(len(body)) < bn {
		body = append(make([]byte, 0, bn), body...)
		if _, err := io.ReadFull(r, body[len(body):bn]); err != nil {
			return nil, unexpected(err)
		}
		body = body[:bn]
	}
	return body, nil
}

// unexpected turns an end of stream inside a frame into ErrUnexpectedEOF.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
