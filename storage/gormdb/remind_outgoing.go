package gormdb

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// waitingSQL selects the outgoing documents of WaitingOutgoing: in a
// waiting state (the documents_work index on direction, state; named on
// SQLite, as workTable says why), with the time of their last transition
// into it (the index on audit_events.document_id), entered at or before a
// time (Unix microseconds, as audit_events.at_micros).
var waitingSQL = map[string]string{SQLite: waitingFrom("documents AS d INDEXED BY documents_work"), Postgres: waitingFrom("documents d")}

func waitingFrom(documents string) string {
	return `SELECT w.id AS id, w.since AS since FROM (
SELECT d.id AS id, (SELECT MAX(e.at_micros) FROM audit_events e
  WHERE e.document_id = d.id AND e.kind = ? AND e.to_state = d.state) AS since
FROM ` + documents + ` WHERE d.direction = ? AND d.state IN (?, ?, ?)) w
WHERE w.since <= ?`
}

// waitedOnSQL selects who outgoing documents may wait on and who wants
// mail: the signers named (signer_id IN ?) and every clerk; the roles
// decide (workflow.WaitingOn).
const waitedOnSQL = `SELECT u.id AS id, u.full_name AS full_name, u.username AS username, u.roles AS roles, m.email AS email
FROM users u JOIN user_mail m ON m.user_id = u.id
WHERE u.disabled = ? AND m.email <> '' AND m.mail_off = ? AND (u.id IN ? OR (',' || u.roles || ',') LIKE ?)`

// WaitingOutgoing implements workflow.ReminderStore in three statements
// (the documents by ID in chunks): the waiting documents and since when,
// the documents, the users they may wait on. Who a document waits on is
// workflow.WaitingOn: the inbox's rule, so a classified document goes
// only to whom may see it.
func (d *DB) WaitingOutgoing(ctx context.Context, since time.Time) ([]workflow.Waiting, error) {
	c := d.reader(ctx)
	var rows []struct {
		ID    string
		Since int64
	}
	states := []any{string(workflow.InReview), string(workflow.Approved), string(workflow.OfficerSigned)}
	args := append([]any{string(workflow.EventTransition), string(workflow.Outgoing)}, states...)
	if err := c.q(ctx).Raw(waitingSQL[d.dialect], append(args, since.UnixMicro())...).Scan(&rows).Error; err != nil || len(rows) == 0 {
		return nil, d.translate(err, "outgoing documents waiting since %s", since)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	docs, err := c.DocumentsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	signers := []string{""}
	for _, doc := range docs {
		signers = append(signers, doc.SignerID)
	}
	users, err := d.waitedOn(ctx, c, signers)
	if err != nil {
		return nil, err
	}
	var out []workflow.Waiting
	for _, r := range rows {
		doc := docs[r.ID]
		if doc == nil {
			continue // deleted between the statements
		}
		for _, u := range users {
			if a, ok := workflow.WaitingOn(u.user, doc); ok {
				out = append(out, workflow.Waiting{UserID: u.user.ID, UserName: u.name(), Address: u.Email,
					Document: doc, Action: a, Since: time.UnixMicro(r.Since).UTC()})
			}
		}
	}
	slices.SortFunc(out, func(a, b workflow.Waiting) int {
		return cmp.Or(cmp.Compare(a.UserID, b.UserID), a.Since.Compare(b.Since), cmp.Compare(a.Document.ID, b.Document.ID))
	})
	return out, nil
}

type waitedUser struct {
	remindedUser
	user *workflow.User
}

// waitedOn reads the users wanting mail among signers and the clerks,
// with their roles, in one statement.
func (d *DB) waitedOn(ctx context.Context, c *conn, signers []string) ([]waitedUser, error) {
	signers = slices.Compact(slices.Sorted(slices.Values(signers)))
	var rows []struct{ ID, FullName, Username, Roles, Email string }
	err := c.q(ctx).Raw(waitedOnSQL, false, false, signers, "%,"+string(workflow.RoleClerk)+",%").Scan(&rows).Error
	if err != nil {
		return nil, d.translate(err, "users outgoing documents wait on")
	}
	out := make([]waitedUser, len(rows))
	for i, r := range rows {
		u := &workflow.User{ID: r.ID, Username: r.Username, FullName: r.FullName}
		for _, role := range strings.Split(r.Roles, ",") {
			if role != "" {
				u.Roles = append(u.Roles, workflow.Role(role))
			}
		}
		out[i] = waitedUser{remindedUser: remindedUser{ID: r.ID, FullName: r.FullName, Username: r.Username, Email: r.Email}, user: u}
	}
	return out, nil
}

// PurgeReminders implements workflow.ReminderStore: one statement,
// oldest days first. mail_reminders is keyed by user first: the day is
// compared on every row, a table of users × kept days × kinds.
func (d *DB) PurgeReminders(ctx context.Context, before workflow.Date, limit int) (int64, error) {
	res := d.writer(ctx).q(ctx).Exec(`DELETE FROM mail_reminders WHERE (user_id, day, kind) IN
		(SELECT user_id, day, kind FROM mail_reminders WHERE day < ? ORDER BY day LIMIT ?)`, before.String(), limit)
	return res.RowsAffected, d.translate(res.Error, "purge the reminders before %s", before)
}
