package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	t.Parallel()
	info := &debug.BuildInfo{
		GoVersion: "go1.26.0",
		Main:      debug.Module{Path: "github.com/duplexio/duplex", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"},
			{Key: "vcs.revision", Value: "93083a9cdeadbeef"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	want := "duplex v1.2.3\nrevision 93083a9cdeadbeef (2026-12-01T10:00:00Z), with uncommitted changes\ngo1.26.0 linux/amd64\n"
	if got := versionText(info, true); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	info.Settings, info.Main.Version = nil, "(devel)"
	want = "duplex (devel)\ngo1.26.0 " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if got := versionText(info, true); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestVersionFlag(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--version"}, nil, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "duplex ") ||
		!strings.Contains(stdout.String(), runtime.Version()) {
		t.Errorf("duplex --version: exit code %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	if code := run([]string{"-h"}, nil, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "duplex --version") {
		t.Errorf("duplex -h does not mention --version")
	}
}
