package chaos

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeServe is set in the environment of the test binary run as a fake
// `vanthu serve`: it listens on VANTHU_ADDR and VANTHU_EXCHANGE_ADDR,
// exits 1 when it cannot, announces both as serve does and waits to be
// killed.
const fakeServe = "CHAOS_TEST_FAKE_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(fakeServe) != "" {
		runFakeServe()
		return
	}
	os.Exit(m.Run())
}

func runFakeServe() {
	var lines []string
	for _, k := range []string{"VANTHU_EXCHANGE_ADDR", "VANTHU_ADDR"} {
		ln, err := net.Listen("tcp", os.Getenv(k))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer ln.Close()
		lines = append(lines, announcements[k]+ln.Addr().String())
	}
	fmt.Println(strings.Join(lines, "\n"))
	for parent := os.Getppid(); os.Getppid() == parent; {
		time.Sleep(200 * time.Millisecond) // until killed, or the test is gone
	}
}

func fakeInstance(t *testing.T, addr, exchange string) *Instance {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in := &Instance{Name: "fake", Bin: self, Log: io.Discard,
		Env: []string{fakeServe + "=1", "VANTHU_ADDR=" + addr, "VANTHU_EXCHANGE_ADDR=" + exchange}}
	t.Cleanup(in.Kill9)
	return in
}

// TestInstanceKeepsAnnouncedAddresses: an instance started on port 0
// keeps the addresses serve announced, and a restart after kill -9
// listens there again.
func TestInstanceKeepsAnnouncedAddresses(t *testing.T) {
	in := fakeInstance(t, "127.0.0.1:0", "127.0.0.1:0")
	if err := in.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := strings.Join(in.Env, " ")
	for _, e := range in.Env[1:] {
		if strings.HasSuffix(e, ":0") {
			t.Fatalf("addresses not kept: %s", first)
		}
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(in.URL(), "http://"))
	if err != nil {
		t.Fatalf("nothing listens on %s: %v", in.URL(), err)
	}
	c.Close()
	in.Kill9()
	if err := in.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if again := strings.Join(in.Env, " "); again != first {
		t.Fatalf("restarted on %s, was %s", again, first)
	}
}

// TestInstanceRestartWaitsForItsAddress: a restart whose address another
// process holds is tried again until it is free (before, the instance
// failed to start: its port, picked and closed, had been taken).
func TestInstanceRestartWaitsForItsAddress(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in := fakeInstance(t, held.Addr().String(), "127.0.0.1:0")
	go func() {
		time.Sleep(1500 * time.Millisecond)
		held.Close()
	}()
	start := time.Now()
	if err := in.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("started after %v while its address was held for 1.5 s", d)
	}
	if in.URL() != "http://"+held.Addr().String() {
		t.Fatalf("listens on %s, want %s", in.URL(), held.Addr())
	}
}

// TestFreePortOutsideEphemeralRange: the ports the run's servers are
// restarted on are below the kernel's ephemeral range, where no outgoing
// connection takes them while a server is down.
func TestFreePortOutsideEphemeralRange(t *testing.T) {
	lo := ephemeralLow()
	for range 20 {
		p, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if p >= lo {
			t.Fatalf("FreePort = %d, in the ephemeral range from %d", p, lo)
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Fatalf("port %d is not free: %v", p, err)
		}
		ln.Close()
	}
}
