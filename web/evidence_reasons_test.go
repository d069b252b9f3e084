package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Functions of archive/evidence.go by what their strings become: the
// reasons and problems the evidence page shows, parseToken's errors (a
// problem's detail), or none of the page's text (errors returned, file
// names, the renewal's CLI text). A new function that formats text must
// be put in one of them.
var (
	evidenceReasonFuncs = []string{"VerifyEvidence", "judgeStamp", "judgeRevocation", "judgeDocument", "checkData",
		"readChain", "loadLink", "checkManifest", "loadRevocation", "checkLinkToken", "readObject"}
	evidenceTokenFuncs = []string{"parseToken"}
	evidenceOtherFuncs = []string{"ParsePeriod", "EvidenceNames", "RevocationName", "RenewalDue", "RenewDue", "putEvidence", "stampManifest"}
)

// evidenceText is one string evidence.go can write: a format or literal
// and, for a format, its arguments' source text.
type evidenceText struct {
	fn, kind, text string // kind: reason, token, trust, fragment, source, source+
	args           []string
	pos            token.Position
}

// evidenceTexts reads archive/evidence.go for every text it writes.
func evidenceTexts(t *testing.T) []evidenceText {
	t.Helper()
	b, err := os.ReadFile("../archive/evidence.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "evidence.go", b, 0)
	if err != nil {
		t.Fatal(err)
	}
	src := func(e ast.Expr) string {
		return string(b[fset.Position(e.Pos()).Offset:fset.Position(e.End()).Offset])
	}
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	var out []evidenceText
	seen := map[string]bool{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		name := fd.Name.Name
		kind := ""
		switch {
		case slices.Contains(evidenceReasonFuncs, name):
			kind = "reason"
		case slices.Contains(evidenceTokenFuncs, name):
			kind = "token"
		}
		add := func(k, s string, args []string, at token.Pos) {
			if kind == "" && !slices.Contains(evidenceOtherFuncs, name) {
				t.Errorf("%s: %s writes %q: list it in evidenceReasonFuncs, evidenceTokenFuncs or evidenceOtherFuncs", fset.Position(at), name, s)
			}
			if kind != "" {
				seen[name] = true
				out = append(out, evidenceText{fn: name, kind: k, text: s, args: args, pos: fset.Position(at)})
			}
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				if len(n.Lhs) != len(n.Rhs) {
					return true
				}
				for i, l := range n.Lhs {
					ls := src(l)
					k := map[string]string{"t.trustErr": "trust", "what": "fragment", "src": "source"}[ls]
					if k == "source" && n.Tok == token.ADD_ASSIGN {
						k = "source+"
					}
					if s, ok := lit(n.Rhs[i]); ok && k != "" {
						add(k, s, nil, n.Pos())
					}
					if c, ok := n.Rhs[i].(*ast.CallExpr); ok && ls == "what" && src(c.Fun) == "fmt.Sprintf" {
						s, _ := lit(c.Args[0])
						var args []string
						for _, a := range c.Args[1:] {
							args = append(args, src(a))
						}
						add("fragment", s, args, c.Pos())
						seen["fragment:"+s] = true
					}
				}
			case *ast.CallExpr:
				fn := src(n.Fun)
				switch {
				case fn == "fmt.Sprintf" || fn == "fmt.Errorf":
					s, ok := lit(n.Args[0])
					if !ok || seen["fragment:"+s] {
						return true
					}
					var args []string
					for _, a := range n.Args[1:] {
						args = append(args, src(a))
					}
					k := kind
					if k == "" {
						k = "other"
					}
					add(k, s, args, n.Pos())
				case fn == "ok" || fn == "doubt" || strings.HasSuffix(fn, ".ok") || strings.HasSuffix(fn, ".fail") || strings.HasSuffix(fn, ".doubt"):
					if len(n.Args) == 1 {
						if s, ok := lit(n.Args[0]); ok {
							add("reason", s, nil, n.Pos())
						}
					}
				}
			}
			return true
		})
	}
	for _, fn := range append(append([]string{}, evidenceReasonFuncs...), evidenceTokenFuncs...) {
		if !seen[fn] {
			t.Errorf("archive/evidence.go: %s writes no text any more (or was renamed): update the lists", fn)
		}
	}
	return out
}

var verbRe = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

// sampleArg is a plausible value of an argument, by its source text.
func sampleArg(expr string) string {
	switch {
	case strings.Contains(expr, ".Format("):
		return "2026-11-20T03:00:00Z"
	case expr == "tn" || strings.Contains(expr, "tokenName"):
		return "evidence/0001-timestamp.tst"
	case strings.Contains(expr, "Authority"):
		return "CN=Dịch vụ cấp dấu thời gian,O=VNPT"
	case strings.Contains(expr, "SHA256") || strings.Contains(expr, "Actual") || strings.Contains(expr, "umHex"):
		return "ab12cd"
	case expr == "err":
		return "unexpected EOF"
	case expr == "kind":
		return "mismatch"
	case strings.Contains(expr, "Kind"):
		return "OCSP"
	case expr == "v":
		return "valid"
	case expr == "src":
		return "the time of archive time-stamp 0"
	case expr == "st":
		return "unknown"
	case expr == "what":
		return "the record's data hash"
	case strings.Contains(expr, "NameDocument"):
		return "document.pdf"
	}
	return "evidence/0001-manifest.json"
}

// sample fills a format's verbs with plausible values of its arguments.
func sample(x evidenceText) string {
	i := 0
	return verbRe.ReplaceAllStringFunc(x.text, func(v string) string {
		a := ""
		if i < len(x.args) {
			a = x.args[i]
		}
		i++
		switch v[len(v)-1] {
		case 'd':
			return "1"
		case 'q':
			return strconv.Quote(sampleArg(a))
		}
		return sampleArg(a)
	})
}

// TestEvidenceReasonsTranslated: every reason and problem that
// archive/evidence.go can write (read from its source: the formats and
// literals of the functions that write them) has a Vietnamese pattern,
// and what the page shows of it keeps none of its English words.
func TestEvidenceReasonsTranslated(t *testing.T) {
	texts := evidenceTexts(t)
	if len(texts) < 40 {
		t.Fatalf("found only %d texts in archive/evidence.go", len(texts))
	}
	var sources []string
	for _, x := range texts {
		if x.kind == "source" {
			sources = append(sources, x.text)
		}
	}
	for _, x := range texts {
		in := sample(x)
		var got string
		var ok bool
		switch x.kind {
		case "reason", "other":
			got, ok = evidenceVI(in)
		case "token":
			got, ok = translate(tokenErrors, in)
		case "trust":
			got, ok = translate(trustErrors, in)
		case "fragment":
			got, ok = translate(evidenceFragments, in)
		case "source":
			got, ok = validationSources[in]
		case "source+":
			for _, s := range sources {
				if got, ok = validationSources[s+in]; ok {
					break
				}
			}
		}
		if !ok {
			t.Errorf("%s (%s): no Vietnamese for %q (sample %q): %q", x.pos, x.fn, x.text, in, got)
			continue
		}
		for _, chunk := range verbRe.Split(x.text, -1) {
			if chunk = strings.TrimSpace(strings.Trim(chunk, "():;,")); len(chunk) >= 12 && !strings.Contains(chunk, "vanthu archive") && strings.Contains(got, chunk) {
				t.Errorf("%s: %q says %q in English: %q", x.pos, in, chunk, got)
			}
		}
	}
}

// TestEvidenceReasonVI: what the page says for reasons as the archive
// service writes them (times in Vietnam time), and a reason no pattern
// knows kept in English as a technical detail.
func TestEvidenceReasonVI(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"the record's 4 objects match their recorded SHA-256", "Cả 4 tệp dữ liệu của hồ sơ khớp mã băm SHA-256 đã ghi."},
		{"time-stamp 0 (2026-11-20T03:00:00Z, by CN=TSA,O=VNPT) covers the record's data hash, which includes document.pdf (SHA-256 ab12); its TSA certificate chains to a trust anchor at that time and stays valid until 2031-01-01T00:00:00Z",
			"Dấu thời gian số 0 (lúc 10:00:00 20/11/2026, do CN=TSA,O=VNPT cấp) phủ mã băm dữ liệu của hồ sơ, gồm cả document.pdf (SHA-256 ab12); chứng thư của đơn vị cấp dẫn đến chứng thư gốc tin cậy tại thời điểm đó và còn hiệu lực đến 07:00:00 01/01/2031."},
		{"time-stamp 1: evidence/0001-manifest.json is not recorded", "Dấu thời gian số 1: evidence/0001-manifest.json không có trong danh mục tệp của hồ sơ."},
		{"time-stamp 2: evidence/0002-timestamp.tst: the time-stamp token carries no TSA certificate",
			"Dấu thời gian số 2: evidence/0002-timestamp.tst: dấu thời gian không kèm chứng thư của đơn vị cấp."},
		{"time-stamp 1 (2026-11-20T03:00:00Z, by CN=TSA): its TSA certificate is not trusted: x509: certificate signed by unknown authority",
			"Dấu thời gian số 1 (lúc 10:00:00 20/11/2026, do CN=TSA cấp): chứng thư của đơn vị cấp dấu thời gian không được tin cậy: chứng thư không dẫn đến chứng thư gốc tin cậy nào."},
		{"time-stamp 1: the revocation status of its TSA certificate is kept at the next renewal",
			"Dấu thời gian số 1: tình trạng thu hồi chứng thư của đơn vị cấp sẽ được lưu ở lần gia hạn sau."},
		{"document.pdf validated as of 2026-11-20T03:00:00Z, the time of archive time-stamp 0, which the chain above no longer proves: invalid (Signature 1 (CN=A): bad; worse)",
			"Chữ ký số của document.pdf được kiểm tra theo thời điểm 10:00:00 20/11/2026 (thời điểm của dấu thời gian lưu trữ số 0, mà chuỗi chứng cứ nêu trên không còn chứng minh được): không hợp lệ (lý do: xem mục Tệp văn bản)."},
		{"attachments/phu-luc.pdf does not match its recorded SHA-256 ab12 (missing )", "attachments/phu-luc.pdf không khớp mã băm SHA-256 đã ghi ab12 (không còn trong kho lưu trữ)."},
		{"a sentence the service learns later", "a sentence the service learns later (chi tiết kỹ thuật)"},
	} {
		if got := evidenceReasonVI(c.in); got != c.want {
			t.Errorf("evidenceReasonVI(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}
