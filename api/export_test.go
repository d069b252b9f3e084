package api_test

import (
	"testing"

	"github.com/vanthu/vanthu/api"
)

func apiYAML(t *testing.T) []byte { t.Helper(); return api.OpenAPI() }
