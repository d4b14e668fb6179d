package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/duplexio/duplex/client"
	"github.com/duplexio/duplex/internal/testtime"
)

// TestAdminEndpoint: --admin serves the UI's page at /admin/ and the
// /admin namespace, which refuses a wrong password with the UI's message;
// without --admin neither is there.
func TestAdminEndpoint(t *testing.T) {
	t.Parallel()
	url, _, _ := startServer(t, "--admin", "--admin-user", "ops", "--admin-password-hash", testAdminHash)
	resp, body := getBody(t, url+"admin/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Socket.IO Admin UI") {
		t.Errorf("GET /admin/: %d %.200q (the UI is embedded by make client-bundle)", resp.StatusCode, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testtime.Wait)
	defer cancel()
	s, err := client.Dial(ctx, url+"admin", &client.Options{Auth: map[string]string{"username": "ops", "password": "s3cret"}})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	_ = s.Close()
	_, err = client.Dial(ctx, url+"admin", &client.Options{Auth: map[string]string{"username": "ops", "password": "nope"}})
	var ce *client.ConnectError
	if !errors.As(err, &ce) || ce.Message != "invalid credentials" {
		t.Errorf("wrong password: %v", err)
	}

	url, _, _ = startServer(t)
	if resp, body := getBody(t, url+"admin/"); strings.Contains(body, "Socket.IO Admin UI") {
		t.Errorf("GET /admin/ without --admin: %d, the UI", resp.StatusCode)
	}
	if _, err := client.Dial(ctx, url+"admin", &client.Options{DisableReconnection: true}); err == nil {
		t.Error("the /admin namespace exists without --admin")
	}
}

// TestAdminReadOnlyProduction: the flags reach the admin, whose config
// then announces only the stats.
func TestAdminReadOnlyProduction(t *testing.T) {
	t.Parallel()
	url, _, _ := startServer(t, "--admin", "--admin-no-auth", "--admin-read-only", "--admin-mode", "production")
	m, err := client.NewManager(url, &client.Options{DisableReconnection: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.Socket("/admin", nil)
	config := make(chan string, 1)
	s.On("config", func(c json.RawMessage) { config <- string(c) })
	ctx, cancel := context.WithTimeout(context.Background(), testtime.Wait)
	defer cancel()
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-config:
		if c != `{"supportedFeatures":["AGGREGATED_EVENTS"]}` {
			t.Errorf("config %s", c)
		}
	case <-ctx.Done():
		t.Fatal("no config")
	}
}
