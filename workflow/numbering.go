package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Issuing without holding the database while signing.
//
// An outgoing document's number is printed inside the agency signature
// (layer 2), so the number must be known before the signature, and the
// signature (a PDF rewrite, a hash of the whole file, a key or token
// operation, perhaps a time-stamp server) must not run inside a database
// transaction: on SQLite that transaction holds the one writer connection
// and every other request would wait for the signature. Issue therefore
// runs in three phases:
//
//  1. a short transaction locks the document, checks its state and
//     version, and reserves the register's next number: the counter is
//     incremented (under the counter row's lock, the only thing
//     serialised per register) and a Reservation row records it;
//  2. outside any transaction the PDF is numbered, signed, its
//     attachments signed, the result verified and stored as blobs;
//  3. a short transaction checks that the document is still at the
//     version phase 1 saw (ECONFLICT otherwise), consumes the
//     reservation, applies the transition and appends the audit event.
//
// A reservation that does not reach phase 3 (the signature failed, the
// document changed meanwhile, the process died) is resolved so that the
// register stays gapless and unique:
//   - given back when it is still the register's last number (the
//     counter steps back under its lock, so the next issue takes it);
//   - otherwise voided: the row stays in the register, state "voided",
//     with the reason and the time, and an audit event (number_voided)
//     names the number and the document. A voided number is never given
//     again.
//
// A reservation whose request died between the phases is resolved the
// same way by the next issue of that register (or by SweepReservations at
// startup) once it is older than ReservationTTL, or at once when the
// instance that holds it is known dead (liveness.go); until then it shows
// in the register as reserved. A request that outlives its TTL finds its
// reservation gone at phase 3 and fails with ECONFLICT.

// ReservationState is where a reserved number stands.
type ReservationState string

const (
	// NumberReserved: taken by an issue that has not committed yet.
	NumberReserved ReservationState = "reserved"
	// NumberVoided: taken by an issue that failed after a later number
	// was taken; kept in the register with the reason, never reused.
	NumberVoided ReservationState = "voided"
)

// EventNumberVoided records a register number voided after a failed
// issue (Data: register, year, number, notation, reason).
const EventNumberVoided EventKind = "number_voided"

// DefaultReservationTTL is how long a reserved number may wait for its
// issue to finish before the next issue of its register resolves it.
const DefaultReservationTTL = 10 * time.Minute

// Reservation is a register number taken by an issue in progress, or
// voided by a failed one.
type Reservation struct {
	ID         string
	Register   RegisterKind
	Year       int
	Number     int
	Notation   string
	DocumentID string
	Actor      string
	State      ReservationState
	Reason     string // why it was voided
	CreatedAt  time.Time
	VoidedAt   *time.Time
	Holder     string // the instance whose issue reserved it (Service.Instance)
}

// Document is the ID of the document r's number is for: DocumentID, or
// for a copy's number the original's (copyReservationKey).
func (r Reservation) Document() string {
	if r.Register == RegisterCopies {
		if i := strings.LastIndex(r.DocumentID, copyKeySep); i >= 0 {
			return r.DocumentID[:i]
		}
	}
	return r.DocumentID
}

// Reservations is what a transaction may do with reserved numbers
// (part of Tx). Callers take the locks in the order reservation row,
// register counter, audit chain head.
type Reservations interface {
	// CreateReservation stores r (State reserved) after NextNumber took
	// its number; ECONFLICT if the document already has a live one.
	CreateReservation(ctx context.Context, r *Reservation) error
	// LockReservation returns the reservation with id, locked until the
	// transaction ends; ENOTFOUND when there is none (consumed or given
	// back).
	LockReservation(ctx context.Context, id string) (*Reservation, error)
	// ReservationsOf returns a register year's reservations, reserved and
	// voided, by number.
	ReservationsOf(ctx context.Context, kind RegisterKind, year int) ([]Reservation, error)
	// DeleteReservation removes a reserved (not voided) reservation: its
	// number was used by the document or given back. ECONFLICT when it is
	// not there in state reserved any more.
	DeleteReservation(ctx context.Context, id string) error
	// VoidReservation marks a reserved reservation voided with a reason;
	// ECONFLICT when it is not there in state reserved any more.
	VoidReservation(ctx context.Context, id, reason string, at time.Time) error
	// GiveBackNumber steps the register's counter back from n to n-1 if n
	// is still its last number, and reports whether it did.
	GiveBackNumber(ctx context.Context, kind RegisterKind, year, n int) (bool, error)
}

// NumberReserver is a Tx that reserves a number in fewer round trips to
// its database than LockDocument, ReservationsOf, NextNumber and
// CreateReservation one by one; reserveNumber uses it when the Tx has it.
type NumberReserver interface {
	// LockWithReservations is LockDocument of id, then ReservationsOf
	// kind and year read once the document is locked.
	LockWithReservations(ctx context.Context, id string, kind RegisterKind, year int) (*Document, []Reservation, error)
	// ReserveNext is NextNumber of r's register and year, then
	// CreateReservation of r with that number and its notation,
	// NotationWith(number, suffix); it sets r.Number and r.Notation. A
	// failure takes no number (the transaction is rolled back).
	ReserveNext(ctx context.Context, r *Reservation, suffix string) error
}

// ReservationReader lists a register year's reservations outside a
// transaction (the register shows reserved and voided numbers).
type ReservationReader interface {
	ReservationsOf(ctx context.Context, kind RegisterKind, year int) ([]Reservation, error)
}

func (s *Service) reservationTTL() time.Duration {
	if s.ReservationTTL > 0 {
		return s.ReservationTTL
	}
	return DefaultReservationTTL
}

// reserveNumber is phase 1 of an issue: in a short transaction, lock d,
// check it is still where the caller saw it, and reserve the next number
// of its register. Stale reservations of the register are resolved first:
// the transaction reads the register year's reservations anyway (to find
// one of d's), and when one of them is stale it rolls back, sweeps the
// register (sweepRegister) and runs once more — so the list is read once
// per issue, not once to sweep and again to check.
func (s *Service) reserveNumber(ctx context.Context, d *Document, t Transition, actor *User) (*Reservation, error) {
	now := s.now()
	reg, year := RegisterFor(d), RegisterYear(now)
	r := &Reservation{ID: s.newID(), Register: reg, Year: year, DocumentID: d.ID, Actor: actor.ID,
		State: NumberReserved, CreatedAt: now, Holder: s.Instance}
	for swept := false; ; swept = true {
		err := s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
			return s.reserveIn(ctx, tx, d, t, r, !swept)
		})
		if errors.Is(err, errStaleReservation) {
			s.sweepRegister(ctx, reg, year, now)
			continue
		}
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}

// errStaleReservation is reserveIn finding a reservation to sweep first.
var errStaleReservation = errors.New("a stale reservation of the register")

// reserveIn is reserveNumber's transaction: r, of d's register and year,
// gets the register's next number. With sweep, a stale reservation of the
// register (still reserved, older than the TTL or held by an instance
// known dead) stops it with errStaleReservation before anything is taken.
func (s *Service) reserveIn(ctx context.Context, tx Tx, d *Document, t Transition, r *Reservation, sweep bool) error {
	nr, fused := tx.(NumberReserver)
	var cur *Document
	var live []Reservation
	var err error
	if fused {
		cur, live, err = nr.LockWithReservations(ctx, d.ID, r.Register, r.Year)
	} else {
		cur, err = tx.LockDocument(ctx, d.ID)
	}
	if err != nil {
		return err
	}
	if cur.Version != d.Version || cur.State != t.From {
		return Errorf(ECONFLICT, "document %s changed meanwhile (now %s, version %d): reload and retry", d.ID, cur.State, cur.Version)
	}
	if !fused {
		if live, err = tx.ReservationsOf(ctx, r.Register, r.Year); err != nil {
			return err
		}
	}
	if sweep && s.anyStale(ctx, tx, live, r.CreatedAt) {
		return errStaleReservation
	}
	for _, o := range live {
		if o.DocumentID == d.ID && o.State == NumberReserved {
			return Errorf(ECONFLICT, "document %s is being issued by another request (number %d reserved): reload and retry; if that request was cut off, its number is released within %s of its server stopping, at %s at the latest",
				d.ID, o.Number, s.instanceStale(), o.CreatedAt.Add(s.reservationTTL()).UTC().Format(time.RFC3339))
		}
	}
	return takeReserved(ctx, tx, r, NotationSuffix(d.Type, s.Agency.Abbr, d.DraftingUnit))
}

// takeReserved gives r the next number of its register and stores it,
// the transaction's last write: in one statement when tx is a
// NumberReserver, else NextNumber then CreateReservation.
func takeReserved(ctx context.Context, tx Tx, r *Reservation, suffix string) error {
	if nr, ok := tx.(NumberReserver); ok {
		return nr.ReserveNext(WithLastWrite(ctx), r, suffix)
	}
	n, err := tx.NextNumber(ctx, r.Register, r.Year)
	if err != nil {
		return fmt.Errorf("take %s number: %w", r.Register, err)
	}
	r.Number = n
	r.Notation = NotationWith(n, suffix)
	return tx.CreateReservation(WithLastWrite(ctx), r)
}

// anyStale reports whether live, a register year's reservations read in
// tx, holds one a sweep at now resolves.
func (s *Service) anyStale(ctx context.Context, tx Tx, live []Reservation, now time.Time) bool {
	l, _ := tx.(Liveness)
	dead := s.deadHolders(ctx, l, live, now)
	return slices.ContainsFunc(live, func(o Reservation) bool { return s.stale(o, now, dead) })
}

// stale reports whether r is a reservation a sweep at now resolves: still
// reserved, and older than the TTL or held by an instance in dead.
func (s *Service) stale(r Reservation, now time.Time, dead map[string]bool) bool {
	return r.State == NumberReserved && (now.Sub(r.CreatedAt) >= s.reservationTTL() || dead[r.Holder])
}

// releaseNumber resolves a reservation whose issue failed: given back if
// it is still the register's last number, voided (visibly, with reason
// and an audit event) otherwise. It runs on a context that outlives the
// request's cancellation. A reservation that is gone already (consumed,
// or resolved by a sweep) is left alone. When the database is unavailable
// (most often why the issue failed), or the release meets a concurrent
// change or runs out of time, it is tried again in the background until
// the reservation's TTL (whileTransient): tried once, a number
// reserved by an issue that a database restart cut off stayed reserved
// for the TTL (10 minutes), its instance alive, and every retry of that
// document's issue was refused 409 meanwhile (the short fault run of the
// twenty-ninth session, once the run kept the production TTL).
func (s *Service) releaseNumber(ctx context.Context, r *Reservation, actorID, reason string) {
	ctx = context.WithoutCancel(ctx)
	outcome := ""
	whileTransient(r.CreatedAt.Add(s.reservationTTL()).Sub(s.now()), func() (err error) {
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		outcome, err = s.resolveReservation(tctx, r.ID, actorID, reason)
		return err
	}, func(err error) {
		if err != nil {
			// The reservation stays reserved; the next issue of the register
			// resolves it once it is older than the TTL.
			s.logger().ErrorContext(ctx, "reserved number not released", "doc_id", r.Document(), "register", r.Register,
				"year", r.Year, "number", r.Number, "err", err)
			return
		}
		s.logger().WarnContext(ctx, "issue failed after its number was reserved", "doc_id", r.Document(), "register", r.Register,
			"year", r.Year, "number", r.Number, "outcome", outcome, "reason", reason)
	})
}

// resolveReservation gives back or voids the reservation id in one
// transaction and says which ("given_back", "voided", "gone").
func (s *Service) resolveReservation(ctx context.Context, id, actorID, reason string) (string, error) {
	outcome := ""
	err := s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		r, err := tx.LockReservation(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			outcome = "gone"
			return nil
		}
		if err != nil {
			return err
		}
		if r.State != NumberReserved {
			outcome = string(r.State)
			return nil
		}
		back, err := tx.GiveBackNumber(ctx, r.Register, r.Year, r.Number)
		if err != nil {
			return err
		}
		if back {
			outcome = "given_back"
			return tx.DeleteReservation(ctx, id)
		}
		now := s.now()
		if err := tx.VoidReservation(ctx, id, reason, now); err != nil {
			return err
		}
		outcome = "voided"
		return tx.AppendEvent(ctx, &Event{DocumentID: r.Document(), Actor: actorID, Kind: EventNumberVoided, At: now,
			Comment: reason,
			Data: map[string]string{"register": string(r.Register), "year": fmt.Sprint(r.Year),
				"number": fmt.Sprint(r.Number), "notation": r.Notation}})
	})
	return outcome, err
}

// sweepRegister resolves the register year's reservations older than the
// TTL or held by an instance known dead, newest first (so a run of abandoned numbers at the end is given
// back whole). Failures are logged: the sweep never fails an issue.
func (s *Service) sweepRegister(ctx context.Context, reg RegisterKind, year int, now time.Time) int {
	rr, ok := s.Repo.(ReservationReader)
	if !ok {
		return 0
	}
	rs, err := rr.ReservationsOf(ctx, reg, year)
	if err != nil {
		s.logger().WarnContext(ctx, "reservation sweep", "register", reg, "year", year, "err", err)
		return 0
	}
	l, _ := s.Repo.(Liveness)
	dead := s.deadHolders(ctx, l, rs, now)
	n := 0
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i]
		if !s.stale(r, now, dead) {
			continue
		}
		what := "issue"
		if reg == RegisterCopies {
			what = "copy"
		}
		reason := fmt.Sprintf("the %s that reserved this number did not finish within %s (the server stopped or the request was lost)", what, s.reservationTTL())
		if dead[r.Holder] {
			reason = fmt.Sprintf("the %s that reserved this number did not finish: the server running it stopped (no sign of life for %s)", what, s.instanceStale())
		}
		outcome, err := s.resolveReservation(ctx, r.ID, "", reason)
		if err != nil {
			s.logger().WarnContext(ctx, "reservation sweep", "doc_id", r.Document(), "register", reg, "year", year, "number", r.Number, "err", err)
			continue
		}
		s.logger().WarnContext(ctx, "abandoned number reservation resolved", "doc_id", r.Document(), "register", reg,
			"year", year, "number", r.Number, "outcome", outcome)
		n++
	}
	return n
}

// SweepReservations resolves every abandoned reservation (older than the
// TTL, or held by an instance known dead) of the current and the previous register year of every register,
// and returns how many it resolved. Serve calls it at startup.
func (s *Service) SweepReservations(ctx context.Context) int {
	now := s.now()
	n := 0
	for _, reg := range []RegisterKind{RegisterOutgoing, RegisterConfidential, RegisterCopies} {
		for _, y := range []int{RegisterYear(now) - 1, RegisterYear(now)} {
			n += s.sweepRegister(ctx, reg, y, now)
		}
	}
	return n
}

// ReservedNumber is a register line that no issued document fills: a
// number reserved by an issue in progress, or voided by a failed one,
// with the document that took it (nil if it is gone).
type ReservedNumber struct {
	Reservation
	Document *Document
}

// Note is how a register prints the line: why the number carries no
// issued document.
func (r ReservedNumber) Note() string {
	if r.State == NumberVoided {
		return "Số đã hủy (voided): " + r.Reason
	}
	return "Số đang được giữ cho văn bản đang phát hành (reserved)"
}

// RegisterReservations returns a register year's reserved and voided
// numbers for actor, under the same rules as Register: a line of a
// document the actor may not see is left out.
func (s *Service) RegisterReservations(ctx context.Context, actor *User, kind RegisterKind, year int) ([]ReservedNumber, error) {
	return s.reservationsOf(ctx, actor, kind, year, nil)
}

// reservationsOf is RegisterReservations of the reservations keep takes
// (every one when keep is nil).
func (s *Service) reservationsOf(ctx context.Context, actor *User, kind RegisterKind, year int, keep func(Reservation) bool) ([]ReservedNumber, error) {
	if err := checkRegisterAccess(actor, kind); err != nil {
		return nil, err
	}
	rr, ok := s.Repo.(ReservationReader)
	if !ok {
		return nil, nil
	}
	rs, err := rr.ReservationsOf(ctx, kind, year)
	if err != nil {
		return nil, err
	}
	kept := make([]Reservation, 0, len(rs))
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		if keep == nil || keep(r) {
			kept, ids = append(kept, r), append(ids, r.DocumentID)
		}
	}
	// The documents in a few statements, not one per number.
	docs, err := s.Repo.DocumentsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ReservedNumber, 0, len(kept))
	for _, r := range kept {
		// A number whose document is gone keeps its line, without it;
		// one of a document actor may not see has none.
		d := docs[r.DocumentID]
		if d != nil && !CanSee(d, actor) {
			continue
		}
		out = append(out, ReservedNumber{Reservation: r, Document: d})
	}
	return out, nil
}
