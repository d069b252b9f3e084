package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
)

// exchangeIdentity is this agency as the exchange presents it.
type exchangeIdentity struct {
	self    exchange.Identity
	tlsCert tls.Certificate
	tlsPEM  []byte // the TLS certificate (leaf) peers pin
	devTLS  bool   // tlsCert comes from the development PKI
}

// exchangeHosts are the names the development TLS certificate is issued
// for: the hosts of VANTHU_EXCHANGE_ADDR and VANTHU_EXCHANGE_URL, and
// loopback.
func exchangeHosts(cfg *Config) []string {
	hosts := []string{}
	add := func(h string) {
		if h == "" || h == "0.0.0.0" || h == "::" {
			return
		}
		for _, x := range hosts {
			if x == h {
				return
			}
		}
		hosts = append(hosts, h)
	}
	if h, _, err := net.SplitHostPort(cfg.ExchangeAddr); err == nil {
		add(h)
	}
	if u, err := url.Parse(cfg.ExchangeURL); err == nil {
		add(u.Hostname())
	}
	add("localhost")
	add("127.0.0.1")
	return hosts
}

// exchangeEndpoint is the URL peers call: VANTHU_EXCHANGE_URL, else
// https:// and the address serve bound (the port picked when
// VANTHU_EXCHANGE_ADDR gives port 0), else https://VANTHU_EXCHANGE_ADDR.
func exchangeEndpoint(cfg *Config) string {
	switch {
	case cfg.ExchangeURL != "":
		return cfg.ExchangeURL
	case cfg.exchangeBound != "":
		return "https://" + cfg.exchangeBound
	}
	return "https://" + cfg.ExchangeAddr
}

// loadExchangeIdentity loads the agency signing key and the exchange TLS
// certificate: configured files where given, the development PKI for the
// rest (the same keys wireSigning uses).
func loadExchangeIdentity(ctx context.Context, cfg *Config, db *gormdb.DB) (*exchangeIdentity, error) {
	kr := &keyring{cfg: cfg, db: db}
	devPKI := kr.devPKI
	agency, err := kr.agency(ctx)
	if err != nil {
		return nil, err
	}
	id := &exchangeIdentity{self: exchange.Identity{Org: workflow.Org{OrgID: cfg.OrgID, Name: cfg.OrgName},
		Place: cfg.OrgPlace, Key: agency.Signer, Chain: agency.Chain}}
	switch {
	case cfg.ExchangeCert != "" || cfg.ExchangeKey != "":
		if cfg.ExchangeCert == "" || cfg.ExchangeKey == "" {
			return nil, fmt.Errorf("VANTHU_EXCHANGE_CERT and VANTHU_EXCHANGE_KEY go together")
		}
		c, err := tls.LoadX509KeyPair(cfg.ExchangeCert, cfg.ExchangeKey)
		if err != nil {
			return nil, fmt.Errorf("VANTHU_EXCHANGE_CERT/KEY: %w", err)
		}
		id.tlsCert = c
		id.tlsPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
	default:
		p, err := devPKI()
		if err != nil {
			return nil, err
		}
		c, certPEM, _, err := p.TLSServerClient("vanthu exchange "+cfg.OrgID, exchangeHosts(cfg))
		if err != nil {
			return nil, fmt.Errorf("development exchange TLS certificate: %w", err)
		}
		id.tlsCert, id.tlsPEM, id.devTLS = c, certPEM, true
	}
	return id, nil
}

// wireExchange adds the interagency exchange: the agencies registry and
// deliveries routes always; with VANTHU_EXCHANGE_ADDR also the outbox
// (send), the mutual-TLS listener and the delivery worker, as jobs.
func wireExchange(ctx context.Context, a *app) error {
	cfg := a.cfg
	reg := exchange.NewRegistry(a.db)
	outbox := &exchange.Outbox{Agencies: reg}
	svc := &exchange.Service{Repo: a.db, Docs: a.docs, Store: a.db, Outbox: outbox, Registry: reg}
	a.api.Extra = append(a.api.Extra, api.ExchangeRoutes(svc))
	a.web.Exchange = svc
	if cfg.ExchangeAddr == "" {
		return nil
	}
	id, err := loadExchangeIdentity(ctx, cfg, a.db)
	if err != nil {
		return err
	}
	if id.devTLS {
		a.readyInfo("exchange_tls", "development-pki")
		a.warnDevelopmentPKI(ctx, "the exchange TLS certificate", "VANTHU_EXCHANGE_CERT and VANTHU_EXCHANGE_KEY")
	}
	var clientCAs []*x509.Certificate
	if cfg.ExchangeCA != "" {
		b, err := os.ReadFile(cfg.ExchangeCA)
		if err != nil {
			return fmt.Errorf("VANTHU_EXCHANGE_CA: %w", err)
		}
		if clientCAs, err = exchange.ParseCertsPEM("VANTHU_EXCHANGE_CA", b); err != nil {
			return err
		}
	}
	logger := a.log.With("subsystem", "exchange")
	worker := &exchange.Worker{Store: reg, Repo: a.db, Blobs: a.blobs, Client: &exchange.Client{Cert: id.tlsCert, Now: a.now},
		Self: id.self, Logger: logger, Poll: configDuration(cfg.ExchangePoll),
		Backoff: configDuration(cfg.ExchangeRetryBase), MaxBackoff: configDuration(cfg.ExchangeRetryMax),
		Lease: configDuration(cfg.ExchangeLease), Now: a.now, Trail: a.db}
	outbox.Wake, outbox.Worker = worker.Wake, worker
	a.docs.Outbox = outbox
	recv := &exchange.Receiver{Docs: a.docs, Repo: a.db, Store: a.db, Outbox: outbox, Self: id.self.Org,
		ClientCAs: clientCAs, Logger: logger, Now: a.now, Registry: reg}
	var handler http.Handler = recv.Handler()
	if a.opts.exchangeHandler != nil {
		handler = a.opts.exchangeHandler(cfg.OrgID, handler)
	}
	addr, cert := cfg.ExchangeAddr, id.tlsCert
	var ln net.Listener
	a.listen = append(a.listen, func(stdout io.Writer) error {
		l, err := exchange.Listen(addr, cert)
		if err != nil {
			return fmt.Errorf("VANTHU_EXCHANGE_ADDR %s: %w", addr, err)
		}
		ln = l
		a.close = append(a.close, func() { l.Close() })
		cfg.exchangeBound = l.Addr().String()
		fmt.Fprintf(stdout, "vanthu exchange listening on https://%s\n", cfg.exchangeBound)
		return nil
	})
	a.jobs = append(a.jobs, func(ctx context.Context) error {
		logger.InfoContext(ctx, "exchange listening", "addr", ln.Addr().String(), "endpoint", exchangeEndpoint(cfg))
		return exchange.Serve(ctx, ln, handler, cfg.httpTimeouts(), logger)
	}, worker.Run)
	return nil
}

// agencyCmd is `vanthu agency export|add|list`.
func agencyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	const usage = "usage: vanthu agency export | vanthu agency add FILE | vanthu agency list"
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("agency "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, code := cliConfig(fs, args[1:], getenv, stderr)
	if code >= 0 {
		return code
	}
	var err error
	switch args[0] {
	case "export":
		err = agencyExport(ctx, cfg, stdout)
	case "add":
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, usage)
			return 2
		}
		err = agencyAdd(ctx, cfg, fs.Arg(0), stdout, stderr)
	case "list":
		err = agencyList(ctx, cfg, stdout, stderr)
	default:
		fmt.Fprintln(stderr, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "vanthu agency %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// agencyExport prints what a peer needs to register this agency.
func agencyExport(ctx context.Context, cfg *Config, stdout io.Writer) error {
	if cfg.ExchangeAddr == "" && cfg.ExchangeURL == "" {
		return fmt.Errorf("set VANTHU_EXCHANGE_ADDR (and VANTHU_EXCHANGE_URL if peers reach it by another name)")
	}
	if _, port, err := net.SplitHostPort(cfg.ExchangeAddr); cfg.ExchangeURL == "" && err == nil && port == "0" {
		return fmt.Errorf("VANTHU_EXCHANGE_ADDR %s: port 0 is picked when serve starts, so it names no endpoint: "+
			"set VANTHU_EXCHANGE_URL (e.g. to the https:// address of the line \"vanthu exchange listening on\" serve printed)", cfg.ExchangeAddr)
	}
	if host, _, err := net.SplitHostPort(cfg.ExchangeAddr); cfg.ExchangeURL == "" && err == nil && (host == "" || net.ParseIP(host).IsUnspecified()) {
		return fmt.Errorf("VANTHU_EXCHANGE_ADDR %s listens on every address of this host, so it names no endpoint peers can call: "+
			"set VANTHU_EXCHANGE_URL to https://NAME:PORT, NAME as peers reach this server and as VANTHU_EXCHANGE_CERT names it", cfg.ExchangeAddr)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	var db *gormdb.DB
	if cfg.DatabaseURL != "" {
		// The development PKI is shared through the database.
		d, err := openExchangeDB(ctx, cfg, io.Discard)
		if err != nil {
			return err
		}
		defer d.Close()
		db = d
	}
	id, err := loadExchangeIdentity(ctx, cfg, db)
	if err != nil {
		return err
	}
	if err := endpointInCert(exchangeEndpoint(cfg), id.tlsCert); err != nil {
		return err
	}
	var chain []byte
	for _, c := range id.self.Chain {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	a := exchange.Agency{OrgID: cfg.OrgID, Name: cfg.OrgName, Endpoint: exchangeEndpoint(cfg),
		SigningCertPEM: string(chain), TLSCertPEM: string(id.tlsPEM)}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(a)
}

// endpointInCert checks that the exchange's TLS certificate names the
// host of the endpoint agency export gives peers: they check it, and
// would refuse every connection to it.
func endpointInCert(endpoint string, c tls.Certificate) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return fmt.Errorf("the exchange endpoint %q is not https://host:port: set VANTHU_EXCHANGE_URL so", endpoint)
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return fmt.Errorf("the exchange TLS certificate: %w", err)
	}
	if err := leaf.VerifyHostname(u.Hostname()); err != nil {
		return fmt.Errorf("the exchange endpoint %s is not a name of its TLS certificate (VANTHU_EXCHANGE_CERT, or the development PKI's: it names %s): peers would refuse the connection; "+
			"set VANTHU_EXCHANGE_URL to a name of the certificate, or get one that names %s", endpoint, certNames(leaf), u.Hostname())
	}
	return nil
}

// certNames lists a certificate's DNS names and IP addresses.
func certNames(c *x509.Certificate) string {
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no host"
	}
	return strings.Join(names, ", ")
}

func openExchangeDB(ctx context.Context, cfg *Config, stderr io.Writer) (*gormdb.DB, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	db, err := gormdb.Open(ctx, cfg.DatabaseURL, cfg.DataDir, newLogger(stderr, cfg.cliLogLevel()), cfg.dbTimeouts())
	if err != nil {
		return nil, err
	}
	return db, nil
}

// agencyAdd registers a peer from the JSON of its `vanthu agency export`.
func agencyAdd(ctx context.Context, cfg *Config, file string, stdout, stderr io.Writer) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var a exchange.Agency
	if err := json.Unmarshal(b, &a); err != nil {
		return fmt.Errorf("%s: not the JSON of vanthu agency export: %w", file, err)
	}
	if err := exchange.CheckAgency(&a); err != nil {
		return fmt.Errorf("%s: %s", file, workflow.ErrorMessage(err))
	}
	db, err := openExchangeDB(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.PutAgency(ctx, &a); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "registered agency %s (%s) at %s\n", a.OrgID, a.Name, a.Endpoint)
	return nil
}

func agencyList(ctx context.Context, cfg *Config, stdout, stderr io.Writer) error {
	db, err := openExchangeDB(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	as, err := db.Agencies(ctx)
	if err != nil {
		return err
	}
	for _, a := range as {
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", a.OrgID, a.Name, a.Endpoint)
	}
	return nil
}

// configDuration returns the configured duration (validated by Config),
// or 0 for the worker's default when unset.
func configDuration(configured string) time.Duration {
	d, _ := time.ParseDuration(configured)
	return d
}
