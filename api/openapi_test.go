package api_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestOpenAPICoversRoutes fails when a route is served but missing from
// openapi.yaml (or documented with another method).
func TestOpenAPICoversRoutes(t *testing.T) {
	f := newFixture(t, 1<<20)
	doc := parsePaths(t, string(apiYAML(t)))
	param := regexp.MustCompile(`:([a-z_]+)`)
	for _, r := range f.srv.Echo().Routes() {
		if r.Method == "echo_route_not_found" || strings.HasSuffix(r.Path, "/*") {
			continue
		}
		p := param.ReplaceAllString(r.Path, "{$1}")
		methods, ok := doc[p]
		if !ok {
			t.Errorf("route %s %s is not in openapi.yaml", r.Method, p)
			continue
		}
		if !methods[strings.ToLower(r.Method)] {
			t.Errorf("route %s %s: method missing in openapi.yaml", r.Method, p)
		}
	}
}

// parsePaths reads "paths:" of the YAML by indentation: path keys at two
// spaces, methods at four.
func parsePaths(t *testing.T, y string) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	in := false
	var cur string
	for _, line := range strings.Split(y, "\n") {
		if strings.HasPrefix(line, "paths:") {
			in = true
			continue
		}
		if !in {
			continue
		}
		if len(line) > 0 && line[0] != ' ' {
			break
		}
		if strings.HasPrefix(line, "  /") && !strings.HasPrefix(line, "   ") {
			cur = strings.TrimSuffix(strings.TrimSpace(line), ":")
			out[cur] = map[string]bool{}
			continue
		}
		if cur != "" && strings.HasPrefix(line, "    ") && !strings.HasPrefix(line, "     ") {
			m := strings.TrimSuffix(strings.TrimSpace(line), ":")
			out[cur][m] = true
		}
	}
	if len(out) < 5 {
		t.Fatalf("parsed only %d paths from openapi.yaml", len(out))
	}
	return out
}
