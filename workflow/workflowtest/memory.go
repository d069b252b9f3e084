// Package workflowtest holds test doubles of the workflow ports for unit
// tests of pure logic: an in-memory Repository, the one fake Signer, and
// TempBlobs (the real embedded store in a temporary directory).
// Integration tests use the real stores.
package workflowtest

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Repository is an in-memory workflow.Repository. Atomic holds one lock
// for the whole transaction and rolls back by restoring a snapshot.
type Repository struct {
	mu       sync.Mutex
	docs     map[string]*workflow.Document
	users    map[string]*workflow.User
	sessions map[string]*workflow.Session
	logins   map[string]time.Time // last login by user ID
	previous map[string][]string  // previous password hashes by user ID, newest first
	events   []workflow.Event
	counters map[string]int
	reserved []workflow.Reservation
	copies   []workflow.Copy
	keys     map[[2]string]workflow.IdempotencyKey // by user and key
	held     map[string]heldSecret                 // sealed secrets by id (held.go)
	// confirmed: when each session (by token hash) last confirmed a
	// signature with its password (auth.SignConfirmStore).
	confirmed map[string]time.Time
	// Deliveries are the queued exchange messages, in order.
	Deliveries []workflow.Delivery
	// Statuses are the status messages recipients sent about our
	// documents (the refusals WatchedDeliveries reads).
	Statuses []workflow.ReceivedStatus
}

var _ workflow.Repository = (*Repository)(nil)

// NewRepository returns an empty repository.
func NewRepository() *Repository {
	return &Repository{docs: map[string]*workflow.Document{}, users: map[string]*workflow.User{},
		sessions: map[string]*workflow.Session{}, logins: map[string]time.Time{}, previous: map[string][]string{}, counters: map[string]int{},
		keys: map[[2]string]workflow.IdempotencyKey{}, confirmed: map[string]time.Time{}}
}

func clone(d *workflow.Document) *workflow.Document {
	c := *d
	c.Files = append([]workflow.File(nil), d.Files...)
	c.Recipients = append([]workflow.Org(nil), d.Recipients...)
	return &c
}

type tx struct{ r *Repository }

// Atomic implements workflow.Repository.
func (r *Repository) Atomic(ctx context.Context, fn func(context.Context, workflow.Tx) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	snapDocs := map[string]*workflow.Document{}
	for k, v := range r.docs {
		snapDocs[k] = clone(v)
	}
	snapUsers := map[string]*workflow.User{}
	for k, v := range r.users {
		u := *v
		snapUsers[k] = &u
	}
	snapEvents := append([]workflow.Event(nil), r.events...)
	snapDeliveries := append([]workflow.Delivery(nil), r.Deliveries...)
	snapCounters := map[string]int{}
	for k, v := range r.counters {
		snapCounters[k] = v
	}
	snapReserved := append([]workflow.Reservation(nil), r.reserved...)
	snapCopies := append([]workflow.Copy(nil), r.copies...)
	snapKeys, snapLogins, snapPrevious := maps.Clone(r.keys), maps.Clone(r.logins), maps.Clone(r.previous)
	snapConfirmed := maps.Clone(r.confirmed)
	if err := fn(ctx, tx{r}); err != nil {
		r.docs, r.users, r.events, r.counters, r.Deliveries = snapDocs, snapUsers, snapEvents, snapCounters, snapDeliveries
		r.reserved, r.keys, r.logins, r.previous = snapReserved, snapKeys, snapLogins, snapPrevious
		r.confirmed = snapConfirmed
		r.copies = snapCopies
		return err
	}
	return nil
}

// Ping implements workflow.Repository.
func (r *Repository) Ping(context.Context) error { return nil }

func (r *Repository) lock() func() { r.mu.Lock(); return r.mu.Unlock }

func (r *Repository) Document(ctx context.Context, id string) (*workflow.Document, error) {
	defer r.lock()()
	return tx{r}.Document(ctx, id)
}
func (r *Repository) DocumentByExternalID(ctx context.Context, sender, id string) (*workflow.Document, error) {
	defer r.lock()()
	return tx{r}.DocumentByExternalID(ctx, sender, id)
}
func (r *Repository) DocumentByDelivery(ctx context.Context, sender, id, key string) (*workflow.Document, error) {
	defer r.lock()()
	return tx{r}.DocumentByDelivery(ctx, sender, id, key)
}
func (r *Repository) Documents(ctx context.Context, f workflow.DocumentFilter) ([]*workflow.Document, string, error) {
	defer r.lock()()
	return tx{r}.Documents(ctx, f)
}
func (r *Repository) DocumentsByID(ctx context.Context, ids []string) (map[string]*workflow.Document, error) {
	defer r.lock()()
	return tx{r}.DocumentsByID(ctx, ids)
}
func (r *Repository) CountDocuments(ctx context.Context, f workflow.DocumentFilter) (int, error) {
	defer r.lock()()
	return tx{r}.CountDocuments(ctx, f)
}
func (r *Repository) Events(ctx context.Context, id string) ([]workflow.Event, error) {
	defer r.lock()()
	return tx{r}.Events(ctx, id)
}
func (r *Repository) RegisterEntries(ctx context.Context, k workflow.RegisterKind, y int) ([]*workflow.Document, error) {
	defer r.lock()()
	return tx{r}.RegisterEntries(ctx, k, y)
}
func (r *Repository) RegisterEntriesAfter(ctx context.Context, k workflow.RegisterKind, y, after, limit int) ([]*workflow.Document, error) {
	defer r.lock()()
	all, err := tx{r}.RegisterEntries(ctx, k, y)
	i, _ := slices.BinarySearchFunc(all, after+1, func(d *workflow.Document, n int) int { return d.Number - n })
	return all[i:min(len(all), i+limit)], err
}
func (r *Repository) RegisterEntriesDated(ctx context.Context, k workflow.RegisterKind, y int, spans []workflow.TimeSpan) ([]*workflow.Document, error) {
	defer r.lock()()
	all, err := tx{r}.RegisterEntries(ctx, k, y)
	out := all[:0]
	for _, d := range all {
		at := d.RegisteredAt
		if d.Direction == workflow.Outgoing {
			at = d.IssuedAt
		}
		if at != nil && slices.ContainsFunc(spans, func(p workflow.TimeSpan) bool { return p.Contains(*at) }) {
			out = append(out, d)
		}
	}
	return out, err
}
func (r *Repository) WalkEvents(ctx context.Context, fn func(workflow.Event) error) error {
	r.mu.Lock()
	evs := append([]workflow.Event(nil), r.events...)
	r.mu.Unlock()
	for _, e := range evs {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
func (r *Repository) AuditHead(ctx context.Context) (*workflow.Event, error) {
	defer r.lock()()
	return tx{r}.AuditHead(ctx)
}
func (r *Repository) User(ctx context.Context, id string) (*workflow.User, error) {
	defer r.lock()()
	return tx{r}.User(ctx, id)
}
func (r *Repository) UserByUsername(ctx context.Context, n string) (*workflow.User, error) {
	defer r.lock()()
	return tx{r}.UserByUsername(ctx, n)
}
func (r *Repository) Users(ctx context.Context) ([]*workflow.User, error) {
	defer r.lock()()
	return tx{r}.Users(ctx)
}
func (r *Repository) Session(ctx context.Context, h string) (*workflow.Session, error) {
	defer r.lock()()
	return tx{r}.Session(ctx, h)
}

// DeleteSession ends a session (auth.SessionEnder).
func (r *Repository) DeleteSession(_ context.Context, h string) error {
	defer r.lock()()
	delete(r.sessions, h)
	delete(r.confirmed, h)
	return nil
}

// SetSignConfirmed records a session's signature confirmed by password
// (auth.SignConfirmStore); none for a session that has ended.
func (r *Repository) SetSignConfirmed(_ context.Context, h string, at time.Time) error {
	defer r.lock()()
	if _, ok := r.sessions[h]; ok {
		r.confirmed[h] = at
	}
	return nil
}

// SignConfirmed returns when a live session last confirmed a signature
// (zero: never, forgotten, or no such session).
func (r *Repository) SignConfirmed(_ context.Context, h string) (time.Time, error) {
	defer r.lock()()
	if _, ok := r.sessions[h]; !ok {
		return time.Time{}, nil
	}
	return r.confirmed[h], nil
}

// ForgetSignConfirmed forgets the confirmations of a user's sessions.
func (r *Repository) ForgetSignConfirmed(ctx context.Context, userID string) error {
	defer r.lock()()
	return tx{r}.ForgetSignConfirmed(ctx, userID)
}

// ForgetSignConfirmed is Repository.ForgetSignConfirmed in a transaction.
func (t tx) ForgetSignConfirmed(_ context.Context, userID string) error {
	for h, s := range t.r.sessions {
		if s.UserID == userID {
			delete(t.r.confirmed, h)
		}
	}
	return nil
}

// SetEvent overwrites a stored event (for tamper tests).
func (r *Repository) SetEvent(i int, e workflow.Event) {
	defer r.lock()()
	r.events[i] = e
}

func (t tx) Document(_ context.Context, id string) (*workflow.Document, error) {
	d, ok := t.r.docs[id]
	if !ok {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "document %s not found", id)
	}
	return clone(d), nil
}

func (t tx) DocumentsByID(_ context.Context, ids []string) (map[string]*workflow.Document, error) {
	out := map[string]*workflow.Document{}
	for _, id := range ids {
		if d, ok := t.r.docs[id]; ok {
			out[id] = clone(d)
		}
	}
	return out, nil
}

// DocumentByVerifyCode implements workflow.VerifyCodeReader.
func (r *Repository) DocumentByVerifyCode(ctx context.Context, code string) (*workflow.Document, error) {
	defer r.lock()()
	return tx{r}.DocumentByVerifyCode(ctx, code)
}

// DocumentByVerifyCode implements workflow.VerifyCodeReader inside a transaction.
func (t tx) DocumentByVerifyCode(_ context.Context, code string) (*workflow.Document, error) {
	for _, d := range t.r.docs {
		if code != "" && d.VerifyCode == code {
			return clone(d), nil
		}
	}
	return nil, workflow.Errorf(workflow.ENOTFOUND, "no document with code %s", code)
}

func (t tx) DocumentByExternalID(ctx context.Context, sender, id string) (*workflow.Document, error) {
	return t.DocumentByDelivery(ctx, sender, id, "")
}

func (t tx) DocumentByDelivery(_ context.Context, sender, id, key string) (*workflow.Document, error) {
	for _, d := range t.r.docs {
		if id != "" && d.ExternalID == id && d.DeliveryKey == key && d.Sender != nil && d.Sender.OrgID == sender {
			return clone(d), nil
		}
	}
	return nil, workflow.Errorf(workflow.ENOTFOUND, "no document received as %s", id)
}

func (t tx) EnqueueDelivery(_ context.Context, d *workflow.Delivery) error {
	t.r.Deliveries = append(t.r.Deliveries, *d)
	return nil
}

func (t tx) Documents(_ context.Context, f workflow.DocumentFilter) ([]*workflow.Document, string, error) {
	var cur *workflow.ListCursor
	if f.After != "" {
		c, bareID, err := f.Cursor()
		if err != nil {
			return nil, "", err
		}
		if bareID {
			d, ok := t.r.docs[c.ID]
			if !ok {
				return nil, "", workflow.Errorf(workflow.EINVALID, "cursor %q names no document", f.After).On("cursor")
			}
			c.At = d.CreatedAt
		}
		cur = &c
	}
	var all []*workflow.Document
	at := map[string]time.Time{} // each document's time in the list's order
	for _, d := range t.r.docs {
		if !listed(f, d) || !t.r.acted(f, d) {
			continue
		}
		at[d.ID] = t.r.orderTime(f, d).Truncate(time.Microsecond)
		if cur == nil || cur.After(at[d.ID], d.ID) {
			all = append(all, clone(d))
		}
	}
	// Newest first by (time, ID), as gormdb lists them.
	sort.Slice(all, func(i, j int) bool {
		a, b := at[all[i].ID], at[all[j].ID]
		if !a.Equal(b) {
			return a.After(b)
		}
		return all[i].ID > all[j].ID
	})
	next := ""
	if f.Limit > 0 && len(all) > f.Limit {
		all = all[:f.Limit]
		last := all[len(all)-1]
		next = workflow.ListCursor{Order: f.Order(), At: at[last.ID], ID: last.ID}.String()
	}
	return all, next, nil
}

// orderTime is d's time in the order of f's list (workflow.ListOrder):
// its creation, its issue, or the last of the sign events f.Signed reads.
func (r *Repository) orderTime(f workflow.DocumentFilter, d *workflow.Document) time.Time {
	switch f.Order() {
	case workflow.OrderIssued:
		return *d.IssuedAt
	case workflow.OrderSigned:
		var last time.Time
		for _, e := range r.events {
			if e.DocumentID == d.ID && e.Kind == workflow.EventTransition && e.Action == workflow.Sign &&
				(f.Signed.By == "" || e.Actor == f.Signed.By) && f.Signed.Within(e.At) && e.At.After(last) {
				last = e.At
			}
		}
		return last
	}
	return d.CreatedAt
}

// listed reports whether Documents lists d for f (on some page).
func listed(f workflow.DocumentFilter, d *workflow.Document) bool {
	if (f.Direction != "" && d.Direction != f.Direction) || (f.State != "" && d.State != f.State) ||
		(f.Type != "" && d.Type != f.Type) || (f.OriginalNumber != "" && d.OriginalNumber != f.OriginalNumber) || (f.Query != "" && !strings.Contains(strings.ToLower(d.Subject), strings.ToLower(f.Query))) ||
		(f.From != nil && d.CreatedAt.Before(*f.From)) || (f.To != nil && d.CreatedAt.After(*f.To)) ||
		(f.Source != "" && d.Source() != f.Source) || (f.Sender != "" && (d.Direction != workflow.Incoming || d.Sender == nil || d.Sender.OrgID != f.Sender)) ||
		(f.OverdueOn != nil && (!slices.Contains(workflow.DueOpenStates, d.State) || d.DueDate == nil || !d.DueDate.Before(*f.OverdueOn))) {
		return false
	}
	return !d.Confidentiality.Classified() || f.SeeAll || d.SignerID == f.ViewerID || d.AssigneeID == f.ViewerID || d.CreatedBy == f.ViewerID
}

// acted reports whether d passes f's Signed and Issued, as gormdb's
// signedSQL and issuedSQL read them: a layer-1 signature that stands,
// by its named signer, from the sign events; the time of issue from
// IssuedAt, the clerk from the issue event.
func (r *Repository) acted(f workflow.DocumentFilter, d *workflow.Document) bool {
	if !f.Signed.IsZero() {
		past := d.Direction == workflow.Outgoing && !slices.Contains([]workflow.State{workflow.Draft, workflow.InReview, workflow.Approved}, d.State)
		if !past || (f.Signed.By != "" && d.SignerID != f.Signed.By) || !r.hasAct(d.ID, workflow.Sign, f.Signed, true) {
			return false
		}
	}
	if !f.Issued.IsZero() {
		if d.Direction != workflow.Outgoing || d.Number == 0 || d.IssuedAt == nil || !f.Issued.Within(*d.IssuedAt) {
			return false
		}
		if f.Issued.By != "" && !r.hasAct(d.ID, workflow.Issue, workflow.Act{By: f.Issued.By}, false) {
			return false
		}
	}
	return true
}

// hasAct reports whether document id has an event of action by a.By
// ("" anyone), with timed in a's period.
func (r *Repository) hasAct(id string, action workflow.Action, a workflow.Act, timed bool) bool {
	for _, e := range r.events {
		if e.DocumentID == id && e.Kind == workflow.EventTransition && e.Action == action &&
			(a.By == "" || e.Actor == a.By) && (!timed || a.Within(e.At)) {
			return true
		}
	}
	return false
}

func (t tx) CountDocuments(_ context.Context, f workflow.DocumentFilter) (int, error) {
	n := 0
	for _, d := range t.r.docs {
		if listed(f, d) && t.r.acted(f, d) {
			n++
		}
	}
	return n, nil
}

func (t tx) Events(_ context.Context, id string) ([]workflow.Event, error) {
	var out []workflow.Event
	for _, e := range t.r.events {
		if e.DocumentID == id {
			out = append(out, e)
		}
	}
	return out, nil
}

func (t tx) RegisterEntries(_ context.Context, k workflow.RegisterKind, y int) ([]*workflow.Document, error) {
	var out []*workflow.Document
	for _, d := range t.r.docs {
		if d.Register == k && d.Year == y && d.Number > 0 {
			out = append(out, clone(d))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

func (t tx) WalkEvents(ctx context.Context, fn func(workflow.Event) error) error {
	for _, e := range t.r.events {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (t tx) AuditHead(context.Context) (*workflow.Event, error) {
	if len(t.r.events) == 0 {
		return nil, nil
	}
	e := t.r.events[len(t.r.events)-1]
	return &e, nil
}

func (t tx) User(_ context.Context, id string) (*workflow.User, error) {
	u, ok := t.r.users[id]
	if !ok {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "user %s not found", id)
	}
	c := *u
	return &c, nil
}

func (t tx) UserByUsername(_ context.Context, n string) (*workflow.User, error) {
	for _, u := range t.r.users {
		if u.Username == n {
			c := *u
			return &c, nil
		}
	}
	return nil, workflow.Errorf(workflow.ENOTFOUND, "user %s not found", n)
}

func (t tx) Users(context.Context) ([]*workflow.User, error) {
	var out []*workflow.User
	for _, u := range t.r.users {
		c := *u
		out = append(out, &c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out, nil
}

func (t tx) Session(_ context.Context, h string) (*workflow.Session, error) {
	s, ok := t.r.sessions[h]
	if !ok {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "no session")
	}
	c := *s
	return &c, nil
}

func (t tx) LockDocument(ctx context.Context, id string) (*workflow.Document, error) {
	return t.Document(ctx, id)
}

func (t tx) CreateDocument(_ context.Context, d *workflow.Document) error {
	if _, ok := t.r.docs[d.ID]; ok {
		return workflow.Errorf(workflow.ECONFLICT, "document %s exists", d.ID)
	}
	if d.ExternalID != "" && d.Sender != nil {
		// documents_sender_delivery: one document per sender, DocumentId
		// and delivery key.
		if _, err := t.DocumentByDelivery(context.Background(), d.Sender.OrgID, d.ExternalID, d.DeliveryKey); err == nil {
			return workflow.Errorf(workflow.ECONFLICT, "a document was received from %s as %s", d.Sender.OrgID, d.ExternalID)
		}
	}
	t.r.docs[d.ID] = clone(d)
	return nil
}

func (t tx) UpdateDocument(_ context.Context, d *workflow.Document, prev int) error {
	cur, ok := t.r.docs[d.ID]
	if !ok || cur.Version != prev {
		return workflow.Errorf(workflow.ECONFLICT, "document %s changed", d.ID)
	}
	t.r.docs[d.ID] = clone(d)
	return nil
}

func (t tx) NextNumber(_ context.Context, k workflow.RegisterKind, y int) (int, error) {
	key := string(k) + "/" + fmtInt(y)
	t.r.counters[key]++
	return t.r.counters[key], nil
}

// ReservationsOf implements workflow.ReservationReader.
func (r *Repository) ReservationsOf(ctx context.Context, k workflow.RegisterKind, y int) ([]workflow.Reservation, error) {
	defer r.lock()()
	return tx{r}.ReservationsOf(ctx, k, y)
}

func (t tx) CreateReservation(_ context.Context, res *workflow.Reservation) error {
	for _, o := range t.r.reserved {
		if o.DocumentID == res.DocumentID && o.State == workflow.NumberReserved {
			return workflow.Errorf(workflow.ECONFLICT, "document %s has a reserved number", res.DocumentID)
		}
	}
	t.r.reserved = append(t.r.reserved, *res)
	return nil
}

func (t tx) LockReservation(_ context.Context, id string) (*workflow.Reservation, error) {
	for _, o := range t.r.reserved {
		if o.ID == id {
			return &o, nil
		}
	}
	return nil, workflow.Errorf(workflow.ENOTFOUND, "no reservation %s", id)
}

func (t tx) ReservationsOf(_ context.Context, k workflow.RegisterKind, y int) ([]workflow.Reservation, error) {
	var out []workflow.Reservation
	for _, o := range t.r.reserved {
		if o.Register == k && o.Year == y {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

func (t tx) DeleteReservation(_ context.Context, id string) error {
	for i, o := range t.r.reserved {
		if o.ID == id && o.State == workflow.NumberReserved {
			t.r.reserved = append(t.r.reserved[:i:i], t.r.reserved[i+1:]...)
			return nil
		}
	}
	return workflow.Errorf(workflow.ECONFLICT, "reservation %s is not reserved", id)
}

func (t tx) VoidReservation(_ context.Context, id, reason string, at time.Time) error {
	for i, o := range t.r.reserved {
		if o.ID == id && o.State == workflow.NumberReserved {
			t.r.reserved[i].State, t.r.reserved[i].Reason, t.r.reserved[i].VoidedAt = workflow.NumberVoided, reason, &at
			return nil
		}
	}
	return workflow.Errorf(workflow.ECONFLICT, "reservation %s is not reserved", id)
}

func (t tx) GiveBackNumber(_ context.Context, k workflow.RegisterKind, y, n int) (bool, error) {
	key := string(k) + "/" + fmtInt(y)
	if t.r.counters[key] != n {
		return false, nil
	}
	t.r.counters[key]--
	return true, nil
}

// PeekNumber implements workflow.NumberPeeker.
func (r *Repository) PeekNumber(_ context.Context, k workflow.RegisterKind, y int) (int, error) {
	defer r.lock()()
	return r.counters[string(k)+"/"+fmtInt(y)] + 1, nil
}

func fmtInt(n int) string {
	var b []byte
	if n == 0 {
		return "0"
	}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func (t tx) AppendEvent(_ context.Context, e *workflow.Event) error {
	var prev *workflow.Event
	if n := len(t.r.events); n > 0 {
		prev = &t.r.events[n-1]
	}
	workflow.Chain(prev, e)
	t.r.events = append(t.r.events, *e)
	return nil
}

func (t tx) CreateUser(_ context.Context, u *workflow.User) error {
	for _, x := range t.r.users {
		if x.Username == u.Username {
			return workflow.Errorf(workflow.ECONFLICT, "username %s is taken", u.Username)
		}
	}
	c := *u
	t.r.users[u.ID] = &c
	return nil
}

func (t tx) UpdateUser(_ context.Context, u *workflow.User) error {
	c := *u
	t.r.users[u.ID] = &c
	return nil
}

// DeleteUserSessions ends every session of a user (auth.UserSessionEnder).
func (t tx) DeleteUserSessions(_ context.Context, userID string) (int64, error) {
	var n int64
	for h, s := range t.r.sessions {
		if s.UserID == userID {
			delete(t.r.sessions, h)
			delete(t.r.confirmed, h)
			n++
		}
	}
	return n, nil
}

// DeleteOtherSessions ends every session of a user but the one of token
// hash keep (auth.OtherSessionEnder).
func (t tx) DeleteOtherSessions(_ context.Context, userID, keep string) (int64, error) {
	var n int64
	for h, s := range t.r.sessions {
		if s.UserID == userID && h != keep {
			delete(t.r.sessions, h)
			delete(t.r.confirmed, h)
			n++
		}
	}
	return n, nil
}

// RecordLogin records the time of a user's login (auth.LoginRecorder).
func (t tx) RecordLogin(_ context.Context, userID string, at time.Time) error {
	t.r.logins[userID] = at
	return nil
}

// LastLogins returns the last login of every user who has one
// (auth.LastLoginReader).
func (r *Repository) LastLogins(context.Context) (map[string]time.Time, error) {
	defer r.lock()()
	return maps.Clone(r.logins), nil
}

// AddPreviousPassword records a replaced password hash of a user and keeps
// their keep newest (auth.PasswordHistoryWriter).
func (t tx) AddPreviousPassword(_ context.Context, userID, hash string, _ time.Time, keep int) error {
	p := append([]string{hash}, t.r.previous[userID]...)
	t.r.previous[userID] = p[:min(len(p), keep)]
	return nil
}

// PreviousPasswordHashes returns a user's last n replaced password hashes,
// newest first (auth.PasswordHistoryReader).
func (r *Repository) PreviousPasswordHashes(_ context.Context, userID string, n int) ([]string, error) {
	defer r.lock()()
	p := r.previous[userID]
	return slices.Clone(p[:min(len(p), n)]), nil
}

func (t tx) CreateSession(_ context.Context, s *workflow.Session) error {
	c := *s
	t.r.sessions[s.TokenHash] = &c
	return nil
}

// BeginIdempotent implements workflow.IdempotencyKeys. The memory
// repository keeps no liveness rows (every instance is alive): the
// instance stale time is not used.
func (r *Repository) BeginIdempotent(_ context.Context, k workflow.IdempotencyKey, stale time.Time, _ time.Duration) (*workflow.IdempotencyKey, error) {
	defer r.lock()()
	id := [2]string{k.UserID, k.Key}
	if old, ok := r.keys[id]; ok && old.ExpiresAt.After(k.StartedAt) && (!old.InFlight() || !old.StartedAt.Before(stale)) {
		return &old, nil
	}
	r.keys[id] = k
	return nil, nil
}

// AbandonIdempotent implements workflow.IdempotencyKeys.
func (r *Repository) AbandonIdempotent(_ context.Context, userID, key, token string) error {
	defer r.lock()()
	id := [2]string{userID, key}
	if old, ok := r.keys[id]; ok && old.InFlight() && old.Token == token {
		delete(r.keys, id)
	}
	return nil
}

func (t tx) FinishIdempotent(_ context.Context, userID, key, token, documentID string) error {
	id := [2]string{userID, key}
	old, ok := t.r.keys[id]
	if !ok || !old.InFlight() || old.Token != token {
		return workflow.Errorf(workflow.ECONFLICT, "idempotency key %q is not held by this attempt", key)
	}
	old.DocumentID = documentID
	t.r.keys[id] = old
	return nil
}
