package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
)

// TestMigrateCLI: `vanthu migrate --status` on a new database lists every
// migration pending and changes nothing; `vanthu migrate` applies them and
// reports the version; a second run has nothing to do; --status then
// shows them applied.
func TestMigrateCLI(t *testing.T) {
	env := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	latest := gormdb.SchemaVersion()
	steps := []struct {
		args []string
		want []string
	}{
		{[]string{"migrate", "--status"}, []string{fmt.Sprintf("schema version 0 (this program knows %d); %d pending", latest, latest), "pending  "}},
		{[]string{"migrate", "--status"}, []string{"schema version 0 "}}, // --status changed nothing
		{[]string{"migrate"}, []string{fmt.Sprintf("schema migrated from version 0 to %d", latest)}},
		{[]string{"migrate"}, []string{fmt.Sprintf("schema is up to date (version %d)", latest)}},
		{[]string{"migrate", "--status"}, []string{fmt.Sprintf("schema version %d (this program knows %d); 0 pending", latest, latest), "   1  applied 20", "baseline"}},
	}
	for _, s := range steps {
		var out, errb bytes.Buffer
		if code := run(context.Background(), s.args, getenv, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", s.args, code, errb.String())
		}
		for _, w := range s.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v printed %q, want it to contain %q", s.args, out.String(), w)
			}
		}
	}
}
