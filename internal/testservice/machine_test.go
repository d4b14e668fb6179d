package testservice

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoMachineServices keeps the rule this package exists for: no test of
// the repository reaches for the machine's Redis or NATS (their default
// ports, REDIS_URL/NATS_URL, Redis's command-line client). A test that needs one
// starts its own with Start/Shared. Examples are documentation and do not
// run, so they may show the usual addresses.
func TestNoMachineServices(t *testing.T) {
	root := filepath.Join("..", "..")
	banned := []string{ // built by concatenation so that this file passes
		"127.0.0.1:" + "6379", "localhost:" + "6379", "127.0.0.1:" + "4222", "localhost:" + "4222",
		`Getenv("REDIS` + `_URL")`, `Getenv("NATS` + `_URL")`, "redis-" + "cli",
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", ".git", "bin", "snapshot", "results":
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		isTest := strings.HasSuffix(name, "_test.go") && !strings.HasPrefix(name, "example")
		isNode := strings.HasSuffix(name, ".mjs") && strings.HasPrefix(filepath.ToSlash(path), "../../test/")
		if !isTest && !isNode {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range banned {
			if strings.Contains(string(b), s) {
				t.Errorf("%s: %q: tests start their own servers (internal/testservice)", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
