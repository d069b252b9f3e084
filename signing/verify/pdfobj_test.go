package verify

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestLexerObjects(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want object // nil: a syntax error
	}{
		{"[1 0 R 2 3 4 0 R 5]", []object{ref{1, 0}, int64(2), int64(3), ref{4, 0}, int64(5)}},
		{"[5 0 % a comment\nR]", []object{ref{5, 0}}},
		{"[5 0 Rx]", nil}, // not a reference: Rx is a keyword out of place
		{"[5 0 R/Type]", []object{ref{5, 0}, name("Type")}},
		{"[5 0/R]", []object{int64(5), int64(0), name("R")}},
		{"[5 -0 R 6 +2 R]", []object{ref{5, 0}, ref{6, 2}}},
		{"[5 1.0 R]", nil},                 // a real is no generation: R is out of place
		{"[5 --1 R]", []object{ref{5, 0}}}, // a malformed generation reads as 0, as a malformed number does
		{"[5 0]", []object{int64(5), int64(0)}},
		{"[5]", []object{int64(5)}},
		{"5", int64(5)},
		{"[]", []object{}},
		{"<<>>", dict{}},
		{"<</A 1 /A 2 /B null /C [[] [1 [2]]]>>", dict{"A": int64(2), "C": []object{[]object{}, []object{int64(1), []object{int64(2)}}}}},
		{"12 0 R", ref{12, 0}},
		{"[1.5 -.5 +7 -7 007 4095 4096 -4096]", []object{1.5, -0.5, int64(7), int64(-7), int64(7), int64(4095), int64(4096), int64(-4096)}},
		{"[--5 0.0.1 1e5]", []object{int64(0), int64(0), 100000.0}},
		{"[999999999999999999 9223372036854775807 9223372036854775808]", []object{int64(999999999999999999), int64(9223372036854775807), 9223372036854775808.0}},
		{"<</W [1 [500 600] 3 4 0 R] /P 7 0 R>>", dict{"W": []object{int64(1), []object{int64(500), int64(600)}, int64(3), ref{4, 0}}, "P": ref{7, 0}}},
	} {
		got, err := (&lexer{b: []byte(tc.in)}).object(0)
		if (err == nil) != (tc.want != nil) || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}
}

// FuzzLexerRefs: an object reads as it did when a reference was found by
// reading the two tokens after an integer (refByTokens).
func FuzzLexerRefs(f *testing.F) {
	deep := strings.Repeat("[", 120) + strings.Repeat("]", 120)
	for _, s := range []string{"[1 0 R 2 3 4 0 R 5]", "<</A 1 0 R/B [2 -0 R 3 1.0 R]>>", "[5 0 %c\nR 6 0 Rx 7 0/R]", "[1 +2 R --3 4 R 0.5]", deep} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := (&lexer{b: []byte(in)}).object(0)
		if errors.Is(err, ErrLimit) {
			t.Skip("nested past the depth limit, which refByTokens does not check")
		}
		want, werr := refByTokens(&lexer{b: []byte(in)})
		if (err == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %#v, %v; by tokens %#v, %v", in, got, err, want, werr)
		}
	})
}

// refByTokens is the lexer's object with references found by tokens (the
// reading before refAfter), for FuzzLexerRefs.
func refByTokens(l *lexer) (object, error) {
	t, err := l.token()
	if err != nil {
		return nil, err
	}
	switch v := t.(type) {
	case keyword:
		switch v {
		case "[":
			arr := []object{}
			for {
				save := l.pos
				t, err := l.token()
				if err != nil {
					return nil, err
				}
				if t == keyword("]") {
					return arr, nil
				}
				l.pos = save
				o, err := refByTokens(l)
				if err != nil {
					return nil, err
				}
				arr = append(arr, o)
			}
		case "<<":
			d := dict{}
			for {
				t, err := l.token()
				if err != nil {
					return nil, err
				}
				if t == keyword(">>") {
					return d, nil
				}
				k, ok := t.(name)
				if !ok {
					return nil, errSyntax
				}
				o, err := refByTokens(l)
				if err != nil {
					return nil, err
				}
				if o != nil {
					d[string(k)] = o
				}
			}
		}
		return l.objectFrom(v, 0) // null, true, false, or the keyword out of place
	case int64:
		save := l.pos
		if t2, err := l.token(); err == nil {
			if g, ok := t2.(int64); ok {
				if t3, err := l.token(); err == nil && t3 == keyword("R") {
					return ref{int(v), int(g)}, nil
				}
			}
		}
		l.pos = save
		return v, nil
	}
	return t, nil
}

// TestLexerIntegersAllocate: the integers of an array (a font's widths)
// cost no allocation of their own.
func TestLexerIntegersAllocate(t *testing.T) {
	b := []byte("[")
	for i := range 500 {
		b = strconv.AppendInt(append(b, ' '), int64(250+i), 10)
	}
	b = append(b, ']')
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := (&lexer{b: b}).object(0); err != nil {
			t.Fatal(err)
		}
	})
	// The array's growth only (≈ 12 appends to 500); before: 3 per
	// integer, each read once as itself and twice as a look-ahead.
	if allocs > 30 {
		t.Errorf("%v allocations for an array of 500 integers", allocs)
	}
}
