package gormdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

// walkBatch is how many events WalkEvents reads at a time.
const walkBatch = 1000

// AppendEvent chains e after the last event (workflow.Chain sets e.Seq,
// e.PrevHash and e.Hash) and stores it. The chain head row is locked
// until the transaction ends (the row lock of its UPDATE on PostgreSQL;
// SQLite's write lock), so concurrent transactions chain in commit order.
// Call it after NextNumber in a transaction that does both, so every
// transaction takes the two locks in the same order.
//
// The event is chained after the head this instance last saw (this
// transaction's own last event, else the head after this instance's last
// commit, unless another of its transactions is appending: on PostgreSQL
// it waits for its turn, knownHead) and written
// only if the head is still that one: on PostgreSQL
// one statement moves the head and inserts the event (no row when the
// head moved: nothing is written); on SQLite an INSERT ... SELECT from
// the head row and the head's update. When another instance (or a
// rolled-back transaction) moved the head, the head is read — locked —
// and the event chained after it, as a first append always does.
func (c *conn) AppendEvent(ctx context.Context, e *workflow.Event) error {
	return c.appendEvent(ctx, c.knownHead(), e)
}

// appendEvent is AppendEvent after h, the head known (nil: none).
func (c *conn) appendEvent(ctx context.Context, h *headRow, e *workflow.Event) error {
	if h != nil {
		ok, err := c.appendAfter(ctx, *h, e, false)
		if err != nil || ok {
			return err
		}
	}
	head, found := headRow{ID: 1}, false
	err := c.rawRows(ctx, lockedHead, nil, func(rs *sql.Rows) error {
		found = true
		return rs.Scan(&head.Seq, &head.Hash)
	})
	if err == nil && !found {
		err = gorm.ErrRecordNotFound
	}
	if err != nil {
		return c.db.translate(err, "audit chain head")
	}
	return c.appendLocked(ctx, head, e)
}

// appendLocked chains e after head, the chain head as read locked in
// this transaction, and stores it.
func (c *conn) appendLocked(ctx context.Context, head headRow, e *workflow.Event) error {
	c.db.forgetHeadAfter(head)
	ok, err := c.appendAfter(ctx, head, e, true)
	if err != nil {
		return err
	}
	if !ok {
		return workflow.Errorf(workflow.ECONFLICT, "audit chain head moved while appending event %d", e.Seq)
	}
	return nil
}

// updateLockingHead is UpdateAndAppend on PostgreSQL when the head is
// not known: the guarded update and the locked read of the head go in
// one round trip (the document's row is locked first, then the head, as
// when they are sent one at a time), then e is chained after the head
// read. false: nothing sent (a statement not pipelined), UpdateAndAppend
// goes on.
func (c *conn) updateLockingHead(ctx context.Context, t *pgTx, d *workflow.Document, r *documentRow, prevVersion int, e *workflow.Event) (bool, error) {
	u := c.updateFor(r, prevVersion)
	start := time.Now()
	results, err := t.pipeline(ctx, pgStmt{query: u.pg, args: append(u.values(r), r.ID, prevVersion)}, pgStmt{query: lockedHeadText})
	c.g.Logger.Trace(ctx, start, func() (string, int64) { return u.pg + "; " + lockedHeadText, int64(len(results)) }, err)
	if errors.Is(err, errNotPipelined) {
		return false, nil
	}
	if err == nil && len(results) != 2 {
		err = fmt.Errorf("%d results for 2 statements", len(results))
	}
	if err != nil {
		return true, c.db.translate(err, "update document %s and read the audit chain head", d.ID)
	}
	if results[0].CommandTag.RowsAffected() != 1 {
		return true, c.updateMissed(ctx, d.ID, prevVersion)
	}
	c.sawFiles(d.ID, d.Version, r.Files)
	head, err := headFrom(results[1])
	if err != nil {
		return true, c.db.translate(err, "audit chain head")
	}
	return true, c.appendLocked(ctx, head, e)
}

// lockedHeadText is lockedHead on PostgreSQL with seq as text: a
// pipeline's rows come as bytes, in the format the statement's
// description chose (text is the same in both).
const lockedHeadText = `SELECT CAST(seq AS text), hash FROM audit_head WHERE id = 1 FOR UPDATE`

// headFrom is the chain head in res, lockedHeadText's result.
func headFrom(res *pgconn.Result) (headRow, error) {
	if len(res.Rows) == 0 {
		return headRow{}, gorm.ErrRecordNotFound
	}
	row := res.Rows[0]
	if len(row) != 2 {
		return headRow{}, fmt.Errorf("audit chain head: %d columns", len(row))
	}
	seq, err := strconv.ParseInt(string(row[0]), 10, 64)
	if err != nil {
		return headRow{}, fmt.Errorf("audit chain head seq: %w", err)
	}
	return headRow{ID: 1, Seq: seq, Hash: string(row[1])}, nil
}

// lockedHead reads the chain head, locked on PostgreSQL (on SQLite the
// transaction holds the only write lock).
var lockedHead = rawQuery{sqlite: `SELECT seq, hash FROM audit_head WHERE id = 1`,
	pg: `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`}

// knownHead returns the chain head this transaction wrote last, else the
// one this instance's last commit left when no other transaction of this
// instance is appending (it would move the head first), else nil. On
// PostgreSQL the transaction waits for its turn to append (appendTurn)
// first: the one before has ended when it has it, and its commit left
// the head known (sawHead) — one round trip, instead of a locked read of
// the head and then the append. Not had within appendTurnWait (another
// transaction that appends and goes on, or waits for a row lock this one
// holds), it appends after the head read locked, as without a turn.
func (c *conn) knownHead() *headRow {
	if c.head != nil {
		return c.head
	}
	if c.appending != nil && *c.appending == notAppending {
		switch {
		case c.pg() && c.db.takeAppendTurn():
			*c.appending = appendingWithTurn
		case c.pg():
			*c.appending = appendingWithoutTurn
			return nil
		default:
			*c.appending = appendingCounted
			if c.db.appending.Add(1) > 1 {
				return nil
			}
		}
	}
	switch {
	case c.appending == nil:
	case *c.appending == appendingWithTurn:
		return c.db.headWithTurn()
	case *c.appending != appendingCounted:
		return nil // without a turn, or handed over (its transaction ends)
	}
	return c.db.auditHead.Load()
}

// headWithTurn is the head known to the transaction that holds the turn
// to append: the one the transaction before handed it over with
// (turnHead) when it is past the one the last commit left.
func (d *DB) headWithTurn() *headRow {
	h := d.auditHead.Load()
	if t := d.turnHead.Load(); t != nil && (h == nil || t.Seq > h.Seq) {
		return t
	}
	return h
}

// appendState is how a transaction appends to the audit chain.
type appendState int8

const (
	notAppending         appendState = iota
	appendingCounted                 // counted in DB.appending (SQLite)
	appendingWithTurn                // holds DB.appendTurn (PostgreSQL)
	appendingWithoutTurn             // waited for the turn in vain: the head is read
	appendingHandedOver              // its append ran, the turn went to the next (handOver)
)

// appendTurnWait bounds the wait for the turn to append: a round trip
// for each transaction before in the queue is usual; a turn held much
// longer is one whose transaction does more after its append, or waits
// for a row lock the waiting one holds (which then reads the head and
// commits, as without a turn, and lets it go on).
const appendTurnWait = 100 * time.Millisecond

// takeAppendTurn waits for the turn to append, appendTurnWait at most.
func (d *DB) takeAppendTurn() bool {
	select {
	case d.appendTurn <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(appendTurnWait)
	defer t.Stop()
	select {
	case d.appendTurn <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

// doneAppending ends what a transaction's appends took (s), once it has
// ended and its commit's functions (sawHead) have run.
func (d *DB) doneAppending(s *appendState) {
	switch *s {
	case appendingCounted:
		d.appending.Add(-1)
	case appendingWithTurn:
		<-d.appendTurn
	}
}

// appendAfter chains e after head and stores it if head is still the
// chain head; false (nothing written) if it is not. locked: head was
// read locked in this transaction (it is still the head).
func (c *conn) appendAfter(ctx context.Context, head headRow, e *workflow.Event, locked bool) (bool, error) {
	vals, err := chainAfter(head, e)
	if err != nil {
		return false, err
	}
	var res *gorm.DB
	if c.pg() {
		args := append([]any{e.Seq, e.Hash, head.Seq, head.Hash}, vals...)
		if t := c.lastWriteTx(ctx); t != nil {
			committed, err := c.commitWith(ctx, t, appendEventLastPG, args, !locked, headAfter(e))
			if err != nil {
				return false, c.db.translate(err, "append audit event %d", e.Seq)
			}
			if committed {
				c.appended(e)
				return true, nil
			}
		}
		res = c.q(ctx).Exec(appendEventPG, args...)
	} else {
		res = c.q(ctx).Exec(appendEventSQLite, append(vals, head.Seq, head.Hash)...)
	}
	if res.Error != nil {
		return false, c.db.translate(res.Error, "append audit event %d", e.Seq)
	}
	if res.RowsAffected != 1 {
		return false, nil
	}
	if !c.pg() {
		res := c.q(ctx).Exec(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash)
		if res.Error != nil {
			return false, c.db.translate(res.Error, "advance audit chain head")
		}
		if res.RowsAffected != 1 {
			return false, workflow.Errorf(workflow.EINTERNAL, "audit chain head row is missing")
		}
	}
	c.appended(e)
	return true, nil
}

// chainAfter chains e after head and returns the values of its row, in
// the order of eventColumns.
func chainAfter(head headRow, e *workflow.Event) ([]any, error) {
	var prev *workflow.Event
	if head.Seq > 0 {
		prev = &workflow.Event{Seq: head.Seq, Hash: head.Hash}
	}
	workflow.Chain(prev, e)
	r, err := eventFromDomain(e)
	if err != nil {
		return nil, err
	}
	return []any{r.Seq, r.DocumentID, r.Actor, r.Kind, r.Action, r.FromState, r.ToState, r.Comment, r.Data, r.AtMicros, r.PrevHash, r.Hash}, nil
}

// appended records e, just stored, as the head this transaction left,
// and, once it commits, as the head this instance saw.
func (c *conn) appended(e *workflow.Event) {
	next := headAfter(e)
	c.head = next
	c.AfterCommit(func() { c.db.sawHead(next) })
}

// UpdateAndAppend implements workflow.UpdateAppender. On PostgreSQL,
// when the head this instance last saw is known (knownHead), one
// statement makes the guarded update, moves the head and inserts the
// event; the head moves only if the document did. A document left as it
// was answers as UpdateDocument does (nothing appended); a head that
// moved meanwhile is read, locked, and e chained after it, as
// AppendEvent does. Elsewhere, UpdateDocument then AppendEvent.
func (c *conn) UpdateAndAppend(ctx context.Context, d *workflow.Document, prevVersion int, e *workflow.Event) error {
	if !c.pg() {
		if err := c.UpdateDocument(ctx, d, prevVersion); err != nil {
			return err
		}
		return c.AppendEvent(ctx, e)
	}
	r, err := documentFromDomain(d)
	if err != nil {
		return err
	}
	var pre []pgStmt // the claims check, sent with the commit
	if c.files[d.ID] != (seenFiles{prevVersion, r.Files}) {
		if done, err := c.updateAloneWithClaims(ctx, d, r, prevVersion, e); done || err != nil {
			return err
		}
		if c.lastWriteTx(ctx) != nil {
			pre = claimsGuard(fileSums(d))
		}
		if err := c.claimsNow(ctx, d, r, prevVersion, pre == nil); err != nil {
			return err
		}
	}
	// Only now does this transaction count as appending (knownHead: on
	// PostgreSQL it takes its turn): the shorter that spell, the less
	// often another one waits for it.
	h := c.knownHead()
	if h == nil && pre != nil {
		if err := c.claimsNow(ctx, d, r, prevVersion, true); err != nil {
			return err
		}
		pre = nil
	}
	if t, ok := c.g.Statement.ConnPool.(*pgTx); h == nil && ok {
		if done, err := c.updateLockingHead(ctx, t, d, r, prevVersion, e); done {
			return err
		}
	}
	if h == nil {
		if err := c.UpdateDocument(ctx, d, prevVersion); err != nil {
			return err
		}
		return c.appendEvent(ctx, nil, e)
	}
	vals, err := chainAfter(*h, e)
	if err != nil {
		return err
	}
	u := c.updateFor(r, prevVersion)
	args := append(append(u.values(r), r.ID, prevVersion, e.Seq, e.Hash, h.Seq, h.Hash), vals...)
	if t := c.lastWriteTx(ctx); t != nil {
		committed, err := c.commitAfter(ctx, t, pre, u.appendLast, args, true, headAfter(e))
		if err != nil {
			return c.db.translate(err, "update document %s and append audit event %d", d.ID, e.Seq)
		}
		if committed {
			c.sawFiles(d.ID, d.Version, r.Files)
			c.appended(e)
			return nil
		}
		if err := c.claimsNow(ctx, d, r, prevVersion, pre != nil); err != nil {
			return err // the claims guard, the update's or the head's failed: checked now
		}
	}
	updated, inserted, err := c.execUpdateAndAppend(ctx, u.andAppend, args)
	switch {
	case err != nil:
		return c.db.translate(err, "update document %s and append audit event %d", d.ID, e.Seq)
	case updated != 1:
		return c.updateMissed(ctx, d.ID, prevVersion)
	}
	c.sawFiles(d.ID, d.Version, r.Files)
	if inserted == 1 {
		c.appended(e)
		return nil
	}
	return c.appendEvent(ctx, nil, e)
}

// claimsNow checks the claims of d's files (checkBlobRefs) when check
// is set, and records them as checked: the update need not check again.
func (c *conn) claimsNow(ctx context.Context, d *workflow.Document, r *documentRow, prevVersion int, check bool) error {
	if !check {
		return nil
	}
	if err := c.checkBlobRefs(ctx, fileSums(d)); err != nil {
		return err
	}
	c.sawFiles(d.ID, prevVersion, r.Files)
	return nil
}

// updateAloneWithClaims is UpdateAndAppend as the whole of its
// PostgreSQL transaction, when it is (its last write, nothing sent
// before) and the head is known: the files' claims check (claimsGuard)
// and the statement in one round trip with BEGIN and COMMIT
// (pgTx.commitAlone). false: nothing done (a claim to handle, the
// document or the head moved: all rolled back), UpdateAndAppend goes on.
func (c *conn) updateAloneWithClaims(ctx context.Context, d *workflow.Document, r *documentRow, prevVersion int, e *workflow.Event) (bool, error) {
	t, pre, h := c.alone(ctx, d)
	if t == nil {
		return false, nil
	}
	vals, err := chainAfter(*h, e)
	if err != nil {
		return false, err
	}
	u := c.updateFor(r, prevVersion)
	args := append(append(u.values(r), r.ID, prevVersion, e.Seq, e.Hash, h.Seq, h.Hash), vals...)
	committed, err := c.commitAlone(ctx, t, pre, u.appendLast, args, headAfter(e))
	if err != nil {
		return false, c.db.translate(err, "update document %s and append audit event %d", d.ID, e.Seq)
	}
	if committed {
		c.sawFiles(d.ID, d.Version, r.Files)
		c.appended(e)
	}
	return committed, nil
}

// alone is what updateAloneWithClaims and createAloneWithClaims need to
// send d's write as its whole PostgreSQL transaction: the transaction,
// nothing sent in it yet; the claims check of d's files; the known head.
// A nil transaction when one of them is not had.
func (c *conn) alone(ctx context.Context, d *workflow.Document) (*pgTx, []pgStmt, *headRow) {
	t := c.lastWriteTx(ctx)
	if t == nil || !t.fresh() {
		return nil, nil, nil
	}
	pre := claimsGuard(fileSums(d))
	if pre == nil {
		return nil, nil, nil
	}
	h := c.knownHead()
	if h == nil {
		return nil, nil, nil
	}
	return t, pre, h
}

// execUpdateAndAppend runs query (a documentUpdate's andAppend) and
// returns the documents it updated and the events it inserted. The
// statement goes to the slow-query log like gorm's.
func (c *conn) execUpdateAndAppend(ctx context.Context, query string, args []any) (updated, inserted int64, err error) {
	start := time.Now()
	defer func() {
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return query, updated + inserted }, err)
	}()
	err = c.g.Statement.ConnPool.QueryRowContext(ctx, query, args...).Scan(&updated, &inserted)
	return updated, inserted, err
}

// commitWith runs query, the transaction's last write, and commits t
// with it (pgTx.commitWith); next is the chain head once query ran when
// it appends (nil: it does not). The statement goes to the slow-query log like
// gorm's.
func (c *conn) commitWith(ctx context.Context, t *pgTx, query string, args []any, guarded bool, next *headRow) (committed bool, err error) {
	return c.commitAfter(ctx, t, nil, query, args, guarded, next)
}

// commitAfter is commitWith with pre, guarded statements, sent before
// query (pgTx.commitResult).
func (c *conn) commitAfter(ctx context.Context, t *pgTx, pre []pgStmt, query string, args []any, guarded bool, next *headRow) (committed bool, err error) {
	start := time.Now()
	defer func() {
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return query + "; COMMIT", 0 }, err)
	}()
	handOver := c.handOver(next)
	defer func() { c.handedOver(committed) }()
	_, committed, err = t.commitResult(ctx, pre, query, args, guarded, handOver)
	return committed, err
}

// commitAlone runs pre and query, the whole transaction, and commits t
// with them (pgTx.commitAlone), traced and handing the turn over as
// commitWith.
func (c *conn) commitAlone(ctx context.Context, t *pgTx, pre []pgStmt, query string, args []any, next *headRow) (committed bool, err error) {
	start := time.Now()
	defer func() {
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return "BEGIN; " + pre[len(pre)-1].query + "; " + query + "; COMMIT", 0 }, err)
	}()
	handOver := c.handOver(next)
	defer func() { c.handedOver(committed) }()
	return t.commitAlone(ctx, pre, query, args, handOver)
}

// headAfter is the chain head once e is appended.
func headAfter(e *workflow.Event) *headRow { return &headRow{ID: 1, Seq: e.Seq, Hash: e.Hash} }

// handOver returns what hands this transaction's turn to append
// (appendTurn) to the next one once PostgreSQL has run its append, sent
// with its COMMIT, and before COMMIT's answer is in: from then on its
// UPDATE of the head holds the head row's lock until COMMIT ends, so the
// next one chains after next (turnHead), and its own UPDATE of the head
// waits for that lock and then finds next the head — or, if this
// transaction failed after all, does not, and reads the head locked
// (the head row decides, as ever). Handed over only then, not when
// COMMIT is sent: the next one's UPDATE could run before this one's and
// miss the head it chained after. nil: no turn held, or
// no append.
func (c *conn) handOver(next *headRow) func() {
	if next == nil || c.appending == nil || *c.appending != appendingWithTurn {
		return nil
	}
	return func() {
		c.given = next
		c.db.turnHead.Store(next)
		*c.appending = appendingHandedOver
		<-c.db.appendTurn
	}
}

// handedOver forgets the head the turn was handed over with (handOver)
// when the transaction did not commit after all, unless a later one is
// there already.
func (c *conn) handedOver(committed bool) {
	if !committed && c.given != nil {
		c.db.turnHead.CompareAndSwap(c.given, nil)
	}
}

// sawHead records h as the chain head after a commit of this instance,
// unless a later one is already recorded.
func (d *DB) sawHead(h *headRow) {
	for {
		cur := d.auditHead.Load()
		if cur != nil && cur.Seq >= h.Seq {
			return
		}
		if d.auditHead.CompareAndSwap(cur, h) {
			return
		}
	}
}

// forgetHeadAfter forgets the head this instance remembers when it lies
// past head, the chain head as read locked: the chain only grows, so the
// database was restored to an earlier chain (or its tail cut). sawHead
// never moves the remembered head back, and every append would try it,
// fail, and read the head again until a restart.
func (d *DB) forgetHeadAfter(head headRow) {
	if h := d.auditHead.Load(); h != nil && h.Seq > head.Seq {
		d.auditHead.CompareAndSwap(h, nil)
	}
	if h := d.turnHead.Load(); h != nil && h.Seq > head.Seq {
		d.turnHead.CompareAndSwap(h, nil)
	}
}

// The statements that append an event after a known head. On PostgreSQL
// the head moves (headMovePG) and the INSERT takes its one row from the
// head's UPDATE: both or neither. On SQLite the transaction already
// holds the only write lock.
const (
	eventColumns      = `seq, document_id, actor, kind, action, from_state, to_state, comment, data, at_micros, prev_hash, hash`
	appendEventSQLite = `INSERT INTO audit_events (` + eventColumns + `)
SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM audit_head WHERE id = 1 AND seq = ? AND hash = ?`
)

// appendEventPG appends an event after a known head on PostgreSQL.
var appendEventPG = `WITH ` + headMovePG("") + `
INSERT INTO audit_events (` + eventColumns + `)
SELECT CAST(? AS bigint), CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS text),
       CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS bigint), CAST(? AS text), CAST(? AS text) FROM h`

// headMovePG are the WITH queries that move the chain head on
// PostgreSQL, from the head known (its seq and hash: the third and
// fourth arguments) to the new one (the first two), when cond (AND ...)
// holds: l locks the head row — waiting for the transaction that holds
// it to end — and reads the row as it is then, h updates it if that row
// is the head known (one row: moved; none: the head is elsewhere). The
// head known may be the one another transaction of the instance has
// written and not yet committed (handOver): l waits for its COMMIT and
// finds its head, or, if it failed, the one before. A guarded UPDATE
// alone would not wait: its condition is first checked on the row as
// its snapshot sees it (the head before), and fails.
func headMovePG(cond string) string {
	return `l AS MATERIALIZED (SELECT seq, hash FROM audit_head WHERE id = 1` + cond + ` FOR NO KEY UPDATE),
h AS (UPDATE audit_head SET seq = ?, hash = ? FROM l WHERE audit_head.id = 1 AND l.seq = ? AND l.hash = ? RETURNING audit_head.id)`
}

// appendEventLastPG is appendEventPG as a transaction's last statement,
// sent with COMMIT (pgTx.commitWith): it fails with division_by_zero
// unless it inserted the event.
var appendEventLastPG = dollarPlaceholders(strings.Replace(appendEventPG, "\nINSERT INTO audit_events", ",\ne AS (INSERT INTO audit_events", 1) +
	" RETURNING 1)\nSELECT 1 / (SELECT count(*) FROM e)")

// updateAndAppendWith are the WITH queries of a documentUpdate's
// andAppend and appendLast around update, the document's guarded UPDATE:
// update and appendEventPG in one statement. The head moves, and the event
// is inserted, only if the document was updated (data-modifying WITH
// queries all run, once, on one snapshot; h reads what u returned).
// andAppend answers how many documents it updated and events it inserted;
// appendLast, the transaction's last statement sent with COMMIT
// (pgTx.commitWith), fails with division_by_zero unless it updated the
// document and inserted the event.
func updateAndAppendWith(update string) string {
	return `WITH u AS (` + update + ` RETURNING 1),
` + headMovePG(" AND EXISTS (SELECT 1 FROM u)") + `,
e AS (INSERT INTO audit_events (` + eventColumns + `)
SELECT CAST(? AS bigint), CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS text),
       CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS bigint), CAST(? AS text), CAST(? AS text) FROM h RETURNING 1)
`
}

// Events returns a document's audit events in sequence order.
func (c *conn) Events(ctx context.Context, documentID string) ([]workflow.Event, error) {
	events := []workflow.Event{}
	var r eventRow
	targets := []any{&r.Seq, &r.DocumentID, &r.Actor, &r.Kind, &r.Action, &r.FromState, &r.ToState, &r.Comment,
		&r.Data, &r.AtMicros, &r.PrevHash, &r.Hash} // the order of eventColumns
	var decodeErr error
	err := c.rawRows(ctx, eventsQuery, []any{documentID}, func(rs *sql.Rows) error {
		if err := rs.Scan(targets...); err != nil {
			return err
		}
		e, err := r.toDomain()
		if err != nil {
			decodeErr = err
			return err
		}
		events = append(events, e)
		return nil
	})
	if decodeErr != nil {
		return nil, decodeErr
	}
	if err != nil {
		return nil, c.db.translate(err, "events of document %s", documentID)
	}
	return events, nil
}

// eventsQuery is Events' read.
var eventsQuery = newRawQuery(`SELECT ` + eventColumns + ` FROM audit_events WHERE document_id = ? ORDER BY seq`)

// WalkEvents calls fn for every audit event in sequence order, reading
// walkBatch events at a time (keyset paging on seq), and stops at fn's
// first error, which it returns as is.
func (c *conn) WalkEvents(ctx context.Context, fn func(workflow.Event) error) error {
	after := int64(-1 << 62)
	for {
		var rows []eventRow
		if err := c.q(ctx).Where("seq > ?", after).Order("seq").Limit(walkBatch).Find(&rows).Error; err != nil {
			return c.db.translate(err, "walk audit events after %d", after)
		}
		for i := range rows {
			e, err := rows[i].toDomain()
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(rows) < walkBatch {
			return nil
		}
		after = rows[len(rows)-1].Seq
	}
}

// AuditHead returns the chain head — Seq and Hash of the last event
// appended — or nil if no event was ever appended. A verifier compares
// it with the last event it walked to detect a truncated tail.
func (c *conn) AuditHead(ctx context.Context) (*workflow.Event, error) {
	var head headRow
	if err := c.q(ctx).Where("id = 1").Take(&head).Error; err != nil {
		return nil, c.db.translate(err, "audit chain head")
	}
	if head.Seq == 0 {
		return nil, nil
	}
	return &workflow.Event{Seq: head.Seq, Hash: head.Hash}, nil
}

// CreateAndAppend implements workflow.CreateAppender. On PostgreSQL, when
// the head this instance last saw is known (knownHead) and there are at
// most maxCreateEvents events, one statement inserts the document, moves
// the head and inserts the events chained one after the other (its files
// checked against the collector's claims first, as CreateDocument does); a head
// that moved meanwhile leaves the document inserted and no event, and
// the events are appended as AppendEvent does. Elsewhere, CreateDocument
// then AppendEvent of each.
func (c *conn) CreateAndAppend(ctx context.Context, d *workflow.Document, events []*workflow.Event) error {
	if d.ID == "" {
		return workflow.Errorf(workflow.EINVALID, "document has no id")
	}
	if !c.pg() || len(events) == 0 || len(events) > maxCreateEvents {
		if err := c.CreateDocument(ctx, d); err != nil {
			return err
		}
		return c.appendAll(ctx, c.knownHead(), events)
	}
	r, err := documentFromDomain(d)
	if err != nil {
		return err
	}
	if done, err := c.createAloneWithClaims(ctx, d, r, events); done || err != nil {
		return err
	}
	if err := c.checkBlobRefs(ctx, fileSums(d)); err != nil {
		return err
	}
	h := c.knownHead() // only now: see UpdateAndAppend
	if h == nil {
		if err := c.insertDocument(ctx, d, r); err != nil {
			return err
		}
		return c.appendAll(ctx, nil, events)
	}
	n, err := c.execCreateAndAppend(ctx, r, *h, events)
	if err != nil {
		return err
	}
	if n < 0 { // committed with it
		c.sawFiles(d.ID, d.Version, r.Files)
		c.appended(events[len(events)-1])
		return nil
	}
	c.sawFiles(d.ID, d.Version, r.Files)
	if n == len(events) {
		c.appended(events[len(events)-1])
		return nil
	}
	return c.appendAll(ctx, nil, events) // the head moved: read it
}

// appendAll appends events in order, the first after h (nil: none
// known), the others after the one before.
func (c *conn) appendAll(ctx context.Context, h *headRow, events []*workflow.Event) error {
	for i, e := range events {
		if i > 0 {
			h = c.head
		}
		ctx := ctx
		if i < len(events)-1 {
			ctx = context.WithValue(ctx, notLastWrite{}, true)
		}
		if err := c.appendEvent(ctx, h, e); err != nil {
			return err
		}
	}
	return nil
}

// maxCreateEvents bounds the events CreateAndAppend writes in one
// statement (a statement per count: a document and its files).
const maxCreateEvents = 8

// execCreateAndAppend runs createAndAppendPG for r and events chained
// after head, and returns the events it inserted (0: the head moved; -1:
// all, and the transaction committed with them: its last write).
func (c *conn) execCreateAndAppend(ctx context.Context, r *documentRow, head headRow, events []*workflow.Event) (n int, err error) {
	args, err := createAndAppendArgs(r, head, events)
	if err != nil {
		return 0, err
	}
	if t := c.lastWriteTx(ctx); t != nil {
		committed, err := c.commitWith(ctx, t, createAndAppendLastPG(len(events)), args, true, headAfter(events[len(events)-1]))
		if err != nil {
			return 0, c.db.translate(err, "create document %s", r.ID)
		}
		if committed {
			return -1, nil
		}
	}
	query := createAndAppendPG(len(events))
	start := time.Now()
	defer func() {
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return query, int64(n) }, err)
	}()
	res, err := c.g.Statement.ConnPool.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, c.db.translate(err, "create document %s", r.ID)
	}
	rows, err := res.RowsAffected()
	return int(rows), err
}

// createAndAppendArgs are the arguments of createAndAppendPG for r and
// events chained after head.
func createAndAppendArgs(r *documentRow, head headRow, events []*workflow.Event) ([]any, error) {
	last := events[len(events)-1]
	args := append([]any{r.ID}, r.updateValues()...)
	var vals []any
	prev := head
	for _, e := range events {
		v, err := chainAfter(prev, e)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v...)
		prev = *headAfter(e)
	}
	return append(append(args, last.Seq, last.Hash, head.Seq, head.Hash), vals...), nil
}

// createAloneWithClaims is CreateAndAppend as the whole of its
// PostgreSQL transaction, when it is: see updateAloneWithClaims.
func (c *conn) createAloneWithClaims(ctx context.Context, d *workflow.Document, r *documentRow, events []*workflow.Event) (bool, error) {
	t, pre, h := c.alone(ctx, d)
	if t == nil {
		return false, nil
	}
	args, err := createAndAppendArgs(r, *h, events)
	if err != nil {
		return false, err
	}
	committed, err := c.commitAlone(ctx, t, pre, createAndAppendLastPG(len(events)), args, headAfter(events[len(events)-1]))
	if err != nil {
		return false, c.db.translate(err, "create document %s", r.ID)
	}
	if committed {
		c.sawFiles(d.ID, d.Version, r.Files)
		c.appended(events[len(events)-1])
	}
	return committed, nil
}

// createAndAppendPG is the statement of CreateAndAppend for k events:
// the document's INSERT, the head's guarded UPDATE and the events' INSERT
// from it (rows affected: the events inserted).
var createAndAppendPG = func() func(k int) string {
	var byCount [maxCreateEvents + 1]string
	row := `(CAST(? AS bigint), CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS text),
 CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS bigint), CAST(? AS text), CAST(? AS text))`
	cols := "id, " + strings.Join(updateDocumentColumns, ", ")
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(updateDocumentColumns)+1), ", ")
	for k := 1; k <= maxCreateEvents; k++ {
		rows := strings.TrimSuffix(strings.Repeat(row+",\n", k), ",\n")
		byCount[k] = dollarPlaceholders(`WITH d AS (INSERT INTO documents (` + cols + `) VALUES (` + marks + `)),
` + headMovePG("") + `
INSERT INTO audit_events (` + eventColumns + `)
SELECT v.* FROM h CROSS JOIN (VALUES ` + rows + `) AS v(` + eventColumns + `)`)
	}
	return func(k int) string { return byCount[k] }
}()

// createAndAppendLastPG is createAndAppendPG as a transaction's last
// statement, sent with COMMIT (pgTx.commitWith): it fails with
// division_by_zero unless it inserted the k events.
var createAndAppendLastPG = func() func(k int) string {
	var byCount [maxCreateEvents + 1]string
	for k := 1; k <= maxCreateEvents; k++ {
		q := createAndAppendPG(k)
		i := strings.LastIndex(q, "\nINSERT INTO audit_events")
		byCount[k] = q[:i] + ",\ne AS (" + q[i+1:] + " RETURNING 1)\n" +
			fmt.Sprintf("SELECT 1 / CASE WHEN (SELECT count(*) FROM e) = %d THEN 1 ELSE 0 END", k)
	}
	return func(k int) string { return byCount[k] }
}()

var (
	_ workflow.UpdateAppender = (*conn)(nil)
	_ workflow.CreateAppender = (*conn)(nil)
)
