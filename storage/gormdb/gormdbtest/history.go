package gormdbtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
)

// History describes the years of use SeedHistory gives a database: Docs
// documents created evenly over Years years ending at End, outgoing and
// incoming, each with its audit events (about ten), files, register
// numbers, deliveries, and archive records for the archived ones. The
// documents of the last Active days are still in the workflow (drafts,
// reviews, inboxes); the older ones went their whole way.
type History struct {
	Docs   int
	Years  int
	End    time.Time
	Active int // days; 0: 20
	Seed   uint64
}

// History's people: a district office (UBND quận) of 2 clerks, 4
// officials, 40 handlers, an archivist and an admin.
var (
	HistoryClerks   = []string{"hclerk-1", "hclerk-2"}
	HistoryOfficers = []string{"hofficer-1", "hofficer-2", "hofficer-3", "hofficer-4"}
	HistoryHandlers = func() []string {
		out := make([]string, 40)
		for i := range out {
			out[i] = fmt.Sprintf("hhandler-%02d", i+1)
		}
		return out
	}()
)

var historyWords = strings.Fields("tổ chức hội nghị triển khai kế hoạch năm phòng chống dịch bệnh xây dựng nông thôn mới " +
	"cải cách hành chính quyết định thành lập ban chỉ đạo báo cáo kết quả thực hiện nhiệm vụ quý đất đai giải phóng mặt bằng " +
	"an toàn giao thông trường học bệnh viện phường Bình Thủy Cái Răng Ninh Kiều Ô Môn ngân sách thuế")

var historyTypes = []workflow.DocType{"CV", "CV", "CV", "CV", "QĐ", "QĐ", "TB", "KH", "BC", "BC", "TTr", "GM", "HD", "CT"}

var historyOrgs = []workflow.Org{
	{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"},
	{OrgID: "000.00.12.H13", Name: "Sở Nội vụ"},
	{OrgID: "000.00.13.H13", Name: "Sở Tài chính"},
	{OrgID: "000.00.14.H13", Name: "Sở Giáo dục và Đào tạo"},
	{OrgID: "000.00.15.H13", Name: "Sở Y tế"},
}

// historyStates are the states a document of the last Active days stops
// in, by direction.
var historyStates = map[workflow.Direction][]workflow.State{
	workflow.Outgoing: {workflow.Draft, workflow.InReview, workflow.Approved, workflow.OfficerSigned, workflow.Issued, workflow.Sent, workflow.Archived},
	workflow.Incoming: {workflow.Received, workflow.Registered, workflow.Assigned, workflow.InProgress, workflow.Completed, workflow.Archived},
}

// SeedHistory fills db with h (see History) through the storage layer,
// 250 documents per transaction, and adds the people (History*).
func SeedHistory(ctx context.Context, db *gormdb.DB, h History) error {
	if h.Active == 0 {
		h.Active = 20
	}
	s := &historySeed{h: h, rng: rand.New(rand.NewPCG(h.Seed, 7)), start: h.End.AddDate(-h.Years, 0, 0),
		numbers: map[[2]int]int{}, index: gormdb.NewArchiveIndex(db)}
	if err := s.people(ctx, db); err != nil {
		return err
	}
	for done := 0; done < h.Docs; {
		batch := min(250, h.Docs-done)
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			for k := done; k < done+batch; k++ {
				if err := s.document(ctx, tx, k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed history %d-%d: %w", done, done+batch, err)
		}
		done += batch
	}
	return nil
}

type historySeed struct {
	h       History
	rng     *rand.Rand
	start   time.Time
	numbers map[[2]int]int // register (0 out, 1 in, 2 confidential) and year: the last number
	index   *gormdb.ArchiveIndex
}

func (s *historySeed) people(ctx context.Context, db *gormdb.DB) error {
	return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		add := func(ids []string, role workflow.Role) error {
			for i, id := range ids {
				u := &workflow.User{ID: id, Username: id, FullName: fmt.Sprintf("Cán bộ %s %d", role, i+1), Unit: "VP",
					Roles: []workflow.Role{role}, CreatedAt: s.start}
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		}
		for _, p := range []struct {
			ids  []string
			role workflow.Role
		}{{HistoryClerks, workflow.RoleClerk}, {HistoryOfficers, workflow.RoleOfficer}, {HistoryHandlers, workflow.RoleHandler},
			{[]string{"harchivist"}, workflow.RoleArchivist}, {[]string{"hadmin"}, workflow.RoleAdmin}} {
			if err := add(p.ids, p.role); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *historySeed) pick(ids []string) string { return ids[s.rng.IntN(len(ids))] }

// path is the states document k goes through, from its first.
func (s *historySeed) path(dir workflow.Direction, at time.Time) []workflow.State {
	all := historyStates[dir]
	if s.h.End.Sub(at) > time.Duration(s.h.Active)*24*time.Hour {
		if dir == workflow.Incoming && s.rng.IntN(50) == 0 {
			return []workflow.State{workflow.Received, workflow.Rejected}
		}
		return all
	}
	return all[:1+s.rng.IntN(len(all))]
}

func (s *historySeed) document(ctx context.Context, tx workflow.Tx, k int) error {
	span := s.h.End.Sub(s.start)
	at := s.start.Add(time.Duration(int64(span) / int64(s.h.Docs) * int64(k))).Truncate(time.Microsecond)
	dir := workflow.Incoming
	if s.rng.IntN(5) < 2 {
		dir = workflow.Outgoing
	}
	words := make([]string, 0, 12)
	for range 6 + s.rng.IntN(7) {
		words = append(words, historyWords[s.rng.IntN(len(historyWords))])
	}
	d := &workflow.Document{ID: fmt.Sprintf("%013x%08x", at.UnixMicro(), k), Direction: dir,
		Type: historyTypes[s.rng.IntN(len(historyTypes))], Subject: "Về việc " + strings.Join(words, " "),
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, CreatedAt: at, UpdatedAt: at, Retention: "10y"}
	if s.rng.IntN(20) == 0 {
		d.Urgency = workflow.UrgencyUrgent
	}
	if s.rng.IntN(25) == 0 {
		d.Confidentiality = workflow.Confidential
	}
	for f := range 1 + s.rng.IntN(3) {
		kind := workflow.FileMain
		if f > 0 {
			kind = workflow.FileAttachment
		}
		d.Files = append(d.Files, workflow.File{SHA256: fmt.Sprintf("%056x%08x", k, f), Name: fmt.Sprintf("van-ban-%d.pdf", f),
			Size: int64(40000 + s.rng.IntN(400000)), Kind: kind, CreatedAt: at})
	}
	path := s.path(dir, at)
	var events []*workflow.Event
	if dir == workflow.Outgoing {
		events = s.outgoing(d, path, at)
	} else {
		events = s.incoming(d, path, at)
	}
	for _, e := range events {
		e.DocumentID = d.ID
	}
	first := min(len(events), 8) // as many as one statement takes on PostgreSQL
	if ca, ok := tx.(workflow.CreateAppender); ok {
		if err := ca.CreateAndAppend(ctx, d, events[:first]); err != nil {
			return err
		}
	} else {
		first = 0
		if err := tx.CreateDocument(ctx, d); err != nil {
			return err
		}
	}
	for _, e := range events[first:] {
		if err := tx.AppendEvent(ctx, e); err != nil {
			return err
		}
	}
	return s.after(ctx, tx, d)
}

// step moves d one state along path, as actor, at t: the event it writes.
func step(d *workflow.Document, to workflow.State, action workflow.Action, actor string, t time.Time) *workflow.Event {
	e := &workflow.Event{Actor: actor, Kind: workflow.EventTransition, Action: action, From: d.State, To: to, At: t}
	d.State, d.UpdatedAt = to, t
	d.Version++
	return e
}

func (s *historySeed) outgoing(d *workflow.Document, path []workflow.State, at time.Time) []*workflow.Event {
	author := s.pick(HistoryHandlers)
	d.CreatedBy, d.SignerID, d.DraftingUnit, d.State, d.Version = author, s.pick(HistoryOfficers), "VP", workflow.Draft, 1
	d.Recipients = []workflow.Org{historyOrgs[s.rng.IntN(len(historyOrgs))]}
	events := []*workflow.Event{{Actor: author, Kind: workflow.EventCreate, To: workflow.Draft, At: at},
		{Actor: author, Kind: workflow.EventUpload, At: at, Data: map[string]string{"file": d.Files[0].SHA256}}}
	actions := map[workflow.State]workflow.Action{workflow.InReview: workflow.Submit, workflow.Approved: workflow.Approve,
		workflow.OfficerSigned: workflow.Sign, workflow.Issued: workflow.Issue, workflow.Sent: workflow.Send, workflow.Archived: workflow.Archive}
	t := at
	for _, st := range path[1:] {
		t = t.Add(time.Duration(1+s.rng.IntN(20)) * time.Hour)
		actor := author
		switch st {
		case workflow.Approved, workflow.OfficerSigned:
			actor = d.SignerID
		case workflow.Issued, workflow.Sent, workflow.Archived:
			actor = s.pick(HistoryClerks)
		}
		if st == workflow.InReview && s.rng.IntN(4) == 0 { // returned once
			events = append(events, step(d, workflow.InReview, workflow.Submit, author, t),
				&workflow.Event{Actor: d.SignerID, Kind: workflow.EventComment, At: t.Add(time.Hour), Comment: "Đề nghị sửa trích yếu"},
				step(d, workflow.Draft, workflow.Return, d.SignerID, t.Add(2*time.Hour)))
			t = t.Add(3 * time.Hour)
		}
		events = append(events, step(d, st, actions[st], actor, t))
		if st == workflow.Issued {
			s.number(d, t)
			d.IssuedAt = &t
			d.Verification = &workflow.Verification{Verdict: workflow.VerdictValid, Reasons: []string{"layer 1 valid", "layer 2 valid"},
				Report: []byte(`{"signatures":[{"signer":"` + d.SignerID + `","valid":true,"covers_whole":true},{"signer":"agency","valid":true}],"pad":"` + strings.Repeat("x", 1500) + `"}`)}
			d.VerifyCode = fmt.Sprintf("V%s", d.ID)
		}
		if st == workflow.Archived {
			d.ArchivedAt = &t
			until := t.AddDate(10, 0, 0)
			d.RetainUntil = &until
		}
	}
	return events
}

func (s *historySeed) incoming(d *workflow.Document, path []workflow.State, at time.Time) []*workflow.Event {
	clerk := s.pick(HistoryClerks)
	sender := historyOrgs[s.rng.IntN(len(historyOrgs))]
	orig := workflow.VietnamDate(at).AddDays(-1)
	d.CreatedBy, d.Sender, d.OriginalNumber, d.OriginalDate, d.State, d.Version = clerk, &sender, fmt.Sprintf("%d/UBND-VP", s.rng.IntN(3000)+1), &orig, workflow.Received, 1
	if s.rng.IntN(4) != 0 {
		d.ExternalID = fmt.Sprintf("%s,%s,%s,h%d", sender.OrgID, at.Format("2006/01/02"), d.OriginalNumber, s.h.Seed)
		d.ExternalID += d.ID
	}
	events := []*workflow.Event{{Actor: clerk, Kind: workflow.EventCreate, To: workflow.Received, At: at},
		{Actor: clerk, Kind: workflow.EventUpload, At: at, Data: map[string]string{"file": d.Files[0].SHA256}}}
	actions := map[workflow.State]workflow.Action{workflow.Registered: workflow.Register, workflow.Assigned: workflow.Assign,
		workflow.InProgress: workflow.Start, workflow.Completed: workflow.Complete, workflow.Archived: workflow.Archive,
		workflow.Rejected: workflow.Reject}
	t := at
	for _, st := range path[1:] {
		t = t.Add(time.Duration(1+s.rng.IntN(30)) * time.Hour)
		actor := clerk
		switch st {
		case workflow.Assigned:
			actor = s.pick(HistoryOfficers)
			d.AssigneeID = s.pick(HistoryHandlers)
			due := workflow.VietnamDate(t).AddDays(3 + s.rng.IntN(10))
			d.DueDate = &due
		case workflow.InProgress, workflow.Completed:
			actor = d.AssigneeID
			events = append(events, &workflow.Event{Actor: actor, Kind: workflow.EventComment, At: t, Comment: "Đang xử lý"})
		case workflow.Rejected:
			d.RejectReason = "Sai nơi nhận"
		}
		events = append(events, step(d, st, actions[st], actor, t))
		if st == workflow.Registered {
			s.number(d, t)
			d.RegisteredAt = &t
		}
		if st == workflow.Archived {
			d.ArchivedAt = &t
			until := t.AddDate(10, 0, 0)
			d.RetainUntil = &until
		}
	}
	return events
}

// number gives d the next number of its register in the year of t.
func (s *historySeed) number(d *workflow.Document, t time.Time) {
	reg, kind := 0, workflow.RegisterOutgoing
	switch {
	case d.Confidentiality != workflow.Public && d.Direction == workflow.Outgoing:
		reg, kind = 2, workflow.RegisterConfidential
	case d.Confidentiality != workflow.Public:
		reg, kind = 3, workflow.RegisterConfidentialIncoming
	case d.Direction == workflow.Incoming:
		reg, kind = 1, workflow.RegisterIncoming
	}
	year := workflow.RegisterYear(t)
	s.numbers[[2]int{reg, year}]++
	n := s.numbers[[2]int{reg, year}]
	d.Register, d.Year, d.Number = kind, year, n
	if d.Direction == workflow.Outgoing {
		d.Notation = workflow.Notation(n, d.Type, "UBND", d.DraftingUnit)
	} else {
		d.Notation = fmt.Sprint(n)
	}
}

// after adds what follows a document: its deliveries and its archive
// record.
func (s *historySeed) after(ctx context.Context, tx workflow.Tx, d *workflow.Document) error {
	if d.Direction == workflow.Outgoing && (d.State == workflow.Sent || d.State == workflow.Archived) {
		for _, r := range d.Recipients {
			if err := tx.EnqueueDelivery(ctx, &workflow.Delivery{DocumentID: d.ID, Kind: workflow.DeliverDocument, OrgID: r.OrgID,
				OrgName: r.Name, State: workflow.DeliveryDelivered, CreatedAt: *d.IssuedAt, UpdatedAt: *d.IssuedAt}); err != nil {
				return err
			}
		}
	}
	if d.State != workflow.Archived {
		return nil
	}
	day := workflow.VietnamDate(d.CreatedAt)
	rec := &workflow.ArchiveRecord{DocumentID: d.ID, Version: d.Version, Key: fmt.Sprintf("records/%s/v%d/", d.ID, d.Version), Class: "10y",
		ArchivedAt: *d.ArchivedAt, RetainUntil: *d.RetainUntil, Direction: d.Direction, Type: d.Type, Subject: d.Subject,
		Number: d.Number, Year: d.Year, Notation: d.Notation, DocDate: &day, SignerID: d.SignerID, Confidentiality: d.Confidentiality,
		CreatedBy: d.CreatedBy}
	if d.Sender != nil {
		rec.Orgs = []workflow.Org{*d.Sender}
	} else {
		rec.Orgs = d.Recipients
	}
	if err := s.index.PutRecord(ctx, rec); err != nil {
		return err
	}
	objs := make([]workflow.ArchiveObject, 0, len(d.Files)+2)
	for i, f := range append(d.Files, workflow.File{Name: "metadata.json"}, workflow.File{Name: "events.json"}) {
		objs = append(objs, workflow.ArchiveObject{Key: rec.Key + f.Name, SHA256: fmt.Sprintf("%048x%08x%08x", 1, s.rng.Uint32(), i),
			DocumentID: d.ID, Name: f.Name, Size: f.Size + 1000, RetainUntil: *d.RetainUntil})
	}
	return s.index.PutObjects(ctx, d.ID, objs)
}
