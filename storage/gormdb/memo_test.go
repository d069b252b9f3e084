package gormdb

import (
	"reflect"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestDecodeMemoGivesCopies: a caller changing what it got back does not
// change what the next caller of the same text gets.
func TestDecodeMemoGivesCopies(t *testing.T) {
	text := `[{"org_id":"000.00.31.H13","name":"UBND"}]`
	a, err := recipientsMemo.decode(text)
	if err != nil {
		t.Fatal(err)
	}
	a[0].Name = "changed"
	b, err := recipientsMemo.decode(text)
	if err != nil {
		t.Fatal(err)
	}
	if b[0].Name != "UBND" {
		t.Errorf("second decode saw the first caller's change: %+v", b)
	}
	l := `{"Signature":{"Page":1,"X":1,"Y":2,"W":3,"H":4},"DateBlanks":[1,2],"Notes":["n"]}`
	la, err := layoutMemo.decode(l)
	if err != nil {
		t.Fatal(err)
	}
	la.Signature.X, la.DateBlanks[0], la.Notes[0] = 99, 99, "changed"
	lb, _ := layoutMemo.decode(l)
	if lb.Signature.X != 1 || lb.DateBlanks[0] != 1 || lb.Notes[0] != "n" {
		t.Errorf("second decode saw the first caller's change: %+v", lb)
	}
}

// TestDecodeMemoKeepsNullAndEmptyApart: "null" reasons decode to nil and
// "[]" to an empty slice, from the memo as from json.Unmarshal.
func TestDecodeMemoKeepsNullAndEmptyApart(t *testing.T) {
	for range 2 { // the second round answers from the memo
		n, _ := reasonsMemo.decode("null")
		e, _ := reasonsMemo.decode("[]")
		if n != nil || e == nil || len(e) != 0 {
			t.Fatalf("null -> %#v, [] -> %#v", n, e)
		}
	}
}

// TestCloneLayoutCopiesEveryField: cloneLayout knows every field of
// workflow.Layout (a new field fails here until it is copied too).
func TestCloneLayoutCopiesEveryField(t *testing.T) {
	l := &workflow.Layout{Signature: &workflow.Box{Page: 1, X: 2}, Number: &workflow.Box{Page: 1, Y: 3}, Date: &workflow.Box{W: 4},
		NumberOnly: true, DateBlanks: []float64{1, 2, 3}, DateBlanksBelow: []float64{0, 15, 15}, DateShortYear: true, Source: workflow.LayoutDetected, Notes: []string{"n"}}
	v := reflect.ValueOf(*l)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("test layout leaves %s unset", v.Type().Field(i).Name)
		}
	}
	c := cloneLayout(l)
	if !reflect.DeepEqual(c, l) {
		t.Errorf("cloneLayout = %+v, want %+v", c, l)
	}
	if c.Signature == l.Signature || &c.DateBlanks[0] == &l.DateBlanks[0] || &c.DateBlanksBelow[0] == &l.DateBlanksBelow[0] || &c.Notes[0] == &l.Notes[0] {
		t.Error("cloneLayout shares memory with its input")
	}
}
