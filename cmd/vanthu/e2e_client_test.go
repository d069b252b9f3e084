package main

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	apiclient "github.com/vanthu/vanthu/client"
	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestGeneratedClient drives a real server (run serve on port 0) with the
// client generated from api/openapi.yaml: log in, create a user, upload a
// document as that user, list and read documents, apply an action, and
// get typed error answers.
func TestGeneratedClient(t *testing.T) {
	s := startServer(t, nil)
	ctx := context.Background()
	c, err := apiclient.NewClientWithResponses(s.base, apiclient.WithHTTPClient(apitest.Client(t)))
	if err != nil {
		t.Fatal(err)
	}
	login := func(user, pw string) apiclient.RequestEditorFn {
		t.Helper()
		r, err := c.LoginWithResponse(ctx, apiclient.LoginJSONRequestBody{Username: user, Password: pw})
		must(t, err)
		if r.JSON200 == nil {
			t.Fatalf("login %s: %s %s", user, r.Status(), r.Body)
		}
		if r.JSON200.User.Username != user {
			t.Fatalf("login as %s answered user %q", user, r.JSON200.User.Username)
		}
		bearer := apiclient.Bearer(r.JSON200.Token)
		if r.JSON200.User.MustChangePassword { // a user the admin created: their own password first
			cp, err := c.ChangePasswordWithResponse(ctx, apiclient.ChangePasswordJSONRequestBody{CurrentPassword: pw, NewPassword: pw + "-rieng"}, bearer)
			must(t, err)
			if cp.JSON200 == nil || cp.JSON200.MustChangePassword {
				t.Fatalf("change the password of %s: %s %s", user, cp.Status(), cp.Body)
			}
		}
		return bearer
	}
	admin := login("admin", "admin-password-1")

	fullName, title := "Lê Thị Cúc", "Chuyên viên"
	cucPW, anPW := "mat-khau-cuc-1", "mat-khau-an-1"
	cu, err := c.CreateUserWithResponse(ctx, apiclient.CreateUserJSONRequestBody{Username: "cuc", Password: &cucPW,
		FullName: &fullName, Title: &title, Roles: []apiclient.Role{apiclient.Handler}}, admin)
	must(t, err)
	if cu.JSON201 == nil {
		t.Fatalf("create user: %s %s", cu.Status(), cu.Body)
	}
	if cu.JSON201.FullName != fullName || len(cu.JSON201.Roles) != 1 || cu.JSON201.Roles[0] != apiclient.Handler {
		t.Fatalf("created user %+v", cu.JSON201)
	}
	dup, err := c.CreateUserWithResponse(ctx, apiclient.CreateUserJSONRequestBody{Username: "cuc", Password: &cucPW,
		Roles: []apiclient.Role{apiclient.Handler}}, admin)
	must(t, err)
	if dup.JSON409 == nil || dup.JSON409.Error.Code != apiclient.ErrorCodeConflict {
		t.Fatalf("duplicate user: %s %s", dup.Status(), dup.Body)
	}
	officerName := "Nguyễn Văn An"
	off, err := c.CreateUserWithResponse(ctx, apiclient.CreateUserJSONRequestBody{Username: "an", Password: &anPW,
		FullName: &officerName, Roles: []apiclient.Role{apiclient.Officer}}, admin)
	must(t, err)
	if off.JSON201 == nil {
		t.Fatalf("create officer: %s %s", off.Status(), off.Body)
	}
	users, err := c.ListUsersWithResponse(ctx, admin)
	must(t, err)
	if users.JSON200 == nil || len(users.JSON200.Items) != 3 {
		t.Fatalf("list users: %s %s", users.Status(), users.Body)
	}

	handler := login("cuc", "mat-khau-cuc-1")
	urgent := apiclient.UrgencyUrgent
	ct, b, err := apiclient.NewDocumentBody(apiclient.DocumentMeta{Direction: apiclient.DocumentMetaDirectionOutgoing, Type: "TB",
		Subject: "Thông báo lịch tiếp công dân tháng 12", Urgency: &urgent,
		SignerId: &off.JSON201.Id, Recipients: &[]apiclient.Org{{OrgId: "000.00.31.H13", Name: "UBND phường Long Hòa"}}},
		apiclient.NamedPDF{Name: "thong-bao.pdf", PDF: bytes.NewReader(testpdf.Make(1, "thong bao"))})
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.CreateDocumentWithBodyWithResponse(ctx, nil, ct, b, handler)
	must(t, err)
	if created.JSON201 == nil {
		t.Fatalf("create document: %s %s", created.Status(), created.Body)
	}
	doc := created.JSON201
	if doc.State != apiclient.Draft || doc.Subject != "Thông báo lịch tiếp công dân tháng 12" || len(doc.Files) != 1 {
		t.Fatalf("created document %+v", doc)
	}

	outgoing := apiclient.ListDocumentsParamsDirectionOutgoing
	list, err := c.ListDocumentsWithResponse(ctx, &apiclient.ListDocumentsParams{Direction: &outgoing}, handler)
	must(t, err)
	if list.JSON200 == nil || len(list.JSON200.Items) != 1 || list.JSON200.Items[0].Id != doc.Id {
		t.Fatalf("list documents: %s %s", list.Status(), list.Body)
	}
	version := doc.Version
	submitted, err := c.ApplyActionWithResponse(ctx, doc.Id, apiclient.ActionSubmit, nil, apiclient.ApplyActionJSONRequestBody{Version: &version}, handler)
	must(t, err)
	if submitted.JSON200 == nil || submitted.JSON200.State != apiclient.InReview {
		t.Fatalf("submit: %s %s", submitted.Status(), submitted.Body)
	}
	again, err := c.ApplyActionWithResponse(ctx, doc.Id, apiclient.ActionSubmit, nil, apiclient.ApplyActionJSONRequestBody{}, handler)
	must(t, err)
	if again.JSON409 == nil || again.JSON409.Error.Code != apiclient.ErrorCodeIllegalTransition {
		t.Fatalf("submit twice: %s %s", again.Status(), again.Body)
	}
	missing, err := c.GetDocumentWithResponse(ctx, "khong-co", nil, handler)
	must(t, err)
	if missing.JSON404 == nil || missing.JSON404.Error.Code != apiclient.ErrorCodeNotFound {
		t.Fatalf("missing document: %s %s", missing.Status(), missing.Body)
	}
	noToken, err := c.ListDocumentsWithResponse(ctx, nil)
	must(t, err)
	if noToken.StatusCode() != http.StatusUnauthorized || noToken.JSON401 == nil {
		t.Fatalf("no token: %s %s", noToken.Status(), noToken.Body)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
