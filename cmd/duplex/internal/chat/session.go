package chat

import (
	"container/list"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"
)

// A session is what a user's token stands for: who the user is and which
// rooms it is in. The token, 256 random bits that the server issues in the
// first welcome, is a bearer secret: a connection presenting it is that
// user again (same id, name and rooms), whatever node it reaches, after a
// reload, a lost connection or a restart of the server (with Redis). Only
// its SHA-256 is stored, so that reading the store gives no token away.
type session struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Rooms []string `json:"rooms"`
}

// size is what a session weighs in a store, in bytes: its JSON and the
// bookkeeping of an entry.
func (s *session) size() int { return jsonSize(s) + sessionOverhead }

// sessionOverhead is the bytes an entry costs beyond its JSON: its key
// (a hex SHA-256) and the bookkeeping of the store.
const sessionOverhead = 64 + 64

// sessionStore keeps sessions by the hash of their token for a time to
// live that each save renews. It is bounded in bytes: past the bound the
// sessions used the longest ago go first.
type sessionStore interface {
	load(ctx context.Context, hash string) (*session, error)
	save(ctx context.Context, hash string, s *session) error
	remove(ctx context.Context, hash string) error
}

// tokenLen is the length of a token: 32 bytes, base64url without padding.
const tokenLen = 43

// newToken returns a fresh session token.
func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// tokenHash returns the key of token in a store, or "" for a string that
// is no token this server could have issued.
func tokenHash(token string) string {
	if len(token) != tokenLen {
		return ""
	}
	if _, err := base64.RawURLEncoding.DecodeString(token); err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newUserID returns a user id: 80 random bits, unique across nodes. It is
// public (lists and messages carry it); the token is the secret.
func newUserID() string { return "u" + rand.Text()[:16] }

// memorySessions is the sessionStore of a node alone: a map and a list in
// the order of use, the least recently saved at the back.
type memorySessions struct {
	ttl      time.Duration
	maxBytes int
	now      func() time.Time

	mu    sync.Mutex
	byKey map[string]*list.Element // of *memorySession
	order list.List                // most recently saved first
	bytes int
}

type memorySession struct {
	hash    string
	data    []byte // the session's JSON: loads return a copy
	size    int
	expires time.Time
}

func newMemorySessions(ttl time.Duration, maxBytes int, now func() time.Time) *memorySessions {
	return &memorySessions{ttl: ttl, maxBytes: maxBytes, now: now, byKey: map[string]*list.Element{}}
}

func (m *memorySessions) load(_ context.Context, hash string) (*session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.byKey[hash]
	if e == nil {
		return nil, nil
	}
	ms := e.Value.(*memorySession)
	if !m.now().Before(ms.expires) {
		m.drop(e)
		return nil, nil
	}
	var s session
	if err := json.Unmarshal(ms.data, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

func (m *memorySessions) save(_ context.Context, hash string, s *session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.byKey[hash]; e != nil {
		m.drop(e)
	}
	ms := &memorySession{hash: hash, data: data, size: len(data) + sessionOverhead, expires: m.now().Add(m.ttl)}
	m.byKey[hash] = m.order.PushFront(ms)
	m.bytes += ms.size
	for e := m.order.Back(); e != nil && !m.now().Before(e.Value.(*memorySession).expires); e = m.order.Back() {
		m.drop(e) // expired: the least recently saved expire first
	}
	for m.bytes > m.maxBytes && m.order.Len() > 1 {
		m.drop(m.order.Back())
	}
	return nil
}

func (m *memorySessions) remove(_ context.Context, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.byKey[hash]; e != nil {
		m.drop(e)
	}
	return nil
}

// drop forgets the session of e. The caller holds m.mu.
func (m *memorySessions) drop(e *list.Element) {
	ms := e.Value.(*memorySession)
	m.order.Remove(e)
	delete(m.byKey, ms.hash)
	m.bytes -= ms.size
}
