package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/duplexio/duplex/admin"
	"github.com/duplexio/duplex/cmd/duplex/internal/web"
	"github.com/duplexio/duplex/socketio"
)

// adminPrefix is where the admin UI's page is served.
const adminPrefix = "/admin/"

// instrumentAdmin, with --admin, makes the admin and lets it watch the
// server that opts will make. Without it the server has no Monitor and
// pays nothing.
func (s *server) instrumentAdmin(opts *socketio.Options) error {
	c := s.cfg.admin
	if !c.on {
		return nil
	}
	// host#pid, as Node names cluster workers: two nodes on one host (a
	// development cluster) would be one server in the UI by host name.
	host, _ := os.Hostname()
	o := &admin.Options{NoAuth: c.noAuth, Logger: s.log, ServerID: fmt.Sprintf("%s#%d", host, os.Getpid()),
		Production: c.mode == "production", ReadOnly: c.readOnly}
	if !c.noAuth {
		o.Auth = &admin.BasicAuth{Username: c.user, PasswordHash: c.passwordHash}
	}
	a, err := admin.New(o)
	if err != nil {
		return err
	}
	a.Instrument(opts)
	s.admin = a
	return nil
}

// mountAdmin serves the admin namespace and the UI's page.
func (s *server) mountAdmin(mux *http.ServeMux) {
	if s.admin == nil {
		return
	}
	s.admin.Start(s.io)
	mux.Handle("GET "+adminPrefix, http.StripPrefix(adminPrefix[:len(adminPrefix)-1], web.AdminUI(s.cfg.path, admin.DefaultNamespace)))
	mux.Handle("GET /admin", http.RedirectHandler(adminPrefix, http.StatusMovedPermanently))
	if s.cfg.admin.noAuth {
		s.log.Warn("duplex: the admin UI takes no password (--admin-no-auth): anyone who reaches the server can disconnect its clients")
	}
}
