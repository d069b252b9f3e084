package workflow

import "time"

// The interagency exchange's registry and status records, as the
// exchange service (package exchange, which names the first Agency) and
// its store (storage/gormdb) both see them.

// ConnectedAgency is a connected agency: where to reach it and how to recognise it.
type ConnectedAgency struct {
	OrgID    string `json:"org_id"`   // e.g. "000.00.31.H13"
	Name     string `json:"name"`     // e.g. "UBND phường Long Hòa"
	Endpoint string `json:"endpoint"` // https://host:port of its exchange listener
	// SigningCertPEM is the certificate (chain, signer first) of the key
	// the agency signs its envelopes with.
	SigningCertPEM string `json:"signing_cert_pem"`
	// TLSCertPEM is the agency's TLS certificate (its client and server
	// certificate, pinned) or the CA that issues it.
	TLSCertPEM string    `json:"tls_cert_pem"`
	CreatedAt  time.Time `json:"created_at,omitempty"`
	UpdatedAt  time.Time `json:"updated_at,omitempty"`
}

// ReceivedStatus is a status message a recipient sent about one of our
// documents over the exchange.
type ReceivedStatus struct {
	DocumentID  string    // our document
	OrgID       string    // the agency that reported it
	Code        string    // 01..16
	Description string    // e.g. the reason of a refusal
	At          time.Time // when the agency says it happened
	ReceivedAt  time.Time
}
