// Package csvsafe writes CSV that spreadsheet programs open as data, never
// as formulas: every CSV the project writes goes through it.
//
// A cell that starts with '=', '+', '-', '@', a tab or a carriage return
// is read by Excel, LibreOffice and Google Sheets as a formula (CSV or
// formula injection: "=HYPERLINK(...)", "=cmd|' /C calc'!A0"). Following
// OWASP, such a cell gets a leading single quote, which spreadsheets show
// as text. This applies to every cell, numbers like "-5" included, and to
// text that came from other agencies over the exchange.
package csvsafe

import (
	"encoding/csv"
	"io"
)

// Cell returns s neutralised: with a leading single quote when it starts
// with a character a spreadsheet would read as the start of a formula.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Writer is an encoding/csv Writer that neutralises every cell.
type Writer struct {
	w   *csv.Writer
	buf []string
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, each cell neutralised with Cell.
func (w *Writer) Write(record []string) error {
	w.buf = w.buf[:0]
	for _, c := range record {
		w.buf = append(w.buf, Cell(c))
	}
	return w.w.Write(w.buf)
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports any error of a previous Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }
