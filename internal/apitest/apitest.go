// Package apitest checks HTTP traffic against the OpenAPI document
// (api/openapi.yaml) in tests: every request a test sends and every answer
// the server gives must be one the document describes.
//
// Two ways in: Validating wraps an http.Handler (api tests calling
// api.Server directly), Transport wraps an http.RoundTripper (end-to-end
// tests talking to a running server). Both use Check.
//
// The rules:
//   - The answer's status must be listed for the operation, its
//     Content-Type must be one the document gives for that status, its
//     headers and its body must match the schemas (JSON, YAML, multipart
//     are decoded; PDF, zip, PEM, PNG and CSV bodies are checked for
//     content type only). A status documented without content must have
//     an empty body.
//   - A request the document does not describe (a test sending bad input
//     on purpose) must be refused with a 4xx error answer that the
//     document lists for the operation.
//   - A request on no documented route must get a 404 or 405 error answer
//     (schema Error), whether or not it carries a token.
//   - HEAD is checked as its GET: the status and headers the document
//     gives the GET, and no body.
//   - OPTIONS on a documented path is 204, no body, with an Allow header
//     listing its documented methods (HEAD after GET, then OPTIONS); a
//     method the path does not take is 405 with that Allow and the JSON
//     error; no answer carries a CORS (Access-Control-*) header.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/vanthu/vanthu/api"
)

// Binary bodies: the content type is checked, the bytes are not decoded
// beyond reading them as one string.
var binaryTypes = []string{"application/pdf", "application/zip", "application/x-pem-file", "image/png"}

var load = sync.OnceValues(func() (*Spec, error) {
	for _, ct := range binaryTypes {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
	return Load(api.OpenAPI())
})

// Spec is a loaded, validated OpenAPI document and its router.
type Spec struct {
	Doc    *openapi3.T
	router routers.Router
}

// Load parses and validates an OpenAPI document.
func Load(data []byte) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load openapi: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi document is not valid: %w", err)
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi router: %w", err)
	}
	return &Spec{Doc: doc, router: r}, nil
}

// Default returns the served document (api.OpenAPI()), loaded once.
func Default(tb testing.TB) *Spec {
	tb.Helper()
	s, err := load()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// Exchange is one request and its answer.
type Exchange struct {
	Request     *http.Request // its Body is ignored: RequestBody is used
	RequestBody []byte
	Status      int
	Header      http.Header
	Body        []byte
}

// Check returns why the exchange is not one the document describes, or nil.
func (s *Spec) Check(ctx context.Context, x Exchange) error {
	req := x.Request.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(x.RequestBody))
	req.ContentLength = int64(len(x.RequestBody))
	// HEAD is its GET's operation, answered without the body.
	head := req.Method == http.MethodHead
	if head {
		if len(x.Body) > 0 {
			return fmt.Errorf("answer %d to HEAD has a body of %d bytes", x.Status, len(x.Body))
		}
		req.Method = http.MethodGet
	}
	if err := noCORS(x); err != nil {
		return err
	}
	if req.Method == http.MethodOptions {
		return s.checkOptions(req, x)
	}
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		if !errors.Is(err, routers.ErrPathNotFound) && !errors.Is(err, routers.ErrMethodNotAllowed) {
			return fmt.Errorf("find route: %w", err)
		}
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			if err := s.checkAllow(req, x, http.StatusMethodNotAllowed); err != nil {
				return err
			}
		} else if x.Status != http.StatusNotFound {
			return fmt.Errorf("no operation in the document for %s %s, yet the server answered %d", req.Method, req.URL.Path, x.Status)
		}
		return s.checkErrorBody(x)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	reqErr := openapi3filter.ValidateRequest(ctx, in)
	if reqErr != nil && x.Status < 400 {
		return fmt.Errorf("the request does not match the document (%v), yet the server answered %d", reqErr, x.Status)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: x.Status, Header: x.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: head},
	}
	out.SetBodyBytes(x.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return err
	}
	resp := route.Operation.Responses.Status(x.Status)
	if resp != nil && resp.Value != nil && len(resp.Value.Content) == 0 && len(x.Body) > 0 {
		return fmt.Errorf("status %d is documented without a body, yet the server sent %d bytes (%s)", x.Status, len(x.Body), x.Header.Get("Content-Type"))
	}
	if resp != nil && resp.Value != nil && !head {
		return checkErrorCode(resp.Value.Extensions["x-error-codes"], x)
	}
	return nil
}

// allowMethods are the methods an operation may have, in the order of
// the server's Allow header (api/methods.go).
var allowMethods = []string{http.MethodDelete, http.MethodGet, http.MethodPatch, http.MethodPost, http.MethodPut}

// documentedAllow is the Allow header the document gives req's path: its
// operations' methods, HEAD after GET, then OPTIONS; "" when it documents
// no such path.
func (s *Spec) documentedAllow(req *http.Request) string {
	var out []string
	for _, m := range allowMethods {
		r := req.Clone(req.Context())
		r.Method = m
		if _, _, err := s.router.FindRoute(r); err == nil {
			out = append(out, m)
			if m == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	if out == nil {
		return ""
	}
	return strings.Join(append(out, http.MethodOptions), ", ")
}

// checkAllow: an answer of status to a method the path does not take
// carries the path's documented methods in Allow.
func (s *Spec) checkAllow(req *http.Request, x Exchange, status int) error {
	want := s.documentedAllow(req)
	if x.Status != status || x.Header.Get("Allow") != want {
		return fmt.Errorf("%s %s: answer %d with Allow %q; the document gives the path %q, so want %d with it",
			req.Method, req.URL.Path, x.Status, x.Header.Get("Allow"), want, status)
	}
	return nil
}

// checkOptions: OPTIONS on a documented path is 204 with its Allow and
// no body; on any other path the JSON 404.
func (s *Spec) checkOptions(req *http.Request, x Exchange) error {
	if s.documentedAllow(req) == "" {
		if x.Status != http.StatusNotFound {
			return fmt.Errorf("OPTIONS %s: no such path in the document, yet the server answered %d", req.URL.Path, x.Status)
		}
		return s.checkErrorBody(x)
	}
	if err := s.checkAllow(req, x, http.StatusNoContent); err != nil {
		return err
	}
	if len(x.Body) > 0 {
		return fmt.Errorf("OPTIONS %s: answer 204 has a body of %d bytes", req.URL.Path, len(x.Body))
	}
	return nil
}

// noCORS: no answer opens the API to other origins' scripts.
func noCORS(x Exchange) error {
	for h := range x.Header {
		if strings.HasPrefix(http.CanonicalHeaderKey(h), "Access-Control-") {
			return fmt.Errorf("answer %d carries %s: the API allows no other origin", x.Status, h)
		}
	}
	return nil
}

// checkErrorCode: an error answer's code must be one its documented
// response lists in x-error-codes (404 with code not_found, never with
// invalid).
func checkErrorCode(ext any, x Exchange) error {
	list, ok := ext.([]any)
	if !ok {
		return nil
	}
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.Unmarshal(x.Body, &body); err != nil {
		return fmt.Errorf("error answer %d: %w", x.Status, err)
	}
	for _, c := range list {
		if c == body.Error.Code {
			return nil
		}
	}
	return fmt.Errorf("error answer %d has code %q; the document allows %v for it", x.Status, body.Error.Code, list)
}

func (s *Spec) checkErrorBody(x Exchange) error {
	if mt, _, _ := mime.ParseMediaType(x.Header.Get("Content-Type")); mt != "application/json" {
		return fmt.Errorf("error answer %d has Content-Type %q, want application/json", x.Status, x.Header.Get("Content-Type"))
	}
	if x.Request.Method == http.MethodHead {
		return nil // no body to read (Check)
	}
	schema := s.Doc.Components.Schemas["Error"]
	v, err := openapi3filter.JSONBodyDecoder(bytes.NewReader(x.Body), x.Header, schema, nil)
	if err != nil {
		return fmt.Errorf("error answer %d: %w", x.Status, err)
	}
	if err := schema.Value.VisitJSON(v, openapi3.VisitAsResponse()); err != nil {
		return fmt.Errorf("error answer %d does not match schema Error: %w", x.Status, err)
	}
	return checkErrorCode([]any{"not_found"}, x)
}

func describe(x Exchange, err error) string {
	body := string(x.Body)
	if ct := x.Header.Get("Content-Type"); !strings.Contains(ct, "json") && !strings.Contains(ct, "text") {
		body = fmt.Sprintf("(%d bytes of %s)", len(x.Body), ct)
	} else if len(body) > 600 {
		body = body[:600] + "..."
	}
	return fmt.Sprintf("openapi: %s %s -> %d: %v\nbody: %s", x.Request.Method, x.Request.URL.RequestURI(), x.Status, err, body)
}

// Validating wraps h: every request it serves and every answer it gives
// are checked against the document; a mismatch fails tb.
func Validating(tb testing.TB, h http.Handler) http.Handler {
	tb.Helper()
	spec := Default(tb)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var reqBody []byte
		if r.Body != nil {
			var err error
			if reqBody, err = io.ReadAll(r.Body); err != nil {
				tb.Errorf("openapi: read request body: %v", err)
			}
			r.Body = io.NopCloser(bytes.NewReader(reqBody))
		}
		orig := r.Clone(r.Context())
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		x := Exchange{Request: orig, RequestBody: reqBody, Status: rec.status, Header: w.Header().Clone(), Body: rec.body.Bytes()}
		if err := spec.Check(r.Context(), x); err != nil {
			tb.Error(describe(x, err))
		}
	})
}

type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Transport wraps rt (nil: http.DefaultTransport): every request sent
// and every answer received are checked against the document. A mismatch
// fails tb and is returned as the round trip's error.
func Transport(tb testing.TB, rt http.RoundTripper) http.RoundTripper {
	tb.Helper()
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &transport{tb: tb, spec: Default(tb), next: rt}
}

// Client is an http.Client whose Transport validates (see Transport).
func Client(tb testing.TB) *http.Client {
	tb.Helper()
	return &http.Client{Transport: Transport(tb, nil)}
}

type transport struct {
	tb   testing.TB
	spec *Spec
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.ContentLength = int64(len(b))
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	x := Exchange{Request: req, RequestBody: reqBody, Status: resp.StatusCode, Header: resp.Header, Body: body}
	if err := t.spec.Check(req.Context(), x); err != nil {
		msg := describe(x, err)
		t.tb.Error(msg)
		return nil, errors.New(msg)
	}
	return resp, nil
}

// WriteJSONPart writes a multipart part named name holding v as JSON, with
// Content-Type application/json, as the document says the meta part of
// POST /api/v1/documents is sent (curl: -F 'meta=...;type=application/json').
func WriteJSONPart(w *multipart.Writer, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": name}))
	h.Set("Content-Type", "application/json")
	pw, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = pw.Write(b)
	return err
}
