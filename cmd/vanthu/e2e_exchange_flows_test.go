package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// amendAndSend drafts a document that replaces or updates (how: "replaces"
// or "updates") the sent document orig, to orig's recipients, and takes it
// through signing, issue and send.
func (p *peer) amendAndSend(t *testing.T, how, orig, subject string) map[string]any {
	t.Helper()
	doc, code := p.handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": subject,
		"urgency": "normal", "confidentiality": "normal", "signer_id": p.ids["officer"], how: orig}, testpdf.Make(1, subject))
	if code != 201 {
		t.Fatalf("upload %s: %d", how, code)
	}
	id := doc["id"].(string)
	if doc[how] != orig || len(doc["recipients"].([]any)) == 0 {
		t.Fatalf("draft %s %v, recipients %v", how, doc[how], doc["recipients"])
	}
	p.handler.act(id, "submit", nil)
	p.officer.act(id, "approve", nil)
	p.officer.act(id, "sign", nil)
	p.clerk.act(id, "issue", nil)
	if doc = p.clerk.act(id, "send", nil); doc["state"] != "sent" {
		t.Fatalf("send: %v", doc)
	}
	return doc
}

func (p *peer) doc(t *testing.T, id string) map[string]any {
	t.Helper()
	var d map[string]any
	if code := p.clerk.call("GET", "/api/v1/documents/"+id, nil, &d); code != 200 {
		t.Fatalf("%s: GET %s: %d", p.name, id, code)
	}
	return d
}

// receivedAs waits until p has exactly one incoming document with subject.
func (p *peer) receivedAs(t *testing.T, subject string) map[string]any {
	t.Helper()
	var got []map[string]any
	eventually(t, p.name+" receives "+subject, 30*time.Second, func() (bool, string) {
		got = p.incomingBy(t, subject)
		return len(got) == 1, fmt.Sprint(len(got))
	})
	return got[0]
}

// TestExchangeFlows runs two agencies, each with its own database (a
// SQLite file; on PostgreSQL a database of its own), through the
// exchange's flows: a replacement (type 3) and an update (type 2) linked
// to the document they change at both agencies, a refused revocation
// (nothing changes, the reason is shown on both sides) and an accepted
// one (revoked at both agencies, in the lists and the registers).
func TestExchangeFlows(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			A := newPeer(t, "A", "000.00.12.H13", "UBND quận Bình Thủy", "UBND")
			B := newPeer(t, "B", "000.00.31.H13", "UBND phường Long Hòa", "UBND")
			fastExchange(A, B)
			if backend == gormdb.Postgres {
				A.env["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
				B.env["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
			}
			A.start(t)
			B.start(t)
			connect(t, A, B)

			orig := "Quyết định phê duyệt kế hoạch năm 2027"
			doc1 := A.issueAndSend(t, orig, B)
			b1 := B.receivedAs(t, orig)["id"].(string)
			B.clerk.act(b1, "register", nil)

			t.Run("replace", func(t *testing.T) {
				subject := "Quyết định phê duyệt kế hoạch năm 2027 (thay thế)"
				doc2 := A.amendAndSend(t, "replaces", doc1, subject)["id"].(string)
				if d := A.doc(t, doc1); d["replaced_by"] != doc2 || d["state"] != "sent" {
					t.Fatalf("A's original: replaced_by %v, state %v", d["replaced_by"], d["state"])
				}
				b2 := B.receivedAs(t, subject)
				if b2["replaces"] != b1 || b2["state"] != "received" {
					t.Fatalf("B's replacement: replaces %v (want %s), state %v", b2["replaces"], b1, b2["state"])
				}
				if d := B.doc(t, b1); d["replaced_by"] != b2["id"] {
					t.Fatalf("B's original: replaced_by %v, want %v", d["replaced_by"], b2["id"])
				}
			})

			t.Run("update", func(t *testing.T) {
				subject := "Quyết định phê duyệt kế hoạch năm 2027 (cập nhật phụ lục)"
				doc3 := A.amendAndSend(t, "updates", doc1, subject)["id"].(string)
				if d := A.doc(t, doc1); d["updated_by"] != doc3 {
					t.Fatalf("A's original: updated_by %v", d["updated_by"])
				}
				b3 := B.receivedAs(t, subject)
				if b3["updates"] != b1 {
					t.Fatalf("B's update: updates %v, want %s", b3["updates"], b1)
				}
				if d := B.doc(t, b1); d["updated_by"] != b3["id"] {
					t.Fatalf("B's original: updated_by %v, want %v", d["updated_by"], b3["id"])
				}
			})

			t.Run("revocation refused", func(t *testing.T) {
				subject := "Thông báo lịch tiếp công dân tháng 12"
				doc := A.issueAndSend(t, subject, B)
				bid := B.receivedAs(t, subject)["id"].(string)
				if code := A.clerk.call("POST", "/api/v1/documents/"+doc+"/revoke", map[string]string{"reason": "Sai ngày tiếp"}, nil); code != 200 {
					t.Fatalf("revoke: %d", code)
				}
				eventually(t, "B asked", 20*time.Second, func() (bool, string) {
					d := B.doc(t, bid)
					return d["revoke_state"] == "requested" && d["revoke_reason"] == "Sai ngày tiếp", fmt.Sprint(d["revoke_state"], d["revoke_reason"])
				})
				if code := B.clerk.call("POST", "/api/v1/documents/"+bid+"/revocation", map[string]any{"accept": false}, nil); code != 400 {
					t.Fatalf("refusal without a reason: %d", code)
				}
				var out map[string]any
				if code := B.clerk.call("POST", "/api/v1/documents/"+bid+"/revocation", map[string]any{"accept": false, "reason": "Đã niêm yết"}, &out); code != 200 {
					t.Fatalf("refuse: %d", code)
				}
				if out["state"] != "received" || out["revoke_state"] != "refused" || out["revoke_answer"] != "Đã niêm yết" {
					t.Fatalf("B after refusing: %v %v %v", out["state"], out["revoke_state"], out["revoke_answer"])
				}
				eventually(t, "A told", 20*time.Second, func() (bool, string) {
					d := A.doc(t, doc)
					return d["state"] == "sent" && d["revoke_state"] == "refused" && strings.Contains(fmt.Sprint(d["revoke_answer"]), "Đã niêm yết"),
						fmt.Sprint(d["state"], d["revoke_state"], d["revoke_answer"])
				})
				if dl := A.deliveries(t, doc)[B.orgID]; !strings.HasSuffix(codes(dl), "13,16") {
					t.Fatalf("statuses %s", codes(dl))
				}
				// After a refusal the sender may ask again.
				if code := A.clerk.call("POST", "/api/v1/documents/"+doc+"/revoke", map[string]string{"reason": "Sai ngày tiếp, đề nghị lần hai"}, nil); code != 200 {
					t.Fatalf("second revoke: %d", code)
				}
				eventually(t, "B asked again", 20*time.Second, func() (bool, string) {
					d := B.doc(t, bid)
					return d["revoke_state"] == "requested" && d["revoke_reason"] == "Sai ngày tiếp, đề nghị lần hai", fmt.Sprint(d["revoke_state"], d["revoke_reason"])
				})
			})

			t.Run("revocation accepted", func(t *testing.T) {
				if code := A.clerk.call("POST", "/api/v1/documents/"+doc1+"/revoke", map[string]string{"reason": "Ban hành không đúng thẩm quyền"}, nil); code != 200 {
					t.Fatalf("revoke: %d", code)
				}
				eventually(t, "B asked", 20*time.Second, func() (bool, string) {
					return B.doc(t, b1)["revoke_state"] == "requested", ""
				})
				var out map[string]any
				if code := B.clerk.call("POST", "/api/v1/documents/"+b1+"/revocation", map[string]any{"accept": true}, &out); code != 200 || out["state"] != "revoked" {
					t.Fatalf("accept: %d %v", code, out["state"])
				}
				eventually(t, "A's document revoked", 20*time.Second, func() (bool, string) {
					d := A.doc(t, doc1)
					return d["state"] == "revoked" && d["revoke_state"] == "accepted", fmt.Sprint(d["state"])
				})
				// The audit events, the lists and the registers show it.
				for _, side := range []struct {
					p   *peer
					id  string
					dir string
					reg string
				}{{A, doc1, "outgoing", "outgoing"}, {B, b1, "incoming", "incoming"}} {
					var evs struct{ Items []map[string]any }
					side.p.clerk.call("GET", "/api/v1/documents/"+side.id+"/events", nil, &evs)
					last := evs.Items[len(evs.Items)-1]
					if last["action"] != "accept_revoke" || last["to"] != "revoked" {
						t.Fatalf("%s: last event %v", side.p.name, last)
					}
					var list struct{ Items []map[string]any }
					side.p.clerk.call("GET", "/api/v1/documents?direction="+side.dir+"&state=revoked", nil, &list)
					if len(list.Items) != 1 || list.Items[0]["id"] != side.id {
						t.Fatalf("%s: revoked list %v", side.p.name, list.Items)
					}
					var reg struct{ Items []map[string]any }
					side.p.clerk.call("GET", fmt.Sprintf("/api/v1/registers/%s/%d", side.reg, time.Now().Year()), nil, &reg)
					found := false
					for _, e := range reg.Items {
						if e["document_id"] == side.id {
							found = e["state"] == "revoked" && strings.Contains(fmt.Sprint(e["notes"]), "Ban hành không đúng thẩm quyền")
						}
					}
					if !found {
						t.Fatalf("%s: register %v", side.p.name, reg.Items)
					}
				}
			})

			t.Run("refused", func(t *testing.T) {
				// B refuses a document (02): A's clerks find it in their
				// refused deliveries until one of them marks it dealt with.
				subject := "Công văn đề nghị báo cáo số liệu quý IV"
				doc := A.issueAndSend(t, subject, B)
				bid := B.receivedAs(t, subject)["id"].(string)
				B.clerk.act(bid, "reject", map[string]any{"comment": "Không thuộc thẩm quyền của phường"})
				type refusedList struct {
					Items []struct {
						DocumentID string `json:"document_id"`
						Refusals   []map[string]any
					}
					Total int
				}
				var list refusedList
				eventually(t, "A's clerk sees the refusal", 20*time.Second, func() (bool, string) {
					list = refusedList{}
					A.clerk.call("GET", "/api/v1/refusals", nil, &list)
					return list.Total == 1, fmt.Sprint(list)
				})
				r := list.Items[0]
				if r.DocumentID != doc || len(r.Refusals) != 1 || r.Refusals[0]["comment"] != "Không thuộc thẩm quyền của phường" ||
					fmt.Sprint(r.Refusals[0]["data"].(map[string]any)["org_id"]) != B.orgID {
					t.Fatalf("A's refused deliveries: %+v", list)
				}
				if code := A.clerk.call("POST", "/api/v1/documents/"+doc+"/refusals/seen", nil, nil); code != 204 {
					t.Fatalf("mark seen: %d", code)
				}
				list = refusedList{}
				if A.clerk.call("GET", "/api/v1/refusals", nil, &list); list.Total != 0 || len(list.Items) != 0 {
					t.Fatalf("after the mark: %+v", list)
				}
			})
		})
	}
}
