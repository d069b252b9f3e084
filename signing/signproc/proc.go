package signproc

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// proc is one running worker.
type proc struct {
	cmd     *exec.Cmd
	calls   *os.File // write end of the worker's fd 3
	answers *os.File // read end of the worker's fd 4
	br      *bufio.Reader
	exit    chan struct{} // closed once the process has been waited for
	waitErr error         // cmd.Wait's, set before exit is closed
}

func (w *proc) pid() int { return w.cmd.Process.Pid }

// exited says whether the process has ended.
func (w *proc) exited() bool {
	select {
	case <-w.exit:
		return true
	default:
		return false
	}
}

// exitStatus describes how the process ended ("" while it runs).
func (w *proc) exitStatus() string {
	if !w.exited() {
		return ""
	}
	if w.waitErr == nil {
		return "exit status 0"
	}
	return w.waitErr.Error()
}

// roundTrip writes a call and reads its answer.
func (w *proc) roundTrip(ctx context.Context, timeout time.Duration, req request, pdf []byte) (resp response, out []byte, err error) {
	err = w.await(ctx, timeout, func() error {
		if err := writeFrame(w.calls, req, pdf); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		out, err = readFrame(w.br, &resp)
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		return nil
	})
	return resp, out, err
}

// await runs io, the pipe I/O of one exchange, and kills the worker when
// ctx ends or timeout passes first: its pipes close and io returns.
func (w *proc) await(ctx context.Context, timeout time.Duration, io func() error) error {
	tctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("no answer within %s", timeout))
	defer cancel()
	stop := context.AfterFunc(tctx, func() { w.cmd.Process.Kill() })
	err := io()
	if !stop() {
		// Killed: say why rather than what the pipe saw.
		return fmt.Errorf("signing worker %d killed: %w", w.pid(), context.Cause(tctx))
	}
	if err != nil && w.exitedSoon() {
		return fmt.Errorf("signing worker %d %s: %w", w.pid(), w.exitStatus(), err)
	}
	return err
}

// exitedSoon gives a process whose pipe just broke a moment to be waited
// for, so that the error can say how it ended.
func (w *proc) exitedSoon() bool {
	select {
	case <-w.exit:
		return true
	case <-time.After(100 * time.Millisecond):
		return false
	}
}

// stop ends the worker: it closes the calls pipe, which ends Serve, and
// kills the process if it has not exited after grace (at once when 0).
func (w *proc) stop(grace time.Duration) {
	w.calls.Close()
	if grace > 0 {
		select {
		case <-w.exit:
		case <-time.After(grace):
		}
	}
	if !w.exited() {
		_ = w.cmd.Process.Kill() // an error: it has exited meanwhile
		<-w.exit
	}
	w.answers.Close()
}
