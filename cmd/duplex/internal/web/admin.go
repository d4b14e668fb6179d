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
	// The UI's own scripts come last in index.html: ours goes before them.
	index = bytes.Replace(index, []byte("<script "), []byte(`<script src="duplex-admin.js"></script><script `), 1)
	indexFile := newFile("index.html", "text/html; charset=utf-8", index)
	config := newFile("duplex-admin.js", "application/javascript; charset=utf-8",
		fmt.Appendf(nil, adminConfig, strings.TrimSuffix(socketPath, "/"), nsp))
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
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
