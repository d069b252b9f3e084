package web

import (
	"net/url"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// The views of the outgoing list of what the user did herself
// (?mine=): the documents an official signed (layer 1) and those a clerk
// issued (numbered and sealed), in a period of days of that act, this
// week by default; the list's other filters apply as well.
const (
	mineSigned = "signed"
	mineIssued = "issued"
)

// mineViews are the mine views by value, with their titles and the role
// each is offered to (any user may open either: hers is then empty).
var mineViews = []struct {
	Value, Title string
	Role         workflow.Role
}{
	{mineSigned, "Văn bản tôi đã ký", workflow.RoleOfficer},
	{mineIssued, "Văn bản tôi đã phát hành", workflow.RoleClerk},
}

// badMineFilter is shown above a list whose mine view is none of them (a
// URL written by hand).
const badMineFilter = "Chế độ xem không hợp lệ: chọn “Văn bản tôi đã ký” hoặc “Văn bản tôi đã phát hành”."

// mineTitle is the title of the mine view ("" when v names none).
func mineTitle(v string) string {
	for _, m := range mineViews {
		if m.Value == v {
			return m.Title
		}
	}
	return ""
}

// mineLinks are the links to the whole outgoing list and to the mine
// views offered to user, the current one marked; none for a user offered
// none, on the whole list.
func mineLinks(user *workflow.User, current string) []option {
	var out []option
	for _, m := range mineViews {
		if user.Has(m.Role) || m.Value == current {
			out = append(out, option{Value: "/outgoing?mine=" + m.Value, Label: m.Title, Selected: m.Value == current})
		}
	}
	if out == nil {
		return nil
	}
	return append([]option{{Value: "/outgoing", Label: "Tất cả văn bản đi", Selected: current == ""}}, out...)
}

// mineWeek sets q's from and to to this week, Monday to Sunday in
// Vietnam as of now, when q asks for a mine view with neither: the dates
// are then in the form and in the pager's links as if typed.
func mineWeek(q url.Values, now time.Time) {
	if q.Get("mine") == "" || q.Get("from") != "" || q.Get("to") != "" {
		return
	}
	today := workflow.VietnamDate(now)
	sinceMonday := (int(today.Midnight(time.UTC).Weekday()) + 6) % 7 // Sunday is 0
	monday := today.AddDays(-sinceMonday)
	q.Set("from", monday.Format(dateLayout))
	q.Set("to", monday.AddDays(6).Format(dateLayout))
}

// mineFilter makes f the mine view's of user: its days (f's From and
// To, read as the list's) become the period of her act.
func mineFilter(f *workflow.DocumentFilter, mine, userID string) {
	act := workflow.Act{By: userID, From: f.From, To: f.To}
	f.From, f.To = nil, nil
	switch mine {
	case mineSigned:
		f.Signed = act
	case mineIssued:
		f.Issued = act
	}
}
