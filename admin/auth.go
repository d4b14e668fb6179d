package admin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/duplexio/duplex/socketio"
)

// errInvalidCredentials is the refusal; the UI matches its exact text to
// show its own "Invalid credentials" rather than an error.
var errInvalidCredentials = &socketio.ConnectError{Message: "invalid credentials"}

// credentials is the auth payload of the UI: a session id from an earlier
// login, or a user name and password.
type credentials struct {
	SessionID *string `json:"sessionId"`
	Username  *string `json:"username"`
	Password  *string `json:"password"`
}

// newSession marks an admin socket that logged in with its password: its
// connection handler sends it the session id, once connected.
type newSession struct{ id string }

// authenticate is the admin namespace's middleware, as Node's: a known
// session id, or the user name and a password matching the hash.
func (a *Admin) authenticate(s *socketio.Socket) error {
	var c credentials
	if len(s.Handshake().Auth) > 0 && json.Unmarshal(s.Handshake().Auth, &c) != nil {
		return errInvalidCredentials
	}
	if c.SessionID != nil && *c.SessionID != "" && a.sessions.valid(*c.SessionID) {
		return nil
	}
	if c.Username != nil && c.Password != nil &&
		subtle.ConstantTimeCompare([]byte(*c.Username), []byte(a.opts.Auth.Username)) == 1 &&
		a.passwordMatches(*c.Password) {
		s.SetData(&newSession{id: a.sessions.add()})
		return nil
	}
	a.opts.Logger.Debug("admin: invalid credentials", "address", s.Handshake().Address)
	return errInvalidCredentials
}

// passwordMatches runs one bcrypt comparison at a time: each costs tens of
// milliseconds of CPU at cost 10 (that is its point), so that a flood of
// logins from clients who know the user name takes one core at most, not
// every core of the server.
func (a *Admin) passwordMatches(password string) bool {
	a.bcryptSlot <- struct{}{}
	defer func() { <-a.bcryptSlot }()
	return bcrypt.CompareHashAndPassword(a.hash, []byte(password)) == nil
}

// sessions are the session ids given to logged-in UIs: at most max, each
// valid for ttl, the oldest forgotten first.
type sessions struct {
	max int
	ttl time.Duration

	mu      sync.Mutex
	expires map[string]time.Time
	order   []string // ids in the order given
}

func newSessions(max int, ttl time.Duration) *sessions {
	return &sessions{max: max, ttl: ttl, expires: map[string]time.Time{}}
}

// add makes a new session id: 8 random bytes in hex, as Node's.
func (ss *sessions) add() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for len(ss.order) >= ss.max {
		delete(ss.expires, ss.order[0])
		ss.order = ss.order[1:]
	}
	ss.expires[id] = time.Now().Add(ss.ttl)
	ss.order = append(ss.order, id)
	return id
}

// valid reports whether id was given and has not expired.
func (ss *sessions) valid(id string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	exp, ok := ss.expires[id]
	return ok && time.Now().Before(exp)
}
