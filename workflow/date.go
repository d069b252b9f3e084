package workflow

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar date — a day, not an instant: the date of a document
// (ngày ban hành), a sender's date, a due date. It has no time of day and
// no time zone, so it reads back as the same day wherever the server, the
// database or the user is. The zero Date means "no date".
//
// It is written "YYYY-MM-DD" in JSON, text and CSV, and stored as an SQL
// DATE (PostgreSQL) or 'YYYY-MM-DD' text (SQLite).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

const dateLayout = "2006-01-02"

// NewDate returns the date y-m-d, normalised as time.Date normalises
// (2026-02-30 is 2026-03-02).
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// VietnamDate returns the calendar date of instant t in Vietnam: the date
// of issue of a document issued at t, for instance.
func VietnamDate(t time.Time) Date { return DateOf(t.In(Vietnam)) }

// ParseDate reads "YYYY-MM-DD" strictly: EINVALID otherwise.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || len(s) != len(dateLayout) {
		return Date{}, Errorf(EINVALID, "%q is not a date like 2026-11-20", s)
	}
	return DateOf(t), nil
}

// ErrRangeReversed is CheckRange's error: EINVALID on "to".
var ErrRangeReversed = Errorf(EINVALID, "to is before from: the range would match nothing").On("to")

// CheckRange is ErrRangeReversed when a filter's from is after its to
// (it could match nothing: the web and the API say so rather than answer
// an empty list); nil when either is missing or they are in order.
func CheckRange(from, to *Date) error {
	if from != nil && to != nil && from.After(*to) {
		return ErrRangeReversed
	}
	return nil
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// String returns "YYYY-MM-DD" ("" for the zero Date).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Format formats the date with a time.Format layout (date parts only).
func (d Date) Format(layout string) string {
	if d.IsZero() {
		return ""
	}
	return d.Midnight(time.UTC).Format(layout)
}

// Midnight returns the instant the day begins in loc.
func (d Date) Midnight(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	}
	return cmpInt(d.Day, e.Day)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// AddDays returns the date n days later (earlier for n < 0).
func (d Date) AddDays(n int) Date { return DateOf(d.Midnight(time.UTC).AddDate(0, 0, n)) }

// MarshalText implements encoding.TextMarshaler: "YYYY-MM-DD".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; "" is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON writes "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD", "" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(EINVALID, "a date is a string like \"2026-11-20\"")
	}
	return d.UnmarshalText([]byte(s))
}

// Value implements driver.Valuer: 'YYYY-MM-DD', or NULL for the zero Date.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// GormDataType is the column type gorm gives a Date field.
func (Date) GormDataType() string { return "date" }

// legacyLayouts are the ways drivers wrote the instants that stood for
// dates before Date existed.
var legacyLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// Scan implements sql.Scanner. It reads a DATE ('YYYY-MM-DD', or the
// time.Time a driver makes of it: midnight) and, for data stored before
// dates had a type of their own, an instant (a timestamp, or its text),
// which stands for its calendar date in Vietnam.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = dateOfStored(v)
		return nil
	case []byte:
		return d.scanString(string(v))
	case string:
		return d.scanString(v)
	}
	return fmt.Errorf("scan date: cannot read %T", src)
}

func (d *Date) scanString(s string) error {
	if s == "" {
		*d = Date{}
		return nil
	}
	if len(s) == len(dateLayout) {
		v, err := ParseDate(s)
		if err != nil {
			return fmt.Errorf("scan date: %w", err)
		}
		*d = v
		return nil
	}
	for _, l := range legacyLayouts {
		if t, err := time.Parse(l, s); err == nil {
			*d = dateOfStored(t)
			return nil
		}
	}
	return fmt.Errorf("scan date: %q is not a date", s)
}

// dateOfStored is the date a stored time stands for: midnight is a DATE
// as a driver hands it over (its own calendar day); any other instant is
// a legacy timestamp, whose day is the day in Vietnam.
func dateOfStored(t time.Time) Date {
	if h, m, s := t.Clock(); h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0 {
		return DateOf(t)
	}
	return VietnamDate(t)
}
