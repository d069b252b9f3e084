package gormdb

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"github.com/vanthu/vanthu/workflow"
)

// TestDocumentColumnsMatchRow: the hand-written reads select every column
// of documentRow but those no document needs, in the order of its fields,
// with one scan destination each (a column added to the row and not to
// documentColumns fails here).
func TestDocumentColumnsMatchRow(t *testing.T) {
	s, err := schema.Parse(&documentRow{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range s.Fields {
		if f.DBName != "" && !slices.Contains(documentColumnsNotRead, f.DBName) {
			want = append(want, f.DBName)
		}
	}
	if !slices.Equal(documentColumns, want) {
		t.Errorf("documentColumns =\n%v\nwant (documentRow's fields)\n%v", documentColumns, want)
	}
	if n := len((&documentRow{}).scanTargets()); n != len(documentColumns) {
		t.Errorf("%d scan targets for %d columns", n, len(documentColumns))
	}
}

func TestArchiveRecordColumnsMatchRow(t *testing.T) {
	s, err := schema.Parse(&archiveRecordRow{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range s.Fields {
		if f.DBName != "" {
			want = append(want, f.DBName)
		}
	}
	if !slices.Equal(archiveRecordColumns, want) {
		t.Errorf("archiveRecordColumns =\n%v\nwant (archiveRecordRow's fields)\n%v", archiveRecordColumns, want)
	}
	if n := len((&archiveRecordRow{}).values()); n != len(want) {
		t.Errorf("%d values for %d columns", n, len(want))
	}
}

func TestDollarPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "",
		"SELECT 1":                      "SELECT 1",
		"a = ? AND b IN (?, ?) LIMIT ?": "a = $1 AND b IN ($2, $3) LIMIT $4",
	} {
		if got := dollarPlaceholders(in); got != want {
			t.Errorf("dollarPlaceholders(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUpdateValuesMatchColumns: UpdateDocument binds, for each column of
// its statement, the value of that column's field (every field set to a
// value of its own, so a value bound to the wrong column shows), and
// writes every column of documentRow but id.
func TestUpdateValuesMatchColumns(t *testing.T) {
	s, err := schema.Parse(&documentRow{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	var r documentRow
	rv := reflect.ValueOf(&r).Elem()
	for i := range rv.NumField() {
		f := rv.Field(i)
		switch {
		case f.Kind() == reflect.String:
			f.SetString(rv.Type().Field(i).Name)
		case f.Kind() == reflect.Int || f.Kind() == reflect.Int64:
			f.SetInt(int64(1000 + i))
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		case f.Kind() == reflect.Slice:
			f.SetBytes([]byte(rv.Type().Field(i).Name))
		case f.Type() == reflect.TypeOf(time.Time{}):
			f.Set(reflect.ValueOf(time.Unix(int64(i)*1000, 0)))
		case f.Kind() == reflect.Pointer:
			p := reflect.New(f.Type().Elem())
			switch e := p.Elem(); {
			case e.Kind() == reflect.String:
				e.SetString(rv.Type().Field(i).Name)
			case e.Type() == reflect.TypeOf(time.Time{}):
				e.Set(reflect.ValueOf(time.Unix(int64(i)*1000, 0)))
			case e.Type() == reflect.TypeOf(workflow.Date{}):
				e.Set(reflect.ValueOf(workflow.NewDate(2000+i, 1, 1)))
			default:
				t.Fatalf("field %s: no test value for %s", rv.Type().Field(i).Name, f.Type())
			}
			f.Set(p)
		default:
			t.Fatalf("field %s: no test value for %s", rv.Type().Field(i).Name, f.Type())
		}
	}
	vals := r.updateValues()
	if len(vals) != len(updateDocumentColumns) || len(updateDocumentColumns) != len(s.DBNames)-1 {
		t.Fatalf("%d values, %d columns updated, %d columns in documentRow (id not updated)", len(vals), len(updateDocumentColumns), len(s.DBNames))
	}
	for i, col := range updateDocumentColumns {
		f := s.LookUpField(col)
		if f == nil || col == "id" {
			t.Fatalf("column %q is not a column of documentRow but id", col)
		}
		if want := f.ReflectValueOf(context.Background(), rv).Interface(); !reflect.DeepEqual(vals[i], want) {
			t.Errorf("column %s: value %v, want %v", col, vals[i], want)
		}
	}
}
