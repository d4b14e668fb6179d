package main

import (
	"flag"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// adminConfig is what --admin and --admin-* set: the official admin UI at
// /admin/ and its namespace (server_admin.go).
type adminConfig struct {
	on           bool
	user         string
	passwordHash string
	noAuth       bool
	mode         string // development (default) or production
	readOnly     bool
}

func adminFlags(fs *flag.FlagSet, c *adminConfig) {
	fs.BoolVar(&c.on, "admin", false, "serve the official Socket.IO admin UI at /admin/ and its /admin namespace (needs --admin-user and --admin-password-hash, or --admin-no-auth)")
	fs.StringVar(&c.user, "admin-user", "", "the admin UI's user `NAME`")
	fs.StringVar(&c.passwordHash, "admin-password-hash", "", "the bcrypt `HASH` of the admin UI's password (htpasswd -nbBC 10 \"\" PASSWORD | tr -d ':\\n'); prefer the variable")
	fs.BoolVar(&c.noAuth, "admin-no-auth", false, "let anyone who reaches the server into the admin UI, without a password")
	fs.BoolVar(&c.readOnly, "admin-read-only", false, "the admin UI shows but cannot act: no emit, join, leave or disconnect")
	fs.StringVar(&c.mode, "admin-mode", "development", "the admin UI's `MODE`, as Node's: development (sockets, rooms and every event shown; a broadcast costs several times more) or production (the stats only)")
}

// wantBcrypt is what --admin-password-hash wants.
const wantBcrypt = "want a bcrypt hash of 60 characters starting with $2a$, $2b$ or $2y$, such as htpasswd -nbBC 10 \"\" PASSWORD | tr -d ':\\n' prints"

// validate checks the admin settings together. The hash is never printed
// back: it stands for a password.
func (c *adminConfig) validate(src *sources) error {
	given := c.user != "" || c.passwordHash != "" || c.noAuth || c.readOnly
	switch {
	case c.mode != "development" && c.mode != "production":
		return src.refuse("admin-mode", "want development or production")
	case !c.on && given:
		return fmt.Errorf("%s: want --admin too, which turns the admin UI on", src.name(c.firstGiven()))
	case !c.on:
		return nil
	case c.noAuth && (c.user != "" || c.passwordHash != ""):
		return fmt.Errorf("%s and %s: choose a password or none", src.name("admin-no-auth"), src.name(c.credential()))
	case c.noAuth:
		return nil
	case c.user == "" && c.passwordHash == "":
		return fmt.Errorf("%s: want --admin-user and --admin-password-hash, or --admin-no-auth", src.name("admin"))
	case c.user == "":
		return fmt.Errorf("%s: want --admin-user too", src.name("admin-password-hash"))
	case c.passwordHash == "":
		return fmt.Errorf("%s: want --admin-password-hash too", src.name("admin-user"))
	}
	if _, err := bcrypt.Cost([]byte(c.passwordHash)); err != nil {
		return fmt.Errorf("%s: %s", src.name("admin-password-hash"), wantBcrypt)
	}
	return nil
}

// firstGiven names the first admin setting given.
func (c *adminConfig) firstGiven() string {
	switch {
	case c.user != "":
		return "admin-user"
	case c.passwordHash != "":
		return "admin-password-hash"
	case c.readOnly:
		return "admin-read-only"
	}
	return "admin-no-auth"
}

// credential names the credential given with --admin-no-auth.
func (c *adminConfig) credential() string {
	if c.user != "" {
		return "admin-user"
	}
	return "admin-password-hash"
}
