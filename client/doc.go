// Package client is a Go client for the vanthu HTTP API, generated from
// api/openapi.yaml by oapi-codegen (client.gen.go; do not edit it by hand).
//
// Regenerate with `go generate ./client/` after changing the document;
// TestGeneratedClientIsFresh fails while client.gen.go is stale.
//
//	c, _ := client.NewClientWithResponses("http://127.0.0.1:8080")
//	login, _ := c.LoginWithResponse(ctx, client.LoginJSONRequestBody{Username: "admin", Password: pw})
//	auth := client.WithRequestEditorFn(client.Bearer(login.JSON200.Token))
//	docs, _ := c.ListDocumentsWithResponse(ctx, nil, auth)
package client

//go:generate go tool oapi-codegen -config cfg.yaml ../api/openapi.yaml
