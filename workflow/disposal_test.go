package workflow

import (
	"strings"
	"testing"
	"time"
)

func TestDisposalRules(t *testing.T) {
	now := time.Date(2016, 6, 1, 0, 0, 0, 0, time.UTC)
	expired := &ArchiveRecord{DocumentID: "a", Subject: "Kế hoạch", RetainUntil: now.AddDate(-1, 0, 0), Class: "5y"}
	retained := &ArchiveRecord{DocumentID: "b", Number: 12, Notation: "12/KH-UBND", RetainUntil: now.AddDate(1, 0, 0), Class: "10y"}
	held := &ArchiveRecord{DocumentID: "c", Subject: "Tranh chấp", RetainUntil: now.AddDate(-1, 0, 0), LegalHold: true}
	archivist := &User{ID: "ar", Roles: []Role{RoleArchivist}}
	head := &User{ID: "hd", Roles: []Role{RoleOfficer}}
	both := &User{ID: "bo", Roles: []Role{RoleArchivist, RoleOfficer}}
	clerk := &User{ID: "cl", Roles: []Role{RoleClerk}}
	dec := Decision{Number: "15/QĐ-UBND", Date: NewDate(2016, 5, 30)}
	for _, tc := range []struct {
		name  string
		run   func(d *Disposal) error
		code  string
		names string
	}{
		{"add expired", func(d *Disposal) error { return d.Add(now, expired) }, "", ""},
		{"add retained", func(d *Disposal) error { return d.Add(now, expired, retained) }, EUNPROCESSABLE, "12/KH-UBND"},
		{"add held", func(d *Disposal) error { return d.Add(now, held) }, EUNPROCESSABLE, "legal hold"},
		{"approve by the head", func(d *Disposal) error { return d.Approve(head, now, dec, []*ArchiveRecord{expired}) }, "", ""},
		{"approve by an archivist", func(d *Disposal) error { return d.Approve(archivist, now, dec, nil) }, EFORBIDDEN, "officer"},
		{"approve by a clerk", func(d *Disposal) error { return d.Approve(clerk, now, dec, nil) }, EFORBIDDEN, ""},
		{"approve one's own", func(d *Disposal) error { d.CreatedBy = both.ID; return d.Approve(both, now, dec, nil) }, EFORBIDDEN, "proposed by you"},
		{"approve without a number", func(d *Disposal) error { return d.Approve(head, now, Decision{Date: dec.Date}, nil) }, EINVALID, "decision_number"},
		{"approve without a date", func(d *Disposal) error { return d.Approve(head, now, Decision{Number: "1"}, nil) }, EINVALID, "decision_date"},
		{"approve, hold set since", func(d *Disposal) error { return d.Approve(head, now, dec, []*ArchiveRecord{held}) }, EUNPROCESSABLE, "legal hold"},
		{"approve twice", func(d *Disposal) error {
			if err := d.Approve(head, now, dec, nil); err != nil {
				return err
			}
			return d.Approve(head, now, dec, nil)
		}, EILLEGAL, "approved"},
		{"add once approved", func(d *Disposal) error { d.State = DisposalApproved; return d.Add(now, expired) }, EILLEGAL, ""},
		{"remove once approved", func(d *Disposal) error { d.State = DisposalApproved; return d.Remove("x") }, EILLEGAL, ""},
		{"reject by the head", func(d *Disposal) error { return d.Reject(head, now, "Chưa đủ hồ sơ thẩm định") }, "", ""},
		{"cancel by the archivist", func(d *Disposal) error { return d.Reject(archivist, now, "Lập lại") }, "", ""},
		{"reject without a reason", func(d *Disposal) error { return d.Reject(head, now, " ") }, EINVALID, "reason"},
		{"reject by a clerk", func(d *Disposal) error { return d.Reject(clerk, now, "x") }, EFORBIDDEN, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &Disposal{ID: "L1", CreatedBy: "ar", State: DisposalProposed, Items: []DisposalItem{ItemOf(expired)}}
			err := tc.run(d)
			if ErrorCode(err) != tc.code && !(tc.code == "" && err == nil) {
				t.Fatalf("error %v, want code %q", err, tc.code)
			}
			if err != nil && !strings.Contains(err.Error(), tc.names) {
				t.Errorf("error %q does not say %q", err, tc.names)
			}
		})
	}
}
