package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Page 11: "Báo cáo cải cách hành chính": the reform figures of a period
// as server-rendered SVG bars (no script) with the target marked, and a
// table; the CSV is the API's (/api/v1/reports/reform?format=csv).

// ReformReporter computes the report (workflow.Service).
type ReformReporter interface {
	ReformReport(ctx context.Context, actor *workflow.User, from, to time.Time) (*workflow.ReformReport, error)
}

// reformRoutes registers the reform report.
func (u *UI) reformRoutes(mux *http.ServeMux) {
	mux.Handle("GET /reports/reform", u.auth(u.handleReform))
}

// reformBar is one figure laid out for the SVG chart (viewBox 0 0 600 H).
type reformBar struct {
	workflow.ReformFigure
	Y, TextY, BarY, TY2, W, TargetX float64
	Fill                            string
	PercentText                     string
}

type reformView struct {
	From, To string // dd/mm/yyyy, inclusive
	Bars     []reformBar
	Height   float64
	CSV      string
}

const reformBarMax = 470.0

func (u *UI) handleReform(w http.ResponseWriter, r *http.Request, s *Session) error {
	if u.cfg.Reform == nil {
		return workflow.Errorf(workflow.ENOTFOUND, "the reform report is not available")
	}
	now := time.Now().In(workflow.Vietnam)
	if u.cfg.Now != nil {
		now = u.cfg.Now().In(workflow.Vietnam)
	}
	from := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, workflow.Vietnam)
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, workflow.Vietnam)
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		d, err := parseFormDate(p.name, strings.TrimSpace(q.Get(p.name)))
		if err != nil {
			return err
		}
		if d != nil {
			*p.dst = d.Midnight(workflow.Vietnam)
		}
	}
	rep, err := u.cfg.Reform.ReformReport(r.Context(), s.User, from, to.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	v := reformView{From: from.Format("02/01/2006"), To: to.Format("02/01/2006")}
	v.CSV = fmt.Sprintf("/api/v1/reports/reform?format=csv&from=%s&to=%s", from.Format("2006-01-02"), to.Format("2006-01-02"))
	for i, f := range rep.Figures {
		b := reformBar{ReformFigure: f, Y: float64(i)*52 + 8, W: f.Percent / 100 * reformBarMax,
			TargetX: f.Target / 100 * reformBarMax, Fill: "#b91c1c", PercentText: fmt.Sprintf("%.1f%%", f.Percent)}
		b.TextY, b.BarY, b.TY2 = b.Y+12, b.Y+18, b.Y+42
		if f.Met {
			b.Fill = "#15803d"
		}
		if f.Denominator == 0 {
			b.PercentText = "chưa có số liệu"
			b.Fill = "#9ca3af"
		}
		v.Bars = append(v.Bars, b)
	}
	v.Height = float64(len(v.Bars))*52 + 12
	u.render(w, r, s, http.StatusOK, "reform", "Báo cáo cải cách hành chính", v)
	return nil
}
