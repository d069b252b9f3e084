package gormdb_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

func ptr[T any](v T) *T { return &v }

// fullDocument sets every field of Document to a non-zero value.
func fullDocument() *workflow.Document {
	archived := time.Date(2026, 11, 30, 1, 2, 3, 456000, time.UTC)
	retain := time.Date(2036, 11, 30, 0, 0, 0, 0, time.UTC)
	return &workflow.Document{
		ID:              "0c9fq3s2u8tgb1kfa0e0",
		Direction:       workflow.Outgoing,
		Type:            "QĐ",
		Subject:         "Về việc ban hành Quy chế làm việc của UBND quận Bình Thủy",
		Urgency:         workflow.UrgencyFlash,
		Confidentiality: workflow.Secret,
		State:           workflow.Issued,
		Version:         7,
		SignerID:        "u-officer",
		Recipients: []workflow.Org{
			{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"},
			{OrgID: "000.00.32.H13", Name: "UBND phường Trà Nóc"},
		},
		DraftingUnit:   "VP",
		Sender:         &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"},
		OriginalNumber: "125/UBND-VP",
		OriginalDate:   ptr(workflow.NewDate(2026, 11, 20)),
		Register:       workflow.RegisterConfidential,
		Year:           2026,
		Number:         15,
		Notation:       "15/QĐ-UBND",
		IssuedAt:       ptr(time.Date(2026, 11, 21, 2, 3, 4, 567891000, time.UTC)),
		RegisteredAt:   ptr(time.Date(2026, 11, 21, 2, 3, 5, 0, time.UTC)),
		AssigneeID:     "u-handler",
		DueDate:        ptr(workflow.NewDate(2026, 12, 1)),
		Retention:      "permanent",
		Notes:          "ghi chú: 'quotes' \"and\" 100% _under_ \\ back",
		Files: []workflow.File{
			{SHA256: "aa" + hex62('1'), Name: "quyết định.pdf", Size: 123456, Kind: workflow.FileMain, CreatedAt: t0},
			{SHA256: "bb" + hex62('2'), Name: "phụ lục.pdf", Size: 42, Kind: workflow.FileAttachment, CreatedAt: t0.Add(time.Second),
				Active: workflow.ActiveJavaScript | workflow.ActiveEmbeddedFile, Inspection: workflow.Inspected}, // kept in files' JSON (no column)
			{SHA256: "cc" + hex62('3'), Name: "signed.pdf", Size: 130000, Kind: workflow.FileSigned, CreatedAt: t0.Add(time.Hour)},
		},
		Verification: &workflow.Verification{
			Verdict: workflow.VerdictValid,
			Reasons: []string{"chữ ký 1 hợp lệ", "chữ ký 2 hợp lệ"},
			Report:  []byte(`{"signatures":[{"valid":true}],"bin":"\u0000"}` + "\x00\xff"),
		},
		Layout: &workflow.Layout{Signature: &workflow.Box{Page: 0, X: 320, Y: 90, W: 200, H: 80},
			Number: &workflow.Box{Page: 1, X: 60, Y: 760, W: 160, H: 16}},
		ExternalID:       "000.00.00.H13,2026/11/20,125/UBND-VP",
		ExternalIDAsSent: "000.00.00.H13, 2026/11/20, 125/UBND-VP",
		DeliveryKey:      "update:5d0c2a9e",
		VerifyCode:       "ABCDE23FGH",
		Replaces:         "d-old",
		Updates:          "d-older",
		ReplacedBy:       "d-new",
		UpdatedBy:        "d-newer",
		RevokeState:      "requested",
		RevokeReason:     "Ban hành nhầm thẩm quyền",
		RevokeAnswer:     "Đã thi hành xong",
		RejectReason:     "envelope: digest mismatch",
		RepliesTo:        "d-letter",
		RepliedBy:        "d-reply",
		ArchivedAt:       &archived,
		RetainUntil:      &retain,
		LegalHold:        true,
		CreatedBy:        "u-handler",
		CreatedAt:        t0,
		UpdatedAt:        t0.Add(26 * time.Hour),
	}
}

func hex62(c byte) string {
	b := make([]byte, 62)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

// TestFullDocumentHasEveryField guards the round-trip test: a field added
// to workflow.Document must be added to fullDocument (and to the row).
func TestFullDocumentHasEveryField(t *testing.T) {
	v := reflect.ValueOf(*fullDocument())
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Errorf("fullDocument leaves %s zero: set it, and check documentRow persists it", v.Type().Field(i).Name)
		}
	}
}

func TestDocumentRoundTrip(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		minimal := &workflow.Document{ID: "minimal", Direction: workflow.Incoming, State: workflow.Received, Version: 1}
		viaVietnam := incomingDoc("zone", 0)
		viaVietnam.CreatedAt = t0.In(workflow.Vietnam)
		viaVietnam.DueDate = ptr(workflow.NewDate(2026, 11, 22))
		// Before PostgreSQL's epoch (2000-01-01): negative binary values.
		old := incomingDoc("y2k", 0)
		old.CreatedAt = time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC)
		old.OriginalDate = ptr(workflow.NewDate(1975, 4, 30))
		for _, d := range []*workflow.Document{fullDocument(), minimal, viaVietnam, old} {
			t.Run(d.ID, func(t *testing.T) {
				create(t, db, d)
				got, err := db.Document(ctx, d.ID)
				if err != nil {
					t.Fatal(err)
				}
				want := normalize(d)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("round trip:\n got  %+v\n want %+v", got, want)
				}
				// And through a transaction's LockDocument.
				err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					got, err := tx.LockDocument(ctx, d.ID)
					if err != nil {
						return err
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("LockDocument:\n got  %+v\n want %+v", got, want)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		}

		t.Run("ErrDuplicateID", func(t *testing.T) {
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				return tx.CreateDocument(ctx, incomingDoc("minimal", 1))
			})
			wantCode(t, err, workflow.ECONFLICT)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := db.Document(ctx, "nope")
			wantCode(t, err, workflow.ENOTFOUND)
			err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				_, err := tx.LockDocument(ctx, "nope")
				return err
			})
			wantCode(t, err, workflow.ENOTFOUND)
		})
		t.Run("ErrDuplicateNumber", func(t *testing.T) {
			a, b := incomingDoc("num-a", 1), incomingDoc("num-b", 2)
			for _, d := range []*workflow.Document{a, b} {
				d.Register, d.Year, d.Number = workflow.RegisterIncoming, 2026, 9
			}
			create(t, db, a)
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, b) })
			wantCode(t, err, workflow.ECONFLICT)
			b.Year = 2027 // another year's register: fine
			create(t, db, b)
		})
	})
}

// normalize is what a document looks like after a round trip: times in
// UTC at microsecond precision.
func normalize(d *workflow.Document) *workflow.Document {
	c := *d
	tm := func(t time.Time) time.Time {
		if t.IsZero() {
			return time.Time{}
		}
		return t.UTC().Truncate(time.Microsecond)
	}
	tp := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		return ptr(tm(*t))
	}
	c.CreatedAt, c.UpdatedAt = tm(d.CreatedAt), tm(d.UpdatedAt)
	c.IssuedAt, c.RegisteredAt = tp(d.IssuedAt), tp(d.RegisteredAt)
	c.Files = nil
	for _, f := range d.Files {
		f.CreatedAt = tm(f.CreatedAt)
		c.Files = append(c.Files, f)
	}
	return &c
}

func TestUpdateDocument(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		d := incomingDoc("doc", 0)
		create(t, db, d)
		update := func(d *workflow.Document, prev int) error {
			return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				return tx.UpdateDocument(ctx, d, prev)
			})
		}

		t.Run("OK", func(t *testing.T) {
			next := fullDocument()
			next.ID, next.Version = "doc", 2
			if err := update(next, 1); err != nil {
				t.Fatal(err)
			}
			got, err := db.Document(ctx, "doc")
			if err != nil {
				t.Fatal(err)
			}
			if want := normalize(next); !reflect.DeepEqual(got, want) {
				t.Errorf("after update:\n got  %+v\n want %+v", got, want)
			}
			// Back to nil pointers and empty lists: they must clear.
			clear := incomingDoc("doc", 0)
			clear.Version, clear.Sender = 3, nil
			if err := update(clear, 2); err != nil {
				t.Fatal(err)
			}
			got, _ = db.Document(ctx, "doc")
			if want := normalize(clear); !reflect.DeepEqual(got, want) {
				t.Errorf("after clearing update:\n got  %+v\n want %+v", got, want)
			}
		})
		t.Run("ErrConflict", func(t *testing.T) {
			stale := incomingDoc("doc", 0)
			stale.Subject, stale.Version = "stale write", 2
			err := update(stale, 1) // stored version is 3
			wantCode(t, err, workflow.ECONFLICT)
			got, _ := db.Document(ctx, "doc")
			if got.Version != 3 || got.Subject == "stale write" {
				t.Errorf("stale update changed the document: version %d subject %q", got.Version, got.Subject)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			err := update(incomingDoc("missing", 0), 1)
			wantCode(t, err, workflow.ENOTFOUND)
		})
		t.Run("ConflictRollsBackTheTransaction", func(t *testing.T) {
			stale := incomingDoc("doc", 0)
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				if _, err := tx.NextNumber(ctx, workflow.RegisterIncoming, 2026); err != nil {
					return err
				}
				if err := tx.AppendEvent(ctx, &workflow.Event{DocumentID: "doc", Kind: workflow.EventTransition, At: t0}); err != nil {
					return err
				}
				return tx.UpdateDocument(ctx, stale, 1)
			})
			wantCode(t, err, workflow.ECONFLICT)
			if head, err := db.AuditHead(ctx); err != nil || head != nil {
				t.Errorf("AuditHead after rollback = %+v, %v; want nil", head, err)
			}
			if evs, _ := db.Events(ctx, "doc"); len(evs) != 0 {
				t.Errorf("events after rollback: %+v", evs)
			}
		})
		t.Run("SameDocumentConcurrently", func(t *testing.T) {
			// Eight writers read version 3 and write version 4: one wins.
			const writers = 8
			errs := make(chan error, writers)
			for range writers {
				go func() {
					errs <- db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
						d, err := tx.LockDocument(ctx, "doc")
						if err != nil {
							return err
						}
						d.Version = 4
						d.Notes += "x"
						return tx.UpdateDocument(ctx, d, 3)
					})
				}()
			}
			var ok, conflicts int
			for range writers {
				switch err := <-errs; workflow.ErrorCode(err) {
				case "":
					ok++
				case workflow.ECONFLICT:
					conflicts++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			if ok != 1 || conflicts != writers-1 {
				t.Errorf("%d succeeded, %d conflicted; want 1 and %d", ok, conflicts, writers-1)
			}
			got, _ := db.Document(ctx, "doc")
			if got.Version != 4 || got.Notes != "x" {
				t.Errorf("document after race: version %d notes %q, want 4 and \"x\"", got.Version, got.Notes)
			}
		})
	})
}

func TestUsersAndSessions(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		full := &workflow.User{
			ID: "u1", Username: "nguyenvana", FullName: "Nguyễn Văn A", Title: "Chủ tịch", Unit: "Văn phòng",
			Roles:        []workflow.Role{workflow.RoleOfficer, workflow.RoleAdmin},
			PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", Disabled: true,
			SigningKeyURI: "pkcs11:token=agency;object=sign", CertPEM: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
			SignatureImage: hex62('a') + "ff", CreatedAt: t0, PersonalID: "092080001234", MustChangePassword: true,
		}
		minimal := &workflow.User{ID: "u2", Username: "clerk"}
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			for _, u := range []*workflow.User{full, minimal} {
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("RoundTrip", func(t *testing.T) {
			for _, u := range []*workflow.User{full, minimal} {
				got, err := db.User(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, u) {
					t.Errorf("User(%s):\n got  %+v\n want %+v", u.ID, got, u)
				}
				got, err = db.UserByUsername(ctx, u.Username)
				if err != nil || !reflect.DeepEqual(got, u) {
					t.Errorf("UserByUsername(%s) = %+v, %v", u.Username, got, err)
				}
			}
			v := reflect.ValueOf(*full)
			for i := range v.NumField() {
				if v.Field(i).IsZero() {
					t.Errorf("the full user leaves %s zero", v.Type().Field(i).Name)
				}
			}
		})
		t.Run("UsersByUsername", func(t *testing.T) {
			us, err := db.Users(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(us) != 2 || us[0].Username != "clerk" || us[1].Username != "nguyenvana" {
				t.Errorf("Users() = %+v", us)
			}
		})
		t.Run("ErrDuplicateUsername", func(t *testing.T) {
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				return tx.CreateUser(ctx, &workflow.User{ID: "u3", Username: "clerk"})
			})
			wantCode(t, err, workflow.ECONFLICT)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := db.User(ctx, "nobody")
			wantCode(t, err, workflow.ENOTFOUND)
			_, err = db.UserByUsername(ctx, "Clerk")
			wantCode(t, err, workflow.ENOTFOUND)
		})
		t.Run("Update", func(t *testing.T) {
			u := *minimal
			u.Roles, u.FullName, u.Disabled = []workflow.Role{workflow.RoleClerk}, "Trần Thị B", true
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.UpdateUser(ctx, &u) })
			if err != nil {
				t.Fatal(err)
			}
			got, _ := db.User(ctx, "u2")
			if !reflect.DeepEqual(got, &u) {
				t.Errorf("after update %+v, want %+v", got, u)
			}
			u.Username = "nguyenvana"
			err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.UpdateUser(ctx, &u) })
			wantCode(t, err, workflow.ECONFLICT)
			err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				return tx.UpdateUser(ctx, &workflow.User{ID: "ghost", Username: "ghost"})
			})
			wantCode(t, err, workflow.ENOTFOUND)
		})
		t.Run("Sessions", func(t *testing.T) {
			now := t0
			db.Now = func() time.Time { return now }
			defer func() { db.Now = time.Now }()
			s := &workflow.Session{TokenHash: "h1", UserID: "u1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateSession(ctx, s) })
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.Session(ctx, "h1")
			if err != nil || !reflect.DeepEqual(got, s) {
				t.Errorf("Session = %+v, %v; want %+v", got, err, s)
			}
			// The hand-written reads of a session's user give every field.
			if gs, gu, err := db.SessionUser(ctx, "h1"); err != nil || !reflect.DeepEqual(gs, s) || !reflect.DeepEqual(gu, full) {
				t.Errorf("SessionUser = %+v, %+v, %v; want %+v, %+v", gs, gu, err, s, full)
			}
			if gss, gus, err := db.SessionUsers(ctx, []string{"h1"}); err != nil || len(gus) != 1 || !reflect.DeepEqual(gss[0], s) || !reflect.DeepEqual(gus[0], full) {
				t.Errorf("SessionUsers = %+v, %+v, %v; want %+v", gss, gus, err, full)
			}
			now = t0.Add(time.Hour) // expired at ExpiresAt
			_, err = db.Session(ctx, "h1")
			wantCode(t, err, workflow.ENOTFOUND)
			if n, err := db.DeleteExpiredSessions(ctx); err != nil || n != 1 {
				t.Errorf("DeleteExpiredSessions = %d, %v; want 1", n, err)
			}
			now = t0
			if _, err := db.Session(ctx, "h1"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
				t.Errorf("expired session not deleted: %v", err)
			}
			_, err = db.Session(ctx, "unknown")
			wantCode(t, err, workflow.ENOTFOUND)

			s2 := &workflow.Session{TokenHash: "h2", UserID: "u1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
			err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateSession(ctx, s2) })
			if err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteSession(ctx, "h2"); err != nil {
				t.Fatal(err)
			}
			_, err = db.Session(ctx, "h2")
			wantCode(t, err, workflow.ENOTFOUND)
		})
		t.Run("DeleteOtherSessions", func(t *testing.T) {
			// A user's own password change ends their sessions but the
			// one they changed it in; another user's stay.
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				for _, s := range []*workflow.Session{{TokenHash: "keep", UserID: "u1"}, {TokenHash: "o1", UserID: "u1"},
					{TokenHash: "o2", UserID: "u1"}, {TokenHash: "else", UserID: "u2"}} {
					s.CreatedAt, s.ExpiresAt = time.Now(), time.Now().Add(time.Hour)
					if err := tx.CreateSession(ctx, s); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var n int64
			err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				var err error
				n, err = tx.(auth.OtherSessionEnder).DeleteOtherSessions(ctx, "u1", "keep")
				return err
			})
			if err != nil || n != 2 {
				t.Fatalf("DeleteOtherSessions = %d, %v; want 2", n, err)
			}
			for h, live := range map[string]bool{"keep": true, "o1": false, "o2": false, "else": true} {
				if _, err := db.Session(ctx, h); (err == nil) != live {
					t.Errorf("session %s after DeleteOtherSessions: %v, want live=%v", h, err, live)
				}
			}
		})
	})
}

func TestAtomic(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		t.Run("ErrorRollsBackAndIsReturnedAsIs", func(t *testing.T) {
			sentinel := errors.New("boom")
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				if err := tx.CreateDocument(ctx, incomingDoc("rolled-back", 0)); err != nil {
					return err
				}
				return sentinel
			})
			if err != sentinel {
				t.Fatalf("Atomic returned %v, want the sentinel itself", err)
			}
			_, err = db.Document(ctx, "rolled-back")
			wantCode(t, err, workflow.ENOTFOUND)
		})
		t.Run("ReadsThroughTheTransactionContext", func(t *testing.T) {
			// On SQLite's single connection a read that bypassed the
			// transaction would wait forever: bound it.
			tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			err := db.Atomic(tctx, func(ctx context.Context, tx workflow.Tx) error {
				if err := tx.CreateDocument(ctx, incomingDoc("in-tx", 0)); err != nil {
					return err
				}
				d, err := db.Document(ctx, "in-tx") // the DB, with the tx's ctx
				if err != nil {
					return err
				}
				if d.ID != "in-tx" {
					t.Errorf("read %q", d.ID)
				}
				// A nested Atomic is a savepoint of the same transaction.
				inner := errors.New("inner")
				err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					if err := tx.CreateDocument(ctx, incomingDoc("nested-rolled-back", 0)); err != nil {
						return err
					}
					return inner
				})
				if err != inner {
					t.Errorf("nested Atomic = %v", err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Document(ctx, "in-tx"); err != nil {
				t.Errorf("outer write lost: %v", err)
			}
			_, err = db.Document(ctx, "nested-rolled-back")
			wantCode(t, err, workflow.ENOTFOUND)
		})
		t.Run("Ping", func(t *testing.T) {
			if err := db.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := gormdb.Open(ctx, "mysql://x:secret@host/db", t.TempDir(), nil)
	wantCode(t, err, workflow.EINVALID)
	if err != nil && strings.Contains(err.Error(), "secret") {
		t.Errorf("error leaks the password: %v", err)
	}
	_, err = gormdb.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=5", t.TempDir(), nil)
	wantCode(t, err, workflow.EUNAVAILABLE)

	// A closed database is unavailable.
	db := gormdbtest.Open(t, gormdb.SQLite)
	db.Close()
	wantCode(t, db.Ping(ctx), workflow.EUNAVAILABLE)
	_, err = db.Document(ctx, "x")
	wantCode(t, err, workflow.EUNAVAILABLE)
}

// createUnarchived stores fullDocument as a document not yet archived
// and returns it with its verification report.
func createUnarchived(t *testing.T, db *gormdb.DB) (*workflow.Document, []byte) {
	t.Helper()
	d := fullDocument()
	d.ArchivedAt, d.RetainUntil, d.LegalHold = nil, nil, false
	create(t, db, d)
	return d, d.Verification.Report
}

// TestUpdateKeepsReport: an update in a transaction that read the
// document leaves verification_report out of its statement when the
// report is the one read, and writes it otherwise (a new report, a
// cleared one, or no read of that version); the stored report is right in
// each case, by UpdateDocument and by UpdateAndAppend.
func TestUpdateKeepsReport(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		d, report := createUnarchived(t, db)
		step := func(name string, change func(*workflow.Document), read, wantKeep, appendEvent bool, want []byte) {
			t.Helper()
			before, err := db.Document(ctx, d.ID) // outside the transaction
			if err != nil {
				t.Fatal(err)
			}
			err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				cur := before
				if read {
					if cur, err = tx.LockDocument(ctx, d.ID); err != nil {
						return err
					}
				}
				prev := cur.Version
				cur.Version++
				cur.Notes = name
				change(cur)
				if keep := gormdb.UpdateKeepsReport(tx, cur, prev); keep != wantKeep {
					t.Errorf("%s: keeps the report %v, want %v", name, keep, wantKeep)
				}
				if appendEvent {
					return tx.(workflow.UpdateAppender).UpdateAndAppend(ctx, cur, prev, &workflow.Event{DocumentID: d.ID, Kind: workflow.EventComment, At: t0, Comment: name})
				}
				return tx.UpdateDocument(ctx, cur, prev)
			})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got, err := db.Document(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			var gotReport []byte
			if got.Verification != nil {
				gotReport = got.Verification.Report
			}
			if got.Notes != name || !bytes.Equal(gotReport, want) || (gotReport == nil) != (want == nil) {
				t.Errorf("%s: notes %q, report %q; want %q", name, got.Notes, gotReport, want)
			}
		}
		same := func(*workflow.Document) {}
		other := []byte(`{"signatures":[]}`)
		step("same report", same, true, true, false, report)
		step("same report, appended", same, true, true, true, report)
		step("not read here", same, false, false, false, report)
		step("new report", func(d *workflow.Document) { d.Verification.Report = other }, true, false, true, other)
		step("same again", same, true, true, true, other)
		step("no verification", func(d *workflow.Document) { d.Verification = nil }, true, false, false, nil)
		step("still none", same, true, true, true, nil)
		step("report back", func(d *workflow.Document) {
			d.Verification = &workflow.Verification{Verdict: workflow.VerdictValid, Report: report}
		}, true, false, false, report)
	})
}

// adoptNext is a copy of before adopted by tx (the files a list of its
// own), at the next version; prev is before's version.
func adoptNext(tx workflow.Tx, before *workflow.Document) (cur *workflow.Document, prev int, err error) {
	c := *before
	c.Files = slices.Clone(before.Files)
	if err := tx.(workflow.DocumentAdopter).AdoptDocument(&c); err != nil {
		return nil, 0, err
	}
	prev = c.Version
	c.Version++
	return &c, prev, nil
}

// TestAdoptDocument: a transaction that adopts a document read outside it
// updates it as one that read it locked would — the report it keeps is not
// written again, unchanged files need no claims check, new ones do — and
// a document changed since it was read is refused (ECONFLICT) with
// nothing written, the audit chain included.
func TestAdoptDocument(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		d, report := createUnarchived(t, db)
		step := func(name string, before *workflow.Document, change func(*workflow.Document), wantKeep, wantCheck bool) error {
			t.Helper()
			return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				cur, prev, err := adoptNext(tx, before)
				if err != nil {
					return err
				}
				cur.Notes = name
				change(cur)
				if keep := gormdb.UpdateKeepsReport(tx, cur, prev); keep != wantKeep {
					t.Errorf("%s: keeps the report %v, want %v", name, keep, wantKeep)
				}
				if check := gormdb.UpdateChecksFiles(tx, cur, prev); check != wantCheck {
					t.Errorf("%s: checks the files %v, want %v", name, check, wantCheck)
				}
				return tx.(workflow.UpdateAppender).UpdateAndAppend(workflow.WithLastWrite(ctx), cur, prev,
					&workflow.Event{DocumentID: d.ID, Kind: workflow.EventComment, At: t0, Comment: name})
			})
		}
		read := func() *workflow.Document {
			t.Helper()
			got, err := db.Document(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		events := func() int {
			t.Helper()
			evs, err := db.Events(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(evs)
		}
		before := read()
		if err := step("unchanged", before, func(*workflow.Document) {}, true, false); err != nil {
			t.Fatal(err)
		}
		got := read()
		if got.Notes != "unchanged" || got.Version != before.Version+1 || !bytes.Equal(got.Verification.Report, report) {
			t.Fatalf("after the adopted update: notes %q version %d report %q", got.Notes, got.Version, got.Verification.Report)
		}
		n := events()
		// before is now stale: its update must change nothing.
		err := step("stale", before, func(*workflow.Document) {}, true, false)
		if workflow.ErrorCode(err) != workflow.ECONFLICT {
			t.Fatalf("update of a document adopted at a stale version: %v, want ECONFLICT", err)
		}
		if again := read(); again.Notes != "unchanged" || again.Version != got.Version || events() != n {
			t.Fatalf("the stale update wrote: notes %q version %d, %d events (was %d)", again.Notes, again.Version, events(), n)
		}
		other := []byte(`{"signatures":[]}`)
		err = step("new file and report", got, func(d *workflow.Document) {
			d.Files = append(d.Files, workflow.File{SHA256: strings.Repeat("ab", 32), Name: "x.pdf", Size: 1, Kind: workflow.FileSigned, CreatedAt: t0})
			d.Verification = &workflow.Verification{Verdict: workflow.VerdictValid, Report: other}
		}, false, true)
		if err != nil {
			t.Fatal(err)
		}
		if last := read(); len(last.Files) != len(got.Files)+1 || !bytes.Equal(last.Verification.Report, other) || events() != n+1 {
			t.Fatalf("after the update with a new file and report: %d files, report %q", len(last.Files), last.Verification.Report)
		}
	})
}
