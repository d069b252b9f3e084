package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/internal/csvsafe"
	"github.com/vanthu/vanthu/workflow"
)

// Page 11: "Báo cáo cải cách hành chính": the reform figures of a period
// as server-rendered SVG bars (no script) with the target marked, and a
// table; /reports/reform/csv downloads the API's CSV
// (/api/v1/reports/reform?format=csv) with the session's cookie.

// ReformReporter computes the report (workflow.Service).
type ReformReporter interface {
	ReformReport(ctx context.Context, actor *workflow.User, from, to time.Time) (*workflow.ReformReport, error)
}

// reformRoutes registers the reform report.
func (u *UI) reformRoutes(mux *http.ServeMux) {
	mux.Handle("GET /reports/reform", u.auth(u.handleReform))
	mux.Handle("GET /reports/reform/csv", u.auth(u.handleReformCSV))
}

// reformBar is one figure of the chart: its label and figure are the
// page's text, its bar a small SVG (viewBox 0 0 reformBarMax 24) stretched
// to the row's width. One SVG of the whole chart, scaled down to a
// phone's column, drew its labels at 5 px.
type reformBar struct {
	workflow.ReformFigure
	W, TargetX  float64
	Fill        string
	PercentText string
	How         string // what its two counts count (reformHow)
}

// reformHow says, per figure, what "Đạt" and "Trên tổng" count (from
// workflow.ReformCounts and storage/gormdb's queries): a chairman read
// "Hồ sơ xử lý đúng hạn: chưa có số liệu" the month his office
// registered a hundred letters, none with a due date, and "0,0%" of
// incoming received electronically with no word that paper counts.
var reformHow = map[string]string{
	"two_layers": "Trên tổng: văn bản đi phát hành trong kỳ. Đạt: văn bản mà lúc phát hành kiểm tra thấy hợp lệ cả chữ ký số của " +
		"lãnh đạo và chữ ký số của cơ quan.",
	"sent_electronically": "Trên tổng: văn bản đi phát hành trong kỳ có nơi nhận là cơ quan kết nối liên thông (văn bản chỉ gửi bản " +
		"giấy không tính). Đạt: văn bản đã gửi đến được ít nhất một cơ quan qua trục liên thông.",
	"incoming_electronic": "Trên tổng: văn bản đến tiếp nhận trong kỳ, cả nhận qua trục liên thông lẫn bản giấy văn thư nhập vào. " +
		"Đạt: văn bản nhận qua trục liên thông.",
	"on_time": "Trên tổng: văn bản có hạn xử lý rơi vào kỳ (văn bản không ghi hạn xử lý không tính). Đạt: văn bản đến được chuyên " +
		"viên bấm “Hoàn thành”, văn bản đi được phát hành, chậm nhất trong ngày hạn.",
	"archive_reuse": "Trên tổng: hồ sơ có trong kho lưu trữ đến cuối kỳ. Đạt: hồ sơ được mở tệp hoặc tải gói lưu trữ trong kỳ.",
}

type reformView struct {
	From, To string // dd/mm/yyyy, inclusive
	Bars     []reformBar
	BarMax   float64 // the bars' full width, in the SVG's units
	CSV      string
	Error    string // a period that does not read
	Invalid  Invalid
	Quarters []quarterLink // the four quarters of the period's year
}

// quarterLink is a shortcut to one quarter's report (Quý I–IV): a clerk
// reports by quarter and had to type both of its dates.
type quarterLink struct {
	Label, Href string
	Current     bool // the period shown is this quarter
}

// quarterLinks are the quarters of year; the one running from from to to
// (inclusive) is marked.
func quarterLinks(year int, from, to time.Time) []quarterLink {
	out := make([]quarterLink, 0, 4)
	for q, name := range []string{"I", "II", "III", "IV"} {
		start := time.Date(year, time.Month(3*q+1), 1, 0, 0, 0, 0, workflow.Vietnam)
		last := start.AddDate(0, 3, -1)
		out = append(out, quarterLink{Label: fmt.Sprintf("Quý %s/%d", name, year),
			Href:    fmt.Sprintf("/reports/reform?from=%s&to=%s", start.Format("02/01/2006"), last.Format("02/01/2006")),
			Current: start.Equal(from) && last.Equal(to)})
	}
	return out
}

// percentVI writes a percentage the Vietnamese way, a comma before its
// one decimal (87,5%); the CSV keeps the point for spreadsheets.
func percentVI(p float64) string {
	return strings.Replace(strconv.FormatFloat(p, 'f', 1, 64), ".", ",", 1) + "%"
}

const reformBarMax = 470.0

// reformPeriod reads the report's period (dd/mm/yyyy, inclusive; this
// year up to today by default): from, and the day after to.
func (u *UI) reformPeriod(r *http.Request) (from, end time.Time, err error) {
	now := u.now().In(workflow.Vietnam)
	from = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, workflow.Vietnam)
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, workflow.Vietnam)
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		d, err := parseFormDate(p.name, q.Get(p.name))
		if err != nil {
			return from, to, err
		}
		if d != nil {
			*p.dst = d.Midnight(workflow.Vietnam)
		}
	}
	if to.Before(from) {
		return from, to, workflow.Errorf(workflow.EINVALID, "to before from").On("to")
	}
	return from, to.AddDate(0, 0, 1), nil
}

func (u *UI) handleReform(w http.ResponseWriter, r *http.Request, s *Session) error {
	if u.cfg.Reform == nil {
		return workflow.Errorf(workflow.ENOTFOUND, "the reform report is not available")
	}
	from, end, perr := u.reformPeriod(r)
	if perr != nil {
		v := reformView{From: r.URL.Query().Get("from"), To: r.URL.Query().Get("to"),
			Error:    "Kỳ báo cáo không hợp lệ: nhập hai ngày có thật, dạng dd/mm/yyyy, ngày đầu không sau ngày cuối.",
			Quarters: quarterLinks(workflow.RegisterYear(u.now()), time.Time{}, time.Time{})}
		v.Invalid = invalidOf(perr, dateFilterInputs, nil, v.Error)
		_, p := problemOf(perr)
		u.render(w, r, s, p.Status, "reform", "Báo cáo cải cách hành chính", v)
		return nil
	}
	rep, err := u.cfg.Reform.ReformReport(r.Context(), s.User, from, end)
	if err != nil {
		return err
	}
	to := end.AddDate(0, 0, -1)
	v := reformView{From: from.Format("02/01/2006"), To: to.Format("02/01/2006"), Quarters: quarterLinks(from.Year(), from, to)}
	v.CSV = fmt.Sprintf("/reports/reform/csv?from=%s&to=%s", from.Format("2006-01-02"), to.Format("2006-01-02"))
	for _, f := range rep.Figures {
		b := reformBar{ReformFigure: f, W: f.Percent / 100 * reformBarMax,
			TargetX: f.Target / 100 * reformBarMax, Fill: "#b91c1c", PercentText: percentVI(f.Percent), How: reformHow[f.Key]}
		if f.Met {
			b.Fill = "#15803d"
		}
		if f.Denominator == 0 {
			b.PercentText = "chưa có số liệu"
			b.Fill = "#9ca3af"
		}
		v.Bars = append(v.Bars, b)
	}
	v.BarMax = reformBarMax
	u.render(w, r, s, http.StatusOK, "reform", "Báo cáo cải cách hành chính", v)
	return nil
}

// handleReformCSV downloads the report as the API's CSV
// (GET /api/v1/reports/reform?format=csv, which needs a bearer token a
// browser does not have): the same columns, formulas neutralised.
func (u *UI) handleReformCSV(w http.ResponseWriter, r *http.Request, s *Session) error {
	if u.cfg.Reform == nil {
		return workflow.Errorf(workflow.ENOTFOUND, "the reform report is not available")
	}
	from, end, err := u.reformPeriod(r)
	if err != nil {
		return err
	}
	rep, err := u.cfg.Reform.ReformReport(r.Context(), s.User, from, end)
	if err != nil {
		return err
	}
	f, t := from.Format("2006-01-02"), end.AddDate(0, 0, -1).Format("2006-01-02")
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=reform-%s-%s.csv", f, t))
	w.Write([]byte("\ufeff"))
	cw := csvsafe.NewWriter(w)
	cw.Write([]string{"from", "to", "key", "label", "numerator", "denominator", "percent", "target", "met"})
	for _, x := range rep.Figures {
		cw.Write([]string{f, t, x.Key, x.Label, strconv.Itoa(x.Numerator), strconv.Itoa(x.Denominator),
			strconv.FormatFloat(x.Percent, 'f', 1, 64), strconv.FormatFloat(x.Target, 'f', 0, 64), strconv.FormatBool(x.Met)})
	}
	cw.Flush()
	return cw.Error()
}
