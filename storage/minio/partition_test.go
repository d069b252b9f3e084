package minio_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/faultproxy"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/workflow"
)

// TestIntegrationPartition: a MinIO that stops answering without refusing
// (a partition: the proxy holds new and open connections and delivers
// nothing) costs each Store call about Config.Timeout, then EUNAVAILABLE
// saying so — before a request, in the middle of an upload and of a
// download — and the store works again by itself once the partition
// heals. Transfers that keep moving are not cut, however long they take:
// an upload whose client sends slowly and a download whose reader reads
// slowly both outlast the timeout several times over. The calls carry no
// deadline of their own. Before Config.Timeout, each partitioned call
// waited as long as the partition lasted.
func TestIntegrationPartition(t *testing.T) {
	cfg := envConfig(t)
	p := faultproxy.New(t, cfg.Endpoint)
	cfg.Endpoint = p.Addr()
	cfg.DialTimeout, cfg.Timeout = time.Second, time.Second
	s := newStore(t, cfg, false)
	cfg.Bucket = s.Bucket()
	bound := 4 * time.Second
	ctx := context.Background()
	big := bytes.Repeat([]byte("vanthu partition "), 1<<19) // 8.5 MB
	putBytes(t, s, "big", big, workflow.PutOptions{})

	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"stat", func() error { _, err := s.Stat(ctx, "big"); return err }},
		{"put", func() error {
			_, err := s.Put(ctx, "small", bytes.NewReader([]byte("x")), 1, sum([]byte("x")), workflow.PutOptions{})
			return err
		}},
		{"get", func() error {
			r, _, err := s.Get(ctx, "big")
			if err == nil {
				_, err = io.Copy(io.Discard, r)
				r.Close()
			}
			return err
		}},
		{"list", func() error { return s.List(ctx, "", func(workflow.ObjectInfo) error { return nil }) }},
		{"delete", func() error { return s.Delete(ctx, "nothing-here") }},
		{"ping", func() error { return s.Ping(ctx) }},
		{"new store", func() error { _, err := minio.New(ctx, cfg); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.Stall()
			defer p.Restore()
			checkPartitioned(t, bound, tc.call)
			p.Restore()
			healed(t, s)
		})
	}

	t.Run("mid-download", func(t *testing.T) {
		r, _, err := s.Get(ctx, "big")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if _, err := io.ReadFull(r, make([]byte, 64<<10)); err != nil {
			t.Fatal(err)
		}
		p.Stall()
		defer p.Restore()
		checkPartitioned(t, bound, func() error { _, err := io.Copy(io.Discard, r); return err })
		p.Restore()
		healed(t, s)
	})
	t.Run("mid-upload", func(t *testing.T) {
		src := &stallingReader{r: bytes.NewReader(big), after: 1 << 20, stall: p.Stall}
		defer p.Restore()
		checkPartitioned(t, bound, func() error {
			_, err := s.Put(ctx, "big-upload", src, int64(len(big)), sum(big), workflow.PutOptions{})
			return err
		})
		p.Restore()
		healed(t, s)
	})
	t.Run("slow upload is not cut", func(t *testing.T) {
		data := big[:4<<20]
		src := &slowReader{r: bytes.NewReader(data), chunk: 512 << 10, gap: 400 * time.Millisecond}
		start := time.Now()
		if _, err := s.Put(ctx, "slow-upload", src, int64(len(data)), sum(data), workflow.PutOptions{}); err != nil {
			t.Fatalf("slow upload (%s): %v", time.Since(start), err)
		}
		if took := time.Since(start); took < 2*cfg.Timeout {
			t.Fatalf("the upload took %s: not slower than the timeout, proves nothing", took)
		}
	})
	t.Run("slow reader is not cut", func(t *testing.T) {
		r, _, err := s.Get(ctx, "big")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var got bytes.Buffer
		buf := make([]byte, 2<<20)
		for i := 0; ; i++ {
			n, err := r.Read(buf)
			got.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("after %d bytes: %v", got.Len(), err)
			}
			if i < 3 {
				time.Sleep(cfg.Timeout + 500*time.Millisecond) // the reader's own client is slow
			}
		}
		if !bytes.Equal(got.Bytes(), big) {
			t.Fatalf("read %d bytes, not the object's %d", got.Len(), len(big))
		}
	})
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// checkPartitioned runs call during a partition: EUNAVAILABLE within
// bound (the test gives up after 30 s rather than hang).
func checkPartitioned(t *testing.T, bound time.Duration, call func() error) {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- call() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("no answer within 30 s during the partition")
	}
	took := time.Since(start)
	if workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("during the partition: %v (%s), want EUNAVAILABLE", err, workflow.ErrorCode(err))
	}
	if took > bound {
		t.Errorf("during the partition the call took %s, bound %s", took, bound)
	}
	t.Logf("during the partition: %v after %s", err, took.Round(time.Millisecond))
}

// healed waits until the store answers again by itself.
func healed(t *testing.T, s *minio.Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.Stat(context.Background(), "big")
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the partition healed: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stallingReader calls stall once after after bytes were read.
type stallingReader struct {
	r     io.Reader
	n     int
	after int
	stall func()
}

func (s *stallingReader) Read(p []byte) (int, error) {
	if s.n >= s.after && s.stall != nil {
		s.stall()
		s.stall = nil
	}
	n, err := s.r.Read(p)
	s.n += n
	return n, err
}

// slowReader waits gap after every chunk bytes: an upload arriving
// slowly from its client.
type slowReader struct {
	r     io.Reader
	chunk int
	gap   time.Duration
	n     int // bytes since the last wait
}

func (s *slowReader) Read(p []byte) (int, error) {
	if s.n >= s.chunk {
		time.Sleep(s.gap)
		s.n = 0
	}
	if len(p) > s.chunk-s.n {
		p = p[:s.chunk-s.n]
	}
	n, err := s.r.Read(p)
	s.n += n
	return n, err
}
