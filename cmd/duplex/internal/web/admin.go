package web

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
)

// adminDir is where `make build` copies the official admin UI
// (@socket.io/admin-ui's ui/dist, without its source maps).
const adminDir = "vendor/admin-ui"

// adminConfig is the script that index.html runs first: the UI keeps its
// server in localStorage and asks for it in a form when there is none, so
// that this sets it to the server the page came from (the origin, the
// Socket.IO path and the admin namespace). The UI then connects at once:
// with a session id of an earlier login, or refused and asking for the
// user name and password.
const adminConfig = `// Written by duplex: the admin UI connects to the server that serves it.
localStorage.setItem("server_url", location.origin);
localStorage.setItem("path", %q);
localStorage.setItem("namespace", %q);
`

// The UI's index.html loads fonts from two CDNs: the icons come from the
// binary instead (@mdi/font, copied by make into mdi/), and the text font
// falls back to the browser's sans-serif, so that the page works offline
// and tells no third party who opens it.
const (
	cdnIcons  = `<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@mdi/font@latest/css/materialdesignicons.min.css">`
	ownIcons  = `<link rel="stylesheet" href="mdi/css/materialdesignicons.min.css">`
	cdnRoboto = `<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto:100,300,400,500,700,900">`
)

// adminCSP keeps the UI to its own files and its own origin for
// connections; Vuetify sets styles inline.
const adminCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// localIndex makes the UI's index.html load only files of ours, and run
// duplex-admin.js before the UI's own scripts, which come last.
func localIndex(index []byte) []byte {
	index = bytes.Replace(index, []byte(cdnIcons), []byte(ownIcons), 1)
	index = bytes.Replace(index, []byte(cdnRoboto), nil, 1)
	return bytes.Replace(index, []byte("<script "), []byte(`<script src="duplex-admin.js"></script><script `), 1)
}

// HasAdminUI reports whether the admin UI is embedded.
func HasAdminUI() bool {
	_, err := fs.Stat(vendorFiles, adminDir+"/index.html")
	return err == nil
}

// AdminUI returns the handler of the admin UI, to mount at "/admin/" with
// http.StripPrefix, pointed at the Socket.IO path socketPath and the admin
// namespace nsp. It answers 503 when the binary was built without the UI.
func AdminUI(socketPath, nsp string) http.Handler {
	assets, err := fs.Sub(vendorFiles, adminDir)
	if err != nil || !HasAdminUI() {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "admin UI not built into this binary: build it with `make build`", http.StatusServiceUnavailable)
		})
	}
	index, err := fs.ReadFile(assets, "index.html")
	if err != nil {
		panic(err) // an embedded file that cannot be read
	}
	index = localIndex(index)
	indexFile := newFile("index.html", "text/html; charset=utf-8", index)
	config := newFile("duplex-admin.js", "application/javascript; charset=utf-8",
		fmt.Appendf(nil, adminConfig, strings.TrimSuffix(socketPath, "/"), nsp))
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", adminCSP)
		h.Set("Cache-Control", "no-cache")
		switch r.URL.Path {
		case "", "/", "/index.html":
			indexFile.serve(w, r)
		case "/duplex-admin.js":
			config.serve(w, r)
		default:
			files.ServeHTTP(w, r)
		}
	})
}
