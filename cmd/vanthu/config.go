package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/internal/httpserver"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/workflow"
)

// Config is everything vanthu serve needs. Defaults, then environment
// (VANTHU_*), then flags.
type Config struct {
	Addr          string
	DataDir       string
	DatabaseURL   string
	AdminPassword string
	MaxUploadMB   int
	OrgID         string
	OrgName       string
	OrgAbbr       string
	OrgPlace      string
	LogLevel      string
	// logLevelGiven: --log-level was on the command line; verbose: -v.
	// Commands other than serve read them (cliLogLevel).
	logLevelGiven bool
	verbose       bool
	Env           string // development or production
	PublicURL     string // base URL of the citizens' verification page
	listenURL     string // http://ADDR serve listens on (set by serve, not configurable)
	exchangeBound string // host:port the exchange listener bound (set by serve, not configurable)

	// InspectBudgetMB is the memory the PDF checks of uploads in flight
	// that are not files may hold, all together (signing.Intake).
	InspectBudgetMB int

	// Signing (docs/signing.md).
	AgencyKey    string
	DevPKISecret string // seals the development PKI at rest
	AgencyCert   string
	AgencySeal   string
	TrustAnchors string
	TSAURL       string
	LTV          bool // PAdES B-LT/B-LTA after layer 2
	RevOnline    bool // fetch OCSP/CRL online
	// Where officials' keys may live: comma-separated lists.
	KeyDirs      string
	PKCS11Module string
	PKCS11Tokens string

	// Object storage.
	S3Endpoint      string
	S3AccessKey     string
	S3SecretKey     string
	S3UseTLS        bool
	S3WorkBucket    string
	S3ArchiveBucket string
	// S3CacheMB bounds the cache of work blobs in memory (minio.Config.CacheBytes).
	S3CacheMB int
	// PreviewCacheMB bounds the disk cache of the files of page previews
	// (web.Config.PreviewCache).
	PreviewCacheMB int
	// Timeouts of PostgreSQL and S3 (Go durations; "" = the defaults).
	DBConnectTimeout string
	DBTimeout        string
	S3ConnectTimeout string
	S3Timeout        string

	// Archive (docs/archive.md).
	RetentionDefaults string
	FixityInterval    string
	EvidenceInterval  string // how often serve renews archive time-stamps (evidence renewal)
	AnchorInterval    string // how often serve anchors the audit chain in the archive store
	EvidenceRenew     string // renew this long before the newest time-stamp's certificate expires (1y, 18m, 90d)
	BlobGCInterval    string // how often serve collects unreferenced work blobs
	BlobGCGrace       string // the age below which no unreferenced blob is collected
	// FilesInspectAfter: how long after it starts serve inspects, once,
	// the incoming documents' files stored before their inspection was
	// recorded (vanthu files inspect).
	FilesInspectAfter string

	// E-mail notifications (notify; empty SMTPURL = off).
	SMTPURL        string
	MailFrom       string
	MailInterval   string // how often serve derives and sends the mail owed
	MailRetryAfter string // the wait after a first failed send, doubled after each
	MailKeepSent   string // how long a sent mail stays in the outbox (90d; 0 = for ever)
	ReminderTime   string // when serve queues the day's deadline reminders ("07:30" Vietnam time; "off")
	ReminderWait   string // how long an outgoing document waits on a user before their reminder lists it (2d; 0 = never)

	// Interagency exchange (docs/exchange.md).
	ExchangeAddr string
	ExchangeCert string
	ExchangeKey  string
	ExchangeCA   string
	ExchangeURL  string
	// Worker timings (Go durations; "" = the worker's defaults).
	ExchangePoll      string
	ExchangeRetryBase string
	ExchangeRetryMax  string
	ExchangeLease     string
	ReservationTTL    string
	IdempotencyLease  string
	Heartbeat         string
	InstanceStale     string

	// SignConfirmTTL: how long a password typed to sign in the web
	// spares the session's next ones (web.Config.SignConfirmTTL).
	SignConfirmTTL string
	// SignConfirmAPI: "password" makes sign and issue through the API
	// take the user's password too (api.Server.SignPassword); "off".
	SignConfirmAPI string

	// Abuse limits.
	TrustedProxies string
	HTTPTimeout    string
	HTTPMaxTime    string
	MetricsAddr    string
	PprofAddr      string // net/http/pprof listener
	MetricsToken   string

	// SignConcurrency bounds signatures at once (0 = defaultSignConcurrency).
	SignConcurrency int
	// SignNice lowers the CPU priority of signing threads (0 = not).
	SignNice int
	// SignIsolation is where serve signs: "process" (worker processes)
	// or "thread" (a thread of the server's own).
	SignIsolation string
}

// setting is one configuration variable: its env name, flag name, default
// and documentation. The README's configuration table is checked against
// this list by a test.
type setting struct {
	env, flag, def, doc string
	str                 *string
	num                 *int
	boolean             *bool
}

func (c *Config) settings() []setting {
	return []setting{
		{env: "VANTHU_ADDR", flag: "addr", def: "127.0.0.1:8080", doc: "HTTP listen address (host:port; port 0 picks a free one)", str: &c.Addr},
		{env: "VANTHU_DATA_DIR", flag: "data-dir", def: "./data", doc: "data directory: SQLite file, local object store, development PKI, generated admin password", str: &c.DataDir},
		{env: "VANTHU_DATABASE_URL", flag: "database-url", def: "", doc: "empty = SQLite file in the data dir; postgres://user:pass@host:port/db = PostgreSQL; postgres://user@/db?host=/run/postgresql = over the Unix socket", str: &c.DatabaseURL},
		{env: "VANTHU_ADMIN_PASSWORD", flag: "admin-password", def: "", doc: "password of the first admin, created on first start with no users; empty = generated, printed once and written 0600 to DATA_DIR/admin-password.txt", str: &c.AdminPassword},
		{env: "VANTHU_MAX_UPLOAD_MB", flag: "max-upload-mb", def: "50", doc: "largest accepted upload per file, MiB (larger: 413)", num: &c.MaxUploadMB},
		{env: "VANTHU_INSPECT_BUDGET_MB", flag: "inspect-budget-mb", def: "128", doc: "memory the PDF checks of uploads in flight that are not files (exchange attachments, small forms) may hold together, MiB; a check waits for its share, an upload larger than it waits until it is alone", num: &c.InspectBudgetMB},
		{env: "VANTHU_ORG_ID", flag: "org-id", def: "000.00.12.H13", doc: "this agency's organisation code", str: &c.OrgID},
		{env: "VANTHU_ORG_NAME", flag: "org-name", def: "UBND quận Bình Thủy", doc: "this agency's name", str: &c.OrgName},
		{env: "VANTHU_ORG_ABBR", flag: "org-abbr", def: "UBND", doc: "this agency's abbreviation in notations (15/QĐ-UBND)", str: &c.OrgAbbr},
		{env: "VANTHU_ORG_PLACE", flag: "org-place", def: "Bình Thủy", doc: "place name of the date line (Bình Thủy, ngày 25 tháng 11 năm 2026)", str: &c.OrgPlace},
		{env: "VANTHU_PUBLIC_URL", flag: "public-url", def: "", doc: "public base URL (https://vanthu.example.gov.vn); set = every issued document carries a verification code and PUBLIC_URL/verify/CODE; also the base of the development PKI's OCSP/CRL/CA URLs in its certificates (unset = the address serve listens on)", str: &c.PublicURL},
		{env: "VANTHU_ENV", flag: "env", def: "development", doc: "development or production; production refuses to start without VANTHU_AGENCY_KEY and VANTHU_TRUST_ANCHORS (and, with the exchange on, VANTHU_EXCHANGE_CERT and VANTHU_EXCHANGE_KEY) and never uses the development PKI", str: &c.Env},
		{env: "VANTHU_LOG_LEVEL", flag: "log-level", def: "info", doc: "debug, info, warn or error", str: &c.LogLevel},
		{env: "VANTHU_DEV_PKI_SECRET", flag: "dev-pki-secret", def: "", doc: "development PKI only: secret from which the key sealing its private keys at rest is derived (AES-256-GCM); empty = stored in clear", str: &c.DevPKISecret},
		{env: "VANTHU_AGENCY_KEY", flag: "agency-key", def: "", doc: "agency signing key URI (file:path.p12, file:key.pem, pkcs11:token=..;object=..); empty = development PKI", str: &c.AgencyKey},
		{env: "VANTHU_AGENCY_CERT", flag: "agency-cert", def: "", doc: "PEM certificate chain of the agency key", str: &c.AgencyCert},
		{env: "VANTHU_AGENCY_SEAL", flag: "agency-seal", def: "", doc: "PNG of the agency seal (red, transparent); empty = a generated seal", str: &c.AgencySeal},
		{env: "VANTHU_TRUST_ANCHORS", flag: "trust-anchors", def: "", doc: "PEM bundle of CAs trusted when verifying signatures; empty = the development root", str: &c.TrustAnchors},
		{env: "VANTHU_KEY_DIRS", flag: "key-dirs", def: "", doc: "comma-separated directories under which officials' file: keys may live (symlinks resolved; never inside VANTHU_DATA_DIR); empty = no file: keys through the API", str: &c.KeyDirs},
		{env: "VANTHU_PKCS11_MODULE", flag: "pkcs11-module", def: "", doc: "the only PKCS#11 module (.so) officials' pkcs11: keys use; the API refuses module-path; empty = no pkcs11: keys through the API", str: &c.PKCS11Module},
		{env: "VANTHU_PKCS11_TOKENS", flag: "pkcs11-tokens", def: "", doc: "comma-separated token labels officials' pkcs11: keys may be on (token=LABEL)", str: &c.PKCS11Tokens},
		{env: "VANTHU_TSA_URL", flag: "tsa-url", def: "", doc: "RFC 3161 time-stamp authority (PAdES B-T); empty = the development PKI's built-in TSA while the development PKI is in use, else no time-stamp (B-B)", str: &c.TSAURL},
		{env: "VANTHU_LTV", flag: "ltv", def: "true", doc: "after layer 2, append the validation data (/DSS: certificates, OCSP responses or CRLs) and, with a TSA, a document time-stamp: PAdES B-LT, B-LTA", boolean: &c.LTV},
		{env: "VANTHU_REVOCATION_ONLINE", flag: "revocation-online", def: "true", doc: "fetch OCSP (else CRL) from the URLs certificates name (5 s per request), for the /DSS and when verifying a signature whose status the document does not embed; false = offline (such a signature is indeterminate)", boolean: &c.RevOnline},
		{env: "VANTHU_S3_ENDPOINT", flag: "s3-endpoint", def: "", doc: "MinIO/S3 host:port; empty = local object folder in the data dir", str: &c.S3Endpoint},
		{env: "VANTHU_S3_ACCESS_KEY", flag: "s3-access-key", def: "", doc: "S3 access key", str: &c.S3AccessKey},
		{env: "VANTHU_S3_SECRET_KEY", flag: "s3-secret-key", def: "", doc: "S3 secret key", str: &c.S3SecretKey},
		{env: "VANTHU_S3_USE_TLS", flag: "s3-use-tls", def: "false", doc: "use HTTPS to reach S3", boolean: &c.S3UseTLS},
		{env: "VANTHU_S3_WORK_BUCKET", flag: "s3-work-bucket", def: "vanthu-work", doc: "bucket of working files", str: &c.S3WorkBucket},
		{env: "VANTHU_S3_ARCHIVE_BUCKET", flag: "s3-archive-bucket", def: "vanthu-archive", doc: "bucket of archived records (object lock)", str: &c.S3ArchiveBucket},
		{env: "VANTHU_S3_CACHE_MB", flag: "s3-cache-mb", def: "64", doc: "S3: memory, MiB, of the cache of recently written or read working files (content-addressed, checked against their SHA-256), from which reads need no request; 0 = none", num: &c.S3CacheMB},
		{env: "VANTHU_PREVIEW_CACHE_MB", flag: "preview-cache-mb", def: "512", doc: "disk, MiB, of the copies of documents' files kept in DATA_DIR/preview-cache for their page images (content-addressed by SHA-256, least recently used removed first, emptied at start), so that reading a long document copies its file out of the store once, not once per page; 0 = kept only while a page is rendered", num: &c.PreviewCacheMB},
		{env: "VANTHU_RETENTION_DEFAULTS", flag: "retention-defaults", def: "QĐ=permanent,NQ=permanent,QC=permanent,QyĐ=permanent,*=10y", doc: "retention class per document type when a document names none (TYPE=5y|10y|20y|permanent, * = any other)", str: &c.RetentionDefaults},
		{env: "VANTHU_FIXITY_INTERVAL", flag: "fixity-interval", def: "24h", doc: "how often serve re-verifies every archived object (Go duration; 0 = never)", str: &c.FixityInterval},
		{env: "VANTHU_AUDIT_ANCHOR_INTERVAL", flag: "audit-anchor-interval", def: "10m", doc: "how often serve writes a signed checkpoint of the audit chain into the archive store when the chain grew (Go duration; 0 = never)", str: &c.AnchorInterval},
		{env: "VANTHU_EVIDENCE_INTERVAL", flag: "evidence-interval", def: "24h", doc: "how often serve adds archive time-stamps to the records that are due (Go duration; 0 = never)", str: &c.EvidenceInterval},
		{env: "VANTHU_BLOB_GC_INTERVAL", flag: "blob-gc-interval", def: "24h", doc: "how often serve deletes the work store's unreferenced blobs older than VANTHU_BLOB_GC_GRACE (Go duration; 0 = never)", str: &c.BlobGCInterval},
		{env: "VANTHU_BLOB_GC_GRACE", flag: "blob-gc-grace", def: "24h", doc: "unreferenced blobs younger than this are never collected (uploads in flight); longer than VANTHU_HTTP_MAX_DURATION", str: &c.BlobGCGrace},
		{env: "VANTHU_FILES_INSPECT_AFTER", flag: "files-inspect-after", def: "1m", doc: "how long after it starts serve inspects, once, the incoming documents' files stored before what they carry that acts when opened was recorded, as vanthu files inspect does (one instance at a time, lease files-inspect) (Go duration; 0 = never)", str: &c.FilesInspectAfter},
		{env: "VANTHU_SMTP_URL", flag: "smtp-url", def: "", doc: "SMTP server of the e-mail notifications: smtp://user:pass@host:port (STARTTLS when offered) or smtps://... (implicit TLS); empty = no notifications", str: &c.SMTPURL},
		{env: "VANTHU_MAIL_FROM", flag: "mail-from", def: "", doc: "From address of the notifications (required with VANTHU_SMTP_URL)", str: &c.MailFrom},
		{env: "VANTHU_MAIL_INTERVAL", flag: "mail-interval", def: "10s", doc: "how often serve derives the notifications owed from the audit trail and sends them (Go duration)", str: &c.MailInterval},
		{env: "VANTHU_MAIL_RETRY", flag: "mail-retry", def: "30s", doc: "wait after a notification's first failed send, doubled after each further one, at most 1h (Go duration)", str: &c.MailRetryAfter},
		{env: "VANTHU_MAIL_KEEP_SENT", flag: "mail-keep-sent", def: "90d", doc: "how long a sent notification stays in the outbox before it is deleted (90d, 1y; at least 7d; 0 = for ever)", str: &c.MailKeepSent},
		{env: "VANTHU_REMINDER_TIME", flag: "reminder-time", def: "07:30", doc: "time of day (Vietnam, HH:MM) from which serve mails each handler the incoming documents assigned to them due today or tomorrow or overdue, and whoever assigned documents now overdue a summary, once a day (with VANTHU_SMTP_URL); off = never", str: &c.ReminderTime},
		{env: "VANTHU_REMINDER_WAIT", flag: "reminder-wait", def: "2d", doc: "how long an outgoing document waits on a user (to review or sign for its signer, to issue for the clerks) before that user's daily reminder lists it (2d, 36h; 0 = never)", str: &c.ReminderWait},
		{env: "VANTHU_EVIDENCE_RENEW_BEFORE", flag: "evidence-renew-before", def: "1y", doc: "renew a record's archive time-stamp this long before its TSA certificate expires (1y, 18m, 90d)", str: &c.EvidenceRenew},
		{env: "VANTHU_EXCHANGE_ADDR", flag: "exchange-addr", def: "", doc: "mutual-TLS listener for connected agencies (e.g. 127.0.0.1:8443; port 0 picks a free one, then set VANTHU_EXCHANGE_URL for agency export); empty = exchange off", str: &c.ExchangeAddr},
		{env: "VANTHU_EXCHANGE_CERT", flag: "exchange-cert", def: "", doc: "this agency's TLS certificate chain (PEM), used as server and client; empty = from the development PKI", str: &c.ExchangeCert},
		{env: "VANTHU_EXCHANGE_KEY", flag: "exchange-key", def: "", doc: "the key of VANTHU_EXCHANGE_CERT (PEM)", str: &c.ExchangeKey},
		{env: "VANTHU_EXCHANGE_CA", flag: "exchange-ca", def: "", doc: "PEM of CAs whose client certificates may connect at all; empty = the registered agencies' certificates only", str: &c.ExchangeCA},
		{env: "VANTHU_EXCHANGE_POLL", flag: "exchange-poll", def: "2s", doc: "how often the delivery worker looks for due messages", str: &c.ExchangePoll},
		{env: "VANTHU_EXCHANGE_RETRY_BASE", flag: "exchange-retry-base", def: "30s", doc: "first retry delay of a failed delivery (doubles each time, with jitter)", str: &c.ExchangeRetryBase},
		{env: "VANTHU_EXCHANGE_RETRY_MAX", flag: "exchange-retry-max", def: "30m", doc: "longest retry delay of a delivery", str: &c.ExchangeRetryMax},
		{env: "VANTHU_SIGN_CONFIRM_TTL", flag: "sign-confirm-ttl", def: "5m", doc: "the web's Ký số and Phát hành ask for the user's password on their confirmation (checked and throttled as a login); a right one spares the same session's next ones for this long from the check (Go duration, at most 1h; 0 = asked every time); the API's as well with VANTHU_SIGN_CONFIRM_API=password", str: &c.SignConfirmTTL},
		{env: "VANTHU_SIGN_CONFIRM_API", flag: "sign-confirm-api", def: "off", doc: "password: sign and issue through the API need the user's current password in the X-Vanthu-Sign-Password header (checked and throttled as the web's confirmation; remembered with the session for VANTHU_SIGN_CONFIRM_TTL), else 403 sign_password_required; off: the bearer token alone signs", str: &c.SignConfirmAPI},
		{env: "VANTHU_TRUSTED_PROXIES", flag: "trusted-proxies", def: "", doc: "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For gives the client address (login throttling, logs); empty = the TCP peer is the client", str: &c.TrustedProxies},
		{env: "VANTHU_HTTP_TIMEOUT", flag: "http-timeout", def: "2m", doc: "a request whose body or answer makes no progress for this long (or whose handler works this long before answering) is cut; both listeners", str: &c.HTTPTimeout},
		{env: "VANTHU_HTTP_MAX_DURATION", flag: "http-max-duration", def: "1h", doc: "longest any request may last however it progresses (large uploads and downloads on slow links); both listeners", str: &c.HTTPMaxTime},
		{env: "VANTHU_PPROF_ADDR", flag: "pprof-addr", def: "", doc: "serve net/http/pprof (CPU profiles) on this address, e.g. 127.0.0.1:6060; never expose it; empty = off", str: &c.PprofAddr},
		{env: "VANTHU_METRICS_ADDR", flag: "metrics-addr", def: "", doc: "serve /metrics on this address only (e.g. 127.0.0.1:9090); empty = on the main listener", str: &c.MetricsAddr},
		{env: "VANTHU_METRICS_TOKEN", flag: "metrics-token", def: "", doc: "bearer token /metrics requires; empty = none", str: &c.MetricsToken},
		{env: "VANTHU_EXCHANGE_LEASE", flag: "exchange-lease", def: "5m", doc: "how long a delivery claimed by one instance is kept from the others (an instance killed while sending: another sends it after this); longer than a send may take", str: &c.ExchangeLease},
		{env: "VANTHU_RESERVATION_TTL", flag: "reservation-ttl", def: "10m", doc: "how long an issue may hold its reserved register number; a number held longer (its request died with its instance) is given back or voided by the next issue of the register, so a retried issue of that document waits at most this long", str: &c.ReservationTTL},
		{env: "VANTHU_IDEMPOTENCY_LEASE", flag: "idempotency-lease", def: "2m", doc: "how long a create in flight holds its Idempotency-Key (or the web form's one-time key); a retry under the key is refused (409 request_in_progress) until then, and takes it over after (its attempt died with its instance); longer than a create may take", str: &c.IdempotencyLease},
		{env: "VANTHU_HEARTBEAT", flag: "heartbeat", def: "5s", doc: "how often this instance renews its liveness row in the database (table instances)", str: &c.Heartbeat},
		{env: "VANTHU_INSTANCE_STALE", flag: "instance-stale", def: "15s", doc: "how long another instance's liveness row may go unrenewed before the register numbers and Idempotency-Keys it holds are taken over (it is known dead: killed, crashed, its host lost); at least twice VANTHU_HEARTBEAT; VANTHU_RESERVATION_TTL and VANTHU_IDEMPOTENCY_LEASE stay the bound for an instance alive but stuck", str: &c.InstanceStale},
		{env: "VANTHU_SIGN_CONCURRENCY", flag: "sign-concurrency", def: "0", doc: "most signatures (sign, issue, and the check at register) running at once; the others wait their turn holding no database lock; 0 = one per CPU when they run in lowered worker processes (VANTHU_SIGN_ISOLATION=process, VANTHU_SIGN_NICE above 0, Linux), where they take only the CPU the requests leave; otherwise one fewer than the CPUs (at least 1), so signatures leave a CPU to the other requests", num: &c.SignConcurrency},
		{env: "VANTHU_DB_CONNECT_TIMEOUT", flag: "db-connect-timeout", def: "5s", doc: "PostgreSQL: longest a new connection may take to set up (TCP, TLS, authentication), unless the URL sets connect_timeout", str: &c.DBConnectTimeout},
		{env: "VANTHU_DB_TIMEOUT", flag: "db-timeout", def: "10s", doc: "PostgreSQL: longest the server may stay silent while vanthu waits for it (an answer, the next rows, room to send); then the connection is dropped and the request answers 503 — a partitioned or hung server costs a request this long; it measures silence, not duration (schema migrations get 5m)", str: &c.DBTimeout},
		{env: "VANTHU_S3_CONNECT_TIMEOUT", flag: "s3-connect-timeout", def: "5s", doc: "S3: longest connecting to the server may take", str: &c.S3ConnectTimeout},
		{env: "VANTHU_S3_TIMEOUT", flag: "s3-timeout", def: "10s", doc: "S3: longest the server may stay silent while a request waits for it (sending, the answer, each read of a download); then the request answers 503; it measures silence, not duration: an upload or download that keeps moving is never cut", str: &c.S3Timeout},
		{env: "VANTHU_SIGN_NICE", flag: "sign-nice", def: "10", doc: "how much lower than the requests' the CPU priority of the signatures' work is (a nice value added on the signing worker processes or the signing thread, Linux): when the CPUs are busy the kernel serves requests first and signatures take the rest; 0 = the same priority", num: &c.SignNice},
		{env: "VANTHU_SIGN_ISOLATION", flag: "sign-isolation", def: "process", doc: "where serve makes signatures: process = in VANTHU_SIGN_CONCURRENCY worker processes (vanthu sign-worker, started and restarted by serve, lowered by VANTHU_SIGN_NICE as whole processes), so the server's scheduler and collector carry no signing work; a worker that dies or hangs (2 min) fails its request with 503 and is replaced at once; thread = in the server, on a thread lowered by VANTHU_SIGN_NICE", str: &c.SignIsolation},
		{env: "VANTHU_EXCHANGE_URL", flag: "exchange-url", def: "", doc: "the exchange endpoint peers should call (https://host:port), printed by vanthu agency export; empty = https://VANTHU_EXCHANGE_ADDR", str: &c.ExchangeURL},
	}
}

// LoadConfig reads defaults, then getenv, then flags from args.
func LoadConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (*Config, error) {
	c := &Config{}
	for _, s := range c.settings() {
		val := s.def
		if v := getenv(s.env); v != "" {
			val = v
		}
		switch {
		case s.str != nil:
			fs.StringVar(s.str, s.flag, val, s.doc+" ("+s.env+")")
		case s.num != nil:
			n, err := strconv.Atoi(val)
			if err != nil {
				return nil, fmt.Errorf("%s=%q is not a number", s.env, val)
			}
			fs.IntVar(s.num, s.flag, n, s.doc+" ("+s.env+")")
		case s.boolean != nil:
			b, err := strconv.ParseBool(val)
			if err != nil {
				return nil, fmt.Errorf("%s=%q is not true or false", s.env, val)
			}
			fs.BoolVar(s.boolean, s.flag, b, s.doc+" ("+s.env+")")
		}
	}
	fs.BoolVar(&c.verbose, "v", false, "commands other than serve: log at info on stderr (they log warnings and errors only unless -v or --log-level says otherwise)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) { c.logLevelGiven = c.logLevelGiven || f.Name == "log-level" })
	return c, c.validate()
}

// cliLogLevel is the log level of a command other than serve: warn, so
// that a script reads its output and its errors without the set-up's
// information lines (signing configured, schema up to date, ...); info
// with -v, or the level --log-level gives on its command line.
// VANTHU_LOG_LEVEL, serve's setting, which the commands share with it
// where they run with serve's environment, may make them quieter (error)
// but not chattier.
func (c *Config) cliLogLevel() string {
	switch {
	case c.logLevelGiven:
		return c.LogLevel
	case c.verbose:
		return "info"
	case parseLevel(c.LogLevel) > slog.LevelWarn:
		return c.LogLevel
	}
	return "warn"
}

// parseLevel reads a VANTHU_LOG_LEVEL value (info when it is none).
func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// maxInspectBudgetMB bounds VANTHU_INSPECT_BUDGET_MB (1 TiB): more is a
// typo, and its bytes must fit an int64.
const maxInspectBudgetMB = 1 << 20

func (c *Config) validate() error {
	if err := c.validateEnv(); err != nil {
		return err
	}
	if c.SignConcurrency < 0 {
		return fmt.Errorf("VANTHU_SIGN_CONCURRENCY must be 0 (the default for the CPUs) or more")
	}
	if c.SignIsolation != "process" && c.SignIsolation != "thread" {
		return fmt.Errorf("VANTHU_SIGN_ISOLATION must be process or thread, not %q", c.SignIsolation)
	}
	if c.SignNice < 0 || c.SignNice > 19 {
		return fmt.Errorf("VANTHU_SIGN_NICE must be from 0 (the requests' priority) to 19")
	}
	if c.MaxUploadMB < 1 {
		return fmt.Errorf("VANTHU_MAX_UPLOAD_MB must be at least 1")
	}
	if c.InspectBudgetMB < 1 || c.InspectBudgetMB > maxInspectBudgetMB {
		return fmt.Errorf("VANTHU_INSPECT_BUDGET_MB=%d must be from 1 to %d (MiB)", c.InspectBudgetMB, maxInspectBudgetMB)
	}
	if c.S3CacheMB < 0 || c.S3CacheMB > maxInspectBudgetMB {
		return fmt.Errorf("VANTHU_S3_CACHE_MB=%d must be from 0 to %d (MiB)", c.S3CacheMB, maxInspectBudgetMB)
	}
	if c.PreviewCacheMB < 0 || c.PreviewCacheMB > maxInspectBudgetMB {
		return fmt.Errorf("VANTHU_PREVIEW_CACHE_MB=%d must be from 0 to %d (MiB)", c.PreviewCacheMB, maxInspectBudgetMB)
	}
	if !workflow.ValidOrgID(c.OrgID) {
		return fmt.Errorf("VANTHU_ORG_ID %q is not an organisation code like 000.00.12.H13", c.OrgID)
	}
	if strings.TrimSpace(c.OrgName) == "" || strings.TrimSpace(c.OrgAbbr) == "" {
		return fmt.Errorf("VANTHU_ORG_NAME and VANTHU_ORG_ABBR must not be empty")
	}
	for _, d := range []struct{ env, v string }{{"VANTHU_EXCHANGE_POLL", c.ExchangePoll}, {"VANTHU_EXCHANGE_RETRY_BASE", c.ExchangeRetryBase},
		{"VANTHU_EXCHANGE_RETRY_MAX", c.ExchangeRetryMax}, {"VANTHU_FIXITY_INTERVAL", c.FixityInterval}, {"VANTHU_EXCHANGE_LEASE", c.ExchangeLease}, {"VANTHU_RESERVATION_TTL", c.ReservationTTL},
		{"VANTHU_IDEMPOTENCY_LEASE", c.IdempotencyLease}, {"VANTHU_HEARTBEAT", c.Heartbeat}, {"VANTHU_INSTANCE_STALE", c.InstanceStale},
		{"VANTHU_EVIDENCE_INTERVAL", c.EvidenceInterval}, {"VANTHU_AUDIT_ANCHOR_INTERVAL", c.AnchorInterval}, {"VANTHU_BLOB_GC_INTERVAL", c.BlobGCInterval}, {"VANTHU_BLOB_GC_GRACE", c.BlobGCGrace},
		{"VANTHU_FILES_INSPECT_AFTER", c.FilesInspectAfter}, {"VANTHU_MAIL_INTERVAL", c.MailInterval}, {"VANTHU_MAIL_RETRY", c.MailRetryAfter},
		{"VANTHU_HTTP_TIMEOUT", c.HTTPTimeout}, {"VANTHU_HTTP_MAX_DURATION", c.HTTPMaxTime},
		{"VANTHU_DB_CONNECT_TIMEOUT", c.DBConnectTimeout}, {"VANTHU_DB_TIMEOUT", c.DBTimeout},
		{"VANTHU_S3_CONNECT_TIMEOUT", c.S3ConnectTimeout}, {"VANTHU_S3_TIMEOUT", c.S3Timeout}, {"VANTHU_SIGN_CONFIRM_TTL", c.SignConfirmTTL}} {
		if d.v == "" {
			continue
		}
		if v, err := time.ParseDuration(d.v); err != nil || v < 0 {
			return fmt.Errorf("%s=%q is not a duration like 30s or 24h", d.env, d.v)
		}
	}
	if err := c.checkSignConfirm(); err != nil {
		return err
	}
	if _, _, err := reminderTime(c.ReminderTime); err != nil {
		return err
	}
	if _, err := reminderWait(c.ReminderWait, time.Now()); err != nil {
		return err
	}
	if _, err := parsePrefixes(c.TrustedProxies); err != nil {
		return fmt.Errorf("VANTHU_TRUSTED_PROXIES: %w", err)
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return fmt.Errorf("VANTHU_DATABASE_URL must be empty (SQLite) or postgres://...")
	}
	if err := checkPublicURL(c.PublicURL); err != nil {
		return err
	}
	_, _, err := c.liveness()
	return err
}

// liveness returns VANTHU_HEARTBEAT and VANTHU_INSTANCE_STALE: a beat
// above 0, and a stale time of two beats at least (one late beat does
// not make an instance dead).
func (c *Config) liveness() (beat, stale time.Duration, err error) {
	beat, err = time.ParseDuration(c.Heartbeat)
	if err != nil || beat <= 0 {
		return 0, 0, fmt.Errorf("VANTHU_HEARTBEAT=%q is not a duration above 0 like 5s", c.Heartbeat)
	}
	stale, err = time.ParseDuration(c.InstanceStale)
	if err != nil || stale < 2*beat {
		return 0, 0, fmt.Errorf("VANTHU_INSTANCE_STALE=%q must be a duration of at least twice VANTHU_HEARTBEAT (%s)", c.InstanceStale, beat)
	}
	return beat, stale, nil
}

func newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("vanthu", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parsePrefixes reads a comma-separated list of IP addresses and CIDR
// prefixes (VANTHU_TRUSTED_PROXIES).
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// dbTimeouts are PostgreSQL's timeouts (checked by validate; "" or 0 =
// gormdb's defaults).
func (c *Config) dbTimeouts() gormdb.Option {
	connect, _ := time.ParseDuration(c.DBConnectTimeout)
	silence, _ := time.ParseDuration(c.DBTimeout)
	return gormdb.WithTimeouts(connect, silence)
}

// s3Config is the connection part of an S3 store's configuration.
func (c *Config) s3Config(bucket string) minio.Config {
	dial, _ := time.ParseDuration(c.S3ConnectTimeout)
	silence, _ := time.ParseDuration(c.S3Timeout)
	return minio.Config{Endpoint: c.S3Endpoint, AccessKey: c.S3AccessKey, SecretKey: c.S3SecretKey,
		UseTLS: c.S3UseTLS, Bucket: bucket, DialTimeout: dial, Timeout: silence}
}

// httpTimeouts are the timeouts of both listeners (checked by validate;
// "" or 0 = httpserver's defaults).
func (c *Config) httpTimeouts() httpserver.Timeouts {
	stall, _ := time.ParseDuration(c.HTTPTimeout)
	maxd, _ := time.ParseDuration(c.HTTPMaxTime)
	return httpserver.Timeouts{Stall: stall, Max: maxd}
}

// previewCacheBytes is web.Config.PreviewCache of VANTHU_PREVIEW_CACHE_MB
// (0: negative, keep none beyond the files in use).
func previewCacheBytes(mb int) int64 {
	if mb == 0 {
		return -1
	}
	return int64(mb) << 20
}

// checkSignConfirm checks VANTHU_SIGN_CONFIRM_TTL (a duration, checked
// as one before) and VANTHU_SIGN_CONFIRM_API.
func (c *Config) checkSignConfirm() error {
	if v, _ := time.ParseDuration(c.SignConfirmTTL); v > time.Hour {
		return fmt.Errorf("VANTHU_SIGN_CONFIRM_TTL=%q: at most 1h (a password typed to sign is remembered a short while)", c.SignConfirmTTL)
	}
	if c.SignConfirmAPI != "off" && c.SignConfirmAPI != "password" {
		return fmt.Errorf("VANTHU_SIGN_CONFIRM_API=%q: off or password", c.SignConfirmAPI)
	}
	return nil
}
