package web

import "net/http"

// contentSecurityPolicy allows only this origin's scripts, styles,
// images, frames (the PDF viewer) and objects; no inline script or style
// anywhere, and no page may frame ours.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-src 'self'; object-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// framedPolicy is the policy of responses shown inside our own pages (the
// PDF in the document page): only our pages may frame them.
const framedPolicy = "default-src 'none'; frame-ancestors 'self'"

func setSecurityHeaders(h http.Header, r *http.Request) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if isTLS(r) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// allowSameOriginFrame relaxes the headers of a response that our own
// pages embed (<iframe> of a PDF).
func allowSameOriginFrame(h http.Header) {
	h.Set("Content-Security-Policy", framedPolicy)
	h.Set("X-Frame-Options", "SAMEORIGIN")
}

// isTLS reports whether the client reached us over HTTPS, directly or
// through a proxy that says so.
func isTLS(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}
