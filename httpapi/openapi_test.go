package httpapi_test

import (
	"os"
	"strings"
	"testing"
)

// TestOpenAPIDocumentsEveryEndpoint keeps docs/openapi.yaml in step with
// the routes and the defaults it states.
func TestOpenAPIDocumentsEveryEndpoint(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{
		"  /api/v1/emit:\n    post:", "  /api/v1/sockets:\n    get:", "  /api/v1/join:\n    post:",
		"  /api/v1/leave:\n    post:", "  /api/v1/disconnect:\n    post:",
		"maximum: 60000", "default 1 MiB", "bearer: {type: http, scheme: bearer}",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/openapi.yaml lacks %q", want)
		}
	}
}
