package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// versionText is the answer to duplex --version: what an operator quotes
// in a bug report. The module version is "(devel)" for a binary built in a
// checkout, whose VCS revision then says which commit it is.
func versionText(info *debug.BuildInfo, ok bool) string {
	if !ok {
		return fmt.Sprintf("duplex (unknown version)\n%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	text := fmt.Sprintf("duplex %s\n", info.Main.Version)
	if rev := settings["vcs.revision"]; rev != "" {
		text += "revision " + rev
		if t := settings["vcs.time"]; t != "" {
			text += " (" + t + ")"
		}
		if settings["vcs.modified"] == "true" {
			text += ", with uncommitted changes"
		}
		text += "\n"
	}
	goos, goarch := settings["GOOS"], settings["GOARCH"]
	if goos == "" {
		goos, goarch = runtime.GOOS, runtime.GOARCH
	}
	return fmt.Sprintf("%s%s %s/%s\n", text, info.GoVersion, goos, goarch)
}

// isVersion reports whether args ask for the version: --version (or
// -version) alone. It is no flag of the FlagSet, which gives every flag a
// DUPLEX_* variable: DUPLEX_VERSION=1 would turn a server into a printer.
func isVersion(args []string) bool {
	return len(args) == 1 && (args[0] == "--version" || args[0] == "-version")
}
