package gormdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

var _ workflow.WaitingCounter = (*DB)(nil)

// partyColumn is the documents column naming each party.
var partyColumn = map[workflow.Party]string{
	workflow.NamedSigner: "signer_id", workflow.TheAssignee: "assignee_id", workflow.TheDrafter: "created_by",
}

// WaitingByUser implements workflow.WaitingCounter: one statement, a
// GROUP BY of each rule's party column over its waiting states (a
// handler has two: the incoming documents' assignee_id, the drafts'
// created_by), joined with UNION ALL — answered from the index
// documents_work, which holds direction, state, signer_id, assignee_id
// and created_by.
func (d *DB) WaitingByUser(ctx context.Context) (map[string]map[workflow.Role]int, error) {
	c := d.reader(ctx)
	var parts []string
	var args []any
	for _, role := range workflow.ReassignRoles() {
		for _, r := range workflow.WaitingRule(role) {
			ss := make([]string, len(r.States))
			for i, st := range r.States {
				ss[i] = string(st)
			}
			parts = append(parts, fmt.Sprintf("SELECT %[1]s AS user_id, CAST(? AS TEXT) AS role, COUNT(*) AS n FROM %[2]s WHERE direction = ? AND state IN ? AND %[1]s <> '' GROUP BY %[1]s",
				partyColumn[r.Party], workTable[c.db.dialect]))
			args = append(args, string(role), string(r.Direction), ss)
		}
	}
	var rows []struct {
		UserID, Role string
		N            int64
	}
	if err := c.q(ctx).Raw(strings.Join(parts, " UNION ALL "), args...).Scan(&rows).Error; err != nil {
		return nil, c.db.translate(err, "count waiting work")
	}
	out := map[string]map[workflow.Role]int{}
	for _, r := range rows {
		if out[r.UserID] == nil {
			out[r.UserID] = map[workflow.Role]int{}
		}
		out[r.UserID][workflow.Role(r.Role)] += int(r.N)
	}
	return out, nil
}
