package workflow

import (
	"context"
	"time"
)

// The administrative reform report ("Báo cáo cải cách hành chính"): the
// figures a provincial inspection asks of a district office about its
// electronic document work, for a period.

// EventArchiveUse records a use of an archived record: a file read or a
// package export (Data "use": "retrieve" or "export"). The reform report
// counts the records used.
const EventArchiveUse EventKind = "archive_use"

// ReformFilter selects the period [From, To) and who asks.
type ReformFilter struct {
	From, To time.Time
	// Viewer restricts the counts to documents the user may see (see
	// DocumentFilter): a classified document the user cannot open is
	// not counted either, as in every list.
	ViewerID string
	SeeAll   bool
}

// ReformCounts are the raw counts behind the reform figures.
type ReformCounts struct {
	// Outgoing documents issued in the period, and those whose
	// verification at issue found both layers valid.
	Issued, IssuedTwoLayers int
	// Issued documents addressed to connected agencies, and those
	// delivered to at least one over the exchange.
	IssuedToAgencies, SentElectronically int
	// Incoming documents received in the period: over the exchange
	// (electronic) or registered by hand from paper.
	IncomingElectronic, IncomingPaper int
	// Documents whose processing was due in the period, and those
	// completed by the end of their due date.
	Due, DoneOnTime int
	// Records in the archive at the end of the period, and those
	// retrieved or exported during it.
	Archived, ArchiveUsed int
}

// ReformCounter computes the counts. storage/gormdb implements it.
type ReformCounter interface {
	ReformCounts(ctx context.Context, f ReformFilter) (ReformCounts, error)
}

// ReformFigure is one figure of the report.
type ReformFigure struct {
	Key         string  // stable: "two_layers", "sent_electronically", ...
	Label       string  // Vietnamese
	Numerator   int     //
	Denominator int     //
	Percent     float64 // 0..100; 0 when Denominator is 0
	Target      float64 // the inspectors' target, percent
	Met         bool    // Percent >= Target (false without data)
}

// ReformReport is the report for a period.
type ReformReport struct {
	From, To time.Time // [From, To)
	Counts   ReformCounts
	Figures  []ReformFigure
}

// Report targets: 100% for the electronic figures, 50% archive reuse.
const (
	TargetElectronic = 100.0
	TargetReuse      = 50.0
)

// ReformRoles may read the report: leaders (officer), clerks and admins.
var ReformRoles = []Role{RoleAdmin, RoleOfficer, RoleClerk}

// ReformReport computes the report for [from, to). EFORBIDDEN for other
// roles, EINVALID for an empty or reversed period, EUNAVAILABLE when the
// repository cannot count.
func (s *Service) ReformReport(ctx context.Context, actor *User, from, to time.Time) (*ReformReport, error) {
	allowed := false
	for _, r := range ReformRoles {
		if actor != nil && actor.Has(r) {
			allowed = true
		}
	}
	if !allowed {
		return nil, Errorf(EFORBIDDEN, "the reform report is for leaders, clerks and administrators")
	}
	if !to.After(from) {
		return nil, Errorf(EINVALID, "the period's end must be after its start").On("to")
	}
	rc, ok := s.Repo.(ReformCounter)
	if !ok {
		return nil, Errorf(EUNAVAILABLE, "the repository cannot compute the reform report")
	}
	c, err := rc.ReformCounts(ctx, ReformFilter{From: from, To: to, ViewerID: actor.ID, SeeAll: SeesAllClassified(actor)})
	if err != nil {
		return nil, err
	}
	return &ReformReport{From: from, To: to, Counts: c, Figures: ReformFigures(c)}, nil
}

// ReformFigures turns counts into the report's figures.
func ReformFigures(c ReformCounts) []ReformFigure {
	fig := func(key, label string, n, d int, target float64) ReformFigure {
		f := ReformFigure{Key: key, Label: label, Numerator: n, Denominator: d, Target: target}
		if d > 0 {
			f.Percent = float64(n) * 100 / float64(d)
			f.Met = f.Percent >= target
		}
		return f
	}
	return []ReformFigure{
		fig("two_layers", "Văn bản đi phát hành có đủ hai lớp chữ ký số", c.IssuedTwoLayers, c.Issued, TargetElectronic),
		fig("sent_electronically", "Văn bản đi gửi điện tử tới cơ quan liên thông", c.SentElectronically, c.IssuedToAgencies, TargetElectronic),
		fig("incoming_electronic", "Văn bản đến nhận qua trục liên thông (điện tử)", c.IncomingElectronic, c.IncomingElectronic+c.IncomingPaper, TargetElectronic),
		fig("on_time", "Hồ sơ xử lý đúng hạn", c.DoneOnTime, c.Due, TargetElectronic),
		fig("archive_reuse", "Hồ sơ lưu trữ số được khai thác lại", c.ArchiveUsed, c.Archived, TargetReuse),
	}
}
