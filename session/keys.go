package session

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// MinHashKeySize is the shortest hash key accepted, in bytes.
const MinHashKeySize = 32

// Errors about keys, returned by [New] and [ParseKeys].
var (
	ErrNoKeys       = errors.New("session: no keys")
	ErrShortKey     = errors.New("session: hash key shorter than 32 bytes")
	ErrBlockKeySize = errors.New("session: block key is not 16, 24 or 32 bytes")
	ErrKeyEncoding  = errors.New("session: key is not valid base64")
)

// ParseKeys reads a key list: comma-separated entries, current key first, each
// "HASH" or "HASH:BLOCK" in base64 (standard or URL-safe, padding optional).
// White space around entries is ignored.
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	for i, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}

		k, err := parseKey(entry)
		if err != nil {
			return nil, fmt.Errorf("%w (entry %d)", err, i+1)
		}
		keys = append(keys, k)
	}

	if len(keys) == 0 {
		return nil, ErrNoKeys
	}
	return keys, nil
}

// parseKey reads one "HASH" or "HASH:BLOCK" entry.
func parseKey(entry string) (Key, error) {
	hash, block, _ := strings.Cut(entry, ":")

	var k Key
	var err error
	if k.Hash, err = decodeBase64(hash); err != nil {
		return Key{}, err
	}
	if block != "" {
		if k.Block, err = decodeBase64(block); err != nil {
			return Key{}, err
		}
	}
	return k, k.validate()
}

// decodeBase64 accepts standard or URL-safe base64, with or without padding.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	s = strings.NewReplacer("-", "+", "_", "/").Replace(s)
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrKeyEncoding
	}
	return b, nil
}

// validate checks the key sizes.
func (k Key) validate() error {
	if len(k.Hash) < MinHashKeySize {
		return fmt.Errorf("%w: it has %d", ErrShortKey, len(k.Hash))
	}
	switch len(k.Block) {
	case 0, 16, 24, 32:
		return nil
	}
	return fmt.Errorf("%w: it has %d", ErrBlockKeySize, len(k.Block))
}

// NewKey returns a fresh hash key of 32 random bytes as a key list entry:
// base64url without padding, ready for [ParseKeys].
func NewKey() string {
	b := make([]byte, MinHashKeySize)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// FormatKeys writes keys as a key list that [ParseKeys] reads back.
func FormatKeys(keys []Key) string {
	entries := make([]string, len(keys))
	for i, k := range keys {
		entries[i] = base64.RawURLEncoding.EncodeToString(k.Hash)
		if len(k.Block) > 0 {
			entries[i] += ":" + base64.RawURLEncoding.EncodeToString(k.Block)
		}
	}
	return strings.Join(entries, ",")
}
