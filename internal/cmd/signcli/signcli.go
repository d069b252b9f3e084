// Package signcli is the command that applies one signature layer to a PDF
// file: `vanthu sign`, and the same as a binary of its own, `vanthu-sign`,
// which links only the signing packages (no database, object store, web or
// metrics), so a signature on a workstation starts in a few milliseconds.
package signcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vanthu/vanthu/internal/gcfloor"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/workflow"
)

// signArgs are the arguments of `vanthu sign`.
type signArgs struct {
	layer, keyURI, certFile, chainFile string
	name, title, image                 string // officer layer
	number                             int    // agency layer
	notation, agency, place, date      string // agency layer
	seal                               string // agency layer
	tsa                                string // any layer
	in, out                            string // the files
}

// Run implements `vanthu sign` (args are what follows "sign"):
//
//	vanthu sign --layer officer|agency|attachment --key URI --cert PEM [--chain PEM]
//	    [--name NAME] [--title TITLE] [--image PNG]                  (officer)
//	    [--number N] --notation X [--agency NAME] [--place P] [--date YYYY-MM-DD] [--seal PNG] (agency)
//	    [--tsa URL] in.pdf out.pdf
//
// --notation "QĐ-UBND" with --number 15 gives "15/QĐ-UBND"; a notation that
// already has the number is used as is. Exit 0 on success, 2 on error.
//
// A signature allocates a few megabytes, and under GOGC=100 a process
// whose heap starts at 4 MB spent 1–3 collections on that (each starting
// mark workers on every P): about a fifth of the whole process's CPU on a
// one-page PDF. The heap goal is held at gcfloor.DefaultFloor instead; a
// large file's live heap is above half of it, which gives GOGC=100, so the
// memory bound of scripts/bench-memory.sh does not move. GOGC in the
// environment wins.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	a, code := parseSignArgs(args, stderr)
	if a == nil {
		return code
	}
	defer gcfloor.Start(gcfloor.DefaultFloor, getenv)()
	out, err := a.sign(ctx)
	if err == nil {
		err = writeSigned(a.out, out)
	}
	if err != nil {
		fmt.Fprintln(stderr, "vanthu sign:", err)
		return 2
	}
	fmt.Fprintf(stdout, "signed %s (%s layer) -> %s (%d bytes)\n", a.in, a.layer, a.out, out.Len())
	return 0
}

// parseSignArgs parses the flags and the two file names. When there is
// nothing to sign it has written the usage to stderr and returns nil and
// the exit code: 0 when help was asked for (-h), 2 on a usage error.
func parseSignArgs(args []string, stderr io.Writer) (*signArgs, int) {
	a := &signArgs{}
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&a.layer, "layer", "", "officer, agency or attachment")
	fs.StringVar(&a.keyURI, "key", "", "key URI (file:path or pkcs11:...)")
	fs.StringVar(&a.certFile, "cert", "", "PEM file with the signer's certificate (and chain)")
	fs.StringVar(&a.chainFile, "chain", "", "PEM file with further chain certificates")
	fs.StringVar(&a.name, "name", "", "official's name (officer layer; default: certificate CN)")
	fs.StringVar(&a.title, "title", "", "official's title (officer layer)")
	fs.StringVar(&a.image, "image", "", "signature image PNG (officer layer)")
	fs.IntVar(&a.number, "number", 0, "document number (agency layer)")
	fs.StringVar(&a.notation, "notation", "", "notation, e.g. QĐ-UBND or 15/QĐ-UBND (agency layer)")
	fs.StringVar(&a.agency, "agency", "", "agency name (agency layer; default: certificate O or CN)")
	fs.StringVar(&a.place, "place", "", "place for the date line (agency layer)")
	fs.StringVar(&a.date, "date", "", "date of issue YYYY-MM-DD (agency layer; default today)")
	fs.StringVar(&a.seal, "seal", "", "seal image PNG (agency layer; default generated)")
	fs.StringVar(&a.tsa, "tsa", "", "RFC 3161 timestamp authority URL (PAdES B-T)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: vanthu sign --layer officer|agency|attachment --key URI --cert PEM [flags] in.pdf out.pdf")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0
		}
		return nil, 2
	}
	if fs.NArg() != 2 || a.keyURI == "" || a.certFile == "" {
		fs.Usage()
		return nil, 2
	}
	a.in, a.out = fs.Arg(0), fs.Arg(1)
	return a, 0
}

// sign loads the key and the input and applies the layer.
func (a *signArgs) sign(ctx context.Context) (*signing.Signed, error) {
	key, err := a.loadKey(ctx)
	if err != nil {
		return nil, err
	}
	in, err := os.ReadFile(a.in)
	if err != nil {
		return nil, err
	}
	switch a.layer {
	case "officer":
		l, err := a.officerLayer(key)
		if err != nil {
			return nil, err
		}
		return signing.SignOfficerStream(ctx, in, l)
	case "agency", "attachment":
		l, err := a.agencyLayer(key)
		if err != nil {
			return nil, err
		}
		if a.layer == "agency" {
			return signing.SignAgencyStream(ctx, in, l)
		}
		return signing.SignAttachmentStream(ctx, in, l)
	default:
		return nil, workflow.Errorf(workflow.EINVALID, "--layer must be officer, agency or attachment")
	}
}

// loadKey loads --key with the certificates of --cert, then --chain.
func (a *signArgs) loadKey(ctx context.Context) (keys.Key, error) {
	certPEM, err := os.ReadFile(a.certFile)
	if err != nil {
		return keys.Key{}, err
	}
	key, err := keys.Load(ctx, a.keyURI, certPEM)
	if err != nil {
		return keys.Key{}, fmt.Errorf("load key %s: %w", keys.RedactURI(a.keyURI), err)
	}
	if a.chainFile == "" {
		return key, nil
	}
	b, err := os.ReadFile(a.chainFile)
	if err != nil {
		return keys.Key{}, err
	}
	more, err := keys.ParseCertificatesPEM(b)
	if err == nil && len(more) == 0 {
		err = fmt.Errorf("no certificate found")
	}
	if err != nil {
		return keys.Key{}, fmt.Errorf("%s: %w", a.chainFile, err)
	}
	key.Chain = append(key.Chain, more...)
	return key, nil
}

// officerLayer is layer 1 as the flags describe it; the name defaults to
// the certificate's CN.
func (a *signArgs) officerLayer(key keys.Key) (signing.OfficerLayer, error) {
	img, err := readOptional(a.image)
	if err != nil {
		return signing.OfficerLayer{}, err
	}
	name := a.name
	if name == "" {
		name = key.Chain[0].Subject.CommonName
	}
	return signing.OfficerLayer{Key: key, Name: name, Title: a.title, SignatureImage: img, TSAURL: a.tsa}, nil
}

// agencyLayer is layer 2 (or an attachment's signature) as the flags
// describe it: the number joins a notation that lacks it, the agency
// defaults to the certificate's O (else CN), the date to today.
func (a *signArgs) agencyLayer(key keys.Key) (signing.AgencyLayer, error) {
	seal, err := readOptional(a.seal)
	if err != nil {
		return signing.AgencyLayer{}, err
	}
	notation := a.notation
	if a.number > 0 && !strings.Contains(notation, "/") {
		notation = fmt.Sprintf("%d/%s", a.number, notation)
	}
	agency, cert := a.agency, key.Chain[0]
	if agency == "" {
		agency = cert.Subject.CommonName
		if len(cert.Subject.Organization) > 0 {
			agency = cert.Subject.Organization[0]
		}
	}
	issue := time.Now()
	if a.date != "" {
		if issue, err = signing.ParseIssueDate(a.date); err != nil {
			return signing.AgencyLayer{}, fmt.Errorf("--date: %w", err)
		}
	}
	return signing.AgencyLayer{Key: key, AgencyName: agency, Place: a.place, Seal: seal, Notation: notation, IssueDate: issue, TSAURL: a.tsa}, nil
}

// readOptional reads the file at path, or nothing when path is empty.
func readOptional(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	return os.ReadFile(path)
}

// writeSigned writes s to the file path: the document, then the update.
func writeSigned(path string, s *signing.Signed) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := s.WriteTo(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
