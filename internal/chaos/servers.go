package chaos

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// FreePort returns a TCP port on 127.0.0.1 nothing listens on now, taken
// below the kernel's range of ephemeral ports (ip_local_port_range): the
// servers of the run are killed and started again on their ports, and a
// port of that range can be taken meanwhile as the local port of any
// outgoing connection — in a full run the receiving agency, down for a
// minute, could not listen on its port again (bind: address already in
// use) for the 90 s a restart is tried. Ports of the range only when no
// other is free.
func FreePort() (int, error) {
	lo := ephemeralLow()
	base := 20000
	if lo <= base+1000 {
		base = 1024
	}
	for range 200 {
		p := base + rand.IntN(lo-base)
		if ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p))); err == nil {
			ln.Close()
			return p, nil
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// ephemeralLow is the first port of the kernel's ephemeral range (Linux's
// default, 32768, where /proc does not say).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if f := strings.Fields(string(b)); err == nil && len(f) == 2 {
		if lo, err := strconv.Atoi(f[0]); err == nil && lo > 1024 {
			return lo
		}
	}
	return 32768
}

// freeAddr is FreePort as a 127.0.0.1 address.
func freeAddr() (string, error) {
	p, err := FreePort()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), nil
}

// Postgres is a throwaway PostgreSQL cluster of our own (initdb in a
// directory, pg_ctl start/stop), run as the postgres user when we are root.
type Postgres struct {
	BinDir string // /usr/lib/postgresql/15/bin
	Dir    string // cluster directory (created)
	Port   int
}

func (p *Postgres) cmd(ctx context.Context, name string, args ...string) *exec.Cmd {
	bin := filepath.Join(p.BinDir, name)
	if os.Geteuid() == 0 {
		return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	}
	return exec.CommandContext(ctx, bin, args...)
}

func (p *Postgres) run(ctx context.Context, name string, args ...string) error {
	out, err := p.cmd(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// URL is the admin connection URL.
func (p *Postgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.Port)
}

// Init creates the cluster and starts it.
func (p *Postgres) Init(ctx context.Context) error {
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for d := p.Dir; d != "/" && d != "."; d = filepath.Dir(d) {
			// The postgres user must reach the cluster directory.
			if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o005 != 0o005 && d != p.Dir {
				if err := os.Chmod(d, fi.Mode().Perm()|0o005); err != nil {
					return err
				}
			}
		}
		if err := os.Chown(p.Dir, uid, gid); err != nil {
			return err
		}
	}
	if err := p.run(ctx, "initdb", "-D", filepath.Join(p.Dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C.UTF-8", "--no-sync"); err != nil {
		return err
	}
	return p.Start(ctx)
}

// Start starts the cluster and waits until it accepts connections.
func (p *Postgres) Start(ctx context.Context) error {
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=300", p.Port, p.Dir)
	if err := p.run(ctx, "pg_ctl", "-D", filepath.Join(p.Dir, "data"), "-l", filepath.Join(p.Dir, "postgres.log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		return err
	}
	return waitFor(ctx, 30*time.Second, func() bool {
		return p.cmd(ctx, "pg_isready", "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "-U", "postgres").Run() == nil
	})
}

// Stop stops the cluster (fast shutdown: sessions are cut).
func (p *Postgres) Stop(ctx context.Context) error {
	return p.run(ctx, "pg_ctl", "-D", filepath.Join(p.Dir, "data"), "-m", "fast", "-w", "-t", "60", "stop")
}

// Query runs one SQL statement with psql and returns its unaligned rows.
func (p *Postgres) Query(ctx context.Context, db, sql string) ([]string, error) {
	out, err := p.cmd(ctx, "psql", "-X", "-q", "-At", "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "-U", "postgres", "-d", db,
		"-v", "ON_ERROR_STOP=1", "-c", sql).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("psql %q: %w: %s", sql, err, ee.Stderr)
		}
		return nil, err
	}
	var rows []string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l != "" {
			rows = append(rows, l)
		}
	}
	return rows, nil
}

// MinIO is a MinIO server of our own.
type MinIO struct {
	Bin       string
	Dir       string
	Port      int
	User, Key string
	Log       io.Writer

	cmd *exec.Cmd
}

// Addr is host:port of the S3 API.
func (m *MinIO) Addr() string { return fmt.Sprintf("127.0.0.1:%d", m.Port) }

// Start starts the server and waits until its object layer answers.
func (m *MinIO) Start(ctx context.Context) error {
	cport, err := FreePort()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(m.Dir, 0o755); err != nil {
		return err
	}
	c := exec.Command(m.Bin, "server", m.Dir, "--address", m.Addr(), "--console-address", fmt.Sprintf("127.0.0.1:%d", cport), "--quiet")
	c.Env = append(os.Environ(), "MINIO_ROOT_USER="+m.User, "MINIO_ROOT_PASSWORD="+m.Key, "MINIO_BROWSER=off", "MINIO_UPDATE=off")
	c.Stdout, c.Stderr = m.Log, m.Log
	if err := c.Start(); err != nil {
		return err
	}
	m.cmd = c
	return waitFor(ctx, 60*time.Second, func() bool {
		r, err := http.Get("http://" + m.Addr() + "/minio/health/ready")
		if err != nil {
			return false
		}
		r.Body.Close()
		if r.StatusCode != 200 {
			return false
		}
		r, err = http.Get("http://" + m.Addr() + "/")
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode != http.StatusServiceUnavailable
	})
}

// Stop ends the server (SIGTERM, then SIGKILL after 10 s).
func (m *MinIO) Stop() error {
	if m.cmd == nil {
		return nil
	}
	c := m.cmd
	m.cmd = nil
	return stopProcess(c, syscall.SIGTERM, 10*time.Second)
}

// stopProcess signals c and waits for it, killing it after grace.
func stopProcess(c *exec.Cmd, sig syscall.Signal, grace time.Duration) error {
	_ = c.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(grace):
		_ = c.Process.Kill()
		<-done
	}
	return nil
}

// Instance is one `vanthu serve` process on a fixed address, restartable.
type Instance struct {
	Name string
	Bin  string
	// Env are its VANTHU_* settings. VANTHU_ADDR and VANTHU_EXCHANGE_ADDR
	// may give port 0: the first Start puts the addresses serve bound in
	// their place, and the instance keeps them from then on.
	Env []string
	Log io.Writer

	mu    sync.Mutex
	cmd   *exec.Cmd
	Kills int
}

// URL is the base URL of the instance's API.
func (in *Instance) URL() string {
	for _, e := range in.Env {
		if v, ok := strings.CutPrefix(e, "VANTHU_ADDR="); ok {
			return "http://" + v
		}
	}
	return ""
}

// announcements are the lines of serve's standard output that give the
// address a setting's listener bound.
var announcements = map[string]string{"VANTHU_ADDR": "vanthu listening on http://", "VANTHU_EXCHANGE_ADDR": "vanthu exchange listening on https://"}

// Start runs `vanthu serve` and waits until it listens. A start on port
// 0 keeps the addresses serve announces (see Env), so that a restart
// listens where the load, the checks and the peer agency reach it. A
// restart whose address another process holds meanwhile (a kill -9
// frees the port until serve binds it again) is tried again for up to
// 90 s; a port picked and closed beforehand could be taken for good.
func (in *Instance) Start(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	deadline := time.Now().Add(90 * time.Second)
	for {
		err := in.startLocked(ctx)
		if err == nil || !in.addressTaken() || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// addressTaken reports whether another process holds one of the fixed
// addresses the instance listens on.
func (in *Instance) addressTaken() bool {
	for _, e := range in.Env {
		k, addr, _ := strings.Cut(e, "=")
		if _, ok := announcements[k]; !ok || strings.HasSuffix(addr, ":0") {
			continue
		}
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			ln.Close()
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			return true
		}
	}
	return false
}

func (in *Instance) startLocked(ctx context.Context) error {
	c := exec.Command(in.Bin, "serve")
	c.Env = append(os.Environ(), in.Env...)
	tail := &lastBytes{max: 2048}
	c.Stderr = io.MultiWriter(in.Log, tail)
	out, err := c.StdoutPipe()
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	ready := make(chan []string, 1) // the lines up to "vanthu listening on"; nil if it never came
	go func() {
		sc := bufio.NewScanner(out)
		var lines []string
		for sc.Scan() {
			if lines = append(lines, sc.Text()); strings.HasPrefix(sc.Text(), announcements["VANTHU_ADDR"]) {
				ready <- lines
				io.Copy(io.Discard, out)
				return
			}
		}
		ready <- nil
	}()
	select {
	case lines := <-ready:
		if lines == nil {
			c.Wait()
			return fmt.Errorf("%s: serve exited before listening; its log ends:\n%s", in.Name, tail.String())
		}
		in.keepAddresses(lines)
	case <-time.After(90 * time.Second):
		c.Process.Kill()
		c.Wait()
		return fmt.Errorf("%s: serve not listening after 90 s", in.Name)
	case <-ctx.Done():
		c.Process.Kill()
		c.Wait()
		return ctx.Err()
	}
	in.cmd = c
	return nil
}

// keepAddresses puts the addresses serve announced in lines in place of
// the settings that gave port 0.
func (in *Instance) keepAddresses(lines []string) {
	for i, e := range in.Env {
		k, addr, _ := strings.Cut(e, "=")
		prefix, ok := announcements[k]
		if !ok || !strings.HasSuffix(addr, ":0") {
			continue
		}
		for _, l := range lines {
			if a, ok := strings.CutPrefix(l, prefix); ok {
				in.Env[i] = k + "=" + a
			}
		}
	}
}

// Kill9 kills the process with SIGKILL and waits for it to be gone.
func (in *Instance) Kill9() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cmd == nil {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGKILL)
	_ = in.cmd.Wait()
	in.cmd = nil
	in.Kills++
}

// Stop ends the process gracefully (SIGTERM).
func (in *Instance) Stop() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cmd == nil {
		return
	}
	_ = stopProcess(in.cmd, syscall.SIGTERM, 20*time.Second)
	in.cmd = nil
}

// CLI runs another vanthu subcommand with the instance's settings.
func (in *Instance) CLI(ctx context.Context, args ...string) (string, error) {
	c := exec.CommandContext(ctx, in.Bin, args...)
	c.Env = append(os.Environ(), in.Env...)
	var out, errb strings.Builder
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	if err != nil {
		return out.String(), fmt.Errorf("vanthu %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

func waitFor(ctx context.Context, d time.Duration, ok func() bool) error {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s", d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

// lastBytes keeps the last max bytes written to it (a process's log
// tail, for the error that says it did not start).
type lastBytes struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (l *lastBytes) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	if n := len(l.b) - l.max; n > 0 {
		l.b = append(l.b[:0], l.b[n:]...)
	}
	return len(p), nil
}

func (l *lastBytes) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}
