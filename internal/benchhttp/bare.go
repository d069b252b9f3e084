// Package benchhttp measures the request path: a bare Echo server that
// serves fixed document JSON (the ceiling a handler on the same machine
// can reach), and an HTTP load generator with closed-loop (as many requests
// as N connections can carry) and fixed-rate (latency at a given arrival
// rate, measured from each request's scheduled start so a stall is not
// hidden) modes. scripts/bench-http and cmd/vanthu's BenchmarkGetDocument
// use it.
package benchhttp

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// BareEcho returns an Echo server answering GET /api/v1/documents/:id with
// doc and GET /api/v1/documents with list, as JSON: no authentication, no
// database, the same router and the same bytes as vanthu.
func BareEcho(doc, list []byte) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/api/v1/documents/:id", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, doc) })
	e.GET("/api/v1/documents", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, list) })
	return e
}
