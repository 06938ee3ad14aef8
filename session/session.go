// Package session issues, reads and clears the signed token cookie of
// corscookie.
//
// A [Manager] writes one cookie, user_token by default, that holds a token: 32
// random bytes, base64url-encoded. The cookie value is the token and a
// timestamp signed with HMAC-SHA256 by gorilla/securecookie. It is signed, not
// encrypted, unless a [Key] has an AES block key: anyone holding the cookie can
// read the token, but nobody without the key can forge or alter one. Each hash
// key must be at least 32 bytes long ([MinHashKeySize]).
//
// A cookie lives for [Policy].MaxAge, 24 hours by default ([DefaultMaxAge]):
// that is both its Max-Age and the lifetime of its signature, so a value older
// than that is refused even when a client keeps sending it. The signature also
// covers the cookie name, so a value copied into a cookie of another name does
// not verify.
//
// Several keys can be given for rotation: the first signs, all of them verify,
// and a token that verified with an older key should be issued again with the
// current one.
//
// The package owns the cookie policy (name, SameSite, Secure, Partitioned,
// Domain and Max-Age) and never logs: it returns errors that callers map to
// responses.
package session

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
)

// DefaultName is the name of the token cookie unless [Policy].Name says
// otherwise.
const DefaultName = "user_token"

// DefaultMaxAge is how long a token lives unless [Policy].MaxAge says
// otherwise.
const DefaultMaxAge = 24 * time.Hour

// MaxCookieSize is the largest cookie, name and value together, that browsers
// keep. A longer one is dropped without a word to the page.
const MaxCookieSize = 4096

// tokenBytes is the number of random bytes in a token.
const tokenBytes = 32

// Errors returned by [Manager.Read]. [ErrEmpty] wraps [ErrNoToken], so
// errors.Is(err, ErrNoToken) holds for both.
var (
	ErrNoToken = errors.New("session: no token")
	ErrEmpty   = fmt.Errorf("%w: empty cookie", ErrNoToken)
	ErrInvalid = errors.New("session: invalid token")
	ErrExpired = errors.New("session: expired token")
)

// Key is one signing key: a hash key for HMAC-SHA256 of at least 32 bytes, and
// an optional block key of 16, 24 or 32 bytes that turns on AES encryption as
// well.
type Key struct {
	// Hash is the HMAC-SHA256 key, at least [MinHashKeySize] bytes.
	Hash []byte

	// Block is the AES key, 16, 24 or 32 bytes, or nil to sign without
	// encrypting.
	Block []byte
}

// Manager issues, reads and clears the token cookie under one [Policy].
// It is safe for concurrent use.
type Manager struct {
	policy Policy

	// codecs verify values within their signed lifetime; the first one signs.
	codecs []securecookie.Codec

	// ageless verify the signature alone, to tell an expired value from a
	// forged one.
	ageless []securecookie.Codec
}

// New returns a Manager for the policy and keys, the first key signing. It
// checks the policy and every key, then signs and verifies one token as a
// self-test.
func New(p Policy, keys []Key) (*Manager, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.withDefaults()

	m := &Manager{policy: p}
	for i, k := range keys {
		if err := k.validate(); err != nil {
			return nil, fmt.Errorf("%w (key %d)", err, i+1)
		}
		m.codecs = append(m.codecs, newCodec(k, p.MaxAge))
		m.ageless = append(m.ageless, newCodec(k, 0))
	}
	if len(m.codecs) == 0 {
		return nil, ErrNoKeys
	}

	return m, m.selfTest()
}

// newCodec returns a securecookie codec for the key with the given signed
// lifetime; 0 means no limit.
//
// The serializer is securecookie.NopEncoder: a token is already a string of
// bytes, and the default gob encoder would add type data to every cookie and
// about a dozen allocations to every request.
func newCodec(k Key, maxAge time.Duration) *securecookie.SecureCookie {
	c := securecookie.New(k.Hash, k.Block)
	c.SetSerializer(securecookie.NopEncoder{})
	c.MaxAge(int(maxAge / time.Second))
	c.MaxLength(MaxCookieSize)
	return c
}

// selfTest signs a token with the current key and verifies it with every key
// list, so a broken key or an oversized cookie stops start-up, not a request.
func (m *Manager) selfTest() error {
	token := NewToken()
	value, err := m.encode(token)
	if err != nil {
		return fmt.Errorf("session: self-test: %w", err)
	}

	size := len(m.policy.Name) + 1 + len(value)
	if size > MaxCookieSize {
		return fmt.Errorf("session: a signed cookie takes %d bytes, "+
			"browsers keep at most %d: use a shorter cookie name",
			size, MaxCookieSize)
	}

	var got []byte
	err = m.codecs[0].Decode(m.policy.Name, value, &got)
	if err != nil || string(got) != token {
		return fmt.Errorf("session: self-test: "+
			"signed token does not verify: %v", err)
	}
	return nil
}

// Policy returns the cookie policy in force, defaults filled in.
func (m *Manager) Policy() Policy {
	return m.policy
}

// NewToken returns a fresh token: 32 bytes from crypto/rand, base64url without
// padding.
func NewToken() string {
	b := make([]byte, tokenBytes)
	// rand.Read never returns an error: it crashes the program if
	// randomness fails.
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Issue signs token with the current key and sets it as the cookie on w.
func (m *Manager) Issue(w http.ResponseWriter, token string) error {
	value, err := m.encode(token)
	if err != nil {
		return err
	}

	http.SetCookie(w, m.cookie(value, int(m.policy.MaxAge/time.Second)))
	return nil
}

// Clear tells the browser to delete the cookie: the same attributes, Max-Age=0.
func (m *Manager) Clear(w http.ResponseWriter) {
	http.SetCookie(w, m.cookie("", -1))
}

// Read returns the token of the first cookie on r that verifies. Stale is true
// when it verified with a key other than the current one; the caller should
// then issue the token again.
//
// When no cookie verifies, Read returns [ErrExpired] if one was genuine but too
// old, [ErrInvalid] if one was not genuine, [ErrEmpty] if every one was empty,
// and [ErrNoToken] if there was none.
func (m *Manager) Read(r *http.Request) (token string, stale bool, err error) {
	err = ErrNoToken
	for _, c := range r.CookiesNamed(m.policy.Name) {
		if c.Value == "" {
			err = worse(err, ErrEmpty)
			continue
		}

		t, s, verr := m.verify(c.Value)
		if verr == nil {
			return t, s, nil
		}
		err = worse(err, verr)
	}
	return "", false, err
}

// worse returns whichever of two read errors says more about what the client
// sent.
func worse(a, b error) error {
	if readRank[b] > readRank[a] {
		return b
	}
	return a
}

// readRank orders the errors of [Manager.Read] from least to most telling.
var readRank = map[error]int{
	ErrNoToken: 0, ErrEmpty: 1, ErrInvalid: 2, ErrExpired: 3,
}

// verify checks one cookie value against every key.
func (m *Manager) verify(value string) (token string, stale bool, err error) {
	name := m.policy.Name
	var b []byte
	for i, c := range m.codecs {
		if c.Decode(name, value, &b) == nil {
			return string(b), i > 0, nil
		}
	}

	if securecookie.DecodeMulti(name, value, &b, m.ageless...) == nil {
		return "", false, ErrExpired
	}
	return "", false, ErrInvalid
}

// encode signs a token with the current key.
func (m *Manager) encode(token string) (string, error) {
	return m.codecs[0].Encode(m.policy.Name, []byte(token))
}

// cookie returns the cookie with every attribute of the policy written out.
func (m *Manager) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:        m.policy.Name,
		Value:       value,
		Path:        "/",
		Domain:      m.policy.Domain,
		MaxAge:      maxAge,
		HttpOnly:    true,
		Secure:      m.policy.Secure,
		SameSite:    m.policy.SameSite,
		Partitioned: m.policy.Partitioned,
	}
}
