package web

import (
	"github.com/vanthu/vanthu/workflow"
)

// lastDirective is the leader's direction (bút phê, ý kiến chỉ đạo) on
// an incoming document: the comment of its latest assignment, by whom
// and when; nil when it was assigned without one, or never. The handler
// read it only in the history at the page's foot, below a 1366×768
// screen's fold, and not in her inbox (walk 9, the handler's full day).
func lastDirective(d *workflow.Document, evs []workflow.Event, names map[string]string) *eventRow {
	if d.Direction != workflow.Incoming {
		return nil
	}
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		if e.Kind != workflow.EventTransition || e.Action != workflow.Assign {
			continue
		}
		if e.Comment == "" {
			return nil
		}
		return &eventRow{At: e.At, Actor: orDefault(names[e.Actor], "Hệ thống"), Comment: e.Comment}
	}
	return nil
}

// movedAway is what a hand-over did to the viewer's part in a document
// (Chuyển việc cho…): who now has it, as what, when and by whom.
type movedAway struct {
	eventRow
	To, As string
}

// movedTo says, by the party a hand-over moved, what the new person does.
var movedTo = map[string]string{
	string(workflow.NamedSigner): "duyệt, ký", string(workflow.TheAssignee): "xử lý", string(workflow.TheDrafter): "soạn tiếp",
}

// lastMovedAway is the hand-over that took d from viewer — the latest
// reassigned event naming her, when it moved it from her (nil when none
// did, or a later one gave it back). Opened from an old e-mail's link or
// after a leave, the page showed the colleague as Người xử lý and no
// button, without saying why (walk 9).
func lastMovedAway(evs []workflow.Event, viewer string, names map[string]string) *movedAway {
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		if e.Kind != workflow.EventReassigned || e.Data["from"] != viewer && e.Data["to"] != viewer {
			continue
		}
		if e.Data["from"] != viewer {
			return nil
		}
		to := e.Data["to"]
		return &movedAway{eventRow: eventRow{At: e.At, Actor: orDefault(names[e.Actor], "Hệ thống")},
			To: orDefault(names[to], to), As: orDefault(movedTo[e.Data["party"]], "xử lý")}
	}
	return nil
}
