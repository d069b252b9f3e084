// Package miniotest starts private MinIO servers for tests that need to
// stop and restart one (crash safety) without disturbing the shared server
// of the conformance suite. The binary comes from VANTHU_TEST_MINIO_BIN,
// which scripts/setup/minio.sh exports after building it.
package miniotest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/minio"
)

// Server is one MinIO process on 127.0.0.1.
type Server struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Dir       string // data directory

	t     testing.TB
	bin   string
	caddr string
	log   string
	cmd   *exec.Cmd
	done  chan struct{}
}

// Start starts a MinIO server on free ports with its data in dir (a new
// temporary directory when empty) and stops it when the test ends. It
// skips the test when VANTHU_TEST_MINIO_BIN is unset.
func Start(t testing.TB, dir string) *Server {
	t.Helper()
	bin := os.Getenv("VANTHU_TEST_MINIO_BIN")
	if bin == "" {
		t.Skip("VANTHU_TEST_MINIO_BIN not set: source scripts/setup/minio.sh to build MinIO")
	}
	if dir == "" {
		dir = t.TempDir()
	}
	s := &Server{
		Endpoint:  "127.0.0.1:" + strconv.Itoa(freePort(t)),
		AccessKey: "miniotest",
		SecretKey: "miniotest-secret",
		Dir:       dir,
		t:         t,
		bin:       bin,
		caddr:     "127.0.0.1:" + strconv.Itoa(freePort(t)),
		log:       filepath.Join(t.TempDir(), "minio.log"),
	}
	t.Cleanup(s.Stop)
	s.Start()
	return s
}

// Config returns a store configuration for bucket on this server.
func (s *Server) Config(bucket string, objectLock bool) minio.Config {
	return minio.Config{Endpoint: s.Endpoint, AccessKey: s.AccessKey, SecretKey: s.SecretKey, Bucket: bucket, ObjectLock: objectLock}
}

// Start (re)starts the server on its address and data directory and waits
// until it is ready. It does nothing if the server is running.
func (s *Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(s.bin, "server", s.Dir, "--address", s.Endpoint, "--console-address", s.caddr, "--quiet")
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+s.AccessKey, "MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("miniotest: start %s: %v", s.bin, err)
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(s.done)

	deadline := time.Now().Add(60 * time.Second)
	for {
		if ready(s.Endpoint) {
			return
		}
		select {
		case <-s.done:
			s.cmd = nil
			s.t.Fatalf("miniotest: minio exited at start:\n%s", s.logTail())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			s.t.Fatalf("miniotest: minio on %s not ready after 60 s:\n%s", s.Endpoint, s.logTail())
		}
	}
}

// Stop stops the server (SIGTERM, then SIGKILL after 10 s) and waits until
// its port is closed. It does nothing if the server is not running.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Kill kills the server at once (SIGKILL), like a crash.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(bytes.TrimSpace(b))
}

func ready(endpoint string) bool {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(fmt.Sprintf("http://%s/minio/health/ready", endpoint))
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	// /minio/health/ready can answer before the object layer is up; an
	// anonymous S3 request answers 403 once it is, 503 while it is not.
	resp, err = c.Get(fmt.Sprintf("http://%s/", endpoint))
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode != http.StatusServiceUnavailable
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
