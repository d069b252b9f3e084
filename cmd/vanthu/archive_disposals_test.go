package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
)

// cliDisposals is what disposalsForCLI made: three lists, their records.
type cliDisposals struct {
	approved, proposed, interrupted *workflow.Disposal
	gone, held, kept, resumed       string // document IDs
}

// disposalsForCLI fills the installation of env (SQLite, local store):
// four records archived in 2010 with five years' retention
// (inArchive2010), then in 2016 a list of two approved (one of them put
// under legal hold after the approval), a list of one only proposed, and
// a list of one approved whose run stopped after its first object's
// deletion (the store went down).
func disposalsForCLI(t *testing.T, env map[string]string) (w cliDisposals) {
	t.Helper()
	inArchive2010(t, env, func(f archive2010) {
		w.gone = f.ArchiveDoc(t, f.Issued(t, archivetest.Options{Attachments: 1}).ID).ID
		w.held = f.ArchiveDoc(t, f.Completed(t, archivetest.Options{}).ID).ID
		w.kept = f.ArchiveDoc(t, f.Completed(t, archivetest.Options{}).ID).ID
		w.resumed = f.ArchiveDoc(t, f.Issued(t, archivetest.Options{Attachments: 1}).ID).ID
		f.Later()
		proposeApproveInterrupt(t, f, &w)
	})
	return w
}

// proposeApproveInterrupt makes disposalsForCLI's three lists of w's
// records, in 2016.
func proposeApproveInterrupt(t *testing.T, f archive2010, w *cliDisposals) {
	t.Helper()
	ctx := context.Background()
	arch, off := f.Users[workflow.RoleArchivist], f.Users[workflow.RoleOfficer]
	dec := workflow.Decision{Number: "15/QĐ-UBND", Date: workflow.NewDate(2016, 5, 30), Text: "Hết giá trị"}
	propose := func(title string, ids ...string) *workflow.Disposal {
		d, err := f.Archive.ProposeDisposal(ctx, arch, title, ids)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	approve := func(d *workflow.Disposal) *workflow.Disposal {
		d, err := f.Archive.ApproveDisposal(ctx, off, d.ID, dec)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	w.approved = approve(propose("Đợt 1", w.gone, w.held))
	if _, err := f.Archive.SetLegalHold(ctx, arch, w.held, true, "Thanh tra đang xác minh"); err != nil {
		t.Fatal(err)
	}
	w.proposed = propose("Đợt 2", w.kept)
	w.interrupted = approve(propose("Đợt 3", w.resumed))
	f.Archive.Store = &stopAfterDeletes{Blobs: f.Store, n: 1}
	if _, err := f.Archive.RunDisposal(ctx, arch, w.interrupted.ID); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Fatalf("the interrupted run: %v", err)
	}
	if d, _ := f.DB.Disposal(ctx, w.interrupted.ID); d.State != workflow.DisposalApproved || d.Items[0].State != workflow.ItemPending {
		t.Fatalf("after the interrupted run: %+v", d)
	}
}

// stopAfterDeletes fails every delete after the first n: the store went
// down half way through a run.
type stopAfterDeletes struct {
	workflow.Blobs
	n int
}

func (s *stopAfterDeletes) Delete(ctx context.Context, key string) error {
	if s.n <= 0 {
		return workflow.Errorf(workflow.EUNAVAILABLE, "store down")
	}
	s.n--
	return s.Blobs.Delete(ctx, key)
}

// TestArchiveDisposalsCLI: list (table, --state, --json) and show; run
// of a proposed list refused, nothing destroyed; run of the approved
// list destroys one record and holds back the one put under legal hold
// after the approval, as system:disposal in the audit trail; a second
// run changes nothing; the interrupted list's run finishes it.
func TestArchiveDisposalsCLI(t *testing.T) {
	env := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_LOG_LEVEL": "error", "VANTHU_ADMIN_PASSWORD": "admin-password-1"}
	w := disposalsForCLI(t, env)

	code, out, stderr := runCLI(t, env, "archive", "disposals", "list")
	if code != 0 || !strings.Contains(out, "3 lists") {
		t.Fatalf("list: exit %d\n%s\n%s", code, out, stderr)
	}
	wantLine(t, out, w.approved.ID, "approved", " 2 ", "archivist", "15/QĐ-UBND of 2016-05-30")
	wantLine(t, out, w.proposed.ID, "proposed", " 1 ", "archivist", " - ")
	code, out, _ = runCLI(t, env, "archive", "disposals", "list", "--state", "proposed")
	if code != 0 || !strings.Contains(out, w.proposed.ID) || strings.Contains(out, w.approved.ID) || !strings.Contains(out, "1 lists") {
		t.Fatalf("list --state proposed: exit %d\n%s", code, out)
	}
	if code, _, stderr = runCLI(t, env, "archive", "disposals", "list", "--state", "gone"); code != 2 || !strings.Contains(stderr, `-state "gone"`) {
		t.Fatalf("list --state gone: exit %d, %s", code, stderr)
	}
	code, out, _ = runCLI(t, env, "archive", "disposals", "list", "--json")
	var ls struct {
		Items []struct {
			ID, State      string
			DecisionNumber string `json:"decision_number"`
			Items          []struct {
				DocumentID string `json:"document_id"`
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &ls); code != 0 || err != nil || len(ls.Items) != 3 {
		t.Fatalf("list --json: exit %d, %v\n%s", code, err, out)
	}

	code, out, _ = runCLI(t, env, "archive", "disposals", "show", w.approved.ID)
	if code != 0 || !strings.Contains(out, "state     approved") || !strings.Contains(out, "decision 15/QĐ-UBND of 2016-05-30") {
		t.Fatalf("show: exit %d\n%s", code, out)
	}
	wantLine(t, out, w.gone, "pending")
	wantLine(t, out, w.held, "pending")

	// A proposed list is not run: nothing destroyed.
	code, out, stderr = runCLI(t, env, "archive", "disposals", "run", w.proposed.ID)
	if code != 1 || !strings.Contains(stderr, "is proposed: only an approved list is run") || !strings.Contains(stderr, "approves it in the web") {
		t.Fatalf("run of a proposed list: exit %d\n%s\n%s", code, out, stderr)
	}
	checkCLIDisposed(t, env, map[string]bool{w.kept: false})

	code, out, stderr = runCLI(t, env, "archive", "disposals", "run", w.approved.ID)
	if code != 0 || !strings.Contains(out, "DESTROYED "+w.gone+" ") || !strings.Contains(out, "1 destroyed now, 0 before, 1 held back, 0 pending") {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, stderr)
	}
	wantLine(t, out, "HELD      "+w.held, "under legal hold")
	checkCLIDisposed(t, env, map[string]bool{w.gone: true, w.held: false})

	code, out, _ = runCLI(t, env, "archive", "disposals", "run", w.approved.ID)
	if code != 0 || !strings.Contains(out, "0 destroyed now, 1 before, 1 held back") || strings.Contains(out, "DESTROYED") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, env, "archive", "disposals", "show", w.approved.ID)
	if code != 0 || !strings.Contains(out, "state     disposed") || !strings.Contains(out, "run       system:disposal") {
		t.Fatalf("show after the run: exit %d\n%s", code, out)
	}
	wantLine(t, out, w.gone, "destroyed", "files")
	wantLine(t, out, w.held, "held back", "under legal hold")

	// The interrupted run is finished.
	code, out, stderr = runCLI(t, env, "archive", "disposals", "run", w.interrupted.ID)
	if code != 0 || !strings.Contains(out, "DESTROYED "+w.resumed+" ") || !strings.Contains(out, ": disposed; 1 destroyed now, 0 before, 0 held back, 0 pending") {
		t.Fatalf("run of the interrupted list: exit %d\n%s\n%s", code, out, stderr)
	}
	checkCLIDisposed(t, env, map[string]bool{w.resumed: true})
	if code, out, stderr = runCLI(t, env, "audit", "verify"); code != 0 {
		t.Fatalf("audit verify: exit %d\n%s\n%s", code, out, stderr)
	}
}

// wantLine fails unless a line of out holds every one of want.
func wantLine(t *testing.T, out string, want ...string) {
	t.Helper()
	for line := range strings.SplitSeq(out, "\n") {
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			return
		}
	}
	t.Errorf("no line with %q in\n%s", want, out)
}

// checkCLIDisposed checks which documents' records were destroyed (want
// true) and that system:disposal is the actor of each record_disposed
// event.
func checkCLIDisposed(t *testing.T, env map[string]string, want map[string]bool) {
	t.Helper()
	ctx := context.Background()
	cfg := mustConfig(t, env)
	db, err := gormdb.Open(ctx, cfg.DatabaseURL, cfg.DataDir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id, destroyed := range want {
		gone, err := db.DisposedRecords(ctx, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		if (gone[id] != nil) != destroyed {
			t.Errorf("%s: destroyed %v, want %v", id, gone[id] != nil, destroyed)
		}
		if gone[id] != nil && gone[id].DisposedBy != workflow.DisposalCLI.ID {
			t.Errorf("%s: destroyed by %q, want %q", id, gone[id].DisposedBy, workflow.DisposalCLI.ID)
		}
		events, err := db.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		last := events[len(events)-1]
		if destroyed && (last.Kind != workflow.EventRecordDisposed || last.Actor != workflow.DisposalCLI.ID) {
			t.Errorf("%s: last event %s by %s, want record_disposed by %s", id, last.Kind, last.Actor, workflow.DisposalCLI.ID)
		}
	}
}
