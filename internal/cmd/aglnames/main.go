// Command aglnames writes signing/aglnames.go: the Adobe Glyph List's
// names of the characters whose glyphs signing reads font programs for
// (its programRunes), from the list as github.com/digitorus/pdf's name.go
// carries it. Run by go generate in signing:
//
//	go run ../internal/cmd/aglnames NAME.GO > aglnames.go
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
)

// ranges are signing's programRunes (TestAGLNames checks the table's
// characters are in them).
var ranges = [][2]rune{
	{0x20, 0x7E},
	{0x0102, 0x0103}, {0x0110, 0x0111}, {0x0128, 0x0129}, {0x0168, 0x0169}, {0x01A0, 0x01A1}, {0x01AF, 0x01B0}, {0x1EA0, 0x1EF9},
	{0x00A0, 0x00FF}, {0x0300, 0x036F}, {0x0100, 0x024F}, {0x02B0, 0x02FF}, {0x1E00, 0x1E9F}, {0x1EFA, 0x1EFF},
	{0x2000, 0x206F}, {0x20A0, 0x20CF}, {0x2100, 0x215F}, {0x2190, 0x21FF}, {0x2200, 0x22FF}, {0x25A0, 0x25FF},
}

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	re := regexp.MustCompile(`^\s*"([^"]+)":\s*0x([0-9A-Fa-f]+),`)
	type e struct {
		n string
		r rune
	}
	var es []e
	s := bufio.NewScanner(f)
	for s.Scan() {
		m := re.FindStringSubmatch(s.Text())
		if m == nil {
			continue
		}
		v, _ := strconv.ParseUint(m[2], 16, 32)
		r := rune(v)
		in := false
		for _, g := range ranges {
			in = in || r >= g[0] && r <= g[1]
		}
		if in && len(m[1]) > 1 {
			es = append(es, e{m[1], r})
		}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].n < es[j].n })
	fmt.Println("// Code generated from the Adobe Glyph List (as github.com/digitorus/pdf's name.go carries it); DO NOT EDIT.")
	fmt.Println()
	fmt.Println("package signing")
	fmt.Println()
	fmt.Println("// aglNames are the Adobe Glyph List's names of the characters in")
	fmt.Println("// programRunes (names of one character are read by glyphNameRune), in")
	fmt.Println("// byte order of the names; aglRunes the character of each.")
	fmt.Println("var aglNames = [...]string{")
	for i := 0; i < len(es); i += 6 {
		fmt.Print("\t")
		for j := i; j < i+6 && j < len(es); j++ {
			fmt.Printf("%q, ", es[j].n)
		}
		fmt.Println()
	}
	fmt.Println("}")
	fmt.Println()
	fmt.Println("var aglRunes = [...]uint16{")
	for i := 0; i < len(es); i += 12 {
		fmt.Print("\t")
		for j := i; j < i+12 && j < len(es); j++ {
			fmt.Printf("0x%04X, ", es[j].r)
		}
		fmt.Println()
	}
	fmt.Println("}")
}
