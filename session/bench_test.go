package session

import (
	"net/http/httptest"
	"testing"
)

func BenchmarkIssue(b *testing.B) {
	for _, bc := range benchCases() {
		b.Run(bc.name, func(b *testing.B) {
			m := mustNew(b, Policy{}, bc.keys...)
			token := NewToken()
			b.ReportAllocs()
			for b.Loop() {
				if err := m.Issue(httptest.NewRecorder(), token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRead(b *testing.B) {
	for _, bc := range benchCases() {
		b.Run(bc.name, func(b *testing.B) {
			// Sign with the last key, so that reading tries every key before
			// it.
			signer := mustNew(b, Policy{}, bc.keys[len(bc.keys)-1])
			m := mustNew(b, Policy{}, bc.keys...)
			r := httptest.NewRequest("GET", "/get-cookie", nil)
			r.AddCookie(issue(b, signer, NewToken()))

			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := m.Read(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchCases are the key lists the benchmarks compare.
func benchCases() []struct {
	name string
	keys []Key
} {
	encrypting := testKey('e')
	encrypting.Block = make([]byte, 32)
	return []struct {
		name string
		keys []Key
	}{
		{"one key", []Key{testKey('a')}},
		{"encrypted", []Key{encrypting}},
		{"three keys, last matches",
			[]Key{testKey('a'), testKey('b'), testKey('c')}},
	}
}
