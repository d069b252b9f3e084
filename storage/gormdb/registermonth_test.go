package gormdb_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// registerLine is one line of TestRegisterMonthIsTheYearFiltered's
// register 2025: a document of a register dated at an instant (nil: never
// issued or registered), or a reserved or voided number taken at an
// instant (and voided at another).
type registerLine struct {
	name     string
	kind     workflow.RegisterKind
	at       *time.Time // the issue (outgoing) or registration (incoming)
	other    *time.Time // the other of the two, which does not date the line
	reserved *time.Time // a number without a document: taken at
	voided   *time.Time // and voided at
	month    time.Month // the month it is listed in, 0 for none
}

// ict is an instant in Vietnam (UTC+7), the office's calendar.
func ict(y int, m time.Month, d, h, mi, s, ns int) *time.Time {
	t := time.Date(y, m, d, h, mi, s, ns, time.FixedZone("ICT", 7*3600))
	return &t
}

// registerLines are the edges of a month: the first and last instant of
// Vietnam's days at the month's ends (another UTC day), a line dated
// after the register's year ended (an issue finished on New Year's day:
// listed under January, as RowsInMonth reads it) or before it, a line
// without a date, a document with both dates (only its own counts), and
// reserved and voided numbers.
var registerLines = []registerLine{
	{name: "first instant of the year", kind: workflow.RegisterIncoming, at: ict(2025, 1, 1, 0, 0, 0, 0), month: 1},
	{name: "last microsecond of February", kind: workflow.RegisterIncoming, at: ict(2025, 2, 28, 23, 59, 59, 999999000), month: 2},
	{name: "first instant of March", kind: workflow.RegisterIncoming, at: ict(2025, 3, 1, 0, 0, 0, 0), month: 3},
	{name: "March 31, 23:30 (UTC: 16:30)", kind: workflow.RegisterIncoming, at: ict(2025, 3, 31, 23, 30, 0, 0), month: 3},
	{name: "April 1, 06:59 (UTC: March 31)", kind: workflow.RegisterIncoming, at: ict(2025, 4, 1, 6, 59, 0, 0), month: 4},
	{name: "incoming, a time of issue too", kind: workflow.RegisterIncoming, at: ict(2025, 5, 10, 9, 0, 0, 0), other: ict(2025, 6, 10, 9, 0, 0, 0), month: 5},
	{name: "incoming never registered", kind: workflow.RegisterIncoming},
	{name: "last microsecond of the year", kind: workflow.RegisterIncoming, at: ict(2025, 12, 31, 23, 59, 59, 999999000), month: 12},
	{name: "classified incoming in March", kind: workflow.RegisterConfidentialIncoming, at: ict(2025, 3, 15, 10, 0, 0, 0), month: 3},
	{name: "outgoing, first of June", kind: workflow.RegisterOutgoing, at: ict(2025, 6, 1, 0, 0, 0, 0), month: 6},
	{name: "outgoing, last of May", kind: workflow.RegisterOutgoing, at: ict(2025, 5, 31, 23, 59, 59, 0), month: 5},
	{name: "outgoing, registration date too", kind: workflow.RegisterOutgoing, at: ict(2025, 7, 2, 8, 0, 0, 0), other: ict(2025, 8, 2, 8, 0, 0, 0), month: 7},
	{name: "outgoing numbered, not issued", kind: workflow.RegisterOutgoing, other: ict(2025, 7, 2, 8, 0, 0, 0)},
	{name: "outgoing issued on New Year's day after", kind: workflow.RegisterOutgoing, at: ict(2026, 1, 1, 0, 0, 30, 0), month: 1},
	{name: "outgoing issued in March of the next year", kind: workflow.RegisterOutgoing, at: ict(2026, 3, 2, 10, 0, 0, 0), month: 3},
	{name: "outgoing dated before the year", kind: workflow.RegisterOutgoing, at: ict(2024, 12, 31, 23, 0, 0, 0), month: 12},
	{name: "classified outgoing in July", kind: workflow.RegisterConfidential, at: ict(2025, 7, 31, 23, 59, 0, 0), month: 7},
	{name: "reserved on March 1", kind: workflow.RegisterOutgoing, reserved: ict(2025, 3, 1, 0, 5, 0, 0), month: 3},
	{name: "taken in February, voided in March", kind: workflow.RegisterOutgoing, reserved: ict(2025, 2, 28, 23, 0, 0, 0), voided: ict(2025, 3, 1, 0, 0, 0, 0), month: 3},
	{name: "taken in December, voided in January", kind: workflow.RegisterOutgoing, reserved: ict(2025, 12, 31, 23, 0, 0, 0), voided: ict(2026, 1, 1, 1, 0, 0, 0), month: 1},
}

// TestRegisterMonthIsTheYearFiltered: a month of a register, read from
// the index of its dates, is exactly the year read whole and filtered by
// workflow.RowsInMonth — each line in the month the table says (the
// office's calendar, UTC+7), voided and reserved numbers included — on
// both databases, with the process and the database session in time
// zones far from Vietnam.
func TestRegisterMonthIsTheYearFiltered(t *testing.T) {
	if !inEveryZone(t, "TestRegisterMonthIsTheYearFiltered") {
		return
	}
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dsn := ""
			if backend == gormdb.Postgres {
				if os.Getenv(gormdbtest.EnvDatabaseURL) == "" {
					t.Skip("VANTHU_TEST_DATABASE_URL not set")
				}
				dsn = pgInZone(t)
			}
			db, err := gormdb.Open(ctx, dsn, t.TempDir(), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			seedRegisterLines(t, db)
			svc := &workflow.Service{Repo: db}
			clerk := &workflow.User{ID: "u-clerk", Roles: []workflow.Role{workflow.RoleClerk}}
			for _, kind := range []workflow.RegisterKind{workflow.RegisterIncoming, workflow.RegisterConfidentialIncoming, workflow.RegisterOutgoing, workflow.RegisterConfidential} {
				year, err := svc.RegisterRows(ctx, clerk, kind, 2025, 0)
				if err != nil {
					t.Fatal(err)
				}
				for m := time.January; m <= time.December; m++ {
					got, err := svc.RegisterRows(ctx, clerk, kind, 2025, m)
					if err != nil {
						t.Fatal(err)
					}
					if g, w := lineNumbers(got), lineNumbers(workflow.RowsInMonth(year, m)); !slices.Equal(g, w) {
						t.Errorf("%s month %d: numbers %v, the year filtered %v", kind, m, g, w)
					}
					if g, w := lineNames(got), wantLines(kind, m); !slices.Equal(g, w) {
						t.Errorf("%s month %d: lines %q, want %q", kind, m, g, w)
					}
				}
			}
		})
	}
}

// seedRegisterLines stores registerLines in register 2025, numbered in
// table order within each register.
func seedRegisterLines(t *testing.T, db *gormdb.DB) {
	t.Helper()
	ctx := context.Background()
	next := map[workflow.RegisterKind]int{}
	for i, l := range registerLines {
		next[l.kind]++
		d := incomingDoc(fmt.Sprintf("line%02d", i), i)
		d.Subject, d.State, d.Register, d.Year, d.Number = l.name, workflow.Registered, l.kind, 2025, next[l.kind]
		d.RegisteredAt, d.IssuedAt = l.at, l.other
		if l.kind == workflow.RegisterOutgoing || l.kind == workflow.RegisterConfidential {
			d.Direction, d.Sender, d.State, d.IssuedAt, d.RegisteredAt = workflow.Outgoing, nil, workflow.Issued, l.at, l.other
		}
		if l.kind.Classified() {
			d.Confidentiality = workflow.Secret
		}
		if l.reserved != nil {
			d.Number, d.IssuedAt, d.State = 0, nil, workflow.OfficerSigned
		}
		create(t, db, d)
		if l.reserved == nil {
			continue
		}
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			r := &workflow.Reservation{ID: "r-" + d.ID, Register: l.kind, Year: 2025, Number: next[l.kind], DocumentID: d.ID,
				Actor: "u-clerk", State: workflow.NumberReserved, CreatedAt: *l.reserved}
			if err := tx.CreateReservation(ctx, r); err != nil {
				return err
			}
			if l.voided == nil {
				return nil
			}
			return tx.VoidReservation(ctx, r.ID, "the signature failed", *l.voided)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func lineNumbers(rows []workflow.RegisterRow) []int {
	out := []int{}
	for _, r := range rows {
		out = append(out, r.Number)
	}
	return out
}

func lineNames(rows []workflow.RegisterRow) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.Subject)
	}
	return out
}

// wantLines are the names of registerLines of kind in month m, in number
// order (table order).
func wantLines(kind workflow.RegisterKind, m time.Month) []string {
	out := []string{}
	for _, l := range registerLines {
		if l.kind == kind && l.month == m {
			out = append(out, l.name)
		}
	}
	return out
}

// TestRegisterPagesAreTheYear: a register year walked a page at a time
// (the CSV of a year) gives the lines of the year read at once, in
// order, reserved and voided numbers between the pages included, for
// pages of every size around the register's.
func TestRegisterPagesAreTheYear(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		seedRegisterLines(t, db)
		clerk := &workflow.User{ID: "u-clerk", Roles: []workflow.Role{workflow.RoleClerk}}
		for _, size := range []int{1, 2, 3, 7, 0} {
			svc := &workflow.Service{Repo: db, RegisterPage: size}
			for _, kind := range []workflow.RegisterKind{workflow.RegisterIncoming, workflow.RegisterConfidentialIncoming, workflow.RegisterOutgoing, workflow.RegisterConfidential} {
				year, err := svc.RegisterRows(ctx, clerk, kind, 2025, 0)
				if err != nil {
					t.Fatal(err)
				}
				var got []workflow.RegisterRow
				parts := 0
				err = svc.EachRegisterRows(ctx, clerk, kind, 2025, 0, func(rows []workflow.RegisterRow) error {
					parts++
					got = append(got, rows...)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if g, w := lineNames(got), lineNames(year); !slices.Equal(g, w) || !slices.Equal(lineNumbers(got), lineNumbers(year)) {
					t.Errorf("%s in pages of %d: %q, the year %q", kind, size, g, w)
				}
				if docs := len(year); size > 0 && size < docs && parts < 2 {
					t.Errorf("%s in pages of %d: %d lines in %d part", kind, size, docs, parts)
				}
			}
		}
	})
}
