package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// The blanks of the date line on the layout page: where the detector
// found the day, month and year blanks (date_blanks, points from the
// date box's left edge), how far below the box's line each is when the
// line wraps (date_blanks_below), and whether the year's blank follows a
// printed "20" (date_short_year) — named as the API's layout fields and
// checked by the same rules (workflow.Layout.Validate, in SetLayout).

// dateBlanks are the fields as the form shows them: three texts each
// (day, month, year), "" when not set.
type dateBlanks struct {
	Offsets   [3]string
	Below     [3]string
	ShortYear bool
}

// blankParts names the three blanks in the form's order.
var blankParts = [3]string{"ngày", "tháng", "năm"}

func blanksOf(l *workflow.Layout) dateBlanks {
	var b dateBlanks
	if l == nil {
		return b
	}
	for i := 0; i < 3; i++ {
		if i < len(l.DateBlanks) {
			b.Offsets[i] = strconv.FormatFloat(l.DateBlanks[i], 'f', -1, 64)
		}
		if i < len(l.DateBlanksBelow) {
			b.Below[i] = strconv.FormatFloat(l.DateBlanksBelow[i], 'f', -1, 64)
		}
	}
	b.ShortYear = l.DateShortYear
	return b
}

// postedBlanks are the blanks as posted, to show again with a problem;
// prev when the form did not carry them.
func postedBlanks(r *http.Request, prev dateBlanks) dateBlanks {
	if r.PostFormValue("date_fields") == "" {
		return prev
	}
	var b dateBlanks
	copy(b.Offsets[:], r.PostForm["date_blanks"])
	copy(b.Below[:], r.PostForm["date_blanks_below"])
	b.ShortYear = r.PostFormValue("date_short_year") == "true"
	return b
}

// dateBlanksFromForm sets l's date blanks from the form: all three
// offsets empty is none (the whole date line is written in the box), all
// three distances empty is every blank on the box's line; an empty one
// beside others is 0 (offset: already filled in; distance: on the line).
// A form without the fields (date_fields absent: a fieldset the user may
// not edit) keeps l's.
func dateBlanksFromForm(r *http.Request, l *workflow.Layout) error {
	if r.PostFormValue("date_fields") == "" {
		return nil
	}
	var err error
	if l.DateBlanks, err = threeNumbers(r.PostForm["date_blanks"], "date_blanks"); err != nil {
		return err
	}
	if l.DateBlanksBelow, err = threeNumbers(r.PostForm["date_blanks_below"], "date_blanks_below"); err != nil {
		return err
	}
	l.DateShortYear = r.PostFormValue("date_short_year") == "true"
	return nil
}

func threeNumbers(vals []string, name string) ([]float64, error) {
	if strings.TrimSpace(strings.Join(vals, "")) == "" {
		return nil, nil
	}
	if len(vals) != 3 {
		return nil, workflow.Errorf(workflow.EINVALID, "layout.%s: three numbers (day, month, year)", name).On("layout." + name)
	}
	out := make([]float64, 3)
	for i, v := range vals {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, workflow.Errorf(workflow.EINVALID, "layout.%s: %q is not a number of points", name, v).On("layout." + name)
		}
		out[i] = x
	}
	return out, nil
}

// layoutProblem says in Vietnamese what is wrong with a posted layout:
// the date blanks' rules by name, else the table's message.
func layoutProblem(err error) string {
	msg := workflow.ErrorMessage(err)
	switch {
	case workflow.ErrorCode(err) != workflow.EINVALID:
	case strings.Contains(msg, "date_blanks_below"):
		return "Khoảng xuống dòng của ngày, tháng, năm: ba số point từ 0 (cùng dòng) đến ba lần chiều cao khung ngày tháng, không ra ngoài trang, và cần có vị trí chỗ trống ngày, tháng, năm."
	case strings.Contains(msg, "date_blanks"):
		return "Vị trí chỗ trống ngày, tháng, năm: ba số point tính từ mép trái khung ngày tháng (0: đã điền sẵn), không quá chiều rộng khung thêm 200 point; để trống cả ba khi viết cả dòng ngày tháng."
	case strings.Contains(msg, "date_short_year"):
		return "Chỉ viết hai chữ số cuối của năm khi có vị trí chỗ trống ngày, tháng, năm."
	case strings.HasPrefix(layoutInput(err), "box-"):
		return layoutText
	}
	return Message(err)
}
