// Package api is vanthu's HTTP interface: Echo routes under /api/v1,
// bearer-token authentication, request and response types, the mapping
// of domain errors to statuses, and the OpenAPI document.
package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPI returns the OpenAPI document served at /api/v1/openapi.yaml.
func OpenAPI() []byte { return openapiYAML }

// Documents is the document service the API calls (workflow.Service).
type Documents interface {
	// CreateOnce creates a document, idempotent by in.IdempotencyKey
	// (created false: the key's earlier document).
	CreateOnce(ctx context.Context, actor *workflow.User, in workflow.CreateInput) (*workflow.Document, bool, error)
	Get(ctx context.Context, actor *workflow.User, id string) (*workflow.Document, error)
	List(ctx context.Context, actor *workflow.User, f workflow.DocumentFilter) ([]*workflow.Document, string, error)
	// OpenFile streams a file, with its document as read.
	OpenFile(ctx context.Context, actor *workflow.User, id, sha string) (io.ReadCloser, *workflow.Document, workflow.File, error)
	// StatFile is OpenFile without the content: the file and the info of
	// its blob, reading none of it.
	StatFile(ctx context.Context, actor *workflow.User, id, sha string) (workflow.File, workflow.ObjectInfo, error)
	// HeadFile is StatFile for a HEAD of the file: its type from the
	// content's first bytes, which it reads (no more).
	HeadFile(ctx context.Context, actor *workflow.User, id, sha string) (*workflow.Document, workflow.File, workflow.ObjectInfo, error)
	Events(ctx context.Context, actor *workflow.User, id string) ([]workflow.Event, error)
	Apply(ctx context.Context, actor *workflow.User, id string, a workflow.Action, in workflow.ActionInput) (*workflow.Document, error)
	// Available is EUNAVAILABLE for an action this server can never take
	// (no signer: sign, issue; no exchange: send, an outgoing document's
	// revocation request), nil otherwise; it reads nothing. A document's
	// allowed_actions leave such actions out.
	Available(d *workflow.Document, a workflow.Action) error
	EachRegisterRows(ctx context.Context, actor *workflow.User, kind workflow.RegisterKind, year int, month time.Month, fn func([]workflow.RegisterRow) error) error
	VerifyAuditFor(ctx context.Context, actor *workflow.User) (workflow.AuditReport, error)
}

// Accounts is the user and session service the API calls (auth.Service).
type Accounts interface {
	// LoginFrom logs in from client address addr (throttled per account
	// and address: ETOOMANY, with a RetryAfter() cause).
	LoginFrom(ctx context.Context, addr, username, password string) (string, *workflow.Session, *workflow.User, error)
	Authenticate(ctx context.Context, token string) (*workflow.User, error)
	Logout(ctx context.Context, token string) error
	// ChangePasswordFrom is the logged-in user's own change (the current
	// password checked and throttled as a login; the other sessions end).
	ChangePasswordFrom(ctx context.Context, addr string, actor *workflow.User, token, current, newPW string) (*workflow.User, error)
	// CreateUserInitial creates a user; a password left empty is
	// generated and returned (initial), to be shown this once.
	CreateUserInitial(ctx context.Context, actor *workflow.User, in auth.NewUser) (u *workflow.User, initial string, err error)
	UpdateUser(ctx context.Context, actor *workflow.User, id string, fn func(*workflow.User) error) (*workflow.User, error)
}

// Directory reads users.
type Directory interface {
	User(ctx context.Context, id string) (*workflow.User, error)
	Users(ctx context.Context) ([]*workflow.User, error)
}

// Server is the HTTP API.
type Server struct {
	Docs      Documents
	Accounts  Accounts
	Directory Directory
	// Mail keeps users' e-mail addresses and notification choice; nil =
	// none (the user JSON then has neither).
	Mail workflow.MailSettingsStore
	// Outbox shows the notifications' outbox to the admins (GET /mail,
	// POST /mail/{id}/retry); nil: 503.
	Outbox MailOutbox
	// Ready reports whether the server can serve (database reachable).
	Ready func(ctx context.Context) error
	// ReadyInfo are facts about the configuration /readyz shows (e.g.
	// "signing": "development-pki"), ReadyWarnings what an operator must
	// know (e.g. that the development PKI is in use). Set before serving.
	ReadyInfo     map[string]string
	ReadyWarnings []string
	// ReadyProbes, when set, says how the external services serve asked
	// at start (the TSA, the SMTP server) answered: by the setting that
	// names each ("VANTHU_TSA_URL": "ok", "failed" or "pending"), and a
	// warning per failure. A failure leaves the server ready (200).
	ReadyProbes func() (map[string]string, []string)
	// MaxUpload is the largest file accepted, in bytes.
	MaxUpload int64
	// Now is the clock that decides default periods (the reform report's
	// "this year up to today"); time.Now when nil.
	Now func() time.Time
	// Signing serves verification and signing-key administration; nil =
	// those routes answer 503.
	Signing *Signing
	// PKI is the development PKI's services (/pki/..., revocations); nil
	// = those routes answer 404.
	PKI *PKI
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed; empty = the client address is the TCP peer's.
	TrustedProxies []netip.Prefix
	// MetricsToken, when set, is the bearer token GET /metrics requires.
	MetricsToken string
	// MetricsElsewhere: /metrics is served on its own listener (see
	// MetricsHandler), not on this one.
	MetricsElsewhere bool
	// SignPassword: sign and issue need the caller's password in the
	// X-Vanthu-Sign-Password header (signconfirm.go;
	// VANTHU_SIGN_CONFIRM_API=password), Accounts then a SignConfirmer;
	// a right one spares the session's next ones for SignConfirmTTL
	// (0: asked every time).
	SignPassword   bool
	SignConfirmTTL time.Duration
	// Extra registers routes of optional subsystems (signing, archive,
	// exchange) on the authenticated /api/v1 group.
	Extra []func(g *echo.Group, s *Server)

	// disposed says which documents' records were destroyed (set by
	// ArchiveRoutes when its archive can): the registers note them.
	disposed DisposedDocuments

	log      *slog.Logger
	echo     *echo.Echo
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// routes caches the metric children of each route, method and status
	// (routeKey -> *routeMetrics): WithLabelValues hashes its labels and
	// takes a lock on every call.
	routes      sync.Map
	routesCount atomic.Int32
	// uploadMemory counts the bytes of uploads held in memory by the
	// requests in flight (uploads.reserve).
	uploadMemory atomic.Int64
	// table is the routes New registered (methods.go).
	table routeTable
}

type routeKey struct {
	route, method string
	status        int
}

type routeMetrics struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// maxCachedRoutes bounds routes (a client choosing odd methods cannot
// grow it without end).
const maxCachedRoutes = 1024

func (s *Server) routeMetrics(route, method string, status int) *routeMetrics {
	k := routeKey{route, method, status}
	if m, ok := s.routes.Load(k); ok {
		return m.(*routeMetrics)
	}
	m := &routeMetrics{requests: s.requests.WithLabelValues(route, method, strconv.Itoa(status)),
		latency: s.latency.WithLabelValues(route, method)}
	if s.routesCount.Load() < maxCachedRoutes {
		if _, loaded := s.routes.LoadOrStore(k, m); !loaded {
			s.routesCount.Add(1)
		}
	}
	return m
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// New builds the server and its routes.
func New(s *Server, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s.log = logger
	if s.MaxUpload <= 0 {
		s.MaxUpload = 50 << 20
	}
	s.registry = prometheus.NewRegistry()
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vanthu_http_requests_total",
		Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vanthu_http_request_duration_seconds",
		Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route", "method"})
	s.registry.MustRegister(s.requests, s.latency, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.Pre(responseHeaders)
	e.Pre(headRoutedAsGet)
	e.Use(restoreHead)
	e.Use(s.observe)
	e.Use(s.recoverPanics)
	e.Use(s.methods)
	e.Use(pathParamsAreText)
	e.Use(queryParamsAreText)
	s.echo = e

	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", s.handleReady)
	if !s.MetricsElsewhere {
		e.GET("/metrics", echo.WrapHandler(s.MetricsHandler()))
	}
	e.GET("/api/v1/openapi.yaml", func(c echo.Context) error { return c.Blob(http.StatusOK, "application/yaml", openapiYAML) })
	e.POST("/api/v1/auth/login", s.handleLogin)

	g := e.Group(apiPrefix, s.authenticate)
	g.POST("/auth/logout", s.handleLogout)
	g.POST("/auth/password", s.handleChangePassword)
	g.GET("/auth/me", s.handleMe)
	g.POST("/users", s.handleCreateUser)
	g.POST("/users/import", s.handleImportUsers)
	g.GET("/users", s.handleListUsers)
	g.GET("/users/:id", s.handleGetUser)
	g.PATCH("/users/:id", s.handleUpdateUser)
	g.POST("/users/:id/unlock", s.handleUnlockUser)
	g.POST("/users/:id/reassign", s.handleReassign)
	g.POST("/documents", s.handleCreateDocument)
	g.GET("/documents", s.handleListDocuments)
	g.GET("/documents/:id", s.handleGetDocument)
	g.PATCH("/documents/:id", s.handleRevise)
	g.GET("/documents/:id/file", s.handleGetFile)
	g.GET("/documents/:id/events", s.handleEvents)
	g.GET("/documents/:id/replies", s.handleReplies)
	g.POST("/documents/:id/actions/:action", s.handleAction)
	g.POST("/documents/:id/refusals/seen", s.handleSeeRefusals)
	g.POST("/documents/:id/deliveries/:delivery/resend", s.handleResendDelivery)
	g.POST("/documents/:id/deliveries/:delivery/dealt", s.handleDealtDelivery)
	g.GET("/refusals", s.handleRefusals)
	g.GET("/mail", s.handleMail)
	g.POST("/mail/:id/retry", s.handleRetryMail)
	g.GET("/registers/:kind/:year", s.handleRegister)
	g.GET("/audit/verify", s.handleAuditVerify)
	s.copyRoutes(g)
	s.signingRoutes(g)
	s.pkiRoutes(e, g)
	s.reformRoutes(e, g)
	for _, fn := range s.Extra {
		fn(g, s)
	}
	s.table = newRouteTable(e.Routes())
	return s
}

// MetricsHandler serves the Prometheus metrics, behind the bearer
// MetricsToken when one is set.
func (s *Server) MetricsHandler() http.Handler {
	h := promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
	if s.MetricsToken == "" {
		return h
	}
	want := sha256.Sum256([]byte("Bearer " + s.MetricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(ErrorBody{ErrorDetail{Code: workflow.EUNAUTHORIZED, Message: "metrics need the bearer token of VANTHU_METRICS_TOKEN"}})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Echo returns the underlying Echo instance (for serving and tests).
func (s *Server) Echo() *echo.Echo { return s.echo }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// Registry returns the Prometheus registry, for subsystems' metrics.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		m := s.routeMetrics(route, c.Request().Method, c.Response().Status)
		m.requests.Inc()
		m.latency.Observe(time.Since(start).Seconds())
		return nil
	}
}

// recoverPanics turns a panic in a handler (a library failing on odd
// input, a bug) into a logged internal error: the client gets the JSON
// error and the server keeps serving.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				err = fmt.Errorf("panic in %s %s: %v\n%s", c.Request().Method, c.Path(), p, debug.Stack())
			}
		}()
		return next(c)
	}
}

// responseHeaders sets what every answer carries, error answers and
// unknown paths included: X-Content-Type-Options nosniff (a JSON answer
// is never read as a page or a script), and on /api/v1/... but the
// OpenAPI document, Cache-Control no-store: those answers are one user's
// (a document, a list, the bearer token of a login, RFC 6749 5.1) or
// change from one request to the next, and no cache along the way, nor
// the browser's, may keep them. The answers had no Cache-Control at all.
func responseHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if p := c.Request().URL.Path; strings.HasPrefix(p, apiPrefix+"/") && p != apiPrefix+"/openapi.yaml" {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// headKey marks a HEAD request routed as a GET (headRoutedAsGet).
const headKey = "vanthu.head"

// headRoutedAsGet lets every GET route answer HEAD (RFC 9110, 9.3.2:
// the GET's status and headers, no body): the request is routed as its
// GET, and restoreHead gives it its method back before any handler runs,
// so that net/http sends no body and the Content-Length of the GET's.
// Before, HEAD /healthz answered 405 and HEAD on any API route 404.
func headRoutedAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r := c.Request(); r.Method == http.MethodHead {
			r.Method = http.MethodGet
			c.Set(headKey, true)
		}
		return next(c)
	}
}

func restoreHead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if head, _ := c.Get(headKey).(bool); head {
			c.Request().Method = http.MethodHead
		}
		return next(c)
	}
}

// pathParamsAreText answers 404 for a path whose parameters are not text
// (a NUL character, bytes that are not UTF-8): no document, user, record
// or code is named so. Before, PostgreSQL refused such an id in the
// lookup and the answer was 500 (SQLite: 404).
func pathParamsAreText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for _, v := range c.ParamValues() {
			if !isText(v) {
				return workflow.Errorf(workflow.ENOTFOUND, "nothing is named %q here", v)
			}
		}
		return next(c)
	}
}

// queryParamsAreText refuses a query whose parameter names or values hold
// a NUL or bytes that are not UTF-8, naming the parameter (400 invalid):
// no parameter means such text, and past here PostgreSQL would refuse it
// only when a value reached a query (a 400 naming no field), SQLite
// would search for it.
func queryParamsAreText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for k, vs := range c.QueryParams() {
			if !isText(k) {
				return workflow.Errorf(workflow.EINVALID, "a query parameter's name is not text (a NUL character or bytes that are not UTF-8)")
			}
			for _, v := range vs {
				if !isText(v) {
					return workflow.OnField(workflow.Errorf(workflow.EINVALID,
						"%s: a NUL character or bytes that are not UTF-8", k), k)
				}
			}
		}
		return next(c)
	}
}

// isText reports whether s is UTF-8 without a NUL.
func isText(s string) bool { return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) }

// apiPrefix is the path of the authenticated API's group.
const apiPrefix = "/api/v1"

const (
	userKey  = "vanthu.user"
	tokenKey = "vanthu.token"
)

func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p := c.Path(); strings.HasSuffix(p, "/*") || p == apiPrefix {
			// No route of the group (an unknown path, or a method a
			// path does not take): its 404 whoever asks, as the
			// document says, not a 401 (GET /api/v1/public/verify/
			// without a code asked for a bearer token).
			return next(c)
		}
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return workflow.Errorf(workflow.EUNAUTHORIZED, "missing bearer token: log in at POST /api/v1/auth/login")
		}
		u, err := s.Accounts.Authenticate(c.Request().Context(), strings.TrimSpace(token))
		if err != nil {
			return err
		}
		c.Set(userKey, u)
		c.Set(tokenKey, strings.TrimSpace(token))
		if u.MustChangePassword && !allowedBeforeChange(c, u) {
			return workflow.Errorf(workflow.EPASSWORDCHANGE, "the password of this account was set by an administrator "+
				"and must be changed first: POST /api/v1/auth/password with current_password and new_password")
		}
		return next(c)
	}
}

// allowedBeforeChange: what a user whose password is temporary
// (MustChangePassword) may do before changing it — change it, log out,
// read their own account.
func allowedBeforeChange(c echo.Context, u *workflow.User) bool {
	m := c.Request().Method
	switch c.Path() {
	case apiPrefix + "/auth/password", apiPrefix + "/auth/logout":
		return m == http.MethodPost
	case apiPrefix + "/users/:id":
		return (m == http.MethodGet || m == http.MethodHead) && c.Param("id") == u.ID
	case apiPrefix + "/auth/me":
		return m == http.MethodGet || m == http.MethodHead
	}
	return false
}

// Actor returns the authenticated user of a request.
func Actor(c echo.Context) *workflow.User {
	u, _ := c.Get(userKey).(*workflow.User)
	return u
}

func (s *Server) handleReady(c echo.Context) error {
	if s.Ready != nil {
		if err := s.Ready(c.Request().Context()); err != nil {
			s.log.WarnContext(c.Request().Context(), "not ready", "err", err)
			msg := "database unreachable"
			if workflow.ErrorCode(err) == workflow.EUNAVAILABLE {
				msg = workflow.ErrorMessage(err) // which dependency, never its address
			}
			return workflow.Errorf(workflow.EUNAVAILABLE, "%s", msg)
		}
	}
	out := map[string]any{"status": "ready"}
	for k, v := range s.ReadyInfo {
		out[k] = v
	}
	warnings := s.ReadyWarnings
	if s.ReadyProbes != nil {
		probes, failed := s.ReadyProbes()
		if len(probes) > 0 {
			out["probes"] = probes
		}
		warnings = append(warnings[:len(warnings):len(warnings)], failed...)
	}
	if len(warnings) > 0 {
		out["warnings"] = warnings
	}
	return c.JSON(http.StatusOK, out)
}

// RequireRole returns EFORBIDDEN unless the request's user has one of roles.
func RequireRole(c echo.Context, roles ...workflow.Role) error {
	if !Actor(c).HasAny(roles) {
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = string(r)
		}
		return workflow.Errorf(workflow.EFORBIDDEN, "this needs role %s", strings.Join(names, " or "))
	}
	return nil
}
