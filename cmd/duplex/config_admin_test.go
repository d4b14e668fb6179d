package main

import "testing"

// A bcrypt hash of "s3cret".
const testAdminHash = "$2a$04$dAldqIDMREn9Ia5p6r740.xFQKlUH52JR1jnG21eYkcsNsK..UM6G"

// Each refusal of the admin settings, compared whole; the hash is never
// printed back.
func TestAdminSettingMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"user without --admin", []string{"--admin-user", "ops"}, nil,
			`--admin-user: want --admin too, which turns the admin UI on`},
		{"read-only without --admin", []string{"--admin-read-only"}, nil,
			`--admin-read-only: want --admin too, which turns the admin UI on`},
		{"no-auth variable without --admin", nil, map[string]string{"DUPLEX_ADMIN_NO_AUTH": "true"},
			`DUPLEX_ADMIN_NO_AUTH: want --admin too, which turns the admin UI on`},
		{"no credentials", []string{"--admin"}, nil,
			`--admin: want --admin-user and --admin-password-hash, or --admin-no-auth`},
		{"no credentials, variable", nil, map[string]string{"DUPLEX_ADMIN": "1"},
			`DUPLEX_ADMIN: want --admin-user and --admin-password-hash, or --admin-no-auth`},
		{"user without hash", []string{"--admin", "--admin-user", "ops"}, nil,
			`--admin-user: want --admin-password-hash too`},
		{"hash without user", []string{"--admin"}, map[string]string{"DUPLEX_ADMIN_PASSWORD_HASH": testAdminHash},
			`DUPLEX_ADMIN_PASSWORD_HASH: want --admin-user too`},
		{"not a bcrypt hash", []string{"--admin", "--admin-user", "ops", "--admin-password-hash", "s3cret"}, nil,
			`--admin-password-hash: want a bcrypt hash of 60 characters starting with $2a$, $2b$ or $2y$, such as htpasswd -nbBC 10 "" PASSWORD | tr -d ':\n' prints`},
		{"no-auth and a user", []string{"--admin", "--admin-no-auth"}, map[string]string{"DUPLEX_ADMIN_USER": "ops"},
			`--admin-no-auth and DUPLEX_ADMIN_USER: choose a password or none`},
		{"no-auth and a hash", []string{"--admin", "--admin-no-auth", "--admin-password-hash", testAdminHash}, nil,
			`--admin-no-auth and --admin-password-hash: choose a password or none`},
		{"mode variable", []string{"--admin", "--admin-no-auth"}, map[string]string{"DUPLEX_ADMIN_MODE": "debug"},
			`DUPLEX_ADMIN_MODE="debug": want development or production`},
		{"path of the UI", []string{"--admin", "--admin-no-auth", "--path", "/admin"}, nil,
			`--path="/admin": the admin UI is served at /admin/ (--admin): choose another path`},
		{"not a boolean", []string{"--admin=yes"}, nil,
			`--admin="yes": want true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(tt.args, func(k string) string { return tt.env[k] })
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v\nwant        %s", err, tt.want)
			}
		})
	}
}

func TestAdminSettingsAccepted(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--admin", "--admin-no-auth", "--admin-mode", "production", "--admin-read-only"}, nil},
		{[]string{"--admin", "--admin-user", "ops"}, map[string]string{"DUPLEX_ADMIN_PASSWORD_HASH": testAdminHash}},
		{nil, map[string]string{"DUPLEX_ADMIN": "true", "DUPLEX_ADMIN_USER": "ops", "DUPLEX_ADMIN_PASSWORD_HASH": testAdminHash}},
	} {
		cfg, err := parseConfig(tt.args, func(k string) string { return tt.env[k] })
		if err != nil || !cfg.admin.on {
			t.Errorf("%q %v: %v", tt.args, tt.env, err)
		}
	}
}
