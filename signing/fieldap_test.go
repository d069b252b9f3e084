package signing

import (
	"image/color"
	"slices"
	"testing"
)

// TestDAStyle reads the size and the fill colour of /DA strings as
// viewers do (the last operator of each kind wins; 0 is an auto size).
func TestDAStyle(t *testing.T) {
	for _, c := range []struct {
		da   string
		size float64
		c    color.NRGBA
	}{
		{"/Helv 12 Tf 0 g", 12, color.NRGBA{A: 255}},
		{"/Helv 0 Tf 0 0 1 rg", 0, color.NRGBA{B: 255, A: 255}},
		{"0.5 g /F1 9.5 Tf", 9.5, color.NRGBA{R: 128, G: 128, B: 128, A: 255}},
		{"/Cour 10 Tf 0 1 1 0 k", 10, color.NRGBA{R: 255, A: 255}},
		{"", 0, textDark},
	} {
		size, col := daStyle(c.da)
		if size != c.size || col != c.c {
			t.Errorf("%q: size %v colour %v, want %v %v", c.da, size, col, c.size, c.c)
		}
	}
}

// TestWrapText breaks at the value's own line ends, then between words,
// never inside one.
func TestWrapText(t *testing.T) {
	for _, c := range []struct {
		s    string
		w    float64
		want []string
	}{
		{"một hai ba", 500, []string{"một hai ba"}},
		{"một\r\nhai\rba", 500, []string{"một", "hai", "ba"}},
		{"một hai ba", 20, []string{"một", "hai", "ba"}},
		{"Đềnghịcấpgiấy x", 10, []string{"Đềnghịcấpgiấy", "x"}},
	} {
		if got := wrapText(c.s, 12, c.w); !slices.Equal(got, c.want) {
			t.Errorf("%q at %v pt: %q, want %q", c.s, c.w, got, c.want)
		}
	}
}
