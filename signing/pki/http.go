package pki

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/internal/httpstatus"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/workflow"
)

// Routes served by Handler, beside keys.OCSPPath, keys.CRLPath,
// keys.CACertPath and keys.TSAPath.
const TSACertPath = "/pki/tsa.crt" // the time-stamping certificate (DER)

// Handler serves the authority over HTTP, without authentication (relying
// parties anywhere must reach it):
//
//	GET  /pki/ca.crt            root certificate, DER (application/pkix-cert)
//	GET  /pki/crl               CRL, DER (application/pkix-crl)
//	POST /pki/ocsp              OCSP request body (application/ocsp-request)
//	GET  /pki/ocsp/{request}    the request base64 then URL-escaped (RFC 6960 A.1)
//	POST /pki/tsa               RFC 3161 query (application/timestamp-query)
//	GET  /pki/tsa.crt           time-stamping certificate, DER
//
// CRLs are made per request; an OCSP response is reused for OCSPReuse
// (a revocation stored through this authority shows at once, one stored
// elsewhere within OCSPReuse). Both are marked not to be cached by
// intermediaries. A store that is down answers 503 (OCSP: tryLater).
func (a *Authority) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+keys.CACertPath, func(w http.ResponseWriter, r *http.Request) {
		write(w, "application/pkix-cert", "public, max-age=3600", a.pki.Root().Raw)
	})
	mux.HandleFunc("GET "+TSACertPath, func(w http.ResponseWriter, r *http.Request) {
		k, err := a.pki.TSA()
		if err != nil {
			a.fail(w, r, "time-stamping certificate", err)
			return
		}
		write(w, "application/pkix-cert", "public, max-age=3600", k.Chain[0].Raw)
	})
	mux.HandleFunc("GET "+keys.CRLPath, func(w http.ResponseWriter, r *http.Request) {
		der, err := a.CRL(r.Context())
		if err != nil {
			a.fail(w, r, "CRL", err)
			return
		}
		write(w, "application/pkix-crl", "no-cache", der)
	})
	mux.HandleFunc("POST "+keys.OCSPPath, func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err != nil {
			write(w, "application/ocsp-response", "no-store", ocsp.MalformedRequestErrorResponse)
			return
		}
		a.serveOCSP(w, r, body)
	})
	mux.HandleFunc("GET "+keys.OCSPPath+"/", func(w http.ResponseWriter, r *http.Request) {
		raw := strings.TrimPrefix(r.URL.EscapedPath(), keys.OCSPPath+"/")
		s, err := url.PathUnescape(raw)
		if err != nil {
			write(w, "application/ocsp-response", "no-store", ocsp.MalformedRequestErrorResponse)
			return
		}
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			der, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
		}
		if err != nil {
			write(w, "application/ocsp-response", "no-store", ocsp.MalformedRequestErrorResponse)
			return
		}
		a.serveOCSP(w, r, der)
	})
	mux.HandleFunc("POST "+keys.TSAPath, func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/timestamp-query") {
			writeError(w, workflow.EUNSUPPORTEDMEDIA, "POST an RFC 3161 query as application/timestamp-query")
			return
		}
		body, err := readBody(w, r)
		if err != nil {
			writeError(w, workflow.EINVALID, "time-stamp query empty, too large or unreadable")
			return
		}
		resp, err := a.TimeStamp(r.Context(), body)
		if err != nil {
			a.fail(w, r, "time-stamp", err)
			return
		}
		write(w, "application/timestamp-reply", "no-store", resp)
	})
	return mux
}

func (a *Authority) serveOCSP(w http.ResponseWriter, r *http.Request, der []byte) {
	resp, err := a.OCSP(r.Context(), der)
	switch {
	case workflow.ErrorCode(err) == workflow.EUNAVAILABLE:
		// The revocation store is down: RFC 6960 tryLater, not a failure.
		a.log.WarnContext(r.Context(), "OCSP responder unavailable", "err", err)
		resp = ocsp.TryLaterErrorResponse
	case err != nil:
		a.log.ErrorContext(r.Context(), "OCSP responder failed", "err", err)
		resp = ocsp.InternalErrorErrorResponse
	}
	write(w, "application/ocsp-response", "no-cache", resp)
}

// fail answers a failure of a service: 503 unavailable with the reason
// when what it needs (the database) is down, else 500 (logged).
func (a *Authority) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	if workflow.ErrorCode(err) == workflow.EUNAVAILABLE {
		a.log.WarnContext(r.Context(), "PKI service unavailable", "service", what, "err", err)
		writeError(w, workflow.EUNAVAILABLE, what+": "+workflow.ErrorMessage(err))
		return
	}
	a.log.ErrorContext(r.Context(), "PKI service failed", "service", what, "err", err)
	writeError(w, workflow.EINTERNAL, "internal error")
}

// writeError answers with the JSON error body every vanthu route uses,
// under the status of code in the one table (internal/httpstatus).
func writeError(w http.ResponseWriter, code, msg string) {
	status, _ := httpstatus.Of(code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequest))
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New("empty body")
	}
	return b, nil
}

func write(w http.ResponseWriter, contentType, cache string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", cache)
	_, _ = w.Write(body)
}

// ServeLoopback serves Handler on 127.0.0.1 (a port the system picks)
// until ctx ends or stop is called, and returns the base URL
// ("http://127.0.0.1:PORT"). It is how code that only takes a TSA URL
// (pdfsign) reaches the in-process authority whatever address the main
// listener has.
func (a *Authority) ServeLoopback(ctx context.Context) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	go func() { _ = srv.Serve(ln) }()
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
		}
		_ = srv.Close()
	}()
	var once sync.Once
	return "http://" + ln.Addr().String(), func() { once.Do(func() { close(done) }) }, nil
}
