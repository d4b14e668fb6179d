package main

import (
	"log/slog"
	"testing"
)

// Only the bench fixture can be a cluster node; without -redis nothing
// changes. Neither case needs a Redis.
func TestClusterFlag(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.DiscardHandler)
	for _, fixture := range []string{"conformance", "interop"} {
		if _, _, err := build(fixture, logger, &cluster{redisURL: "redis://127.0.0.1:1"}); err == nil {
			t.Errorf("%s fixture accepted -redis", fixture)
		}
	}
	if _, _, err := build("bench", logger, &cluster{redisURL: "::not a url"}); err == nil {
		t.Error("bench fixture accepted a malformed -redis URL")
	}
	h, shutdown, err := build("bench", logger, &cluster{})
	if err != nil || h == nil {
		t.Fatalf("bench fixture without -redis: %v", err)
	}
	shutdown(t.Context())
}
