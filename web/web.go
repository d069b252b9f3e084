// Package web is vanthu's Vietnamese web interface: server-rendered HTML
// pages for clerks (văn thư), officials (lãnh đạo), handlers (chuyên
// viên), archivists and admins, served by the same binary as the JSON API.
//
// It calls the services (workflow.Service, auth.Service, the archive,
// exchange and signing services) through the small interfaces in
// Config, never the storage adapters. Templates (html/template) and
// static files are embedded with go:embed; there is no front-end build
// step. Every page works with plain form posts; static/app.js only
// improves (upload progress, live delivery status).
//
// Security: a session cookie holding the same token as API bearer tokens
// (HttpOnly, SameSite=Lax, Secure under TLS); a CSRF token derived from
// the session on every state-changing form (see csrf.go); security
// headers with a Content-Security-Policy that allows no inline script or
// style (see headers.go). Every error a service returns is shown through
// the one table in errors.go, in Vietnamese.
//
// Adding a page: see README.md in this directory.
package web

import (
	"cmp"
	"context"
	"embed"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/internal/ratelimit"
	"github.com/vanthu/vanthu/workflow"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Documents is the document service the pages call (workflow.Service).
type Documents interface {
	Create(ctx context.Context, actor *workflow.User, in workflow.CreateInput) (*workflow.Document, error)
	Get(ctx context.Context, actor *workflow.User, id string) (*workflow.Document, error)
	List(ctx context.Context, actor *workflow.User, f workflow.DocumentFilter) ([]*workflow.Document, string, error)
	// ListCount is List with the count of what it finds for f on all
	// its pages, both read in one snapshot.
	ListCount(ctx context.Context, actor *workflow.User, f workflow.DocumentFilter) ([]*workflow.Document, string, int, error)
	// OpenFile streams a file, with its document as read.
	OpenFile(ctx context.Context, actor *workflow.User, id, sha string) (io.ReadCloser, *workflow.Document, workflow.File, error)
	// HeadFile is OpenFile for a HEAD: the file and the info of its
	// blob, its type from the content's first bytes (no more is read).
	HeadFile(ctx context.Context, actor *workflow.User, id, sha string) (*workflow.Document, workflow.File, workflow.ObjectInfo, error)
	Events(ctx context.Context, actor *workflow.User, id string) ([]workflow.Event, error)
	// LatestEvents is, for docs as read (a page of the inbox), the latest
	// event of kind (of action, when not "") of each, by ID, read for the
	// page at once.
	LatestEvents(ctx context.Context, actor *workflow.User, docs []*workflow.Document, kind workflow.EventKind, action workflow.Action) (map[string]workflow.Event, error)
	Apply(ctx context.Context, actor *workflow.User, id string, a workflow.Action, in workflow.ActionInput) (*workflow.Document, error)
	Precheck(ctx context.Context, actor *workflow.User, d *workflow.Document, a workflow.Action, in workflow.ActionInput) error
	// Available is EUNAVAILABLE for an action this server can never
	// take on d (no signer, no exchange), reading nothing.
	Available(d *workflow.Document, a workflow.Action) error
	RegisterRows(ctx context.Context, actor *workflow.User, kind workflow.RegisterKind, year int, month time.Month) ([]workflow.RegisterRow, error)
	EachRegisterRows(ctx context.Context, actor *workflow.User, kind workflow.RegisterKind, year int, month time.Month, fn func([]workflow.RegisterRow) error) error
	RegisterRowsBetween(ctx context.Context, actor *workflow.User, kind workflow.RegisterKind, year, first, last int) (workflow.RegisterPage, error)
	Work(ctx context.Context, actor *workflow.User, action workflow.Action, limit int) ([]*workflow.Document, []workflow.WorkTab, int, error)
	// Refusals lists the outgoing documents whose deliveries were refused
	// and nobody has dealt with yet (clerks only), and how many in all;
	// SeeRefusals marks a document's refusals seen.
	Refusals(ctx context.Context, actor *workflow.User, limit int) ([]workflow.RefusedDocument, int, error)
	SeeRefusals(ctx context.Context, actor *workflow.User, id string, through int64) error
	// WatchedDeliveries lists a page of the outgoing deliveries that need
	// attention (clerks and admins) and the next page's cursor.
	WatchedDeliveries(ctx context.Context, actor *workflow.User, q workflow.DeliveryQuery) ([]workflow.WatchedDelivery, *workflow.ListCursor, error)
	// ResendDelivery sends again a delivery that failed for good (clerks);
	// false when it was not failed (a second click).
	ResendDelivery(ctx context.Context, actor *workflow.User, docID, id string, seen time.Time) (bool, error)
	// DealDelivery marks a delivery failed for good or refused dealt with
	// (clerks); false when there was nothing to mark (a second click, or
	// sent again since the page was drawn).
	DealDelivery(ctx context.Context, actor *workflow.User, docID, id string, seen time.Time) (bool, error)
	Comment(ctx context.Context, actor *workflow.User, id, text string) error
	NextNotation(ctx context.Context, actor *workflow.User, id string) (int, string, error)
	VerifyAuditFor(ctx context.Context, actor *workflow.User) (workflow.AuditReport, error)
}

// Archive is the district repository (archive.Service).
type Archive interface {
	// Search finds a page of records for q (no count: the CSV export
	// walks every page).
	Search(ctx context.Context, actor *workflow.User, q archive.Query) ([]*archive.Record, string, error)
	// SearchCount finds records for q, with the count of what it finds
	// on all its pages, both read in one snapshot.
	SearchCount(ctx context.Context, actor *workflow.User, q archive.Query) ([]*archive.Record, string, int, error)
	Get(ctx context.Context, actor *workflow.User, docID string) (*archive.Record, error)
	Open(ctx context.Context, actor *workflow.User, docID, name string) (io.ReadCloser, *archive.Record, archive.Object, error)
	// Stat is Open without the content (a HEAD): the object and the type
	// it was stored with.
	Stat(ctx context.Context, actor *workflow.User, docID, name string) (*archive.Record, archive.Object, string, error)
	Parts(ctx context.Context, rec *archive.Record) ([]archive.Object, error)
	SetLegalHold(ctx context.Context, actor *workflow.User, docID string, on bool, comment string) (*archive.Record, error)
	WritePackage(ctx context.Context, actor *workflow.User, docID string, w io.Writer) error
	CheckEvidence(ctx context.Context, actor *workflow.User, docID string) (*archive.EvidenceReport, error)
}

// Exchange is the interagency exchange (exchange.Service).
type Exchange interface {
	RegisterAgency(ctx context.Context, actor *workflow.User, a exchange.Agency) (*exchange.Agency, error)
	Agencies(ctx context.Context, actor *workflow.User) ([]*exchange.Agency, error)
	Recipients(ctx context.Context, actor *workflow.User) ([]workflow.Org, error)
	Deliveries(ctx context.Context, actor *workflow.User, docID string) ([]exchange.DeliveryReport, error)
	Queue(ctx context.Context, actor *workflow.User, limit int) (*exchange.QueueState, error)
}

// Accounts is the user and session service (auth.Service).
type Accounts interface {
	// LoginFrom logs in from client address addr (throttled: ETOOMANY).
	LoginFrom(ctx context.Context, addr, username, password string) (string, *workflow.Session, *workflow.User, error)
	Authenticate(ctx context.Context, token string) (*workflow.User, error)
	Logout(ctx context.Context, token string) error
	// ChangePasswordFrom is the logged-in user's own change (the current
	// password checked and throttled as a login; the other sessions end).
	ChangePasswordFrom(ctx context.Context, addr string, actor *workflow.User, token, current, newPW string) (*workflow.User, error)
	// ConfirmPasswordFrom checks the logged-in user's password typed
	// again (to sign: during "sign"), throttled and audited as a login.
	ConfirmPasswordFrom(ctx context.Context, addr string, actor *workflow.User, password, during string) error
	// RememberSignConfirm records that the session of token confirmed a
	// signature with its password at at, with the session in the
	// database (stored false: its repository keeps none, and the
	// confirmation then asks every time); SignConfirmed reads it back
	// (zero: none, forgotten by a lockout or a password change).
	RememberSignConfirm(ctx context.Context, token string, at time.Time) (stored bool, err error)
	SignConfirmed(ctx context.Context, token string, u *workflow.User) (at time.Time, stored bool, err error)
	// CreateUserInitial creates a user; a password left empty is
	// generated and returned (initial), to be shown this once.
	CreateUserInitial(ctx context.Context, actor *workflow.User, in auth.NewUser) (u *workflow.User, initial string, err error)
	UpdateUser(ctx context.Context, actor *workflow.User, id string, fn func(*workflow.User) error) (*workflow.User, error)
	SetPassword(ctx context.Context, actor *workflow.User, id, password string) (*workflow.User, error)
}

// KeyAdmin sets officials' signing keys and signature images, with the
// same checks as the API (signing.Officials implements it; the API calls
// the same service).
type KeyAdmin interface {
	SetSigningKey(ctx context.Context, actor *workflow.User, id, keyURI, certPEM string) (*workflow.User, error)
	SetSignatureImage(ctx context.Context, actor *workflow.User, id string, png []byte) (*workflow.User, error)
}

// Directory reads users.
type Directory interface {
	User(ctx context.Context, id string) (*workflow.User, error)
	Users(ctx context.Context) ([]*workflow.User, error)
}

// Config is what the interface needs. Docs, Accounts and Directory are
// required; the optional services left nil hide the pages that need them.
type Config struct {
	Docs      Documents
	Accounts  Accounts
	Directory Directory
	// Mail keeps users' e-mail addresses and notification choice; nil =
	// none (the account page and the admin's forms then show no address).
	Mail workflow.MailSettingsStore
	// Outbox shows the notifications' outbox to the admins (Thư thông
	// báo); nil hides the page.
	Outbox MailOutbox
	// Agency is this agency (shown in the header).
	Agency workflow.Agency
	// MaxUpload is the largest file accepted, in bytes (default 50 MiB).
	MaxUpload int64
	// PreviewMemory bounds the address space of the pdftoppm of one page
	// preview, in bytes (default 1 GiB; see renderPage).
	PreviewMemory int64
	// PreviewCacheDir is where the files of page previews are kept
	// between requests (pdfcache.go), in a directory of this process's
	// own; "" = vanthu-previews in the system's temporary directory.
	PreviewCacheDir string
	// PreviewCache bounds, in bytes, the files kept there that no render
	// is reading (default 512 MiB; negative: none beyond those in use).
	PreviewCache int64
	Logger       *slog.Logger
	Now          func() time.Time
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (login throttling); empty = the TCP peer.
	TrustedProxies []netip.Prefix

	// Verify validates a PDF's signatures (the signing service); nil: no
	// signature reports.
	Verify func(ctx context.Context, pdf []byte) (workflow.Verification, error)
	// Hold takes n bytes of the memory budget of PDF checks in flight
	// (signing.Intake.Hold) while a verification holds a file of n bytes,
	// waiting until ctx is done (EUNAVAILABLE); nil: no bound.
	Hold func(ctx context.Context, n int64) (release func(), err error)
	// Archive is the district repository; nil hides the archive pages.
	Archive Archive
	// Exchange is the interagency exchange; nil hides connected agencies
	// and deliveries.
	Exchange Exchange
	// Keys sets signing keys and signature images; nil hides those forms.
	Keys KeyAdmin
	// Codes looks up public verification codes; nil: /verify/{code} is
	// not found.
	Codes CodeVerifier
	// Reform computes the reform report; nil hides it.
	Reform ReformReporter
	// PKI revokes the development PKI's certificates; nil (configured
	// keys, whose CA runs its own) hides the page.
	PKI *PKIAdmin
	// Refresh paces the deliveries of a sent document refreshing
	// themselves (app.js); zero fields take the defaults.
	Refresh Refresh
	// RegisterPage is the number of lines of a page of a register
	// (default 100).
	RegisterPage int
	// SignConfirmTTL is how long a right password typed at the
	// confirmation of Ký số or Phát hành spares the session's next ones
	// (signer.go); zero or less: asked every time.
	SignConfirmTTL time.Duration
}

// Refresh is how often a sent document's page refreshes its deliveries:
// every Pending (default 4 s) while one is pending; then, while a
// recipient may still report a status (03 to 06, an answer to a
// revocation), after Slow (default 30 s), doubled after each refresh that
// changed nothing, up to SlowMax (default 5 min).
type Refresh struct {
	Pending, Slow, SlowMax time.Duration
}

// UI is the web interface; it implements http.Handler.
type UI struct {
	cfg   Config
	log   *slog.Logger
	mux   *http.ServeMux
	pages *pages
	// verifyLimit: 20 checks a minute per client address on the public
	// verification pages.
	verifyLimit *ratelimit.Limiter
	// watchPage is the number of rows per page of Theo dõi gửi liên
	// thông (0: listPageSize; its paging test sets a small one).
	watchPage int
	// previewTurns: how many page previews are rendered at once.
	previewTurns chan struct{}
	// pdfs are the files of page previews, spooled once (pdfcache.go).
	pdfs *pdfCache
}

// New builds the interface and its routes.
func New(cfg Config) (*UI, error) {
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 50 << 20
	}
	if cfg.PreviewMemory <= 0 {
		cfg.PreviewMemory = 1 << 30
	}
	if cfg.PreviewCache == 0 {
		cfg.PreviewCache = 512 << 20
	}
	cfg.PreviewCacheDir = cmp.Or(cfg.PreviewCacheDir, filepath.Join(os.TempDir(), "vanthu-previews"))
	cfg.Refresh.Pending = cmp.Or(cfg.Refresh.Pending, 4*time.Second)
	cfg.Refresh.Slow = cmp.Or(cfg.Refresh.Slow, 30*time.Second)
	cfg.Refresh.SlowMax = max(cmp.Or(cfg.Refresh.SlowMax, 5*time.Minute), cfg.Refresh.Slow)
	u := &UI{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), previewTurns: make(chan struct{}, 2),
		pdfs: newPDFCache(cfg.PreviewCacheDir, cfg.PreviewCache)}
	u.verifyLimit = ratelimit.New(20, time.Minute).WithClock(u.now)
	if u.log == nil {
		u.log = slog.New(slog.DiscardHandler)
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	u.pages = p
	static, _ := fs.Sub(staticFS, "static")
	u.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	u.mux.HandleFunc("GET /login", u.handleLoginForm)
	u.mux.HandleFunc("POST /login", u.handleLogin)
	u.mux.Handle("POST /logout", u.auth(u.handleLogout))
	u.mux.Handle("GET /{$}", u.auth(u.handleInbox))
	// The pages, each registered by a method in its own file.
	for _, r := range []func(*http.ServeMux){u.listRoutes, u.createRoutes, u.documentRoutes, u.layoutRoutes, u.reviseRoutes,
		u.registerRoutes, u.archiveRoutes, u.reformRoutes, u.verifyRoutes, u.adminRoutes, u.mailRoutes, u.passwordRoutes,
		u.copyRoutes, u.signBatchRoutes, u.sentWatchRoutes} {
		r(u.mux)
	}
	// Anything else: OPTIONS (204) and a method a page does not take
	// (405), both with Allow, or the Vietnamese 404 page (methods.go).
	u.mux.HandleFunc(notFoundPattern, u.handleUnrouted)
	return u, nil
}

func (u *UI) now() time.Time {
	if u.cfg.Now != nil {
		return u.cfg.Now()
	}
	return time.Now()
}

// ServeHTTP implements http.Handler: security headers, panic recovery,
// then the page.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header(), r)
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			u.log.ErrorContext(r.Context(), "panic in page", "path", r.URL.Path, "panic", p)
			u.renderError(w, r, nil, workflow.Errorf(workflow.EINTERNAL, "panic"))
		}
	}()
	u.mux.ServeHTTP(w, r)
}

// Mount returns one handler for the API and the interface: the API's
// paths (/api/, /healthz, /readyz, /metrics, the development PKI's /pki/)
// go to api, every other path to ui.
func Mount(api http.Handler, ui *UI) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/api/") || p == "/api" || p == "/healthz" || p == "/readyz" || p == "/metrics" || strings.HasPrefix(p, "/pki/") {
			api.ServeHTTP(w, r)
			return
		}
		ui.ServeHTTP(w, r)
	})
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
