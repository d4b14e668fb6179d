package web

import (
	"net/http"
	"strings"
	"testing"
)

// The UI's index.html loads our config script before its own, and no file
// from a CDN; the script points the UI at this server.
func TestAdminUI(t *testing.T) {
	t.Parallel()
	if !HasAdminUI() {
		t.Skip("admin UI not copied: make client-bundle")
	}
	h := AdminUI("/rt/", "/admin")
	r := get(t, h, "/")
	index := body(t, r)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Content-Security-Policy"), "connect-src 'self'") {
		t.Fatalf("index: %d %v", r.StatusCode, r.Header)
	}
	if strings.Contains(index, "https://") || !strings.Contains(index, ownIcons) {
		t.Errorf("index.html loads from elsewhere: %s", index)
	}
	ours, theirs := strings.Index(index, `src="duplex-admin.js"`), strings.Index(index, `src="js/`)
	if ours < 0 || theirs < ours {
		t.Errorf("duplex-admin.js at %d, the UI's scripts at %d", ours, theirs)
	}
	js := body(t, get(t, h, "/duplex-admin.js"))
	for _, want := range []string{`"server_url", location.origin`, `"path", "/rt"`, `"namespace", "/admin"`} {
		if !strings.Contains(js, want) {
			t.Errorf("duplex-admin.js lacks %s:\n%s", want, js)
		}
	}
	if r := get(t, h, "/mdi/fonts/materialdesignicons-webfont.woff2"); r.StatusCode != http.StatusOK {
		t.Errorf("icon font: %d", r.StatusCode)
	}
}
