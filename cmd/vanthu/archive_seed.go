package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
)

// seedWords make synthetic Vietnamese subjects.
var seedWords = []string{
	"Về việc", "phê duyệt", "kế hoạch", "triển khai", "chỉnh trang đô thị", "phòng chống dịch bệnh",
	"giải phóng mặt bằng", "hỗ trợ hộ nghèo", "xây dựng trường học", "sửa chữa đường giao thông",
	"quận Bình Thủy", "quận Ninh Kiều", "quận Cái Răng", "phường An Thới", "phường Long Hòa", "phường Trà An",
	"phường Bùi Hữu Nghĩa", "năm 2026", "quý III", "cải cách hành chính", "chuyển đổi số", "an toàn thực phẩm",
	"tuyển dụng viên chức", "khen thưởng", "thi đua", "đất đai", "cấp giấy chứng nhận", "môi trường", "thủy lợi",
}

var seedSigners = []string{"Trần Thị Bình", "Nguyễn Văn An", "Lê Hoàng Đức", "Phạm Thủy Tiên", "Võ Minh Khôi"}

var seedOrgs = []workflow.Org{
	{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"}, {OrgID: "000.01.00.H13", Name: "Sở Nội vụ thành phố Cần Thơ"},
	{OrgID: "000.02.00.H13", Name: "Sở Tài chính thành phố Cần Thơ"}, {OrgID: "000.00.13.H13", Name: "UBND quận Ninh Kiều"},
}

var seedTypes = []workflow.DocType{"QĐ", "CV", "KH", "TB", "BC", "TTr", "HD"}

// archiveSeedCmd inserts synthetic archived records (documents in state
// archived and their archive index rows, no objects) for search
// benchmarks. Deterministic for a given --seed.
func archiveSeedCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("archive seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	count := fs.Int("count", 1000, "records to insert")
	seed := fs.Uint64("seed", 1, "random seed")
	reform := fs.Bool("reform", true, "also seed what the reform report counts: signature verdicts, deliveries, record uses, incoming documents with due dates")
	a, svc, code := archiveApp(ctx, opts, fs, args, getenv, stderr)
	if code >= 0 {
		return code
	}
	defer a.Close()
	start := time.Now()
	if err := SeedArchiveWith(ctx, a.db, svc.Index, *count, *seed, *reform); err != nil {
		fmt.Fprintf(stderr, "vanthu archive seed: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "seeded %d archived records in %s\n", *count, time.Since(start).Round(time.Millisecond))
	return 0
}

// SeedArchive inserts n synthetic archived records, 500 per transaction.
func SeedArchive(ctx context.Context, repo workflow.Repository, idx archive.Index, n int, seed uint64) error {
	return SeedArchiveWith(ctx, repo, idx, n, seed, false)
}

// SeedArchiveWith is SeedArchive; with reform it also gives the office a
// history the reform report can measure: most issued documents verified
// with both layers (92%) and delivered over the exchange (85%), records
// retrieved or exported later (45%), and for each record an incoming
// document, received over the exchange (75%) or from paper, with a due
// date and its completion (about three in four on time).
func SeedArchiveWith(ctx context.Context, repo workflow.Repository, idx archive.Index, n int, seed uint64, reform bool) error {
	rng := rand.New(rand.NewPCG(seed, 42))
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	prefix := fmt.Sprintf("%04x", rng.Uint32()&0xffff)
	for done := 0; done < n; {
		batch := min(500, n-done)
		err := repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			for i := range batch {
				k := done + i
				at := base.Add(time.Duration(k) * 17 * time.Minute)
				day := workflow.VietnamDate(at)
				words := make([]string, 0, 6)
				for range 3 + rng.IntN(4) {
					words = append(words, seedWords[rng.IntN(len(seedWords))])
				}
				typ := seedTypes[rng.IntN(len(seedTypes))]
				// Numbers are unique per register and year: a seed's own block.
				num := int(seed%1000)*1_000_000 + k + 1
				d := &workflow.Document{
					ID: fmt.Sprintf("%013x%s%04x", at.UnixMicro(), prefix, k&0xffff), Direction: workflow.Outgoing, Type: typ,
					Subject: strings.Join(words, " "), Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public,
					State: workflow.Archived, Version: 8, SignerID: fmt.Sprintf("seed-signer-%d", k%len(seedSigners)),
					Recipients: []workflow.Org{seedOrgs[rng.IntN(len(seedOrgs))]}, Register: workflow.RegisterOutgoing,
					Year: at.Year(), Number: num, Notation: workflow.Notation(num, typ, "UBND", "VP"),
					IssuedAt: &at, ArchivedAt: &at, Retention: "10y", CreatedBy: "seed", CreatedAt: at, UpdatedAt: at,
				}
				if rng.IntN(20) == 0 {
					d.Confidentiality = workflow.Confidential
					d.Register = workflow.RegisterConfidential
				}
				ru := at.AddDate(10, 0, 0)
				d.RetainUntil = &ru
				if reform && rng.IntN(100) < 92 {
					d.Verification = &workflow.Verification{Verdict: workflow.VerdictValid}
				}
				if err := tx.CreateDocument(ctx, d); err != nil {
					return err
				}
				if reform {
					if err := seedReform(ctx, tx, rng, d, at, num, prefix, k); err != nil {
						return err
					}
				}
				rec := &archive.Record{DocumentID: d.ID, Version: 7, Key: archive.Prefix(d.ID, 7), Class: "10y",
					ArchivedAt: at, RetainUntil: ru, Direction: d.Direction, Type: d.Type, Subject: d.Subject,
					Number: d.Number, Year: d.Year, Notation: d.Notation, DocDate: &day, SignerID: d.SignerID,
					SignerName: seedSigners[k%len(seedSigners)], Orgs: d.Recipients, Confidentiality: d.Confidentiality,
					CreatedBy: d.CreatedBy}
				if err := idx.PutRecord(ctx, rec); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed records %d-%d: %w", done, done+batch, err)
		}
		done += batch
	}
	return nil
}

// seedReform adds, around one seeded record, what the reform report
// counts (see SeedArchiveWith).
func seedReform(ctx context.Context, tx workflow.Tx, rng *rand.Rand, d *workflow.Document, at time.Time, num int, prefix string, k int) error {
	if rng.IntN(100) < 85 {
		r := d.Recipients[0]
		if err := tx.EnqueueDelivery(ctx, &workflow.Delivery{DocumentID: d.ID, Kind: workflow.DeliverDocument, OrgID: r.OrgID, OrgName: r.Name,
			State: workflow.DeliveryDelivered, CreatedAt: at, UpdatedAt: at}); err != nil {
			return err
		}
	}
	if rng.IntN(100) < 45 {
		use := "retrieve"
		if rng.IntN(3) == 0 {
			use = "export"
		}
		if err := tx.AppendEvent(ctx, &workflow.Event{DocumentID: d.ID, Actor: "seed", Kind: workflow.EventArchiveUse,
			At: at.AddDate(0, 0, 1+rng.IntN(60)), Data: map[string]string{"use": use}}); err != nil {
			return err
		}
	}
	// An incoming document received the same day, due five days later,
	// completed after 0 to 6 days.
	sender := seedOrgs[rng.IntN(len(seedOrgs))]
	due := workflow.VietnamDate(at).AddDays(5)
	orig := workflow.VietnamDate(at).AddDays(-1)
	in := &workflow.Document{
		ID: fmt.Sprintf("%013x%s%04xi", at.UnixMicro(), prefix, k&0xffff), Direction: workflow.Incoming, Type: workflow.CongVan,
		Subject: d.Subject, Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Completed, Version: 6,
		Sender: &sender, OriginalNumber: fmt.Sprintf("%d/UBND-VP", k+1), OriginalDate: &orig,
		Register: workflow.RegisterIncoming, Year: at.Year(), Number: num, Notation: fmt.Sprint(num),
		RegisteredAt: &at, AssigneeID: "seed-handler", DueDate: &due, CreatedBy: "seed", CreatedAt: at, UpdatedAt: at,
	}
	if rng.IntN(100) < 75 {
		in.ExternalID = fmt.Sprintf("%s,%s,%d/UBND-VP,seed-%s-%d", sender.OrgID, at.Format("2006/01/02"), k+1, prefix, k)
	}
	if err := tx.CreateDocument(ctx, in); err != nil {
		return err
	}
	done := at.Add(time.Duration(rng.IntN(7*24)) * time.Hour)
	return tx.AppendEvent(ctx, &workflow.Event{DocumentID: in.ID, Actor: "seed-handler", Kind: workflow.EventTransition,
		Action: workflow.Complete, From: workflow.InProgress, To: workflow.Completed, At: done})
}
