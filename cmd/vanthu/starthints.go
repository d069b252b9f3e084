package main

// The errors of a start that cannot go on (a database, an object store or
// the agency key that will not open) name the setting to fix and what it
// was expected to be: the operator reads them once, on a new server, with
// nothing else to go by.

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	s3 "github.com/minio/minio-go/v7"

	"github.com/vanthu/vanthu/workflow"
)

// redactDSN is VANTHU_DATABASE_URL as it may be shown: its password (in
// the user part or a password= parameter) replaced by xxxxx.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// dbOpenError is the error of a database that did not open: on PostgreSQL
// it names VANTHU_DATABASE_URL (password hidden) and, for the usual
// causes, what to check.
func dbOpenError(cfg *Config, err error) error {
	if cfg.DatabaseURL == "" {
		return fmt.Errorf("open database: %w", err)
	}
	return fmt.Errorf("open database VANTHU_DATABASE_URL=%s: %w%s", redactDSN(cfg.DatabaseURL), err, dbHint(cfg, err))
}

func dbHint(cfg *Config, err error) string {
	var pg *pgconn.PgError
	var op *net.OpError
	var connect *pgconn.ConnectError
	var unknownCA x509.UnknownAuthorityError
	var host x509.HostnameError
	switch {
	case errors.As(err, &pg) && pg.Code == "3D000":
		return " — the database named in VANTHU_DATABASE_URL does not exist: create it first (createdb NAME; an empty one, vanthu creates its tables)"
	case errors.As(err, &pg) && (pg.Code == "28P01" || pg.Code == "28000"):
		return " — check the user and password in VANTHU_DATABASE_URL (and the server's pg_hba.conf for this host)"
	case errors.As(err, &unknownCA) || errors.As(err, &host):
		return " — the server's TLS certificate is not trusted for this host: sslrootcert=CA.pem in VANTHU_DATABASE_URL, and its host as the certificate names it"
	case errors.As(err, &op):
		return " — check the host and port of VANTHU_DATABASE_URL, and that PostgreSQL runs there and accepts this host"
	case errors.As(err, &connect) && !errors.As(err, &pg) && dsnWantsTLS(cfg.DatabaseURL):
		return " — the URL's sslmode asks for TLS: if the server offers none, turn TLS on at the server, or (same host or a trusted network only) sslmode=disable in VANTHU_DATABASE_URL"
	}
	return ""
}

// dsnWantsTLS reports whether the URL's sslmode requires TLS.
func dsnWantsTLS(dsn string) bool {
	u, err := url.Parse(dsn)
	if err != nil {
		return false
	}
	switch u.Query().Get("sslmode") {
	case "require", "verify-ca", "verify-full":
		return true
	}
	return false
}

// s3OpenError is the error of a bucket that did not open, naming the
// settings behind it (bucketEnv: VANTHU_S3_WORK_BUCKET or
// VANTHU_S3_ARCHIVE_BUCKET) and, for the usual causes, what to check.
func s3OpenError(cfg *Config, bucketEnv, bucket string, err error) error {
	return fmt.Errorf("open %s=%q on VANTHU_S3_ENDPOINT=%s: %w%s", bucketEnv, bucket, cfg.S3Endpoint, err, s3Hint(cfg, bucketEnv, err))
}

func s3Hint(cfg *Config, bucketEnv string, err error) string {
	var er s3.ErrorResponse
	var op *net.OpError
	var ue *url.Error
	switch {
	case strings.Contains(cfg.S3Endpoint, "://"):
		return " — VANTHU_S3_ENDPOINT is host:port, without a scheme (HTTPS: VANTHU_S3_USE_TLS=true)"
	case errors.As(err, &er) && (er.Code == "SignatureDoesNotMatch" || er.Code == "InvalidAccessKeyId" || er.Code == "AccessDenied"):
		return " — check VANTHU_S3_ACCESS_KEY and VANTHU_S3_SECRET_KEY: a user of this server allowed to create and use the bucket"
	case errors.Is(err, http.ErrSchemeMismatch):
		return " — VANTHU_S3_USE_TLS=true but the server answers plain HTTP: set VANTHU_S3_USE_TLS=false, or turn TLS on at the server"
	case errors.As(err, &op):
		return " — check VANTHU_S3_ENDPOINT (host:port of MinIO or S3, no scheme) and that the server runs there"
	case errors.As(err, &ue) && !cfg.S3UseTLS && !errors.As(err, &er):
		return " — if the server speaks HTTPS, set VANTHU_S3_USE_TLS=true"
	case bucketEnv == "VANTHU_S3_ARCHIVE_BUCKET" && workflow.ErrorCode(err) == workflow.EINVALID && !errors.As(err, &er):
		return " — the archive needs a bucket with object lock: name a new bucket in VANTHU_S3_ARCHIVE_BUCKET (vanthu creates it with object lock)"
	}
	return ""
}

// agencyKeyHint is what to check when VANTHU_AGENCY_KEY did not load.
func agencyKeyHint(cfg *Config, err error) string {
	pkcs11 := strings.HasPrefix(cfg.AgencyKey, "pkcs11:")
	switch code := workflow.ErrorCode(err); {
	case code == workflow.EUNAUTHORIZED && pkcs11:
		return " — check VANTHU_PKCS11_PIN (the token's user PIN), or the URI's pin-env=/pin-source="
	case code == workflow.EUNAUTHORIZED:
		return " — check VANTHU_KEY_PASSWORD (the password of the .p12 file)"
	case code == workflow.ENOTFOUND && pkcs11:
		return " — token= of VANTHU_AGENCY_KEY must be the label of a token of VANTHU_PKCS11_MODULE (pkcs11-tool --module MODULE --list-slots) and object= (or id=) a key pair on it (add --login --list-objects)"
	case code == workflow.EINVALID && cfg.AgencyCert == "":
		return " — without VANTHU_AGENCY_CERT the certificate must come with the key (in the .p12, or on the token under the key's id or label): set VANTHU_AGENCY_CERT to the key's certificate followed by its CA's (PEM)"
	case code == workflow.EINVALID:
		return " — VANTHU_AGENCY_CERT (" + cfg.AgencyCert + ") must hold this key's certificate, followed by its CA's (PEM)"
	}
	return ""
}

// checkPublicURL checks VANTHU_PUBLIC_URL: empty, or an absolute http(s)
// URL with a host. Without its scheme the links it makes (the verification
// line printed on every issued document, the e-mails' links, the
// development PKI's OCSP, CRL and CA URLs) are not links, and the
// certificates' URLs cannot be fetched.
func checkPublicURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("VANTHU_PUBLIC_URL=%q must be the server's public base URL with its scheme, like https://vanthu.example.gov.vn", v)
	}
	return nil
}
