package workflow

import (
	"fmt"
	"time"
)

// RegisterKind names a numbering register (sổ đăng ký).
type RegisterKind string

const (
	RegisterOutgoing     RegisterKind = "outgoing"     // văn bản đi
	RegisterIncoming     RegisterKind = "incoming"     // văn bản đến
	RegisterConfidential RegisterKind = "confidential" // văn bản mật đi (Decree 30 Art. 15.2)
	// RegisterConfidentialIncoming numbers classified incoming documents
	// (văn bản mật đến) in a sequence of their own, kept apart from the
	// incoming register as the confidential register is from the outgoing
	// one: a user not cleared for them sees neither their rows nor a gap
	// in the incoming numbers that would betray that they exist.
	RegisterConfidentialIncoming RegisterKind = "confidential_incoming"
)

// Valid reports whether k names a register.
func (k RegisterKind) Valid() bool {
	switch k {
	case RegisterOutgoing, RegisterIncoming, RegisterConfidential, RegisterConfidentialIncoming:
		return true
	}
	return false
}

// Incoming reports whether k numbers incoming documents.
func (k RegisterKind) Incoming() bool {
	return k == RegisterIncoming || k == RegisterConfidentialIncoming
}

// Classified reports whether k numbers classified documents only: such a
// register is shown only to those who see every classified document
// (SeesAllClassified).
func (k RegisterKind) Classified() bool {
	return k == RegisterConfidential || k == RegisterConfidentialIncoming
}

// RegisterFor returns the register that numbers d.
func RegisterFor(d *Document) RegisterKind {
	if d.Direction == Incoming {
		if d.Confidentiality.Classified() {
			return RegisterConfidentialIncoming
		}
		return RegisterIncoming
	}
	if d.Confidentiality.Classified() {
		return RegisterConfidential
	}
	return RegisterOutgoing
}

// Notation builds the số/ký hiệu of an outgoing document (Decree 30
// Appendix I): "15/QĐ-UBND", or for công văn "12/UBND-VP". Numbers below
// 10 get a leading zero.
func Notation(number int, t DocType, agencyAbbr, draftingUnit string) string {
	return NotationWith(number, NotationSuffix(t, agencyAbbr, draftingUnit))
}

// NotationWith is the notation of number with suffix (NotationSuffix):
// the number, two digits at least, then the suffix.
func NotationWith(number int, suffix string) string {
	return fmt.Sprintf("%02d", number) + suffix
}

// NotationSuffix is what follows the number in a notation ("/QĐ-UBND").
func NotationSuffix(t DocType, agencyAbbr, draftingUnit string) string {
	if t.HasAbbreviation() {
		return fmt.Sprintf("/%s-%s", t, agencyAbbr)
	}
	if draftingUnit == "" {
		return "/" + agencyAbbr
	}
	return fmt.Sprintf("/%s-%s", agencyAbbr, draftingUnit)
}

// Vietnam is the time zone of dates in registers and notations.
var Vietnam = time.FixedZone("ICT", 7*3600)

// RegisterYear is the register year of an instant: the calendar year in
// Vietnam, so a document numbered at 00:30 on 1 January local time opens
// the new year's register.
func RegisterYear(t time.Time) int { return t.In(Vietnam).Year() }
