package web

import (
	"fmt"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// dueOpen are the states of a document still to be handled, whose due
// date counts (workflow.DueOpenStates): an outgoing one (a due date set
// through the API: a report the city asked for by a day) until it is
// issued — an official's inbox showed a draft waiting past its due date
// unmarked among the others.
var dueOpen = func() map[workflow.State]bool {
	m := map[workflow.State]bool{}
	for _, st := range workflow.DueOpenStates {
		m[st] = true
	}
	return m
}()

// overdue is workflow.Overdue for a document still to be handled.
func overdue(d *workflow.Document, now time.Time) bool {
	return dueOpen[d.State] && workflow.Overdue(d, now)
}

// dueLeft says, in calendar days of Vietnam, how long a document still
// to be handled has until its due date: "còn 3 ngày", "đến hạn hôm
// nay", "Quá hạn 2 ngày"; "" without a due date or once handled. The
// inbox showed the date alone, and the handler counted the days.
func dueLeft(d *workflow.Document, now time.Time) string {
	if d.DueDate == nil || !dueOpen[d.State] {
		return ""
	}
	days := -workflow.DaysLate(*d.DueDate, workflow.VietnamDate(now))
	switch {
	case days < 0:
		return fmt.Sprintf("Quá hạn %d ngày", -days)
	case days == 0:
		return "đến hạn hôm nay"
	default:
		return fmt.Sprintf("còn %d ngày", days)
	}
}

// completedLate says how late an incoming document was completed:
// "Hoàn thành quá hạn 3 ngày" when its last completion (in evs, its
// history) came after its due date, in calendar days of Vietnam counted
// as the reminders count them (workflow.DaysLate); "" when completed on
// time, not completed, or without a due date. Once completed the page
// said nothing of the deadline missed.
func completedLate(d *workflow.Document, evs []workflow.Event) string {
	if d.Direction != workflow.Incoming || d.DueDate == nil {
		return ""
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if e := evs[i]; e.Kind == workflow.EventTransition && e.Action == workflow.Complete {
			if n := workflow.DaysLate(*d.DueDate, workflow.VietnamDate(e.At)); n > 0 {
				return fmt.Sprintf("Hoàn thành quá hạn %d ngày", n)
			}
			return ""
		}
	}
	return ""
}
