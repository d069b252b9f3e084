package signing

import (
	"context"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/workflow"
)

// RunSignCLI implements `vanthu sign`:
//
//	vanthu sign --layer officer|agency|attachment --key URI --cert PEM [--chain PEM]
//	    [--name NAME] [--title TITLE] [--image PNG]                  (officer)
//	    [--number N] --notation X [--agency NAME] [--place P] [--date YYYY-MM-DD] [--seal PNG] (agency)
//	    [--tsa URL] in.pdf out.pdf
//
// --notation "QĐ-UBND" with --number 15 gives "15/QĐ-UBND"; a notation that
// already has the number is used as is. Exit 0 on success, 2 on error.
func RunSignCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	layer := fs.String("layer", "", "officer, agency or attachment")
	keyURI := fs.String("key", "", "key URI (file:path or pkcs11:...)")
	certFile := fs.String("cert", "", "PEM file with the signer's certificate (and chain)")
	chainFile := fs.String("chain", "", "PEM file with further chain certificates")
	name := fs.String("name", "", "official's name (officer layer; default: certificate CN)")
	title := fs.String("title", "", "official's title (officer layer)")
	image := fs.String("image", "", "signature image PNG (officer layer)")
	number := fs.Int("number", 0, "document number (agency layer)")
	notation := fs.String("notation", "", "notation, e.g. QĐ-UBND or 15/QĐ-UBND (agency layer)")
	agency := fs.String("agency", "", "agency name (agency layer; default: certificate O or CN)")
	place := fs.String("place", "", "place for the date line (agency layer)")
	date := fs.String("date", "", "date of issue YYYY-MM-DD (agency layer; default today)")
	seal := fs.String("seal", "", "seal image PNG (agency layer; default generated)")
	tsa := fs.String("tsa", "", "RFC 3161 timestamp authority URL (PAdES B-T)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: vanthu sign --layer officer|agency|attachment --key URI --cert PEM [flags] in.pdf out.pdf")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "vanthu sign:", err)
		return 2
	}
	if fs.NArg() != 2 || *keyURI == "" || *certFile == "" {
		fs.Usage()
		return 2
	}
	certPEM, err := os.ReadFile(*certFile)
	if err != nil {
		return fail(err)
	}
	key, err := keys.Load(ctx, *keyURI, certPEM)
	if err != nil {
		return fail(fmt.Errorf("load key %s: %w", keys.RedactURI(*keyURI), err))
	}
	if *chainFile != "" {
		b, err := os.ReadFile(*chainFile)
		if err != nil {
			return fail(err)
		}
		more, err := parseCerts(b)
		if err != nil {
			return fail(fmt.Errorf("%s: %w", *chainFile, err))
		}
		key.Chain = append(key.Chain, more...)
	}
	in, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fail(err)
	}
	readOpt := func(path string) ([]byte, error) {
		if path == "" {
			return nil, nil
		}
		return os.ReadFile(path)
	}
	cert := key.Chain[0]
	var out *signedDoc // written to the file without assembling it in memory
	switch *layer {
	case "officer":
		img, err := readOpt(*image)
		if err != nil {
			return fail(err)
		}
		if *name == "" {
			*name = cert.Subject.CommonName
		}
		out, err = signOfficer(ctx, in, OfficerLayer{Key: key, Name: *name, Title: *title, SignatureImage: img, TSAURL: *tsa})
		if err != nil {
			return fail(err)
		}
	case "agency", "attachment":
		sealPNG, err := readOpt(*seal)
		if err != nil {
			return fail(err)
		}
		n := *notation
		if *number > 0 && !strings.Contains(n, "/") {
			n = fmt.Sprintf("%d/%s", *number, n)
		}
		if *agency == "" {
			*agency = cert.Subject.CommonName
			if len(cert.Subject.Organization) > 0 {
				*agency = cert.Subject.Organization[0]
			}
		}
		issue := time.Now()
		if *date != "" {
			if issue, err = time.ParseInLocation("2006-01-02", *date, ict); err != nil {
				return fail(fmt.Errorf("--date: %w", err))
			}
		}
		l := AgencyLayer{Key: key, AgencyName: *agency, Place: *place, Seal: sealPNG, Notation: n, IssueDate: issue, TSAURL: *tsa}
		if *layer == "agency" {
			out, err = signAgency(ctx, in, l)
		} else {
			out, err = signAttachment(ctx, in, l)
		}
		if err != nil {
			return fail(err)
		}
	default:
		return fail(workflow.Errorf(workflow.EINVALID, "--layer must be officer, agency or attachment"))
	}
	if err := writeSigned(fs.Arg(1), out); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "signed %s (%s layer) -> %s (%d bytes)\n", fs.Arg(0), *layer, fs.Arg(1), out.Len())
	return 0
}

func parseCerts(b []byte) ([]*x509.Certificate, error) {
	out, err := keys.ParseCertificatesPEM(b)
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no certificate found")
	}
	return out, err
}

// writeSigned writes s to the file path: the document, then the update.
func writeSigned(path string, s *signedDoc) error {
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
