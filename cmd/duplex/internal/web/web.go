// Package web is the chat application that cmd/duplex serves: a page in
// plain HTML, CSS and JavaScript (static/) speaking the protocol of package
// chat through the official socket.io-client, whose browser bundle
// `make build` copies into vendor/. Both are embedded in the binary, so it
// serves everything from any working directory, offline.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"time"
)

var (
	//go:embed static
	staticFiles embed.FS
	//go:embed vendor
	vendorFiles embed.FS
)

// ClientBundle is the file name of the socket.io-client browser bundle,
// served under the Socket.IO path as Node's server does.
const ClientBundle = "socket.io.min.js"

// MsgpackClientBundle is the bundle built with socket.io-msgpack-parser,
// which the page loads when the server uses the msgpack parser.
const MsgpackClientBundle = "socket.io.msgpack.min.js"

// bundles are the files Client serves.
var bundles = []string{ClientBundle, ClientBundle + ".map", MsgpackClientBundle, MsgpackClientBundle + ".map"}

// contentSecurityPolicy keeps the page to its own scripts and styles and to
// its own origin for connections: a message that slipped into the page as
// HTML would still run nothing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// App returns the handler of the chat page and its assets, for a server
// whose Socket.IO path is socketPath (such as "/socket.io/"): the page
// loads the client bundle (ClientBundle or MsgpackClientBundle) from there
// and connects there.
func App(socketPath, bundle string) (http.Handler, error) {
	assets, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	index, err := renderIndex(assets, socketPath, bundle)
	if err != nil {
		return nil, err
	}
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if r.URL.Path == "/" || r.URL.Path == "/index.html" {
			index.serve(w, r)
			return
		}
		files.ServeHTTP(w, r)
	}), nil
}

// renderIndex fills the Socket.IO path into index.html, once.
func renderIndex(assets fs.FS, socketPath, bundle string) (*file, error) {
	tmpl, err := template.ParseFS(assets, "index.html")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	data := struct{ Path, Bundle string }{socketPath, socketPath + bundle}
	if err := tmpl.Execute(&b, data); err != nil {
		return nil, err
	}
	return newFile("index.html", "text/html; charset=utf-8", b.Bytes()), nil
}

// Client returns the handler of the socket.io-client bundles and their
// source maps, for requests whose last path element is ClientBundle,
// MsgpackClientBundle or either +".map". It answers 503 when the binary was
// built without the bundle.
func Client() http.Handler { return clientHandler(vendorFiles, "vendor") }

// HasClient reports whether the client bundle is embedded.
func HasClient() bool {
	_, err := fs.Stat(vendorFiles, "vendor/"+ClientBundle)
	return err == nil
}

func clientHandler(fsys fs.FS, dir string) http.Handler {
	files := map[string]*file{}
	known := map[string]bool{}
	for _, name := range bundles {
		known[name] = true
		ctype := "application/javascript; charset=utf-8"
		if path.Ext(name) == ".map" {
			ctype = "application/json; charset=utf-8"
		}
		if b, err := fs.ReadFile(fsys, path.Join(dir, name)); err == nil {
			files[name] = newFile(name, ctype, b)
		} else if !errors.Is(err, fs.ErrNotExist) {
			panic(err) // an embedded file that cannot be read
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Base(r.URL.Path)
		if !known[name] {
			http.NotFound(w, r)
			return
		}
		f := files[name]
		if f == nil {
			http.Error(w, "socket.io client bundle not built into this binary: build it with `make build`", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		f.serve(w, r)
	})
}

// file is an in-memory file with its type and an ETag of its content.
type file struct {
	name, ctype, etag string
	data              []byte
}

func newFile(name, ctype string, data []byte) *file {
	sum := sha256.Sum256(data)
	return &file{name: name, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, data: data}
}

// serve answers GET and HEAD, with conditional requests and ranges.
func (f *file) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("ETag", f.etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.data))
}
