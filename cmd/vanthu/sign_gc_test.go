package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// envSignGCArgs, in a child process of TestSignCLIHeapFloor, holds the
// `vanthu sign` arguments (JSON) to run and count the collections of.
const envSignGCArgs = "VANTHU_TEST_SIGN_GC_ARGS"

// TestSignCLIHeapFloor: `vanthu sign` on a one-page PDF runs no garbage
// collection (the heap goal is held at gcfloor.DefaultFloor: under
// GOGC=100 its 1–3 collections were about a fifth of the process's CPU),
// and with GOGC in the environment it collects as that says — which also
// shows that the count sees collections. Each signature runs in a child
// process (this test binary), as a fresh `vanthu sign` does.
func TestSignCLIHeapFloor(t *testing.T) {
	if js := os.Getenv(envSignGCArgs); js != "" {
		signGCChild(t, js)
		return
	}
	p := newCLIPKI(t, "UBND quận Bình Thủy")
	in := writeFile(t, "in.pdf", testpdf.Make(1, "Quyết định số 15"))
	dir := t.TempDir()
	l1, l2 := filepath.Join(dir, "l1.pdf"), filepath.Join(dir, "l2.pdf")
	layers := [][]string{
		signArgsFor("officer", p.officerKey, "--title", "Chủ tịch", in, l1),
		signArgsFor("agency", p.agencyKey, "--number", "15", "--notation", "QĐ-UBND", "--place", "Bình Thủy", l1, l2),
	}
	for _, gogc := range []string{"", "100"} {
		total := 0
		for _, args := range layers {
			n := signGCCycles(t, args, gogc)
			if gogc == "" && n != 0 {
				t.Errorf("vanthu sign --layer %s: %d collections, want 0 (heap floor)", args[2], n)
			}
			total += n
		}
		if gogc != "" && total == 0 {
			t.Errorf("GOGC=%s: no collection in two layers; the count sees none", gogc)
		}
	}
}

// signGCCycles runs `vanthu sign args` in a child process with GOGC set to
// gogc (unset when empty) and returns the collections it made.
func signGCCycles(t *testing.T, args []string, gogc string) int {
	t.Helper()
	js, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignCLIHeapFloor$", "-test.count=1", "-test.v")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOGC=") && !strings.HasPrefix(kv, "GODEBUG=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, envSignGCArgs+"="+string(js))
	if gogc != "" {
		cmd.Env = append(cmd.Env, "GOGC="+gogc)
	}
	out, err := cmd.CombinedOutput()
	m := regexp.MustCompile(`gc-cycles=(\d+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// signGCChild runs `vanthu sign` as the process's own environment says and
// prints the collections it made.
func signGCChild(t *testing.T, js string) {
	var args []string
	if err := json.Unmarshal([]byte(js), &args); err != nil {
		t.Fatal(err)
	}
	// A collection the test binary's start-up began (its init allocates
	// more than vanthu's) must not end inside the count.
	runtime.GC()
	cycles := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(cycles)
	before := cycles[0].Value.Uint64()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, os.Getenv, &out, &errb)
	// A collection still marking when sign returns counts too (on a busy
	// machine its mark workers may not have finished yet, and the count
	// of completed cycles missed it): runtime.GC waits for it, then runs
	// one cycle of its own, which is not counted.
	runtime.GC()
	metrics.Read(cycles)
	if code != 0 {
		t.Fatalf("vanthu sign: exit %d: %s", code, errb.String())
	}
	fmt.Printf("gc-cycles=%d\n", cycles[0].Value.Uint64()-before-1)
}
