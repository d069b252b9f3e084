package workflow

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// RegisterRow is one line of a register with every field the registers
// of Decree 30 list (README: registers): a document of the register, or
// a number no issued document carries (Status voided or reserved).
type RegisterRow struct {
	Number          int
	Notation        string
	Date            *Date // issue date (outgoing), registration date (incoming), or when the number was taken or voided
	Type            DocType
	Subject         string
	Urgency         Urgency
	Confidentiality Confidentiality
	State           State // the document's state ("" on a number without one)
	// Outgoing.
	Signer       string // the signer's name
	Recipients   []Org
	FileCopyUnit string // the unit keeping the file copy
	Copies       int
	// Incoming.
	Sender         *Org
	OriginalNumber string
	OriginalDate   *Date
	Receiver       string // the assignee's name
	Notes          string
	DocumentID     string
	// Status is set on a number no issued document carries: NumberVoided
	// (a failed issue; Notes says why) or NumberReserved (an issue in
	// progress).
	Status ReservationState
}

// RegisterRows returns the lines of a register year for actor, in number
// order: its documents (as Register returns them) with names resolved,
// a revoked document's reason in its notes, and the reserved and voided
// numbers (as RegisterReservations returns them). A month 1–12 keeps the
// lines dated in it (RowsInMonth), read as such from a repository that is
// a RegisterDatedReader: a month costs a month's rows, not the year's; 0
// is the whole year. EFORBIDDEN, EINVALID as Register.
func (s *Service) RegisterRows(ctx context.Context, actor *User, kind RegisterKind, year int, month time.Month) ([]RegisterRow, error) {
	if month < 0 || month > 12 {
		return nil, Errorf(EINVALID, "month must be 1 to 12, not %d", month)
	}
	docs, err := s.registerDocuments(ctx, actor, kind, year, month)
	if err != nil {
		return nil, err
	}
	names, err := s.registerNames(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := s.registerReservations(ctx, actor, kind, year, month)
	if err != nil {
		return nil, err
	}
	rows := make([]RegisterRow, 0, len(docs)+len(rs))
	for _, d := range docs {
		rows = append(rows, names.row(d))
	}
	for _, r := range rs {
		rows = append(rows, reservationRow(r))
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Number < rows[j].Number })
	// A document dated outside the register's year (an issue that ended
	// after the new year began) came with the month's; RowsInMonth keeps
	// it only if its month is m, as it did when the year was read whole.
	return RowsInMonth(rows, month), nil
}

// RegisterPager is a Repository that reads a register year a page at a
// time, by number.
type RegisterPager interface {
	// RegisterEntriesAfter returns the first limit documents numbered in a
	// register in a year whose numbers are above after, by number.
	RegisterEntriesAfter(ctx context.Context, kind RegisterKind, year, after, limit int) ([]*Document, error)
}

// DefaultRegisterPage is Service.RegisterPage's default.
const DefaultRegisterPage = 500

// EachRegisterRows calls fn with the lines RegisterRows returns, in
// number order, in parts: from a RegisterPager a year is read a page at a
// time, so that its CSV is written as it is read rather than built whole
// in memory (a month, or a repository without pages: one part). fn is
// called at least once unless an error comes first; its error stops the
// walk and is returned. The pages are not one snapshot: a number taken
// during the walk is listed if its page is read after it; a number both
// reserved when the walk began and issued before its page was read is
// listed once, as the document.
func (s *Service) EachRegisterRows(ctx context.Context, actor *User, kind RegisterKind, year int, month time.Month, fn func([]RegisterRow) error) error {
	pager, ok := s.Repo.(RegisterPager)
	if month != 0 || !ok {
		rows, err := s.RegisterRows(ctx, actor, kind, year, month)
		if err != nil {
			return err
		}
		return fn(rows)
	}
	if err := checkRegisterAccess(actor, kind); err != nil {
		return err
	}
	names, err := s.registerNames(ctx)
	if err != nil {
		return err
	}
	rs, err := s.registerReservations(ctx, actor, kind, year, 0)
	if err != nil {
		return err
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Number < rs[j].Number })
	size := cmp.Or(s.RegisterPage, DefaultRegisterPage)
	for after := 0; ; {
		docs, err := pager.RegisterEntriesAfter(ctx, kind, year, after, size)
		if err != nil {
			return err
		}
		last := len(docs) < size
		rows := make([]RegisterRow, 0, len(docs))
		issued := make(map[int]bool, len(docs))
		for _, d := range docs {
			issued[d.Number], after = true, d.Number
		}
		for _, d := range visibleRegisterEntries(docs, actor) {
			rows = append(rows, names.row(d))
		}
		for ; len(rs) > 0 && (last || rs[0].Number <= after); rs = rs[1:] {
			if !issued[rs[0].Number] {
				rows = append(rows, reservationRow(rs[0]))
			}
		}
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Number < rows[j].Number })
		if err := fn(rows); err != nil || last {
			return err
		}
	}
}

// registerNames resolves user ids to the names a register prints.
type registerNames map[string]*User

func (s *Service) registerNames(ctx context.Context) (registerNames, error) {
	users, err := s.Repo.Users(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(registerNames, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	return byID, nil
}

func (n registerNames) person(id string) string {
	if u := n[id]; u != nil {
		if u.FullName != "" {
			return u.FullName
		}
		return u.Username
	}
	return id
}

// row is the register line of document d.
func (n registerNames) row(d *Document) RegisterRow {
	row := RegisterRow{Number: d.Number, Notation: d.Notation, Type: d.Type, Subject: d.Subject, Urgency: d.Urgency,
		Confidentiality: d.Confidentiality, State: d.State, Notes: d.Notes, DocumentID: d.ID}
	if d.State == Revoked {
		row.Notes = strings.TrimSpace("Đã thu hồi (revoked): " + d.RevokeReason + "\n" + row.Notes)
	}
	if d.Direction == Outgoing {
		row.Date = vietnamDatePtr(d.IssuedAt)
		row.Signer, row.Recipients, row.Copies = n.person(d.SignerID), d.Recipients, len(d.Recipients)+1
		row.FileCopyUnit = d.DraftingUnit
		if row.FileCopyUnit == "" {
			if u := n[d.CreatedBy]; u != nil {
				row.FileCopyUnit = u.Unit
			}
		}
		return row
	}
	row.Date = vietnamDatePtr(d.RegisteredAt)
	row.Sender, row.OriginalNumber, row.OriginalDate = d.Sender, d.OriginalNumber, d.OriginalDate
	if d.AssigneeID != "" {
		row.Receiver = n.person(d.AssigneeID)
	}
	return row
}

// reservationRow is the register line of a reserved or voided number.
func reservationRow(r ReservedNumber) RegisterRow {
	day := reservationDate(r.Reservation)
	row := RegisterRow{Number: r.Number, Notation: r.Notation, Date: &day, Notes: r.Note(), DocumentID: r.DocumentID, Status: r.State}
	if d := r.Document; d != nil {
		row.Type, row.Subject, row.Urgency, row.Confidentiality, row.State = d.Type, d.Subject, d.Urgency, d.Confidentiality, d.State
	}
	return row
}

// RegisterDatedReader is a Repository that reads the part of a register
// year dated in given spans of time, from an index of register, year and
// date rather than the whole year.
type RegisterDatedReader interface {
	// RegisterEntriesDated returns the documents numbered in a register in
	// a year whose register date — the time of issue of an outgoing
	// document, of registration of an incoming one — is in one of spans
	// (disjoint), by number. A document without that date is in none.
	RegisterEntriesDated(ctx context.Context, kind RegisterKind, year int, spans []TimeSpan) ([]*Document, error)
}

// TimeSpan is the times from From up to, not including, To.
type TimeSpan struct{ From, To time.Time }

// Contains says whether t is in the span.
func (p TimeSpan) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// RegisterMonthSpans are the spans of time whose register lines of year
// may be dated in month m (Vietnam's calendar, as VietnamDate): the month
// of that year, and the times before and after the year (a line of the
// year dated in another year is in month m when its date's month is m, as
// RowsInMonth reads it; such lines are rare, and few).
func RegisterMonthSpans(year int, m time.Month) []TimeSpan {
	start := time.Date(year, 1, 1, 0, 0, 0, 0, Vietnam)
	end := start.AddDate(1, 0, 0)
	from := time.Date(year, m, 1, 0, 0, 0, 0, Vietnam)
	return []TimeSpan{
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), start},
		{from, from.AddDate(0, 1, 0)},
		{end, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
}

// registerDocuments is Register, of a month when month is not 0: read as
// such from a RegisterDatedReader, else the year's entries filtered here.
func (s *Service) registerDocuments(ctx context.Context, actor *User, kind RegisterKind, year int, month time.Month) ([]*Document, error) {
	dr, ok := s.Repo.(RegisterDatedReader)
	if month == 0 || !ok {
		return s.Register(ctx, actor, kind, year)
	}
	if err := checkRegisterAccess(actor, kind); err != nil {
		return nil, err
	}
	docs, err := dr.RegisterEntriesDated(ctx, kind, year, RegisterMonthSpans(year, month))
	if err != nil {
		return nil, err
	}
	return visibleRegisterEntries(docs, actor), nil
}

// registerReservations is RegisterReservations, of a month when month is
// not 0: the numbers dated in it (the lines of the others would be left
// out by RowsInMonth), so that no document of another month is read.
func (s *Service) registerReservations(ctx context.Context, actor *User, kind RegisterKind, year int, month time.Month) ([]ReservedNumber, error) {
	var keep func(Reservation) bool
	if month != 0 {
		keep = func(r Reservation) bool { return reservationDate(r).Month == month }
	}
	return s.reservationsOf(ctx, actor, kind, year, keep)
}

// reservationDate is the date of a reserved or voided number's line:
// when it was voided, or else taken.
func reservationDate(r Reservation) Date {
	if r.VoidedAt != nil {
		return VietnamDate(*r.VoidedAt)
	}
	return VietnamDate(r.CreatedAt)
}

// ParseRegisterMonth reads the month a register is filtered by: "" is
// the whole year (0), else a month 1–12; EINVALID otherwise.
func ParseRegisterMonth(s string) (time.Month, error) {
	if s == "" {
		return 0, nil
	}
	m, err := strconv.Atoi(s)
	if err != nil || m < 1 || m > 12 {
		return 0, Errorf(EINVALID, "month must be 1 to 12, not %q", s)
	}
	return time.Month(m), nil
}

// RowsInMonth returns the lines of a register year dated in month m —
// by their Date: the date of issue, of registration, or when a number
// was taken or voided — in their order; m == 0 returns rows whole. A
// line without a date is in no month.
func RowsInMonth(rows []RegisterRow, m time.Month) []RegisterRow {
	if m == 0 {
		return rows
	}
	out := make([]RegisterRow, 0, len(rows))
	for _, r := range rows {
		if r.Date != nil && r.Date.Month == m {
			out = append(out, r)
		}
	}
	return out
}

func vietnamDatePtr(t *time.Time) *Date {
	if t == nil || t.IsZero() {
		return nil
	}
	d := VietnamDate(*t)
	return &d
}

// VerifyAuditFor is VerifyAudit on behalf of a user: admins only
// (EFORBIDDEN otherwise).
func (s *Service) VerifyAuditFor(ctx context.Context, actor *User) (AuditReport, error) {
	if actor == nil || !actor.Has(RoleAdmin) {
		return AuditReport{}, Errorf(EFORBIDDEN, "this needs role admin")
	}
	return s.VerifyAudit(ctx)
}

// RegisterPage is a page of a register year: its lines, whether the
// register has a line after them, and the highest number the register
// has given (its counter where the repository is a NumberPeeker, else
// the highest seen on the page; 0 if none).
type RegisterPage struct {
	Rows []RegisterRow
	More bool
	Last int
}

// RegisterRowsBetween returns the lines of a register year for actor
// numbered first to last, in number order, as RegisterRows lists them
// (a page of the register; its numbers are gapless, so a page of n
// numbers is n lines but for those the actor may not see). From a
// RegisterPager only the page's documents are read, and the documents of
// the reserved and voided numbers on it: a page costs a page, not the
// year. EFORBIDDEN, ENOTFOUND as Register; EINVALID unless 1 <= first <=
// last.
func (s *Service) RegisterRowsBetween(ctx context.Context, actor *User, kind RegisterKind, year, first, last int) (RegisterPage, error) {
	if first < 1 || last < first {
		return RegisterPage{}, Errorf(EINVALID, "register lines %d to %d", first, last)
	}
	pager, ok := s.Repo.(RegisterPager)
	if !ok {
		rows, err := s.RegisterRows(ctx, actor, kind, year, 0)
		if err != nil {
			return RegisterPage{}, err
		}
		at := func(n int) int {
			i, _ := slices.BinarySearchFunc(rows, n, func(r RegisterRow, n int) int { return cmp.Compare(r.Number, n) })
			return i
		}
		p := RegisterPage{Rows: rows[at(first):at(last+1)], More: at(last+1) < len(rows)}
		if len(rows) > 0 {
			p.Last = rows[len(rows)-1].Number
		}
		return p, nil
	}
	if err := checkRegisterAccess(actor, kind); err != nil {
		return RegisterPage{}, err
	}
	p, err := s.registerPageOf(ctx, pager, actor, kind, year, first, last)
	if err != nil {
		return RegisterPage{}, err
	}
	if peek, ok := s.Repo.(NumberPeeker); ok {
		n, err := peek.PeekNumber(ctx, kind, year)
		if err != nil {
			return RegisterPage{}, err
		}
		p.Last = max(p.Last, n-1)
	}
	return p, nil
}

// registerPageOf reads the lines numbered first to last from pager (the
// actor's access checked): the documents on the page, and the reserved
// and voided numbers on it.
func (s *Service) registerPageOf(ctx context.Context, pager RegisterPager, actor *User, kind RegisterKind, year, first, last int) (RegisterPage, error) {
	var p RegisterPage
	names, err := s.registerNames(ctx)
	if err != nil {
		return p, err
	}
	rs, err := s.reservationsOf(ctx, actor, kind, year, func(r Reservation) bool {
		p.More, p.Last = p.More || r.Number > last, max(p.Last, r.Number)
		return r.Number >= first && r.Number <= last
	})
	if err != nil {
		return p, err
	}
	docs, err := pager.RegisterEntriesAfter(ctx, kind, year, first-1, last-first+2)
	if err != nil {
		return p, err
	}
	issued := make(map[int]bool, len(docs))
	p.Rows = make([]RegisterRow, 0, len(docs)+len(rs))
	for _, d := range docs {
		p.Last = max(p.Last, d.Number)
		if d.Number > last {
			p.More = true
			continue
		}
		issued[d.Number] = true
		if CanSee(d, actor) {
			p.Rows = append(p.Rows, names.row(d))
		}
	}
	for _, r := range rs {
		if !issued[r.Number] {
			p.Rows = append(p.Rows, reservationRow(r))
		}
	}
	sort.SliceStable(p.Rows, func(i, j int) bool { return p.Rows[i].Number < p.Rows[j].Number })
	return p, nil
}
